//! `kdeck watch` on runners kdeck does not run. No Replicator or MirrorMaker 2
//! jar can run here, so each test writes the runner's positions exactly where
//! and how that runner writes them, while a plain consumer -> producer loop in
//! the test really copies the records:
//!
//! - Confluent Replicator commits its source positions for its consumer group
//!   (`src.consumer.group.id`, with `offset.topic.commit=true`, the default) on
//!   the **source** cluster, as any Kafka consumer commits (docs.confluent.io,
//!   Replicator configuration reference: "offset.topic.commit"). Written here
//!   with a real librdkafka consumer's OffsetCommit.
//! - MirrorMaker 2 keeps them in its Connect offsets topic on the target,
//!   `mm2-offsets.<source alias>.internal`, key `["<connector>",{"cluster":..,
//!   "partition":..,"topic":..}]` (Connect's `OffsetStorageWriter`: `[namespace,
//!   partition]`), value `{"offset": <last copied offset>}` (apache/kafka
//!   `connect/mirror/.../MirrorUtils.java` `wrapPartition`/`wrapOffset`;
//!   `MirrorSourceTask.initializeConsumer` resumes at offset + 1).
//! - A Connect connector's offsets through KIP-875 `GET /connectors/{name}/offsets`:
//!   `{"offsets":[{"partition":{...},"offset":{"offset":N}}]}` (KIP-875's
//!   MirrorMaker 2 example). tests/support has no Connect stand-in, so the test
//!   serves that one route with kdeck's own HTTP server, from the copy loop's positions.
//!
//! Broker: noida-db, on purpose. Lag is high watermark minus position, and
//! tansu's high watermark is wrong under batching; noida's is right. noida also
//! answers OffsetCommit/OffsetFetch for a group that never joins and creates
//! topics (the MM2 offsets topic) through CreateTopics. The mock would do for
//! lag but keeps at most 100,000 records per partition and has no CreateTopics.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::message::Message;
use rdkafka::producer::{DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};
use serde_json::Value;

use crate::support::{free_port, produce, send_copy, write_plan, Kdeck, Noida, TestRecord};

pub(crate) const TOPIC: &str = "orders";
pub(crate) const PARTITIONS: i32 = 2;
/// How long a wait for an event may last before the test fails (never asserted as a speed).
const PATIENCE: Duration = Duration::from_secs(90);

/// The "replicator": reads the source from its positions, writes the destination.
pub(crate) struct CopyLoop {
    consumer: BaseConsumer,
    producer: ThreadedProducer<DefaultProducerContext>,
    pub(crate) next: BTreeMap<i32, i64>,
}

impl CopyLoop {
    pub(crate) fn new(source: &str, destination: &str) -> CopyLoop {
        let consumer: BaseConsumer = ClientConfig::new()
            .set("bootstrap.servers", source)
            .set("group.id", "copy-loop-reader")
            .set("enable.auto.commit", "false")
            .create()
            .expect("copy loop consumer");
        let producer = ClientConfig::new().set("bootstrap.servers", destination).create().expect("copy loop producer");
        let mut list = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            list.add_partition_offset(TOPIC, p, Offset::Offset(0)).unwrap();
        }
        consumer.assign(&list).expect("assign");
        CopyLoop { consumer, producer, next: (0..PARTITIONS).map(|p| (p, 0)).collect() }
    }

    /// Copies until every partition's next offset reached `upto`.
    pub(crate) fn copy_to(&mut self, upto: i64) {
        let deadline = Instant::now() + PATIENCE;
        while self.next.values().any(|next| *next < upto) {
            assert!(Instant::now() < deadline, "the copy loop did not reach {upto}: {:?}", self.next);
            let Some(message) = self.consumer.poll(Duration::from_millis(100)) else { continue };
            let message = message.expect("copy loop read");
            let partition = message.partition();
            if message.offset() >= upto {
                continue;
            }
            send_copy(&self.producer, TOPIC, &message);
            self.next.insert(partition, message.offset() + 1);
            if message.offset() + 1 == upto {
                self.consumer.pause(&partition_list(partition)).expect("pause");
            }
        }
        self.producer.flush(Duration::from_secs(30)).expect("copy loop flush");
        let mut all = TopicPartitionList::new();
        for p in 0..PARTITIONS {
            all.add_partition(TOPIC, p);
        }
        self.consumer.resume(&all).expect("resume");
    }
}

