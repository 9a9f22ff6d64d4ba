//! Exactly-once against real transactions: noida-db writes commit and abort
//! markers, hides aborted records from read_committed readers, fences an old
//! producer and aborts the open transaction of a re-initialised id. The
//! sources here are written by a transactional producer (commits and aborts),
//! and the engine runs with provenance off where the guarantee must rest on
//! transactions and fencing alone. Each copy is judged by a read_committed
//! count of unique values: nothing lost, nothing twice, nothing aborted.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

use kdeck::engine::plan::parse_plan;
use kdeck::engine::status::{EngineState, EngineStatus};
use kdeck::engine::EngineHandle;

use crate::engine::wait_for;
use crate::replicate::{replicate, wait_exit};
use crate::support::{drain, write_plan, Kdeck, Noida};

const PARTITIONS: i32 = 3;

/// A transactional producer writing rounds of committed and aborted records
/// to every partition. Values are unique: `kept:<p>:<n>` or `aborted:<p>:<n>`.
struct TxnWriter {
    producer: ThreadedProducer<DefaultProducerContext>,
    topic: String,
    next: u64,
    kept: BTreeSet<String>,
}

impl TxnWriter {
    fn new(bootstrap: &str, topic: &str, id: &str) -> Self {
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", bootstrap)
            .set("transactional.id", id)
            .set("linger.ms", "5")
            .create()
            .expect("transactional producer");
        producer.init_transactions(Duration::from_secs(10)).expect("init_transactions");
        TxnWriter { producer, topic: topic.to_string(), next: 0, kept: BTreeSet::new() }
    }

    /// One committed transaction of `kept` records per partition, then one
    /// aborted transaction of `aborted` records per partition (none if 0).
    fn round(&mut self, kept: usize, aborted: usize) {
        self.transaction("kept", kept, true);
        if aborted > 0 {
            self.transaction("aborted", aborted, false);
        }
    }

    fn transaction(&mut self, kind: &str, per_partition: usize, commit: bool) {
        let timeout = Duration::from_secs(10);
        self.producer.begin_transaction().expect("begin");
        for _ in 0..per_partition {
            for p in 0..PARTITIONS {
                let value = format!("{kind}:{p}:{}", self.next);
                self.next += 1;
                let record = BaseRecord::<str, str>::to(&self.topic).partition(p).key(&value).payload(&value);
                self.producer.send(record).map_err(|(err, _)| err).expect("send");
                if commit {
                    self.kept.insert(value);
                }
            }
        }
        if commit {
            self.producer.commit_transaction(timeout).expect("commit");
        } else {
            self.producer.abort_transaction(timeout).expect("abort");
        }
    }
}

/// Writes rounds of commits and aborts until stopped; returns every committed value.
fn transactional_load(
    bootstrap: String,
    topic: &'static str,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<BTreeSet<String>> {
    std::thread::spawn(move || {
        let mut writer = TxnWriter::new(&bootstrap, topic, "test-load");
        while !stop.load(Ordering::Relaxed) {
            writer.round(40, 10);
            std::thread::sleep(Duration::from_millis(10));
        }
        writer.kept
    })
}

/// The destination holds every committed source value once, and nothing else.
fn assert_exactly(destination: &str, topic: &str, kept: &BTreeSet<String>) {
    let read = drain(destination, topic, Duration::from_millis(1500));
    let values: Vec<String> =
        read.iter().map(|r| String::from_utf8_lossy(r.value.as_deref().unwrap_or_default()).into_owned()).collect();
    let unique: BTreeSet<String> = values.iter().cloned().collect();
    let aborted = values.iter().filter(|v| v.starts_with("aborted")).count();
    let lost = kept.difference(&unique).count();
    assert_eq!(
        (values.len() - unique.len(), aborted, lost),
        (0, 0, 0),
        "{topic}: {} read, {} unique, {} committed on the source: (duplicates, aborted, lost)",
        values.len(),
        unique.len(),
        kept.len()
    );
    assert_eq!(unique.len(), kept.len(), "{topic}: the destination holds values the source never committed");
}

fn plan_files(
    kdeck: &Kdeck,
    source: &Noida,
    destination: &Noida,
    body: &str,
) -> (std::path::PathBuf, std::path::PathBuf) {
    write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), body)
}

fn run_until_caught_up(kdeck: &Kdeck, config: &Path, plan: &Path, extra: &[&str]) -> String {
    let mut args = vec!["--exit-when-caught-up"];
    args.extend_from_slice(extra);
    let output = wait_exit(replicate(kdeck, config, plan, &args), Duration::from_secs(120));
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "replicate exited {}: {stderr}", output.status);
    assert!(stdout.contains("caught-up"), "{stdout}");
    stdout.into_owned()
}

