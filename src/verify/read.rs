//! Feeding the reconciliation from Kafka. Each worker keeps one reader per
//! cluster (read_committed) and reads a chunk of partitions at once on
//! each: records are sorted into per-partition buffers as they arrive, and
//! the partitions are reconciled one after another from those buffers. So
//! the client count does not grow with the partition count, and a
//! partition's fetches, end and settle overlap with its neighbours' instead
//! of being waited out one partition at a time.
//!
//! Memory stays bounded by the chunks' size: a chunk holds at most
//! [`CHUNK_RECORDS`] records by the source watermarks (a big partition is a
//! chunk of its own), so whatever arrives ahead of its turn fits. (Pausing
//! partitions whose buffer grew was tried first: a paused and resumed
//! partition on noida-db came back with an offset out of range and waited
//! out the timeout, and a 40-partition verify took 40 s.)

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};

use super::explain::{explain, Keeper, PartitionContext, Verdict};
use super::fingerprint::{Entry, SourceIdentity};
use super::reconcile::{reconcile, Feed, PartitionDiff, ReconcileOptions};

/// read_committed, and a short fetch wait so the end of a partition is seen
/// soon after its last record.
const READER_SETTINGS: [(&str, &str); 3] =
    [("isolation.level", "read_committed"), ("fetch.wait.max.ms", "50"), ("queued.max.messages.kbytes", "16384")];
const POLL: Duration = Duration::from_millis(100);

/// The most partitions one reader is assigned at once. librdkafka's cost
/// per fetched message grows with the partitions one consumer holds.
const CHUNK: usize = 128;

/// The most records (by source watermarks) one chunk holds: each is kept
/// as a few hashes (about 80 bytes) until its partition's turn, per side.
const CHUNK_RECORDS: i64 = 200_000;

/// The default `--parallel`: one worker per core, at least 2 and at most 8.
/// Each worker holds two clients, whose fetch threads do most of the work.
pub fn default_parallel() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(2, 8)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionJob {
    pub topic: String,
    pub destination_topic: String,
    pub partition: i32,
    pub compacted: bool,
    /// Source watermarks when the job list was made: `low` explains retention,
    /// `high - low` sizes the progress bar (an estimate: markers take offsets).
    pub source_low: i64,
    pub source_high: i64,
    /// Destination high minus low watermark when the job list was made: an
    /// at-least-once copy can hold several times the source's records, and
    /// they are buffered too.
    pub destination_span: i64,
    /// The next source offset the engine's state topic (or the plan's runner) records.
    pub committed: Option<i64>,
    /// Who recorded `committed`: the engine or the plan's runner.
    pub keeper: Keeper,
}

pub struct VerifyRequest {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub jobs: Vec<PartitionJob>,
    /// Workers, each with one reader per cluster.
    pub parallel: usize,
    pub window: usize,
    /// How long a partition must stay quiet after its end before the read stops:
    /// some brokers (tansu) report the end too early under batching.
    pub settle: Duration,
    pub timeout: Duration,
}

/// Shared counters for a progress bar; written by the workers, read by anyone.
#[derive(Debug, Default)]
pub struct Progress {
    pub records_read: AtomicU64,
    pub records_expected: AtomicU64,
    pub partitions_done: AtomicU64,
    pub partitions_total: AtomicU64,
}

impl Progress {
    /// (done, total) records as a fraction 0..=1, for a bar.
    pub fn ratio(&self) -> f64 {
        let expected = self.records_expected.load(Ordering::Relaxed).max(1);
        (self.records_read.load(Ordering::Relaxed) as f64 / expected as f64).min(1.0)
    }
}

#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct PartitionResult {
    pub topic: String,
    pub partition: i32,
    pub verdict: Verdict,
    pub notes: Vec<String>,
    pub source_low: i64,
    #[serde(flatten)]
    pub diff: PartitionDiff,
}

