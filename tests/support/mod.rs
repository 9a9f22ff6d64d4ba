//! Real brokers for integration tests: a librdkafka mock cluster in-process, and
//! tansu broker processes on free loopback ports. Nothing here imitates Kafka;
//! it only starts and feeds real brokers. Read shared/reference/test-brokers.md
//! (summarised in docs/TESTING.md) before choosing one.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::message::{BorrowedMessage, Header, Headers, Message, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

pub mod registry;
pub mod tls;
pub mod tmux;

/// A fresh in-process mock cluster. Retention: at most 5 MB or 100k records per
/// partition; no transactions, no CreateTopics.
pub struct MockKafka {
    cluster: MockCluster<'static, DefaultProducerContext>,
    bootstrap: String,
}

#[derive(Clone, Debug, Default)]
pub struct TestRecord {
    pub partition: Option<i32>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    pub timestamp: Option<i64>,
}

impl TestRecord {
    pub fn new(partition: i32, key: Option<&[u8]>, value: Option<&[u8]>) -> Self {
        TestRecord {
            partition: Some(partition),
            key: key.map(<[u8]>::to_vec),
            value: value.map(<[u8]>::to_vec),
            ..Default::default()
        }
    }

    pub fn header(mut self, name: &str, value: Option<&[u8]>) -> Self {
        self.headers.push((name.to_string(), value.map(<[u8]>::to_vec)));
        self
    }

    pub fn at(mut self, timestamp_ms: i64) -> Self {
        self.timestamp = Some(timestamp_ms);
        self
    }
}

impl MockKafka {
    pub fn new(brokers: i32) -> Self {
        let cluster = MockCluster::new(brokers).expect("start a librdkafka mock cluster");
        let bootstrap = cluster.bootstrap_servers();
        MockKafka { cluster, bootstrap }
    }

    pub fn bootstrap(&self) -> &str {
        &self.bootstrap
    }

    /// Fault injection: broker_down, request_errors, partition_leader, ...
    pub fn cluster(&self) -> &MockCluster<'static, DefaultProducerContext> {
        &self.cluster
    }

    pub fn create_topic(&self, name: &str, partitions: i32) {
        self.cluster.create_topic(name, partitions, 1).expect("create mock topic");
    }

    pub fn produce(&self, topic: &str, records: &[TestRecord]) {
        produce(&self.bootstrap, topic, records);
    }
}

/// Produces and waits for every delivery, so a following consume sees it all.
pub fn produce(bootstrap: &str, topic: &str, records: &[TestRecord]) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "5")
        .create()
        .expect("create test producer");
    for record in records {
        let mut base = BaseRecord::<Vec<u8>, Vec<u8>>::to(topic);
        if let Some(p) = record.partition {
            base = base.partition(p);
        }
        if let Some(k) = &record.key {
            base = base.key(k);
        }
        if let Some(v) = &record.value {
            base = base.payload(v);
        }
        if let Some(ts) = record.timestamp {
            base = base.timestamp(ts);
        }
        if !record.headers.is_empty() {
            let headers = record.headers.iter().fold(OwnedHeaders::new(), |acc, (name, value)| {
                acc.insert(Header { key: name, value: value.as_deref() })
            });
            base = base.headers(headers);
        }
        let mut pending = base;
        loop {
            match producer.send(pending) {
                Ok(()) => break,
                Err((_, back)) => {
                    pending = back;
                    std::thread::sleep(Duration::from_millis(5));
                }
            }
        }
    }
    producer.flush(Duration::from_secs(30)).expect("deliver test records");
}

/// Writes `message` to the same partition of `topic`, as an at-least-once
/// copier (Replicator, MirrorMaker 2) does: key, value, timestamp and headers as read.
pub fn send_copy(producer: &ThreadedProducer<DefaultProducerContext>, topic: &str, message: &BorrowedMessage<'_>) {
    let mut record = BaseRecord::<[u8], [u8]>::to(topic).partition(message.partition());
    if let Some(key) = message.key() {
        record = record.key(key);
    }
    if let Some(value) = message.payload() {
        record = record.payload(value);
    }
    if let Some(timestamp) = message.timestamp().to_millis() {
        record = record.timestamp(timestamp);
    }
    if let Some(headers) = message.headers() {
        let copied =
            headers.iter().fold(OwnedHeaders::new(), |all, h| all.insert(Header { key: h.key, value: h.value }));
        record = record.headers(copied);
    }
    producer.send(record).map_err(|(err, _)| err).expect("copy loop write");
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port").local_addr().unwrap().port()
}

/// A tansu 0.6 broker process with in-memory storage: one independent cluster.
/// Its high watermark is wrong under batching; count by consuming to the end.
pub struct Tansu {
    child: Child,
    port: u16,
}

