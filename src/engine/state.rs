//! Records of the state topic: a compacted topic on the destination where each lane's
//! transaction writes, next to the copied records, the next source offset of every
//! source partition it touched. The copy and its position commit or abort together,
//! which is what makes the copy exactly-once.
//!
//! Keys and values are compact JSON so `kcat -C -t <state topic>` is readable:
//!
//! | key                                                  | value                                                          |
//! |------------------------------------------------------|----------------------------------------------------------------|
//! | `{"t":"position","topic":"orders","partition":3}`    | `{"next_offset":1234,"records":1200,"lane":2,"generation":5}`  |
//! | `{"t":"position",...}`                               | null (tombstone): the partition left the plan                  |
//! | `{"t":"lanes"}`                                      | `{"max_lanes_ever":8,"generation":5,"protocol":1}`             |
//! | `{"t":"fence-probe"}`                                | null: left by the start's fencing probe, ignored               |
//!
//! Compaction keeps the latest value per key *byte string*, so [`encode_key`] always
//! writes the same bytes for the same key (fixed field order, no whitespace). Decoding
//! ignores unknown fields and reports unknown `t` kinds as an error the reader can log
//! and skip, so an older kdeck can replay a topic a newer one wrote.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::assignment::{TopicPartition, MAX_LANES};

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StateKey {
    Position(TopicPartition),
    Lanes,
    FenceProbe,
}

/// Where a source partition's copy stands, as of the last committed transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionRecord {
    /// The source offset to copy next: the resume point.
    pub next_offset: i64,
    /// Records copied from this partition over the migration's life; an audit counter.
    pub records: u64,
    /// The lane that committed it, so a restart can tell which transactional ids wrote.
    pub lane: usize,
    pub generation: u64,
}

/// How many lanes (transactional ids) have ever existed. A restart must fence all of them,
/// not only the ones the current lane count uses, or a zombie producer from a larger
/// earlier generation could still commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LanesRecord {
    pub max_lanes_ever: usize,
    pub generation: u64,
    /// What the engine that wrote the record promises; 0 (absent) from a kdeck
    /// older than [`GENERATION_CHECK_PROTOCOL`].
    #[serde(default, skip_serializing_if = "is_zero")]
    pub protocol: u32,
}

/// Every lane of an engine writing this protocol, after each
/// `init_transactions` and before its first commit, reads the state topic up
/// to its end and stops when a newer generation is there. A start may skip the
/// handover wait only when the engine it replaces made this promise.
pub const GENERATION_CHECK_PROTOCOL: u32 = 1;

fn is_zero(value: &u32) -> bool {
    *value == 0
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StateValue {
    Position(PositionRecord),
    Lanes(LanesRecord),
}

/// One decoded state-topic record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateUpdate {
    Position(TopicPartition, PositionRecord),
    /// A tombstone on a position key.
    PositionDeleted(TopicPartition),
    Lanes(LanesRecord),
    /// The fencing probe's record: it carries nothing.
    FenceProbe,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateError {
    #[error("state key is not a JSON object with a string \"t\": {0}")]
    BadKey(String),
    /// Written by a newer kdeck, most likely; skip the record and carry on.
    #[error("state key kind {0:?} is unknown (written by a newer kdeck?); record skipped")]
    UnknownKind(String),
    #[error("state position key is malformed: {0}")]
    BadPositionKey(String),
    #[error("state {kind} value is malformed: {reason}")]
    BadValue { kind: &'static str, reason: String },
    #[error("tombstone on the lane-count key ignored: fencing needs the highest lane count ever used")]
    LanesTombstone,
}

const POSITION_KIND: &str = "position";
const LANES_KIND: &str = "lanes";
const FENCE_PROBE_KIND: &str = "fence-probe";

/// Field order here is the byte order on the wire, which compaction depends on.
#[derive(Serialize)]
#[serde(tag = "t", rename_all = "lowercase")]
enum WireKey<'a> {
    Position {
        topic: &'a str,
        partition: i32,
    },
    Lanes,
    #[serde(rename = "fence-probe")]
    FenceProbe,
}

#[derive(Deserialize)]
struct KindProbe {
    t: String,
}

#[derive(Deserialize)]
struct PositionKey {
    topic: String,
    partition: i32,
}

pub fn encode_key(key: &StateKey) -> Vec<u8> {
    let wire = match key {
        StateKey::Position(tp) => WireKey::Position { topic: &tp.topic, partition: tp.partition },
        StateKey::Lanes => WireKey::Lanes,
        StateKey::FenceProbe => WireKey::FenceProbe,
    };
    to_json(&wire)
}

pub fn encode_value(value: &StateValue) -> Vec<u8> {
    match value {
        StateValue::Position(record) => to_json(record),
        StateValue::Lanes(record) => to_json(record),
    }
}

/// serde_json fails only on maps with non-string keys or a failing writer, and these
/// types have neither, so the empty fallback is unreachable.
fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).unwrap_or_default()
}

