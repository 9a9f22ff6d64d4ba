//! Engine-level fencing, on top of the broker's. Every start and rescale
//! records a new generation in the state topic; a running engine follows the
//! state topic and stops when a newer generation appears, because another
//! engine has taken the plan over. Brokers fence a zombie through
//! `init_transactions`, but not all do (librdkafka's mock does not, and
//! tansu 0.6 cannot commit a transaction at all), so this is what stops the
//! older engine everywhere.
//!
//! Every lane also asks the watch, after each `init_transactions` and before
//! its first commit, whether a newer generation exists ([`GenerationWatch::catch_up`]):
//! a producer epoch that outlives a new engine's fence was created after the
//! new generation was recorded, so it sees it and stops without committing.
//! On a destination that fences ([`destination_fences`]) that is what lets a
//! restart skip the handover wait (docs/ENGINE.md, "Restart without the handover wait").

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::metadata::topic_partitions;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};
use crate::kafka::writer::{OutgoingRecord, RecordWriter, TxnFailure};

use super::state::{decode, StateUpdate};

/// How long a starting engine waits, when the plan was active moments ago
/// and the destination is not proven to fence, for the engine it replaces to
/// notice the new generation and stop.
pub const HANDOVER: Duration = Duration::from_millis(2500);

/// The coordinator and its lanes follow the state topic through one watch.
pub type SharedWatch = Arc<Mutex<GenerationWatch>>;

/// Follows the state topic from where it ended at the start, looking for
/// lanes records.
pub struct GenerationWatch {
    reader: PartitionReader,
    topic: String,
    /// Per partition, the offset up to which every record has been seen.
    read_to: BTreeMap<i32, i64>,
    /// The highest generation seen since the start; kept, so that whoever
    /// polls (the coordinator or a lane) every caller learns of it.
    newest: Option<u64>,
}

impl GenerationWatch {
    /// Starts at the current end of the state topic. None when the topic does not exist yet.
    pub fn start(destination: &ResolvedCluster, state_topic: &str, timeout: Duration) -> Result<Option<Self>, Failure> {
        let options = ReaderOptions {
            with_headers: false,
            partition_ends: true,
            extra: &[("isolation.level", "read_uncommitted"), ("fetch.wait.max.ms", "10")],
        };
        let mut reader = PartitionReader::connect_with(destination, timeout, options)?;
        let metadata = reader.metadata(Some(state_topic))?;
        let Ok(partitions) = topic_partitions(&metadata, &destination.name, state_topic) else { return Ok(None) };
        let ends = reader.latest_offsets(state_topic, &partitions)?;
        let starts: Vec<(i32, StartPosition)> =
            ends.iter().map(|&(p, end)| (p, end.map_or(StartPosition::End, StartPosition::Offset))).collect();
        reader.assign(state_topic, &starts)?;
        let read_to = ends.iter().map(|&(p, end)| (p, end.unwrap_or(-1))).collect();
        Ok(Some(GenerationWatch { reader, topic: state_topic.to_string(), read_to, newest: None }))
    }

    /// The highest generation seen so far, after taking what has arrived, without waiting.
    pub fn newest_generation(&mut self) -> Result<Option<u64>, Failure> {
        while self.take(Duration::ZERO)? > 0 {}
        Ok(self.newest)
    }

    /// The highest generation recorded in the state topic up to its current
    /// end: asks for the end (ListOffsets) and reads up to it. An error or a
    /// timeout says nothing about newer generations, so callers must not
    /// commit on one.
    pub fn catch_up(&mut self, timeout: Duration) -> Result<Option<u64>, Failure> {
        let partitions: Vec<i32> = self.read_to.keys().copied().collect();
        let ends = self.reader.latest_offsets(&self.topic, &partitions)?;
        let deadline = Instant::now() + timeout;
        loop {
            self.take(Duration::ZERO)?;
            let behind = ends.iter().any(|&(p, end)| {
                let end = end.unwrap_or(i64::MAX);
                self.read_to.get(&p).is_none_or(|&read| read < end)
            });
            if !behind {
                return Ok(self.newest);
            }
            if Instant::now() >= deadline {
                return Err(Failure::runtime(format!(
                    "cannot read the state topic {} to its end within {timeout:?} to check for a newer engine",
                    self.topic
                )));
            }
            self.take(Duration::from_millis(10))?;
        }
    }

    /// Takes the events that arrive within `wait`; returns how many.
    fn take(&mut self, wait: Duration) -> Result<usize, Failure> {
        let (newest, read_to) = (&mut self.newest, &mut self.read_to);
        let handed = self.reader.poll_batch(wait, |event| {
            match event {
                ReadEvent::Record(record) => {
                    advance(read_to, record.partition, record.offset + 1);
                    if let Some(Ok(StateUpdate::Lanes(lanes))) = record.key.map(|key| decode(key, record.payload)) {
                        *newest = Some(newest.map_or(lanes.generation, |n| n.max(lanes.generation)));
                    }
                }
                // Past the end: transaction markers at the tail are never handed out.
                ReadEvent::PartitionEnd { partition, offset, .. } => advance(read_to, partition, offset),
                ReadEvent::OffsetOutOfRange => {}
            }
            true
        })?;
        Ok(handed)
    }
}

fn advance(read_to: &mut BTreeMap<i32, i64>, partition: i32, offset: i64) {
    if let Some(read) = read_to.get_mut(&partition) {
        *read = (*read).max(offset);
    }
}

/// The probe's transactional id: never one a lane uses.
pub fn probe_id(plan_name: &str) -> String {
    format!("kdeck-{plan_name}-fence-probe")
}

/// Whether the destination fences an old producer when a new one calls
/// `init_transactions` with the same id, proven now rather than assumed:
/// producer A opens a transaction holding the probe's record, producer B
/// re-initialises the id, and A's commit must fail as fenced. Anything else
/// (A commits, another error) counts as "not proven".
pub fn destination_fences(destination: &ResolvedCluster, probe_id: &str, state_topic: &str, timeout: Duration) -> bool {
    match probe(destination, probe_id, state_topic, timeout) {
        Ok(fences) => fences,
        Err(failure) => {
            tracing::info!(
                failure = failure.message(),
                "fencing probe failed; treating the destination as one that does not fence"
            );
            false
        }
    }
}

fn probe(
    destination: &ResolvedCluster,
    probe_id: &str,
    state_topic: &str,
    timeout: Duration,
) -> Result<bool, TxnFailure> {
    let mut first = RecordWriter::open_engine(destination, timeout, Some(probe_id), &[])?;
    first.begin()?;
    let (key, _) = StateUpdate::FenceProbe.encode();
    first.send_in_batch(&OutgoingRecord {
        topic: state_topic,
        partition: None,
        key: Some(&key),
        value: None,
        headers: &[],
        timestamp: None,
    })?;
    let _second = RecordWriter::open_engine(destination, timeout, Some(probe_id), &[])?;
    match first.commit() {
        Err(TxnFailure::Fenced(_)) => Ok(true),
        Ok(()) => Ok(false),
        Err(other) => Err(other),
    }
}
