//! Feeding the reconciliation from Kafka: per partition one source and one
//! destination reader (read_committed, from the beginning), partitions spread
//! over a few worker threads. Each worker keeps its two readers and reassigns
//! them, so the connection count does not grow with the partition count.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};

use super::explain::{explain, PartitionContext, Verdict};
use super::fingerprint::{Entry, SourceIdentity};
use super::reconcile::{reconcile, Feed, PartitionDiff, ReconcileOptions};

/// read_committed, and a short fetch wait so the end of a partition is seen
/// soon after its last record.
const READER_SETTINGS: [(&str, &str); 2] = [("isolation.level", "read_committed"), ("fetch.wait.max.ms", "50")];
const POLL: Duration = Duration::from_millis(100);

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
    /// The engine's committed next offset for this partition, from its state topic.
    pub committed: Option<i64>,
}

pub struct VerifyRequest {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub jobs: Vec<PartitionJob>,
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

/// Verifies every job, `parallel` partitions at a time. Results come back in job order.
pub fn verify_partitions(
    request: &VerifyRequest,
    progress: &Progress,
    stop: &AtomicBool,
) -> Result<Vec<PartitionResult>, Failure> {
    progress.partitions_total.store(request.jobs.len() as u64, Ordering::Relaxed);
    let expected: i64 = request.jobs.iter().map(|job| (job.source_high - job.source_low).max(0)).sum();
    progress.records_expected.store(expected as u64, Ordering::Relaxed);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<PartitionResult>>> = Mutex::new(vec![None; request.jobs.len()]);
    let failure: Mutex<Option<Failure>> = Mutex::new(None);
    let workers = request.parallel.clamp(1, request.jobs.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                if let Err(err) = worker(request, progress, stop, &next, &results) {
                    stop_all(&next, request.jobs.len());
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

fn stop_all(next: &AtomicUsize, jobs: usize) {
    next.store(jobs, Ordering::Relaxed);
}

fn worker(
    request: &VerifyRequest,
    progress: &Progress,
    stop: &AtomicBool,
    next: &AtomicUsize,
    results: &Mutex<Vec<Option<PartitionResult>>>,
) -> Result<(), Failure> {
    let options = ReaderOptions { with_headers: true, partition_ends: true, extra: &READER_SETTINGS };
    let mut source = PartitionReader::connect_with(&request.source, request.timeout, options)?;
    let options = ReaderOptions { with_headers: true, partition_ends: true, extra: &READER_SETTINGS };
    let mut destination = PartitionReader::connect_with(&request.destination, request.timeout, options)?;
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(job) = request.jobs.get(index) else { return Ok(()) };
        let result = verify_one(request, job, &mut source, &mut destination, progress, stop)?;
        progress.partitions_done.fetch_add(1, Ordering::Relaxed);
        if let Ok(mut slots) = results.lock() {
            slots[index] = Some(result);
        }
    }
}

fn verify_one(
    request: &VerifyRequest,
    job: &PartitionJob,
    source: &mut PartitionReader,
    destination: &mut PartitionReader,
    progress: &Progress,
    stop: &AtomicBool,
) -> Result<PartitionResult, Failure> {
    let clock = Instant::now();
    source.assign(&job.topic, &[(job.partition, StartPosition::Beginning)])?;
    destination.assign(&job.destination_topic, &[(job.partition, StartPosition::Beginning)])?;
    // The cluster id is left open: the mock reports none, and the last
    // provenance header naming this topic and partition is this hop's own.
    let identity = SourceIdentity { cluster_id: String::new(), topic: job.topic.clone(), partition: job.partition };
    let (source, destination): (&PartitionReader, &PartitionReader) = (source, destination);
    let side = |reader, topic: &str, identity, counter| ReaderFeed {
        reader,
        topic: topic.to_string(),
        partition: job.partition,
        identity,
        buffer: VecDeque::new(),
        done: false,
        end_seen: false,
        last_activity: Instant::now(),
        settle: request.settle,
        timeout: request.timeout,
        counter,
        stop,
    };
    let mut source_feed = side(source, &job.topic, None, Some(&progress.records_read));
    let mut destination_feed = side(destination, &job.destination_topic, Some(identity), None);
    let options = ReconcileOptions { window: request.window, source_low: job.source_low };
    let diff = reconcile(&mut source_feed, &mut destination_feed, options)?;
    tracing::debug!(topic = %job.topic, partition = job.partition, elapsed = ?clock.elapsed(), "partition verified");
    let (verdict, notes) = explain(
        &diff,
        PartitionContext { source_low: job.source_low, compacted: job.compacted, committed: job.committed },
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

/// One side of one partition as a [`Feed`]: batches from the reader, turned
/// into entries, until the partition reported its end and stayed quiet.
struct ReaderFeed<'a> {
    reader: &'a PartitionReader,
    topic: String,
    partition: i32,
    /// Set on the destination side: which source partition copies name.
    identity: Option<SourceIdentity>,
    buffer: VecDeque<Entry>,
    done: bool,
    end_seen: bool,
    last_activity: Instant,
    settle: Duration,
    timeout: Duration,
    counter: Option<&'a AtomicU64>,
    stop: &'a AtomicBool,
}

impl Feed for ReaderFeed<'_> {
    fn next_entry(&mut self) -> Result<Option<Entry>, Failure> {
        loop {
            if let Some(entry) = self.buffer.pop_front() {
                return Ok(Some(entry));
            }
            if self.done {
                return Ok(None);
            }
            if self.stop.load(Ordering::Relaxed) {
                return Err(Failure::runtime("verification interrupted"));
            }
            self.fill()?;
        }
    }
}

impl ReaderFeed<'_> {
    fn fill(&mut self) -> Result<(), Failure> {
        let reader = self.reader;
        let (mut records, mut end, mut out_of_range) = (0u64, false, false);
        let (topic, partition, identity, buffer) = (&self.topic, self.partition, &self.identity, &mut self.buffer);
        reader.poll_batch(POLL, |event| {
            match event {
                ReadEvent::Record(record) if record.partition == partition && record.topic == topic => {
                    records += 1;
                    buffer.push_back(match identity {
                        Some(identity) => Entry::of_destination(&record, identity),
                        None => Entry::of_source(&record),
                    });
                }
                ReadEvent::PartitionEnd { partition: ended, .. } if ended == partition => end = true,
                ReadEvent::OffsetOutOfRange => out_of_range = true,
                _ => {}
            }
            true
        })?;
        if out_of_range {
            return Err(Failure::runtime(format!(
                "{topic} [{partition}]: records were removed by retention while they were being read; run verify again"
            )));
        }
        if let Some(counter) = self.counter {
            counter.fetch_add(records, Ordering::Relaxed);
        }
        if records > 0 {
            self.last_activity = Instant::now();
        }
        self.end_seen |= end;
        let quiet = self.last_activity.elapsed();
        if self.end_seen && self.buffer.is_empty() && quiet >= self.settle {
            self.done = true;
        } else if !self.end_seen && quiet >= self.timeout {
            return Err(Failure::runtime(format!(
                "{topic} [{partition}]: no records and no end of partition within {} s",
                self.timeout.as_secs()
            )));
        }
        Ok(())
    }
}
