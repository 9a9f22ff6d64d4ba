//! Everything that waits on Kafka runs here, off the render loop. The app asks
//! with a [`Request`]; the answer comes back as a [`Message`] on the cockpit's
//! event channel. One slot per kind of request: a newer request replaces a
//! pending one of the same kind (latest wins), so refreshes never pile up.
//! Every librdkafka call made here is bounded by the request's timeout.

use std::collections::BTreeMap;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::engine::status::EngineStatus;
use crate::error::Failure;
use crate::inspect::consume::start_positions;
use crate::inspect::offset_spec::OffsetSpec;
use crate::kafka::reader::{PartitionReader, ReadEvent};
use crate::kafka::writer::{OutgoingRecord, RecordWriter};
use crate::tui::action::OutgoingText;
use crate::tui::group_fetch::{fetch_groups, GroupsSnapshot};

/// One consumed record, owned, as the Inspector shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InspectedRecord {
    pub partition: i32,
    pub offset: i64,
    /// -1 when the broker sent none.
    pub timestamp_ms: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

#[derive(Clone)]
pub enum Request {
    /// The topic names of a cluster, for the Inspector's topic list.
    Topics { id: u64, cluster: ResolvedCluster },
    /// Up to `limit` records of `partition` of `topic` (every partition when `None`), from `spec`.
    Read { id: u64, cluster: ResolvedCluster, topic: String, partition: Option<i32>, spec: OffsetSpec, limit: usize },
    /// One record from the Inspector's produce editor.
    Produce { id: u64, cluster: ResolvedCluster, record: OutgoingText },
    /// Every consumer group on both sides, on the plan's topics (`topics`: source → destination name).
    Groups { id: u64, source: ResolvedCluster, destination: ResolvedCluster, topics: Vec<(String, String)> },
    /// One Connect pane request against one Connect cluster.
    Connect { id: u64, cluster: crate::connect::clusters::ConnectCluster, op: crate::tui::connect_fetch::ConnectOp },
    /// The ACL pane's ACLs: live (DescribeAcls) or from a file.
    Acls { id: u64, source: AclFetch },
    /// The groups view's cutover of one group: a dry run, or `apply` (the CLI's refusals, no `--force`).
    Cutover { id: u64, request: Box<crate::tui::cutover_fetch::CutoverRequest> },
}

/// Where the ACL pane's ACLs come from.
#[derive(Clone)]
pub enum AclFetch {
    Live(ResolvedCluster),
    File(std::path::PathBuf),
}

