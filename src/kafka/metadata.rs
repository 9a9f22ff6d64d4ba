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
///
/// With `named_origin`, the answering broker is always named by its id, as
/// kcat names it (see [`Origin`]); without, an answer from a bootstrap
/// connection that matches no listed broker keeps id -1, and no second
/// request is spent on naming it.
pub fn fetch_metadata(
    consumer: &BaseConsumer,
    cluster_name: &str,
    topic: Option<&str>,
    timeout: Duration,
    named_origin: bool,
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
    let brokers: Vec<BrokerInfo> = metadata
        .brokers()
        .iter()
        .map(|b| BrokerInfo { id: b.id(), host: b.host().to_string(), port: b.port() })
        .collect();
    let mut origin = Origin::of(metadata.orig_broker_id(), metadata.orig_broker_name(), &brokers);
    if origin.id < 0 && named_origin {
        // The bootstrap address is not one the brokers advertise (a load
        // balancer, another name): asking again goes to a learned broker.
        metadata = fetch()?;
        let brokers: Vec<BrokerInfo> = metadata
            .brokers()
            .iter()
            .map(|b| BrokerInfo { id: b.id(), host: b.host().to_string(), port: b.port() })
            .collect();
        origin = Origin::of(metadata.orig_broker_id(), metadata.orig_broker_name(), &brokers);
    }
    // SAFETY: the pointer is the live client handle owned by `consumer`, and
    // rd_kafka_controllerid only reads cached metadata (0 ms: never blocks).
    let controller_id = unsafe { rdkafka::bindings::rd_kafka_controllerid(consumer.client().native_ptr(), 0) };
    Ok(ClusterMetadata {
        orig_broker_id: origin.id,
        orig_broker_name: origin.name,
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

/// The broker that answered a metadata request, as kcat prints it
/// (`from broker 1: host:port/1`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    id: i32,
    name: String,
}

impl Origin {
    /// Since librdkafka 2.10 ("identify brokers only by broker id", #4557) a
    /// bootstrap server is asked over a connection of its own, named
    /// `host:port/bootstrap` with id -1, which is dropped once the brokers
    /// are known; kcat's librdkafka (2.0) gave the bootstrap connection the
    /// id of the broker it reached. The broker
    /// listed at the bootstrap address is that broker: it gets its id and
    /// librdkafka's name for it (`host:port/id`) without a second request.
    fn of(id: i32, name: &str, brokers: &[BrokerInfo]) -> Origin {
        if id >= 0 {
            return Origin { id, name: name.to_string() };
        }
        let address = name.rsplit_once('/').map_or(name, |(address, _)| address);
        let listed = brokers.iter().find(|b| format!("{}:{}", b.host, b.port) == address);
        match listed {
            Some(broker) => Origin { id: broker.id, name: format!("{address}/{}", broker.id) },
            None => Origin { id, name: name.to_string() },
        }
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn broker(id: i32, port: i32) -> BrokerInfo {
        BrokerInfo { id, host: "127.0.0.1".into(), port }
    }

    #[test]
    fn a_bootstrap_answer_is_named_after_the_broker_at_its_address() {
        let brokers = [broker(1, 9092), broker(2, 9093)];
        let named = Origin::of(-1, "127.0.0.1:9093/bootstrap", &brokers);
        assert_eq!(named, Origin { id: 2, name: "127.0.0.1:9093/2".into() });
        let unknown = Origin::of(-1, "kafka.example:9092/bootstrap", &brokers);
        assert_eq!(unknown, Origin { id: -1, name: "kafka.example:9092/bootstrap".into() });
        let learned = Origin::of(1, "127.0.0.1:9092/1", &brokers);
        assert_eq!(learned, Origin { id: 1, name: "127.0.0.1:9092/1".into() });
    }
}
