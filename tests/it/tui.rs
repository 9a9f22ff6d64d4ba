//! The cockpit without a terminal: `App` driven by actions and key presses,
//! with its real workers, against mock clusters and an in-process engine.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kdeck::config::{self, ClusterArgs, ResolvedCluster};
use kdeck::engine::plan::parse_plan;
use kdeck::engine::status::{EngineState, LaneState, TopicState};
use kdeck::engine::EngineHandle;
use kdeck::tui::action::Action;
use kdeck::tui::app::{App, AppSetup, BannerKind, Mode};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::panes::inspector::Load;
use kdeck::tui::panes::PaneId;
use kdeck::tui::Cockpit;

use crate::support::{MockKafka, TestRecord};

const LIMIT: Duration = Duration::from_secs(60);

/// "source" and "destination" profiles over the two mock clusters.
pub(crate) fn clusters(
    source: &MockKafka,
    destination: &MockKafka,
    production: bool,
) -> (ResolvedCluster, ResolvedCluster) {
    let text = format!(
        "[clusters.source]\nbootstrap = \"{}\"\n\n[clusters.destination]\nbootstrap = \"{}\"\nproduction = {production}\n",
        source.bootstrap(),
        destination.bootstrap()
    );
    let config = config::parse(&text, std::path::Path::new("test.toml")).unwrap();
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_owned(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).unwrap()
    };
    (resolve("source"), resolve("destination"))
}

struct Setup {
    _source: MockKafka,
    _destination: MockKafka,
    cockpit: Cockpit,
}

fn cockpit(read_only: bool, production: bool) -> Setup {
    let source = MockKafka::new(1);
    let destination = MockKafka::new(1);
    for topic in ["orders", "payments"] {
        source.create_topic(topic, 3);
        destination.create_topic(topic, 3);
    }
    let records: Vec<TestRecord> = (0..90)
        .map(|n| TestRecord::new(n % 3, Some(format!("order-{n}").as_bytes()), Some(format!("v{n}").as_bytes())))
        .collect();
    source.produce("orders", &records);
    source.produce("payments", &records[..30]);
    let (source_cluster, destination_cluster) = clusters(&source, &destination, production);
    let plan = parse_plan(
        "name = \"tui\"\nsource = \"source\"\ndestination = \"destination\"\n[engine]\nlanes = 1\ncommit_interval = \"50ms\"\n",
        std::path::Path::new("plan.toml"),
    )
    .unwrap();
    let timeout = Duration::from_secs(10);
    let engine = EngineHandle::spawn(plan, source_cluster.clone(), destination_cluster.clone(), timeout);
    let app = App::new(AppSetup {
        source: source_cluster,
        destination: destination_cluster,
        plan_name: "tui".into(),
        planned_lanes: 1,
        read_only,
        theme: kdeck::tui::theme::Theme::standard(),
        keymap: Keymap::defaults(),
        engine: Some(engine),
        now_ms: kdeck::tui::now_ms(),
    });
    Setup { _source: source, _destination: destination, cockpit: Cockpit::new(app, timeout) }
}