fn engine(source: &Noida, destination: &Noida, body: &str) -> EngineHandle {
    let plan = parse_plan(
        &format!("source = \"source\"\ndestination = \"destination\"\n{body}"),
        std::path::Path::new("plan.toml"),
    )
    .expect("plan");
    let (source, destination) =
        (crate::engine::cluster(&source.bootstrap()), crate::engine::cluster(&destination.bootstrap()));
    EngineHandle::spawn(plan, source, destination, Duration::from_secs(10))
}

fn lag_is_zero(status: &EngineStatus) -> bool {
    status.state == EngineState::Running && !status.partitions.is_empty() && status.total_lag() == Some(0)
}

/// Every partition's log ends in a transaction marker (abort markers, and a
/// commit marker on partition 0): the copy must reach lag 0 and say caught up,
/// in `kdeck replicate` and in the status the cockpit's Lag pane shows.
#[test]
fn a_source_ending_in_transaction_markers_reaches_zero_lag() {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic("ledger", PARTITIONS);
    let mut writer = TxnWriter::new(&source.bootstrap(), "ledger", "ledger-writer");
    for _ in 0..100 {
        writer.round(5, 3);
    }
    let kdeck = Kdeck::new();
    let body = "name = \"ledger\"\n[engine]\nlanes = 2\ncommit_interval = \"100ms\"\n";
    let (config, plan) = plan_files(&kdeck, &source, &destination, body);
    run_until_caught_up(&kdeck, &config, &plan, &[]);
    assert_exactly(&destination.bootstrap(), "ledger", &writer.kept);

    // A commit marker after the last record, on one partition only, and the engine in-process.
    writer.transaction("kept", 4, true);
    let handle = engine(&source, &destination, body);
    handle.start();
    let status = wait_for(&handle, "lag 0", Duration::from_secs(60), lag_is_zero);
    assert!(kdeck::engine::confirm_caught_up(
        &crate::engine::cluster(&source.bootstrap()),
        &status,
        Duration::from_secs(5)
    )
    .unwrap());
    handle.shutdown();
    assert_exactly(&destination.bootstrap(), "ledger", &writer.kept);
    // The positions survive a restart: caught up again at once, nothing copied twice.
    run_until_caught_up(&kdeck, &config, &plan, &["--lanes", "3"]);
    assert_exactly(&destination.bootstrap(), "ledger", &writer.kept);
}

/// Two noida clusters, a `ledger` topic written by a transactional load, and
/// a plan copying it exactly-once with provenance off.
struct LedgerUnderLoad {
    source: Noida,
    destination: Noida,
    stop: Arc<AtomicBool>,
    load: std::thread::JoinHandle<BTreeSet<String>>,
    kdeck: Kdeck,
    config: std::path::PathBuf,
    plan: std::path::PathBuf,
}

fn ledger_under_load() -> LedgerUnderLoad {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic("ledger", PARTITIONS);
    let stop = Arc::new(AtomicBool::new(false));
    let load = transactional_load(source.bootstrap(), "ledger", stop.clone());
    let kdeck = Kdeck::new();
    let body = "name = \"ledger\"\n[engine]\nprovenance = false\ncommit_interval = \"50ms\"\nmax_batch_records = 200\n";
    let (config, plan) = plan_files(&kdeck, &source, &destination, body);
    LedgerUnderLoad { source, destination, stop, load, kdeck, config, plan }
}

/// kill -9 three times while a transactional producer writes, restarting with
/// 1, 4 and 2 lanes, provenance off: transactions and fencing alone keep it exact.
#[test]
fn survives_kill_9_with_provenance_off() {
    let LedgerUnderLoad { source: _source, destination, stop, load, kdeck, config, plan } = ledger_under_load();
    for (round, lanes) in ["1", "4", "2"].into_iter().enumerate() {
        let mut child: Child = replicate(&kdeck, &config, &plan, &["--lanes", lanes]);
        std::thread::sleep(Duration::from_millis(1500 + 500 * round as u64));
        child.kill().expect("kill -9");
        let _ = child.wait();
    }
    stop.store(true, Ordering::Relaxed);
    let kept = load.join().expect("load");
    run_until_caught_up(&kdeck, &config, &plan, &["--lanes", "3"]);
    assert_exactly(&destination.bootstrap(), "ledger", &kept);
    // Every restart came moments after a kill -9, and none waited out the
    // handover: noida fences, and the killed engines checked generations.
    let (skipped, waited) = handovers(&kdeck);
    assert_eq!((skipped >= 3, waited), (true, 0), "handover waits skipped {skipped}, waited {waited}");
}

