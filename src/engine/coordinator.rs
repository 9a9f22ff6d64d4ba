//! The engine's single coordinator thread: starts, stops and rescales lanes,
//! syncs topics, fences old transactional ids, and publishes status. Lanes
//! copy on their own threads; the coordinator never touches a record.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::sync::watch;

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::kafka::admin::Admin;
use crate::kafka::reader::{PartitionReader, ReaderOptions, StartPosition};
use crate::kafka::writer::{OutgoingRecord, RecordWriter};

use super::assignment::{assign_lanes, deal_to_running_lanes, TopicPartition};
use super::fence::{self, GenerationWatch, SharedWatch};
use super::lane::{self, LaneShared, LaneSpec, PartitionCursor};
use super::plan::{Mode, Plan, StartPolicy};
use super::recovery;
use super::start::{StartFailure, StartGate, START_FIRST_WAIT, START_LONGEST_WAIT, START_RETRY_FOR};
use super::state::{encode_key, encode_value, LanesRecord, StateKey, StateValue, GENERATION_CHECK_PROTOCOL};
use super::status::{
    EngineEvent, EngineEventKind, EngineState, EngineStatus, LaneState, LaneStatus, PartitionStatus, RateMeter,
    RescaleReport, TopicState, TopicStatus,
};
use super::topics::{selected_topics, sync_topics, TopicEntry};
use super::Command;

const TICK: Duration = Duration::from_millis(50);
/// How often a running engine looks for a newer generation of its plan.
const WATCH_EVERY: Duration = Duration::from_millis(500);
/// State written this recently means an engine may still be running the plan.
const RECENTLY_ACTIVE_MS: i64 = 10_000;
const PUBLISH_EVERY: Duration = Duration::from_millis(100);
/// An unchanged status is still sent this often, with a fresh `updated_at_ms`.
const PUBLISH_UNCHANGED_EVERY: Duration = Duration::from_secs(1);

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

struct RunningLane {
    lane: usize,
    transactional_id: String,
    partitions: Vec<TopicPartition>,
    shared: Arc<LaneShared>,
    thread: Option<JoinHandle<()>>,
    rate: RateMeter,
}

struct Coordinator {
    plan: Plan,
    source: ResolvedCluster,
    destination: ResolvedCluster,
    timeout: Duration,
    status_tx: watch::Sender<EngineStatus>,
    status: EngineStatus,
    running: bool,
    lanes_target: usize,
    generation: u64,
    max_lanes_ever: usize,
    source_cluster_id: String,
    destination_cluster_id: String,
    topics: BTreeMap<String, TopicEntry>,
    /// Authoritative while lanes are stopped; lanes own their share while running.
    cursors: BTreeMap<TopicPartition, PartitionCursor>,
    lanes: Vec<RunningLane>,
    paused: Arc<Mutex<BTreeSet<String>>>,
    paused_version: Arc<AtomicU64>,
    last_refresh: Instant,
    pending_rescale: Option<Instant>,
    /// Shared with the lanes, which check it before their first commit.
    watch: Option<SharedWatch>,
    last_watch: Instant,
    /// Whether the destination's metadata, read at the last topic sync, had the state topic.
    state_topic_exists: bool,
    /// Partitions of selected topics that cannot be copied (their topic is in
    /// error): their backlog is lag, never hidden. Taken up again when the
    /// topic recovers at a refresh.
    blocked: BTreeMap<TopicPartition, PartitionCursor>,
    /// Committed positions read at start, for topics that join later.
    committed: BTreeMap<TopicPartition, (i64, u64)>,
    /// Closed by [`super::EngineHandle::shutdown`]: a start in progress ends
    /// between steps, and never starts lanes once it is closed.
    gate: Arc<StartGate>,
    /// What the partitions' status was last built from; None: build it.
    published: Option<Published>,
    last_sent: Instant,
}