impl Tansu {
    pub fn start() -> Self {
        let binary = tool("tansu", "cargo install tansu --locked --features dynostore (see README)");
        let port = free_port();
        let url = format!("tcp://127.0.0.1:{port}");
        let log = std::env::temp_dir().join(format!("kdeck-tansu-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("create tansu log");
        let child = Command::new(binary)
            .args(["broker", "--listener-url", &url, "--advertised-listener-url", &url])
            .args(["--storage-engine", "memory://tansu/"])
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn tansu");
        let mut broker = Tansu { child, port };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if let Ok(Some(status)) = broker.child.try_wait() {
                panic!("tansu exited with {status}; see {}", log.display());
            }
            assert!(Instant::now() < deadline, "tansu did not listen on {port}; see {}", log.display());
            std::thread::sleep(Duration::from_millis(20));
        }
        broker
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }
}

impl Drop for Tansu {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A noida-db 0.2.3 broker process: one independent single-broker cluster with
/// Kafka's transaction semantics (markers take offsets, read_committed stops at
/// the last stable offset, fencing, aborted re-initialised ids), fast consumer
/// groups and right watermarks. It answers an empty fetch at once (idle
/// consumers spin) and ignores SIGTERM; its data survives a kill -9.
pub struct Noida {
    child: Child,
    port: u16,
    data: tempfile::TempDir,
}

impl Noida {
    pub fn start() -> Self {
        let data = tempfile::tempdir().expect("noida data dir");
        let port = free_port();
        let child = Self::spawn(data.path(), port);
        let mut broker = Noida { child, port, data };
        broker.wait_until_listening();
        broker
    }

    fn binary() -> PathBuf {
        let installed = std::env::var_os("KDECK_NOIDA_DB")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(NOIDA_CACHED)));
        match installed {
            Some(path) if path.is_file() => path,
            _ => panic!("noida-db is required by this test and was not found; tests/run.sh installs it"),
        }
    }

    fn spawn(data: &Path, port: u16) -> Child {
        let log = std::env::temp_dir().join(format!("kdeck-noida-{port}.log"));
        let log_file = std::fs::File::create(&log).expect("create noida log");
        Command::new(Self::binary())
            .arg("start")
            .arg("--data-dir")
            .arg(data)
            .args(["--only", "kafka", "--kafka-port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("spawn noida-db")
    }

    fn wait_until_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("noida-db exited with {status}; see {}", std::env::temp_dir().display());
            }
            assert!(Instant::now() < deadline, "noida-db did not listen on {}", self.port);
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// kill -9 and start again on the same port and data: what survives is
    /// what the broker had made durable.
    pub fn restart(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.child = Self::spawn(self.data.path(), self.port);
        self.wait_until_listening();
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Creates a topic through CreateTopics (noida implements it).
    pub fn create_topic(&self, name: &str, partitions: i32) {
        use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
        let admin: AdminClient<rdkafka::client::DefaultClientContext> =
            ClientConfig::new().set("bootstrap.servers", self.bootstrap()).create().expect("admin client");
        let topic = NewTopic::new(name, partitions, TopicReplication::Fixed(1));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let results = runtime
            .block_on(
                admin.create_topics([&topic], &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10)))),
            )
            .expect("create topics");
        for result in results {
            result.unwrap_or_else(|(topic, code)| panic!("create {topic} on noida: {code}"));
        }
    }
}

const NOIDA_CACHED: &str = ".cache/kdeck-test-tools/noida-db-0.2.3/noida_db/noida-db";

impl Drop for Noida {
    fn drop(&mut self) {
        // noida ignores SIGTERM.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Finds a required external tool or fails loudly: tests never skip silently.
pub fn tool(name: &str, install_hint: &str) -> PathBuf {
    let mut candidates: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).map(|dir| dir.join(name)).collect())
        .unwrap_or_default();
    if let Some(home) = std::env::var_os("HOME") {
        candidates.push(Path::new(&home).join(".cargo/bin").join(name));
    }
    candidates
        .into_iter()
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("{name} is required by this test and was not found; install it with: {install_hint}"))
}

/// The kdeck binary, isolated from the developer's own config and logs.
pub struct Kdeck {
    pub home: tempfile::TempDir,
}

/// A running `kdeck demo --serve`: the profiles file it wrote and each
/// cluster's bootstrap, as it printed them.
pub struct ServedDemo {
    pub child: Child,
    pub profiles: PathBuf,
    pub bootstrap: BTreeMap<String, String>,
    /// Held open: the demo must not meet a closed stdout.
    _stdout: Lines<BufReader<ChildStdout>>,
}

impl Kdeck {
    /// With KDECK_TEST_KEEP set, the home (config, plan, log) outlives the test for inspection.
    pub fn new() -> Self {
        let mut home = tempfile::tempdir().expect("temp home");
        if std::env::var_os("KDECK_TEST_KEEP").is_some() {
            home.disable_cleanup(true);
            eprintln!("kdeck test home kept at {}", home.path().display());
        }
        Kdeck { home }
    }

