//! kdeck consume against kcat -C, side by side in one run, on the same
//! mock-cluster topic: 1M records of about 100 bytes to /dev/null.
//!
//! Run: `cargo bench --bench consume_vs_kcat` (optionally `-- RECORDS RUNS`).
//! Under `cargo test` it runs a 2,000-record smoke pass instead.
//! Prints a Markdown table of wall time and peak RSS with kdeck/kcat ratios;
//! docs/BENCHMARKS.md records the figures. No thresholds: speed is measured.

use std::fs::File;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

mod support;

const TOPIC: &str = "bench";
/// The mock keeps at most 100k records or 5 MB per partition: 40 partitions
/// hold 1M records of ~100 B with room to spare.
const PARTITIONS: i32 = 40;

struct Measurement {
    wall: Duration,
    max_rss_kb: i64,
}

fn main() {
    if std::env::args().any(|a| a == "--spawner") {
        return spawner();
    }
    // Peak RSS is inherited across fork and exec: a child of this process,
    // which holds a mock cluster with 1M records, would report this process's
    // size. A small spawner, started now while this process is small, runs
    // every measured command instead.
    let mut spawner = Spawner::start();
    // `cargo bench` passes --bench; `cargo test --all-targets` does not, and
    // then a small smoke run checks that the benchmark still works.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut numbers = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let records: u64 =
        numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 1_000_000 } else { 2_000 });
    let runs: usize = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 3 } else { 1 });

    let cluster = MockCluster::new(3).expect("mock cluster");
    cluster.create_topic(TOPIC, PARTITIONS, 1).expect("topic");
    let bootstrap = cluster.bootstrap_servers();
    seed(&bootstrap, records);

    let kcat = which("kcat");
    let kdeck = env!("CARGO_BIN_EXE_kdeck");
    let variants: [(&str, &[&str]); 3] =
        [("-f '%k %s\\n'", &["-f", "%k %s\\n"]), ("-J", &["-J"]), ("-f '%s\\n'", &["-f", "%s\\n"])];

    // Both must read every record before their times mean anything.
    for (name, program, prefix) in [("kcat", kcat.as_str(), &["-C"][..]), ("kdeck", kdeck, &["consume"][..])] {
        let count = count_lines(program, prefix, &bootstrap, &["-f", "%s\\n"]);
        assert_eq!(count, records, "{name} read {count} of {records} records");
    }

    println!("records: {records}, partitions: {PARTITIONS}, runs per cell: {runs} (median wall, max RSS)\n");
    println!("| format | kcat wall | kdeck wall | wall ratio | kcat RSS | kdeck RSS | RSS ratio |");
    println!("|---|---|---|---|---|---|---|");
    for (label, format) in variants {
        let mut kcat_runs = Vec::new();
        let mut kdeck_runs = Vec::new();
        // Interleaved, so drift on the machine hits both alike.
        for _ in 0..runs {
            kcat_runs.push(spawner.measure(&kcat, &args(&["-C"], &bootstrap, format)));
            kdeck_runs.push(spawner.measure(kdeck, &args(&["consume"], &bootstrap, format)));
        }
        let (kc, kd) = (summarise(&mut kcat_runs), summarise(&mut kdeck_runs));
        println!(
            "| {label} | {:.2} s | {:.2} s | {:.2} | {} MB | {} MB | {:.2} |",
            kc.wall.as_secs_f64(),
            kd.wall.as_secs_f64(),
            kd.wall.as_secs_f64() / kc.wall.as_secs_f64(),
            kc.max_rss_kb / 1024,
            kd.max_rss_kb / 1024,
            kd.max_rss_kb as f64 / kc.max_rss_kb as f64
        );
    }
}

