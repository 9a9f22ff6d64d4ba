//! `kdeck verify` and `kdeck cutover` on a migration another runner copies,
//! at least once. No Replicator jar can run here, so a plain consume -> produce
//! loop in the test is the "replicator": it copies key, value, headers and
//! timestamp (as Confluent Replicator and MirrorMaker 2 do) and commits its
//! source positions to its consumer group on the **source** cluster, as
//! Replicator does with `offset.topic.commit=true`, its default (Confluent's
//! Replicator configuration reference). Like any Connect source task it commits
//! only now and then, after its producer flushed: killed between two commits,
//! it resumes from the last one and copies that stretch again. That is the
//! redelivery these tests inject.
//!
//! Broker: noida-db, on purpose. Verify's "in flight" depends on exact
//! watermarks and ends of partition (tansu's high watermark is wrong under
//! batching), the runner's positions are a group's OffsetCommit for a group
//! that never joins (noida answers it), and the cutover test needs a real
//! consumer group on the source and ListOffsets by timestamp. The mock would
//! hold the data (it keeps 100,000 records a partition) but proves nothing
//! about offsets here that noida does not.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use crate::support::{produce, send_copy, write_plan, Kdeck, Noida, TestRecord};

const TOPIC: &str = "orders";
const PARTITIONS: i32 = 3;
const GROUP: &str = "replicator-2";
const PATIENCE: Duration = Duration::from_secs(90);

/// An at-least-once copier: from given source positions, to the destination.
struct Copier {
    consumer: BaseConsumer,
    producer: ThreadedProducer<DefaultProducerContext>,
    next: BTreeMap<i32, i64>,
}

impl Copier {
    /// Starts where the group last committed on the source (0 where it never did),
    /// as a restarted Replicator task does.
    fn resume(source: &str, destination: &str) -> Copier {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", source)
            .set("group.id", GROUP)
            .set("enable.auto.commit", "false")
            .create()
            .expect("copier consumer");
        let mut asked = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            asked.add_partition(TOPIC, p);
        }
        let committed = consumer.committed_offsets(asked, Duration::from_secs(10)).expect("committed offsets");
        let next: BTreeMap<i32, i64> = (0..PARTITIONS)
            .map(|p| {
                let offset = committed.find_partition(TOPIC, p).map(|e| e.offset());
                (p, if let Some(Offset::Offset(n)) = offset { n } else { 0 })
            })
            .collect();
        let producer = ClientConfig::new().set("bootstrap.servers", destination).create().expect("copier producer");
        Copier { consumer, producer, next }
    }

    /// Copies each partition up to (not including) its `upto` offset, then flushes.
    fn copy_to(&mut self, upto: &BTreeMap<i32, i64>) {
        // Assigned afresh at each call from the positions copied so far: records
        // read past the last `upto` were not copied and are read again.
        let mut list = TopicPartitionList::new();
        for (p, offset) in &self.next {
            list.add_partition_offset(TOPIC, *p, Offset::Offset(*offset)).unwrap();
        }
        self.consumer.assign(&list).expect("assign");
        let deadline = Instant::now() + PATIENCE;
        while self.next.iter().any(|(p, next)| next < &upto[p]) {
            assert!(Instant::now() < deadline, "the copier did not reach {upto:?}: {:?}", self.next);
            let Some(message) = self.consumer.poll(Duration::from_millis(100)) else { continue };
            let message = message.expect("copier read");
            let partition = message.partition();
            if message.offset() >= upto[&partition] {
                continue;
            }
            send_copy(&self.producer, TOPIC, &message);
            self.next.insert(partition, message.offset() + 1);
        }
        self.producer.flush(Duration::from_secs(30)).expect("copier flush");
    }
}

/// The runner's positions, committed the way Replicator commits them.
fn commit(source: &str, positions: &[(i32, i64)]) {
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", source).set("group.id", GROUP).create().unwrap();
    let mut list = TopicPartitionList::new();
    for (p, offset) in positions {
        list.add_partition_offset(TOPIC, *p, Offset::Offset(*offset)).unwrap();
    }
    consumer.commit(&list, CommitMode::Sync).expect("commit the Replicator group's offsets");
}

fn upto(offset: i64) -> BTreeMap<i32, i64> {
    (0..PARTITIONS).map(|p| (p, offset)).collect()
}

