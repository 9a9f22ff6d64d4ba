//! The engine in-process through `EngineHandle`: live rescale under load,
//! brokers going down on each side, and topics appearing mid-run.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kdeck::config::{self, ClusterArgs, ResolvedCluster};
use kdeck::engine::plan::parse_plan;
use kdeck::engine::status::{EngineState, EngineStatus};
use kdeck::engine::EngineHandle;

use crate::support::{drain, produce, MockKafka, TestRecord};

pub(crate) fn cluster(bootstrap: &str) -> ResolvedCluster {
    let empty = config::parse("", std::path::Path::new("test")).unwrap();
    let args = ClusterArgs { cluster: bootstrap.to_string(), properties_file: None, overrides: Vec::new() };
    config::resolve_cluster(&args, &empty).unwrap()
}

pub(crate) fn engine(source: &MockKafka, destination: &MockKafka, body: &str) -> EngineHandle {
    engine_with_timeout(source, destination, body, Duration::from_secs(10))
}

pub(crate) fn engine_with_timeout(
    source: &MockKafka,
    destination: &MockKafka,
    body: &str,
    timeout: Duration,
) -> EngineHandle {
    let plan = parse_plan(
        &format!("name = \"test\"\nsource = \"source\"\ndestination = \"destination\"\n{body}"),
        std::path::Path::new("plan.toml"),
    )
    .expect("plan");
    EngineHandle::spawn(plan, cluster(source.bootstrap()), cluster(destination.bootstrap()), timeout)
}

