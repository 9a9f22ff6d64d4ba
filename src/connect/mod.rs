//! Kafka Connect: running a kdeck plan on a Connect cluster instead of kdeck's engine.

pub mod client;
pub mod clusters;
pub mod export;
pub mod model;

pub mod apply;
#[cfg(test)]
pub(crate) mod canned;
#[cfg(test)]
mod client_tests;
pub mod command;
pub mod render;
