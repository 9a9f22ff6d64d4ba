//! `kdeck cutover` against real brokers: offsets translated after the engine
//! copied a source with transactions (committed and aborted), so a consumer at
//! source offset X resumes at the destination on the same record; refusals
//! for lag (mock) and for a destination group with members (tansu).

use std::path::Path;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use crate::support::{drain, write_plan, Kdeck, MockKafka, ReadRecord, Tansu, TestRecord};

const PARTITIONS: i32 = 3;

/// Rounds of a committed transaction then an aborted one, per partition.
fn produce_with_transactions(bootstrap: &str, topic: &str, rounds: usize) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("transactional.id", "cutover-test-source")
        .create()
        .expect("transactional producer");
    let timeout = Duration::from_secs(10);
    producer.init_transactions(timeout).expect("init_transactions");
    for round in 0..rounds {
        for (kind, count) in [("kept", 4), ("aborted", 3)] {
            producer.begin_transaction().expect("begin");
            for i in 0..count {
                for p in 0..PARTITIONS {
                    // Large and compressible: the source's retention drops its oldest records,
                    // so source and destination offsets differ.
                    let value = format!("{kind}-{round}-{i}-{p}-{}", "x".repeat(200_000));
                    let record = BaseRecord::<(), String>::to(topic).partition(p).payload(&value);
                    producer.send(record).map_err(|(err, _)| err).expect("send");
                }
            }
            producer.flush(timeout).expect("flush");
            if kind == "kept" {
                producer.commit_transaction(timeout).expect("commit");
            } else {
                producer.abort_transaction(timeout).expect("abort");
            }
        }
    }
}

fn commit_source_group(bootstrap: &str, group: &str, topic: &str, offsets: &[(i32, i64)]) {
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", bootstrap).set("group.id", group).create().expect("consumer");
    let mut list = TopicPartitionList::new();
    for &(p, offset) in offsets {
        list.add_partition_offset(topic, p, Offset::Offset(offset)).unwrap();
    }
    consumer.commit(&list, CommitMode::Sync).expect("commit source group offsets");
}

fn cutover(kdeck: &Kdeck, config: &Path, plan: &Path, group: &str, extra: &[&str]) -> (Option<i32>, Value, String) {
    let mut args = vec!["--config", config.to_str().unwrap(), "cutover", "--plan", plan.to_str().unwrap()];
    args.extend(["--group", group, "--json"]);
    args.extend(extra);
    let run = kdeck.run(&args, None);
    let json = serde_json::from_slice(&run.stdout).unwrap_or(Value::Null);
    (run.code, json, run.stderr)
}

/// The value a consumer reads first when it starts at `offset`.
fn first_value_from(records: &[ReadRecord], partition: i32, offset: i64) -> Option<Vec<u8>> {
    records.iter().find(|r| r.partition == partition && r.offset >= offset).and_then(|r| r.value.clone())
}

/// A mock source with 40 records on two partitions of `orders`, copied by the
/// engine to a tansu destination (which has OffsetCommit and DescribeGroups),
/// with the source group `billing` at offsets 7 and 20.
pub(crate) struct CopiedToTansu {
    pub source: MockKafka,
    pub destination: Tansu,
    pub kdeck: Kdeck,
    pub config: std::path::PathBuf,
    pub plan: std::path::PathBuf,
}

pub(crate) fn copied_to_tansu(plan_name: &str) -> CopiedToTansu {
    let source = MockKafka::new(1);
    let destination = Tansu::start();
    source.create_topic("orders", 2);
    let records: Vec<TestRecord> =
        (0..40).map(|i| TestRecord::new(i % 2, None, Some(format!("order-{i}").as_bytes()))).collect();
    source.produce("orders", &records);
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(
        kdeck.home.path(),
        source.bootstrap(),
        &destination.bootstrap(),
        &format!("name = \"{plan_name}\"\n[engine]\nmode = \"at-least-once\"\n"),
    );
    replicate(&kdeck, &config, &plan);
    commit_source_group(source.bootstrap(), "billing", "orders", &[(0, 7), (1, 20)]);
    CopiedToTansu { source, destination, kdeck, config, plan }
}

