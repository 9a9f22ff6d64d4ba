//! kdeck replicate against the naive copy (`kcat -C | kcat -P`) and the
//! destination's produce-only ceiling, on the same data, in one run.
//!
//! Run: `cargo bench --bench replicate_vs_kcat_pipe` (optionally `-- RECORDS RUNS`;
//! 1M records, median of 3 interleaved runs by default). Under `cargo test` it
//! runs one 2,000-record smoke pass instead. Each run gets a fresh pair of
//! clusters: mock clusters in this process, or with `KDECK_BENCH_BROKER=noida`
//! two noida-db broker processes; the source is seeded before the clock starts.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

mod support;
use support::{create_topic, NoidaProcess};

const TOPIC: &str = "bench";
/// The mock keeps at most 100k records or 5 MB per partition.
const PARTITIONS: i32 = 40;

/// Where the two clusters run: six mock brokers inside this process, or two
/// noida-db broker processes (`KDECK_BENCH_BROKER=noida`), so the brokers'
/// work is not in kdeck's way and their CPU is measured apart.
enum Pair {
    Mock {
        source: MockCluster<'static, DefaultProducerContext>,
        destination: MockCluster<'static, DefaultProducerContext>,
    },
    Noida {
        source: NoidaProcess,
        destination: NoidaProcess,
    },
}

fn use_noida() -> bool {
    std::env::var("KDECK_BENCH_BROKER").is_ok_and(|b| b == "noida")
}

impl Pair {
    fn seeded(records: u64) -> Self {
        let pair = if use_noida() {
            let pair = Pair::Noida { source: NoidaProcess::start(), destination: NoidaProcess::start() };
            create_topic(&pair.source_bootstrap(), TOPIC, PARTITIONS);
            create_topic(&pair.destination_bootstrap(), TOPIC, PARTITIONS);
            pair
        } else {
            let (source, destination) = (MockCluster::new(3).unwrap(), MockCluster::new(3).unwrap());
            source.create_topic(TOPIC, PARTITIONS, 1).unwrap();
            destination.create_topic(TOPIC, PARTITIONS, 1).unwrap();
            // The mock has no CreateTopics; without this the engine would wait out its request first.
            destination.create_topic("_kdeck-bench-offsets", 1, 1).unwrap();
            Pair::Mock { source, destination }
        };
        produce(&pair.source_bootstrap(), records, false);
        pair
    }

    fn source_bootstrap(&self) -> String {
        match self {
            Pair::Mock { source, .. } => source.bootstrap_servers(),
            Pair::Noida { source, .. } => source.bootstrap(),
        }
    }

    fn destination_bootstrap(&self) -> String {
        match self {
            Pair::Mock { destination, .. } => destination.bootstrap_servers(),
            Pair::Noida { destination, .. } => destination.bootstrap(),
        }
    }

    /// CPU seconds the broker processes used so far (0 for the in-process
    /// mock, whose CPU is this process's own).
    fn broker_cpu_seconds(&self) -> f64 {
        match self {
            Pair::Mock { .. } => 0.0,
            Pair::Noida { source, destination } => source.cpu_seconds() + destination.cpu_seconds(),
        }
    }
}

/// CPU seconds used so far by this process (the mock brokers, the ceiling's
/// producer) and by its waited-for children (kdeck, kcat).
fn cpu_seconds() -> f64 {
    let seconds = |who| {
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut usage) };
        let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
        time(usage.ru_utime) + time(usage.ru_stime)
    };
    seconds(libc::RUSAGE_SELF) + seconds(libc::RUSAGE_CHILDREN)
}

fn record(n: u64) -> (String, String) {
    (format!("key-{n:08}"), format!("{{\"n\":{n:08},\"payload\":\"{:0>60}\"}}", n % 1000))
}

