//! Everything that waits on Kafka runs here, off the render loop. The app asks
//! with a [`Request`]; the answer comes back as a [`Message`] on the cockpit's
//! event channel. Reads take one slot per kind: a newer read replaces a pending
//! one of the same kind (latest wins), so refreshes never pile up. Writes (a
//! produce, a Connect operation, a cutover apply) the user confirmed are never
//! replaced: they queue, run first, in order, and each answers with its result.
//! Every librdkafka call made here is bounded by the request's timeout.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::config::ResolvedCluster;
use crate::error::Failure;
use crate::inspect::consume::start_positions;
use crate::inspect::offset_spec::OffsetSpec;
use crate::kafka::reader::{PartitionReader, ReadEvent};
use crate::kafka::writer::{OutgoingRecord, RecordWriter};
use crate::tui::group_fetch::fetch_groups;
use crate::tui::protocol::OutgoingText;
pub use crate::tui::protocol::{AclFetch, InspectedRecord, Message, Request};

/// What waits for the worker thread.
#[derive(Default)]
struct Pending {
    writes: VecDeque<Request>,
    reads: BTreeMap<&'static str, Request>,
    closed: bool,
}

type Slots = Arc<(Mutex<Pending>, Condvar)>;

/// The Kafka worker: one thread draining the write queue, then the latest-wins read slots.
pub struct Worker {
    slots: Slots,
    thread: Option<JoinHandle<()>>,
}

impl Worker {
    pub fn spawn(timeout: Duration, deliver: impl Fn(Message) + Send + 'static) -> Worker {
        let slots: Slots = Arc::new((Mutex::new(Pending::default()), Condvar::new()));
        let shared = slots.clone();
        let thread = std::thread::Builder::new()
            .name("kdeck-cockpit-worker".into())
            .spawn(move || {
                while let Some(request) = next_request(&shared) {
                    if let Some(message) = run(request, timeout) {
                        deliver(message);
                    }
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
            guard.closed = true;
            ready.notify_one();
        }
        // A read in progress ends within its timeout; the process may be exiting, so do not wait on it.
        drop(self.thread.take());
    }
}

/// Queues a write; a read replaces any pending read of the same kind (the latest wins).
fn put(slots: &Slots, request: Request) {
    let (lock, ready) = &**slots;
    if let Ok(mut guard) = lock.lock() {
        if request.is_write() {
            guard.writes.push_back(request);
        } else {
            guard.reads.insert(request.kind(), request);
        }
        ready.notify_one();
    }
}

fn next_request(slots: &Slots) -> Option<Request> {
    let (lock, ready) = &**slots;
    let mut guard = lock.lock().ok()?;
    loop {
        if guard.closed {
            return None;
        }
        if let Some(write) = guard.writes.pop_front() {
            return Some(write);
        }
        if let Some(kind) = guard.reads.keys().next().copied() {
            return guard.reads.remove(kind);
        }
        guard = ready.wait(guard).ok()?;
    }
}

/// `None` for what the worker does not run (a verification has its own thread).
fn run(request: Request, timeout: Duration) -> Option<Message> {
    let scrubbed = |failure: Failure| failure.to_string();
    Some(match request {
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
        Request::PlanOffsets { id, plan, source, destination, positions, connect } => {
            let clusters = crate::tui::plan_offsets::PlanClusters {
                source: &source,
                destination: &destination,
                connect: connect.as_ref(),
            };
            let result = crate::tui::plan_offsets::fetch(&plan, &clusters, positions, timeout).map_err(scrubbed);
            Message::PlanOffsets { id, result }
        }
        Request::Compare { id, cluster, target } => Message::Compared {
            id,
            result: crate::tui::compare_fetch::run(&cluster, &target, timeout).map(Box::new).map_err(scrubbed),
        },
        Request::Verify => return None,
    })
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
    let mut ends = PartitionEnds::default();
    while !ends.all_of(&partitions) && records.len() < limit && Instant::now() < deadline {
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
                            decoded: None,
                        });
                    }
                }
                ReadEvent::PartitionEnd { partition, .. } => ends.reached(partition),
                ReadEvent::OffsetOutOfRange => {}
            }
            records.len() < limit
        })?;
    }
    records.sort_by_key(|record| (record.partition, record.offset));
    decode_records(cluster, &mut records, timeout);
    Ok(records)
}