impl StateUpdate {
    pub fn key(&self) -> StateKey {
        match self {
            StateUpdate::Position(tp, _) | StateUpdate::PositionDeleted(tp) => StateKey::Position(tp.clone()),
            StateUpdate::Lanes(_) => StateKey::Lanes,
            StateUpdate::FenceProbe => StateKey::FenceProbe,
        }
    }

    /// `None` is a tombstone.
    pub fn value(&self) -> Option<StateValue> {
        match self {
            StateUpdate::Position(_, record) => Some(StateValue::Position(*record)),
            StateUpdate::PositionDeleted(_) | StateUpdate::FenceProbe => None,
            StateUpdate::Lanes(record) => Some(StateValue::Lanes(*record)),
        }
    }

    /// The (key, value) bytes to produce; a `None` value is produced as a tombstone.
    pub fn encode(&self) -> (Vec<u8>, Option<Vec<u8>>) {
        (encode_key(&self.key()), self.value().as_ref().map(encode_value))
    }
}

/// Decodes one state-topic record; `value` is `None` for a tombstone.
pub fn decode(key: &[u8], value: Option<&[u8]>) -> Result<StateUpdate, StateError> {
    let probe: KindProbe = serde_json::from_slice(key).map_err(|e| StateError::BadKey(e.to_string()))?;
    match probe.t.as_str() {
        POSITION_KIND => {
            let key: PositionKey =
                serde_json::from_slice(key).map_err(|e| StateError::BadPositionKey(e.to_string()))?;
            if key.topic.is_empty() || key.partition < 0 {
                return Err(StateError::BadPositionKey(format!("no such partition {}/{}", key.topic, key.partition)));
            }
            let tp = TopicPartition { topic: key.topic, partition: key.partition };
            let Some(value) = value else {
                return Ok(StateUpdate::PositionDeleted(tp));
            };
            let record: PositionRecord = parse_value(POSITION_KIND, value)?;
            if record.next_offset < 0 {
                return Err(bad_value(POSITION_KIND, format!("negative next_offset {} for {tp}", record.next_offset)));
            }
            if record.lane >= MAX_LANES {
                return Err(bad_value(
                    POSITION_KIND,
                    format!("lane {} for {tp} is not below {MAX_LANES}", record.lane),
                ));
            }
            Ok(StateUpdate::Position(tp, record))
        }
        LANES_KIND => {
            let value = value.ok_or(StateError::LanesTombstone)?;
            let record: LanesRecord = parse_value(LANES_KIND, value)?;
            if record.max_lanes_ever > MAX_LANES {
                return Err(bad_value(
                    LANES_KIND,
                    format!("max_lanes_ever {} above {MAX_LANES}", record.max_lanes_ever),
                ));
            }
            Ok(StateUpdate::Lanes(record))
        }
        FENCE_PROBE_KIND => Ok(StateUpdate::FenceProbe),
        other => Err(StateError::UnknownKind(clip(other))),
    }
}

fn parse_value<'a, T: Deserialize<'a>>(kind: &'static str, value: &'a [u8]) -> Result<T, StateError> {
    serde_json::from_slice(value).map_err(|e| bad_value(kind, e.to_string()))
}

fn bad_value(kind: &'static str, reason: String) -> StateError {
    StateError::BadValue { kind, reason }
}

/// A foreign kind string ends up in a log line; keep it short.
fn clip(text: &str) -> String {
    text.chars().take(64).collect()
}

