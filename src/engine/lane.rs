//! One lane: a set of source partitions, one source reader, one destination
//! producer with a stable transactional id. Each batch is one transaction
//! holding the copied records and, per touched partition, the next source
//! offset in the state topic: a read_committed reader sees both or neither.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::kafka::reader::{PartitionReader, ReadEvent, ReaderOptions, StartPosition};
use crate::kafka::writer::{OutgoingRecord, RecordWriter, TxnFailure, DELIVERY_SLOTS};
use crate::kafka::ReadWaker;
use crate::record::Header;

use super::assignment::{by_topic, TopicPartition};
use super::fence::SharedWatch;
use super::plan::OutOfRangePolicy;
use super::positions;
use super::provenance;
use super::recovery;
use super::route::{Routes, Touched};
use super::state::{encode_key, encode_value, PositionRecord, StateKey, StateValue};
use super::status::LaneState;

/// Where one source partition stands in this lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionCursor {
    pub destination_topic: String,
    /// The next source offset to copy; None: start by the plan's start policy.
    pub next_offset: Option<i64>,
    pub records: u64,
    /// The source watermarks last seen by this lane's reader (-1 unknown).
    pub source_high_watermark: i64,
    pub source_low_watermark: i64,
}

pub struct LaneSpec {
    pub lane: usize,
    pub generation: u64,
    /// None in at-least-once mode.
    pub transactional_id: Option<String>,
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub state_topic: String,
    /// Stamp copied records with provenance from this source cluster id.
    pub provenance_from: Option<String>,
    /// Records carrying this destination cluster's provenance are not copied back.
    pub destination_cluster_id: String,
    pub cursors: BTreeMap<TopicPartition, PartitionCursor>,
    /// Where partitions without a cursor offset start.
    pub default_start: StartPosition,
    pub max_batch_records: usize,
    pub commit_interval: Duration,
    pub on_out_of_range: OutOfRangePolicy,
    pub timeout: Duration,
    /// The engine's generation watch; set for transactional lanes, which
    /// check it around each `init_transactions` (see fence.rs).
    pub generation_watch: Option<SharedWatch>,
}

/// What the coordinator and the lane share: counters, state and cursors.
pub struct LaneShared {
    pub stop: AtomicBool,
    pub records: AtomicU64,
    pub bytes: AtomicU64,
    pub commits: AtomicU64,
    pub aborts: AtomicU64,
    pub state: Mutex<(LaneState, Option<String>)>,
    pub cursors: Mutex<BTreeMap<TopicPartition, PartitionCursor>>,
    /// Changes with every write of `cursors`, so the coordinator rebuilds the
    /// partitions' status only when a lane's cursors changed.
    cursors_version: AtomicU64,
    /// Topics the user paused; `paused_version` changes with every edit.
    pub paused: Arc<Mutex<BTreeSet<String>>>,
    pub paused_version: Arc<AtomicU64>,
    /// Set once the lane has read its first poll after starting: "copying".
    pub copying_since: Mutex<Option<Instant>>,
    /// Partitions handed to the running lane (a new topic), taken at its next
    /// transaction boundary; `joining_waits` says there are some.
    joining: Mutex<BTreeMap<TopicPartition, PartitionCursor>>,
    joining_waits: AtomicBool,
    /// Wakes the lane's read while it waits for records; set while it copies.
    waker: Mutex<Option<ReadWaker>>,
}

impl LaneShared {
    pub fn new(
        cursors: BTreeMap<TopicPartition, PartitionCursor>,
        paused: Arc<Mutex<BTreeSet<String>>>,
        paused_version: Arc<AtomicU64>,
    ) -> Self {
        LaneShared {
            stop: AtomicBool::new(false),
            records: AtomicU64::new(0),
            bytes: AtomicU64::new(0),
            commits: AtomicU64::new(0),
            aborts: AtomicU64::new(0),
            state: Mutex::new((LaneState::Starting, None)),
            cursors: Mutex::new(cursors),
            cursors_version: AtomicU64::new(0),
            paused,
            paused_version,
            copying_since: Mutex::new(None),
            joining: Mutex::new(BTreeMap::new()),
            joining_waits: AtomicBool::new(false),
            waker: Mutex::new(None),
        }
    }

    /// Hands partitions to the running lane. It takes them at its next
    /// transaction boundary, after reading their destination tails, and
    /// copies on meanwhile.
    pub fn join(&self, partitions: BTreeMap<TopicPartition, PartitionCursor>) {
        if let Ok(mut joining) = self.joining.lock() {
            joining.extend(partitions);
            self.joining_waits.store(true, Ordering::Release);
        }
    }

    /// Partitions handed over and not taken yet.
    pub fn joining(&self) -> BTreeMap<TopicPartition, PartitionCursor> {
        self.joining.lock().map(|j| j.clone()).unwrap_or_default()
    }

