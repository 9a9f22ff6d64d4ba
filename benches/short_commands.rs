//! Short commands, kdeck beside kcat in one run against the same broker:
//! `meta` (kcat -L), `offsets` (kcat -Q), `consume -o -10 -e` and
//! `consume -c 1` (kcat -C with the same flags). What a user waits for on a
//! quick look is mostly process start, connection, one or two requests and
//! the exit, so wall time per run is measured, median of N.
//!
//! Run: `cargo bench --bench short_commands` (optionally `-- RUNS`, default 30).
//! `KDECK_BENCH_BROKER=noida` uses a noida-db broker process instead of the
//! in-process mock cluster (3 brokers). Under `cargo test` it runs a smoke
//! pass of 2 runs per row. Prints a Markdown table with kdeck/kcat ratios;
//! docs/BENCHMARKS.md records the figures. No thresholds: speed is measured.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

mod support;
use support::{create_topic, NoidaProcess};

const TOPIC: &str = "short";
const PARTITIONS: i32 = 6;
/// Records per partition: a tail of 10 and a timestamp lookup find records.
const PER_PARTITION: i64 = 200;
const BASE_TS: i64 = 1_700_000_000_000;

/// The broker both tools talk to.
/// Each variant holds its broker so it lives as long as the benchmark.
#[allow(dead_code)]
enum Broker {
    Mock(MockCluster<'static, DefaultProducerContext>),
    Noida(NoidaProcess),
}

impl Broker {
    fn start() -> (Broker, String) {
        if std::env::var("KDECK_BENCH_BROKER").is_ok_and(|b| b == "noida") {
            let noida = NoidaProcess::start();
            let bootstrap = noida.bootstrap();
            create_topic(&bootstrap, TOPIC, PARTITIONS);
            (Broker::Noida(noida), bootstrap)
        } else {
            let cluster = MockCluster::new(3).expect("mock cluster");
            cluster.create_topic(TOPIC, PARTITIONS, 1).expect("topic");
            let bootstrap = cluster.bootstrap_servers();
            (Broker::Mock(cluster), bootstrap)
        }
    }

    fn describe(&self) -> &'static str {
        match self {
            Broker::Mock(_) => "in-process librdkafka mock cluster, 3 brokers",
            Broker::Noida(_) => "noida-db broker process",
        }
    }
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let runs: usize = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .and_then(|a| a.parse().ok())
        .unwrap_or(if benchmarking { 30 } else { 2 });

    let (broker, bootstrap) = Broker::start();
    seed(&bootstrap);
    let kcat = which("kcat");
    let kdeck = env!("CARGO_BIN_EXE_kdeck");
    let b = bootstrap.as_str();
    // A timestamp in the middle of every partition.
    let middle = format!("{TOPIC}:0:{}", BASE_TS + PER_PARTITION / 2 * 1000);
    let latest = format!("{TOPIC}:0:-1");
    let rows: Vec<(String, Vec<&str>, Vec<&str>)> = vec![
        ("meta / -L".into(), vec!["-L", "-b", b], vec!["meta", "-b", b]),
        ("offsets -t T:0:TS / -Q".into(), vec!["-Q", "-b", b, "-t", &middle], vec!["offsets", "-b", b, "-t", &middle]),
        ("offsets -t T:0:-1 / -Q".into(), vec!["-Q", "-b", b, "-t", &latest], vec!["offsets", "-b", b, "-t", &latest]),
        (
            "consume -o -10 -e".into(),
            vec!["-C", "-b", b, "-t", TOPIC, "-o", "-10", "-e", "-q"],
            vec!["consume", "-b", b, "-t", TOPIC, "-o", "-10", "-e", "-q"],
        ),
        (
            "consume -c 1".into(),
            vec!["-C", "-b", b, "-t", TOPIC, "-c", "1", "-q"],
            vec!["consume", "-b", b, "-t", TOPIC, "-c", "1", "-q"],
        ),
    ];

    // Both must give the same answer before their times mean anything.
    for (label, kcat_args, kdeck_args) in &rows {
        let (expected, actual) = (output(&kcat, kcat_args), output(kdeck, kdeck_args));
        if label.starts_with("meta") || label.starts_with("consume -c") {
            // Which broker answers, and which partition's record comes first,
            // is up to each client's connection and fetch order.
            assert_eq!(expected.lines().count(), actual.lines().count(), "{label}:\n{expected}\n{actual}");
        } else {
            assert_eq!(sorted(&expected), sorted(&actual), "{label}");
        }
    }

    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!(
        "broker: {}; {PARTITIONS} partitions of {PER_PARTITION} records; {runs} interleaved runs per cell; load average at start: {}\n",
        broker.describe(),
        load.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
    );
    println!("| command (kdeck / kcat) | kcat median | kdeck median | ratio | kcat min | kdeck min |");
    println!("|---|---|---|---|---|---|");
    for (label, kcat_args, kdeck_args) in &rows {
        let (mut kcat_runs, mut kdeck_runs) = (Vec::with_capacity(runs), Vec::with_capacity(runs));
        // Interleaved, so drift on the machine hits both alike.
        for _ in 0..runs {
            kcat_runs.push(wall(&kcat, kcat_args));
            kdeck_runs.push(wall(kdeck, kdeck_args));
        }
        let (kc, kd) = (median(&mut kcat_runs), median(&mut kdeck_runs));
        println!(
            "| {label} | {} | {} | {:.2} | {} | {} |",
            ms(kc),
            ms(kd),
            kd.as_secs_f64() / kc.as_secs_f64(),
            ms(kcat_runs[0]),
            ms(kdeck_runs[0])
        );
    }
    drop(broker);
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

/// Sorts the runs and returns the median.
fn median(runs: &mut [Duration]) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// One run to /dev/null, start to exit.
fn wall(program: &str, args: &[&str]) -> Duration {
    let started = Instant::now();
    let status = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .expect("spawn");
    let elapsed = started.elapsed();
    assert!(status.success(), "{program} {args:?}: {status}");
    elapsed
}

fn output(program: &str, args: &[&str]) -> String {
    let out = Command::new(program).args(args).stdin(Stdio::null()).output().expect("run");
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn sorted(text: &str) -> Vec<&str> {
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    lines
}

/// PER_PARTITION records in each partition, one second apart from BASE_TS.
fn seed(bootstrap: &str) {
    let producer: ThreadedProducer<DefaultProducerContext> =
        ClientConfig::new().set("bootstrap.servers", bootstrap).set("linger.ms", "5").create().expect("producer");
    for partition in 0..PARTITIONS {
        for n in 0..PER_PARTITION {
            let key = format!("key-{partition}-{n:04}");
            let value = format!("{{\"partition\":{partition},\"n\":{n},\"note\":\"a short record\"}}");
            let record =
                BaseRecord::to(TOPIC).key(&key).payload(&value).partition(partition).timestamp(BASE_TS + n * 1000);
            producer.send(record).map_err(|(err, _)| err).expect("queue a record");
        }
    }
    producer.flush(Duration::from_secs(30)).expect("seed delivered");
}

fn which(name: &str) -> String {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| panic!("{name} not found: apt-get install {name}"))
}
