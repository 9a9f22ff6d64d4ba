//! The replication engine: copies the plan's topics from the source cluster
//! to the destination, exactly once, in lanes that rescale live.
//!
//! Control goes in through [`EngineHandle`] (commands on an mpsc channel) and
//! status comes out as [`status::EngineStatus`] snapshots on a watch channel.
//! The cockpit, `kdeck replicate`, its metrics endpoint and its REST API are all
//! clients of the handle. This module never imports UI code.

pub mod assignment;
mod coordinator;
pub mod fence;
pub mod lane;
pub mod metrics;
pub mod plan;
pub mod positions;
pub mod provenance;
pub mod recovery;
mod route;
mod start;
pub mod state;
pub mod status;
pub mod topics;

use std::sync::mpsc;
use std::time::Duration;

use tokio::sync::watch;

use crate::config::ResolvedCluster;

use plan::Plan;
use status::EngineStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    Stop,
    Rescale(usize),
    Pause(String),
    Resume(String),
    /// Restarts a lane that failed or was fenced.
    Retry(usize),
}

/// How long a shutdown waits for a start in progress to notice it.
const START_GIVEN_UP_AFTER: Duration = Duration::from_millis(300);

pub struct EngineHandle {
    commands: mpsc::Sender<Command>,
    status: watch::Receiver<EngineStatus>,
    thread: Option<std::thread::JoinHandle<()>>,
    gate: std::sync::Arc<start::StartGate>,
}

impl EngineHandle {
    /// Spawns the engine's coordinator thread, stopped. `timeout` bounds each
    /// Kafka request the engine makes.
    pub fn spawn(plan: Plan, source: ResolvedCluster, destination: ResolvedCluster, timeout: Duration) -> Self {
        let (commands, receiver) = mpsc::channel();
        let (status_tx, status) = watch::channel(EngineStatus::default());
        let gate = std::sync::Arc::new(start::StartGate::default());
        let coordinator_gate = gate.clone();
        let thread = std::thread::Builder::new()
            .name("kdeck-engine".into())
            .spawn(move || coordinator::run(plan, source, destination, timeout, receiver, status_tx, coordinator_gate))
            .ok();
        EngineHandle { commands, status, thread, gate }
    }

    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    pub fn start(&self) {
        self.send(Command::Start);
    }

    pub fn stop(&self) {
        self.send(Command::Stop);
    }

    pub fn rescale(&self, lanes: usize) {
        self.send(Command::Rescale(lanes));
    }

    pub fn pause(&self, topic: &str) {
        self.send(Command::Pause(topic.to_string()));
    }

    pub fn resume(&self, topic: &str) {
        self.send(Command::Resume(topic.to_string()));
    }

    pub fn retry(&self, lane: usize) {
        self.send(Command::Retry(lane));
    }

    /// A cloneable way to send commands, for control surfaces that live on
    /// their own threads (the Connect-compatible REST API).
    pub fn commander(&self) -> impl Fn(Command) + Send + Sync + Clone + 'static {
        let commands = self.commands.clone();
        move |command| {
            let _ = commands.send(command);
        }
    }

    /// A receiver of status snapshots; `borrow()` gives the latest.
    pub fn status(&self) -> watch::Receiver<EngineStatus> {
        self.status.clone()
    }

    /// Stops the lanes (each finishes or aborts its open transaction) and
    /// waits for the coordinator to exit. A start still in progress, which
    /// has started no lane and so holds no transaction, is not waited for:
    /// its requests can take the whole timeout, and a SIGTERM must act within
    /// a second.
    pub fn shutdown(mut self) {
        let lanes_started = self.gate.close();
        self.send(Command::Stop);
        let (closed, _) = mpsc::channel();
        drop(std::mem::replace(&mut self.commands, closed));
        let Some(thread) = self.thread.take() else { return };
        if lanes_started {
            let _ = thread.join();
            return;
        }
        let deadline = std::time::Instant::now() + START_GIVEN_UP_AFTER;
        while !thread.is_finished() && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(10));
        }
        if thread.is_finished() {
            let _ = thread.join();
        } else {
            tracing::info!("shutting down during the engine's start: not waiting for its requests");
        }
    }
}

/// Whether every partition in `status` has copied up to the source's current
/// high watermark, asked fresh from the source. The status's own watermarks
/// come from the lanes' fetch caches and can trail by a fetch, so "lag 0"
/// there is a hint, not proof. (Meaningless on tansu, whose watermark is
/// wrong under batching.)
pub fn confirm_caught_up(
    source: &ResolvedCluster,
    status: &EngineStatus,
    timeout: Duration,
) -> Result<bool, crate::error::Failure> {
    let reader = crate::kafka::PartitionReader::connect(source, timeout, false)?;
    caught_up_on(&reader, status)
}

/// [`confirm_caught_up`] with a reader of the source that the caller keeps,
/// so repeated checks do not each connect afresh.
pub fn caught_up_on(
    reader: &crate::kafka::PartitionReader,
    status: &EngineStatus,
) -> Result<bool, crate::error::Failure> {
    let positions = assignment::by_topic(status.partitions.iter().map(|p| (&p.source, p.next_source_offset)));
    // One ListOffsets per topic and leader: thousands of partitions answer at once.
    for (topic, positions) in positions {
        let partitions: Vec<i32> = positions.iter().map(|&(p, _)| p).collect();
        let ends: std::collections::BTreeMap<i32, Option<i64>> =
            reader.latest_offsets(topic, &partitions)?.into_iter().collect();
        for (partition, next) in positions {
            match ends.get(&partition) {
                Some(Some(end)) if next >= *end => {}
                _ => return Ok(false),
            }
        }
    }
    Ok(!status.partitions.is_empty())
}