/// 300 records a partition, each with a header and its own timestamp, rising
/// with its offset as a producer's clock does (recent: noida's retention
/// deletes old timestamps).
fn produce_source(bootstrap: &str) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as i64;
    let records: Vec<TestRecord> = (0..300 * PARTITIONS as usize)
        .map(|i| {
            let mut record = TestRecord::new(i as i32 % PARTITIONS, Some(b"k"), Some(format!("order-{i}").as_bytes()));
            record.headers = vec![("trace".into(), Some(format!("t-{i}").into_bytes()))];
            record.timestamp = Some(now - 60_000 + i as i64);
            record
        })
        .collect();
    produce(bootstrap, TOPIC, &records);
}

struct Estate {
    source: Noida,
    destination: Noida,
    kdeck: Kdeck,
    config: std::path::PathBuf,
    plan: std::path::PathBuf,
}

impl Estate {
    fn start() -> Estate {
        Estate::with_runner(&format!("[runner]\nkind = \"replicator\"\ngroup = \"{GROUP}\"\n"))
    }

    fn with_runner(runner: &str) -> Estate {
        let (source, destination) = (Noida::start(), Noida::start());
        source.create_topic(TOPIC, PARTITIONS);
        destination.create_topic(TOPIC, PARTITIONS);
        produce_source(&source.bootstrap());
        let kdeck = Kdeck::new();
        let (config, plan) = write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), runner);
        Estate { source, destination, kdeck, config, plan }
    }

    fn kdeck(&self, command: &str, extra: &[&str]) -> (Option<i32>, String, String) {
        let (config, plan) = (self.config.to_str().unwrap(), self.plan.to_str().unwrap());
        let mut args = vec!["--config", config, command, "--plan", plan];
        args.extend_from_slice(extra);
        let run = self.kdeck.run(&args, None);
        (run.code, run.stdout_text(), run.stderr.clone())
    }
}

