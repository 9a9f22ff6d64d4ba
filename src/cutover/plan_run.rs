//! Translating one group's committed offsets over a plan's topics.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::config::ResolvedCluster;
use crate::connect::clusters::ConnectCluster;
use crate::engine::plan::{Plan, Runner};
use crate::engine::provenance::find_provenance;
use crate::engine::topics::selected_topics;
use crate::error::Failure;
use crate::kafka::groups::GroupReader;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};
use crate::verify::explain::Keeper;
use crate::verify::positions::{read_positions, CopyPositions};

use super::translate::{log_end, replication_lag, search_by_provenance, Method, Probe, Search};

/// A probe reads one record: a fetch that finds nothing answers at once.
/// Out-of-range reads are reported, not silently moved to the end: a broker
/// that refuses offsets under its log end (tansu) is then read in sequence.
const PROBE_SETTINGS: [(&str, &str); 3] =
    [("isolation.level", "read_committed"), ("fetch.wait.max.ms", "10"), ("auto.offset.reset", "error")];

/// How long a sequential scan waits for more records after the partition's end.
const SCAN_QUIET: Duration = Duration::from_millis(400);

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutoverRow {
    pub topic: String,
    pub destination_topic: String,
    pub partition: i32,
    pub source_committed: i64,
    pub destination_offset: i64,
    pub method: Method,
    /// Records not copied yet on this partition; None when no engine position is recorded.
    pub lag: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CutoverResult {
    pub plan: String,
    pub group: String,
    pub source: String,
    pub destination: String,
    pub applied: bool,
    pub refused: Option<String>,
    pub partitions: Vec<CutoverRow>,
}

/// The first record at or after `offset`: (offset, source offset it copies, timestamp).
struct Prober {
    reader: PartitionReader,
    timeout: Duration,
}

type Found = Option<(i64, Option<i64>, Option<i64>)>;

impl Prober {
    fn connect(cluster: &ResolvedCluster, timeout: Duration) -> Result<Self, Failure> {
        let options = ReaderOptions { with_headers: true, partition_ends: true, extra: &PROBE_SETTINGS };
        Ok(Prober { reader: PartitionReader::connect_with(cluster, timeout, options)?, timeout })
    }

    /// `copies` names the source partition whose provenance counts.
    fn first_at(
        &mut self,
        topic: &str,
        partition: i32,
        offset: i64,
        copies: Option<&(String, i32)>,
    ) -> Result<Found, Failure> {
        self.reader.assign(topic, &[(partition, StartPosition::Offset(offset))])?;
        let started = std::time::Instant::now();
        loop {
            let (mut answer, mut out_of_range): (Option<Found>, bool) = (None, false);
            self.reader.poll_batch(Duration::from_millis(100), |event| {
                match event {
                    ReadEvent::Record(record)
                        if record.partition == partition && record.topic == topic && record.offset >= offset =>
                    {
                        let copy_of = copies.and_then(|(source_topic, source_partition)| {
                            let headers = record.headers.iter().map(|h| (h.name, h.value));
                            find_provenance(headers)
                                .filter(|p| &p.topic == source_topic && p.partition == *source_partition)
                                .map(|p| p.offset)
                        });
                        answer = Some(Some((record.offset, copy_of, record.timestamp)));
                    }
                    ReadEvent::PartitionEnd { partition: ended, .. } if ended == partition => answer = Some(None),
                    ReadEvent::OffsetOutOfRange => out_of_range = true,
                    _ => {}
                }
                answer.is_none() && !out_of_range
            })?;
            if let Some(answer) = answer {
                return Ok(answer);
            }
            if out_of_range {
                return Err(Failure::runtime(format!("{topic} [{partition}]: offset {offset} is out of range")));
            }
            if started.elapsed() > self.timeout {
                return Err(Failure::runtime(format!(
                    "{topic} [{partition}]: no record or end at offset {offset} within {} s",
                    self.timeout.as_secs()
                )));
            }
        }
    }
}

impl Prober {
    /// Reads from `low` in order to the first copy of a source offset >=
    /// `committed`; the offset after the last record when there is none.
    fn scan(
        &mut self,
        topic: &str,
        partition: i32,
        low: i64,
        committed: i64,
        copies: &(String, i32),
    ) -> Result<i64, Failure> {
        self.reader.assign(topic, &[(partition, StartPosition::Offset(low))])?;
        let (mut next, mut found, mut ended) = (low, None, false);
        let mut last_activity = std::time::Instant::now();
        while found.is_none() {
            let mut records = 0;
            self.reader.poll_batch(Duration::from_millis(100), |event| {
                match event {
                    ReadEvent::Record(record) if record.partition == partition && record.topic == topic => {
                        records += 1;
                        next = record.offset + 1;
                        let headers = record.headers.iter().map(|h| (h.name, h.value));
                        let copy = find_provenance(headers).filter(|p| p.topic == copies.0 && p.partition == copies.1);
                        if copy.is_some_and(|p| p.offset >= committed) {
                            found = Some(record.offset);
                        }
                    }
                    ReadEvent::PartitionEnd { partition: p, .. } if p == partition => ended = true,
                    _ => {}
                }
                found.is_none()
            })?;
            if records > 0 {
                last_activity = std::time::Instant::now();
            }
            let quiet = last_activity.elapsed();
            if found.is_none() && ((ended && quiet >= SCAN_QUIET) || quiet > self.timeout) {
                return Ok(next);
            }
        }
        Ok(found.unwrap_or(next))
    }
}

/// Translates `group`'s committed offsets on the plan's topics. Nothing is committed here.
pub fn translate_group(
    plan: &Plan,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    group: &str,
    timeout: Duration,
) -> Result<Vec<CutoverRow>, Failure> {
    translate_group_with(plan, source, destination, group, timeout, None)
}

/// The runner's positions, for the lag column. A Connect runner whose cluster
/// the caller did not resolve has none: its lag is unknown (`?`), which
/// `--apply` refuses like any unknown lag.
fn runner_positions(
    plan: &Plan,
    clusters: (&ResolvedCluster, &ResolvedCluster),
    partitions: &[(String, i32)],
    connect: Option<&ConnectCluster>,
    timeout: Duration,
) -> Result<CopyPositions, Failure> {
    match (&plan.runner, connect) {
        (Runner::Connect { .. }, None) => {
            Ok(CopyPositions::new(Keeper::Runner(plan.runner.kind()), Default::default()))
        }
        _ => read_positions(plan, clusters, partitions, connect, timeout),
    }
}

/// [`translate_group`] with the `[connect.NAME]` cluster of a Connect `[runner]`.
/// A plan copied by another runner (Replicator, MirrorMaker 2, Connect) carries
/// no kdeck provenance: its offsets are translated by timestamp, approximately,
/// and its lag is measured against that runner's own positions.
pub fn translate_group_with(
    plan: &Plan,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    group: &str,
    timeout: Duration,
    connect: Option<&ConnectCluster>,
) -> Result<Vec<CutoverRow>, Failure> {
    let clock = std::time::Instant::now();
    let groups = GroupReader::connect(source, timeout)?;
    let source_reader = PartitionReader::connect(source, timeout, false)?;
    let metadata = source_reader.metadata(None)?;
    plan.check_renames(metadata.topics.iter().map(|t| t.name.as_str()))?;
    let partitions: Vec<(String, i32)> = selected_topics(plan, &metadata)
        .into_iter()
        .flat_map(|(topic, count)| (0..count).map(move |p| (topic.clone(), p)))
        .collect();
    let committed = groups.committed_offsets(group, &partitions)?;
    let committed: Vec<_> = committed.into_iter().filter_map(|c| Some((c.topic, c.partition, c.committed?))).collect();
    if committed.is_empty() {
        return Err(Failure::usage(format!(
            "group {group} has no committed offsets on the plan's topics on {} (expected a consumer group of the source)",
            plan.source
        )));
    }
    tracing::info!(elapsed = ?clock.elapsed(), "cutover: committed offsets read");
    let positions = runner_positions(plan, (source, destination), &partitions, connect, timeout)?;
    tracing::info!(elapsed = ?clock.elapsed(), runner = plan.runner.kind(), "cutover: copy positions read");
    let by_provenance = plan.runner == Runner::Kdeck;
    let mut destination_probe = Prober::connect(destination, timeout)?;
    let mut source_probe = Prober::connect(source, timeout)?;
    let destination_reader = PartitionReader::connect(destination, timeout, false)?;
    let mut rows = Vec::new();
    for (topic, partition, source_committed) in committed {
        let destination_topic = plan.topics.destination_topic(&plan.source, &topic);
        let source_high = source_reader.watermarks(&topic, partition)?.high;
        let position = positions.next_offset(&topic, partition);
        let marks = destination_reader.watermarks(&destination_topic, partition)?;
        let copies = (topic.clone(), partition);
        let mut probe = |at| {
            Ok(match destination_probe.first_at(&destination_topic, partition, at, Some(&copies))? {
                Some((offset, copy_of, _)) => Probe::Record { offset, copy_of },
                None => Probe::End,
            })
        };
        let searched = log_end(marks.low, marks.high, &mut probe).and_then(|end| match by_provenance {
            true => Ok((end, search_by_provenance(source_committed, marks.low, end, &mut probe)?)),
            // Another runner's copies name no source offset: no probe would find one.
            false => Ok((end, Search::NoProvenance)),
        });
        let (end, search) = match searched {
            Ok(found) => found,
            // A broker that refuses reads at some offsets of its own log: read it in order instead.
            Err(_) => {
                let found =
                    destination_probe.scan(&destination_topic, partition, marks.low, source_committed, &copies)?;
                (found, Search::Found(found))
            }
        };
        let (destination_offset, method) = match search {
            Search::Found(offset) => (offset, Method::Provenance),
            Search::NoProvenance => {
                let at_source = source_probe.first_at(&topic, partition, source_committed, None)?;
                let offset = match at_source.and_then(|(_, _, timestamp)| timestamp) {
                    Some(timestamp) => destination_reader
                        .offsets_for_times(&destination_topic, &[(partition, timestamp)])?
                        .first()
                        .and_then(|(_, offset)| *offset)
                        .filter(|offset| *offset >= 0)
                        .unwrap_or(end),
                    None => end,
                };
                (offset, Method::Timestamp)
            }
        };
        rows.push(CutoverRow {
            topic,
            destination_topic,
            partition,
            source_committed,
            destination_offset,
            method,
            lag: replication_lag(source_high, position),
        });
    }
    tracing::info!(elapsed = ?clock.elapsed(), "cutover: translated");
    Ok(rows)
}