/// Verifies every job with `parallel` workers. Results come back in job order.
pub fn verify_partitions(
    request: &VerifyRequest,
    progress: &Progress,
    stop: &AtomicBool,
) -> Result<Vec<PartitionResult>, Failure> {
    progress.partitions_total.store(request.jobs.len() as u64, Ordering::Relaxed);
    let expected: i64 = request.jobs.iter().map(|job| (job.source_high - job.source_low).max(0)).sum();
    progress.records_expected.store(expected as u64, Ordering::Relaxed);
    let next = AtomicUsize::new(0);
    let workers = request.parallel.clamp(1, request.jobs.len().max(1));
    let chunks = plan_chunks(&request.jobs, workers);
    let results: Mutex<Vec<Option<PartitionResult>>> = Mutex::new(vec![None; request.jobs.len()]);
    let failure: Mutex<Option<Failure>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                if let Err(err) = worker(request, &chunks, progress, stop, &next, &results) {
                    stop_all(&next, chunks.len());
                    failure.lock().map(|mut slot| slot.get_or_insert(err).clone()).ok();
                }
            });
        }
    });
    if let Some(err) = failure.into_inner().ok().flatten() {
        return Err(err);
    }
    let results = results.into_inner().map_err(|_| Failure::runtime("a verification worker crashed"))?;
    Ok(results.into_iter().flatten().collect())
}

/// Consecutive runs of jobs, each read at once by one worker: an even share
/// of the partitions (so every worker is busy to the end), never more than
/// [`CHUNK`] partitions or, past its first partition, [`CHUNK_RECORDS`] records
/// (a partition counts as the larger of its source and destination spans).
fn plan_chunks(jobs: &[PartitionJob], workers: usize) -> Vec<std::ops::Range<usize>> {
    let most = jobs.len().div_ceil(workers.max(1)).clamp(1, CHUNK);
    let mut chunks = Vec::new();
    let (mut start, mut records) = (0, 0i64);
    for (index, job) in jobs.iter().enumerate() {
        let size = (job.source_high - job.source_low).max(job.destination_span).max(0);
        let full = index - start >= most || records + size > CHUNK_RECORDS;
        if index > start && full {
            chunks.push(start..index);
            (start, records) = (index, 0);
        }
        records += size;
    }
    if start < jobs.len() {
        chunks.push(start..jobs.len());
    }
    chunks
}

fn stop_all(next: &AtomicUsize, jobs: usize) {
    next.store(jobs, Ordering::Relaxed);
}

fn worker(
    request: &VerifyRequest,
    chunks: &[std::ops::Range<usize>],
    progress: &Progress,
    stop: &AtomicBool,
    next: &AtomicUsize,
    results: &Mutex<Vec<Option<PartitionResult>>>,
) -> Result<(), Failure> {
    let options = || ReaderOptions { with_headers: true, partition_ends: true, extra: &READER_SETTINGS };
    let mut source = PartitionReader::connect_with(&request.source, request.timeout, options())?;
    let mut destination = PartitionReader::connect_with(&request.destination, request.timeout, options())?;
    loop {
        let Some(chunk) = chunks.get(next.fetch_add(1, Ordering::Relaxed)) else { return Ok(()) };
        let first = chunk.start;
        let jobs = &request.jobs[chunk.clone()];
        let source_starts: Vec<(String, i32, StartPosition)> =
            jobs.iter().map(|j| (j.topic.clone(), j.partition, StartPosition::Beginning)).collect();
        let destination_starts: Vec<(String, i32, StartPosition)> =
            jobs.iter().map(|j| (j.destination_topic.clone(), j.partition, StartPosition::Beginning)).collect();
        source.assign_partitions(&source_starts)?;
        destination.assign_partitions(&destination_starts)?;
        // The cluster id is left open: the mock reports none, and the last
        // provenance header naming this topic and partition is this hop's own.
        let identities: Vec<SourceIdentity> = jobs
            .iter()
            .map(|j| SourceIdentity { cluster_id: String::new(), topic: j.topic.clone(), partition: j.partition })
            .collect();
        let mut source_side = Demux::new(&source, &source_starts, None, request, stop, Some(&progress.records_read));
        let mut destination_side = Demux::new(&destination, &destination_starts, Some(identities), request, stop, None);
        for (slot, job) in jobs.iter().enumerate() {
            let result = verify_one(request, job, slot, &mut source_side, &mut destination_side)?;
            progress.partitions_done.fetch_add(1, Ordering::Relaxed);
            if let Ok(mut slots) = results.lock() {
                slots[first + slot] = Some(result);
            }
        }
    }
}

