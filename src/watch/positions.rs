//! Where a replicator stands on each source partition, parsed from what it
//! leaves behind, with no I/O: Replicator's committed group offsets, MirrorMaker
//! 2's Connect offsets records, and a Connect connector's KIP-875 offsets.
//!
//! Every reader gives the replicator's **next** source offset (the first
//! record it has not copied yet), so lag is `high watermark - next` for all.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::connect::model::Offsets;
use crate::kafka::groups::CommittedOffset;

/// One source partition's position as the runner recorded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub topic: String,
    pub partition: i32,
    /// The next source offset the runner will copy.
    pub next_offset: i64,
    /// When the runner recorded it (ms since the epoch), when the store says.
    pub committed_at_ms: Option<i64>,
}

/// Positions keyed by (topic, partition).
pub type Positions = BTreeMap<(String, i32), Position>;

/// Confluent Replicator commits its source positions to the **source** cluster
/// under `src.consumer.group.id` (with `offset.topic.commit=true`, its default),
/// as any Kafka consumer does: the committed offset is the next one to read.
/// OffsetFetch carries no commit time.
pub fn from_committed(committed: &[CommittedOffset]) -> Positions {
    committed
        .iter()
        .filter_map(|entry| {
            let next_offset = entry.committed?;
            let position =
                Position { topic: entry.topic.clone(), partition: entry.partition, next_offset, committed_at_ms: None };
            Some(((entry.topic.clone(), entry.partition), position))
        })
        .collect()
}

/// One record of MirrorMaker 2's Connect offsets topic (`mm2-offsets.<source>.internal`
/// on the target), as Connect writes it (apache/kafka
/// `connect/runtime/.../storage/OffsetStorageWriter.java`: the key is
/// `[namespace, partition]`, namespace being the connector's name, through the
/// worker's internal JSON converter without schemas):
///
/// ```text
/// key   ["MirrorSourceConnector",{"cluster":"msk","partition":0,"topic":"orders"}]
/// value {"offset":41999}      or null (a tombstone: the position was reset)
/// ```
///
/// The partition and offset maps are `MirrorUtils.wrapPartition`/`wrapOffset`
/// (`connect/mirror/.../MirrorUtils.java`, keys `cluster`, `topic`,
/// `partition`, `offset`); the offset is the **last copied** source offset, and
/// `MirrorSourceTask.initializeConsumer` resumes at `offset + 1`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mm2Record {
    /// A position of this source alias: `next_offset` is the stored offset + 1.
    Position { topic: String, partition: i32, next_offset: i64 },
    /// A tombstone for one of this alias's partitions.
    Reset { topic: String, partition: i32 },
    /// Another alias, or another connector's record (checkpoints, heartbeats).
    Other,
}

/// Parses one offsets-topic record; `Err` names what is malformed.
pub fn parse_mm2_record(key: Option<&[u8]>, value: Option<&[u8]>, source_alias: &str) -> Result<Mm2Record, String> {
    let key = key.ok_or("a record without a key")?;
    let key: Value = serde_json::from_slice(key).map_err(|err| format!("key is not JSON: {err}"))?;
    let Some([_connector, Value::Object(partition)]) = key.as_array().map(Vec::as_slice) else {
        return Err("key is not [connector, {partition}]".into());
    };
    if partition.get("cluster").and_then(Value::as_str) != Some(source_alias) {
        return Ok(Mm2Record::Other);
    }
    let Some((topic, number)) = topic_partition(partition) else { return Ok(Mm2Record::Other) };
    let Some(value) = value else { return Ok(Mm2Record::Reset { topic, partition: number }) };
    let value: Value = serde_json::from_slice(value).map_err(|err| format!("value is not JSON: {err}"))?;
    match value.get("offset").and_then(Value::as_i64) {
        Some(offset) if offset >= 0 => Ok(Mm2Record::Position { topic, partition: number, next_offset: offset + 1 }),
        _ if value.is_null() => Ok(Mm2Record::Reset { topic, partition: number }),
        _ => Err(format!("value {value} has no \"offset\": expected {{\"offset\": N}}")),
    }
}

/// Folds offsets-topic records (in their order) into positions: the last record
/// per partition wins and a tombstone removes it, as compaction would leave them.
#[derive(Debug, Default)]
pub struct Mm2Fold {
    pub positions: Positions,
    /// Records that could not be read, with the first reason.
    pub malformed: usize,
    pub first_problem: Option<String>,
}

impl Mm2Fold {
    pub fn apply(&mut self, key: Option<&[u8]>, value: Option<&[u8]>, timestamp_ms: Option<i64>, alias: &str) {
        match parse_mm2_record(key, value, alias) {
            Ok(Mm2Record::Position { topic, partition, next_offset }) => {
                let position = Position { topic: topic.clone(), partition, next_offset, committed_at_ms: timestamp_ms };
                self.positions.insert((topic, partition), position);
            }
            Ok(Mm2Record::Reset { topic, partition }) => {
                self.positions.remove(&(topic, partition));
            }
            Ok(Mm2Record::Other) => {}
            Err(problem) => {
                self.malformed += 1;
                self.first_problem.get_or_insert(problem);
            }
        }
    }
}