#[test]
fn verify_on_a_replicator_copy_explains_lag_by_its_group_and_names_redelivered_duplicates() {
    let estate = Estate::start();
    let (source, destination) = (estate.source.bootstrap(), estate.destination.bootstrap());

    // Copied 200 of 300 a partition, positions committed: the rest is in flight, by the runner's own word.
    let mut copier = Copier::resume(&source, &destination);
    copier.copy_to(&upto(200));
    commit(&source, &[(0, 200), (1, 200), (2, 200)]);
    let (code, stdout, stderr) = estate.kdeck("verify", &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("duplicates 0  lag 300  explained"), "{stdout}");
    assert!(stdout.contains("the replicator runner's recorded position is offset 200"), "{stdout}");

    // A position ahead of what the destination holds is not lag: never a false pass.
    commit(&source, &[(1, 250)]);
    let (code, stdout, stderr) = estate.kdeck("verify", &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("[1] note: 100 records missing: source offsets 200..=299 are not on the destination, though the replicator runner's recorded position says it copied everything below offset 250"),
        "{stdout}"
    );
    commit(&source, &[(1, 200)]);

    // The copier goes on to 260 and commits partitions 0 and 1; it is killed
    // before partition 2's commit, restarts from 200 there and copies 200..=259 again.
    copier.copy_to(&upto(260));
    commit(&source, &[(0, 260), (1, 260)]);
    drop(copier);
    let mut restarted = Copier::resume(&source, &destination);
    assert_eq!(restarted.next, BTreeMap::from([(0, 260), (1, 260), (2, 200)]));
    restarted.copy_to(&upto(300));
    commit(&source, &[(0, 300), (1, 300), (2, 300)]);
    drop(restarted);

    let (code, stdout, stderr) = estate.kdeck("verify", &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("source 900  destination 960  duplicates 60  lag 0  MISMATCH"), "{stdout}");
    assert!(
        stdout.contains(
            "    [2] duplicates: destination offsets 260..=319 repeat source offsets 200..=259, first copied at destination offset 200 (60 records)\n"
        ),
        "{stdout}"
    );
    assert!(!stdout.contains("[0] ") && !stdout.contains("[1] "), "partitions 0 and 1 are clean: {stdout}");
    assert!(
        stderr.contains(
            "60 duplicate records: 60 in orders [2] (destination offsets 260..=319 repeat source offsets 200..=259)"
        ),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let (code, stdout, _) = estate.kdeck("verify", &["--json"]);
    assert_eq!(code, Some(1));
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let partition = &report["topics"][0]["partitions"][2];
    assert_eq!((partition["partition"].as_i64(), partition["duplicates"].as_u64()), (Some(2), Some(60)));
    let range = &partition["duplicate_ranges"][0];
    let got: Vec<i64> = ["destination_first", "destination_last", "source_first", "source_last", "records"]
        .iter()
        .map(|field| range[field].as_i64().unwrap())
        .collect();
    assert_eq!(got, [260, 319, 200, 259, 60]);
}

#[test]
fn verify_passes_a_clean_at_least_once_copy() {
    let estate = Estate::start();
    let (source, destination) = (estate.source.bootstrap(), estate.destination.bootstrap());
    let mut copier = Copier::resume(&source, &destination);
    copier.copy_to(&upto(300));
    commit(&source, &[(0, 300), (1, 300), (2, 300)]);
    drop(copier);
    let (code, stdout, stderr) = estate.kdeck("verify", &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("source 900  destination 900  duplicates 0  lag 0  match"), "{stdout}");
    assert!(stdout.contains("result: match (1 topics compared)"), "{stdout}");
}

/// Copies with one redelivery on partition 2: destination 260..=319 repeat source 200..=259.
fn copy_with_a_redelivery(source: &str, destination: &str) {
    let mut copier = Copier::resume(source, destination);
    copier.copy_to(&upto(260));
    commit(source, &[(0, 260), (1, 260), (2, 200)]);
    drop(copier);
    let mut restarted = Copier::resume(source, destination);
    restarted.copy_to(&upto(300));
    commit(source, &[(0, 300), (1, 300), (2, 300)]);
}

/// A real member of `group` on the source: joins, reads up to `until` on each
/// partition, commits what it read, and leaves.
fn consume_and_commit(bootstrap: &str, group: &str, until: &BTreeMap<i32, i64>) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("group member");
    consumer.subscribe(&[TOPIC]).expect("subscribe");
    let mut read: BTreeMap<i32, i64> = (0..PARTITIONS).map(|p| (p, 0)).collect();
    let deadline = Instant::now() + PATIENCE;
    while read.iter().any(|(p, next)| next < &until[p]) {
        assert!(Instant::now() < deadline, "the group member did not reach {until:?}: {read:?}");
        let Some(message) = consumer.poll(Duration::from_millis(100)) else { continue };
        let message = message.expect("group member read");
        let partition = message.partition();
        if message.offset() < until[&partition] {
            read.insert(partition, message.offset() + 1);
        }
    }
    let mut list = TopicPartitionList::new();
    for (p, next) in &read {
        list.add_partition_offset(TOPIC, *p, Offset::Offset(*next)).unwrap();
    }
    consumer.commit(&list, CommitMode::Sync).expect("the member commits");
    consumer.unsubscribe();
}

/// The value of the record at `offset`, read the way a consumer resuming there reads it.
fn value_at(bootstrap: &str, partition: i32, offset: i64) -> Vec<u8> {
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", bootstrap).set("group.id", "value-at").create().unwrap();
    let mut list = TopicPartitionList::new();
    list.add_partition_offset(TOPIC, partition, Offset::Offset(offset)).unwrap();
    consumer.assign(&list).unwrap();
    let deadline = Instant::now() + PATIENCE;
    loop {
        assert!(Instant::now() < deadline, "no record at {TOPIC} [{partition}] offset {offset}");
        if let Some(message) = consumer.poll(Duration::from_millis(100)) {
            let message = message.expect("read");
            return message.payload().unwrap_or_default().to_vec();
        }
    }
}

