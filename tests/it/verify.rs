//! `kdeck verify` against real brokers: a copy made by the engine matches; the
//! same copy with one defect injected per partition is caught at the defect's
//! exact partition and offsets; records removed by source retention before the
//! copy are explained, not flagged.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;

use crate::support::{drain, write_plan, Kdeck, MockKafka, ReadRecord, TestRecord};

const PER_PARTITION: usize = 30;
/// The defect sits at this position of each tampered partition.
const AT: usize = 10;

fn records(partitions: i32) -> Vec<TestRecord> {
    let mut records = Vec::new();
    for i in 0..PER_PARTITION {
        for p in 0..partitions {
            let mut record =
                TestRecord::new(p, Some(format!("k{p}-{i}").as_bytes()), Some(format!("v{p}-{i}").as_bytes()))
                    .at(1_700_000_000_000 + i as i64);
            if i % 2 == 0 {
                record = record.header("trace", Some(format!("t{i}").as_bytes()));
            }
            records.push(record);
        }
    }
    records
}

fn to_test_record(read: &ReadRecord) -> TestRecord {
    TestRecord {
        partition: Some(read.partition),
        key: read.key.clone(),
        value: read.value.clone(),
        headers: read.headers.clone(),
        timestamp: read.timestamp,
    }
}

/// A config and a plan in their own directory (several plans per test).
fn plan_in(kdeck: &Kdeck, name: &str, source: &str, destination: &str, body: &str) -> (PathBuf, PathBuf) {
    let dir = kdeck.home.path().join(name);
    std::fs::create_dir_all(&dir).unwrap();
    write_plan(&dir, source, destination, &format!("name = \"{name}\"\n{body}"))
}

fn replicate_until_caught_up(kdeck: &Kdeck, config: &Path, plan: &Path) {
    let run = kdeck.run(
        &["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap(), "--exit-when-caught-up"],
        None,
    );
    assert_eq!(run.code, Some(0), "replicate: {}", run.stderr);
}

fn verify_json(kdeck: &Kdeck, config: &Path, plan: &Path) -> (Option<i32>, Value, String) {
    let mut command = kdeck.command();
    command.args(["--config", config.to_str().unwrap(), "verify", "--plan", plan.to_str().unwrap(), "--json"]);
    command.stdin(Stdio::null());
    let run = crate::support::run(command, None);
    let json = serde_json::from_slice(&run.stdout)
        .unwrap_or_else(|err| panic!("verify printed no JSON ({err}): {} / {}", run.stdout_text(), run.stderr));
    (run.code, json, run.stderr)
}

/// (partition, kind, source offset, destination offset, (another field, its value))
type Expected = (i64, &'static str, Value, i64, (&'static str, Value));

fn partition<'a>(report: &'a Value, topic: &str, partition: i64) -> &'a Value {
    let topic = report["topics"].as_array().unwrap().iter().find(|t| t["topic"] == topic).expect("topic in report");
    topic["partitions"].as_array().unwrap().iter().find(|p| p["partition"] == partition).expect("partition in report")
}