fn verify_one(
    request: &VerifyRequest,
    job: &PartitionJob,
    slot: usize,
    source: &mut Demux<'_>,
    destination: &mut Demux<'_>,
) -> Result<PartitionResult, Failure> {
    let clock = Instant::now();
    source.begin(slot);
    destination.begin(slot);
    let mut source_feed = SlotFeed { demux: source, slot };
    let mut destination_feed = SlotFeed { demux: destination, slot };
    let options =
        ReconcileOptions { window: request.window, source_low: job.source_low, ..ReconcileOptions::default() };
    let diff = reconcile(&mut source_feed, &mut destination_feed, options)?;
    source.finish(slot);
    destination.finish(slot);
    tracing::debug!(topic = %job.topic, partition = job.partition, elapsed = ?clock.elapsed(), "partition verified");
    let (verdict, notes) = explain(
        &diff,
        PartitionContext {
            source_low: job.source_low,
            compacted: job.compacted,
            committed: job.committed,
            keeper: job.keeper,
        },
    );
    Ok(PartitionResult {
        topic: job.topic.clone(),
        partition: job.partition,
        verdict,
        notes,
        source_low: job.source_low,
        diff,
    })
}

/// One partition of a chunk, as it is being read.
struct Slot {
    topic: String,
    partition: i32,
    /// Records read and not yet reconciled.
    buffer: VecDeque<Entry>,
    end_seen: bool,
    last_record: Instant,
    /// When the reconciliation began waiting on this partition: the
    /// timeout counts from here, not from when the chunk began.
    waiting_since: Instant,
    /// Reconciled: anything still arriving is dropped.
    finished: bool,
}

/// One reader's records, sorted by partition into slots.
struct Demux<'a> {
    reader: &'a PartitionReader,
    slots: Vec<Slot>,
    index: HashMap<(String, i32), usize>,
    /// Destination side: the source partition each slot's copies must name.
    identities: Option<Vec<SourceIdentity>>,
    counter: Option<&'a AtomicU64>,
    settle: Duration,
    timeout: Duration,
    stop: &'a AtomicBool,
}

impl<'a> Demux<'a> {
    fn new(
        reader: &'a PartitionReader,
        starts: &[(String, i32, StartPosition)],
        identities: Option<Vec<SourceIdentity>>,
        request: &VerifyRequest,
        stop: &'a AtomicBool,
        counter: Option<&'a AtomicU64>,
    ) -> Self {
        let now = Instant::now();
        let slots: Vec<Slot> = starts
            .iter()
            .map(|(topic, partition, _)| Slot {
                topic: topic.clone(),
                partition: *partition,
                buffer: VecDeque::new(),
                end_seen: false,
                last_record: now,
                waiting_since: now,
                finished: false,
            })
            .collect();
        let index = slots.iter().enumerate().map(|(i, s)| ((s.topic.clone(), s.partition), i)).collect();
        Demux { reader, slots, index, identities, counter, settle: request.settle, timeout: request.timeout, stop }
    }

    fn begin(&mut self, slot: usize) {
        self.slots[slot].waiting_since = Instant::now();
    }

    /// The partition is reconciled: stop fetching it and forget its buffer.
    fn finish(&mut self, slot: usize) {
        let slot = &mut self.slots[slot];
        slot.finished = true;
        slot.buffer = VecDeque::new();
        self.reader.stop_partition(&slot.topic, slot.partition);
    }

