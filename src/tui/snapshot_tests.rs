//! Every pane drawn at 120x40 and 80x24 with a fixed clock and fixed data,
//! compared with the snapshots in `src/tui/snapshots/` (review changes with
//! `cargo insta review`, or bless them with `INSTA_UPDATE=always`).

use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;

use crate::config::{self, ClusterArgs, ResolvedCluster};
use crate::engine::assignment::TopicPartition;
use crate::engine::status::{
    EngineEvent, EngineEventKind, EngineState, EngineStatus, LaneState, LaneStatus, PartitionStatus, RescaleReport,
    TopicState, TopicStatus,
};

use super::action::Action;
use super::app::{App, AppSetup};
use super::group_fetch::{ConsumerGroup, GroupPartition, GroupSide, GroupsSnapshot};
use super::keymap::Keymap;
use super::render::render;
use super::theme::Theme;
use super::worker::{InspectedRecord, Message, Request};

/// 2026-11-25T09:30:00Z
pub(crate) const NOW_MS: i64 = 1_795_599_000_000;

fn clusters(production: bool) -> (ResolvedCluster, ResolvedCluster) {
    let text = format!(
        "[clusters.msk]\nbootstrap = \"b-1.msk:9096\"\ncolor = \"red\"\nproduction = {production}\n\
         \"sasl.password\" = \"hunter2-never-drawn\"\n\n[clusters.ccloud]\nbootstrap = \"pkc.ccloud:9092\"\ncolor = \"green\"\n"
    );
    let config = config::parse(&text, std::path::Path::new("test.toml")).expect("test config");
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_owned(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).expect("resolve")
    };
    (resolve("msk"), resolve("ccloud"))
}

pub(crate) fn app(read_only: bool) -> App {
    let (source, destination) = clusters(false);
    App::new(AppSetup {
        source,
        destination,
        plan_name: "msk-to-ccloud".into(),
        planned_lanes: 4,
        read_only,
        theme: Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: NOW_MS,
    })
}

pub(crate) fn partition(topic: &str, number: i32, high: i64, next: i64, destination: i64) -> PartitionStatus {
    PartitionStatus {
        source: TopicPartition::new(topic, number),
        destination_topic: topic.to_owned(),
        source_high_watermark: high,
        next_source_offset: next,
        destination_high_watermark: destination,
        records_copied: u64::try_from(next).unwrap_or(0),
    }
}

fn lane(number: usize, state: LaneState, partitions: &[(&str, i32)], rate: f64, error: Option<&str>) -> LaneStatus {
    LaneStatus {
        lane: number,
        transactional_id: format!("kdeck-msk-to-ccloud-lane-{number}"),
        partitions: partitions.iter().map(|(topic, p)| TopicPartition::new(*topic, *p)).collect(),
        state,
        records_total: 12_000 * number as u64,
        bytes_total: 0,
        records_per_sec: rate,
        bytes_per_sec: rate * 250.0,
        commits: 40 + number as u64,
        aborts: u64::from(error.is_some()),
        last_error: error.map(str::to_owned),
    }
}

