//! Where to resume: the state topic's committed positions, corrected by the
//! destination's own tail. The destination is the final truth: on a broker
//! that makes an interrupted transaction visible instead of aborting it (both
//! test brokers do), the tail holds records past the state topic's position,
//! and copying them again would duplicate them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::metadata::topic_partitions;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};

use super::assignment::TopicPartition;
use super::provenance;
use super::state::StateSnapshot;

/// Offsets a destination partition's tail is searched over for provenance.
/// Markers take offsets too; an interrupted batch is one transaction, so its
/// records sit together at the very end.
const TAIL_WINDOW: i64 = 64;

/// How long a read waits for stragglers after every partition reported its
/// end, on a broker whose high watermark was seen to be too low.
const QUIET: Duration = Duration::from_millis(400);

/// Records stamped this long after a read began are not part of its snapshot.
const SNAPSHOT_SLACK_MS: i64 = 3_000;

/// The longest a read goes on after every partition reported its end.
const STRAGGLERS: Duration = Duration::from_secs(2);

/// A fetch that finds nothing new returns after 10 ms, not librdkafka's 500:
/// the end of an idle partition is known that much sooner.
const READ_COMMITTED: [(&str, &str); 2] = [("isolation.level", "read_committed"), ("fetch.wait.max.ms", "10")];

/// Reads the whole state topic with read_committed. A missing topic is an
/// empty snapshot: nothing was ever committed.
pub fn read_state(
    destination: &ResolvedCluster,
    state_topic: &str,
    timeout: Duration,
) -> Result<StateSnapshot, Failure> {
    read_state_with_latest(destination, state_topic, timeout).map(|(snapshot, _)| snapshot)
}

/// The snapshot and the newest record timestamp (ms) in the state topic: a
/// recent one means an engine was running the plan moments ago.
pub fn read_state_with_latest(
    destination: &ResolvedCluster,
    state_topic: &str,
    timeout: Duration,
) -> Result<(StateSnapshot, Option<i64>), Failure> {
    let mut snapshot = StateSnapshot::default();
    let mut latest: Option<i64> = None;
    read_to_end(destination, state_topic, timeout, |key, value, record| {
        if let Some(ts) = record.timestamp {
            latest = Some(latest.map_or(ts, |l| l.max(ts)));
        }
        if let Some(key) = key {
            if let Err(err) = snapshot.apply_record(key, value) {
                tracing::warn!(%err, "skipping an unreadable state record");
            }
        }
    })?;
    Ok((snapshot, latest))
}

/// For each (source partition -> destination topic), the highest source offset
/// the destination already holds, by provenance from `source_cluster_id`.
///
/// One client reads every tail at once. ListOffsets first: a destination
/// partition that holds nothing cannot hold a copy, so only partitions with
/// records are fetched (a seed start reads no tail at all). `stop` ends the
/// read early (a SIGTERM during the start), with `Ok(None)`.
pub fn destination_tails(
    destination: &ResolvedCluster,
    source_cluster_id: &str,
    partitions: &BTreeMap<TopicPartition, String>,
    timeout: Duration,
    stop: &AtomicBool,
) -> Result<Option<BTreeMap<TopicPartition, i64>>, Failure> {
    let mut highest = BTreeMap::new();
    if partitions.is_empty() {
        return Ok(Some(highest));
    }
    let options = ReaderOptions { with_headers: true, partition_ends: true, extra: &READ_COMMITTED };
    let mut reader = PartitionReader::connect_with(destination, timeout, options)?;
    // Destination partition -> the source partitions copied onto it (one, unless renamed topics share it).
    let mut sources_of: BTreeMap<TopicPartition, Vec<&TopicPartition>> = BTreeMap::new();
    for (source, destination_topic) in partitions {
        sources_of.entry(TopicPartition::new(destination_topic.as_str(), source.partition)).or_default().push(source);
    }
    let asked: Vec<(&str, i32)> = sources_of.keys().map(|tp| (tp.topic.as_str(), tp.partition)).collect();
    let earliest = reader.earliest_offsets_of(&asked)?;
    let latest = reader.latest_offsets_of(&asked)?;
    let holding: Vec<(String, i32, StartPosition)> = asked
        .iter()
        .zip(earliest.iter().zip(&latest))
        .filter(|(_, (low, high))| holds_records(**low, **high))
        .map(|(&(topic, partition), _)| (topic.to_string(), partition, StartPosition::Tail(TAIL_WINDOW)))
        .collect();
    tracing::debug!(partitions = asked.len(), holding = holding.len(), "reading destination tails");
    if holding.is_empty() {
        return Ok(Some(highest));
    }
    let read =
        read_partitions_to_end(&mut reader, &destination.name, holding, i64::MAX, timeout, stop, |_, _, record| {
            let Some(origin) = provenance::find_provenance(record.headers.iter().map(|h| (h.name, h.value))) else {
                return;
            };
            if origin.cluster_id != source_cluster_id || origin.partition != record.partition {
                return;
            }
            let tp = TopicPartition::new(origin.topic, origin.partition);
            let copied_here = sources_of
                .get(&TopicPartition::new(record.topic, record.partition))
                .is_some_and(|sources| sources.contains(&&tp));
            if copied_here {
                let slot = highest.entry(tp).or_insert(origin.offset);
                *slot = (*slot).max(origin.offset);
            }
        })?;
    Ok(read.then_some(highest))
}

