//! Where to resume: the state topic's committed positions, corrected by the
//! destination's own tail. The destination is the final truth: on a broker
//! that makes an interrupted transaction visible instead of aborting it (both
//! test brokers do), the tail holds records past the state topic's position,
//! and copying them again would duplicate them.

use std::collections::BTreeMap;
use std::sync::Mutex;
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
    read_to_end(destination, state_topic, None, timeout, |key, value, record| {
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
pub fn destination_tails(
    destination: &ResolvedCluster,
    source_cluster_id: &str,
    partitions: &BTreeMap<TopicPartition, String>,
    timeout: Duration,
) -> Result<BTreeMap<TopicPartition, i64>, Failure> {
    let mut by_destination: BTreeMap<&str, Vec<&TopicPartition>> = BTreeMap::new();
    for (source, destination_topic) in partitions {
        by_destination.entry(destination_topic.as_str()).or_default().push(source);
    }
    // Each topic's read costs a client and a quiet spell, so topics are read
    // side by side, a few at a time.
    let queue = Mutex::new(by_destination.into_iter().collect::<Vec<_>>());
    let highest = Mutex::new(BTreeMap::new());
    let failure: Mutex<Option<Failure>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..TAIL_READERS {
            scope.spawn(|| {
                while let Some((destination_topic, sources)) = queue.lock().ok().and_then(|mut q| q.pop()) {
                    match tail_of(destination, source_cluster_id, destination_topic, &sources, timeout) {
                        Ok(found) => {
                            if let Ok(mut all) = highest.lock() {
                                all.extend(found);
                            }
                        }
                        Err(err) => {
                            if let Ok(mut first) = failure.lock() {
                                first.get_or_insert(err);
                            }
                        }
                    }
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().ok().flatten() {
        return Err(err);
    }
    Ok(highest.into_inner().unwrap_or_default())
}

/// Threads reading destination tails at once.
const TAIL_READERS: usize = 4;

fn tail_of(
    destination: &ResolvedCluster,
    source_cluster_id: &str,
    destination_topic: &str,
    sources: &[&TopicPartition],
    timeout: Duration,
) -> Result<BTreeMap<TopicPartition, i64>, Failure> {
    let wanted: Vec<i32> = sources.iter().map(|tp| tp.partition).collect();
    let mut highest = BTreeMap::new();
    read_to_end(destination, destination_topic, Some((&wanted, TAIL_WINDOW)), timeout, |_, _, record| {
        let Some(origin) = provenance::find_provenance(record.headers.iter().map(|h| (h.name, h.value))) else {
            return;
        };
        if origin.cluster_id != source_cluster_id || origin.partition != record.partition {
            return;
        }
        let tp = TopicPartition::new(origin.topic, origin.partition);
        if sources.contains(&&tp) {
            let slot = highest.entry(tp).or_insert(origin.offset);
            *slot = (*slot).max(origin.offset);
        }
    })?;
    Ok(highest)
}

/// Reads a topic (all partitions, or `only` of them from `tail` offsets before
/// the end) until every partition reports its end.
fn read_to_end(
    cluster: &ResolvedCluster,
    topic: &str,
    only: Option<(&[i32], i64)>,
    timeout: Duration,
    mut on_record: impl FnMut(Option<&[u8]>, Option<&[u8]>, &crate::record::RecordView<'_>),
) -> Result<(), Failure> {
    let options = ReaderOptions { with_headers: only.is_some(), partition_ends: true, extra: &READ_COMMITTED };
    let began = Instant::now();
    let mut reader = PartitionReader::connect_with(cluster, timeout, options)?;
    let metadata = reader.metadata(Some(topic))?;
    let Ok(existing) = topic_partitions(&metadata, &cluster.name, topic) else {
        return Ok(());
    };
    let (partitions, start) = match only {
        Some((wanted, tail)) => {
            (existing.into_iter().filter(|p| wanted.contains(p)).collect::<Vec<_>>(), StartPosition::Tail(tail))
        }
        None => (existing, StartPosition::Beginning),
    };
    if partitions.is_empty() {
        return Ok(());
    }
    let starts: Vec<(i32, StartPosition)> = partitions.iter().map(|&p| (p, start)).collect();
    reader.assign(topic, &starts)?;
    let mut open: Vec<i32> = partitions;
    let deadline = Instant::now() + timeout * 6;
    // End-of-partition is judged against the fetch's high watermark. tansu
    // reports watermarks too low under batching (ListOffsets answers about the
    // last batch's base offset + 1), and records past an end can still arrive.
    // Such a broker shows itself: its ListOffsets disagrees with where the
    // fetch ended. Only then does the read wait for a quiet spell; on a broker
    // whose answers agree, a read ends as soon as every partition has.
    let mut ends: BTreeMap<i32, i64> = BTreeMap::new();
    let mut watermarks_disagree = false;
    let mut still_written = false;
    let mut last_record = Instant::now();
    let mut all_ended: Option<Instant> = None;
    // A record written well after the read began means another writer is
    // still at work (an engine being taken over): the partition's snapshot is
    // complete, even if its end is never reported.
    // Only the state topic is stamped by kdeck's own clock; copied records keep
    // their source timestamps, which can be anything.
    let snapshot_until = if only.is_none() { super::coordinator::now_ms() + SNAPSHOT_SLACK_MS } else { i64::MAX };
    // ...but a topic another engine is still writing is never quiet: its read
    // is a snapshot, taken at most STRAGGLERS after every partition ended.
    let waiting_for_stragglers = |last_record: Instant, all_ended: Option<Instant>| {
        last_record.elapsed() < QUIET && all_ended.is_none_or(|at| at.elapsed() < STRAGGLERS)
    };
    loop {
        if open.is_empty() && all_ended.is_none() {
            all_ended = Some(Instant::now());
            let read: Vec<i32> = ends.keys().copied().collect();
            let latest = reader.latest_offsets(topic, &read)?;
            watermarks_disagree = still_written || read.is_empty() || !ends_agree(&ends, &latest);
            tracing::debug!(%topic, ?ends, ?latest, watermarks_disagree, elapsed_ms = began.elapsed().as_millis() as u64, "read to the end");
        }
        if open.is_empty() && !(watermarks_disagree && waiting_for_stragglers(last_record, all_ended)) {
            break;
        }
        if Instant::now() > deadline {
            return Err(Failure::runtime(format!(
                "reading {topic} on {} did not reach the end of partitions {open:?} in time",
                cluster.name
            )));
        }
        reader.poll_batch(Duration::from_millis(50), |event| {
            match event {
                ReadEvent::Record(record) if record.timestamp.is_some_and(|ts| ts > snapshot_until) => {
                    still_written = true;
                    open.retain(|&p| p != record.partition);
                }
                ReadEvent::Record(record) => {
                    last_record = Instant::now();
                    on_record(record.key, record.payload, &record)
                }
                ReadEvent::PartitionEnd { partition, offset } => {
                    ends.insert(partition, offset);
                    open.retain(|&p| p != partition);
                }
                ReadEvent::OffsetOutOfRange => {}
            }
            true
        })?;
    }
    Ok(())
}

/// Whether every partition's fetch ended exactly at the log-end offset the
/// broker's ListOffsets reports. Anything else (a lower answer from tansu, a
/// higher one while a writer is still at work, a partition missing from the
/// answer) means the ends cannot be trusted on their own.
fn ends_agree(ends: &BTreeMap<i32, i64>, latest: &[(i32, Option<i64>)]) -> bool {
    let answered: BTreeMap<i32, Option<i64>> = latest.iter().copied().collect();
    ends.iter().all(|(partition, end)| answered.get(partition).copied().flatten() == Some(*end))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::ends_agree;

    fn ends(pairs: &[(i32, i64)]) -> BTreeMap<i32, i64> {
        pairs.iter().copied().collect()
    }

    #[test]
    fn ends_agree_only_when_every_partition_ended_at_the_listed_log_end() {
        assert!(ends_agree(&ends(&[(0, 9000), (1, 0)]), &[(0, Some(9000)), (1, Some(0))]));
        // tansu under batching: ListOffsets says the last batch's base + 1.
        assert!(!ends_agree(&ends(&[(0, 9000)]), &[(0, Some(6001))]));
        // Written to since the fetch ended: not quiet.
        assert!(!ends_agree(&ends(&[(0, 9000)]), &[(0, Some(9010))]));
        assert!(!ends_agree(&ends(&[(0, 9000)]), &[(0, None)]));
        assert!(!ends_agree(&ends(&[(0, 9000), (1, 5)]), &[(0, Some(9000))]), "a partition left unanswered");
    }
}