/// Two snapshots a second apart, so rates, ETAs and sparklines have values.
pub(crate) fn statuses() -> (EngineStatus, EngineStatus) {
    let topic = |name: &str, partitions: i32, state: TopicState| TopicStatus {
        source_topic: name.into(),
        destination_topic: name.into(),
        partitions,
        state,
    };
    let lanes = vec![
        lane(0, LaneState::Copying, &[("orders", 0), ("orders", 1), ("payments", 0)], 1_850.0, None),
        lane(1, LaneState::Copying, &[("orders", 2), ("payments", 1)], 1_720.5, None),
        lane(2, LaneState::Idle, &[("customers", 0)], 0.0, None),
        lane(3, LaneState::Retrying, &[("inventory.events", 0)], 0.0, Some("Broker: Not leader for partition")),
    ];
    let earlier = EngineStatus {
        plan: "msk-to-ccloud".into(),
        mode: "exactly-once".into(),
        state: EngineState::Running,
        lanes_target: 4,
        generation: 3,
        lanes,
        partitions: vec![
            partition("orders", 0, 50_000, 38_000, 38_000),
            partition("orders", 1, 49_000, 40_000, 40_000),
            partition("orders", 2, 51_000, 47_000, -1),
            partition("payments", 0, 20_000, 20_000, 20_000),
            partition("payments", 1, 20_500, 20_100, 20_100),
            partition("customers", 0, 3_000, 3_000, 3_000),
            partition("inventory.events", 0, 9_000, 2_000, 2_000),
        ],
        topics: vec![
            topic("orders", 3, TopicState::Copying),
            topic("payments", 2, TopicState::Copying),
            topic("customers", 1, TopicState::Paused),
            topic("inventory.events", 1, TopicState::Copying),
        ],
        rescales: 1,
        last_rescale: Some(RescaleReport {
            from: 2,
            to: 4,
            requested_at_ms: NOW_MS - 95_000,
            all_copying_after_ms: Some(1_840),
        }),
        history: vec![
            EngineEvent { at_ms: NOW_MS - 600_000, kind: EngineEventKind::Started { lanes: 2 } },
            EngineEvent { at_ms: NOW_MS - 95_000, kind: EngineEventKind::Rescaled { from: 2, to: 4 } },
            EngineEvent { at_ms: NOW_MS - 40_000, kind: EngineEventKind::Paused { topic: "customers".into() } },
            EngineEvent {
                at_ms: NOW_MS - 3_000,
                kind: EngineEventKind::LaneError { lane: 3, error: "Broker: Not leader for partition".into() },
            },
        ],
        updated_at_ms: NOW_MS - 1_000,
        start_problem: None,
    };
    let mut later = earlier.clone();
    let advance = [(3_000, 100), (2_500, 50), (1_000, 20), (0, 0), (300, 300), (0, 0), (0, 0)];
    for (partition, (copied, produced)) in later.partitions.iter_mut().zip(advance) {
        partition.next_source_offset += copied;
        partition.source_high_watermark += produced;
    }
    later.updated_at_ms = NOW_MS;
    (earlier, later)
}

pub(crate) fn running_app(read_only: bool) -> App {
    let mut app = app(read_only);
    let (earlier, later) = statuses();
    app.now_ms = NOW_MS - 1_000;
    app.on_message(Message::EngineStatus(Box::new(earlier)));
    app.now_ms = NOW_MS;
    app.on_message(Message::EngineStatus(Box::new(later)));
    app
}

fn record(partition: i32, offset: i64, key: &str, value: &str) -> InspectedRecord {
    InspectedRecord {
        partition,
        offset,
        timestamp_ms: NOW_MS - 60_000 + offset,
        key: Some(key.as_bytes().to_vec()),
        value: Some(value.as_bytes().to_vec()),
        headers: vec![
            ("trace-id".into(), Some(b"9e3779b97f4a7c15".to_vec())),
            ("source".into(), Some(b"checkout-service".to_vec())),
        ],
        decoded: None,
    }
}

fn inspector_app() -> App {
    let mut app = running_app(false);
    app.update(Action::GotoPane6);
    let topics = vec!["customers".into(), "orders".into(), "payments".into()];
    let Some(super::worker::Request::Topics { id, .. }) = app.outbox.pop() else { panic!("asked for topics") };
    app.on_message(Message::Topics { id, result: Ok(topics) });
    app.update(Action::Down);
    app.update(Action::Expand);
    let Some(super::worker::Request::Read { id, .. }) = app.outbox.pop() else { panic!("asked for records") };
    let records = (0..5)
        .map(|n| {
            let value = format!(
                r#"{{"order_id":"order-{n}","customer_id":"cust-{n}","amount_cents":{},"currency":"EUR","status":"created"}}"#,
                1_000 + n * 37
            );
            record(n as i32 % 2, 100 + n, &format!("order-{n}"), &value)
        })
        .collect();
    app.on_message(Message::Records { id, result: Ok(records) });
    app
}