    /// Takes the partitions handed over, moving them into the lane's cursors
    /// at once: a session that fails from here on still owns them.
    fn take_joining(&self) -> BTreeMap<TopicPartition, PartitionCursor> {
        if !self.joining_waits.load(Ordering::Acquire) {
            return BTreeMap::new();
        }
        let Ok(mut joining) = self.joining.lock() else { return BTreeMap::new() };
        let taken = std::mem::take(&mut *joining);
        self.joining_waits.store(false, Ordering::Release);
        if let Ok(mut cursors) = self.cursors.lock() {
            for (tp, cursor) in &taken {
                cursors.entry(tp.clone()).or_insert_with(|| cursor.clone());
            }
            self.cursors_version.fetch_add(1, Ordering::Release);
        }
        taken
    }

    /// Replaces the shared cursors with the lane's own.
    fn publish_cursors(&self, cursors: &BTreeMap<TopicPartition, PartitionCursor>) {
        if let Ok(mut shared) = self.cursors.lock() {
            shared.clone_from(cursors);
            self.cursors_version.fetch_add(1, Ordering::Release);
        }
    }

    /// Read before the cursors: a version seen unchanged later means the
    /// cursors read with it are still current.
    pub fn cursors_version(&self) -> u64 {
        self.cursors_version.load(Ordering::Acquire)
    }

    /// Asks the lane to stop at its next transaction boundary, waking a read
    /// that waits for records, so a stop or rescale is not waited out.
    pub fn request_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Ok(waker) = self.waker.lock() {
            if let Some(waker) = waker.as_ref() {
                waker.wake();
            }
        }
    }

    fn set_state(&self, state: LaneState, error: Option<String>) {
        if let Ok(mut guard) = self.state.lock() {
            let keep_error = error.is_none() && matches!(state, LaneState::Copying | LaneState::Idle);
            *guard = (state, if keep_error { guard.1.clone() } else { error });
        }
    }

    pub fn snapshot_state(&self) -> (LaneState, Option<String>) {
        self.state.lock().map(|g| g.clone()).unwrap_or((LaneState::Failed, Some("lane state lock poisoned".into())))
    }
}

/// Runs until `shared.stop` is set, the lane is fenced, or it fails for good.
pub fn run(spec: LaneSpec, shared: Arc<LaneShared>) {
    let mut backoff = Backoff::default();
    while !shared.stop.load(Ordering::Relaxed) {
        let commits_before = shared.commits.load(Ordering::Relaxed);
        match copy(&spec, &shared) {
            Ok(()) => break,
            Err(LaneExit::Fenced(message)) => {
                tracing::warn!(lane = spec.lane, %message, "lane fenced");
                shared.set_state(LaneState::Fenced, Some(message));
                return;
            }
            Err(LaneExit::Fatal(message)) => {
                tracing::error!(lane = spec.lane, %message, "lane failed");
                shared.set_state(LaneState::Failed, Some(message));
                return;
            }
            Err(LaneExit::Retry(message)) => {
                tracing::warn!(lane = spec.lane, %message, "lane retrying");
                shared.set_state(LaneState::Retrying, Some(message));
                let progressed = shared.commits.load(Ordering::Relaxed) > commits_before;
                sleep_unless_stopped(&shared, backoff.next(progressed));
            }
        }
    }
    shared.set_state(LaneState::Stopped, None);
}

/// Waits between lane sessions: doubling while sessions keep failing
/// before they commit anything, back to the start once one made progress,
/// so an error hours after the last one is retried quickly again.
#[derive(Debug)]
struct Backoff {
    next: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff { next: Backoff::FIRST }
    }
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(200);
    const MOST: Duration = Duration::from_secs(5);

    /// The wait before the next session; `progressed`: the failed session committed something.
    fn next(&mut self, progressed: bool) -> Duration {
        if progressed {
            self.next = Backoff::FIRST;
        }
        let wait = self.next;
        self.next = (self.next * 2).min(Backoff::MOST);
        wait
    }
}

enum LaneExit {
    Fenced(String),
    Fatal(String),
    Retry(String),
}

impl From<TxnFailure> for LaneExit {
    fn from(failure: TxnFailure) -> Self {
        match failure {
            TxnFailure::Fenced(m) => LaneExit::Fenced(m),
            TxnFailure::Fatal(m) => LaneExit::Fatal(m),
            TxnFailure::Abortable(m) | TxnFailure::Retriable(m) => LaneExit::Retry(m),
        }
    }
}

