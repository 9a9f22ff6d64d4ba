//! Kafka Connect: running a kdeck plan on a Connect cluster instead of kdeck's engine.

pub mod export;
pub mod model;
