//! What decoding through a schema registry costs `kdeck consume`: the same
//! 1M Avro records (Confluent wire format, about 100 bytes each) read raw and
//! decoded with `-s value=avro -r URL`, side by side in one run, to /dev/null.
//!
//! Run: `cargo bench --bench consume_avro` (optionally `-- RECORDS RUNS`).
//! Under `cargo test` it runs a 2,000-record smoke pass instead. The registry
//! is the test registry of tests/support/registry.rs (one schema fetch per run:
//! the id is cached). No thresholds: docs/BENCHMARKS.md records the figures.

#[path = "../tests/support/registry.rs"]
#[allow(dead_code)]
mod registry;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use apache_avro::types::Value;
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

mod support;

const TOPIC: &str = "bench-avro";
const PARTITIONS: i32 = 40;
const SCHEMA_ID: u32 = 7;
const SCHEMA: &str = r#"{"type":"record","name":"Order","namespace":"bench","fields":[
  {"name":"id","type":"long"},
  {"name":"customer","type":"string"},
  {"name":"amount","type":"double"},
  {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID","SHIPPED"]}},
  {"name":"note","type":["null","string"]},
  {"name":"lines","type":{"type":"array","items":"int"}}
]}"#;

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut numbers = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let records: u64 =
        numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 1_000_000 } else { 2_000 });
    let runs: usize = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 3 } else { 1 });

    let registry = registry::TestRegistry::start();
    let stored = registry::Stored { schema: SCHEMA.into(), schema_type: None, references: serde_json::json!([]) };
    registry.put_raw(&format!("{TOPIC}-value"), 1, SCHEMA_ID, stored);
    let url = registry.url();

    let cluster = MockCluster::new(3).expect("mock cluster");
    cluster.create_topic(TOPIC, PARTITIONS, 1).expect("topic");
    let bootstrap = cluster.bootstrap_servers();
    let bytes = seed(&bootstrap, records);

    let kdeck = env!("CARGO_BIN_EXE_kdeck");
    let base = ["consume", "-b", bootstrap.as_str(), "-t", TOPIC, "-o", "beginning", "-e", "-q"];
    let decode = ["-s", "value=avro", "-r", url.as_str()];
    let with = |extra: &[&str], decoded: bool| -> Vec<String> {
        let mut all: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        if decoded {
            all.extend(decode.iter().map(|s| s.to_string()));
        }
        all.extend(extra.iter().map(|s| s.to_string()));
        all
    };
    // Both must read every record, and the decoded one must decode them all (exit 0).
    let decoded_lines = run_counting(kdeck, &with(&["-f", "%s\\n"], true));
    assert_eq!(decoded_lines, records, "decoded {decoded_lines} of {records}");
    let raw_lines = run_counting(kdeck, &with(&["-f", "%o\\n"], false));
    assert_eq!(raw_lines, records, "raw read {raw_lines} of {records}");

    println!(
        "records: {records} ({:.0} B of Avro each on average), partitions: {PARTITIONS}, runs per cell: {runs} (median wall)\n",
        bytes as f64 / records as f64
    );
    println!("| output | raw wall | decoded wall | decoded/raw | decoded records/s |");
    println!("|---|---|---|---|---|");
    let variants: [(&str, &[&str]); 2] = [("-f '%s\\n'", &["-f", "%s\\n"]), ("-J", &["-J"])];
    for (label, format) in variants {
        let (mut raw, mut decoded) = (Vec::new(), Vec::new());
        for _ in 0..runs {
            raw.push(time(kdeck, &with(format, false)));
            decoded.push(time(kdeck, &with(format, true)));
        }
        let (raw, decoded) = (median(&mut raw), median(&mut decoded));
        println!(
            "| {label} | {:.2} s | {:.2} s | {:.2} | {:.0} |",
            raw.as_secs_f64(),
            decoded.as_secs_f64(),
            decoded.as_secs_f64() / raw.as_secs_f64(),
            records as f64 / decoded.as_secs_f64()
        );
    }
}

/// Writes `records` framed Avro values; returns the total Avro bytes.
fn seed(bootstrap: &str, records: u64) -> u64 {
    let schema = apache_avro::Schema::parse_str(SCHEMA).expect("schema");
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    let started = Instant::now();
    let mut total = 0;
    for n in 0..records {
        let value = Value::Record(vec![
            ("id".into(), Value::Long(n as i64)),
            ("customer".into(), Value::String(format!("customer-{:06}@example.com", n % 100_000))),
            ("amount".into(), Value::Double(n as f64 * 0.37)),
            ("status".into(), Value::Enum((n % 3) as u32, ["NEW", "PAID", "SHIPPED"][(n % 3) as usize].into())),
            ("note".into(), Value::Union(1, Box::new(Value::String(format!("deliver to door {:05}", n % 997))))),
            ("lines".into(), Value::Array((0..(n % 8) as i32).map(Value::Int).collect())),
        ]);
        let mut framed = vec![0];
        framed.extend(SCHEMA_ID.to_be_bytes());
        framed.extend(apache_avro::to_avro_datum(&schema, value).expect("encode"));
        total += framed.len() as u64;
        let key = format!("key-{n:08}");
        support::send(
            &producer,
            BaseRecord::to(TOPIC).key(&key).payload(&framed).partition((n % PARTITIONS as u64) as i32),
        );
    }
    producer.flush(Duration::from_secs(120)).expect("seed delivered");
    eprintln!("seeded {records} records in {:.1} s", started.elapsed().as_secs_f64());
    total
}

fn time(program: &str, args: &[String]) -> Duration {
    let started = Instant::now();
    let status = Command::new(program).args(args).stdout(Stdio::null()).stderr(Stdio::null()).status().expect("run");
    assert!(status.success(), "{program} {args:?} failed");
    started.elapsed()
}

fn run_counting(program: &str, args: &[String]) -> u64 {
    let output = Command::new(program).args(args).output().expect("run");
    assert!(output.status.success(), "{program}: {}", String::from_utf8_lossy(&output.stderr));
    output.stdout.iter().filter(|&&b| b == b'\n').count() as u64
}

fn median(runs: &mut [Duration]) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}
