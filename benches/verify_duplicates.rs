//! The reconciliation of one partition copied at least once, in-process (no
//! broker): how long `reconcile` takes when the destination holds the
//! redeliveries a restarted runner leaves, found by content (no provenance).
//!
//! Run: `cargo bench --bench verify_duplicates` (optionally `-- RECORDS RUNS`).
//! Under `cargo test` it runs a 20,000-record smoke pass instead.
//! Prints a Markdown table; docs/BENCHMARKS.md records the figures. No thresholds.

use std::time::Instant;

use kdeck::verify::fingerprint::{Entry, Fields};
use kdeck::verify::reconcile::{reconcile, ReconcileOptions};

fn fields(n: i64) -> Fields {
    Fields { key: n as u64 * 7 + 1, value: n as u64 * 13 + 2, headers: 3, timestamp: 1_000 + n }
}

fn median(mut times: Vec<f64>) -> f64 {
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut numbers = std::env::args().skip(1).filter(|a| !a.starts_with("--"));
    let records: i64 =
        numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 1_000_000 } else { 20_000 });
    let runs: usize = numbers.next().and_then(|a| a.parse().ok()).unwrap_or(if benchmarking { 3 } else { 1 });
    let redelivered = records / 10;
    let cases: Vec<(String, Vec<i64>)> = vec![
        ("clean copy".into(), (0..records).collect()),
        (
            format!("one restart, {redelivered} records copied again"),
            (0..records / 2).chain(records / 2 - redelivered..records).collect(),
        ),
        // Restarts 90,000 records back: within the 100,000 remembered copies.
        ("a restart every 100,000 records, 90,000 back".into(), {
            let mut of = Vec::new();
            let mut at = 0;
            while at < records {
                let end = (at + 100_000).min(records);
                of.extend(at..end);
                at = if end == records { end } else { end - 90_000 };
            }
            of
        }),
    ];
    println!("| {records} source records, content only | destination records | duplicates | ranges | median wall |");
    println!("|---|---:|---:|---:|---:|");
    for (name, copied) in cases {
        let mut times = Vec::new();
        let mut shape = (0, 0, 0);
        for _ in 0..runs {
            let source: Vec<Entry> = (0..records).map(|n| Entry::new(n, None, fields(n))).collect();
            let destination: Vec<Entry> =
                copied.iter().enumerate().map(|(at, &n)| Entry::new(at as i64, None, fields(n))).collect();
            let started = Instant::now();
            let diff = reconcile(&mut source.into_iter(), &mut destination.into_iter(), ReconcileOptions::default())
                .expect("vectors never fail");
            times.push(started.elapsed().as_secs_f64());
            assert_eq!(diff.matched, records as u64, "{name}: every source record has a copy");
            shape = (diff.destination.records, diff.duplicates, diff.duplicate_ranges.len());
        }
        println!("| {name} | {} | {} | {} | {:.3} s |", shape.0, shape.1, shape.2, median(times));
    }
}