fn type_text(cockpit: &mut Cockpit, text: &str) {
    for c in text.chars() {
        cockpit.handle(kdeck::tui::Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
}

fn press(cockpit: &mut Cockpit, code: KeyCode) {
    cockpit.handle(kdeck::tui::Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn caught_up(app: &App) -> bool {
    app.status.state == EngineState::Running
        && app.status.partitions.len() == 6
        && app.status.total_lag() == Some(0)
        && app.lag.rows().iter().all(|row| row.lag == Some(0))
}

#[test]
fn tui_start_rescale_and_pause_drive_the_engine() {
    let Setup { mut cockpit, _source, _destination } = cockpit(false, false);
    press(&mut cockpit, KeyCode::Char('s'));
    assert!(cockpit.pump_until(LIMIT, caught_up), "never caught up: {}", cockpit.app.status.progress_line());

    // `:rescale 3` through the command line, as a user types it.
    press(&mut cockpit, KeyCode::Char(':'));
    type_text(&mut cockpit, "rescale 3");
    press(&mut cockpit, KeyCode::Enter);
    assert!(matches!(cockpit.app.mode, Mode::Normal));
    let three_copying = |app: &App| {
        app.status.lanes.len() == 3
            && app.status.lanes.iter().all(|lane| matches!(lane.state, LaneState::Copying | LaneState::Idle))
    };
    assert!(cockpit.pump_until(LIMIT, three_copying), "{}", cockpit.app.status.progress_line());

    // `+` adds one lane from wherever the engine is.
    cockpit.dispatch(Action::RescaleUp);
    assert!(cockpit.pump_until(LIMIT, |app| app.status.lanes_target == 4 && app.status.lanes.len() == 4));

    // Pause the topic selected on the Lag pane (sorted by name: orders first).
    cockpit.dispatch(Action::SortName);
    assert_eq!(cockpit.app.lag.selected_topic(), Some("orders"));
    cockpit.dispatch(Action::Pause);
    let paused =
        |app: &App| app.status.topics.iter().any(|t| t.source_topic == "orders" && t.state == TopicState::Paused);
    assert!(cockpit.pump_until(LIMIT, paused), "{:?}", cockpit.app.status.topics);
    cockpit.dispatch(Action::ResumeNamed("orders".into()));
    assert!(cockpit.pump_until(LIMIT, |app| !paused(app)));
    cockpit.shutdown();
}

#[test]
fn tui_read_only_refuses_every_mutation() {
    let Setup { mut cockpit, _source, _destination } = cockpit(true, false);
    for action in [
        Action::Start,
        Action::Stop,
        Action::RescaleUp,
        Action::RescaleDown,
        Action::Rescale(4),
        Action::PauseNamed("orders".into()),
        Action::Resume,
        Action::Retry,
        Action::Produce,
    ] {
        cockpit.dispatch(action.clone());
        let banner = cockpit.app.banner.clone().expect("a refusal banner");
        assert_eq!(banner.kind, BannerKind::Refused, "{action:?}");
        assert!(banner.text.starts_with("read-only:"), "{}", banner.text);
    }
    cockpit.pump_until(Duration::from_secs(2), |_| false);
    assert_eq!(cockpit.app.status.state, EngineState::Stopped);
    // Reading is not a mutation: the Inspector still works.
    cockpit.dispatch(Action::Goto(PaneId::Inspector, Some("orders".into())));
    assert!(cockpit.pump_until(LIMIT, |app| matches!(app.inspector.messages, Load::Ready(_))));
    cockpit.shutdown();
}

#[test]
fn tui_production_destination_needs_its_name_typed() {
    let Setup { mut cockpit, _source, _destination } = cockpit(false, true);
    cockpit.dispatch(Action::Start);
    assert!(matches!(cockpit.app.mode, Mode::Confirm { .. }));
    type_text(&mut cockpit, "yes");
    press(&mut cockpit, KeyCode::Enter);
    assert_eq!(cockpit.app.banner.as_ref().map(|b| b.kind), Some(BannerKind::Refused));
    cockpit.pump_until(Duration::from_secs(2), |_| false);
    assert_eq!(cockpit.app.status.state, EngineState::Stopped, "a wrong name must not start the engine");

    cockpit.dispatch(Action::Start);
    press(&mut cockpit, KeyCode::Esc);
    assert!(matches!(cockpit.app.mode, Mode::Normal));

    cockpit.dispatch(Action::Start);
    type_text(&mut cockpit, "destination");
    press(&mut cockpit, KeyCode::Enter);
    assert!(cockpit.pump_until(LIMIT, caught_up), "{}", cockpit.app.status.progress_line());
    cockpit.shutdown();
}

#[test]
fn tui_inspector_reads_with_the_consume_offset_grammar() {
    let Setup { mut cockpit, _source, _destination } = cockpit(false, false);
    cockpit.dispatch(Action::GotoPane6);
    assert!(cockpit
        .pump_until(LIMIT, |app| matches!(&app.inspector.topics, Load::Ready(t) if t.contains(&"orders".to_owned()))));

    press(&mut cockpit, KeyCode::Char(':'));
    type_text(&mut cockpit, "goto inspector orders");
    press(&mut cockpit, KeyCode::Enter);
    let ready = |app: &App| matches!(&app.inspector.messages, Load::Ready(_));
    assert!(cockpit.pump_until(LIMIT, ready));
    // The default spec is -20 per partition: 3 partitions of 30 records.
    assert_eq!(cockpit.app.inspector.visible_messages().len(), 60);

    cockpit.dispatch(Action::InspectOffsets("beginning".into()));
    assert!(cockpit.pump_until(LIMIT, |app| ready(app) && app.inspector.visible_messages().len() == 90));
    let first = cockpit.app.inspector.visible_messages()[0].clone();
    assert_eq!((first.partition, first.offset), (0, 0));
    assert_eq!(first.key.as_deref(), Some(&b"order-0"[..]));

    // `/` filters the focused list live.
    press(&mut cockpit, KeyCode::Char('/'));
    type_text(&mut cockpit, "order-42 ");
    assert_eq!(cockpit.app.inspector.visible_messages().len(), 1);
    press(&mut cockpit, KeyCode::Esc);
    assert_eq!(cockpit.app.inspector.visible_messages().len(), 90);

    // `i` opens the produce editor: first line the key, then the value; Ctrl-S, then `y`.
    press(&mut cockpit, KeyCode::Char('i'));
    assert!(matches!(cockpit.app.mode, Mode::Produce { .. }));
    type_text(&mut cockpit, "k-tui");
    press(&mut cockpit, KeyCode::Enter);
    type_text(&mut cockpit, "hello from the cockpit");
    cockpit.handle(kdeck::tui::Event::Key(KeyEvent::new(KeyCode::Char('s'), KeyModifiers::CONTROL)));
    assert!(matches!(cockpit.app.mode, Mode::Confirm { .. }));
    type_text(&mut cockpit, "y");
    press(&mut cockpit, KeyCode::Enter);
    let produced = |app: &App| {
        app.inspector.visible_messages().iter().any(|record| {
            record.key.as_deref() == Some(&b"k-tui"[..])
                && record.value.as_deref() == Some(&b"hello from the cockpit"[..])
        })
    };
    assert!(cockpit.pump_until(LIMIT, produced), "{:?}", cockpit.app.banner);
    assert_eq!(cockpit.app.inspector.visible_messages().len(), 91);

    // A bad spec is shown in the pane, not a crash.
    cockpit.dispatch(Action::InspectOffsets("-0".into()));
    assert!(matches!(&cockpit.app.inspector.messages, Load::Failed(message) if message.contains("-0")));
    cockpit.shutdown();
}

#[test]
fn tui_needs_a_plan_and_says_so() {
    let kdeck = crate::support::Kdeck::new();
    let run = kdeck.run(&[], None);
    assert_eq!(run.code, Some(2), "{}", run.stderr);
    assert!(run.stderr.contains("kdeck --plan FILE"), "{}", run.stderr);
    let missing = kdeck.home.path().join("absent-plan.toml");
    let run = kdeck.run(&["cockpit", "--plan", missing.to_str().unwrap()], None);
    assert_ne!(run.code, Some(0));
    assert!(run.stderr.contains("absent-plan.toml"), "{}", run.stderr);
}