fn partition_list(partition: i32) -> TopicPartitionList {
    let mut list = TopicPartitionList::new();
    list.add_partition(TOPIC, partition);
    list
}

pub(crate) fn produce_source(bootstrap: &str, per_partition: usize) {
    let records: Vec<TestRecord> = (0..per_partition * PARTITIONS as usize)
        .map(|i| TestRecord::new(i as i32 % PARTITIONS, Some(b"k"), Some(format!("value-{i}").as_bytes())))
        .collect();
    produce(bootstrap, TOPIC, &records);
}

/// How a runner records positions, written the way that runner writes them.
pub(crate) enum Runner {
    Replicator { source: String, group: String },
    MirrorMaker2 { destination: String },
    Connect { positions: Arc<Mutex<BTreeMap<i32, i64>>> },
}

impl Runner {
    pub(crate) fn record(&self, next: &BTreeMap<i32, i64>) {
        match self {
            Runner::Replicator { source, group } => {
                let consumer: BaseConsumer =
                    ClientConfig::new().set("bootstrap.servers", source).set("group.id", group).create().unwrap();
                let mut list = TopicPartitionList::new();
                for (p, offset) in next {
                    list.add_partition_offset(TOPIC, *p, Offset::Offset(*offset)).unwrap();
                }
                consumer.commit(&list, CommitMode::Sync).expect("commit the Replicator group's offsets");
            }
            Runner::MirrorMaker2 { destination } => {
                let mut records: Vec<TestRecord> = next
                    .iter()
                    .map(|(p, offset)| {
                        let key = format!(
                            r#"["MirrorSourceConnector",{{"cluster":"source","partition":{p},"topic":"{TOPIC}"}}]"#
                        );
                        let value = format!(r#"{{"offset":{}}}"#, offset - 1);
                        keyed(&key, Some(&value))
                    })
                    .collect();
                // What else lives in that topic: another alias, a checkpoint, a heartbeat, a reset.
                records.push(keyed(
                    r#"["MirrorSourceConnector",{"cluster":"eu","partition":0,"topic":"orders"}]"#,
                    Some(r#"{"offset":1}"#),
                ));
                records.push(keyed(
                    r#"["MirrorCheckpointConnector",{"group":"billing","partition":0,"topic":"orders"}]"#,
                    Some(r#"{"offset":5}"#),
                ));
                records.push(keyed(r#"["MirrorHeartbeatConnector",{"sourceClusterAlias":"source","targetClusterAlias":"destination"}]"#, Some(r#"{"offset":0}"#)));
                records.push(keyed(
                    r#"["MirrorSourceConnector",{"cluster":"source","partition":0,"topic":"retired"}]"#,
                    None,
                ));
                produce(destination, "mm2-offsets.source.internal", &records);
            }
            Runner::Connect { positions } => *positions.lock().unwrap() = next.clone(),
        }
    }
}

fn keyed(key: &str, value: Option<&str>) -> TestRecord {
    let mut record = TestRecord::new(0, Some(key.as_bytes()), value.map(str::as_bytes));
    record.partition = None;
    record
}

/// A `kdeck watch --json` process and its reports, line by line.
struct Watching {
    child: Child,
    reports: Receiver<Value>,
    metrics: String,
}

impl Watching {
    fn start(kdeck: &Kdeck, config: &Path, plan: &Path) -> Watching {
        let metrics = format!("127.0.0.1:{}", free_port());
        let mut child = kdeck
            .command()
            .args(["--config", config.to_str().unwrap(), "watch", "--plan", plan.to_str().unwrap()])
            .args(["--json", "--interval", "300ms", "--stall-after", "2s", "--metrics", &metrics])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kdeck watch");
        let stdout = child.stdout.take().unwrap();
        let (send, reports) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { return };
                let report: Value = serde_json::from_str(&line).unwrap_or_else(|err| panic!("{err}: {line}"));
                if send.send(report).is_err() {
                    return;
                }
            }
        });
        Watching { child, reports, metrics }
    }

    /// The first report that satisfies `wanted`.
    fn until(&self, what: &str, wanted: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.reports.recv_timeout(left) {
                Ok(report) if wanted(&report) => return report,
                Ok(_) => {}
                Err(_) => panic!("kdeck watch never reported {what}"),
            }
        }
    }

    fn scrape(&self) -> String {
        let mut stream = TcpStream::connect(&self.metrics).expect("connect to the metrics");
        stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        text
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn nexts(report: &Value) -> Vec<Option<i64>> {
    report["partitions"].as_array().unwrap().iter().map(|row| row["next_source_offset"].as_i64()).collect()
}

fn states(report: &Value) -> Vec<String> {
    report["partitions"].as_array().unwrap().iter().map(|row| row["state"].as_str().unwrap().to_string()).collect()
}

/// The whole scenario for one runner: no position, partly copied, copying,
/// caught up, then stalled once the loop stops while the source grows.
fn watch_a_runner(runner_section: &str, make_runner: impl FnOnce(&Noida, &Noida) -> (Runner, String)) {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic(TOPIC, PARTITIONS);
    destination.create_topic(TOPIC, PARTITIONS);
    produce_source(&source.bootstrap(), 100);
    let (runner, extra_config) = make_runner(&source, &destination);
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), runner_section);
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&extra_config);
    std::fs::write(&config, text).unwrap();