/// Produces `records` ~100-byte records; the same producer settings measure the ceiling.
fn produce(bootstrap: &str, records: u64, idempotent: bool) -> Duration {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "500000")
        .set("enable.idempotence", if idempotent { "true" } else { "false" })
        .create()
        .unwrap();
    let started = Instant::now();
    for n in 0..records {
        let (key, value) = record(n);
        support::send(
            &producer,
            BaseRecord::to(TOPIC).key(&key).payload(&value).partition((n % PARTITIONS as u64) as i32),
        );
    }
    producer.flush(Duration::from_secs(300)).unwrap();
    started.elapsed()
}

/// Runs one `kdeck replicate` to catch-up; returns its wall time and its
/// own `caught-up` line (start-up and copy phase timed apart).
fn replicate(pair: &Pair, lanes: &str, mode: &str, dir: &std::path::Path) -> (Duration, String) {
    let config = dir.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[clusters.source]\nbootstrap = \"{}\"\n{limit}[clusters.destination]\nbootstrap = \"{}\"\n{limit}",
            pair.source_bootstrap(),
            pair.destination_bootstrap(),
            limit = receive_limit_line()
        ),
    )
    .unwrap();
    let plan = dir.join("plan.toml");
    // KDECK_BENCH_ENGINE adds [engine] settings, e.g. 'max_batch_records = 50000'.
    let engine = std::env::var("KDECK_BENCH_ENGINE").unwrap_or_default().replace(';', "\n");
    let text = format!("name = \"bench\"\nsource = \"source\"\ndestination = \"destination\"\n[engine]\n{engine}\n");
    std::fs::write(&plan, text).unwrap();
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_kdeck"))
        .env("KDECK_LOG", std::env::var_os("KDECK_BENCH_LOG").unwrap_or_else(|| dir.join("kdeck.log").into()))
        .args(["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap()])
        .args(["--lanes", lanes, "--mode", mode, "--exit-when-caught-up"])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    let wall = started.elapsed();
    assert!(output.status.success(), "kdeck replicate failed");
    let stdout = String::from_utf8_lossy(&output.stdout);
    (wall, stdout.lines().find(|l| l.starts_with("caught-up")).unwrap_or("no caught-up line").to_string())
}

/// noida ignores fetch.max.bytes: at 1M records one fetch answer is ~110 MB,
/// past librdkafka's default 100 MB receive limit (test-brokers.md). Both
/// kdeck and kcat get the same raised limit; real Kafka needs neither.
fn receive_limit_line() -> &'static str {
    if use_noida() {
        "\"receive.message.max.bytes\" = \"1000000000\"\n"
    } else {
        ""
    }
}

fn kcat_pipe(pair: &Pair) -> Duration {
    let started = Instant::now();
    let mut consume = Command::new("kcat")
        .args(["-C", "-b", &pair.source_bootstrap(), "-t", TOPIC, "-o", "beginning", "-e", "-q"])
        .args(["-K", "\t"])
        .args(if use_noida() { &["-X", "receive.message.max.bytes=1000000000"][..] } else { &[] })
        .stdout(Stdio::piped())
        .spawn()
        .expect("kcat (apt-get install kcat)");
    let status = Command::new("kcat")
        .args(["-P", "-b", &pair.destination_bootstrap(), "-t", TOPIC, "-K", "\t"])
        .stdin(consume.stdout.take().unwrap())
        .status()
        .unwrap();
    assert!(status.success(), "kcat -P failed");
    assert!(consume.wait().unwrap().success(), "kcat -C failed");
    started.elapsed()
}

enum Copier {
    Ceiling,
    Kdeck { mode: &'static str, lanes: &'static str },
    KcatPipe,
}

impl Copier {
    fn name(&self) -> String {
        match self {
            Copier::Ceiling => "produce-only ceiling (idempotent)".into(),
            Copier::Kdeck { mode, lanes } => format!("kdeck replicate {mode}, {lanes} lane(s)"),
            Copier::KcatPipe => "kcat -C | kcat -P (key-preserving)".into(),
        }
    }

    /// Fresh clusters for one run, the source seeded (untimed).
    fn clusters(&self, records: u64) -> Pair {
        Pair::seeded(if matches!(self, Copier::Ceiling) { 0 } else { records })
    }