fn sleep_unless_stopped(shared: &LaneShared, total: Duration) {
    let until = Instant::now() + total;
    while Instant::now() < until && !shared.stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// One copy session: open clients, resume from the shared cursors, copy
/// batches until stopped. Errors return to `run`, which retries with backoff.
fn copy(spec: &LaneSpec, shared: &LaneShared) -> Result<(), LaneExit> {
    shared.set_state(LaneState::Fencing, None);
    // Before init_transactions too: a lane of a replaced engine that sees
    // the newer generation here never fences the new engine's producer.
    confirm_newest_generation(spec)?;
    let mut writer =
        RecordWriter::open_engine(&spec.destination, spec.timeout, spec.transactional_id.as_deref(), &PRODUCER_TUNING)?;
    // After it, before the first commit: what keeps a restart without the
    // handover wait exactly-once.
    confirm_newest_generation(spec)?;
    let mut topics: Vec<&str> = spec.cursors.values().map(|c| c.destination_topic.as_str()).collect();
    topics.push(&spec.state_topic);
    topics.sort_unstable();
    topics.dedup();
    let offset_reset = match spec.on_out_of_range {
        OutOfRangePolicy::Fail => "error",
        OutOfRangePolicy::SkipToEarliest => "earliest",
    };
    let extra = [
        ("isolation.level", "read_committed"),
        ("auto.offset.reset", offset_reset),
        ("fetch.max.bytes", "52428800"),
        ("queued.max.messages.kbytes", "131072"),
    ];
    let options = ReaderOptions { with_headers: true, partition_ends: false, extra: &extra };
    // Partitions handed over before this session started are simply part of it.
    shared.take_joining();
    let mut cursors = shared.cursors.lock().map(|c| c.clone()).unwrap_or_default();
    let mut source_topics: Vec<&str> = spec.cursors.keys().map(|tp| tp.topic.as_str()).collect();
    source_topics.dedup();
    // The destination's tails are read while both clients look their topics
    // up. After init_transactions (above): a broker that made an interrupted
    // transaction visible instead of aborting it now shows it, so the tail is final.
    let (reader, tails) = std::thread::scope(|scope| {
        let tails = spec
            .provenance_from
            .as_deref()
            .map(|source_cluster_id| scope.spawn(|| destination_tails(spec, shared, source_cluster_id, &cursors)));
        writer.look_up_topics(&topics);
        let reader = PartitionReader::connect_with(&spec.source, spec.timeout, options)
            .inspect(|reader| reader.look_up_topics(&source_topics));
        let tails = tails.map(|reading| {
            reading.join().unwrap_or_else(|_| Err(LaneExit::Retry("reading the destination's tails failed".into())))
        });
        (reader, tails)
    });
    let mut reader = reader.map_err(|f| LaneExit::Retry(f.to_string()))?;
    // Declared after the reader, so the waker is released before the reader closes.
    let _registered = WakerRegistration::new(shared, reader.waker());
    if let Some(tails) = tails {
        let Some(tails) = tails? else {
            // Stopped while reading the tails: nothing was copied, nothing to finish.
            return Ok(());
        };
        resume_after(spec, &mut cursors, tails);
        shared.publish_cursors(&cursors);
    }
    let starts: Vec<(String, i32, StartPosition)> = cursors
        .iter()
        .map(|(tp, cursor)| {
            let start = cursor.next_offset.map_or(spec.default_start, StartPosition::Offset);
            (tp.topic.clone(), tp.partition, start)
        })
        .collect();
    check_retention(spec, shared, &reader, &cursors)?;
    if !starts.is_empty() {
        reader.assign_partitions(&starts).map_err(|f| LaneExit::Retry(f.to_string()))?;
    }
    let routes =
        Routes::new(cursors.iter().map(|(tp, c)| (tp, c.destination_topic.as_str())), spec.provenance_from.as_deref());
    let mut session = Session {
        spec,
        shared,
        latest: cursors.clone(),
        cursors,
        routes,
        paused_version: u64::MAX,
        paused_now: BTreeSet::new(),
        pending: VecDeque::new(),
        next_slot: 0,
        watermarks_at: None,
        watermarks_stale: true,
        cursors_unpublished: false,
    };
    shared.set_state(LaneState::Copying, None);
    tracing::debug!(lane = spec.lane, partitions = session.cursors.len(), "copying");
    if let Ok(mut since) = shared.copying_since.lock() {
        since.get_or_insert_with(Instant::now);
    }
    while !shared.stop.load(Ordering::Relaxed) {
        session.take_joining(&mut reader, &writer)?;
        session.apply_pauses(&reader);
        session.copy_batch(&reader, &mut writer)?;
        session.settle(&reader, &mut writer)?;
    }
    if !writer.is_transactional() {
        // Stopping (a rescale, a pause of the engine): record every delivered batch.
        if let Err(failure) = commit_with_retries(&writer) {
            return Err(failure.into());
        }
        session.settle(&reader, &mut writer)?;
        commit_with_retries(&writer)?;
    }
    Ok(())
}

/// Stops the lane, as fenced, when the state topic holds a newer generation
/// than its own; an unanswered check is retried, never passed.
fn confirm_newest_generation(spec: &LaneSpec) -> Result<(), LaneExit> {
    let Some(watch) = &spec.generation_watch else { return Ok(()) };
    let newest = watch
        .lock()
        .map_err(|_| LaneExit::Retry("the generation watch lock is poisoned".into()))?
        .catch_up(spec.timeout)
        .map_err(|f| LaneExit::Retry(f.to_string()))?;
    match newest {
        Some(newer) if newer > spec.generation => Err(LaneExit::Fenced(format!(
            "a newer kdeck engine (generation {newer}, this lane {}) took the plan over",
            spec.generation
        ))),
        _ => Ok(()),
    }
}

/// Keeps a lane's waker in its shared state while the lane copies.
struct WakerRegistration<'a>(&'a LaneShared);