#[test]
fn verify_catches_each_injected_defect_at_its_partition_and_offset() {
    let (source, copy, tampered) = (MockKafka::new(1), MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 7);
    copy.create_topic("orders", 7);
    tampered.create_topic("orders", 7);
    source.produce("orders", &records(7));
    let kdeck = Kdeck::new();
    let (config, plan) = plan_in(&kdeck, "copy", source.bootstrap(), copy.bootstrap(), "[engine]\nlanes = 2\n");
    replicate_until_caught_up(&kdeck, &config, &plan);

    let (code, report, stderr) = verify_json(&kdeck, &config, &plan);
    assert_eq!(code, Some(0), "the engine's copy verifies: {report:#} {stderr}");
    assert_eq!(report["verdict"], "match");
    for p in 0..7 {
        let result = partition(&report, "orders", p);
        assert_eq!(result["source"]["records"], PER_PARTITION as u64);
        assert_eq!(result["source"]["checksum"], result["destination"]["checksum"], "[{p}]");
    }

    // Copy the engine's copy (provenance headers and all) with one defect per partition.
    let copied = drain(copy.bootstrap(), "orders", Duration::from_millis(1500));
    for p in 0..7 {
        let mut records: Vec<TestRecord> = copied.iter().filter(|r| r.partition == p).map(to_test_record).collect();
        assert_eq!(records.len(), PER_PARTITION);
        match p {
            1 => drop(records.remove(AT)),
            2 => records.insert(AT, TestRecord::new(2, Some(b"intruder"), Some(b"x"))),
            3 => records.insert(AT + 1, records[AT].clone()),
            4 => records.swap(AT, AT + 1),
            5 => records[AT].headers.push(("trace".into(), Some(b"edited".to_vec()))),
            6 => records[AT].timestamp = records[AT].timestamp.map(|ts| ts + 1),
            _ => {}
        }
        tampered.produce("orders", &records);
    }
    let (config, plan) = plan_in(&kdeck, "tampered", source.bootstrap(), tampered.bootstrap(), "");
    let (code, report, stderr) = verify_json(&kdeck, &config, &plan);
    assert_eq!(code, Some(1), "a mismatch exits 1: {stderr}");
    assert!(stderr.contains("verification failed") && stderr.lines().count() == 1, "{stderr}");
    assert_eq!(report["verdict"], "mismatch");
    let at = AT as i64;
    let expected: [Expected; 6] = [
        (1, "missing", at.into(), at, ("fields", Value::Null)),
        (2, "extra", Value::Null, at, ("fields", Value::Null)),
        (3, "duplicate", at.into(), at + 1, ("first_copy", at.into())),
        (4, "out_of_order", at.into(), at, ("found_at", (at + 1).into())),
        (5, "changed", at.into(), at, ("fields", serde_json::json!(["headers"]))),
        (6, "changed", at.into(), at, ("fields", serde_json::json!(["timestamp"]))),
    ];
    assert_eq!(partition(&report, "orders", 0)["verdict"], "match");
    for (p, kind, source_offset, destination_offset, (field, value)) in expected {
        let result = partition(&report, "orders", p);
        assert_eq!(result["verdict"], "mismatch", "[{p}] {result:#}");
        assert_eq!(result["anomaly_count"], 1, "[{p}] exactly one difference: {result:#}");
        let first = &result["anomalies"][0];
        assert_eq!(first["kind"], kind, "[{p}] {first:#}");
        assert_eq!(first["source_offset"], source_offset, "[{p}] {first:#}");
        assert_eq!(first["destination_offset"], destination_offset, "[{p}] {first:#}");
        assert_eq!(first[field], value, "[{p}] {first:#}");
    }
    assert_eq!(partition(&report, "orders", 1)["missing"][0]["first_offset"], at);

    // The text form names the same positions.
    let run = kdeck.run(&["--config", config.to_str().unwrap(), "verify", "--plan", plan.to_str().unwrap()], None);
    assert_eq!(run.code, Some(1));
    let text = run.stdout_text();
    for line in [
        "[1] missing: source offset 10 has no copy (expected at destination offset 10)",
        "[2] extra: destination offset 10 is a copy of no source record",
        "[3] duplicates: destination offset 11 repeats source offset 10, first copied at destination offset 10 (1 record)",
        "[4] out of order: source offset 10 belongs at destination offset 10, found at 11",
        "[5] changed: destination offset 10 differs from source offset 10 in headers",
        "[6] changed: destination offset 10 differs from source offset 10 in timestamp",
    ] {
        assert!(text.contains(line), "missing line {line:?} in:\n{text}");
    }
}

#[test]
fn records_removed_by_source_retention_before_the_copy_are_explained() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("events", 1);
    destination.create_topic("events", 1);
    // The mock keeps at most 5 MB per partition: 7 MB of records lose their oldest before the copy starts.
    let filler = "a".repeat(10_000);
    let records: Vec<TestRecord> =
        (0..700).map(|i| TestRecord::new(0, None, Some(format!("{i}-{filler}").as_bytes()))).collect();
    source.produce("events", &records);
    let kdeck = Kdeck::new();
    let (config, plan) = plan_in(&kdeck, "retained", source.bootstrap(), destination.bootstrap(), "");
    // The copy is compressed, so the destination keeps all of it.
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str("\"compression.type\" = \"lz4\"\n");
    std::fs::write(&config, text).unwrap();
    replicate_until_caught_up(&kdeck, &config, &plan);
    let (code, report, stderr) = verify_json(&kdeck, &config, &plan);
    assert_eq!(code, Some(0), "explained differences exit 0: {stderr}");
    let result = partition(&report, "events", 0);
    assert_eq!(result["verdict"], "explained", "{result:#}");
    assert!(result["source_low"].as_i64().unwrap() > 0, "{result:#}");
    assert_eq!(result["anomaly_count"], 0);
    assert_eq!(result["source"]["records"], result["destination"]["records"]);
    assert!(result["notes"][0].as_str().unwrap().contains("removed by retention"), "{result:#}");
    assert_eq!(report["verdict"], "explained");
}