#[test]
fn cutover_of_a_replicator_copy_translates_by_timestamp_marked_approximate() {
    let estate = Estate::start();
    let (source, destination) = (estate.source.bootstrap(), estate.destination.bootstrap());
    copy_with_a_redelivery(&source, &destination);
    // The application's group: partway on 0, at the end on 1, inside the redelivered stretch on 2.
    let until = BTreeMap::from([(0, 100), (1, 300), (2, 230)]);
    consume_and_commit(&source, "billing", &until);

    let (code, stdout, stderr) = estate.kdeck("cutover", &["--group", "billing", "--json"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let result: Value = serde_json::from_str(&stdout).unwrap();
    let rows: Vec<(i64, i64, String, Option<i64>)> = result["partitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let method = row["method"].as_str().unwrap().to_string();
            (
                row["source_committed"].as_i64().unwrap(),
                row["destination_offset"].as_i64().unwrap(),
                method,
                row["lag"].as_i64(),
            )
        })
        .collect();
    // Timestamps rise with offsets, so each lands on the first copy of the committed
    // record: on partition 2 the original at 230, not the redelivered copy at 290.
    // Lag is the runner's own: its group committed 300 everywhere.
    let timestamp = || "timestamp".to_string();
    assert_eq!(
        rows,
        [(100, 100, timestamp(), Some(0)), (300, 300, timestamp(), Some(0)), (230, 230, timestamp(), Some(0))]
    );

    let (code, stdout, stderr) = estate.kdeck("cutover", &["--group", "billing"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("timestamp (approximate)"), "{stdout}");
    assert!(stdout.contains("approximate: 3 of 3 partitions translated by timestamp"), "{stdout}");

    // Applied, a consumer of the group on the destination resumes on the record it would have read next.
    let (code, stdout, stderr) = estate.kdeck("cutover", &["--group", "billing", "--apply"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("committed 3 offsets for group billing"), "{stdout}");
    for (partition, offset) in [(0, 100), (2, 230)] {
        assert_eq!(value_at(&destination, partition, offset), value_at(&source, partition, offset), "[{partition}]");
    }
    let consumer: BaseConsumer =
        ClientConfig::new().set("bootstrap.servers", &destination).set("group.id", "billing").create().unwrap();
    let mut asked = TopicPartitionList::new();
    for p in 0..PARTITIONS {
        asked.add_partition(TOPIC, p);
    }
    let committed = consumer.committed_offsets(asked, Duration::from_secs(10)).unwrap();
    let got: Vec<Offset> = (0..PARTITIONS).map(|p| committed.find_partition(TOPIC, p).unwrap().offset()).collect();
    assert_eq!(got, [Offset::Offset(100), Offset::Offset(300), Offset::Offset(230)]);
}

/// MirrorMaker 2's positions, written as its Connect worker writes them to its
/// offsets topic on the target (see tests/it/watch.rs for the format's sources):
/// key `["MirrorSourceConnector",{"cluster":..,"partition":..,"topic":..}]`,
/// value `{"offset": last copied}`, or null to reset the partition.
fn record_mm2(destination: &str, positions: &[(i32, Option<i64>)]) {
    let records: Vec<TestRecord> = positions
        .iter()
        .map(|(p, next)| {
            let key = format!(r#"["MirrorSourceConnector",{{"cluster":"source","partition":{p},"topic":"{TOPIC}"}}]"#);
            let value = next.map(|next| format!(r#"{{"offset":{}}}"#, next - 1));
            let mut record = TestRecord::new(0, Some(key.as_bytes()), value.as_deref().map(str::as_bytes));
            record.partition = None;
            record
        })
        .collect();
    produce(destination, "mm2-offsets.source.internal", &records);
}

#[test]
fn verify_on_an_mm2_copy_explains_lag_by_its_offsets_topic_and_a_reset_is_not_lag() {
    let estate = Estate::with_runner("[runner]\nkind = \"mirrormaker2\"\n");
    let (source, destination) = (estate.source.bootstrap(), estate.destination.bootstrap());
    estate.destination.create_topic("mm2-offsets.source.internal", 5);
    let mut copier = Copier::resume(&source, &destination);
    copier.copy_to(&upto(200));
    record_mm2(&destination, &[(0, Some(200)), (1, Some(200)), (2, Some(200))]);
    let (code, stdout, stderr) = estate.kdeck("verify", &[]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("duplicates 0  lag 300  explained"), "{stdout}");
    assert!(stdout.contains("the mirrormaker2 runner's recorded position is offset 200"), "{stdout}");
    // A reset (tombstone) leaves MM2 no position there: the tail is missing, not in flight.
    record_mm2(&destination, &[(1, None)]);
    let (code, stdout, stderr) = estate.kdeck("verify", &[]);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("[1] note: 100 records missing"), "{stdout}");
    assert!(stdout.contains("the mirrormaker2 runner records no position for this partition"), "{stdout}");
}