fn replicate(kdeck: &Kdeck, config: &Path, plan: &Path) {
    let run = kdeck.run(
        &["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap(), "--exit-when-caught-up"],
        None,
    );
    assert_eq!(run.code, Some(0), "replicate: {}", run.stderr);
}

/// The source holds committed and aborted transactions, but the mock writes no
/// transaction markers (and tansu 0.6 cannot commit one), so the offset shift
/// this test proves translation across comes from source retention; the
/// marker gaps themselves are covered by the unit tests of the search.
#[test]
fn translation_is_exact_across_transactions_and_retention_and_lag_is_refused() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("ledger", PARTITIONS);
    destination.create_topic("ledger", PARTITIONS);
    produce_with_transactions(source.bootstrap(), "ledger", 6);
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(
        kdeck.home.path(),
        source.bootstrap(),
        destination.bootstrap(),
        "name = \"ledger\"\n[engine]\nlanes = 2\nmax_batch_records = 5\n",
    );
    // The copy is compressed, so the destination keeps all of it.
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\"compression.type\" = \"lz4\"\n");
    std::fs::write(&config, text).unwrap();
    replicate(&kdeck, &config, &plan);
    let idle = Duration::from_millis(1500);
    let (source_records, destination_records) =
        (drain(source.bootstrap(), "ledger", idle), drain(destination.bootstrap(), "ledger", idle));
    // The mock has no transaction isolation and writes no markers: aborted records
    // stay readable there. Retention makes the offsets differ instead.
    assert!(!source_records.is_empty());
    let source_offsets: Vec<i64> = source_records.iter().filter(|r| r.partition == 0).map(|r| r.offset).collect();
    let destination_offsets: Vec<i64> =
        destination_records.iter().filter(|r| r.partition == 0).map(|r| r.offset).collect();
    eprintln!("source offsets of partition 0: {source_offsets:?}");
    eprintln!("destination offsets of partition 0: {destination_offsets:?}");
    assert_ne!(source_offsets.first(), destination_offsets.first(), "source retention shifts the offsets");
    let (source_start, source_end) = (source_offsets[0], source_offsets.last().copied().unwrap() + 2);

    // One group per starting point, each partition at a different offset: before the
    // source's first record, on records, and past the end.
    for step in 0..=((source_end - source_start) / 4 + 1) {
        let group = format!("app-{step}");
        let offsets: Vec<(i32, i64)> =
            (0..PARTITIONS).map(|p| (p, (source_start - 1 + step * 4 + i64::from(p)).min(source_end))).collect();
        let started = Instant::now();
        commit_source_group(source.bootstrap(), &group, "ledger", &offsets);
        let (code, result, stderr) = cutover(&kdeck, &config, &plan, &group, &[]);
        assert_eq!(code, Some(0), "dry run: {stderr}");
        eprintln!("cutover dry run of {group} took {:?}", started.elapsed());
        assert_eq!(result["applied"], false);
        for row in result["partitions"].as_array().expect("rows") {
            let p = row["partition"].as_i64().unwrap() as i32;
            let (at_source, at_destination) =
                (row["source_committed"].as_i64().unwrap(), row["destination_offset"].as_i64().unwrap());
            assert_eq!(row["method"], "provenance", "{row}");
            assert_eq!(row["lag"], 0, "{row}");
            assert_eq!(
                first_value_from(&destination_records, p, at_destination),
                first_value_from(&source_records, p, at_source),
                "group {group} [{p}]: source offset {at_source} and destination offset {at_destination} resume on different records"
            );
        }
    }

    // More source records, engine stopped: lag > 0 is refused, and --force does not skip the member check.
    source.produce("ledger", &[TestRecord::new(0, None, Some(b"late"))]);
    let (code, result, stderr) = cutover(&kdeck, &config, &plan, "app-1", &["--apply"]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("replication lag on ledger [0] is 1") && stderr.contains("--force"), "{stderr}");
    assert_eq!(result["applied"], false);
    let (code, _, stderr) = cutover(&kdeck, &config, &plan, "app-1", &["--apply", "--force"]);
    assert_eq!(code, Some(1), "the mock cannot describe groups, so membership is unknown: {stderr}");
    assert!(stderr.contains("cannot tell whether it has active members"), "{stderr}");

    let (code, _, stderr) = cutover(&kdeck, &config, &plan, "never-committed", &[]);
    assert_eq!(code, Some(2), "a group with nothing committed is a usage error: {stderr}");
}