impl Request {
    fn kind(&self) -> &'static str {
        match self {
            Request::Topics { .. } => "topics",
            Request::Read { .. } => "read",
            Request::Produce { .. } => "produce",
            Request::Groups { .. } => "groups",
            Request::Acls { .. } => "acls",
            Request::Connect { op: crate::tui::connect_fetch::ConnectOp::Refresh, .. } => "connect",
            Request::Connect { .. } => "connect-op",
            Request::Cutover { .. } => "cutover",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    EngineStatus(Box<EngineStatus>),
    Topics {
        id: u64,
        result: Result<Vec<String>, String>,
    },
    Records {
        id: u64,
        result: Result<Vec<InspectedRecord>, String>,
    },
    /// `Ok` carries a one-line description of what was written.
    Produced {
        id: u64,
        result: Result<String, String>,
    },
    Groups {
        id: u64,
        result: Result<GroupsSnapshot, String>,
    },
    Acls {
        id: u64,
        result: Result<Vec<crate::acl::model::AclBinding>, String>,
    },
    Connect {
        id: u64,
        result: Result<crate::tui::connect_fetch::ConnectReply, String>,
    },
    Cutover {
        id: u64,
        result: Result<crate::cutover::plan_run::CutoverResult, String>,
    },
    /// Verify pane: how far the running verification is.
    VerifyProgress(super::panes::verify::VerifyProgressView),
    /// Verify pane: the finished verification, or why it failed.
    Verified(Box<Result<super::panes::verify::VerifyOutcome, String>>),
}

type Slots = Arc<(Mutex<(BTreeMap<&'static str, Request>, bool)>, Condvar)>;

/// The Kafka worker: one thread draining the latest-wins slots.
pub struct Worker {
    slots: Slots,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn spawn(timeout: Duration, deliver: impl Fn(Message) + Send + 'static) -> Worker {
        let slots: Slots = Arc::new((Mutex::new((BTreeMap::new(), false)), Condvar::new()));
        let shared = slots.clone();
        let thread = std::thread::Builder::new()
            .name("kdeck-cockpit-worker".into())
            .spawn(move || {
                while let Some(request) = next_request(&shared) {
                    deliver(run(request, timeout));
                }
            })
            .ok();
        Worker { slots, thread }
    }

    pub fn submit(&self, request: Request) {
        put(&self.slots, request);
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        let (lock, ready) = &*self.slots;
        if let Ok(mut guard) = lock.lock() {
            guard.1 = true;
            ready.notify_one();
        }
        // A read in progress ends within its timeout; the process may be exiting, so do not wait on it.
        drop(self.thread.take());
    }
}

/// Replaces any pending request of the same kind: the latest wins.
fn put(slots: &Slots, request: Request) {
    let (lock, ready) = &**slots;
    if let Ok(mut guard) = lock.lock() {
        guard.0.insert(request.kind(), request);
        ready.notify_one();
    }
}

fn next_request(slots: &Slots) -> Option<Request> {
    let (lock, ready) = &**slots;
    let mut guard = lock.lock().ok()?;
    loop {
        if guard.1 {
            return None;
        }
        if let Some(kind) = guard.0.keys().next().copied() {
            return guard.0.remove(kind);
        }
        guard = ready.wait(guard).ok()?;
    }
}

fn run(request: Request, timeout: Duration) -> Message {
    let scrubbed = |failure: Failure| failure.to_string();
    match request {
        Request::Topics { id, cluster } => {
            Message::Topics { id, result: list_topics(&cluster, timeout).map_err(scrubbed) }
        }
        Request::Read { id, cluster, topic, partition, spec, limit } => {
            let chosen = ReadChoice { topic: &topic, partition, spec: &spec, limit };
            Message::Records { id, result: read(&cluster, &chosen, timeout).map_err(scrubbed) }
        }
        Request::Produce { id, cluster, record } => {
            Message::Produced { id, result: produce(&cluster, &record, timeout).map_err(scrubbed) }
        }
        Request::Groups { id, source, destination, topics } => {
            Message::Groups { id, result: fetch_groups(&source, &destination, &topics, timeout).map_err(scrubbed) }
        }
        Request::Acls { id, source } => {
            let result = match source {
                AclFetch::Live(cluster) => crate::kafka::acls::describe_acls(&cluster, timeout).map_err(scrubbed),
                AclFetch::File(path) => {
                    crate::acl::source::load(&path).map_err(|err| scrubbed(Failure::usage(err.to_string())))
                }
            };
            Message::Acls { id, result }
        }
        Request::Connect { id, cluster, op } => {
            Message::Connect { id, result: crate::tui::connect_fetch::run(&cluster, &op, timeout) }
        }
        Request::Cutover { id, request } => {
            Message::Cutover { id, result: crate::tui::cutover_fetch::run(&request, timeout).map_err(scrubbed) }
        }
    }
}

fn produce(cluster: &ResolvedCluster, record: &OutgoingText, timeout: Duration) -> Result<String, Failure> {
    let mut writer = RecordWriter::open(cluster, timeout, &[])?;
    writer.send(&OutgoingRecord {
        topic: &record.topic,
        partition: None,
        key: record.key.as_deref().map(str::as_bytes),
        value: Some(record.value.as_bytes()),
        headers: &[],
        timestamp: None,
    })?;
    writer.finish()?;
    Ok(format!("produced 1 message to {} on {}", record.topic, cluster.name))
}

fn list_topics(cluster: &ResolvedCluster, timeout: Duration) -> Result<Vec<String>, Failure> {
    let reader = PartitionReader::connect(cluster, timeout, false)?;
    let mut names: Vec<String> = reader.metadata(None)?.topics.into_iter().map(|topic| topic.name).collect();
    names.sort();
    Ok(names)
}

/// What the Inspector reads: one partition of a topic, or all of them (`None`), as kcat's `-p`.
pub struct ReadChoice<'a> {
    pub topic: &'a str,
    pub partition: Option<i32>,
    pub spec: &'a OffsetSpec,
    pub limit: usize,
}

/// Reads from the chosen partitions until each reports its end, `limit`
/// records arrive, an `e@` timestamp is passed, or `timeout` runs out.
pub fn read(
    cluster: &ResolvedCluster,
    choice: &ReadChoice<'_>,
    timeout: Duration,
) -> Result<Vec<InspectedRecord>, Failure> {
    let ReadChoice { topic, spec, limit, .. } = *choice;
    let mut reader = PartitionReader::connect(cluster, timeout, true)?;
    let metadata = reader.metadata(Some(topic))?;
    let mut partitions = crate::kafka::metadata::topic_partitions(&metadata, &cluster.name, topic)?;
    if let Some(chosen) = choice.partition {
        if !partitions.contains(&chosen) {
            let count = partitions.len();
            return Err(Failure::usage(format!(
                "{topic} on {} has no partition {chosen} ({count} partitions)",
                cluster.name
            )));
        }
        partitions = vec![chosen];
    }
    let starts = start_positions(&reader, topic, &partitions, spec)?;
    reader.assign(topic, &starts)?;
    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    let mut ended = 0usize;
    while ended < partitions.len() && records.len() < limit && Instant::now() < deadline {
        reader.poll_batch(Duration::from_millis(100), |event| {
            match event {
                ReadEvent::Record(record) => {
                    let past_end = spec.end_timestamp.is_some_and(|end| record.timestamp_or_minus_one() >= end);
                    if !past_end && records.len() < limit {
                        records.push(InspectedRecord {
                            partition: record.partition,
                            offset: record.offset,
                            timestamp_ms: record.timestamp_or_minus_one(),
                            key: record.key.map(<[u8]>::to_vec),
                            value: record.payload.map(<[u8]>::to_vec),
                            headers: record
                                .headers
                                .iter()
                                .map(|header| (header.name.to_owned(), header.value.map(<[u8]>::to_vec)))
                                .collect(),
                        });
                    }
                }
                ReadEvent::PartitionEnd { .. } => ended += 1,
                ReadEvent::OffsetOutOfRange => {}
            }
            records.len() < limit
        })?;
    }
    records.sort_by_key(|record| (record.partition, record.offset));
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster() -> ResolvedCluster {
        let config = crate::config::parse("", std::path::Path::new("test")).expect("empty config");
        let args =
            crate::config::ClusterArgs { cluster: "localhost:9".into(), properties_file: None, overrides: Vec::new() };
        crate::config::resolve_cluster(&args, &config).expect("broker list")
    }

    fn read(id: u64) -> Request {
        Request::Read {
            id,
            cluster: cluster(),
            topic: "t".into(),
            partition: None,
            spec: OffsetSpec::default(),
            limit: 1,
        }
    }

    fn id_of(request: &Request) -> u64 {
        match request {
            Request::Topics { id, .. }
            | Request::Read { id, .. }
            | Request::Produce { id, .. }
            | Request::Groups { id, .. }
            | Request::Acls { id, .. } => *id,
            Request::Connect { id, .. } | Request::Cutover { id, .. } => *id,
        }
    }

    #[test]
    fn the_latest_request_of_a_kind_wins_and_kinds_do_not_replace_each_other() {
        let slots: Slots = Arc::new((Mutex::new((BTreeMap::new(), false)), Condvar::new()));
        put(&slots, read(1));
        put(&slots, Request::Topics { id: 2, cluster: cluster() });
        put(&slots, read(3));
        let mut taken = vec![next_request(&slots).map(|r| id_of(&r)), next_request(&slots).map(|r| id_of(&r))];
        taken.sort();
        assert_eq!(taken, [Some(2), Some(3)]);
        if let Ok(mut guard) = slots.0.lock() {
            guard.1 = true;
        }
        assert!(next_request(&slots).is_none(), "a closed worker takes nothing more");
    }
}