/// `GET /connectors/{name}/offsets` (KIP-875, Kafka 3.6+): each entry's partition
/// must name `topic` and `partition`; its offset is either `{"offset": N}`, the
/// last copied offset as MirrorMaker 2 records it (next = N + 1), or
/// `{"next_offset": N}`, as a kdeck engine's `--rest` reports it. Entries of
/// other shapes (a connector that is not a Kafka-to-Kafka copier) are skipped;
/// the count of those is returned beside the positions.
pub fn from_connect_offsets(offsets: &Offsets) -> (Positions, usize) {
    let mut positions = Positions::new();
    let mut skipped = 0;
    for entry in &offsets.offsets {
        let next = entry.offset.as_ref().and_then(|offset| match (offset.get("next_offset"), offset.get("offset")) {
            (Some(next), _) => next.as_i64().filter(|n| *n >= 0),
            (None, Some(last)) => last.as_i64().filter(|n| *n >= 0).map(|n| n + 1),
            (None, None) => None,
        });
        match (topic_partition(&entry.partition), next) {
            (Some((topic, partition)), Some(next_offset)) => {
                let position = Position { topic: topic.clone(), partition, next_offset, committed_at_ms: None };
                positions.insert((topic, partition), position);
            }
            // A reset partition (offset null) has no position; anything else is not ours to read.
            (Some(_), None) if entry.offset.is_none() => {}
            _ => skipped += 1,
        }
    }
    (positions, skipped)
}