/// How many starts skipped the handover wait, and how many waited it out, by the log.
fn handovers(kdeck: &Kdeck) -> (usize, usize) {
    let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
    (log.matches("no handover wait").count(), log.matches("waiting for the previous engine to hand over").count())
}

/// A live first engine, stalled (SIGSTOP) across a second engine's start,
/// wakes up after the second fenced it and skipped the handover wait: it
/// must stop as fenced without committing, and the destination holds every
/// committed source record once (provenance off: nothing else would catch a
/// duplicate). The second engine is never fenced. (Restarting the
/// destination broker meanwhile, to make the first engine's lanes open their
/// producers again, is not possible on noida 0.2.3: it forgets producer
/// sequence numbers, so every engine's producer fails fatally.)
#[test]
fn a_stalled_engine_woken_after_a_start_without_the_handover_wait_commits_nothing() {
    let LedgerUnderLoad { source: _source, destination, stop, load, kdeck, config, plan } = ledger_under_load();
    // Its own log, so the second engine's lines are told apart.
    let first_log = kdeck.home.path().join("first.log");
    let first = kdeck
        .command()
        .env("KDECK_LOG", &first_log)
        .args(["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap(), "--lanes", "2"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the first engine");
    std::thread::sleep(Duration::from_millis(2000));
    signal(&first, libc::SIGSTOP);
    let mut second = replicate(&kdeck, &config, &plan, &["--lanes", "2"]);
    let deadline = Instant::now() + Duration::from_secs(60);
    while handovers(&kdeck).0 == 0 {
        assert!(Instant::now() < deadline, "the second engine never started: {}", handovers(&kdeck).1);
        std::thread::sleep(Duration::from_millis(50));
    }
    // The second copies for a while before the first wakes up.
    std::thread::sleep(Duration::from_millis(1500));
    signal(&first, libc::SIGCONT);
    let first = wait_exit(first, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "the first engine must stop: {stderr}");
    assert!(stderr.contains("fenced"), "{stderr}");
    let first_log = std::fs::read_to_string(&first_log).unwrap_or_default();
    eprintln!(
        "first engine after waking: {} lane retries, {} lanes fenced by the generation check",
        first_log.matches("lane retrying").count(),
        first_log.matches("took the plan over").count()
    );
    std::thread::sleep(Duration::from_millis(1000));
    stop.store(true, Ordering::Relaxed);
    let kept = load.join().expect("load");
    signal(&second, libc::SIGTERM);
    let status = second.wait().expect("wait");
    assert!(status.success(), "the second engine was never fenced and stops cleanly on SIGTERM: {status}");
    assert_eq!(handovers(&kdeck), (1, 0), "the second engine skipped the handover wait");
    run_until_caught_up(&kdeck, &config, &plan, &[]);
    assert_exactly(&destination.bootstrap(), "ledger", &kept);
}

fn signal(child: &Child, signal: i32) {
    // SAFETY: kill(2) on a child this test spawned and has not reaped.
    let sent = unsafe { libc::kill(child.id() as i32, signal) };
    assert_eq!(sent, 0, "signal {signal} to {}", child.id());
}

/// Live rescale 1 -> 8 -> 3 while a transactional producer commits and aborts.
#[test]
fn live_rescale_under_transactional_load_with_provenance_off() {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic("ledger", PARTITIONS * 4);
    let stop = Arc::new(AtomicBool::new(false));
    // The load writes partitions 0..3 only; the other 9 stay empty, so 8 lanes have empty partitions too.
    let load = transactional_load(source.bootstrap(), "ledger", stop.clone());
    let handle = engine(
        &source,
        &destination,
        "name = \"ledger\"\n[engine]\nlanes = 1\nprovenance = false\ncommit_interval = \"50ms\"\n",
    );
    handle.start();
    let copying = |s: &EngineStatus| s.state == EngineState::Running && s.records_total() > 0;
    wait_for(&handle, "copying with 1 lane", Duration::from_secs(60), copying);
    for lanes in [8, 3] {
        handle.rescale(lanes);
        let rescaled = wait_for(&handle, "the rescale", Duration::from_secs(60), |s| {
            s.lanes.len() == lanes
                && s.last_rescale.as_ref().is_some_and(|r| r.to == lanes && r.all_copying_after_ms.is_some())
        });
        eprintln!(
            "rescale to {lanes}: all copying after {:?} ms",
            rescaled.last_rescale.and_then(|r| r.all_copying_after_ms)
        );
        std::thread::sleep(Duration::from_millis(1500));
    }
    stop.store(true, Ordering::Relaxed);
    let kept = load.join().expect("load");
    wait_for(&handle, "lag 0", Duration::from_secs(60), lag_is_zero);
    handle.shutdown();
    assert_exactly(&destination.bootstrap(), "ledger", &kept);
}

/// A second engine on the plan fences the first through init_transactions
/// and the generation fence; with provenance off, the copy stays exact.
#[test]
fn a_second_engine_fences_the_first_with_provenance_off() {
    let LedgerUnderLoad { source: _source, destination, stop, load, kdeck, config, plan } = ledger_under_load();
    let first = replicate(&kdeck, &config, &plan, &["--lanes", "2"]);
    std::thread::sleep(Duration::from_millis(2000));
    let mut second = replicate(&kdeck, &config, &plan, &["--lanes", "3"]);
    let first = wait_exit(first, Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&first.stderr);
    assert_eq!(first.status.code(), Some(1), "the first engine must stop: {stderr}");
    assert!(stderr.contains("fenced"), "{stderr}");
    stop.store(true, Ordering::Relaxed);
    let kept = load.join().expect("load");
    std::thread::sleep(Duration::from_millis(1000));
    // SIGTERM: the second engine commits its open transaction and exits; a last run catches up.
    unsafe { libc::kill(second.id() as i32, libc::SIGTERM) };
    let status = second.wait().expect("wait");
    assert!(status.success(), "the second engine stops cleanly on SIGTERM: {status}");
    run_until_caught_up(&kdeck, &config, &plan, &[]);
    assert_exactly(&destination.bootstrap(), "ledger", &kept);
}

/// A consumer group in subscribe mode, reading with read_committed.
fn group_consumer(bootstrap: &str, group: &str) -> BaseConsumer {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .set("isolation.level", "read_committed")
        .create()
        .expect("group consumer");
    consumer.subscribe(&["orders"]).expect("subscribe");
    consumer
}

/// Reads up to `limit` values (until idle), commits what it read, and leaves the group.
fn read_and_commit(bootstrap: &str, group: &str, limit: usize) -> Vec<String> {
    let consumer = group_consumer(bootstrap, group);
    let mut values = Vec::new();
    let mut last = Instant::now();
    while values.len() < limit && last.elapsed() < Duration::from_secs(5) {
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.expect("consume");
            last = Instant::now();
            values.push(String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned());
        }
    }
    if !values.is_empty() {
        consumer.commit_consumer_state(CommitMode::Sync).expect("commit the group's offsets");
    }
    consumer.unsubscribe();
    values
}