pub(crate) fn wait_for(
    handle: &EngineHandle,
    what: &str,
    limit: Duration,
    done: impl Fn(&EngineStatus) -> bool,
) -> EngineStatus {
    let status = handle.status();
    let deadline = Instant::now() + limit;
    loop {
        let snapshot = status.borrow().clone();
        if let EngineState::Failed(message) = &snapshot.state {
            panic!("engine failed while waiting for {what}: {message}");
        }
        if done(&snapshot) {
            return snapshot;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}: {snapshot:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

pub(crate) fn caught_up(status: &EngineStatus) -> bool {
    status.state == EngineState::Running && !status.partitions.is_empty() && status.total_lag() == Some(0)
}

/// Caught up by the lanes' view, confirmed against fresh source watermarks.
pub(crate) fn wait_caught_up(handle: &EngineHandle, source: &MockKafka, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        let status = wait_for(handle, "catching up", deadline.saturating_duration_since(Instant::now()), caught_up);
        if kdeck::engine::confirm_caught_up(&cluster(source.bootstrap()), &status, Duration::from_secs(5)).unwrap() {
            return;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Sequence numbers per partition: the test's records carry `p:n` values.
pub(crate) fn assert_each_once(source: &MockKafka, destination: &MockKafka, topic: &str) {
    let idle = Duration::from_millis(1500);
    let mut want: Vec<(i32, Option<Vec<u8>>)> =
        drain(source.bootstrap(), topic, idle).into_iter().map(|r| (r.partition, r.value)).collect();
    let mut got: Vec<(i32, Option<Vec<u8>>)> =
        drain(destination.bootstrap(), topic, idle).into_iter().map(|r| (r.partition, r.value)).collect();
    assert!(!want.is_empty());
    assert_eq!(got.len(), want.len(), "{topic}: destination has {} records, source {}", got.len(), want.len());
    // Order within a partition is kept: compare the sequences as read.
    want.sort_by_key(|(p, _)| *p);
    got.sort_by_key(|(p, _)| *p);
    assert!(got == want, "{topic}: same count, different records or order");
}

/// Keeps producing `p:n` records until stopped.
pub(crate) fn load(
    bootstrap: String,
    topic: &'static str,
    partitions: i32,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut n = 0u64;
        while !stop.load(Ordering::Relaxed) {
            let batch: Vec<TestRecord> = (0..200)
                .map(|i| {
                    let p = ((n + i) % partitions as u64) as i32;
                    TestRecord::new(p, Some(b"k"), Some(format!("{p}:{}", n + i).as_bytes()))
                })
                .collect();
            produce(&bootstrap, topic, &batch);
            n += 200;
            std::thread::sleep(Duration::from_millis(20));
        }
    })
}

#[test]
fn live_rescale_under_load_loses_and_duplicates_nothing() {
    live_rescale_under_load("exactly-once");
}

/// At-least-once lanes pipeline their batches (positions follow delivery
/// reports); a rescale must still record every delivered batch before the
/// new lanes start.
#[test]
fn live_rescale_at_least_once_loses_and_duplicates_nothing() {
    live_rescale_under_load("at-least-once");
}

fn live_rescale_under_load(mode: &str) {
    let (source, destination) = (MockKafka::new(3), MockKafka::new(3));
    source.create_topic("orders", 12);
    destination.create_topic("orders", 12);
    let stop = Arc::new(AtomicBool::new(false));
    let producer = load(source.bootstrap().to_string(), "orders", 12, stop.clone());
    let handle =
        engine(&source, &destination, &format!("[engine]\nlanes = 1\nmode = \"{mode}\"\ncommit_interval = \"50ms\"\n"));
    handle.start();
    wait_for(&handle, "the first copies", Duration::from_secs(30), |s| s.records_total() > 500);
    for lanes in [8, 3] {
        handle.rescale(lanes);
        let status = wait_for(&handle, "the rescale", Duration::from_secs(30), |s| {
            s.lanes.len() == lanes && s.last_rescale.as_ref().is_some_and(|r| r.all_copying_after_ms.is_some())
        });
        let report = status.last_rescale.unwrap();
        eprintln!(
            "rescale {} -> {}: all lanes copying after {} ms",
            report.from,
            report.to,
            report.all_copying_after_ms.unwrap()
        );
        std::thread::sleep(Duration::from_millis(700));
    }
    stop.store(true, Ordering::Relaxed);
    producer.join().unwrap();
    wait_caught_up(&handle, &source, Duration::from_secs(60));
    handle.shutdown();
    assert_each_once(&source, &destination, "orders");
}

#[test]
fn a_broker_down_on_each_side_is_recovered_from() {
    let (source, destination) = (MockKafka::new(3), MockKafka::new(3));
    source.create_topic("payments", 6);
    destination.create_topic("payments", 6);
    let stop = Arc::new(AtomicBool::new(false));
    let producer = load(source.bootstrap().to_string(), "payments", 6, stop.clone());
    let handle = engine(&source, &destination, "[engine]\nlanes = 2\ncommit_interval = \"50ms\"\n");
    handle.start();
    wait_for(&handle, "the first copies", Duration::from_secs(30), |s| s.records_total() > 300);
    for side in [&source, &destination] {
        side.cluster().broker_down(2).expect("broker down");
        std::thread::sleep(Duration::from_secs(5));
        side.cluster().broker_up(2).expect("broker up");
    }
    stop.store(true, Ordering::Relaxed);
    producer.join().unwrap();
    wait_caught_up(&handle, &source, Duration::from_secs(90));
    handle.shutdown();
    assert_each_once(&source, &destination, "payments");
}

#[test]
fn topics_created_mid_run_are_picked_up_and_excludes_hold() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    for topic in ["orders", "optr-jobs"] {
        source.create_topic(topic, 2);
    }
    destination.create_topic("orders", 2);
    destination.create_topic("late.events", 2);
    produce(source.bootstrap(), "orders", &[TestRecord::new(0, None, Some(b"0:0"))]);
    produce(source.bootstrap(), "optr-jobs", &[TestRecord::new(0, None, Some(b"0:0"))]);
    let handle = engine(
        &source,
        &destination,
        "[topics]\nexclude = [\"optr.*\"]\n[engine]\nrefresh_interval = \"1s\"\ncommit_interval = \"50ms\"\n",
    );
    handle.start();
    wait_for(&handle, "orders copied", Duration::from_secs(30), caught_up);
    source.create_topic("late.events", 2);
    produce(source.bootstrap(), "late.events", &[TestRecord::new(1, None, Some(b"1:0"))]);
    let status = wait_for(&handle, "late.events picked up", Duration::from_secs(30), |s| {
        s.topics.iter().any(|t| t.source_topic == "late.events") && caught_up(s)
    });
    assert!(!status.topics.iter().any(|t| t.source_topic.starts_with("optr")), "{:?}", status.topics);
    handle.shutdown();
    assert_each_once(&source, &destination, "late.events");
    assert!(drain(destination.bootstrap(), "optr-jobs", Duration::from_millis(300)).is_empty());
}