    /// Starts `kdeck demo --serve --load LOAD` and waits for its clusters.
    pub fn serve_demo(&self, load: &str) -> ServedDemo {
        let profiles = self.home.path().join("demo.toml");
        let mut child = self
            .command()
            .args(["demo", "--serve", "--load", load, "--profile-out", profiles.to_str().unwrap()])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn kdeck demo");
        let mut lines = BufReader::new(child.stdout.take().expect("demo stdout")).lines();
        let mut bootstrap = BTreeMap::new();
        while bootstrap.len() < 2 {
            let line = lines.next().expect("demo printed its clusters").expect("read the demo's stdout");
            let (name, address) = line.split_once('=').expect("name=bootstrap");
            bootstrap.insert(name.to_string(), address.to_string());
        }
        ServedDemo { child, profiles, bootstrap, _stdout: lines }
    }

    pub fn log_path(&self) -> PathBuf {
        self.home.path().join("kdeck.log")
    }

    pub fn command(&self) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_kdeck"));
        cmd.env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env("XDG_STATE_HOME", self.home.path().join("state"))
            .env("KDECK_LOG", self.log_path())
            .env_remove("KDECK_CONFIG");
        cmd
    }

    pub fn run(&self, args: &[&str], stdin: Option<&[u8]>) -> Run {
        let mut cmd = self.command();
        cmd.args(args);
        run(cmd, stdin)
    }
}

pub fn kcat(args: &[&str], stdin: Option<&[u8]>) -> Run {
    let mut cmd = Command::new(tool("kcat", "apt-get install kcat"));
    // No user kcat.conf may change what the oracle prints.
    cmd.env("HOME", std::env::temp_dir()).env_remove("KCAT_CONFIG").args(args);
    run(cmd, stdin)
}

#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// Runs a command with a hard deadline, so a hung client fails its test
/// instead of the whole suite.
pub fn run(mut cmd: Command, stdin: Option<&[u8]>) -> Run {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let mut out_pipe = child.stdout.take().unwrap();
    let mut err_pipe = child.stderr.take().unwrap();
    let out_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = out_pipe.read_to_end(&mut buf);
        buf
    });
    let err_reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = err_pipe.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for child") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    Run {
        code: status.code(),
        stdout: out_reader.join().unwrap(),
        stderr: String::from_utf8_lossy(&err_reader.join().unwrap()).into_owned(),
    }
}

/// Lines sorted, for outputs whose partition interleaving differs between runs.
pub fn sorted_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    lines.sort();
    lines
}

/// What a copy must preserve of a record: key, value, headers, timestamp.
pub type Content = (Option<Vec<u8>>, Option<Vec<u8>>, Vec<(String, Option<Vec<u8>>)>, Option<i64>);

/// One record read back from a topic, owned, for comparisons.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadRecord {
    pub partition: i32,
    pub offset: i64,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
    pub timestamp: Option<i64>,
}

impl ReadRecord {
    /// Everything a copy must preserve, without the offset (transaction markers shift it).
    pub fn content(&self) -> Content {
        let headers = self.headers.iter().filter(|(name, _)| name != "kdeck-provenance").cloned().collect();
        (self.key.clone(), self.value.clone(), headers, self.timestamp)
    }
}

/// Reads a topic from the beginning with read_committed until no record has
/// arrived for `idle`. Never trusts end-of-partition: tansu's high watermark
/// is wrong under batching.
pub fn drain(bootstrap: &str, topic: &str, idle: Duration) -> Vec<ReadRecord> {
    use rdkafka::consumer::{BaseConsumer, Consumer};
    use rdkafka::message::{Headers, Message};
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", "kdeck-test-drain")
        .set("enable.auto.commit", "false")
        .set("isolation.level", "read_committed")
        .set("auto.offset.reset", "earliest")
        .create()
        .expect("drain consumer");
    let metadata = consumer.fetch_metadata(Some(topic), Duration::from_secs(10)).expect("metadata");
    let partitions = metadata.topics().first().map_or(0, |t| t.partitions().len()) as i32;
    let mut list = rdkafka::TopicPartitionList::new();
    for p in 0..partitions {
        list.add_partition_offset(topic, p, rdkafka::Offset::Beginning).unwrap();
    }
    consumer.assign(&list).expect("assign");
    let mut records = Vec::new();
    let mut last = Instant::now();
    while last.elapsed() < idle {
        if let Some(Ok(m)) = consumer.poll(Duration::from_millis(100)) {
            last = Instant::now();
            records.push(ReadRecord {
                partition: m.partition(),
                offset: m.offset(),
                key: m.key().map(<[u8]>::to_vec),
                value: m.payload().map(<[u8]>::to_vec),
                headers: m
                    .headers()
                    .map(|h| h.iter().map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec))).collect())
                    .unwrap_or_default(),
                timestamp: m.timestamp().to_millis(),
            });
        }
    }
    records
}

/// Writes a kdeck config with "source" and "destination" profiles and a plan
/// over them; returns (config path, plan path).
pub fn write_plan(dir: &Path, source: &str, destination: &str, plan_body: &str) -> (PathBuf, PathBuf) {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[clusters.source]\nbootstrap = \"{source}\"\n\n[clusters.destination]\nbootstrap = \"{destination}\"\n"
        ),
    )
    .unwrap();
    let plan = dir.join("plan.toml");
    std::fs::write(&plan, format!("source = \"source\"\ndestination = \"destination\"\n{plan_body}")).unwrap();
    (config, plan)
}
