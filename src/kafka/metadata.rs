//! Cluster metadata as plain data.

use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::types::RDKafkaRespErr;

use crate::error::Failure;

use super::client::KafkaFailure;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMetadata {
    pub orig_broker_id: i32,
    pub orig_broker_name: String,
    /// -1 when the cluster did not say.
    pub controller_id: i32,
    pub brokers: Vec<BrokerInfo>,
    pub topics: Vec<TopicInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokerInfo {
    pub id: i32,
    pub host: String,
    pub port: i32,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    /// librdkafka's description of a topic-level error, e.g. "Broker: Unknown topic or partition".
    pub error: Option<TopicError>,
    pub partitions: Vec<PartitionInfo>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicError {
    pub text: String,
    pub unknown_topic: bool,
    pub leader_not_available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionInfo {
    pub id: i32,
    pub leader: i32,
    pub replicas: Vec<i32>,
    pub isrs: Vec<i32>,
    pub error: Option<String>,
}

impl ClusterMetadata {
    pub fn topic(&self, name: &str) -> Option<&TopicInfo> {
        self.topics.iter().find(|t| t.name == name)
    }
}

fn error_text(err: RDKafkaRespErr) -> String {
    rdkafka::error::RDKafkaErrorCode::from(err).to_string()
}

/// Metadata for one topic or all of them. `cluster_name` only phrases errors.
pub fn fetch_metadata(
    consumer: &BaseConsumer,
    cluster_name: &str,
    topic: Option<&str>,
    timeout: Duration,
) -> Result<ClusterMetadata, Failure> {
    let fetch = || {
        consumer.fetch_metadata(topic, timeout).map_err(|err| {
            // librdkafka's logs (why a TLS or SASL handshake failed) wait on the
            // consumer's queue; serving it lets KafkaFailure name the reason.
            // This consumer has nothing assigned, so no record is taken.
            for _ in 0..16 {
                let _ = consumer.poll(Duration::from_millis(5));
            }
            KafkaFailure::runtime(
                &format!("cannot fetch metadata from {cluster_name} within {}s", timeout.as_secs()),
                &err,
            )
        })
    };
    let mut metadata = fetch()?;
    if metadata.orig_broker_id() < 0 {
        // The first answer came over the bootstrap connection, which has no
        // broker id. Asking again goes to a learned broker, so the origin line
        // names a real broker as kcat's does.
        metadata = fetch()?;
    }
    // SAFETY: the pointer is the live client handle owned by `consumer`, and
    // rd_kafka_controllerid only reads cached metadata (0 ms: never blocks).
    let controller_id = unsafe { rdkafka::bindings::rd_kafka_controllerid(consumer.client().native_ptr(), 0) };
    Ok(ClusterMetadata {
        orig_broker_id: metadata.orig_broker_id(),
        orig_broker_name: metadata.orig_broker_name().to_string(),
        controller_id,
        brokers: metadata
            .brokers()
            .iter()
            .map(|b| BrokerInfo { id: b.id(), host: b.host().to_string(), port: b.port() })
            .collect(),
        topics: metadata
            .topics()
            .iter()
            .map(|t| TopicInfo {
                name: t.name().to_string(),
                error: t.error().map(|e| TopicError {
                    text: error_text(e),
                    unknown_topic: e == RDKafkaRespErr::RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                    leader_not_available: e == RDKafkaRespErr::RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE,
                }),
                partitions: t
                    .partitions()
                    .iter()
                    .map(|p| PartitionInfo {
                        id: p.id(),
                        leader: p.leader(),
                        replicas: p.replicas().to_vec(),
                        isrs: p.isr().to_vec(),
                        error: p.error().map(error_text),
                    })
                    .collect(),
            })
            .collect(),
    })
}

/// The partitions of `topic`, or a one-line error when it does not exist.
pub fn topic_partitions(metadata: &ClusterMetadata, cluster_name: &str, topic: &str) -> Result<Vec<i32>, Failure> {
    let info = metadata.topic(topic);
    match info {
        Some(t) if t.error.as_ref().is_some_and(|e| e.unknown_topic) || t.partitions.is_empty() => {
            Err(Failure::runtime(format!("unknown topic {topic:?} on {cluster_name}")))
        }
        Some(t) => Ok(t.partitions.iter().map(|p| p.id).collect()),
        None => Err(Failure::runtime(format!("unknown topic {topic:?} on {cluster_name}"))),
    }
}