pub fn run(
    plan: Plan,
    source: ResolvedCluster,
    destination: ResolvedCluster,
    timeout: Duration,
    commands: mpsc::Receiver<Command>,
    status_tx: watch::Sender<EngineStatus>,
    gate: Arc<StartGate>,
) {
    let lanes_target = plan.engine.lanes;
    let status = EngineStatus {
        plan: plan.name.clone(),
        mode: plan.engine.mode.to_string(),
        state: EngineState::Stopped,
        lanes_target,
        ..EngineStatus::default()
    };
    let mut coordinator = Coordinator {
        plan,
        source,
        destination,
        timeout,
        status_tx,
        status,
        running: false,
        lanes_target,
        generation: 0,
        max_lanes_ever: 0,
        source_cluster_id: String::new(),
        destination_cluster_id: String::new(),
        topics: BTreeMap::new(),
        cursors: BTreeMap::new(),
        lanes: Vec::new(),
        paused: Arc::new(Mutex::new(BTreeSet::new())),
        paused_version: Arc::new(AtomicU64::new(0)),
        last_refresh: Instant::now(),
        pending_rescale: None,
        watch: None,
        last_watch: Instant::now(),
        state_topic_exists: false,
        blocked: BTreeMap::new(),
        committed: BTreeMap::new(),
        gate,
        published: None,
        last_sent: Instant::now(),
    };
    let mut last_publish = Instant::now() - PUBLISH_EVERY;
    loop {
        // A command is handled as soon as it arrives: start, stop and rescale
        // do not wait out a tick.
        match commands.recv_timeout(TICK) {
            Ok(command) => coordinator.handle(command),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        if coordinator.running {
            coordinator.supervise();
            if coordinator.last_refresh.elapsed() >= coordinator.plan.engine.refresh_interval {
                coordinator.refresh_topics();
            }
        }
        if last_publish.elapsed() >= PUBLISH_EVERY {
            coordinator.publish();
            last_publish = Instant::now();
        }
    }
    coordinator.stop_lanes();
    coordinator.status.state = EngineState::Stopped;
    coordinator.publish();
}

impl Coordinator {
    fn handle(&mut self, command: Command) {
        match command {
            Command::Start if !self.running => self.start_with_retries(),
            Command::Start => {}
            Command::Stop => {
                if self.running {
                    self.status.state = EngineState::Stopping;
                    self.publish();
                    self.stop_lanes();
                    self.running = false;
                    self.event(EngineEventKind::Stopped);
                }
                if !matches!(self.status.state, EngineState::Failed(_)) {
                    self.status.state = EngineState::Stopped;
                }
            }
            Command::Rescale(lanes) => self.rescale(lanes.max(1)),
            Command::Pause(topic) => self.set_paused(topic, true),
            Command::Resume(topic) => self.set_paused(topic, false),
            Command::Retry(lane) => self.retry(lane),
        }
        self.publish();
    }

    fn event(&mut self, kind: EngineEventKind) {
        crate::journal::engine_event(&self.plan.name, &kind);
        self.status.push_event(EngineEvent { at_ms: now_ms(), kind });
    }

    fn transactional_id(&self, lane: usize) -> Option<String> {
        (self.plan.engine.mode == Mode::ExactlyOnce).then(|| self.plan.transactional_id(lane))
    }

    /// Starts, trying again with backoff after transient errors (a broker
    /// restarting, a metadata timeout) for up to [`START_RETRY_FOR`], with the
    /// reason on the status meanwhile. A shutdown ends it between steps.
    fn start_with_retries(&mut self) {
        self.status.state = EngineState::Starting;
        self.status.start_problem = None;
        self.publish();
        let began = Instant::now();
        let mut wait = START_FIRST_WAIT;
        loop {
            let outcome = self.start();
            if outcome.is_err() {
                self.stop_lanes();
            }
            match outcome {
                Ok(()) => {
                    self.running = true;
                    self.status.state = EngineState::Running;
                    self.status.start_problem = None;
                    self.event(EngineEventKind::Started { lanes: self.lanes_target });
                    return;
                }
                Err(StartFailure::Abandoned) => {
                    self.status.state = EngineState::Stopped;
                    return;
                }
                Err(StartFailure::Transient(failure)) if began.elapsed() + wait < START_RETRY_FOR => {
                    tracing::warn!(%failure, wait_ms = wait.as_millis() as u64, "start failed; trying again");
                    self.status.start_problem =
                        Some(format!("{failure} (trying again in {:.1} s)", wait.as_secs_f64()));
                    self.publish();
                    if !self.sleep_unless_abandoned(wait) {
                        self.status.state = EngineState::Stopped;
                        return;
                    }
                    wait = (wait * 2).min(START_LONGEST_WAIT);
                }
                Err(StartFailure::Transient(failure) | StartFailure::Final(failure)) => {
                    crate::journal::append(&self.plan.name, "error", &failure.to_string());
                    self.status.state = EngineState::Failed(failure.to_string());
                    return;
                }
            }
        }
    }

    /// Sleeps in short steps; false when a shutdown came first.
    fn sleep_unless_abandoned(&self, total: Duration) -> bool {
        let until = Instant::now() + total;
        while Instant::now() < until {
            if self.gate.is_closed() {
                return false;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        !self.gate.is_closed()
    }

    /// Ends a start between its steps once a shutdown closed the gate.
    fn still_wanted(&self) -> Result<(), StartFailure> {
        if self.gate.is_closed() {
            return Err(StartFailure::Abandoned);
        }
        Ok(())
    }

    /// Discovers and syncs topics, fences every transactional id ever used,
    /// recovers positions (state topic, corrected by the destination's tail),
    /// then starts the lanes.
    fn start(&mut self) -> Result<(), StartFailure> {
        let started = Instant::now();
        let source_admin = Admin::connect(&self.source, self.timeout)?;
        let destination_admin = Admin::connect(&self.destination, self.timeout)?;
        self.still_wanted()?;
        // Metadata first: the cluster ids arrive with it.
        self.sync_topics(&source_admin, &destination_admin)?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "start: synced");
        self.still_wanted()?;
        self.check_something_copies().map_err(StartFailure::Final)?;
        self.source_cluster_id = source_admin.cluster_id();
        self.destination_cluster_id = destination_admin.cluster_id();
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "start: cluster ids");

        let state_topic = self.plan.state_topic();
        if !self.state_topic_exists {
            // A broker without CreateTopics (the mock) auto-creates it on first write.
            let _ = destination_admin.create_topic(
                &state_topic,
                1,
                self.plan.sync.replication_factor_for_create(),
                &[("cleanup.policy".to_string(), "compact".to_string())],
            );
        }
        let (snapshot, latest) = recovery::read_state_with_latest(&self.destination, &state_topic, self.timeout)?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "start: state read");
        self.still_wanted()?;
        self.max_lanes_ever = snapshot.max_lanes_ever().max(self.lanes_target);
        self.generation = snapshot.generation() + 1;
        // The generation is recorded before fencing: a producer epoch that
        // outlives the fence was created after this record was written, so
        // its lane's generation check (after init_transactions, before its
        // first commit) sees it and stops without committing.
        self.watch = self.start_watch(&state_topic)?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "start: watching generations");
        self.write_lanes_record()?;
        if self.watch.is_none() {
            self.watch = self.start_watch(&state_topic)?;
        }
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, "start: lanes recorded");
        self.still_wanted()?;
        let recently_active = latest.is_some_and(|ts| now_ms() - ts < RECENTLY_ACTIVE_MS);
        // The probe only matters when there may be an engine to hand over from.
        let probe = recently_active && self.plan.engine.mode == Mode::ExactlyOnce;
        let fences = self.fence_and_probe(0..self.max_lanes_ever, probe)?;
        tracing::debug!(elapsed_ms = started.elapsed().as_millis() as u64, fences, "start: fenced");
        self.still_wanted()?;
        if recently_active {
            if fences && snapshot.newest_engine_checks_generation() {
                tracing::info!(
                    "the plan was active moments ago; no handover wait: the destination fences and the previous engine's lanes check generations"
                );
            } else {
                // An engine ran this plan moments ago and may still be running: give
                // it time to see the new generation and stop before positions are read.
                tracing::info!("the plan was active moments ago; waiting for the previous engine to hand over");
                if !self.sleep_unless_abandoned(fence::HANDOVER) {
                    return Err(StartFailure::Abandoned);
                }
            }
        }
        // Re-read after fencing: a zombie's transaction is now resolved.
        let snapshot = recovery::read_state(&self.destination, &state_topic, self.timeout)?;

        self.committed = snapshot.positions().map(|(tp, p)| (tp.clone(), (p.next_offset, p.records))).collect();
        // Each lane corrects these positions by the destination's own tail when it starts.
        self.cursors.clear();
        let copying: Vec<String> = self
            .topics
            .iter()
            .filter(|(_, entry)| matches!(entry.state, TopicState::Copying | TopicState::Paused))
            .map(|(topic, _)| topic.clone())
            .collect();
        for topic in copying {
            let cursors = self.new_cursors(&topic);
            self.cursors.extend(cursors);
        }
        let blocked = std::mem::take(&mut self.blocked);
        self.blocked =
            blocked.into_iter().map(|(tp, cursor)| (tp.clone(), self.committed_cursor(&tp, cursor))).collect();
        let gate = self.gate.clone();
        // Held while the lanes start: a shutdown either comes first (no lane
        // starts) or finds lanes started and waits for them to stop.
        let Ok(mut gate) = gate.state.lock() else { return Err(StartFailure::Abandoned) };
        if gate.closed {
            return Err(StartFailure::Abandoned);
        }
        gate.lanes_started = true;
        Ok(self.start_lanes()?)
    }

    /// A plan that selects nothing, or whose every topic fails, has nothing
    /// to run: it fails naming why instead of idling at "lag 0".
    fn check_something_copies(&self) -> Result<(), Failure> {
        if self.topics.is_empty() {
            return Err(Failure::runtime(format!(
                "plan {:?} selects no topic on {}: check [topics] include and exclude",
                self.plan.name, self.plan.source
            )));
        }
        if self.topics.values().any(|e| matches!(e.state, TopicState::Copying | TopicState::Paused)) {
            return Ok(());
        }
        Err(Failure::runtime(format!("no selected topic can be copied: {}", failing_topics(&self.topics))))
    }

    /// Cursors for every partition of a topic, at its committed positions.
    fn new_cursors(&self, topic: &str) -> Vec<(TopicPartition, PartitionCursor)> {
        let Some(entry) = self.topics.get(topic) else { return Vec::new() };
        (0..entry.partitions)
            .map(|p| {
                let tp = TopicPartition::new(topic, p);
                let blank = PartitionCursor {
                    destination_topic: entry.destination.clone(),
                    next_offset: None,
                    records: 0,
                    source_high_watermark: -1,
                    source_low_watermark: -1,
                };
                let cursor = self.committed_cursor(&tp, blank);
                (tp, cursor)
            })
            .collect()
    }

    fn committed_cursor(&self, tp: &TopicPartition, mut cursor: PartitionCursor) -> PartitionCursor {
        if let Some(&(next, records)) = self.committed.get(tp) {
            cursor.next_offset = Some(next);
            cursor.records = records;
        }
        cursor
    }

    fn sync_topics(&mut self, source_admin: &Admin, destination_admin: &Admin) -> Result<(), StartFailure> {
        let metadata_reader = |cluster: &ResolvedCluster| {
            PartitionReader::connect_with(
                cluster,
                self.timeout,
                ReaderOptions { with_headers: false, partition_ends: false, extra: &[] },
            )
        };
        // Both clusters at once: each answer costs a fresh client's connection.
        let (source_reader, source_meta, destination_meta) = std::thread::scope(|scope| {
            let destination = scope.spawn(|| metadata_reader(&self.destination)?.metadata(None));
            let source = metadata_reader(&self.source).and_then(|reader| reader.metadata(None).map(|m| (reader, m)));
            let destination =
                destination.join().unwrap_or_else(|_| Err(Failure::runtime("reading destination metadata panicked")));
            source.and_then(|(reader, s)| destination.map(|d| (reader, s, d)))
        })?;
        // Two selected topics copied onto one destination topic would interleave: never start that.
        self.plan.check_renames(source_meta.topics.iter().map(|t| t.name.as_str())).map_err(StartFailure::Final)?;
        let state_topic = self.plan.state_topic();
        self.state_topic_exists =
            destination_meta.topic(&state_topic).is_some_and(|t| t.error.is_none() && !t.partitions.is_empty());
        // New topics, and topics that failed before: each refresh tries them again.
        let wanted: BTreeMap<String, i32> = selected_topics(&self.plan, &source_meta)
            .into_iter()
            .filter(|(topic, _)| self.topics.get(topic).is_none_or(|e| matches!(e.state, TopicState::Error(_))))
            .collect();
        let synced = sync_topics(&self.plan, &wanted, source_admin, destination_admin, &destination_meta);
        for (topic, entry) in synced {
            let before = self.topics.get(&topic).map(|e| e.state.clone());
            if let TopicState::Error(reason) = &entry.state {
                if before.as_ref() != Some(&entry.state) {
                    tracing::warn!(%topic, %reason, "topic not copied");
                    self.event(EngineEventKind::TopicFailed { topic: topic.clone(), reason: reason.clone() });
                }
            }
            self.topics.insert(topic, entry);
        }
        self.block_failing_topics(&source_reader);
        Ok(())
    }

    /// Keeps the partitions of failing topics in view with fresh source
    /// watermarks, so their whole backlog counts as lag.
    fn block_failing_topics(&mut self, source: &PartitionReader) {
        let failing: Vec<(String, i32, String)> = self
            .topics
            .iter()
            .filter(|(_, e)| matches!(e.state, TopicState::Error(_)))
            .map(|(t, e)| (t.clone(), e.partitions, e.destination.clone()))
            .collect();
        self.blocked.retain(|tp, _| failing.iter().any(|(t, ..)| *t == tp.topic));
        for (topic, partitions, destination_topic) in failing {
            let numbers: Vec<i32> = (0..partitions).collect();
            let ends: BTreeMap<i32, Option<i64>> =
                source.latest_offsets(&topic, &numbers).map(|v| v.into_iter().collect()).unwrap_or_default();
            let starts: BTreeMap<i32, Option<i64>> =
                source.earliest_offsets(&topic, &numbers).map(|v| v.into_iter().collect()).unwrap_or_default();
            for p in numbers {
                let tp = TopicPartition::new(topic.as_str(), p);
                let blank = PartitionCursor {
                    destination_topic: destination_topic.clone(),
                    next_offset: None,
                    records: 0,
                    source_high_watermark: -1,
                    source_low_watermark: -1,
                };
                let committed = self.committed_cursor(&tp, blank);
                let cursor = self.blocked.entry(tp).or_insert(committed);
                cursor.source_high_watermark = ends.get(&p).copied().flatten().unwrap_or(-1);
                cursor.source_low_watermark = starts.get(&p).copied().flatten().unwrap_or(-1);
            }
        }
    }

    /// New source topics matching the plan join at the next refresh. Their
    /// partitions are dealt to the running lanes with the fewest, and each
    /// lane takes its share at a transaction boundary: no lane stops, and
    /// the partitions a lane copies stay where they are.
    fn refresh_topics(&mut self) {
        self.last_refresh = Instant::now();
        let before: BTreeSet<String> = self.copying_topics();
        let synced = Admin::connect(&self.source, self.timeout)
            .and_then(|s| Admin::connect(&self.destination, self.timeout).map(|d| (s, d)))
            .map_err(StartFailure::from)
            .and_then(|(s, d)| self.sync_topics(&s, &d));
        if let Err(failure) = synced {
            tracing::warn!(%failure, "topic refresh failed");
            return;
        }
        let added: Vec<String> = self.copying_topics().into_iter().filter(|t| !before.contains(t)).collect();
        if added.is_empty() {
            return;
        }
        let mut joining: BTreeMap<TopicPartition, PartitionCursor> = BTreeMap::new();
        for topic in &added {
            joining.extend(self.new_cursors(topic));
        }
        if let Err(failure) = self.resolve_timestamp_starts(&mut joining) {
            tracing::warn!(%failure, "topic refresh: cannot resolve the start time of new topics; trying again later");
            return;
        }
        self.cursors.extend(joining.clone());
        for topic in added {
            self.event(EngineEventKind::TopicAdded { topic });
        }
        let all_running =
            !self.lanes.is_empty() && self.lanes.iter().all(|l| l.thread.as_ref().is_some_and(|t| !t.is_finished()));
        if !all_running {
            // A lane that ended (fenced, failed) cannot take partitions: start the set afresh.
            self.stop_lanes();
            if let Err(failure) = self.start_lanes() {
                self.status.state = EngineState::Failed(failure.to_string());
            }
            return;
        }
        let sizes: Vec<usize> = self.lanes.iter().map(|l| l.partitions.len()).collect();
        let new: Vec<TopicPartition> = joining.keys().cloned().collect();
        for (lane, share) in self.lanes.iter_mut().zip(deal_to_running_lanes(&sizes, &new)) {
            if share.is_empty() {
                continue;
            }
            let cursors: BTreeMap<TopicPartition, PartitionCursor> =
                share.iter().filter_map(|tp| joining.get(tp).map(|c| (tp.clone(), c.clone()))).collect();
            lane.partitions.extend(share);
            lane.partitions.sort_unstable();
            lane.shared.join(cursors);
        }
    }

    fn copying_topics(&self) -> BTreeSet<String> {
        self.topics
            .iter()
            .filter(|(_, e)| matches!(e.state, TopicState::Copying | TopicState::Paused))
            .map(|(t, _)| t.clone())
            .collect()
    }

    fn start_watch(&self, state_topic: &str) -> Result<Option<SharedWatch>, Failure> {
        Ok(GenerationWatch::start(&self.destination, state_topic, self.timeout)?.map(|w| Arc::new(Mutex::new(w))))
    }

    /// [`Self::fence`], and beside it, when `probe`, whether the destination
    /// fences at all ([`fence::destination_fences`]); false when not probed.
    fn fence_and_probe(&self, lanes: std::ops::Range<usize>, probe: bool) -> Result<bool, Failure> {
        if !probe {
            return self.fence(lanes).map(|()| false);
        }
        let (destination, timeout) = (&self.destination, self.timeout);
        let (probe_id, state_topic) = (fence::probe_id(&self.plan.name), self.plan.state_topic());
        std::thread::scope(|scope| {
            let probing = scope.spawn(|| fence::destination_fences(destination, &probe_id, &state_topic, timeout));
            let fenced = self.fence(lanes);
            let fences = probing.join().unwrap_or(false);
            fenced.map(|()| fences)
        })
    }

    /// Calls init_transactions once per id: each call fences whatever producer
    /// held that id before and resolves its open transaction.
    fn fence(&self, lanes: std::ops::Range<usize>) -> Result<(), Failure> {
        if self.plan.engine.mode != Mode::ExactlyOnce {
            return Ok(());
        }
        // Side by side: each init_transactions waits on the coordinator, and
        // each producer takes up to 100 ms to close.
        let (destination, timeout) = (&self.destination, self.timeout);
        let results: Vec<Result<(), Failure>> = std::thread::scope(|scope| {
            let fences: Vec<_> = lanes
                .map(|lane| {
                    let id = self.plan.transactional_id(lane);
                    scope.spawn(move || {
                        RecordWriter::open_engine(destination, timeout, Some(&id), &[]).map(drop).map_err(|f| {
                            Failure::runtime(format!("cannot fence transactional id {id}: {}", f.message()))
                        })
                    })
                })
                .collect();
            fences.into_iter().map(|f| f.join().unwrap_or_else(|_| Err(Failure::runtime("fencing panicked")))).collect()
        });
        results.into_iter().collect()
    }

    /// Records the highest lane count ever used, so a later start fences them all.
    fn write_lanes_record(&self) -> Result<(), Failure> {
        // Not idempotent: librdkafka's idempotent producer waits 500 ms before
        // asking for its producer id, and a repeated lanes record is harmless.
        let mut writer =
            RecordWriter::open_engine(&self.destination, self.timeout, None, &[("enable.idempotence", "false")])
                .map_err(|f| Failure::runtime(f.message().to_string()))?;
        let key = encode_key(&StateKey::Lanes);
        let value = encode_value(&StateValue::Lanes(LanesRecord {
            max_lanes_ever: self.max_lanes_ever,
            generation: self.generation,
            // Only transactional lanes check generations (see fence.rs).
            protocol: if self.plan.engine.mode == Mode::ExactlyOnce { GENERATION_CHECK_PROTOCOL } else { 0 },
        }));
        writer
            .send_in_batch(&OutgoingRecord {
                topic: &self.plan.state_topic(),
                partition: None,
                key: Some(&key),
                value: Some(&value),
                headers: &[],
                timestamp: None,
            })
            .and_then(|()| writer.commit())
            .map_err(|f| Failure::runtime(format!("cannot write the lane count to the state topic: {}", f.message())))
    }

    fn default_start(&self) -> Result<StartPosition, Failure> {
        Ok(match self.plan.engine.start {
            StartPolicy::Earliest => StartPosition::Beginning,
            StartPolicy::Latest => StartPosition::End,
            // Partitions without a position start at the first record at or after the time.
            StartPolicy::Timestamp(_) => StartPosition::Beginning,
        })
    }

    /// Resolves a timestamp start into per-partition offsets once, so a lane
    /// restart does not move it.
    fn resolve_timestamp_starts(&self, cursors: &mut BTreeMap<TopicPartition, PartitionCursor>) -> Result<(), Failure> {
        let StartPolicy::Timestamp(ts) = self.plan.engine.start else { return Ok(()) };
        if cursors.values().all(|c| c.next_offset.is_some()) {
            return Ok(());
        }
        let reader = PartitionReader::connect(&self.source, self.timeout, false)?;
        let mut by_topic: BTreeMap<String, Vec<(i32, i64)>> = BTreeMap::new();
        for (tp, cursor) in cursors.iter() {
            if cursor.next_offset.is_none() {
                by_topic.entry(tp.topic.clone()).or_default().push((tp.partition, ts));
            }
        }
        for (topic, queries) in by_topic {
            for (partition, found) in reader.offsets_for_times(&topic, &queries)? {
                let offset = match found {
                    Some(offset) => offset,
                    None => reader.watermarks(&topic, partition)?.high,
                };
                if let Some(cursor) = cursors.get_mut(&TopicPartition::new(topic.as_str(), partition)) {
                    cursor.next_offset = Some(offset);
                }
            }
        }
        Ok(())
    }

    fn start_lanes(&mut self) -> Result<(), Failure> {
        let mut cursors = std::mem::take(&mut self.cursors);
        let resolved = self.resolve_timestamp_starts(&mut cursors);
        self.cursors = cursors;
        resolved?;
        let default_start = self.default_start()?;
        let all: Vec<TopicPartition> = self.cursors.keys().cloned().collect();
        let assignment = assign_lanes(&all, self.lanes_target);
        let provenance_from = self.plan.engine.provenance.then(|| self.source_cluster_id.clone());
        for (lane, partitions) in assignment.into_iter().enumerate() {
            let cursors: BTreeMap<TopicPartition, PartitionCursor> =
                partitions.iter().filter_map(|tp| self.cursors.get(tp).map(|c| (tp.clone(), c.clone()))).collect();
            let spec = LaneSpec {
                lane,
                generation: self.generation,
                transactional_id: self.transactional_id(lane),
                source: self.source.clone(),
                destination: self.destination.clone(),
                state_topic: self.plan.state_topic(),
                provenance_from: provenance_from.clone(),
                destination_cluster_id: self.destination_cluster_id.clone(),
                cursors: cursors.clone(),
                default_start,
                max_batch_records: self.plan.engine.max_batch_records,
                commit_interval: self.plan.engine.commit_interval,
                on_out_of_range: self.plan.engine.on_out_of_range,
                timeout: self.timeout,
                generation_watch: self.watch.clone().filter(|_| self.plan.engine.mode == Mode::ExactlyOnce),
            };
            let shared = Arc::new(LaneShared::new(cursors, self.paused.clone(), self.paused_version.clone()));
            let thread = spawn_lane(spec, shared.clone())?;
            self.lanes.push(RunningLane {
                lane,
                transactional_id: self.plan.transactional_id(lane),
                partitions,
                shared,
                thread: Some(thread),
                rate: RateMeter::new(),
            });
        }
        Ok(())
    }

    /// Stops every lane at a transaction boundary and takes their cursors back.
    fn stop_lanes(&mut self) {
        for lane in &self.lanes {
            lane.shared.request_stop();
        }
        for mut lane in self.lanes.drain(..) {
            if let Some(thread) = lane.thread.take() {
                let _ = thread.join();
            }
            if let Ok(cursors) = lane.shared.cursors.lock() {
                for (tp, cursor) in cursors.iter() {
                    self.cursors.insert(tp.clone(), cursor.clone());
                }
            }
        }
    }

    fn rescale(&mut self, lanes: usize) {
        let from = self.lanes_target;
        self.lanes_target = lanes;
        self.status.lanes_target = lanes;
        if !self.running || from == lanes {
            return;
        }
        let requested = Instant::now();
        self.status.state = EngineState::Rescaling;
        self.publish();
        self.stop_lanes();
        // A newer engine may have read our generation too: taking the next
        // one now would tie with it, so look first.
        let newest = self.watch.as_ref().and_then(|w| w.lock().ok()?.catch_up(self.timeout).ok().flatten());
        if let Some(newer) = newest.filter(|&g| g > self.generation) {
            self.fenced_by_generation(newer);
            return;
        }
        let old_max = self.max_lanes_ever;
        self.max_lanes_ever = old_max.max(lanes);
        self.generation += 1;
        // Recorded before fencing, as at start. Ids the new lane set will not
        // open itself must be fenced explicitly.
        let outcome = self
            .write_lanes_record()
            .and_then(|()| self.fence(lanes..self.max_lanes_ever))
            .and_then(|()| self.start_lanes());
        match outcome {
            Ok(()) => {
                self.status.state = EngineState::Running;
                self.status.rescales += 1;
                self.status.last_rescale =
                    Some(RescaleReport { from, to: lanes, requested_at_ms: now_ms(), all_copying_after_ms: None });
                self.pending_rescale = Some(requested);
                self.event(EngineEventKind::Rescaled { from, to: lanes });
            }
            Err(failure) => self.status.state = EngineState::Failed(failure.to_string()),
        }
    }

    /// Another engine recorded a newer generation: stop every lane for good.
    fn fenced_by_generation(&mut self, generation: u64) {
        self.stop_lanes();
        self.running = false;
        self.event(EngineEventKind::Fenced { lane: 0 });
        self.status.state = EngineState::Failed(format!(
            "fenced: another kdeck engine started plan {:?} (generation {generation}, this engine {}); stopped",
            self.plan.name, self.generation
        ));
    }

    fn set_paused(&mut self, topic: String, paused: bool) {
        if let Ok(mut set) = self.paused.lock() {
            if paused {
                set.insert(topic.clone());
            } else {
                set.remove(&topic);
            }
        }
        self.paused_version.fetch_add(1, Ordering::Relaxed);
        if let Some(entry) = self.topics.get_mut(&topic) {
            if matches!(entry.state, TopicState::Copying | TopicState::Paused) {
                entry.state = if paused { TopicState::Paused } else { TopicState::Copying };
            }
        }
        self.event(if paused { EngineEventKind::Paused { topic } } else { EngineEventKind::Resumed { topic } });
    }

    fn retry(&mut self, lane: usize) {
        let Some(index) = self.lanes.iter().position(|l| l.lane == lane) else { return };
        let finished = self.lanes[index].thread.as_ref().is_none_or(JoinHandle::is_finished);
        if !finished {
            return;
        }
        if let Some(thread) = self.lanes[index].thread.take() {
            let _ = thread.join();
        }
        let old = self.lanes.remove(index);
        if let Ok(cursors) = old.shared.cursors.lock() {
            for (tp, cursor) in cursors.iter() {
                self.cursors.insert(tp.clone(), cursor.clone());
            }
        }
        // Restart the whole lane set: the same ids, the same assignment.
        self.stop_lanes();
        if let Err(failure) = self.start_lanes() {
            self.status.state = EngineState::Failed(failure.to_string());
        } else if self.running {
            self.status.state = EngineState::Running;
        }
    }

    /// Watches lane health: a fenced lane means another engine took over the
    /// plan, so every lane stops; a failed lane waits for `retry`.
    fn supervise(&mut self) {
        if self.last_watch.elapsed() >= WATCH_EVERY {
            self.last_watch = Instant::now();
            // A lane checking the watch holds it for a moment: look again next round.
            let newer = self.watch.as_ref().and_then(|w| w.try_lock().ok()?.newest_generation().ok().flatten());
            if let Some(generation) = newer.filter(|&g| g > self.generation) {
                self.fenced_by_generation(generation);
                return;
            }
        }
        let mut fenced = None;
        let mut failed = None;
        for lane in &self.lanes {
            match lane.shared.snapshot_state() {
                (LaneState::Fenced, error) => fenced = Some((lane.lane, error.unwrap_or_default())),
                (LaneState::Failed, error) => failed = Some((lane.lane, error.unwrap_or_default())),
                _ => {}
            }
        }
        if let Some((lane, error)) = fenced {
            self.stop_lanes();
            self.running = false;
            self.event(EngineEventKind::Fenced { lane });
            self.status.state = EngineState::Failed(format!(
                "lane {lane} was fenced: another kdeck engine is running plan {:?} ({error})",
                self.plan.name
            ));
            return;
        }
        if let Some((lane, error)) = failed {
            let message = format!("lane {lane} failed: {error}");
            if self.status.state != EngineState::Failed(message.clone()) {
                self.event(EngineEventKind::LaneError { lane, error: error.clone() });
                self.status.state = EngineState::Failed(message);
            }
        }
        if let Some(requested) = self.pending_rescale {
            let all_copying = self.lanes.iter().all(|l| l.shared.copying_since.lock().is_ok_and(|s| s.is_some()));
            if all_copying {
                if let Some(report) = &mut self.status.last_rescale {
                    report.all_copying_after_ms = Some(requested.elapsed().as_millis() as u64);
                }
                self.pending_rescale = None;
            }
        }
    }

    /// Sends the status when it changed, and at least every
    /// [`PUBLISH_UNCHANGED_EVERY`]. The partitions' status (thousands of
    /// entries) is rebuilt only when a lane's cursors or the coordinator's
    /// own changed: an idle engine costs next to nothing here.
    fn publish(&mut self) {
        let now = now_ms();
        self.status.lanes_target = self.lanes_target;
        self.status.generation = self.generation;
        let sources: Vec<CursorSource> = self
            .lanes
            .iter()
            .map(|lane| CursorSource {
                lane: lane.lane,
                shared: Arc::as_ptr(&lane.shared) as usize,
                version: lane.shared.cursors_version(),
            })
            .collect();
        let stale = self.published.as_ref().is_none_or(|published| {
            published.lanes != sources || published.cursors != self.cursors || published.blocked != self.blocked
        });
        let mut previous: BTreeMap<usize, Vec<TopicPartition>> =
            std::mem::take(&mut self.status.lanes).into_iter().map(|lane| (lane.lane, lane.partitions)).collect();
        let mut cursors = stale.then(|| self.cursors.clone());
        self.status.lanes = self
            .lanes
            .iter_mut()
            .map(|lane| {
                // Cursors before counters: a lane counts a batch before it
                // publishes the batch's cursors, so read in this order a
                // snapshot never shows positions ahead of the records counted.
                if let Some(cursors) = cursors.as_mut() {
                    if let Ok(shared) = lane.shared.cursors.lock() {
                        for (tp, cursor) in shared.iter() {
                            cursors.insert(tp.clone(), cursor.clone());
                        }
                    }
                }
                let records = lane.shared.records.load(Ordering::Acquire);
                let bytes = lane.shared.bytes.load(Ordering::Relaxed);
                lane.rate.observe(now, records, bytes);
                let (state, last_error) = lane.shared.snapshot_state();
                let partitions = match previous.remove(&lane.lane) {
                    Some(kept) if kept == lane.partitions => kept,
                    _ => lane.partitions.clone(),
                };
                LaneStatus {
                    lane: lane.lane,
                    transactional_id: lane.transactional_id.clone(),
                    partitions,
                    state,
                    records_total: records,
                    bytes_total: bytes,
                    records_per_sec: lane.rate.records_per_sec(),
                    bytes_per_sec: lane.rate.bytes_per_sec(),
                    commits: lane.shared.commits.load(Ordering::Relaxed),
                    aborts: lane.shared.aborts.load(Ordering::Relaxed),
                    last_error,
                }
            })
            .collect();
        if let Some(mut cursors) = cursors {
            for (tp, cursor) in &self.blocked {
                cursors.entry(tp.clone()).or_insert_with(|| cursor.clone());
            }
            self.status.partitions = cursors
                .iter()
                .map(|(tp, cursor)| PartitionStatus {
                    source: tp.clone(),
                    destination_topic: cursor.destination_topic.clone(),
                    source_high_watermark: cursor.source_high_watermark,
                    // Before its first copy a partition stands where its start policy puts it.
                    next_source_offset: cursor.next_offset.unwrap_or(match self.plan.engine.start {
                        StartPolicy::Latest => cursor.source_high_watermark,
                        _ => cursor.source_low_watermark,
                    }),
                    destination_high_watermark: -1,
                    records_copied: cursor.records,
                })
                .collect();
            self.published =
                Some(Published { lanes: sources, cursors: self.cursors.clone(), blocked: self.blocked.clone() });
        }
        let topics: Vec<TopicStatus> = self
            .topics
            .iter()
            .map(|(name, entry)| TopicStatus {
                source_topic: name.clone(),
                destination_topic: entry.destination.clone(),
                partitions: entry.partitions,
                state: entry.state.clone(),
            })
            .collect();
        if topics != self.status.topics {
            self.status.topics = topics;
        }
        let unchanged = !stale && {
            let sent = self.status_tx.borrow();
            self.status.updated_at_ms = sent.updated_at_ms;
            *sent == self.status
        };
        if unchanged && self.last_sent.elapsed() < PUBLISH_UNCHANGED_EVERY {
            return;
        }
        self.status.updated_at_ms = now;
        self.status_tx.send_replace(self.status.clone());
        self.last_sent = Instant::now();
    }
}

/// Where the partitions' status was last built from.
struct Published {
    lanes: Vec<CursorSource>,
    cursors: BTreeMap<TopicPartition, PartitionCursor>,
    blocked: BTreeMap<TopicPartition, PartitionCursor>,
}

/// A running lane's cursors at one version.
#[derive(PartialEq, Eq)]
struct CursorSource {
    lane: usize,
    /// A restarted lane has new shared state, whose version starts again.
    shared: usize,
    version: u64,
}

/// `topic: reason; topic: reason` for every topic in error.
fn failing_topics(topics: &BTreeMap<String, TopicEntry>) -> String {
    let failing: Vec<String> = topics
        .iter()
        .filter_map(|(topic, entry)| match &entry.state {
            TopicState::Error(reason) => Some(format!("{topic}: {reason}")),
            _ => None,
        })
        .collect();
    failing.join("; ")
}

fn spawn_lane(spec: LaneSpec, shared: Arc<LaneShared>) -> Result<JoinHandle<()>, Failure> {
    let name = format!("kdeck-lane-{}", spec.lane);
    std::thread::Builder::new()
        .name(name)
        .spawn(move || lane::run(spec, shared))
        .map_err(|err| Failure::runtime(format!("cannot start a lane thread: {err}")))
}