fn topic_partition(partition: &Map<String, Value>) -> Option<(String, i32)> {
    let topic = partition.get("topic")?.as_str()?.to_string();
    let number = i32::try_from(partition.get("partition")?.as_i64()?).ok().filter(|n| *n >= 0)?;
    Some((topic, number))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::model::OffsetEntry;

    fn key(connector: &str, cluster: &str, topic: &str, partition: i64) -> Vec<u8> {
        // Java's HashMap puts the keys in any order; this is the order MM2 3.x writes.
        format!(r#"["{connector}",{{"cluster":"{cluster}","partition":{partition},"topic":"{topic}"}}]"#).into_bytes()
    }

    #[test]
    fn an_mm2_offsets_record_is_the_last_copied_offset() {
        let record = parse_mm2_record(
            Some(&key("MirrorSourceConnector", "msk", "orders", 3)),
            Some(br#"{"offset":41999}"#),
            "msk",
        );
        assert_eq!(record, Ok(Mm2Record::Position { topic: "orders".into(), partition: 3, next_offset: 42000 }));
        // Key order and spacing do not matter.
        let reordered = br#"[ "x", {"topic":"orders", "cluster":"msk", "partition":0} ]"#;
        let record = parse_mm2_record(Some(reordered), Some(br#"{"offset":0}"#), "msk");
        assert_eq!(record, Ok(Mm2Record::Position { topic: "orders".into(), partition: 0, next_offset: 1 }));
    }

    #[test]
    fn other_aliases_and_connectors_are_not_positions() {
        let other =
            parse_mm2_record(Some(&key("MirrorSourceConnector", "eu", "orders", 0)), Some(br#"{"offset":5}"#), "msk");
        assert_eq!(other, Ok(Mm2Record::Other));
        // MirrorCheckpointTask's partitions name a group, no cluster.
        let checkpoint = br#"["MirrorCheckpointConnector",{"group":"g","topic":"orders","partition":0}]"#;
        assert_eq!(parse_mm2_record(Some(checkpoint), Some(br#"{"offset":5}"#), "msk"), Ok(Mm2Record::Other));
        // MirrorHeartbeatTask's partitions name two aliases, no topic.
        let heartbeat = br#"["MirrorHeartbeatConnector",{"sourceClusterAlias":"msk","targetClusterAlias":"cc"}]"#;
        assert_eq!(parse_mm2_record(Some(heartbeat), Some(br#"{"offset":5}"#), "msk"), Ok(Mm2Record::Other));
    }

    #[test]
    fn a_tombstone_resets_the_partition() {
        let record = parse_mm2_record(Some(&key("c", "msk", "orders", 1)), None, "msk");
        assert_eq!(record, Ok(Mm2Record::Reset { topic: "orders".into(), partition: 1 }));
        let record = parse_mm2_record(Some(&key("c", "msk", "orders", 1)), Some(b"null"), "msk");
        assert_eq!(record, Ok(Mm2Record::Reset { topic: "orders".into(), partition: 1 }));
    }

    #[test]
    fn malformed_records_say_what_is_wrong() {
        let problem = |key: Option<&[u8]>, value: Option<&[u8]>| parse_mm2_record(key, value, "msk").unwrap_err();
        assert_eq!(problem(None, Some(b"{}")), "a record without a key");
        assert!(problem(Some(b"not json"), None).starts_with("key is not JSON"));
        assert_eq!(problem(Some(br#"{"cluster":"msk"}"#), None), "key is not [connector, {partition}]");
        assert_eq!(problem(Some(br#"["c"]"#), None), "key is not [connector, {partition}]");
        let good_key = key("c", "msk", "orders", 0);
        assert!(problem(Some(&good_key), Some(b"{")).starts_with("value is not JSON"));
        assert_eq!(
            problem(Some(&good_key), Some(br#"{"position":3}"#)),
            r#"value {"position":3} has no "offset": expected {"offset": N}"#
        );
        assert!(problem(Some(&good_key), Some(br#"{"offset":-4}"#)).contains("has no \"offset\""));
    }

    #[test]
    fn a_partition_that_is_not_a_partition_is_not_a_position() {
        for partition in [
            r#"{"cluster":"msk","topic":"t","partition":-1}"#,
            r#"{"cluster":"msk","topic":"t","partition":"0"}"#,
            r#"{"cluster":"msk","topic":7,"partition":0}"#,
            r#"{"cluster":"msk","partition":0}"#,
            r#"{"cluster":"msk","topic":"t","partition":4294967296}"#,
        ] {
            let key = format!(r#"["c",{partition}]"#);
            assert_eq!(
                parse_mm2_record(Some(key.as_bytes()), Some(br#"{"offset":1}"#), "msk"),
                Ok(Mm2Record::Other),
                "{partition}"
            );
        }
    }

    #[test]
    fn the_last_record_per_partition_wins_and_tombstones_remove() {
        let mut fold = Mm2Fold::default();
        fold.apply(Some(&key("c", "msk", "orders", 0)), Some(br#"{"offset":9}"#), Some(1_000), "msk");
        fold.apply(Some(&key("c", "msk", "orders", 1)), Some(br#"{"offset":4}"#), Some(1_100), "msk");
        fold.apply(Some(&key("c", "msk", "orders", 0)), Some(br#"{"offset":19}"#), Some(2_000), "msk");
        fold.apply(Some(&key("c", "msk", "orders", 1)), None, Some(2_100), "msk");
        fold.apply(Some(b"junk"), Some(b"{}"), Some(2_200), "msk");
        fold.apply(Some(&key("c", "msk", "orders", 2)), Some(br#"{"offset":"x"}"#), Some(2_300), "msk");
        fold.apply(Some(&key("c", "eu", "orders", 0)), Some(br#"{"offset":99}"#), Some(2_400), "msk");
        let expected = Position { topic: "orders".into(), partition: 0, next_offset: 20, committed_at_ms: Some(2_000) };
        assert_eq!(fold.positions.into_values().collect::<Vec<_>>(), vec![expected]);
        assert_eq!(fold.malformed, 2);
        assert!(fold.first_problem.unwrap().starts_with("key is not JSON"));
    }

    #[test]
    fn replicator_positions_are_the_committed_offsets() {
        let committed =
            |topic: &str, partition, committed| CommittedOffset { topic: topic.into(), partition, committed };
        let positions = from_committed(&[
            committed("orders", 0, Some(120)),
            committed("orders", 1, None),
            committed("audit", 0, Some(0)),
        ]);
        let got: Vec<(String, i32, i64)> =
            positions.into_values().map(|p| (p.topic, p.partition, p.next_offset)).collect();
        assert_eq!(got, vec![("audit".into(), 0, 0), ("orders".into(), 0, 120)]);
    }

    fn entry(partition: Value, offset: Value) -> OffsetEntry {
        OffsetEntry { partition: partition.as_object().cloned().unwrap(), offset: offset.as_object().cloned() }
    }

    #[test]
    fn connect_offsets_read_mm2_and_kdeck_shapes() {
        use serde_json::json;
        let offsets = Offsets {
            offsets: vec![
                // The KIP-875 example of an MM2 connector: resumes at 42000.
                entry(json!({"cluster":"msk","topic":"orders","partition":0}), json!({"offset":41999})),
                // A kdeck engine's --rest.
                entry(json!({"topic":"orders","partition":1}), json!({"next_offset":7})),
                // Reset: no position, nothing odd.
                entry(json!({"topic":"orders","partition":2}), Value::Null),
                // A file connector: not a Kafka partition.
                entry(json!({"filename":"/tmp/in.txt"}), json!({"position":120})),
                entry(json!({"topic":"orders","partition":3}), json!({"offset":"12"})),
            ],
        };
        let (positions, skipped) = from_connect_offsets(&offsets);
        let got: Vec<(i32, i64)> = positions.into_values().map(|p| (p.partition, p.next_offset)).collect();
        assert_eq!(got, vec![(0, 42000), (1, 7)]);
        assert_eq!(skipped, 2);
    }

    #[test]
    fn the_kip_875_response_body_parses_into_positions() {
        let body =
            r#"{"offsets":[{"partition":{"cluster":"msk","partition":0,"topic":"orders"},"offset":{"offset":99}}]}"#;
        let offsets: Offsets = serde_json::from_str(body).unwrap();
        let (positions, skipped) = from_connect_offsets(&offsets);
        assert_eq!(skipped, 0);
        assert_eq!(positions[&("orders".to_string(), 0)].next_offset, 100);
    }
}