/// The reference day on real transactions: an exactly-once producer writes
/// the source, an app's group reads part of it, the engine catches up, a
/// second push lands and is caught up too, `kdeck cutover --apply` moves the
/// group, and the app restarted on the destination reads exactly what it had
/// not read: nothing skipped, nothing twice.
#[test]
fn migration_day_moves_a_real_consumer_group_across_transaction_markers() {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic("orders", PARTITIONS);
    let mut writer = TxnWriter::new(&source.bootstrap(), "orders", "orders-app");
    for _ in 0..30 {
        writer.round(10, 3);
    }
    let read_on_source = read_and_commit(&source.bootstrap(), "billing", 250);
    assert_eq!(read_on_source.len(), 250, "the app reads part of the topic");
    assert!(read_on_source.iter().all(|v| v.starts_with("kept")), "read_committed hides aborted records");

    let kdeck = Kdeck::new();
    let (config, plan) =
        plan_files(&kdeck, &source, &destination, "name = \"orders\"\n[engine]\nlanes = 2\nprovenance = false\n");
    run_until_caught_up(&kdeck, &config, &plan, &[]);
    for _ in 0..20 {
        writer.round(7, 2);
    }
    run_until_caught_up(&kdeck, &config, &plan, &[]);

    let run = kdeck.run(
        &[
            "--config",
            config.to_str().unwrap(),
            "cutover",
            "--plan",
            plan.to_str().unwrap(),
            "--group",
            "billing",
            "--apply",
        ],
        None,
    );
    assert_eq!(run.code, Some(0), "cutover --apply: {}\n{}", run.stderr, run.stdout_text());

    let read_on_destination = read_and_commit(&destination.bootstrap(), "billing", usize::MAX);
    let before: BTreeSet<&String> = read_on_source.iter().collect();
    let after: BTreeSet<&String> = read_on_destination.iter().collect();
    assert_eq!(after.len(), read_on_destination.len(), "the app read a record twice on the destination");
    let twice: Vec<&&String> = before.intersection(&after).take(5).collect();
    assert!(twice.is_empty(), "read again after the cutover: {twice:?}");
    let everything: BTreeSet<&String> = before.union(&after).copied().collect();
    let skipped: Vec<&String> = writer.kept.iter().filter(|v| !everything.contains(v)).take(5).collect();
    assert!(skipped.is_empty(), "never read by the app: {skipped:?}");
    assert_eq!(everything.len(), writer.kept.len());
}

