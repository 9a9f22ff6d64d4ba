#!/usr/bin/env bash
# Runs every kdeck test on a fresh Debian machine: installs what is missing
# (kcat, tmux, stunnel4, openssl, the C toolchain pieces librdkafka needs, the tansu and noida-db
# brokers), then the whole suite. Nothing is skipped: a missing tool is installed or the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v kcat >/dev/null || missing+=(kcat)
command -v tmux >/dev/null || missing+=(tmux)
# TLS tests: stunnel puts TLS (and client-certificate checks) in front of tansu;
# openssl makes each test's server certificates.
command -v stunnel4 >/dev/null || missing+=(stunnel4)
command -v openssl >/dev/null || missing+=(openssl)
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v make >/dev/null || missing+=(make)
command -v g++ >/dev/null || missing+=(g++)
dpkg -s libssl-dev >/dev/null 2>&1 || missing+=(libssl-dev)
dpkg -s zlib1g-dev >/dev/null 2>&1 || missing+=(zlib1g-dev)
command -v python3 >/dev/null || missing+=(python3)
python3 -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
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

# noida-db: the one test broker with real transaction markers. Its wheel ships
# a broker binary; it is unpacked into a cache dir, never installed into the
# system Python.
NOIDA_VERSION=0.2.3
NOIDA_DIR="$HOME/.cache/kdeck-test-tools/noida-db-$NOIDA_VERSION"
if [ ! -x "$NOIDA_DIR/noida_db/noida-db" ]; then
  echo "== installing noida-db $NOIDA_VERSION into $NOIDA_DIR"
  rm -rf "$NOIDA_DIR.partial"
  mkdir -p "$NOIDA_DIR.partial"
  python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$NOIDA_DIR.partial" "noida-db==$NOIDA_VERSION"
  python3 -m zipfile -e "$NOIDA_DIR.partial"/noida_db-*.whl "$NOIDA_DIR.partial"
  chmod +x "$NOIDA_DIR.partial/noida_db/noida-db"
  rm -rf "$NOIDA_DIR"
  mv "$NOIDA_DIR.partial" "$NOIDA_DIR"
fi
export KDECK_NOIDA_DB="$NOIDA_DIR/noida_db/noida-db"

# confluent-kafka's Schema Registry serializers write the records kdeck decodes
# in tests/it/schemas.rs. A venv in the cache dir, never the system Python.
# protobuf stays below 5: confluent-kafka 2.6.1's ProtobufDeserializer calls
# MessageFactory.GetPrototype, which protobuf 5 removed.
CONFLUENT_KAFKA_VERSION=2.6.1
CONFLUENT_VENV="$HOME/.cache/kdeck-test-tools/confluent-kafka-$CONFLUENT_KAFKA_VERSION"
if [ ! -f "$CONFLUENT_VENV/.installed" ]; then
  echo "== installing confluent-kafka $CONFLUENT_KAFKA_VERSION (with its serializers' dependencies) into $CONFLUENT_VENV"
  python3 -c "import ensurepip" >/dev/null 2>&1 || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv
  rm -rf "$CONFLUENT_VENV"
  python3 -m venv "$CONFLUENT_VENV"
  "$CONFLUENT_VENV/bin/python" -m pip install --quiet \
    "confluent-kafka[avro,json,protobuf,schemaregistry]==$CONFLUENT_KAFKA_VERSION" "protobuf<5"
  touch "$CONFLUENT_VENV/.installed"
fi
export KDECK_CONFLUENT_PYTHON="$CONFLUENT_VENV/bin/python"

echo "== cargo build --release (the tmux test runs the release binary, as users do)"
cargo build --release --locked --bin kdeck

echo "== cargo test"
cargo test --locked --all-targets
cargo test --locked --doc
