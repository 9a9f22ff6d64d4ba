//! Engine-level fencing, on top of the broker's. Every start and rescale
//! records a new generation in the state topic; a running engine follows the
//! state topic and stops when a newer generation appears, because another
//! engine has taken the plan over. Brokers fence a zombie through
//! `init_transactions`, but not all do (librdkafka's mock does not, and
//! tansu 0.6 cannot commit a transaction at all), so this is what stops the
//! older engine everywhere.

use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::metadata::topic_partitions;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};

use super::state::{decode, StateUpdate};

/// How long a starting engine waits, when the plan was active moments ago,
/// for the engine it replaces to notice the new generation and stop.
pub const HANDOVER: Duration = Duration::from_millis(2500);

/// Follows the state topic from its end, looking for lanes records.
pub struct GenerationWatch {
    reader: PartitionReader,
}

impl GenerationWatch {
    /// Starts at the current end of the state topic. None when the topic does not exist yet.
    pub fn start(destination: &ResolvedCluster, state_topic: &str, timeout: Duration) -> Result<Option<Self>, Failure> {
        let options = ReaderOptions {
            with_headers: false,
            partition_ends: false,
            extra: &[("isolation.level", "read_uncommitted")],
        };
        let mut reader = PartitionReader::connect_with(destination, timeout, options)?;
        let metadata = reader.metadata(Some(state_topic))?;
        let Ok(partitions) = topic_partitions(&metadata, &destination.name, state_topic) else { return Ok(None) };
        let starts: Vec<(i32, StartPosition)> = partitions.iter().map(|&p| (p, StartPosition::End)).collect();
        reader.assign(state_topic, &starts)?;
        Ok(Some(GenerationWatch { reader }))
    }

    /// The highest generation recorded since the last call, without waiting.
    pub fn newest_generation(&self) -> Result<Option<u64>, Failure> {
        let mut newest: Option<u64> = None;
        loop {
            let handed = self.reader.poll_batch(Duration::ZERO, |event| {
                if let ReadEvent::Record(record) = event {
                    if let Some(key) = record.key {
                        if let Ok(StateUpdate::Lanes(lanes)) = decode(key, record.payload) {
                            newest = Some(newest.map_or(lanes.generation, |n| n.max(lanes.generation)));
                        }
                    }
                }
                true
            })?;
            if handed == 0 {
                return Ok(newest);
            }
        }
    }
}
