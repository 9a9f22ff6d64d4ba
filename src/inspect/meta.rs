//! `kdeck meta`: kcat -L, in kcat's text layout or its -J JSON.

use serde::Serialize;

use crate::kafka::ClusterMetadata;

/// kcat -L's text, line for line.
pub fn render_text(metadata: &ClusterMetadata, topic: Option<&str>) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Metadata for {} (from broker {}: {}):",
        topic.unwrap_or("all topics"),
        metadata.orig_broker_id,
        metadata.orig_broker_name
    );
    let _ = writeln!(out, " {} brokers:", metadata.brokers.len());
    for broker in &metadata.brokers {
        let controller = if broker.id == metadata.controller_id { " (controller)" } else { "" };
        let _ = writeln!(out, "  broker {} at {}:{}{}", broker.id, broker.host, broker.port, controller);
    }
    let _ = writeln!(out, " {} topics:", metadata.topics.len());
    for t in &metadata.topics {
        let _ = write!(out, "  topic \"{}\" with {} partitions:", t.name, t.partitions.len());
        if let Some(err) = &t.error {
            let _ = write!(out, " {}", err.text);
            if err.leader_not_available {
                out.push_str(" (try again)");
            }
        }
        out.push('\n');
        for p in &t.partitions {
            let _ = write!(
                out,
                "    partition {}, leader {}, replicas: {}, isrs: {}",
                p.id,
                p.leader,
                join_ids(&p.replicas),
                join_ids(&p.isrs)
            );
            if let Some(err) = &p.error {
                let _ = write!(out, ", {err}");
            }
            out.push('\n');
        }
    }
    out
}

fn join_ids(ids: &[i32]) -> String {
    ids.iter().map(i32::to_string).collect::<Vec<_>>().join(",")
}

#[derive(Serialize)]
struct JsonMetadata<'a> {
    originating_broker: JsonOrigin<'a>,
    query: JsonQuery<'a>,
    controllerid: i32,
    brokers: Vec<JsonBroker>,
    topics: Vec<JsonTopic<'a>>,
}

#[derive(Serialize)]
struct JsonOrigin<'a> {
    id: i32,
    name: &'a str,
}

#[derive(Serialize)]
struct JsonQuery<'a> {
    topic: &'a str,
}

#[derive(Serialize)]
struct JsonBroker {
    id: i32,
    name: String,
}

#[derive(Serialize)]
struct JsonTopic<'a> {
    topic: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    partitions: Vec<JsonPartition<'a>>,
}

#[derive(Serialize)]
struct JsonPartition<'a> {
    partition: i32,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<&'a str>,
    leader: i32,
    replicas: Vec<JsonId>,
    isrs: Vec<JsonId>,
}

#[derive(Serialize)]
struct JsonId {
    id: i32,
}

/// kcat -L -J: one JSON document and a newline.
pub fn render_json(metadata: &ClusterMetadata, topic: Option<&str>) -> String {
    let doc = JsonMetadata {
        originating_broker: JsonOrigin { id: metadata.orig_broker_id, name: &metadata.orig_broker_name },
        query: JsonQuery { topic: topic.unwrap_or("*") },
        controllerid: metadata.controller_id,
        brokers: metadata
            .brokers
            .iter()
            .map(|b| JsonBroker { id: b.id, name: format!("{}:{}", b.host, b.port) })
            .collect(),
        topics: metadata
            .topics
            .iter()
            .map(|t| JsonTopic {
                topic: &t.name,
                error: t.error.as_ref().map(|e| e.text.as_str()),
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| JsonPartition {
                        partition: p.id,
                        error: p.error.as_deref(),
                        leader: p.leader,
                        replicas: p.replicas.iter().map(|&id| JsonId { id }).collect(),
                        isrs: p.isrs.iter().map(|&id| JsonId { id }).collect(),
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut text = serde_json::to_string(&doc).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kafka::{BrokerInfo, PartitionInfo, TopicInfo};

    fn sample() -> ClusterMetadata {
        ClusterMetadata {
            orig_broker_id: 1,
            orig_broker_name: "127.0.0.1:9092/1".into(),
            controller_id: 1,
            brokers: vec![
                BrokerInfo { id: 1, host: "127.0.0.1".into(), port: 9092 },
                BrokerInfo { id: 2, host: "127.0.0.1".into(), port: 9093 },
            ],
            topics: vec![TopicInfo {
                name: "orders".into(),
                error: None,
                partitions: vec![PartitionInfo { id: 0, leader: 2, replicas: vec![2, 1], isrs: vec![2], error: None }],
            }],
        }
    }

    #[test]
    fn text_matches_kcat_layout() {
        let expected = "Metadata for all topics (from broker 1: 127.0.0.1:9092/1):\n 2 brokers:\n  broker 1 at 127.0.0.1:9092 (controller)\n  broker 2 at 127.0.0.1:9093\n 1 topics:\n  topic \"orders\" with 1 partitions:\n    partition 0, leader 2, replicas: 2,1, isrs: 2\n";
        assert_eq!(render_text(&sample(), None), expected);
    }

    #[test]
    fn json_keeps_kcat_field_order() {
        let json = render_json(&sample(), Some("orders"));
        assert!(json.starts_with(r#"{"originating_broker":{"id":1,"name":"127.0.0.1:9092/1"},"query":{"topic":"orders"},"controllerid":1,"brokers":[{"id":1,"name":"127.0.0.1:9092"}"#), "{json}");
        assert!(json.ends_with("}]}]}\n"));
    }
}