    fn next_entry(&mut self, slot: usize) -> Result<Option<Entry>, Failure> {
        loop {
            let current = &mut self.slots[slot];
            if let Some(entry) = current.buffer.pop_front() {
                return Ok(Some(entry));
            }
            let quiet = current.last_record.elapsed();
            if current.end_seen && quiet >= self.settle {
                return Ok(None);
            }
            let waited = current.last_record.max(current.waiting_since).elapsed();
            if !current.end_seen && waited >= self.timeout {
                return Err(Failure::runtime(format!(
                    "{} [{}]: no records and no end of partition within {} s",
                    current.topic,
                    current.partition,
                    self.timeout.as_secs()
                )));
            }
            if self.stop.load(Ordering::Relaxed) {
                return Err(Failure::runtime("verification interrupted"));
            }
            self.fill()?;
        }
    }

    /// One poll: each record goes to its partition's buffer.
    fn fill(&mut self) -> Result<(), Failure> {
        let (mut records, mut out_of_range) = (0u64, false);
        let reader = self.reader;
        let (slots, index, identities) = (&mut self.slots, &self.index, &self.identities);
        let now = Instant::now();
        reader.poll_batch(POLL, |event| {
            match event {
                ReadEvent::Record(record) => {
                    let Some(&i) = index.get(&(record.topic.to_string(), record.partition)) else { return true };
                    let slot = &mut slots[i];
                    if slot.finished {
                        return true;
                    }
                    records += 1;
                    slot.last_record = now;
                    slot.buffer.push_back(match identities {
                        Some(identities) => Entry::of_destination(&record, &identities[i]),
                        None => Entry::of_source(&record),
                    });
                }
                ReadEvent::PartitionEnd { topic, partition, .. } => {
                    if let Some(&i) = index.get(&(topic.to_string(), partition)) {
                        slots[i].end_seen = true;
                    }
                }
                ReadEvent::OffsetOutOfRange => out_of_range = true,
            }
            true
        })?;
        if out_of_range {
            return Err(Failure::runtime(
                "records were removed by retention while they were being read; run verify again",
            ));
        }
        if let Some(counter) = self.counter {
            counter.fetch_add(records, Ordering::Relaxed);
        }
        Ok(())
    }
}

/// One side of one partition as a [`Feed`].
struct SlotFeed<'d, 'a> {
    demux: &'d mut Demux<'a>,
    slot: usize,
}

impl Feed for SlotFeed<'_, '_> {
    fn next_entry(&mut self) -> Result<Option<Entry>, Failure> {
        self.demux.next_entry(self.slot)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(records: i64) -> PartitionJob {
        PartitionJob {
            topic: "t".into(),
            destination_topic: "t".into(),
            partition: 0,
            compacted: false,
            source_low: 10,
            source_high: 10 + records,
            destination_span: 0,
            committed: None,
            keeper: Keeper::Engine,
        }
    }

    #[test]
    fn a_destination_holding_several_copies_sizes_its_chunk() {
        // Source-sized, the three fit one chunk; the middle destination holds six copies.
        let mut jobs = [job(60_000), job(60_000), job(60_000)];
        assert_eq!(plan_chunks(&jobs, 1), vec![0..3]);
        jobs[1].destination_span = 360_000;
        assert_eq!(plan_chunks(&jobs, 1), vec![0..1, 1..2, 2..3]);
    }

    #[test]
    fn chunks_share_the_partitions_and_bound_the_records() {
        let small: Vec<PartitionJob> = (0..1_000).map(|_| job(100)).collect();
        let chunks = plan_chunks(&small, 4);
        assert_eq!(chunks.len(), 8, "{chunks:?}");
        assert!(chunks.iter().all(|c| c.len() <= CHUNK));
        assert_eq!(chunks.iter().map(ExactSizeIterator::len).sum::<usize>(), 1_000);
        // Two workers, 40 partitions of 60,000 records: three at a time fit the budget.
        let big: Vec<PartitionJob> = (0..40).map(|_| job(60_000)).collect();
        let chunks = plan_chunks(&big, 2);
        assert!(chunks.iter().all(|c| c.len() == 3 || c == &(39..40)), "{chunks:?}");
        // A partition bigger than the budget is a chunk of its own.
        let huge = [job(1_000), job(5_000_000), job(1_000)];
        assert_eq!(plan_chunks(&huge, 1), vec![0..1, 1..2, 2..3]);
        assert!(plan_chunks(&[], 4).is_empty());
    }
}
