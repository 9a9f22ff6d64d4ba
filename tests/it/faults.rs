//! Behaviour when the cluster misbehaves or the user interrupts: injected
//! through the mock cluster's fault API and real signals.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::types::{RDKafkaApiKey, RDKafkaRespErr};

use crate::support::{Kdeck, MockKafka, TestRecord};

#[test]
fn a_cluster_with_every_broker_down_is_a_one_line_runtime_error() {
    let kafka = MockKafka::new(2);
    kafka.create_topic("orders", 2);
    for broker in [1, 2] {
        kafka.cluster().broker_down(broker).expect("take broker down");
    }
    let kdeck = Kdeck::new();
    let run = kdeck.run(&["meta", "-b", kafka.bootstrap(), "-m", "1"], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("cannot fetch metadata"), "{}", run.stderr);
}

#[test]
fn offsets_report_a_broker_error_on_one_line() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 1);
    // Every ListOffsets request fails, as on a cluster whose leader is moving.
    let errors = [RDKafkaRespErr::RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION; 64];
    kafka.cluster().request_errors(RDKafkaApiKey::ListOffsets, &errors);
    let kdeck = Kdeck::new();
    let run = kdeck.run(&["offsets", "-b", kafka.bootstrap(), "-m", "2", "-t", "orders"], None);
    assert_eq!(run.code, Some(1), "stdout {:?} stderr {}", run.stdout_text(), run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains("orders"), "{}", run.stderr);
}

#[test]
fn sigint_flushes_what_was_read_and_exits_zero() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 1);
    let records: Vec<TestRecord> = (0..5).map(|i| TestRecord::new(0, None, Some(format!("v{i}").as_bytes()))).collect();
    kafka.produce("orders", &records);
    let kdeck = Kdeck::new();
    // No -e: kdeck waits for more records until interrupted.
    let mut child = kdeck
        .command()
        .args(["consume", "-b", kafka.bootstrap(), "-t", "orders", "-o", "beginning"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn consume");
    let mut stderr = child.stderr.take().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen = Vec::new();
    // The end-of-partition notice says all five were read.
    while !String::from_utf8_lossy(&seen).contains("Reached end of topic orders [0] at offset 5") {
        assert!(Instant::now() < deadline, "no end notice: {}", String::from_utf8_lossy(&seen));
        let mut buf = [0u8; 256];
        let n = stderr.read(&mut buf).unwrap();
        seen.extend_from_slice(&buf[..n]);
    }
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "exit {:?}", output.status);
    assert_eq!(String::from_utf8_lossy(&output.stdout), "v0\nv1\nv2\nv3\nv4\n");
}