/// The Inspector on Avro records decoded through the profile's registry (what
/// the worker hands over after asking the registry), one whose schema is gone.
fn inspector_decoded_app() -> App {
    use crate::schemas::inspect::{DecodedField, DecodedRecord};
    use crate::schemas::registry::SchemaType;
    let mut app = running_app(false);
    app.update(Action::GotoPane6);
    let Some(super::worker::Request::Topics { id, .. }) = app.outbox.pop() else { panic!("asked for topics") };
    app.on_message(Message::Topics { id, result: Ok(vec!["orders".into()]) });
    app.update(Action::Expand);
    let Some(super::worker::Request::Read { id, .. }) = app.outbox.pop() else { panic!("asked for records") };
    let records = (0..4)
        .map(|n: i64| {
            let mut raw = vec![0, 0, 0, 0, 6, 0xd0, 0x0f + n as u8, 0x10];
            raw.extend(format!("Zo\u{eb} {n}").as_bytes());
            let mut record = record(0, 200 + n, &format!("k{n}"), "");
            record.value = Some(raw);
            let value = if n == 3 {
                Err("schema id 9: schema registry https://psrc-1.confluent.cloud: GET /schemas/ids/9: 404 Schema 9 not found (error code 40403)".into())
            } else {
                Ok(DecodedField {
                    schema_id: 6,
                    schema_type: SchemaType::Avro,
                    subject: Some("orders-value".into()),
                    json: format!(
                        r#"{{"id":{},"customer":"Zoë {n}","note":null,"status":"PAID","lines":[1,2],"address":{{"city":"Oslo"}}}}"#,
                        1000 + n
                    ),
                })
            };
            record.decoded = Some(DecodedRecord { key: None, value: Some(value) });
            record
        })
        .collect();
    app.on_message(Message::Records { id, result: Ok(records) });
    app
}

#[test]
fn inspector_decodes_avro_with_its_schema_id_and_toggles_to_raw_bytes() {
    let mut app = inspector_decoded_app();
    snapshot_both("inspector_decoded_messages", &app);
    app.update(Action::Expand);
    snapshot_both("inspector_decoded_detail", &app);
    app.update(Action::ToggleHex);
    snapshot_both("inspector_decoded_raw", &app);
    app.update(Action::ToggleHex);
    app.update(Action::Escape);
    for _ in 0..3 {
        app.update(Action::Down);
    }
    app.update(Action::Expand);
    snapshot_both("inspector_decoded_missing_schema", &app);
}

pub(crate) fn draw(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|frame| render(frame, app)).expect("draw");
    buffer_text(terminal.backend().buffer())
}

/// A drawn buffer as text, one line per row, trailing blanks trimmed.
pub(crate) fn buffer_text(buffer: &ratatui::buffer::Buffer) -> String {
    let mut text = String::new();
    for y in 0..buffer.area.height {
        let line: String = (0..buffer.area.width).map(|x| buffer[(x, y)].symbol().to_owned()).collect();
        text.push_str(line.trim_end());
        text.push('\n');
    }
    text
}

pub(crate) fn snapshot_both(name: &str, app: &App) {
    for (width, height) in [(120, 40), (80, 24)] {
        let screen = draw(app, width, height);
        assert!(!screen.contains("hunter2"), "a secret was drawn");
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
    }
}

#[test]
fn lag_pane() {
    let mut app = running_app(false);
    snapshot_both("lag", &app);
    app.update(Action::Expand);
    app.update(Action::SortName);
    snapshot_both("lag_expanded_by_name", &app);
}

