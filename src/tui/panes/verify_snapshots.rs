//! The Verify pane drawn at 120x40 and 80x24: before any run, while a run is
//! in progress, with a mixed result, drilled down to a first mismatch, and
//! with the schema check of a plan that names registries.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::*;
use crate::schemas::verify::{IdCheck, IdState, IdUse, SchemaCheck};
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
    pane.on_verified(Ok(VerifyOutcome { report, samples: vec![sample], schemas: None }));
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

fn id_check(id: u32, subject: &str, partition: i32, records: u64, state: IdState) -> IdCheck {
    let first_use = IdUse { topic: "orders".into(), partition, offset: 0, field: "value", records };
    IdCheck { id, subjects: vec![subject.into()], first_use, state }
}

/// A pane whose topics all match, with `schemas` as the schema check.
fn with_schemas(schemas: Result<SchemaCheck, String>) -> VerifyPane {
    let mut pane = finished();
    let mut outcome = pane.outcome.take().expect("a finished run");
    outcome.report.verdict = Verdict::Match;
    outcome.report.topics.retain(|t| t.verdict == Some(Verdict::Match));
    outcome.samples.clear();
    outcome.schemas = Some(schemas);
    pane.on_started();
    pane.on_verified(Ok(outcome));
    pane
}

#[test]
fn the_schema_check_names_subject_id_and_partition_failures_first() {
    let check = SchemaCheck {
        source_registry: "http://sr.msk.internal:8081".into(),
        destination_registry: "https://psrc-xyz.eu-west-1.aws.confluent.cloud".into(),
        records_read: 2_000,
        ids: vec![
            id_check(1, "customers-value@1", 0, 300, IdState::Same),
            id_check(6, "orders-value@1", 0, 1_000, IdState::MissingOnDestination),
            id_check(7, "orders-value@2", 2, 640, IdState::Different),
            id_check(
                9,
                "payments-value@1",
                1,
                60,
                IdState::Unchecked("schema registry https://psrc-xyz.eu-west-1.aws.confluent.cloud: 401".into()),
            ),
        ],
    };
    let pane = with_schemas(Ok(check));
    assert_eq!(pane.schema_failures(), 3);
    snapshot_both("schemas", &pane);
}

#[test]
fn a_schema_check_that_could_not_run_says_why() {
    let pane =
        with_schemas(Err("schema check: orders on ccloud sent nothing for 10s with 3 partition(s) unread".into()));
    snapshot_both("schemas_failed", &pane);
}
