//! `kdeck demo --serve`: two live clusters any client can use, profiles on
//! disk, and a clean stop on SIGTERM.

use std::process::Command;
use std::time::{Duration, Instant};

use crate::support::{kcat, Kdeck};

#[test]
fn demo_serves_two_clusters_and_stops_on_sigterm() {
    let kdeck = Kdeck::new();
    let mut demo = kdeck.serve_demo("high");
    let (profiles, bootstrap, child) = (&demo.profiles, &demo.bootstrap, &mut demo.child);
    let source = &bootstrap["source"];
    assert!(bootstrap.contains_key("destination"));

    let config = profiles.to_str().unwrap();
    let meta = kdeck.run(&["--config", config, "meta", "-b", "source"], None);
    assert_eq!(meta.code, Some(0), "{}", meta.stderr);
    let listing = meta.stdout_text();
    assert!(listing.contains(" 3 brokers:"), "{listing}");
    for topic in ["orders", "payments", "customers", "inventory.events", "optr-audit", "__amazon_msk_canary"] {
        assert!(listing.contains(&format!("topic \"{topic}\"")), "{topic} missing from\n{listing}");
    }
    let destination = kdeck.run(&["--config", config, "meta", "-b", "destination"], None);
    assert_eq!(destination.code, Some(0), "{}", destination.stderr);
    assert!(destination.stdout_text().contains(" 3 brokers:"));

    // Debian's kcat reads the seeded estate: keyed JSON with headers.
    let read =
        kcat(&["-C", "-b", source, "-t", "orders", "-p", "0", "-o", "beginning", "-c", "3", "-f", "%k|%h|%s\\n"], None);
    assert_eq!(read.code, Some(0), "{}", read.stderr);
    let text = read.stdout_text();
    assert_eq!(text.lines().count(), 3, "{text}");
    for line in text.lines() {
        let mut parts = line.splitn(3, '|');
        assert!(parts.next().unwrap().starts_with("order-"), "{line}");
        assert!(parts.next().unwrap().contains("trace-id="), "{line}");
        let value: serde_json::Value = serde_json::from_str(parts.next().unwrap()).expect("JSON value");
        assert!(value.get("order_id").is_some());
    }

    // The load generator keeps producing.
    let before = high_watermark_sum(&kdeck, config);
    let deadline = Instant::now() + Duration::from_secs(20);
    while high_watermark_sum(&kdeck, config) <= before {
        assert!(Instant::now() < deadline, "no new records from the load generator");
        std::thread::sleep(Duration::from_millis(200));
    }

    let pid = child.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "demo did not stop on SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "demo exited with {status}");
}

fn high_watermark_sum(kdeck: &Kdeck, config: &str) -> i64 {
    let run = kdeck.run(&["--config", config, "offsets", "-b", "source", "-t", "orders", "-J"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let answers: Vec<serde_json::Value> = serde_json::from_slice(&run.stdout).unwrap();
    answers.iter().map(|a| a["high"].as_i64().unwrap()).sum()
}