/// Decodes keys and values through the profile's schema registry, if it names one.
fn decode_records(cluster: &ResolvedCluster, records: &mut [InspectedRecord], timeout: Duration) {
    use crate::schemas::inspect::InspectorDecoder;
    match InspectorDecoder::for_cluster(cluster, timeout) {
        Ok(None) => {}
        Ok(Some(mut decoder)) => {
            for record in records {
                record.decoded = Some(decoder.decode(record.key.as_deref(), record.value.as_deref()));
            }
        }
        Err(reason) => {
            for record in records {
                record.decoded =
                    Some(InspectorDecoder::failed(record.key.as_deref(), record.value.as_deref(), &reason));
            }
        }
    }
}

/// Which partitions have reported their end. A busy partition reports it more
/// than once (each time it catches up again), so ends are counted per partition.
#[derive(Debug, Default)]
pub struct PartitionEnds(BTreeSet<i32>);

impl PartitionEnds {
    pub fn reached(&mut self, partition: i32) {
        self.0.insert(partition);
    }

    pub fn all_of(&self, partitions: &[i32]) -> bool {
        partitions.iter().all(|partition| self.0.contains(partition))
    }
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
            Request::Connect { id, .. } | Request::Cutover { id, .. } | Request::PlanOffsets { id, .. } => *id,
            Request::Compare { id, .. } => *id,
            Request::Verify => 0,
        }
    }

    fn produce(id: u64) -> Request {
        let record = OutgoingText { topic: "t".into(), key: None, value: format!("v{id}") };
        Request::Produce { id, cluster: cluster(), record }
    }

    fn slots() -> Slots {
        Arc::new((Mutex::new(Pending::default()), Condvar::new()))
    }

    #[test]
    fn confirmed_writes_queue_in_order_and_run_before_reads() {
        let slots = slots();
        put(&slots, read(1));
        put(&slots, produce(2));
        put(&slots, produce(3));
        put(&slots, read(4));
        put(&slots, produce(5));
        let taken: Vec<u64> = std::iter::from_fn(|| {
            let pending = slots.0.lock().map(|guard| guard.writes.len() + guard.reads.len()).unwrap_or(0);
            (pending > 0).then(|| next_request(&slots).map(|r| id_of(&r))).flatten()
        })
        .collect();
        assert_eq!(taken, [2, 3, 5, 4], "every write runs, in order; the older read is replaced");
    }

    #[test]
    fn a_partition_that_ends_twice_does_not_stand_for_another() {
        let mut ends = PartitionEnds::default();
        ends.reached(0);
        ends.reached(0);
        assert!(!ends.all_of(&[0, 1]), "partition 1 has not ended");
        ends.reached(1);
        assert!(ends.all_of(&[0, 1]));
        assert!(PartitionEnds::default().all_of(&[]));
    }

    #[test]
    fn the_latest_request_of_a_kind_wins_and_kinds_do_not_replace_each_other() {
        let slots = slots();
        put(&slots, read(1));
        put(&slots, Request::Topics { id: 2, cluster: cluster() });
        put(&slots, read(3));
        let mut taken = vec![next_request(&slots).map(|r| id_of(&r)), next_request(&slots).map(|r| id_of(&r))];
        taken.sort();
        assert_eq!(taken, [Some(2), Some(3)]);
        if let Ok(mut guard) = slots.0.lock() {
            guard.closed = true;
        }
        assert!(next_request(&slots).is_none(), "a closed worker takes nothing more");
    }
}
