//! The only place that touches rdkafka. Everything above this module sees plain
//! structs, so the inspectors, the cockpit and the tests never depend on
//! librdkafka's types.

pub mod acls;
pub mod admin;
pub mod aws_credentials;
pub mod aws_remote_credentials;
mod batch;
pub mod client;
pub mod closer;
pub mod embedded;
mod flush;
pub mod group_offsets;
pub mod groups;
pub mod metadata;
pub mod msk_iam;
pub mod msk_token;
pub mod offsets;
mod polled;
pub mod probe;
pub mod reader;
pub mod writer;

pub use batch::ReadWaker;
pub use client::KafkaFailure;
pub use metadata::{BrokerInfo, ClusterMetadata, PartitionInfo, TopicInfo};
pub use offsets::Watermarks;
pub use reader::{PartitionReader, ReadEvent, StartPosition};
pub use writer::RecordWriter;
