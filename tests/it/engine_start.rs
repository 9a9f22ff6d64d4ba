//! The engine's start at scale: transient errors retried, a SIGTERM acted
//! on at once, and new topics joining without pausing the lanes that copy.

use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::engine::{assert_each_once, engine, engine_with_timeout, load, wait_caught_up, wait_for};
use crate::support::{produce, write_plan, Kdeck, MockKafka, TestRecord};

fn records(partitions: i32, per_partition: usize) -> Vec<TestRecord> {
    (0..per_partition)
        .flat_map(|n| (0..partitions).map(move |p| TestRecord::new(p, Some(b"k"), Some(format!("{p}:{n}").as_bytes()))))
        .collect()
}

/// The destination's only broker is down when the engine starts: its
/// metadata request fails. The start is tried again, with the reason on the
/// status, and copies once the broker is back.
#[test]
fn a_transient_metadata_failure_at_start_is_retried() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 4);
    destination.create_topic("orders", 4);
    produce(source.bootstrap(), "orders", &records(4, 25));
    destination.cluster().broker_down(1).expect("broker down");
    let handle = engine_with_timeout(&source, &destination, "[engine]\nlanes = 2\n", Duration::from_secs(2));
    handle.start();
    let retrying =
        wait_for(&handle, "the start to report its retry", Duration::from_secs(30), |s| s.start_problem.is_some());
    let problem = retrying.start_problem.clone().unwrap();
    eprintln!("start problem: {problem}");
    assert!(problem.contains("trying again"), "{problem}");
    assert!(retrying.progress_line().contains("retrying="), "{}", retrying.progress_line());
    destination.cluster().broker_up(1).expect("broker up");
    wait_caught_up(&handle, &source, Duration::from_secs(60));
    assert!(handle.status().borrow().start_problem.is_none());
    handle.shutdown();
    assert_each_once(&source, &destination, "orders");
}

/// A start that cannot reach the destination keeps trying; SIGTERM ends it
/// at once instead of after its requests time out.
#[test]
fn sigterm_during_start_exits_within_a_second() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 4);
    destination.create_topic("orders", 4);
    destination.cluster().broker_down(1).expect("broker down");
    let kdeck = Kdeck::new();
    let dir = tempfile::tempdir().unwrap();
    let (config, plan) = write_plan(dir.path(), source.bootstrap(), destination.bootstrap(), "name = \"start\"\n");
    let mut child = kdeck
        .command()
        .args(["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap()])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kdeck replicate");
    // Well into the start: its first metadata request is still waiting.
    std::thread::sleep(Duration::from_millis(2500));
    assert!(child.try_wait().unwrap().is_none(), "replicate ended during its start");
    let signalled = Instant::now();
    assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
    while child.try_wait().unwrap().is_none() {
        assert!(signalled.elapsed() < Duration::from_secs(20), "replicate did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(10));
    }
    let took = signalled.elapsed();
    let output = child.wait_with_output().unwrap();
    eprintln!("SIGTERM during the start: exited {:?} after {} ms", output.status.code(), took.as_millis());
    assert!(took < Duration::from_secs(1), "took {took:?}: {}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
}

/// A topic created mid-copy joins the running lanes: the lanes that get
/// none of its partitions never stop. Their commit counters (which a lane
/// restart would reset) keep rising across the change, and nothing is lost
/// or duplicated in either topic.
#[test]
fn a_new_topic_mid_copy_does_not_pause_other_lanes() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 8);
    destination.create_topic("orders", 8);
    let stop = Arc::new(AtomicBool::new(false));
    let producer = load(source.bootstrap().to_string(), "orders", 8, stop.clone());
    let handle =
        engine(&source, &destination, "[engine]\nlanes = 4\nrefresh_interval = \"1s\"\ncommit_interval = \"50ms\"\n");
    handle.start();
    let first = wait_for(&handle, "every lane committing", Duration::from_secs(30), |s| {
        s.lanes.len() == 4 && s.lanes.iter().all(|l| l.commits > 2)
    });
    let partitions_before: Vec<usize> = first.lanes.iter().map(|l| l.partitions.len()).collect();
    source.create_topic("late", 1);
    destination.create_topic("late", 1);
    produce(source.bootstrap(), "late", &records(1, 10));
    // Sample every lane's commits until the new topic is copied.
    let status = handle.status();
    let mut commits_at_add: Option<Vec<u64>> = None;
    let mut last: Vec<u64> = first.lanes.iter().map(|l| l.commits).collect();
    let deadline = Instant::now() + Duration::from_secs(30);
    let done = loop {
        let snapshot = status.borrow().clone();
        let commits: Vec<u64> = snapshot.lanes.iter().map(|l| l.commits).collect();
        for (lane, (now, before)) in commits.iter().zip(&last).enumerate() {
            assert!(now >= before, "lane {lane}'s commits went from {before} to {now}: it was restarted");
        }
        last = commits.clone();
        let added = snapshot.topics.iter().any(|t| t.source_topic == "late");
        if added && commits_at_add.is_none() {
            commits_at_add = Some(commits);
        }
        let late_copied: u64 =
            snapshot.partitions.iter().filter(|p| p.source.topic == "late").map(|p| p.records_copied).sum();
        if late_copied == 10 {
            break snapshot;
        }
        assert!(Instant::now() < deadline, "late was not copied: {snapshot:#?}");
        std::thread::sleep(Duration::from_millis(10));
    };
    let at_add = commits_at_add.expect("the topic was added");
    let partitions_after: Vec<usize> = done.lanes.iter().map(|l| l.partitions.len()).collect();
    let joined: Vec<usize> = (0..4).filter(|&l| partitions_after[l] != partitions_before[l]).collect();
    assert_eq!(joined.len(), 1, "one lane takes the one new partition: {partitions_before:?} -> {partitions_after:?}");
    for lane in (0..4).filter(|l| !joined.contains(l)) {
        let during = done.lanes[lane].commits - at_add[lane];
        eprintln!("lane {lane}: {during} commits while the new topic was picked up");
        assert!(during > 0, "lane {lane} did not commit while the new topic joined");
    }
    stop.store(true, Ordering::Relaxed);
    producer.join().unwrap();
    wait_caught_up(&handle, &source, Duration::from_secs(60));
    handle.shutdown();
    assert_each_once(&source, &destination, "orders");
    assert_each_once(&source, &destination, "late");
}
