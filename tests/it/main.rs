//! One integration test binary: every module here runs against real brokers.

#[path = "../support/mod.rs"]
mod support;

mod acl;
mod bad_input;
mod demo;
mod engine;
mod export;
mod faults;
mod groups;
mod kcat_compat;
mod produce_compat;
mod replicate;
mod secrets;
mod tansu;
mod tui;
mod tui_tmux;
mod verify;
mod cutover;
mod report;
mod verify_pane;