fn seed(bootstrap: &str, records: u64) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    let started = Instant::now();
    for n in 0..records {
        let key = format!("key-{n:08}");
        // ~100 bytes of record: a 12-byte key and an 88-byte JSON value.
        let value = format!("{{\"n\":{n:08},\"payload\":\"{:0>60}\"}}", n % 1000);
        support::send(
            &producer,
            BaseRecord::to(TOPIC).key(&key).payload(&value).partition((n % PARTITIONS as u64) as i32),
        );
    }
    producer.flush(Duration::from_secs(120)).expect("seed delivered");
    eprintln!("seeded {records} records in {:.1} s", started.elapsed().as_secs_f64());
}

fn args<'a>(prefix: &[&'a str], bootstrap: &'a str, format: &[&'a str]) -> Vec<&'a str> {
    let mut all = prefix.to_vec();
    all.extend(["-b", bootstrap, "-t", TOPIC, "-o", "beginning", "-e", "-q"]);
    all.extend(format);
    all
}

struct Spawner {
    child: std::process::Child,
    replies: std::io::BufReader<std::process::ChildStdout>,
}

impl Spawner {
    fn start() -> Self {
        let mut child = Command::new(std::env::current_exe().expect("own path"))
            .arg("--spawner")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the spawner");
        let replies = std::io::BufReader::new(child.stdout.take().expect("spawner stdout"));
        Spawner { child, replies }
    }

    /// Runs `program args` to /dev/null in the spawner; returns wall time and peak RSS.
    fn measure(&mut self, program: &str, args: &[&str]) -> Measurement {
        use std::io::{BufRead, Write};
        let line = std::iter::once(program).chain(args.iter().copied()).collect::<Vec<_>>().join("\u{1f}");
        let stdin = self.child.stdin.as_mut().expect("spawner stdin");
        writeln!(stdin, "{line}").expect("send to spawner");
        let mut reply = String::new();
        self.replies.read_line(&mut reply).expect("spawner reply");
        let (micros, rss) = reply.trim().split_once(' ').expect("micros rss");
        Measurement { wall: Duration::from_micros(micros.parse().unwrap()), max_rss_kb: rss.parse().unwrap() }
    }
}

/// Reads one command per line (fields separated by 0x1F), runs it to /dev/null,
/// answers "wall_micros max_rss_kb".
fn spawner() {
    use std::io::BufRead;
    for line in std::io::stdin().lock().lines() {
        let line = line.expect("command line");
        let mut fields = line.split('\u{1f}');
        let program = fields.next().expect("program");
        let measured = measure(program, &fields.collect::<Vec<_>>());
        println!("{} {}", measured.wall.as_micros(), measured.max_rss_kb);
    }
}

#[allow(clippy::zombie_processes)] // reaped by wait4 below
fn measure(program: &str, args: &[&str]) -> Measurement {
    let devnull = File::create("/dev/null").expect("/dev/null");
    let started = Instant::now();
    let child = Command::new(program).args(args).stdout(devnull).stderr(Stdio::null()).spawn().expect("spawn");
    let mut status = 0;
    // wait4 rather than Child::wait: it reports the child's peak RSS.
    // SAFETY: an all-zero rusage is a valid value for wait4 to fill in.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: the pid is our own child, not yet reaped; wait4 reaps it and fills `usage`.
    let pid = unsafe { libc::wait4(child.id() as libc::pid_t, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert!(pid > 0 && libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0, "{program} failed");
    Measurement { wall, max_rss_kb: usage.ru_maxrss }
}

fn summarise(runs: &mut [Measurement]) -> Measurement {
    runs.sort_by_key(|m| m.wall);
    let median = runs[runs.len() / 2].wall;
    Measurement { wall: median, max_rss_kb: runs.iter().map(|m| m.max_rss_kb).max().unwrap_or(0) }
}

fn count_lines(program: &str, prefix: &[&str], bootstrap: &str, format: &[&str]) -> u64 {
    let output = Command::new(program).args(args(prefix, bootstrap, format)).output().expect("run");
    assert!(output.status.success(), "{program}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout.iter().filter(|&&b| b == b'\n').count() as u64
}

fn which(name: &str) -> String {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| panic!("{name} not found: apt-get install {name}"))
}