impl<'a> WakerRegistration<'a> {
    fn new(shared: &'a LaneShared, waker: ReadWaker) -> Self {
        if let Ok(mut slot) = shared.waker.lock() {
            *slot = Some(waker);
        }
        WakerRegistration(shared)
    }
}

impl Drop for WakerRegistration<'_> {
    fn drop(&mut self) {
        if let Ok(mut slot) = self.0.waker.lock() {
            slot.take();
        }
    }
}

/// The highest source offset the destination already holds, per partition.
/// None when the lane was asked to stop during the read.
fn destination_tails(
    spec: &LaneSpec,
    shared: &LaneShared,
    source_cluster_id: &str,
    cursors: &BTreeMap<TopicPartition, PartitionCursor>,
) -> Result<Option<BTreeMap<TopicPartition, i64>>, LaneExit> {
    let wanted: BTreeMap<TopicPartition, String> =
        cursors.iter().map(|(tp, c)| (tp.clone(), c.destination_topic.clone())).collect();
    recovery::destination_tails(&spec.destination, source_cluster_id, &wanted, spec.timeout, &shared.stop)
        .map_err(|f| LaneExit::Retry(f.to_string()))
}

/// The destination is the final truth: resume after the highest source
/// offset it already holds, when that is past the committed position.
fn resume_after(
    spec: &LaneSpec,
    cursors: &mut BTreeMap<TopicPartition, PartitionCursor>,
    tails: BTreeMap<TopicPartition, i64>,
) {
    for (tp, last) in tails {
        let Some(cursor) = cursors.get_mut(&tp) else { continue };
        if cursor.next_offset.is_none_or(|next| next <= last) {
            tracing::warn!(lane = spec.lane, partition = %tp, committed = ?cursor.next_offset, holds = last,
                "the destination holds records past the committed position; resuming after them");
            cursor.next_offset = Some(last + 1);
        }
    }
}

/// A resume position below the source's low watermark means retention
/// deleted records before they were copied. Never silent: `fail` stops the
/// lane naming the partition and the count; `skip-to-earliest` logs it and
/// librdkafka's auto.offset.reset=earliest moves on.
fn check_retention(
    spec: &LaneSpec,
    shared: &LaneShared,
    reader: &PartitionReader,
    cursors: &BTreeMap<TopicPartition, PartitionCursor>,
) -> Result<(), LaneExit> {
    // One ListOffsets per topic and leader, not two round trips per partition:
    // a lane can own thousands of partitions.
    let resumed = by_topic(cursors.iter().filter_map(|(tp, cursor)| cursor.next_offset.map(|next| (tp, next))));
    let mut below_start: Vec<(TopicPartition, i64, i64)> = Vec::new();
    for (topic, positions) in resumed {
        let partitions: Vec<i32> = positions.iter().map(|&(p, _)| p).collect();
        let Ok(earliest) = reader.earliest_offsets(topic, &partitions) else { continue };
        let earliest: BTreeMap<i32, Option<i64>> = earliest.into_iter().collect();
        for (partition, next) in positions {
            if let Some(&Some(low)) = earliest.get(&partition) {
                if next < low {
                    below_start.push((TopicPartition::new(topic, partition), next, low));
                }
            }
        }
    }
    for (tp, next, low) in below_start {
        let lost = low - next;
        let message = format!(
            "{tp}: {lost} records (offsets {next}..{}) were deleted by source retention before they were copied",
            low - 1
        );
        match spec.on_out_of_range {
            OutOfRangePolicy::Fail => {
                return Err(LaneExit::Fatal(format!("{message}; on_out_of_range = \"fail\"")));
            }
            OutOfRangePolicy::SkipToEarliest => {
                tracing::warn!(lane = spec.lane, %message, "skipping to the earliest offset");
                // Shown as the lane's last error: the loss must be visible, not only logged.
                shared.set_state(LaneState::Fencing, Some(format!("{message}; skipped to the earliest offset")));
            }
        }
    }
    Ok(())
}

