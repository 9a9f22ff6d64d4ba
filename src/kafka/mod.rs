//! The only place that touches rdkafka. Everything above this module sees plain
//! structs, so the inspectors, the cockpit and the tests never depend on
//! librdkafka's types.

pub mod client;
pub mod metadata;
pub mod offsets;

pub use client::{consumer, producer, KafkaFailure};
pub use metadata::{fetch_metadata, BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo};
pub use offsets::{offsets_for_times, watermarks, Watermarks};
