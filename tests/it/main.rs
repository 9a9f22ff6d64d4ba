//! One integration test binary: every module here runs against real brokers.

#[path = "../support/mod.rs"]
mod support;

mod acl;
mod bad_input;
mod cheatsheet;
mod connect;
mod connect_pane;
mod cutover;
mod cutover_pane;
mod demo;
mod engine;
mod engine_start;
mod exit_codes;
mod export;
mod faults;
mod groups;
mod import;
mod kcat_compat;
mod noida;
mod produce_compat;
mod reference_panes;
mod replicate;
mod report;
mod runner_verify;
mod sasl;
mod schema_migration;
mod schemas;
mod secrets;
mod tansu;
mod tls;
mod tui;
mod tui_tmux;
mod verify;
mod verify_pane;
mod watch;
mod watch_pane;