/// librdkafka wants a timed-out commit called again, not aborted: the commit
/// may be half done.
fn commit_with_retries(writer: &RecordWriter) -> Result<(), TxnFailure> {
    let started = Instant::now();
    let mut outcome = writer.commit();
    for _ in 0..5 {
        match &outcome {
            Err(TxnFailure::Retriable(message)) => {
                tracing::warn!(%message, "commit not confirmed yet; committing again");
                outcome = writer.commit();
            }
            _ => break,
        }
    }
    tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, ok = outcome.is_ok(), "commit");
    outcome
}

/// The longest one read waits, so a paused or resumed topic is seen this
/// soon (a stop or rescale wakes the read at once: [`LaneShared::request_stop`]).
const IDLE_POLL: Duration = Duration::from_millis(50);

/// How often a lane reads the source watermarks (for lag) from librdkafka's cache.
const WATERMARKS_EVERY: Duration = Duration::from_millis(250);

/// How often an idle lane reads them anyway: a paused partition's backlog
/// or retention moving the low watermark shows this late.
const WATERMARKS_IDLE_EVERY: Duration = Duration::from_secs(5);

/// How long an open batch waits for the next source record before it closes.
const IDLE_CLOSES_BATCH: Duration = Duration::from_millis(20);

/// librdkafka producer settings for throughput: batches fill while a
/// transaction is open, and one commit flushes them.
const PRODUCER_TUNING: [(&str, &str); 3] =
    [("linger.ms", "20"), ("batch.num.messages", "10000"), ("queue.buffering.max.messages", "500000")];

struct Session<'a> {
    spec: &'a LaneSpec,
    shared: &'a LaneShared,
    /// The committed cursors (exactly-once) or those of the last fully
    /// delivered batch (at-least-once): where a rewind after an abort goes back to.
    cursors: BTreeMap<TopicPartition, PartitionCursor>,
    /// The cursors after the last closed batch; ahead of `cursors` while
    /// at-least-once batches are still being delivered.
    latest: BTreeMap<TopicPartition, PartitionCursor>,
    routes: Routes,
    paused_version: u64,
    paused_now: BTreeSet<String>,
    /// At-least-once batches sent but not yet fully reported, oldest first.
    pending: VecDeque<PendingBatch>,
    next_slot: usize,
    /// When the watermarks were last read from librdkafka's cache.
    watermarks_at: Option<Instant>,
    /// Something was copied, or a watermark is still unknown, since they
    /// were last read: read them again after [`WATERMARKS_EVERY`], not
    /// [`WATERMARKS_IDLE_EVERY`].
    watermarks_stale: bool,
    /// `cursors` changed since they were last published to the coordinator.
    cursors_unpublished: bool,
}

/// An at-least-once batch on its way: its positions are written once every
/// one of its records is reported delivered, so the lane never waits for a
/// flush between batches.
struct PendingBatch {
    slot: usize,
    sent: u64,
    bytes: u64,
    cursors: BTreeMap<TopicPartition, PartitionCursor>,
    positions: Vec<(Vec<u8>, Vec<u8>)>,
}

