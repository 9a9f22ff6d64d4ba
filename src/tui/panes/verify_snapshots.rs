//! The Verify pane drawn at 120x40 and 80x24: before any run, while a run is
//! in progress, with a mixed result, and drilled down to a first mismatch.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;
use crate::verify::explain::Verdict;
use crate::verify::fingerprint::Field;
use crate::verify::plan_run::{TopicReport, VerifyReport};
use crate::verify::read::PartitionResult;
use crate::verify::reconcile::{Anomaly, AnomalyKind, PartitionDiff};

/// What the pane's effects amount to, as the old intents named them.
#[derive(Debug, PartialEq, Eq)]
enum VerifyIntent {
    Nothing,
    Redraw,
    Start,
}

trait Updating {
    fn intent_of(&mut self, action: &Action) -> VerifyIntent;
}

impl Updating for VerifyPane {
    fn intent_of(&mut self, action: &Action) -> VerifyIntent {
        let test = super::super::common::TestContext::new("source:9092", "destination:9092");
        let effects = self.update(action, &test.context());
        match (effects.requests.as_slice(), effects.redraw) {
            ([Request::Verify], _) => VerifyIntent::Start,
            (_, true) => VerifyIntent::Redraw,
            _ => VerifyIntent::Nothing,
        }
    }
}

fn draw(pane: &VerifyPane, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let test = super::super::common::TestContext::new("source:9092", "destination:9092");
    terminal.draw(|frame| render(frame, frame.area(), pane, &test.context())).expect("draw");
    crate::tui::snapshot_tests::buffer_text(terminal.backend().buffer())
}

fn snapshot_both(name: &str, pane: &VerifyPane) {
    for (width, height) in [(120, 40), (80, 24)] {
        insta::assert_snapshot!(format!("verify_{name}_{width}x{height}"), draw(pane, width, height));
    }
}

fn topic(name: &str, verdict: Verdict, records: u64, duplicates: u64, lag: u64) -> TopicReport {
    TopicReport {
        topic: name.into(),
        destination_topic: name.into(),
        verdict: Some(verdict),
        excluded: None,
        missing_on_destination: false,
        partition_counts: None,
        source_records: records,
        destination_records: records + duplicates - lag,
        duplicates,
        lag,
        partitions: vec![PartitionResult {
            topic: name.into(),
            partition: 0,
            verdict,
            notes: Vec::new(),
            source_low: 0,
            diff: PartitionDiff::default(),
        }],
    }
}

fn changed_header() -> Anomaly {
    Anomaly {
        kind: AnomalyKind::Changed,
        source_offset: Some(1_204),
        destination_offset: Some(1_311),
        found_at: None,
        first_copy: None,
        fields: vec![Field::Headers],
    }
}

fn record(offset: i64, trace: &str) -> InspectedRecord {
    InspectedRecord {
        partition: 3,
        offset,
        timestamp_ms: 1_795_599_000_000,
        key: Some(b"order-1204".to_vec()),
        value: Some(br#"{"id":1204,"amount":"49.90","currency":"EUR"}"#.to_vec()),
        headers: vec![("trace".into(), Some(trace.as_bytes().to_vec()))],
        decoded: None,
    }
}

fn finished() -> VerifyPane {
    let report = VerifyReport {
        plan: "msk-to-ccloud".into(),
        source: "msk".into(),
        destination: "ccloud".into(),
        verdict: Verdict::Mismatch,
        topics: vec![
            topic("customers", Verdict::Match, 300, 0, 0),
            topic("inventory.events", Verdict::Explained, 5_000, 0, 120),
            topic("orders", Verdict::Mismatch, 120_000, 1, 0),
            topic("payments", Verdict::Match, 40_000, 0, 0),
        ],
    };
    let sample = MismatchSample {
        topic: "orders".into(),
        partition: 3,
        anomaly: changed_header(),
        source: Some(record(1_204, "a1")),
        destination: Some(record(1_311, "edited")),
    };
    let mut pane = VerifyPane::default();
    pane.on_started();
    pane.on_verified(Ok(VerifyOutcome { report, samples: vec![sample] }));
    pane
}

#[test]
fn before_the_first_run() {
    snapshot_both("idle", &VerifyPane::default());
}

#[test]
fn a_run_in_progress_shows_the_bar_and_marks_topics() {
    let mut pane = finished();
    assert_eq!(pane.intent_of(&Action::Refresh), VerifyIntent::Start);
    pane.on_progress(VerifyProgressView {
        records_read: 62_000,
        records_expected: 165_300,
        partitions_done: 7,
        partitions_total: 19,
    });
    assert_eq!(pane.intent_of(&Action::Refresh), VerifyIntent::Nothing, "one run at a time");
    snapshot_both("running", &pane);
}

#[test]
fn a_finished_run_and_its_first_mismatch_side_by_side() {
    let mut pane = finished();
    snapshot_both("finished", &pane);
    assert_eq!(pane.intent_of(&Action::Expand), VerifyIntent::Nothing, "customers has no mismatch to open");
    pane.intent_of(&Action::Down);
    pane.intent_of(&Action::Down);
    assert_eq!(pane.intent_of(&Action::Expand), VerifyIntent::Redraw);
    snapshot_both("drill", &pane);
    assert_eq!(pane.intent_of(&Action::Escape), VerifyIntent::Redraw);
    assert!(!pane.drill);
}

#[test]
fn a_failed_run_says_why() {
    let mut pane = VerifyPane::default();
    pane.on_started();
    pane.on_verified(Err("cannot reach msk: all brokers down".into()));
    snapshot_both("failed", &pane);
}