/// Whether ListOffsets says a partition holds anything. An unknown answer
/// counts as holding: only a partition known to be empty is skipped.
fn holds_records(low: Option<i64>, high: Option<i64>) -> bool {
    match (low, high) {
        (Some(low), Some(high)) => high > low.max(0),
        _ => true,
    }
}

/// Reads a topic (all partitions, from the beginning) until every partition reports its end.
pub(crate) fn read_to_end(
    cluster: &ResolvedCluster,
    topic: &str,
    timeout: Duration,
    on_record: impl FnMut(Option<&[u8]>, Option<&[u8]>, &crate::record::RecordView<'_>),
) -> Result<(), Failure> {
    let options = ReaderOptions { with_headers: false, partition_ends: true, extra: &READ_COMMITTED };
    let mut reader = PartitionReader::connect_with(cluster, timeout, options)?;
    let metadata = reader.metadata(Some(topic))?;
    let Ok(partitions) = topic_partitions(&metadata, &cluster.name, topic) else {
        return Ok(());
    };
    let starts: Vec<(String, i32, StartPosition)> =
        partitions.into_iter().map(|p| (topic.to_string(), p, StartPosition::Beginning)).collect();
    // A record written well after the read began means another writer is
    // still at work (an engine being taken over): the partition's snapshot is
    // complete, even if its end is never reported. Only the state topic is
    // stamped by kdeck's own clock; copied records keep their source
    // timestamps, which can be anything.
    let snapshot_until = super::coordinator::now_ms() + SNAPSHOT_SLACK_MS;
    let never = AtomicBool::new(false);
    read_partitions_to_end(&mut reader, &cluster.name, starts, snapshot_until, timeout, &never, on_record).map(drop)
}

/// Reads the given partitions (of any topics) until every one reports its
/// end. Returns false when `stop` ended the read first.
fn read_partitions_to_end(
    reader: &mut PartitionReader,
    cluster_name: &str,
    starts: Vec<(String, i32, StartPosition)>,
    snapshot_until: i64,
    timeout: Duration,
    stop: &AtomicBool,
    mut on_record: impl FnMut(Option<&[u8]>, Option<&[u8]>, &crate::record::RecordView<'_>),
) -> Result<bool, Failure> {
    if starts.is_empty() {
        return Ok(true);
    }
    let began = Instant::now();
    reader.assign_partitions(&starts)?;
    let mut open: BTreeSet<TopicPartition> =
        starts.iter().map(|(t, p, _)| TopicPartition::new(t.as_str(), *p)).collect();
    let deadline = Instant::now() + timeout * 6;
    // End-of-partition is judged against the fetch's high watermark. tansu
    // reports watermarks too low under batching (ListOffsets answers about the
    // last batch's base offset + 1), and records past an end can still arrive.
    // Such a broker shows itself: its ListOffsets disagrees with where the
    // fetch ended. Only then does the read wait for a quiet spell; on a broker
    // whose answers agree, a read ends as soon as every partition has.
    let mut ends: BTreeMap<TopicPartition, i64> = BTreeMap::new();
    let mut watermarks_disagree = false;
    let mut still_written = false;
    let mut last_record = Instant::now();
    let mut all_ended: Option<Instant> = None;
    // ...but a topic another engine is still writing is never quiet: its read
    // is a snapshot, taken at most STRAGGLERS after every partition ended.
    let waiting_for_stragglers = |last_record: Instant, all_ended: Option<Instant>| {
        last_record.elapsed() < QUIET && all_ended.is_none_or(|at| at.elapsed() < STRAGGLERS)
    };
    loop {
        if stop.load(Ordering::Relaxed) {
            return Ok(false);
        }
        if open.is_empty() && all_ended.is_none() {
            all_ended = Some(Instant::now());
            let read: Vec<(&str, i32)> = ends.keys().map(|tp| (tp.topic.as_str(), tp.partition)).collect();
            let latest = reader.latest_offsets_of(&read)?;
            watermarks_disagree = still_written || read.is_empty() || !ends_agree(ends.values().copied(), &latest);
            tracing::debug!(
                partitions = ends.len(),
                watermarks_disagree,
                elapsed_ms = began.elapsed().as_millis() as u64,
                "read to the end"
            );
        }
        if open.is_empty() && !(watermarks_disagree && waiting_for_stragglers(last_record, all_ended)) {
            break;
        }
        if Instant::now() > deadline {
            let left: Vec<String> = open.iter().take(10).map(ToString::to_string).collect();
            return Err(Failure::runtime(format!(
                "reading on {cluster_name} did not reach the end of {} partitions in time ({}{})",
                open.len(),
                left.join(", "),
                if open.len() > left.len() { ", ..." } else { "" }
            )));
        }
        reader.poll_batch(Duration::from_millis(50), |event| {
            match event {
                ReadEvent::Record(record) if record.timestamp.is_some_and(|ts| ts > snapshot_until) => {
                    still_written = true;
                    open.remove(&TopicPartition::new(record.topic, record.partition));
                }
                ReadEvent::Record(record) => {
                    last_record = Instant::now();
                    on_record(record.key, record.payload, &record)
                }
                ReadEvent::PartitionEnd { topic, partition, offset } => {
                    let tp = TopicPartition::new(topic, partition);
                    open.remove(&tp);
                    ends.insert(tp, offset);
                }
                ReadEvent::OffsetOutOfRange => {}
            }
            true
        })?;
    }
    Ok(true)
}

/// Whether every partition's fetch ended exactly at the log-end offset the
/// broker's ListOffsets reports (answers in the same order as the ends).
/// Anything else (a lower answer from tansu, a higher one while a writer is
/// still at work, a partition left unanswered) means the ends cannot be
/// trusted on their own.
fn ends_agree(ends: impl ExactSizeIterator<Item = i64>, latest: &[Option<i64>]) -> bool {
    ends.len() == latest.len() && ends.zip(latest).all(|(end, answer)| *answer == Some(end))
}

#[cfg(test)]
mod tests {
    use super::{ends_agree, holds_records};

    #[test]
    fn ends_agree_only_when_every_partition_ended_at_the_listed_log_end() {
        assert!(ends_agree([9000, 0].into_iter(), &[Some(9000), Some(0)]));
        // tansu under batching: ListOffsets says the last batch's base + 1.
        assert!(!ends_agree([9000].into_iter(), &[Some(6001)]));
        // Written to since the fetch ended: not quiet.
        assert!(!ends_agree([9000].into_iter(), &[Some(9010)]));
        assert!(!ends_agree([9000].into_iter(), &[None]));
        assert!(!ends_agree([9000, 5].into_iter(), &[Some(9000)]), "a partition left unanswered");
    }

    #[test]
    fn only_partitions_known_to_be_empty_are_skipped() {
        assert!(!holds_records(Some(0), Some(0)), "never written");
        assert!(!holds_records(Some(120), Some(120)), "everything deleted by retention");
        assert!(holds_records(Some(0), Some(3)));
        assert!(holds_records(Some(118), Some(120)));
        assert!(holds_records(None, Some(0)), "an unknown start is not proof of emptiness");
        assert!(holds_records(Some(0), None));
    }
}