#[test]
fn verify_usage_errors_exit_2_with_one_line() {
    let source = MockKafka::new(1);
    source.create_topic("orders", 1);
    let kdeck = Kdeck::new();
    let (config, plan) =
        plan_in(&kdeck, "usage", source.bootstrap(), source.bootstrap(), "[topics]\nrename = \"copy-{topic}\"\n");
    let config = config.to_str().unwrap();
    for args in [
        vec!["--config", config, "verify", "--plan", "/nonexistent/plan.toml"],
        vec!["--config", config, "verify", "--plan", plan.to_str().unwrap(), "--topic", "no-such-topic"],
        vec!["--config", config, "verify"],
    ] {
        let run = kdeck.run(&args, None);
        assert_eq!(run.code, Some(2), "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.trim().lines().count(), 1, "{args:?}: {}", run.stderr);
    }
}

#[test]
fn records_absent_from_the_destination_are_lag_only_when_the_engine_state_says_so() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 1);
    destination.create_topic("orders", 1);
    source.produce("orders", &records(1));
    let kdeck = Kdeck::new();
    // Never replicated: no engine state, so the 30 records are missing, not in flight.
    let (config, plan) = plan_in(&kdeck, "never", source.bootstrap(), destination.bootstrap(), "");
    let (code, report, stderr) = verify_json(&kdeck, &config, &plan);
    assert_eq!(code, Some(1), "{report:#} {stderr}");
    assert_eq!(report["verdict"], "mismatch");
    let result = partition(&report, "orders", 0);
    assert!(result["notes"][0].as_str().unwrap().contains("records missing"), "{result:#}");
    // Replicated, then more produced: the new records are past the committed position.
    replicate_until_caught_up(&kdeck, &config, &plan);
    source.produce("orders", &records(1));
    let (code, report, stderr) = verify_json(&kdeck, &config, &plan);
    assert_eq!(code, Some(0), "{report:#} {stderr}");
    assert_eq!(report["verdict"], "explained");
    assert_eq!(report["topics"][0]["lag"], PER_PARTITION as u64, "{report:#}");
}

#[test]
fn a_plan_that_selects_nothing_or_a_topic_outside_it_is_not_a_pass() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 1);
    source.create_topic("payments", 1);
    let kdeck = Kdeck::new();
    let (config, empty) =
        plan_in(&kdeck, "empty", source.bootstrap(), destination.bootstrap(), "[topics]\ninclude = [\"nothing.*\"]\n");
    let run = kdeck.run(&["--config", config.to_str().unwrap(), "verify", "--plan", empty.to_str().unwrap()], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains("selects no topic"), "{}", run.stderr);
    let (config, plan) =
        plan_in(&kdeck, "orders", source.bootstrap(), destination.bootstrap(), "[topics]\ninclude = [\"orders\"]\n");
    let args =
        ["--config", config.to_str().unwrap(), "verify", "--plan", plan.to_str().unwrap(), "--topic", "payments"];
    let run = kdeck.run(&args, None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("not a topic of plan orders"), "{}", run.stderr);
}

#[test]
fn differing_partition_counts_are_named() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 3);
    destination.create_topic("orders", 1);
    source.produce("orders", &records(3));
    let kdeck = Kdeck::new();
    let (config, plan) = plan_in(&kdeck, "counts", source.bootstrap(), destination.bootstrap(), "");
    let (code, report, stderr) = verify_json(&kdeck, &config, &plan);
    assert_eq!(code, Some(1), "{report:#} {stderr}");
    let counts = report["topics"][0]["partition_counts"].as_str().unwrap_or_default();
    assert!(counts.contains("partition counts differ: orders has 1 on the destination, orders has 3"), "{report:#}");
}