fn groups_snapshot() -> GroupsSnapshot {
    let partition =
        |topic: &str, number, source: (Option<i64>, Option<i64>), destination: (Option<i64>, Option<i64>)| {
            GroupPartition {
                topic: topic.into(),
                partition: number,
                source_committed: source.0,
                source_high_watermark: source.1,
                destination_committed: destination.0,
                destination_high_watermark: destination.1,
            }
        };
    let side = |state: &str, members| Some(GroupSide { state: state.into(), members });
    GroupsSnapshot {
        groups: vec![
            ConsumerGroup {
                name: "billing-service".into(),
                source: side("Stable", 3),
                destination: side("Empty", 0),
                partitions: vec![
                    partition("orders", 0, (Some(49_800), Some(50_100)), (Some(37_900), Some(41_000))),
                    partition("orders", 1, (Some(49_000), Some(49_050)), (None, Some(42_500))),
                    partition("payments", 0, (Some(20_000), Some(20_000)), (Some(20_000), Some(20_000))),
                ],
            },
            ConsumerGroup {
                name: "fraud-scoring".into(),
                source: side("PreparingRebalance", 2),
                destination: None,
                partitions: vec![partition("payments", 1, (Some(20_500), None), (None, None))],
            },
        ],
        destination_error: None,
    }
}

#[test]
fn lag_pane_groups_view() {
    let mut app = running_app(false);
    app.update(Action::ToggleGroups);
    let Some(Request::Groups { id, topics, .. }) = app.outbox.pop() else { panic!("asked for groups") };
    assert_eq!(topics.len(), 4, "the plan's topics, from the engine's status");
    snapshot_both("lag_groups_loading", &app);
    app.on_message(Message::Groups { id, result: Ok(groups_snapshot()) });
    app.update(Action::Down);
    snapshot_both("lag_groups", &app);
    app.update(Action::Filter);
    for c in "fraud".chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(app.groups.lines().len(), 2, "fraud-scoring and its partition");
    assert_eq!(app.lag.filter, "", "the topics' filter is untouched");
    app.update(Action::Escape);
    assert!(app.groups.visible && app.groups.filter.is_empty(), "the first Esc clears the filter");
    app.update(Action::Escape);
    assert!(!app.groups.visible, "the second goes back to the topics");
}

#[test]
fn groups_view_refreshes_only_while_visible_and_the_latest_answer_wins() {
    let mut app = running_app(false);
    app.update(Action::ToggleGroups);
    let Some(Request::Groups { id: first, .. }) = app.outbox.pop() else { panic!("asked for groups") };
    app.update(Action::Refresh);
    let Some(Request::Groups { id: second, .. }) = app.outbox.pop() else { panic!("asked again") };
    assert!(!app.on_message(Message::Groups { id: first, result: Err("stale".into()) }), "an old answer is dropped");
    assert!(app.on_message(Message::Groups { id: second, result: Ok(groups_snapshot()) }));
    app.set_clock(NOW_MS + 1_000);
    assert!(app.outbox.is_empty(), "not due yet");
    app.set_clock(NOW_MS + 5_000);
    assert!(matches!(app.outbox.pop(), Some(Request::Groups { .. })), "due every 5 s while visible");
    app.on_message(Message::Groups { id: second + 1, result: Ok(groups_snapshot()) });
    app.update(Action::GotoPane2);
    app.set_clock(NOW_MS + 20_000);
    assert!(app.outbox.is_empty(), "a hidden view does not poll");
    app.update(Action::GotoPane1);
    app.update(Action::ToggleGroups);
    app.set_clock(NOW_MS + 40_000);
    assert!(app.outbox.is_empty(), "nor does a closed one");
}

#[test]
fn groups_view_shows_why_it_has_no_rows() {
    let mut app = running_app(false);
    app.update(Action::ToggleGroups);
    let Some(Request::Groups { id, .. }) = app.outbox.pop() else { panic!("asked for groups") };
    app.on_message(Message::Groups { id, result: Err("cannot list the consumer groups of msk: timed out".into()) });
    let screen = draw(&app, 80, 24);
    assert!(screen.contains("Cannot read the consumer groups: cannot list"), "{screen}");
}