/// `max_batch_records` bounds a transaction: with 1, each copied record is
/// its own transaction, so each takes a commit marker's offset on the destination.
#[test]
fn max_batch_records_bounds_each_transaction() {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic("ledger", 1);
    let records: Vec<crate::support::TestRecord> =
        (0..60).map(|i| crate::support::TestRecord::new(0, None, Some(format!("r{i}").as_bytes()))).collect();
    crate::support::produce(&source.bootstrap(), "ledger", &records);
    let kdeck = Kdeck::new();
    let body = "name = \"ledger\"\n[engine]\nmax_batch_records = 1\n";
    let (config, plan) = plan_files(&kdeck, &source, &destination, body);
    run_until_caught_up(&kdeck, &config, &plan, &[]);
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", destination.bootstrap()).create().expect("consumer");
    let (_, high) = consumer.fetch_watermarks("ledger", 0, Duration::from_secs(5)).expect("watermarks");
    assert_eq!(drain(&destination.bootstrap(), "ledger", Duration::from_millis(1000)).len(), 60);
    assert_eq!(high, 120, "60 records in 60 transactions: 60 records and 60 commit markers");
}

/// What a start without the handover wait rests on, on a broker with Kafka's
/// transaction semantics: the fencing probe proves that noida fences (and
/// the mock, which does not, fails it), and the generation watch reads the
/// state topic up to its end even when the log ends in a transaction marker,
/// which is never handed out as a record.
#[test]
fn the_fencing_probe_and_the_generation_check_on_real_transactions() {
    use kdeck::engine::fence::{destination_fences, probe_id, GenerationWatch};
    use kdeck::engine::state::{LanesRecord, StateUpdate, GENERATION_CHECK_PROTOCOL};
    let (noida, mock) = (Noida::start(), crate::support::MockKafka::new(1));
    let (topic, timeout) = ("_kdeck-p-offsets", Duration::from_secs(10));
    noida.create_topic(topic, 1);
    mock.create_topic(topic, 1);
    let (cluster, mock_cluster) =
        (crate::engine::cluster(&noida.bootstrap()), crate::engine::cluster(mock.bootstrap()));
    assert!(destination_fences(&cluster, &probe_id("p"), topic, timeout), "noida fences");
    assert!(!destination_fences(&mock_cluster, &probe_id("p"), topic, timeout), "the mock does not fence");

    let mut watch = GenerationWatch::start(&cluster, topic, timeout).expect("watch").expect("the topic exists");
    assert_eq!(watch.catch_up(timeout).expect("catch up"), None);
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", noida.bootstrap())
        .set("transactional.id", "another-engine")
        .create()
        .expect("transactional producer");
    producer.init_transactions(timeout).expect("init_transactions");
    let send_in_transaction = |update: StateUpdate, commit: bool| {
        let (key, value) = update.encode();
        producer.begin_transaction().expect("begin");
        let record = BaseRecord::<[u8], [u8]>::to(topic).key(&key[..]);
        let record = match value.as_deref() {
            Some(value) => record.payload(value),
            None => record,
        };
        producer.send(record).map_err(|(err, _)| err).expect("send");
        if commit {
            producer.commit_transaction(timeout).expect("commit");
        } else {
            producer.abort_transaction(timeout).expect("abort");
        }
    };
    let newer = LanesRecord { max_lanes_ever: 2, generation: 7, protocol: GENERATION_CHECK_PROTOCOL };
    send_in_transaction(StateUpdate::Lanes(newer), true);
    assert_eq!(watch.catch_up(timeout).expect("catch up past a commit marker"), Some(7));
    send_in_transaction(StateUpdate::FenceProbe, false);
    assert_eq!(watch.catch_up(timeout).expect("catch up past an abort marker"), Some(7));
    assert_eq!(watch.newest_generation().expect("newest"), Some(7), "a caller that polls later still learns of it");
}
