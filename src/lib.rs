//! kdeck: a terminal cockpit for Kafka cluster migrations.

pub mod acl;
pub mod cheatsheet;
pub mod cli;
pub mod config;
pub mod connect;
pub mod cutover;
pub mod demo;
pub mod engine;
pub mod error;
pub mod import;
pub mod inspect;
pub mod journal;
pub mod kafka;
pub mod logging;
pub mod record;
pub mod replicate;
pub mod report;
pub mod rest_client;
pub mod run;
pub mod schemas;
pub mod signals;
pub mod tui;
pub mod verify;
pub mod watch;