#[test]
fn lag_pane_before_the_engine_starts() {
    snapshot_both("lag_empty", &app(false));
}

#[test]
fn engine_pane() {
    let mut app = running_app(false);
    app.update(Action::GotoPane2);
    snapshot_both("engine", &app);
}

#[test]
fn inspector_pane() {
    let mut app = inspector_app();
    snapshot_both("inspector_messages", &app);
    app.update(Action::Down);
    app.update(Action::Expand);
    snapshot_both("inspector_detail", &app);
    app.update(Action::Escape);
    app.update(Action::Produce);
    for c in "order-9".chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    for c in r#"{"order_id":"order-9"}"#.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    snapshot_both("inspector_produce", &app);
    app.on_key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL));
    snapshot_both("inspector_produce_confirm", &app);
    app.on_key(KeyEvent::new(KeyCode::Char('y'), KeyModifiers::NONE));
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let Some(super::worker::Request::Produce { record, .. }) = app.outbox.pop() else { panic!("a produce request") };
    assert_eq!(record.key.as_deref(), Some("order-9"));
    assert_eq!(record.value, r#"{"order_id":"order-9"}"#);
}

#[test]
fn help_overlay_and_read_only_badge() {
    let mut app = running_app(true);
    snapshot_both("read_only", &app);
    app.update(Action::Help);
    snapshot_both("help", &app);
    // A page is what an 80x24 terminal draws; the cockpit learns it on resize.
    app.resize(24);
    for _ in 0..2 {
        app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    }
    snapshot_both("help_scrolled", &app);
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(matches!(app.mode, super::app::Mode::Normal));
}

#[test]
fn production_cluster_is_marked_and_confirmation_is_drawn() {
    let (source, mut destination) = clusters(true);
    destination.production = true;
    let mut app = App::new(AppSetup {
        source,
        destination,
        plan_name: "msk-to-ccloud".into(),
        planned_lanes: 4,
        read_only: false,
        theme: Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: NOW_MS,
    });
    app.update(Action::Start);
    snapshot_both("production_confirm", &app);
}

#[test]
fn copy_command_reproduces_the_view() {
    let mut app = inspector_app();
    app.update(Action::CopyCommand);
    assert_eq!(
        app.clipboard.as_deref(),
        Some("kcat -C -b b-1.msk:9096 -X sasl.password=$KAFKA_PASSWORD -t orders -o -20 -e")
    );
    app.update(Action::Down);
    app.update(Action::Expand);
    app.update(Action::CopyCommand);
    assert_eq!(
        app.clipboard.as_deref(),
        Some("kcat -C -b b-1.msk:9096 -X sasl.password=$KAFKA_PASSWORD -t orders -p 1 -o 101 -c 1 -e")
    );
    let mut lag = running_app(false);
    lag.update(Action::CopyCommand);
    assert_eq!(lag.clipboard, None);
}

/// Colours are not in the text snapshots: check the badges' cells directly.
#[test]
fn themes_colour_the_read_only_badge_and_lag() {
    use ratatui::style::Color;
    for (theme, badge_background) in [(Theme::standard(), Color::Yellow), (Theme::high_contrast(), Color::LightYellow)]
    {
        let mut app = running_app(true);
        app.theme = theme;
        let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test terminal");
        terminal.draw(|frame| render(frame, &app)).expect("draw");
        let buffer = terminal.backend().buffer();
        let top: String = (0..120).map(|x| buffer[(x, 0)].symbol().to_owned()).collect();
        let badge = top.find("READ-ONLY").expect("badge drawn");
        let column = u16::try_from(top[..badge].chars().count()).unwrap();
        assert_eq!(buffer[(column, 0)].bg, badge_background);
        assert_eq!(buffer[(column, 0)].fg, Color::Black);
    }
}