/// What the state topic says, replayed from its start: the resume point of every
/// partition and the fencing horizon.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StateSnapshot {
    positions: BTreeMap<TopicPartition, PositionRecord>,
    lanes: Option<LanesRecord>,
}

impl StateSnapshot {
    /// Positions are latest-wins, like compaction: the snapshot must agree with what a
    /// restart after compaction would read. The lane count only ever grows, because
    /// forgetting a lane would leave its transactional id unfenced.
    pub fn apply(&mut self, update: StateUpdate) {
        match update {
            StateUpdate::Position(tp, record) => {
                self.positions.insert(tp, record);
            }
            StateUpdate::PositionDeleted(tp) => {
                self.positions.remove(&tp);
            }
            StateUpdate::Lanes(record) => {
                let merged = match self.lanes {
                    Some(seen) => LanesRecord {
                        max_lanes_ever: seen.max_lanes_ever.max(record.max_lanes_ever),
                        generation: seen.generation.max(record.generation),
                        // The promise of whoever wrote the newest generation.
                        protocol: if record.generation >= seen.generation { record.protocol } else { seen.protocol },
                    },
                    None => record,
                };
                self.lanes = Some(merged);
            }
            StateUpdate::FenceProbe => {}
        }
    }

    /// Decodes and applies one record. On error the snapshot is unchanged, so the caller
    /// can log the error and keep replaying.
    pub fn apply_record(&mut self, key: &[u8], value: Option<&[u8]>) -> Result<(), StateError> {
        self.apply(decode(key, value)?);
        Ok(())
    }

    pub fn position(&self, tp: &TopicPartition) -> Option<&PositionRecord> {
        self.positions.get(tp)
    }

    /// Every known position, in topic-partition order.
    pub fn positions(&self) -> impl Iterator<Item = (&TopicPartition, &PositionRecord)> {
        self.positions.iter()
    }

    pub fn lanes(&self) -> Option<&LanesRecord> {
        self.lanes.as_ref()
    }

    /// How many transactional ids a restart must fence: the lane-count record, raised to
    /// cover any lane a position names in case that record was lost or lags behind.
    pub fn max_lanes_ever(&self) -> usize {
        let from_record = self.lanes.map_or(0, |record| record.max_lanes_ever);
        let from_positions = self.positions.values().map(|record| record.lane.saturating_add(1)).max().unwrap_or(0);
        from_record.max(from_positions)
    }

    /// Whether the engine that wrote the newest generation promised the
    /// lanes' generation check ([`GENERATION_CHECK_PROTOCOL`]). False when a
    /// position carries a newer generation than the lanes record: who wrote
    /// that is unknown.
    pub fn newest_engine_checks_generation(&self) -> bool {
        self.lanes.is_some_and(|record| {
            record.protocol >= GENERATION_CHECK_PROTOCOL && record.generation >= self.generation()
        })
    }

