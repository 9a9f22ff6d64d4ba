#!/usr/bin/env bash
# Runs every kdeck test on a fresh Debian machine: installs what is missing
# (kcat, tmux, the C toolchain pieces librdkafka needs, the tansu broker), then
# the whole suite. Nothing is skipped: a missing tool is installed or the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v kcat >/dev/null || missing+=(kcat)
command -v tmux >/dev/null || missing+=(tmux)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

export PATH="$HOME/.cargo/bin:$PATH"
TANSU_VERSION=0.6.0
if ! tansu --version 2>/dev/null | grep -q "$TANSU_VERSION"; then
  echo "== installing tansu $TANSU_VERSION (about 10-14 minutes on 2 cores)"
  cargo install tansu --version "$TANSU_VERSION" --locked --features dynostore
fi

echo "== cargo build --release (the tmux test runs the release binary, as users do)"
cargo build --release --locked --bin kdeck

echo "== cargo test"
cargo test --locked --all-targets
cargo test --locked --doc
