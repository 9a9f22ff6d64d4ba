//! `kdeck verify` against the kcat counting idiom, side by side in one run:
//! two mock clusters hold the same 1M records (the destination's with kdeck's
//! provenance header, as the engine writes them), and kcat counts both
//! (`kcat -C -e -q -o beginning -f '\n' | wc -l`, once per cluster) while
//! kdeck compares them record by record, checksums included.
//!
//! Run: `cargo bench --bench verify_vs_kcat` (optionally `-- RECORDS RUNS`).
//! Under `cargo test` it runs a 2,000-record smoke pass instead.
//! Prints a Markdown table; docs/BENCHMARKS.md records the figures. No thresholds.

use std::process::Command;
use std::time::{Duration, Instant};

use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

mod support;

const TOPIC: &str = "bench";
/// The mock keeps at most 100k record batches or 5 MB per partition: 40
/// partitions hold 1M records of ~130 B (provenance included) with room to spare.
const PARTITIONS: i32 = 40;

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut numbers = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let records: u64 =
        numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 1_000_000 } else { 2_000 });
    let runs: usize = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 3 } else { 1 });

    let source = MockCluster::new(3).expect("source mock cluster");
    let destination = MockCluster::new(3).expect("destination mock cluster");
    source.create_topic(TOPIC, PARTITIONS, 1).expect("source topic");
    destination.create_topic(TOPIC, PARTITIONS, 1).expect("destination topic");
    let (source_bootstrap, destination_bootstrap) = (source.bootstrap_servers(), destination.bootstrap_servers());
    seed(&source_bootstrap, records, false);
    seed(&destination_bootstrap, records, true);

    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    let plan = dir.path().join("plan.toml");
    std::fs::write(
        &config,
        format!("[clusters.source]\nbootstrap = \"{source_bootstrap}\"\n[clusters.destination]\nbootstrap = \"{destination_bootstrap}\"\n"),
    )
    .expect("config");
    std::fs::write(&plan, "name = \"bench\"\nsource = \"source\"\ndestination = \"destination\"\n").expect("plan");
    let kcat = which("kcat");
    let kdeck = env!("CARGO_BIN_EXE_kdeck");
    let verify_args =
        ["--config", config.to_str().unwrap(), "verify", "--plan", plan.to_str().unwrap(), "--parallel", "8"];

    // Both must see every record before their times mean anything.
    for bootstrap in [&source_bootstrap, &destination_bootstrap] {
        let (count, _) = kcat_count(&kcat, bootstrap);
        assert_eq!(count, records, "kcat counted {count} of {records} records on {bootstrap}");
    }
    let (summary, _) = kdeck_verify(kdeck, &verify_args);
    let expected = format!("source {records}  destination {records}");
    assert!(summary.contains(&expected) && summary.contains("result: match"), "kdeck verify said:\n{summary}");

    println!("records per side: {records}, partitions: {PARTITIONS}, runs: {runs} (median wall)\n");
    println!("| what | wall | ratio to kcat on both |");
    println!("|---|---|---|");
    let (mut kcat_both, mut verify) = (Vec::new(), Vec::new());
    // Interleaved, so drift on the machine hits both alike.
    for _ in 0..runs {
        let (_, on_source) = kcat_count(&kcat, &source_bootstrap);
        let (_, on_destination) = kcat_count(&kcat, &destination_bootstrap);
        kcat_both.push(on_source + on_destination);
        verify.push(kdeck_verify(kdeck, &verify_args).1);
    }
    let (kcat_wall, verify_wall) = (median(&mut kcat_both), median(&mut verify));
    println!(
        "| kcat -C -e -q -o beginning -f '\\n' \\| wc -l, source then destination | {:.2} s | 1.00 |",
        kcat_wall.as_secs_f64()
    );
    println!(
        "| kdeck verify --parallel 8 (counts, checksums, alignment by provenance) | {:.2} s | {:.2} |",
        verify_wall.as_secs_f64(),
        verify_wall.as_secs_f64() / kcat_wall.as_secs_f64()
    );
}

/// ~100 B records, the same on both sides; the destination's carry provenance.
fn seed(bootstrap: &str, records: u64, provenance: bool) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    for n in 0..records {
        let key = format!("key-{n:08}");
        let value = format!("{{\"n\":{n:08},\"payload\":\"{:0>60}\"}}", n % 1000);
        let partition = (n % PARTITIONS as u64) as i32;
        let mark = format!("/{TOPIC}/{partition}/{}", n / PARTITIONS as u64);
        let mut record =
            BaseRecord::to(TOPIC).key(&key).payload(&value).partition(partition).timestamp(1_700_000_000_000);
        if provenance {
            record = record.headers(OwnedHeaders::new().insert(Header { key: "kdeck-provenance", value: Some(&mark) }));
        }
        support::send(&producer, record);
    }
    producer.flush(Duration::from_secs(120)).expect("seed delivered");
}

fn kcat_count(kcat: &str, bootstrap: &str) -> (u64, Duration) {
    let started = Instant::now();
    let output = Command::new("sh")
        .arg("-c")
        .arg(format!("'{kcat}' -C -b '{bootstrap}' -t {TOPIC} -e -q -o beginning -f '\\n' | wc -l"))
        .output()
        .expect("run kcat");
    let wall = started.elapsed();
    assert!(output.status.success(), "kcat: {}", String::from_utf8_lossy(&output.stderr));
    (String::from_utf8_lossy(&output.stdout).trim().parse().expect("wc -l prints a number"), wall)
}

fn kdeck_verify(kdeck: &str, args: &[&str]) -> (String, Duration) {
    let started = Instant::now();
    let output = Command::new(kdeck)
        .args(args)
        .env("KDECK_LOG", std::env::var("VERIFY_BENCH_LOG").unwrap_or("/dev/null".into()))
        .env("KDECK_LOG_LEVEL", "kdeck=debug")
        .output()
        .expect("run kdeck verify");
    let wall = started.elapsed();
    assert!(output.status.success(), "kdeck verify: {}", String::from_utf8_lossy(&output.stderr));
    (String::from_utf8_lossy(&output.stdout).into_owned(), wall)
}

fn median(walls: &mut [Duration]) -> Duration {
    walls.sort();
    walls[walls.len() / 2]
}

fn which(name: &str) -> String {
    std::env::var_os("PATH")
        .and_then(|paths| std::env::split_paths(&paths).map(|d| d.join(name)).find(|p| p.is_file()))
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| panic!("{name} not found: apt-get install {name}"))
}
