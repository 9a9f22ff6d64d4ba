//! Watching a migration that another runner copies (Confluent Replicator,
//! MirrorMaker 2, any Kafka Connect source connector, or a kdeck engine): its
//! positions read from the clusters and Connect's REST API, with no JMX.

pub mod command;
pub mod lag;
pub mod positions;
pub mod read;
pub mod render;