    // Nothing recorded yet: every record of the source is lag.
    {
        let once = kdeck.run(
            &[
                "--config",
                config.to_str().unwrap(),
                "watch",
                "--plan",
                plan.to_str().unwrap(),
                "--once",
                "--interval",
                "200ms",
                "--json",
            ],
            None,
        );
        assert_eq!(once.code, Some(0), "{}", once.stderr);
        let report: Value = serde_json::from_slice(&once.stdout).unwrap();
        assert_eq!(report["summary"]["lag"], 200, "{report}");
        assert_eq!(states(&report), ["no-position", "no-position"]);
    }

    let mut copy = CopyLoop::new(&source.bootstrap(), &destination.bootstrap());
    copy.copy_to(40);
    runner.record(&copy.next);
    let watching = Watching::start(&kdeck, &config, &plan);
    let report = watching.until("the first positions", |r| nexts(r) == [Some(40), Some(40)]);
    assert_eq!(report["summary"]["lag"], 120, "{report}");
    assert_eq!(report["partitions"][0]["source_high_watermark"], 100);
    assert_eq!(report["partitions"][0]["lag"], 60);

    // The loop moves on: lag falls, the position has a rate and an ETA.
    copy.copy_to(70);
    runner.record(&copy.next);
    let report = watching.until("the copy moving", |r| nexts(r) == [Some(70), Some(70)]);
    assert_eq!(report["summary"]["lag"], 60, "{report}");
    for row in report["partitions"].as_array().unwrap() {
        assert!(row["records_per_sec"].as_f64().unwrap() > 0.0, "{row}");
        assert_ne!(row["state"], "caught-up", "{row}");
    }