    /// The highest generation any surviving record carries; a new run takes the next one.
    pub fn generation(&self) -> u64 {
        let from_record = self.lanes.map_or(0, |record| record.generation);
        let from_positions = self.positions.values().map(|record| record.generation).max().unwrap_or(0);
        from_record.max(from_positions)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(topic: &str, partition: i32) -> TopicPartition {
        TopicPartition::new(topic, partition)
    }

    fn position(next_offset: i64, records: u64, lane: usize, generation: u64) -> PositionRecord {
        PositionRecord { next_offset, records, lane, generation }
    }

    fn lanes(max_lanes_ever: usize, generation: u64) -> LanesRecord {
        LanesRecord { max_lanes_ever, generation, protocol: 0 }
    }

    fn checked_lanes(max_lanes_ever: usize, generation: u64) -> LanesRecord {
        LanesRecord { max_lanes_ever, generation, protocol: GENERATION_CHECK_PROTOCOL }
    }

    fn text(bytes: &[u8]) -> String {
        String::from_utf8_lossy(bytes).into_owned()
    }

    #[test]
    fn wire_format_is_pinned() {
        let cases = [
            (
                StateUpdate::Position(tp("orders", 3), position(1234, 1200, 2, 5)),
                r#"{"t":"position","topic":"orders","partition":3}"#,
                Some(r#"{"next_offset":1234,"records":1200,"lane":2,"generation":5}"#),
            ),
            (StateUpdate::PositionDeleted(tp("orders", 3)), r#"{"t":"position","topic":"orders","partition":3}"#, None),
            (StateUpdate::Lanes(lanes(8, 5)), r#"{"t":"lanes"}"#, Some(r#"{"max_lanes_ever":8,"generation":5}"#)),
            (
                StateUpdate::Lanes(checked_lanes(8, 5)),
                r#"{"t":"lanes"}"#,
                Some(r#"{"max_lanes_ever":8,"generation":5,"protocol":1}"#),
            ),
            (StateUpdate::FenceProbe, r#"{"t":"fence-probe"}"#, None),
            (
                StateUpdate::Position(tp("we\"ird\\topic", 0), position(0, 0, 0, 0)),
                r#"{"t":"position","topic":"we\"ird\\topic","partition":0}"#,
                Some(r#"{"next_offset":0,"records":0,"lane":0,"generation":0}"#),
            ),
        ];
        for (update, key, value) in cases {
            let (key_bytes, value_bytes) = update.encode();
            assert_eq!(text(&key_bytes), key);
            assert_eq!(value_bytes.as_deref().map(text).as_deref(), value);
            assert_eq!(decode(&key_bytes, value_bytes.as_deref()), Ok(update));
        }
    }

    #[test]
    fn decodes_what_other_writers_might_write() {
        let cases: &[(&str, Option<&str>, StateUpdate)] = &[
            (
                r#" { "partition" : 1, "topic" : "a", "t" : "position" } "#,
                Some(r#"{"generation":1,"lane":0,"records":5,"next_offset":5}"#),
                StateUpdate::Position(tp("a", 1), position(5, 5, 0, 1)),
            ),
            (
                r#"{"t":"position","topic":"a","partition":1,"future":"field"}"#,
                Some(r#"{"next_offset":5,"records":5,"lane":0,"generation":1,"checksum":"abc"}"#),
                StateUpdate::Position(tp("a", 1), position(5, 5, 0, 1)),
            ),
            (
                r#"{"t":"lanes","v":2}"#,
                Some(r#"{"max_lanes_ever":3,"generation":9,"x":[]}"#),
                StateUpdate::Lanes(lanes(3, 9)),
            ),
        ];
        for (key, value, expected) in cases {
            assert_eq!(decode(key.as_bytes(), value.map(str::as_bytes)).as_ref(), Ok(expected), "{key}");
        }
    }

    #[test]
    fn rejects_malformed_records() {
        let position_value = Some(r#"{"next_offset":1,"records":1,"lane":0,"generation":1}"#);
        let position_key = r#"{"t":"position","topic":"a","partition":0}"#;
        // (key, value, a fragment of the Display)
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("", position_value, "state key is not"),
            ("not json", position_value, "state key is not"),
            ("[1,2]", position_value, "state key is not"),
            ("{}", position_value, "state key is not"),
            (r#"{"t":7}"#, position_value, "state key is not"),
            (r#"{"t":"position"}"#, position_value, "position key is malformed"),
            (r#"{"t":"position","topic":"a","partition":"0"}"#, position_value, "position key is malformed"),
            (r#"{"t":"position","topic":"a","partition":4294967296}"#, position_value, "position key is malformed"),
            (r#"{"t":"position","topic":"","partition":0}"#, position_value, "position key is malformed"),
            (r#"{"t":"position","topic":"a","partition":-1}"#, position_value, "position key is malformed"),
            (position_key, Some(""), "position value is malformed"),
            (position_key, Some("null"), "position value is malformed"),
            (position_key, Some(r#"{"next_offset":1}"#), "position value is malformed"),
            (position_key, Some(r#"{"next_offset":-1,"records":1,"lane":0,"generation":1}"#), "negative next_offset"),
            (position_key, Some(r#"{"next_offset":1,"records":-1,"lane":0,"generation":1}"#), "value is malformed"),
            (position_key, Some(r#"{"next_offset":1,"records":1,"lane":1024,"generation":1}"#), "not below 1024"),
            (position_key, Some(r#"{"next_offset":1.5,"records":1,"lane":0,"generation":1}"#), "value is malformed"),
            (r#"{"t":"lanes"}"#, None, "tombstone on the lane-count key"),
            (r#"{"t":"lanes"}"#, Some(r#"{"max_lanes_ever":"8","generation":1}"#), "lanes value is malformed"),
            (r#"{"t":"lanes"}"#, Some(r#"{"max_lanes_ever":1025,"generation":1}"#), "above 1024"),
            (r#"{"t":"checkpoint","group":"g"}"#, Some("{}"), "kind \"checkpoint\" is unknown"),
            (r#"{"t":"POSITION","topic":"a","partition":0}"#, position_value, "kind \"POSITION\" is unknown"),
            (r#"{"t":"line\nbreak"}"#, None, r#"kind "line\nbreak" is unknown"#),
        ];
        for (key, value, fragment) in cases {
            let error = decode(key.as_bytes(), value.map(str::as_bytes)).err();
            let message = error.as_ref().map(ToString::to_string).unwrap_or_default();
            assert!(message.contains(fragment), "{key} / {value:?}: {message:?}");
            assert!(!message.contains('\n'), "one line: {message:?}");
        }
        assert!(decode(b"\xff\xfe", None).is_err());
        assert_eq!(decode(r#"{"t":"new"}"#.as_bytes(), None), Err(StateError::UnknownKind("new".into())));
        let long_kind = format!(r#"{{"t":"{}"}}"#, "k".repeat(1000));
        assert_eq!(decode(long_kind.as_bytes(), None), Err(StateError::UnknownKind("k".repeat(64))));
    }

    #[test]
    fn truncated_records_never_panic_and_never_decode() {
        let updates =
            [StateUpdate::Position(tp("orders", 3), position(1234, 1200, 2, 5)), StateUpdate::Lanes(lanes(8, 5))];
        for update in updates {
            let (key, value) = update.encode();
            let value = value.unwrap_or_default();
            for cut in 0..key.len() {
                assert!(decode(&key[..cut], Some(&value)).is_err());
            }
            for cut in 0..value.len() {
                assert!(decode(&key, Some(&value[..cut])).is_err());
            }
        }
    }

    #[test]
    fn snapshot_replay() {
        let (a0, a1, b0) = (tp("a", 0), tp("a", 1), tp("b", 0));
        let updates = vec![
            StateUpdate::Lanes(lanes(4, 1)),
            StateUpdate::Position(a0.clone(), position(10, 10, 0, 1)),
            StateUpdate::Position(a1.clone(), position(20, 20, 1, 1)),
            StateUpdate::Position(b0.clone(), position(5, 5, 3, 1)),
            StateUpdate::Position(a0.clone(), position(15, 15, 0, 1)),
            // Rescaled down to 2 lanes: the record may say 2, the snapshot must still say 4.
            StateUpdate::Lanes(lanes(2, 2)),
            StateUpdate::Position(a1.clone(), position(25, 25, 0, 2)),
            StateUpdate::PositionDeleted(b0.clone()),
            StateUpdate::PositionDeleted(tp("never", 0)),
        ];
        let mut snapshot = StateSnapshot::default();
        for update in updates {
            snapshot.apply(update);
        }
        assert_eq!(snapshot.position(&a0), Some(&position(15, 15, 0, 1)));
        assert_eq!(snapshot.position(&a1), Some(&position(25, 25, 0, 2)));
        assert_eq!(snapshot.position(&b0), None);
        assert_eq!(snapshot.positions().map(|(tp, _)| tp.clone()).collect::<Vec<_>>(), vec![a0, a1]);
        assert_eq!(snapshot.lanes(), Some(&lanes(4, 2)));
        assert_eq!(snapshot.max_lanes_ever(), 4);
        assert_eq!(snapshot.generation(), 2);
    }

    #[test]
    fn fencing_horizon_and_generation() {
        // (updates, max_lanes_ever, generation)
        let cases: Vec<(Vec<StateUpdate>, usize, u64)> = vec![
            (vec![], 0, 0),
            (vec![StateUpdate::Lanes(lanes(8, 5))], 8, 5),
            (vec![StateUpdate::Lanes(lanes(8, 5)), StateUpdate::Lanes(lanes(3, 4))], 8, 5),
            (vec![StateUpdate::Lanes(lanes(3, 4)), StateUpdate::Lanes(lanes(8, 5))], 8, 5),
            // A lost or stale lane-count record: positions still name lane 6.
            (vec![StateUpdate::Position(tp("a", 0), position(1, 1, 6, 7))], 7, 7),
            (vec![StateUpdate::Lanes(lanes(2, 9)), StateUpdate::Position(tp("a", 0), position(1, 1, 4, 3))], 5, 9),
            (
                vec![
                    StateUpdate::Position(tp("a", 0), position(1, 1, 6, 7)),
                    StateUpdate::PositionDeleted(tp("a", 0)),
                    StateUpdate::Lanes(lanes(2, 3)),
                ],
                2,
                3,
            ),
        ];
        for (index, (updates, max_lanes_ever, generation)) in cases.into_iter().enumerate() {
            let mut snapshot = StateSnapshot::default();
            updates.into_iter().for_each(|update| snapshot.apply(update));
            assert_eq!(
                (snapshot.max_lanes_ever(), snapshot.generation()),
                (max_lanes_ever, generation),
                "case {index}"
            );
        }
    }

    #[test]
    fn the_handover_may_be_skipped_only_after_an_engine_that_checks_generations() {
        // (updates, whether the newest engine promised the lanes' generation check)
        let cases: Vec<(Vec<StateUpdate>, bool)> = vec![
            (vec![], false),
            (vec![StateUpdate::Lanes(lanes(4, 3))], false),
            (vec![StateUpdate::Lanes(checked_lanes(4, 3))], true),
            // An older kdeck took the plan over after a checking one.
            (vec![StateUpdate::Lanes(checked_lanes(4, 3)), StateUpdate::Lanes(lanes(4, 4))], false),
            (vec![StateUpdate::Lanes(lanes(4, 3)), StateUpdate::Lanes(checked_lanes(2, 4))], true),
            // A stale record replayed after the newest one keeps the newest's promise.
            (vec![StateUpdate::Lanes(checked_lanes(4, 4)), StateUpdate::Lanes(lanes(4, 3))], true),
            (vec![StateUpdate::Lanes(lanes(4, 4)), StateUpdate::Lanes(checked_lanes(4, 3))], false),
            // A position of a newer generation than any lanes record: its writer is unknown.
            (
                vec![StateUpdate::Lanes(checked_lanes(4, 3)), StateUpdate::Position(tp("a", 0), position(1, 1, 0, 4))],
                false,
            ),
            (
                vec![StateUpdate::Lanes(checked_lanes(4, 3)), StateUpdate::Position(tp("a", 0), position(1, 1, 0, 3))],
                true,
            ),
            (vec![StateUpdate::FenceProbe, StateUpdate::Lanes(checked_lanes(1, 1))], true),
        ];
        for (index, (updates, expected)) in cases.into_iter().enumerate() {
            let mut snapshot = StateSnapshot::default();
            updates.into_iter().for_each(|update| snapshot.apply(update));
            assert_eq!(snapshot.newest_engine_checks_generation(), expected, "case {index}");
        }
    }

    #[test]
    fn apply_record_skips_bad_records_without_changing_state() {
        let mut snapshot = StateSnapshot::default();
        let good = StateUpdate::Position(tp("a", 0), position(3, 3, 0, 1));
        let (key, value) = good.encode();
        assert_eq!(snapshot.apply_record(&key, value.as_deref()), Ok(()));
        let before = snapshot.clone();
        let bad: [(&[u8], Option<&[u8]>); 4] =
            [(b"{", None), (br#"{"t":"future"}"#, Some(b"{}")), (br#"{"t":"lanes"}"#, None), (&key, Some(b"[]"))];
        for (key, value) in bad {
            assert!(snapshot.apply_record(key, value).is_err());
            assert_eq!(snapshot, before);
        }
        assert_eq!(snapshot.apply_record(&key, None), Ok(()));
        assert_eq!(snapshot.position(&tp("a", 0)), None);
    }
}
