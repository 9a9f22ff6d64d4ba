//! The Inspector's compare drawn at 120x40 and 80x24: a copy found by its
//! provenance header whose decoded value differs, and one still being read.

use ratatui::backend::TestBackend;
use ratatui::Terminal;

use super::common::{ClusterSide, Load, TestContext};
use super::inspector::{render, Clusters, Focus, InspectorPane};
use crate::engine::provenance::Provenance;
use crate::schemas::inspect::{DecodedField, DecodedRecord};
use crate::schemas::registry::SchemaType;
use crate::tui::action::Action;
use crate::tui::protocol::{CompareTarget, Counterpart, FoundBy, InspectedRecord, Request};

fn draw(pane: &InspectorPane, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    let test = TestContext::new("source:9092", "destination:9092");
    terminal.draw(|frame| render(frame, frame.area(), pane, &test.context())).expect("draw");
    crate::tui::snapshot_tests::buffer_text(terminal.backend().buffer())
}

fn snapshot_both(name: &str, pane: &InspectorPane) {
    for (width, height) in [(120, 40), (80, 24)] {
        insta::assert_snapshot!(format!("inspector_compare_{name}_{width}x{height}"), draw(pane, width, height));
    }
}

fn order(offset: i64, status: &str, value: Result<(), String>) -> InspectedRecord {
    let json = format!(
        r#"{{"id":1204,"customer":"Zoë","status":"{status}","lines":[{{"sku":"A-1","qty":2}}],"address":{{"city":"Oslo"}}}}"#
    );
    let value = value.map(|()| DecodedField {
        schema_id: 6,
        schema_type: SchemaType::Avro,
        subject: Some("orders-value".into()),
        json,
    });
    InspectedRecord {
        partition: 3,
        offset,
        timestamp_ms: 1_795_599_000_000,
        key: Some(b"order-1204".to_vec()),
        value: Some(vec![0, 0, 0, 0, 6, 0xa8, 0x12]),
        headers: vec![("trace".into(), Some(b"a1".to_vec()))],
        decoded: Some(DecodedRecord { key: None, value: Some(value) }),
    }
}

fn copy_of(mut record: InspectedRecord, offset: i64, source_offset: i64) -> InspectedRecord {
    let (name, value) = Provenance::new("msk-prod", "orders", 3, source_offset).header();
    record.offset = offset;
    record.headers.push((name.to_owned(), Some(value)));
    record
}

/// The Inspector on the source's `orders`, the record at offset 1204 open, `compare` pressed.
fn comparing() -> (InspectorPane, u64) {
    let test = TestContext::new("source:9092", "destination:9092");
    let clusters = Clusters { source: &test.source, destination: &test.destination };
    let mut pane = InspectorPane::default();
    pane.topics = Load::Ready(vec!["orders".into()]);
    let Some(Request::Read { id, .. }) = pane.open_topic("orders", &clusters) else { panic!("a read") };
    assert!(pane.on_records(id, Ok(vec![order(1_204, "PAID", Ok(()))])));
    assert!(pane.update(&Action::Expand, &test.context()).redraw);
    assert_eq!(pane.focus, Focus::Detail);
    let Some(Request::Compare { id, cluster, target }) = pane.compare("orders.v2", &clusters) else {
        panic!("a compare request")
    };
    assert_eq!(cluster.name, "destination:9092", "the other cluster");
    assert_eq!(
        target,
        CompareTarget { topic: "orders.v2".into(), partition: 3, offset: 1_204, copy_of: Some("orders".into()) }
    );
    (pane, id)
}

#[test]
fn the_copy_beside_the_source_record_with_differences_marked() {
    let (mut pane, id) = comparing();
    snapshot_both("reading", &pane);
    let copy = copy_of(order(1_311, "SHIPPED", Ok(())), 1_311, 1_204);
    assert!(pane.on_compared(id, Ok(Box::new(Counterpart { record: Some(copy), found_by: FoundBy::Provenance }))));
    snapshot_both("differs", &pane);
    let test = TestContext::new("source:9092", "destination:9092");
    assert!(pane.update(&Action::Escape, &test.context()).redraw);
    assert!(pane.compare.is_none(), "Esc closes the compare");
    assert_eq!(pane.focus, Focus::Detail, "and leaves the detail open");
}

#[test]
fn a_copy_whose_schema_is_missing_on_the_destination_says_why() {
    let (mut pane, id) = comparing();
    let reason = "schema id 6: schema registry https://psrc-xyz.confluent.cloud: GET /schemas/ids/6: 404 Schema 6 not found (error code 40403)";
    let copy = copy_of(order(1_311, "PAID", Err(reason.into())), 1_311, 1_204);
    assert!(pane.on_compared(id, Ok(Box::new(Counterpart { record: Some(copy), found_by: FoundBy::Provenance }))));
    snapshot_both("missing_schema", &pane);
}

#[test]
fn from_the_destination_the_provenance_header_names_the_source_record() {
    let copy = copy_of(order(1_311, "PAID", Ok(())), 1_311, 1_204);
    let view = super::inspector_compare::CompareView::new(&copy, ClusterSide::Destination, "orders.v2", "orders.v2");
    assert_eq!(view.target, CompareTarget { topic: "orders".into(), partition: 3, offset: 1_204, copy_of: None });
    assert!(view.by_header);
}