    /// One timed run: wall time and, for kdeck, its own phase line.
    fn run(&self, pair: &Pair, records: u64, dir: &std::path::Path) -> (Duration, Option<String>) {
        match self {
            Copier::Ceiling => (produce(&pair.destination_bootstrap(), records, true), None),
            Copier::Kdeck { mode, lanes } => {
                let (wall, phases) = replicate(pair, lanes, mode, dir);
                (wall, Some(phases))
            }
            Copier::KcatPipe => (kcat_pipe(pair), None),
        }
    }
}

fn median<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
    values[values.len() / 2]
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let numbers: Vec<u64> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--")).filter_map(|a| a.parse().ok()).collect();
    let records = numbers.first().copied().unwrap_or(if benchmarking { 1_000_000 } else { 2_000 });
    let runs = numbers.get(1).copied().unwrap_or(if benchmarking { 3 } else { 1 }).max(1) as usize;
    let dir = tempfile::tempdir().unwrap();
    let megabytes = records as f64 * 100.0 / 1e6;
    // KDECK_BENCH_ONLY="exactly-once, 1" runs only the kdeck rows naming it (for profiling).
    let only = std::env::var("KDECK_BENCH_ONLY").ok();
    let mut copiers = vec![Copier::Ceiling];
    for (mode, lanes) in [("at-least-once", "1"), ("at-least-once", "4"), ("exactly-once", "1"), ("exactly-once", "4")]
    {
        let copier = Copier::Kdeck { mode, lanes };
        if only.as_ref().is_none_or(|o| copier.name().contains(o.as_str())) {
            copiers.push(copier);
        }
    }
    copiers.push(Copier::KcatPipe);

    // Per copier: (wall, CPU seconds of every process: brokers, kdeck or kcat,
    // the ceiling's producer) of each run, and kdeck's phase lines. Runs are
    // interleaved, so a slow spell of the machine hits every copier alike.
    let mut measured: Vec<Vec<(Duration, f64)>> = vec![Vec::new(); copiers.len()];
    let mut phases: Vec<Vec<String>> = vec![Vec::new(); copiers.len()];
    for _ in 0..runs {
        for (index, copier) in copiers.iter().enumerate() {
            let pair = copier.clusters(records);
            let cpu = cpu_seconds() + pair.broker_cpu_seconds();
            let (wall, line) = copier.run(&pair, records, dir.path());
            measured[index].push((wall, cpu_seconds() + pair.broker_cpu_seconds() - cpu));
            drop(pair);
            phases[index].extend(line);
        }
    }
    let rows: Vec<(String, Duration, f64)> = copiers
        .iter()
        .zip(&measured)
        .map(|(copier, runs)| {
            (copier.name(), median(runs.iter().map(|r| r.0).collect()), median(runs.iter().map(|r| r.1).collect()))
        })
        .collect();

    let rate = |d: &Duration| records as f64 / d.as_secs_f64();
    let pipe = rate(&rows.last().unwrap().1);
    let per_million = |cpu: f64| cpu * 1e6 / records as f64;
    let ceiling = rate(&rows[0].1);
    let brokers = if use_noida() { "two noida-db processes" } else { "two in-process mock clusters of 3 brokers" };
    println!("records: {records} (~100 B each), partitions: {PARTITIONS}, brokers: {brokers}, median of {runs} interleaved run(s)\n");
    println!("| copier | wall | records/s | MB/s | vs kcat pipe | vs ceiling | CPU s per 1M records |");
    println!("|---|---|---|---|---|---|---|");
    for (name, wall, cpu) in &rows {
        println!(
            "| {} | {:.2} s | {:.0} | {:.1} | {:.2}x | {:.0}% | {:.2} |",
            name.replace('|', "\\|"),
            wall.as_secs_f64(),
            rate(wall),
            megabytes / wall.as_secs_f64(),
            rate(wall) / pipe,
            100.0 * rate(wall) / ceiling,
            per_million(*cpu)
        );
    }
    println!();
    for (copier, lines) in copiers.iter().zip(&phases) {
        for line in lines {
            println!("{}: {line}", copier.name());
        }
    }
}