impl Session<'_> {
    /// At a transaction boundary (every batch committed, or every
    /// at-least-once batch recorded): takes partitions handed to the lane,
    /// reads their destination tails and adds them to the reader. The
    /// partitions already copying keep their fetch positions and queues.
    fn take_joining(&mut self, reader: &mut PartitionReader, writer: &RecordWriter) -> Result<(), LaneExit> {
        if !self.pending.is_empty() || !self.shared.joining_waits.load(Ordering::Acquire) {
            return Ok(());
        }
        let mut joining = self.shared.take_joining();
        joining.retain(|tp, _| !self.cursors.contains_key(tp));
        if joining.is_empty() {
            return Ok(());
        }
        let started = Instant::now();
        if let Some(source_cluster_id) = self.spec.provenance_from.as_deref() {
            let Some(tails) = destination_tails(self.spec, self.shared, source_cluster_id, &joining)? else {
                // Stopping: the partitions are in the shared cursors, the coordinator keeps them.
                return Ok(());
            };
            resume_after(self.spec, &mut joining, tails);
        }
        check_retention(self.spec, self.shared, reader, &joining)?;
        let mut topics: Vec<&str> = joining.values().map(|c| c.destination_topic.as_str()).collect();
        topics.dedup();
        writer.look_up_topics(&topics);
        let starts: Vec<(String, i32, StartPosition)> = joining
            .iter()
            .map(|(tp, cursor)| {
                let start = cursor.next_offset.map_or(self.spec.default_start, StartPosition::Offset);
                (tp.topic.clone(), tp.partition, start)
            })
            .collect();
        reader.add_partitions(&starts).map_err(|f| LaneExit::Retry(f.to_string()))?;
        self.routes.add(joining.iter().map(|(tp, c)| (tp, c.destination_topic.as_str())));
        for (tp, cursor) in &joining {
            if self.paused_now.contains(&tp.topic) {
                reader.stop_partition(&tp.topic, tp.partition);
            }
            self.latest.insert(tp.clone(), cursor.clone());
            self.cursors.insert(tp.clone(), cursor.clone());
        }
        self.shared.publish_cursors(&self.cursors);
        self.watermarks_stale = true;
        tracing::info!(
            lane = self.spec.lane,
            partitions = joining.len(),
            elapsed_ms = started.elapsed().as_millis() as u64,
            "partitions joined the lane"
        );
        Ok(())
    }

    fn apply_pauses(&mut self, reader: &PartitionReader) {
        let version = self.shared.paused_version.load(Ordering::Relaxed);
        if version == self.paused_version {
            return;
        }
        self.paused_version = version;
        let wanted = self.shared.paused.lock().map(|p| p.clone()).unwrap_or_default();
        for tp in self.cursors.keys() {
            match (self.paused_now.contains(&tp.topic), wanted.contains(&tp.topic)) {
                (false, true) => reader.stop_partition(&tp.topic, tp.partition),
                (true, false) => reader.resume_partition(&tp.topic, tp.partition),
                _ => {}
            }
        }
        self.paused_now = wanted;
    }

    fn copy_batch(&mut self, reader: &PartitionReader, writer: &mut RecordWriter) -> Result<(), LaneExit> {
        let mut touched = Touched::new(&self.routes);
        let slot = (!writer.is_transactional()).then_some(self.next_slot);
        let mut began = false;
        let opened = Instant::now();
        let deadline = opened + self.spec.commit_interval;
        while touched.records < self.spec.max_batch_records as u64 && !self.shared.stop.load(Ordering::Relaxed) {
            // An open batch waits only briefly for more: once the source has
            // nothing more to give, the batch closes rather than sitting out
            // the commit interval, so a caught-up copy is committed at once.
            let wait = if began {
                deadline.saturating_duration_since(Instant::now()).min(IDLE_CLOSES_BATCH)
            } else if self.pending.is_empty() {
                IDLE_POLL
            } else {
                // Batches are being delivered: come back soon to record them.
                IDLE_CLOSES_BATCH
            };
            if began && wait.is_zero() {
                break;
            }
            // Every message of a librdkafka batch is copied: one left behind
            // would be skipped, since the reader's position is already past it.
            let mut failure: Option<TxnFailure> = None;
            // Never more than the batch has room for: max_batch_records bounds a transaction.
            let room = (self.spec.max_batch_records as u64).saturating_sub(touched.records) as usize;
            let handed = reader.poll_batch_at_most(wait.min(IDLE_POLL), room, |event| {
                let copied = match event {
                    ReadEvent::Record(record) => {
                        let opened = if began { Ok(()) } else { writer.begin() };
                        began = true;
                        opened.and_then(|()| self.copy_record(&record, writer, &mut touched, slot))
                    }
                    ReadEvent::OffsetOutOfRange => Err(TxnFailure::Fatal(
                        "a source offset is no longer in the log (deleted by retention); \
                         the plan's on_out_of_range = \"fail\" stops the lane"
                            .to_string(),
                    )),
                    ReadEvent::PartitionEnd { .. } => Ok(()),
                };
                copied.map_err(|f| failure = Some(f)).is_ok()
            });
            match (handed, failure) {
                (Err(read_failure), _) => {
                    return self.abort(writer, began, TxnFailure::Retriable(read_failure.to_string()));
                }
                (Ok(_), Some(failure)) => return self.abort(writer, began, failure),
                (Ok(0), None) if !began => {
                    self.refresh_watermarks(reader);
                    // Nothing arrived: the reader may still have passed a transaction marker.
                    return self.commit(reader, writer, touched, false);
                }
                (Ok(0), None) => break,
                (Ok(_), None) => {}
            }
        }
        if !began {
            return Ok(());
        }
        self.commit(reader, writer, touched, true)
    }

    fn copy_record(
        &self,
        record: &crate::record::RecordView<'_>,
        writer: &mut RecordWriter,
        touched: &mut Touched,
        slot: Option<usize>,
    ) -> Result<(), TxnFailure> {
        let Some(route) = self.routes.find(record.topic, record.partition) else {
            // Not this lane's partition: librdkafka should not deliver it; never copy it.
            return Ok(());
        };
        let came_back = !self.spec.destination_cluster_id.is_empty()
            && provenance::find_provenance(record.headers.iter().map(|h| (h.name, h.value)))
                .is_some_and(|p| p.cluster_id == self.spec.destination_cluster_id);
        touched.mark(route, record.offset, !came_back);
        if came_back {
            // Copying it would send it home again: a two-way setup would loop.
            return Ok(());
        }
        let destination_topic = self.routes.get(route).destination_topic.as_str();
        let stamped = self.routes.provenance(route, record.offset, &mut touched.stamp);
        let mut headers: Vec<Header<'_>> = Vec::with_capacity(record.headers.len() + 1);
        headers.extend_from_slice(record.headers);
        if stamped {
            headers.push(Header { name: provenance::HEADER_NAME, value: Some(&touched.stamp) });
        }
        let outgoing = OutgoingRecord {
            topic: destination_topic,
            partition: Some(record.partition),
            key: record.key,
            value: record.payload,
            headers: &headers,
            timestamp: record.timestamp,
        };
        match slot {
            Some(slot) => writer.send_in_slot(&outgoing, slot)?,
            None => writer.send_in_batch(&outgoing)?,
        }
        touched.records += 1;
        touched.bytes += (record.key.map_or(0, <[u8]>::len) + record.payload.map_or(0, <[u8]>::len)) as u64;
        Ok(())
    }

    /// Closes a batch: the copied records (if any) and the next source
    /// offset of every partition that moved, past transaction markers too.
    /// With nothing copied and nothing moved there is nothing to commit.
    fn commit(
        &mut self,
        reader: &PartitionReader,
        writer: &mut RecordWriter,
        touched: Touched,
        began: bool,
    ) -> Result<(), LaneExit> {
        let passed = self.read_positions(reader, &touched);
        if !began && !positions::moves_any(&self.latest, passed.iter().map(|(tp, p)| (tp, *p))) {
            return Ok(());
        }
        let mut next = self.latest.clone();
        for (route, last, copied) in touched.iter() {
            if let Some(cursor) = next.get_mut(&self.routes.get(route).source) {
                cursor.next_offset = Some(last + 1);
                cursor.records += copied;
            }
        }
        positions::advance_to_positions(&mut next, passed.iter().map(|(tp, p)| (tp, *p)));
        let moved: Vec<TopicPartition> = positions::changed(&self.latest, &next).into_iter().cloned().collect();
        if !began && moved.is_empty() {
            return Ok(());
        }
        let positions = self.position_records(&moved, &next);
        if writer.is_transactional() && !began {
            if let Err(failure) = writer.begin() {
                return self.abort(writer, false, failure);
            }
        }
        if !writer.is_transactional() {
            self.pending.push_back(PendingBatch {
                slot: self.next_slot,
                sent: touched.records,
                bytes: touched.bytes,
                cursors: next.clone(),
                positions,
            });
            self.latest = next;
            self.next_slot = (self.next_slot + 1) % DELIVERY_SLOTS;
            if self.pending.len() == DELIVERY_SLOTS {
                // Every slot is in use: wait for the oldest batches instead of reusing one.
                if let Err(failure) = commit_with_retries(writer) {
                    return self.abort(writer, false, failure);
                }
            }
            return self.settle(reader, writer);
        }
        for (key, value) in &positions {
            if let Err(failure) = self.send_position(writer, key, value) {
                return self.abort(writer, true, failure);
            }
        }
        if let Err(failure) = commit_with_retries(writer) {
            return self.abort(writer, true, failure);
        }
        self.latest.clone_from(&next);
        self.cursors = next;
        self.cursors_unpublished = true;
        self.watermarks_stale = true;
        // Counted before the cursors are published (see the coordinator's publish).
        self.account(touched.records, touched.bytes);
        self.refresh_watermarks(reader);
        Ok(())
    }

    /// The reader's positions of the partitions that may have passed
    /// transaction markers or aborted records ([`positions`]). No request is sent.
    fn read_positions(&self, reader: &PartitionReader, touched: &Touched) -> Vec<(TopicPartition, Option<i64>)> {
        let touched: BTreeSet<&TopicPartition> =
            touched.iter().map(|(route, ..)| &self.routes.get(route).source).collect();
        let candidates = positions::marker_candidates(&self.latest, &touched, &self.paused_now);
        if candidates.is_empty() {
            return Vec::new();
        }
        let asked: Vec<(&str, i32)> = candidates.iter().map(|tp| (tp.topic.as_str(), tp.partition)).collect();
        let found = reader.positions(&asked);
        candidates.into_iter().cloned().zip(found).collect()
    }

    /// The state-topic records holding each moved partition's next offset.
    fn position_records(
        &self,
        moved: &[TopicPartition],
        next: &BTreeMap<TopicPartition, PartitionCursor>,
    ) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut records = Vec::new();
        for tp in moved {
            let Some(cursor) = next.get(tp) else { continue };
            let Some(next_offset) = cursor.next_offset else { continue };
            let key = encode_key(&StateKey::Position(tp.clone()));
            let value = encode_value(&StateValue::Position(PositionRecord {
                next_offset,
                records: cursor.records,
                lane: self.spec.lane,
                generation: self.spec.generation,
            }));
            records.push((key, value));
        }
        records
    }

    fn send_position(&self, writer: &mut RecordWriter, key: &[u8], value: &[u8]) -> Result<(), TxnFailure> {
        writer.send_in_batch(&OutgoingRecord {
            topic: &self.spec.state_topic,
            partition: None,
            key: Some(key),
            value: Some(value),
            headers: &[],
            timestamp: None,
        })
    }

    fn account(&self, records: u64, bytes: u64) {
        self.shared.records.fetch_add(records, Ordering::Relaxed);
        self.shared.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.shared.commits.fetch_add(1, Ordering::Relaxed);
    }

    /// At-least-once: writes the positions of every batch whose records are
    /// all reported delivered, oldest first, and moves the rewind point to
    /// it. A failed delivery rewinds to the last fully delivered batch.
    fn settle(&mut self, reader: &PartitionReader, writer: &mut RecordWriter) -> Result<(), LaneExit> {
        let mut settled = false;
        while let Some(oldest) = self.pending.front() {
            if writer.reported(oldest.slot) < oldest.sent {
                break;
            }
            if let Some(failure) = writer.delivery_failure() {
                self.pending.clear();
                return self.abort(writer, false, failure);
            }
            let Some(batch) = self.pending.pop_front() else { break };
            writer.clear_slot(batch.slot);
            for (key, value) in &batch.positions {
                if let Err(failure) = self.send_position(writer, key, value) {
                    self.pending.clear();
                    return self.abort(writer, false, failure);
                }
            }
            self.cursors = batch.cursors;
            self.cursors_unpublished = true;
            self.watermarks_stale = true;
            self.account(batch.sent, batch.bytes);
            settled = true;
        }
        if let Some(failure) = writer.delivery_failure() {
            self.pending.clear();
            return self.abort(writer, false, failure);
        }
        if settled {
            self.refresh_watermarks(reader);
        }
        Ok(())
    }

    /// Publishes the watermarks librdkafka cached from its last fetches, so
    /// lag stays current while nothing is copied, and the cursors when they
    /// changed. No request is sent.
    fn refresh_watermarks(&mut self, reader: &PartitionReader) {
        // Each lookup finds its topic by name in librdkafka (a linear search
        // over the client's topics), so with hundreds of partitions per lane
        // this runs a few times a second while copying, and rarely when idle:
        // a caught-up reader's cached watermarks move only with a fetch that
        // hands the lane records or passes a transaction marker, and either
        // ends in a commit, which marks them stale.
        let every = if self.watermarks_stale { WATERMARKS_EVERY } else { WATERMARKS_IDLE_EVERY };
        if self.watermarks_at.is_none_or(|at| at.elapsed() >= every) {
            self.watermarks_at = Some(Instant::now());
            self.read_watermarks(reader);
        }
        if self.cursors_unpublished {
            self.shared.publish_cursors(&self.cursors);
            self.cursors_unpublished = false;
        }
    }

    fn read_watermarks(&mut self, reader: &PartitionReader) {
        let mut unknown = false;
        for (tp, cursor) in self.cursors.iter_mut() {
            let Some((high, low)) = reader.cached_watermarks(&tp.topic, tp.partition) else {
                unknown |= cursor.source_high_watermark < 0;
                continue;
            };
            if (high, low) == (cursor.source_high_watermark, cursor.source_low_watermark) {
                continue;
            }
            cursor.source_high_watermark = high;
            cursor.source_low_watermark = low;
            self.cursors_unpublished = true;
            if let Some(latest) = self.latest.get_mut(tp) {
                latest.source_high_watermark = high;
                latest.source_low_watermark = low;
            }
        }
        // Before a partition's first fetch its lag is unknown: keep looking often.
        self.watermarks_stale = unknown;
    }

    /// Aborts the open transaction and ends the session: the next session
    /// (after a backoff, with fresh clients) resumes from the committed
    /// cursors, so the batch is copied again, once.
    fn abort(&mut self, writer: &mut RecordWriter, began: bool, failure: TxnFailure) -> Result<(), LaneExit> {
        if let TxnFailure::Fenced(_) | TxnFailure::Fatal(_) = failure {
            return Err(failure.into());
        }
        tracing::warn!(lane = self.spec.lane, failure = failure.message(), "aborting the batch");
        if began {
            self.shared.aborts.fetch_add(1, Ordering::Relaxed);
            let mut aborted = writer.abort();
            for _ in 0..5 {
                match aborted {
                    Err(TxnFailure::Retriable(_)) => aborted = writer.abort(),
                    _ => break,
                }
            }
            if let Err(abort_failure) = aborted {
                return Err(abort_failure.into());
            }
        }
        Err(failure.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_while_failing_and_resets_after_progress() {
        let mut backoff = Backoff::default();
        let waits: Vec<u64> = [false, false, false, false, false, false, true, false]
            .into_iter()
            .map(|progressed| backoff.next(progressed).as_millis() as u64)
            .collect();
        assert_eq!(waits, [200, 400, 800, 1600, 3200, 5000, 200, 400]);
    }
}