#[test]
fn cutover_applies_on_tansu_and_refuses_a_destination_group_with_members() {
    let CopiedToTansu { source, destination, kdeck, config, plan } = copied_to_tansu("to-tansu");

    let (code, result, stderr) = cutover(&kdeck, &config, &plan, "billing", &["--apply"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(result["applied"], true, "{result:#}");
    let copied = drain(&destination.bootstrap(), "orders", Duration::from_millis(1500));
    let at_source = drain(source.bootstrap(), "orders", Duration::from_millis(1500));
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", destination.bootstrap())
        .set("group.id", "billing")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition("orders", 0);
    list.add_partition("orders", 1);
    let committed = consumer.committed_offsets(list, Duration::from_secs(10)).expect("committed offsets");
    for (p, source_offset) in [(0, 7), (1, 20)] {
        let Offset::Offset(offset) = committed.find_partition("orders", p).unwrap().offset() else {
            panic!("nothing committed on orders [{p}]");
        };
        assert_eq!(first_value_from(&copied, p, offset), first_value_from(&at_source, p, source_offset), "[{p}]");
    }
    assert!(std::fs::read_to_string(kdeck.home.path().join("state/kdeck/journal/to-tansu.jsonl"))
        .is_ok_and(|journal| journal.contains("\"cutover\"")));

    // A live member of the group on the destination: cutover refuses, --force or not.
    let member: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", destination.bootstrap())
        .set("group.id", "billing")
        .set("enable.auto.commit", "false")
        .create()
        .unwrap();
    member.subscribe(&["orders"]).unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while member.assignment().map_or(0, |a| a.count()) == 0 {
        assert!(Instant::now() < deadline, "the member never joined the group on tansu");
        let _ = member.poll(Duration::from_millis(200));
    }
    let (code, result, stderr) = cutover(&kdeck, &config, &plan, "billing", &["--apply", "--force"]);
    let _ = member.poll(Duration::from_millis(10));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("1 active member(s)"), "{stderr}");
    assert_eq!(result["applied"], false);
}

#[test]
fn cutover_apply_commits_nothing_when_its_journal_cannot_be_written() {
    let CopiedToTansu { source: _source, destination, kdeck, config, plan } = copied_to_tansu("unjournaled");
    // A journal directory below a regular file cannot be created, whoever runs the test.
    let blocker = kdeck.home.path().join("not-a-dir");
    std::fs::write(&blocker, "").unwrap();
    let mut command = kdeck.command();
    command.env("KDECK_JOURNAL_DIR", blocker.join("journal")).args([
        "--config",
        config.to_str().unwrap(),
        "cutover",
        "--plan",
        plan.to_str().unwrap(),
        "--group",
        "billing",
        "--apply",
    ]);
    let run = crate::support::run(command, None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("nothing committed for group billing"), "{}", run.stderr);
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", destination.bootstrap())
        .set("group.id", "billing")
        .create()
        .unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition("orders", 0);
    list.add_partition("orders", 1);
    let committed = consumer.committed_offsets(list, Duration::from_secs(10)).expect("committed offsets");
    for p in [0, 1] {
        let offset = committed.find_partition("orders", p).unwrap().offset();
        assert!(!matches!(offset, Offset::Offset(_)), "orders [{p}] was committed: {offset:?}");
    }
}