    copy.copy_to(100);
    runner.record(&copy.next);
    let report = watching.until("caught up", |r| r["summary"]["caught_up"] == true);
    assert_eq!((report["summary"]["lag"].as_i64(), states(&report)), (Some(0), vec!["caught-up".to_string(); 2]));
    let metrics = watching.scrape();
    assert!(metrics.contains("kdeck_partition_lag_records{topic=\"orders\",partition=\"0\"} 0"), "{metrics}");
    assert!(metrics.contains("kdeck_partition_next_source_offset{topic=\"orders\",partition=\"1\"} 100"), "{metrics}");
    assert!(metrics.contains("kdeck_watch_up 1"), "{metrics}");

    // The loop and its commits stop while the source grows: stalled, never caught up.
    produce_source(&source.bootstrap(), 25);
    let report = watching.until("a stall", |r| states(r) == ["stalled", "stalled"]);
    assert_eq!((report["summary"]["lag"].as_i64(), report["summary"]["caught_up"].as_bool()), (Some(50), Some(false)));
    assert_eq!(report["summary"]["eta_secs"], Value::Null, "a stalled runner has no ETA: {report}");
    let metrics = watching.scrape();
    assert!(metrics.contains("kdeck_partition_stalled{topic=\"orders\",partition=\"0\"} 1"), "{metrics}");
    assert!(metrics.contains("kdeck_watch_lag_records 50"), "{metrics}");
    drop(watching);

    // --once, as a script runs it: the table, then exit 1 naming the stalled partitions.
    let once = kdeck.run(
        &[
            "--config",
            config.to_str().unwrap(),
            "watch",
            "--plan",
            plan.to_str().unwrap(),
            "--once",
            "--interval",
            "1s",
            "--stall-after",
            "500ms",
        ],
        None,
    );
    let (stdout, stderr) = (once.stdout_text(), once.stderr.clone());
    assert_eq!(once.code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("· lag 50 ·") && stdout.contains("2 stalled"), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("orders") && l.contains(" 125 ") && l.contains(" 100 ") && l.ends_with("stalled")),
        "{stdout}"
    );
    assert!(stderr.contains("is stalled on orders [0], orders [1]"), "{stderr}");
    assert!(!stdout.contains("caught up"), "{stdout}");
}

#[test]
fn watch_follows_a_replicator_shaped_runner_by_its_source_group() {
    watch_a_runner("[runner]\nkind = \"replicator\"\ngroup = \"replicator-2\"\n", |source, _| {
        (Runner::Replicator { source: source.bootstrap(), group: "replicator-2".into() }, String::new())
    });
}

#[test]
fn watch_follows_an_mm2_shaped_runner_by_its_offsets_topic() {
    watch_a_runner("[runner]\nkind = \"mirrormaker2\"\n", |_, destination| {
        destination.create_topic("mm2-offsets.source.internal", 5);
        (Runner::MirrorMaker2 { destination: destination.bootstrap() }, String::new())
    });
}

#[test]
fn watch_follows_a_connect_connector_through_kip_875() {
    watch_a_runner("[runner]\nkind = \"connect\"\nconnect = \"test\"\nconnector = \"mm2-source\"\n", |_, _| {
        let positions: Arc<Mutex<BTreeMap<i32, i64>>> = Arc::default();
        let url = serve_kip_875(positions.clone());
        (Runner::Connect { positions }, format!("\n[connect.test]\nurl = \"{url}\"\n"))
    });
}

