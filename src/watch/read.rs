//! The I/O half of watching: each runner's positions read from where it keeps
//! them, and the source partitions they are measured against. Parsing is in
//! `positions.rs`; this file only fetches.

use std::time::Duration;

use crate::config::ResolvedCluster;
use crate::connect::client::ConnectClient;
use crate::connect::clusters::ConnectCluster;
use crate::error::Failure;
use crate::kafka::groups::GroupReader;
use crate::kafka::reader::PartitionReader;

use super::positions::{from_committed, from_connect_offsets, Mm2Fold, Positions};

/// One source partition's offsets at the moment of the read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourcePartition {
    pub topic: String,
    pub partition: i32,
    /// -1 when the source did not say.
    pub low_watermark: i64,
    pub high_watermark: i64,
}

/// The low and high watermarks of every partition of `topics` (name, partition count).
pub fn source_partitions(source: &PartitionReader, topics: &[(String, i32)]) -> Result<Vec<SourcePartition>, Failure> {
    let mut partitions = Vec::new();
    for (topic, count) in topics {
        let numbers: Vec<i32> = (0..*count).collect();
        let lows = source.earliest_offsets(topic, &numbers)?;
        let highs = source.latest_offsets(topic, &numbers)?;
        for number in numbers {
            let found = |list: &[(i32, Option<i64>)]| list.iter().find(|(p, _)| *p == number).and_then(|(_, o)| *o);
            partitions.push(SourcePartition {
                topic: topic.clone(),
                partition: number,
                low_watermark: found(&lows).unwrap_or(-1),
                high_watermark: found(&highs).unwrap_or(-1),
            });
        }
    }
    Ok(partitions)
}

/// Confluent Replicator: what its `src.consumer.group.id` committed on the source
/// for each watched partition (OffsetFetch; the group is never joined).
pub fn replicator_positions(
    source: &ResolvedCluster,
    group: &str,
    partitions: &[(String, i32)],
    timeout: Duration,
) -> Result<Positions, Failure> {
    let reader = GroupReader::connect(source, timeout)?;
    Ok(from_committed(&reader.committed_offsets(group, partitions)?))
}

/// MirrorMaker 2: its Connect offsets topic on the target, read from the
/// beginning to the end of every partition (read_committed), folded record by
/// record. A missing topic is an error naming it: MM2 has not run against this
/// target, or the plan names the wrong alias.
pub fn mm2_positions(
    target: &ResolvedCluster,
    offsets_topic: &str,
    source_alias: &str,
    timeout: Duration,
) -> Result<Positions, Failure> {
    let reader = PartitionReader::connect(target, timeout, false)?;
    let metadata = reader.metadata(Some(offsets_topic))?;
    let exists =
        metadata.topics.iter().any(|t| t.name == offsets_topic && t.error.is_none() && !t.partitions.is_empty());
    drop(reader);
    if !exists {
        return Err(Failure::runtime(format!(
            "MirrorMaker 2's offsets topic {offsets_topic} is not on {}: expected the runner's offsets_topic (mm2-offsets.<source alias>.internal by default)",
            target.name
        )));
    }
    let mut fold = Mm2Fold::default();
    crate::engine::recovery::read_to_end(target, offsets_topic, timeout, |key, value, record| {
        fold.apply(key, value, record.timestamp, source_alias);
    })?;
    if fold.malformed > 0 {
        tracing::warn!(
            topic = offsets_topic,
            records = fold.malformed,
            first = fold.first_problem.as_deref().unwrap_or(""),
            "skipped unreadable MirrorMaker 2 offsets records"
        );
    }
    Ok(fold.positions)
}

/// A Connect source connector through KIP-875 (`GET /connectors/{name}/offsets`).
pub fn connect_positions(cluster: &ConnectCluster, connector: &str, timeout: Duration) -> Result<Positions, Failure> {
    let client = ConnectClient::new(cluster, timeout)?;
    let (positions, skipped) = from_connect_offsets(&client.offsets(connector)?);
    if skipped > 0 {
        tracing::warn!(connector, entries = skipped, "skipped offsets that name no Kafka topic and partition");
    }
    Ok(positions)
}
