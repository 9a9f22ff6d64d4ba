//! One Lag-pane refresh computation plus one full render, at the reference
//! migration's scale: 500 topics x 6 partitions, 8 lanes, 120x40 terminal.
//!
//! Run: `cargo bench --bench lag_pane` (prints the median and worst of 200
//! frames; the goal is under 50 ms). Under `cargo test` it draws 5 frames.

use std::time::{Duration, Instant};

use kdeck::engine::assignment::TopicPartition;
use kdeck::engine::status::{
    EngineState, EngineStatus, LaneState, LaneStatus, PartitionStatus, TopicState, TopicStatus,
};
use kdeck::tui::panes::lag::{render, LagPane};
use kdeck::tui::panes::PaneContext;
use kdeck::tui::theme::Theme;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

const TOPICS: usize = 500;
const PARTITIONS: i32 = 6;

/// A snapshot `tick` seconds into a migration: offsets move every tick.
fn status(tick: i64) -> EngineStatus {
    let mut partitions = Vec::new();
    let mut topics = Vec::new();
    for t in 0..TOPICS {
        let name = format!("business.topic-{t:03}");
        for p in 0..PARTITIONS {
            let high = 1_000_000 + tick * 1_000 + (t as i64 * 7 + p as i64) % 500;
            partitions.push(PartitionStatus {
                source: TopicPartition::new(name.as_str(), p),
                destination_topic: name.clone(),
                source_high_watermark: high,
                next_source_offset: high - (t as i64 % 50) * 100,
                destination_high_watermark: high - (t as i64 % 50) * 100 + 3,
                records_copied: (tick as u64) * 900,
            });
        }
        topics.push(TopicStatus {
            source_topic: name.clone(),
            destination_topic: name,
            partitions: PARTITIONS,
            state: TopicState::Copying,
        });
    }
    let lanes = (0..8)
        .map(|lane| LaneStatus {
            lane,
            transactional_id: format!("kdeck-bench-lane-{lane}"),
            partitions: Vec::new(),
            state: LaneState::Copying,
            records_total: tick as u64 * 40_000,
            bytes_total: tick as u64 * 4_000_000,
            records_per_sec: 40_000.0,
            bytes_per_sec: 4_000_000.0,
            commits: tick as u64 * 5,
            aborts: 0,
            last_error: None,
        })
        .collect();
    EngineStatus {
        plan: "bench".into(),
        mode: "exactly-once".into(),
        state: EngineState::Running,
        lanes_target: 8,
        lanes,
        partitions,
        topics,
        updated_at_ms: 1_700_000_000_000 + tick * 1000,
        ..EngineStatus::default()
    }
}

fn main() {
    let frames = if std::env::args().any(|a| a == "--bench") { 200 } else { 5 };
    let theme = Theme::standard();
    let keymap = kdeck::tui::keymap::Keymap::defaults();
    let clusters = kdeck::config::parse("", std::path::Path::new("bench")).expect("empty config");
    let resolve = |name: &str| {
        let args = kdeck::config::ClusterArgs { cluster: name.into(), properties_file: None, overrides: Vec::new() };
        kdeck::config::resolve_cluster(&args, &clusters).expect("broker list")
    };
    let (source, destination) = (resolve("source:9092"), resolve("destination:9092"));
    let mut pane = LagPane::default();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
    let snapshots: Vec<EngineStatus> = (0..frames as i64).map(status).collect();
    let mut timings: Vec<Duration> = Vec::with_capacity(frames);
    for (tick, snapshot) in snapshots.iter().enumerate() {
        let started = Instant::now();
        pane.refresh(snapshot, 1_700_000_000_000 + tick as i64 * 1000);
        terminal
            .draw(|frame| {
                let area = frame.area();
                let context = PaneContext {
                    source: &source,
                    destination: &destination,
                    status: snapshot,
                    keymap: &keymap,
                    theme: &theme,
                    now_ms: 1_700_000_000_000,
                    body_rows: area.height,
                    read_only: false,
                };
                render(frame, area, &pane, &context);
            })
            .expect("draw");
        timings.push(started.elapsed());
    }
    timings.sort();
    let median = timings[timings.len() / 2];
    let worst = timings[timings.len() - 1];
    println!(
        "lag pane, {TOPICS} topics x {PARTITIONS} partitions, refresh + render at 120x40: median {:.2} ms, worst {:.2} ms over {frames} frames (goal < 50 ms)",
        median.as_secs_f64() * 1e3,
        worst.as_secs_f64() * 1e3
    );
}