/// `GET /connectors/mm2-source/offsets` answered from `positions` (next offsets by
/// partition) in KIP-875's MirrorMaker 2 shape; its base URL.
pub(crate) fn serve_kip_875(positions: Arc<Mutex<BTreeMap<i32, i64>>>) -> String {
    // Leaked on purpose: the server thread lives as long as the test binary.
    let stop: &'static Arc<AtomicBool> = Box::leak(Box::new(Arc::new(AtomicBool::new(false))));
    let bound = kdeck::replicate::server::serve("127.0.0.1:0", stop.clone(), move |request| {
        use kdeck::replicate::request::Response;
        match request.path.as_str() {
            "/connectors/mm2-source/offsets" => {
                let offsets: Vec<Value> = positions
                    .lock()
                    .unwrap()
                    .iter()
                    .map(|(p, next)| {
                        serde_json::json!({"partition": {"cluster": "source", "topic": TOPIC, "partition": p}, "offset": {"offset": next - 1}})
                    })
                    .collect();
                Response::json(200, serde_json::json!({ "offsets": offsets }).to_string())
            }
            _ => Response::json(404, r#"{"error_code":404,"message":"not found"}"#.to_string()),
        }
    })
    .expect("serve the KIP-875 route");
    format!("http://{bound}")
}

#[test]
fn watch_refuses_a_bad_runner_with_exit_2() {
    let kdeck = Kdeck::new();
    let (config, plan) =
        write_plan(kdeck.home.path(), "127.0.0.1:9", "127.0.0.1:9", "[runner]\nkind = \"replicator\"\n");
    let run =
        kdeck.run(&["--config", config.to_str().unwrap(), "watch", "--plan", plan.to_str().unwrap(), "--once"], None);
    let stderr = run.stderr.clone();
    assert_eq!(run.code, Some(2), "{stderr}");
    assert!(stderr.contains("missing key runner.group"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let (config, plan) = write_plan(
        kdeck.home.path(),
        "127.0.0.1:9",
        "127.0.0.1:9",
        "[runner]\nkind = \"connect\"\nconnect = \"nowhere\"\nconnector = \"c\"\n",
    );
    let run =
        kdeck.run(&["--config", config.to_str().unwrap(), "watch", "--plan", plan.to_str().unwrap(), "--once"], None);
    let stderr = run.stderr.clone();
    assert_eq!(run.code, Some(2), "{stderr}");
    assert!(stderr.contains("unknown Connect cluster \"nowhere\""), "{stderr}");
    let run = kdeck.run(
        &["--config", config.to_str().unwrap(), "watch", "--plan", plan.to_str().unwrap(), "--interval", "5"],
        None,
    );
    assert_eq!(run.code, Some(2), "a bare number is no duration");
}

/// No plan file: the runner, clusters and topics on the command line, watching
/// the same Replicator-shaped copy as the plan would.
#[test]
fn watch_follows_a_replicator_named_on_the_command_line() {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic(TOPIC, PARTITIONS);
    source.create_topic("payments", 1);
    destination.create_topic(TOPIC, PARTITIONS);
    produce_source(&source.bootstrap(), 100);
    produce(&source.bootstrap(), "payments", &[TestRecord::new(0, Some(b"k"), Some(b"not watched"))]);
    let kdeck = Kdeck::new();
    let (config, _plan) = write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), "");
    let runner = Runner::Replicator { source: source.bootstrap(), group: "replicator-2".into() };
    let mut copy = CopyLoop::new(&source.bootstrap(), &destination.bootstrap());
    let watch_once = || {
        let config = config.to_str().unwrap();
        let args = ["--config", config, "watch", "--source", "source", "--destination", "destination"];
        let flags = ["--topics", "ord.*", "--replicator", "replicator-2", "--once", "--json", "--interval", "200ms"];
        let run = kdeck.run(&[&args[..], &flags[..]].concat(), None);
        assert_eq!(run.code, Some(0), "{}", run.stderr);
        serde_json::from_slice::<Value>(&run.stdout).unwrap()
    };
    copy.copy_to(40);
    runner.record(&copy.next);
    let report = watch_once();
    assert_eq!(report["runner"], "replicator group replicator-2", "{report}");
    assert_eq!(report["partitions"].as_array().unwrap().len(), 2, "payments is not selected: {report}");
    assert_eq!((nexts(&report), report["summary"]["lag"].as_i64()), (vec![Some(40), Some(40)], Some(120)));
    assert_eq!(states(&report), ["behind", "behind"], "{report}");
    copy.copy_to(100);
    runner.record(&copy.next);
    let report = watch_once();
    assert_eq!(report["summary"]["caught_up"], true, "{report}");
}
