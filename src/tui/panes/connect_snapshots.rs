//! The Connect pane drawn at 120x40 and 80x24 from fixtures written from
//! Connect's documented responses, and its mutations through the cockpit's
//! read-only and production gates.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::connect::clusters::ConnectCluster;
use crate::connect::model::{ConnectorStatus, Expanded, Offsets};
use crate::tui::action::Action;
use crate::tui::app::{App, Mode};
use crate::tui::connect_fetch::{ConnectOp, ConnectReply};
use crate::tui::panes::connect::ConnectPane;
use crate::tui::panes::PaneId;
use crate::tui::protocol::{Message, Request};
use crate::tui::snapshot_tests::{app, draw};

fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/connect/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture JSON")
}

fn connect_app(production: bool, read_only: bool) -> App {
    let mut app = app(read_only);
    let mut cluster = ConnectCluster::at("prod-connect", "https://connect.example:8083");
    cluster.production = production;
    app.connect = ConnectPane::new(vec![cluster], vec![]);
    app.update(Action::GotoPane3);
    assert_eq!(app.focus, PaneId::Connect);
    let snapshot = ConnectReply::Snapshot(fixture("expand_status_info.json"));
    app.on_message(Message::Connect { id: 0, result: Ok(snapshot) });
    app.outbox.clear();
    app
}

fn snapshot_both(name: &str, app: &App) {
    for (width, height) in [(120, 40), (80, 24)] {
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), draw(app, width, height));
    }
}

fn sent_ops(app: &mut App) -> Vec<ConnectOp> {
    app.outbox
        .drain(..)
        .filter_map(|request| match request {
            Request::Connect { op, .. } => Some(op),
            _ => None,
        })
        .collect()
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

#[test]
fn overview() {
    snapshot_both("connect_overview", &connect_app(false, false));
}

#[test]
fn failed_task_detail_with_trace() {
    let mut app = connect_app(false, false);
    app.update(Action::Down);
    app.update(Action::Expand);
    app.update(Action::Down);
    snapshot_both("connect_failed_task", &app);
}

#[test]
fn rescale_followed_until_settled() {
    let mut app = connect_app(false, false);
    app.update(Action::Down);
    app.update(Action::RescaleUp);
    assert_eq!(sent_ops(&mut app), [ConnectOp::SetTasks { connector: "msk-to-cc".into(), from: 3, tasks: 6 }]);
    let rescaled = ConnectReply::Rescaled { connector: "msk-to-cc".into(), from: 3, tasks: 4 };
    app.on_message(Message::Connect { id: 1, result: Ok(rescaled) });
    let mut snapshot: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
    let mut status: ConnectorStatus = fixture("status_rebalancing.json");
    snapshot.get_mut("msk-to-cc").unwrap().status = Some(status.clone());
    snapshot.get_mut("msk-to-cc").unwrap().info.as_mut().unwrap().config.insert("tasks.max".into(), "4".into());
    app.set_clock(app.now_ms + 2_400);
    app.on_message(Message::Connect { id: 2, result: Ok(ConnectReply::Snapshot(snapshot.clone())) });
    snapshot_both("connect_rescale_following", &app);
    status.tasks.iter_mut().for_each(|task| task.state = crate::connect::model::State::Running);
    snapshot.get_mut("msk-to-cc").unwrap().status = Some(status);
    app.set_clock(app.now_ms + 1_100);
    app.on_message(Message::Connect { id: 3, result: Ok(ConnectReply::Snapshot(snapshot)) });
    snapshot_both("connect_rescale_settled", &app);
}

#[test]
fn a_failing_cluster_keeps_the_pane_working() {
    let mut app = connect_app(false, false);
    let error = "Connect \"prod-connect\": GET /connectors?expand=status&expand=info: no answer within 10s from https://connect.example:8083/";
    app.on_message(Message::Connect { id: 9, result: Err(error.into()) });
    snapshot_both("connect_error", &app);
    app.update(Action::Down);
    app.update(Action::Pause);
    assert_eq!(sent_ops(&mut app), [ConnectOp::Pause("msk-to-cc".into())]);
}

#[test]
fn offsets_view() {
    let mut app = connect_app(false, false);
    app.update(Action::ConnectOffsets);
    assert_eq!(sent_ops(&mut app), [ConnectOp::Offsets("mm2-source".into())]);
    let offsets: Offsets = fixture("offsets_mm2.json");
    app.on_message(Message::Connect {
        id: 4,
        result: Ok(ConnectReply::Offsets { connector: "mm2-source".into(), offsets }),
    });
    snapshot_both("connect_offsets", &app);
    app.update(Action::Escape);
    assert!(app.connect.offsets.is_none());
}

#[test]
fn unconfigured() {
    let mut app = app(false);
    app.connect = ConnectPane::new(
        vec![],
        vec!["cluster \"connect.dr\" property \"password\": environment variable DR_PW is not set".into()],
    );
    app.update(Action::GotoPane3);
    snapshot_both("connect_unconfigured", &app);
}

#[test]
fn read_only_refuses_connect_mutations() {
    let mut app = connect_app(false, true);
    for action in [Action::RescaleUp, Action::Pause, Action::Stop, Action::RestartFailed, Action::ConnectTasks(9)] {
        app.update(action.clone());
        assert!(sent_ops(&mut app).is_empty(), "{action:?}");
        let banner = app.banner.clone().expect("banner");
        assert!(banner.text.starts_with("read-only: ") && banner.text.ends_with(" refused"), "{}", banner.text);
    }
    app.update(Action::Refresh);
    assert_eq!(sent_ops(&mut app), [ConnectOp::Refresh]);
}

#[test]
fn production_connect_clusters_ask_for_their_name() {
    let mut app = connect_app(true, false);
    app.update(Action::Down);
    app.update(Action::Stop);
    assert!(sent_ops(&mut app).is_empty());
    let Mode::Confirm { prompt, expected, .. } = &app.mode else { panic!("no confirmation") };
    assert_eq!(prompt, "prod-connect is production: type its name to stop msk-to-cc (Esc cancels): ");
    assert_eq!(expected, "prod-connect");
    snapshot_both("connect_production_confirm", &app);
    type_text(&mut app, "prod-connect");
    assert_eq!(sent_ops(&mut app), [ConnectOp::Stop("msk-to-cc".into())]);

    app.update(Action::CommandLine);
    type_text(&mut app, "tasks 30");
    assert!(matches!(app.mode, Mode::Confirm { .. }));
    type_text(&mut app, "wrong");
    assert!(sent_ops(&mut app).is_empty());
    assert!(app.banner.as_ref().unwrap().text.starts_with("not confirmed"));
}

#[test]
fn the_pane_polls_only_while_shown() {
    let mut app = connect_app(false, false);
    app.set_clock(app.now_ms + 60_000);
    assert_eq!(sent_ops(&mut app), [ConnectOp::Refresh]);
    app.update(Action::GotoPane1);
    app.set_clock(app.now_ms + 120_000);
    assert!(sent_ops(&mut app).is_empty());
}

/// The pane through the real worker and client against HTTP faults: each one
/// shows one line, the last good data stays, and the next read recovers.
#[test]
fn faults_through_the_worker_keep_the_pane_working() {
    use crate::connect::canned::{Canned, CannedServer};
    use crate::tui::Cockpit;
    use std::time::Duration;

    let reply = |status, name: &str| {
        let path = format!("{}/tests/fixtures/connect/{name}", env!("CARGO_MANIFEST_DIR"));
        Canned::Reply(status, std::fs::read_to_string(path).unwrap())
    };
    let server = CannedServer::start(vec![
        reply(200, "expand_status_info.json"),
        Canned::Hang,
        reply(404, "error_404.json"),
        reply(500, "error_500.json"),
        Canned::Reply(200, "{\"msk-to-cc\": {\"status\": ".into()),
        reply(200, "expand_status.json"),
    ]);
    let refused = {
        let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", free.local_addr().unwrap());
        drop(free);
        url
    };
    let mut app = app(false);
    app.connect =
        ConnectPane::new(vec![ConnectCluster::at("canned", &server.url), ConnectCluster::at("gone", &refused)], vec![]);
    let mut cockpit = Cockpit::new(app, Duration::from_millis(500));
    cockpit.dispatch(Action::GotoPane3);
    let limit = Duration::from_secs(20);
    assert!(cockpit.pump_until(limit, |app| app.connect.connectors.len() == 3), "the first read never arrived");
    let expected = [
        "no answer within 500ms",
        "404 Connector msk-to-cc not found",
        "500 Request timed out",
        "the answer is not the JSON Connect documents",
    ];
    for fragment in expected {
        cockpit.dispatch(Action::Refresh);
        let shown = cockpit.pump_until(limit, |app| app.connect.error.as_deref().is_some_and(|e| e.contains(fragment)));
        assert!(shown, "{fragment}: {:?}", cockpit.app.connect.error);
        assert_eq!(cockpit.app.connect.connectors.len(), 3, "the last good data stays");
        assert!(draw(&cockpit.app, 120, 40).contains(fragment));
    }
    cockpit.dispatch(Action::Refresh);
    assert!(cockpit.pump_until(limit, |app| app.connect.error.is_none() && app.connect.connectors.len() == 1));
    cockpit.dispatch(Action::SwitchCluster);
    let refused_shown =
        cockpit.pump_until(limit, |app| app.connect.error.as_deref().is_some_and(|e| e.contains("cannot connect to")));
    assert!(refused_shown, "{:?}", cockpit.app.connect.error);
    cockpit.shutdown();
}

/// A kdeck engine's Connect API lists one offset per partition: PageDown on
/// 3,000 of them moves a page of the rows drawn, not a fixed 10.
#[test]
fn page_down_in_the_offsets_of_a_big_estate_moves_a_page_of_the_rows_drawn() {
    let mut app = connect_app(false, false);
    app.resize(50);
    app.update(Action::ConnectOffsets);
    let entry = |n: usize| crate::connect::model::OffsetEntry {
        partition: serde_json::json!({"topic": format!("topic-{:03}", n / 4), "partition": n % 4})
            .as_object()
            .cloned()
            .unwrap_or_default(),
        offset: serde_json::json!({"offset": 1_000}).as_object().cloned(),
    };
    let offsets = Offsets { offsets: (0..3_000).map(entry).collect() };
    let reply = ConnectReply::Offsets { connector: "mm2-source".into(), offsets };
    app.on_message(Message::Connect { id: 4, result: Ok(reply) });
    let screen = draw(&app, 120, 50);
    let drawn = screen.lines().filter(|line| line.contains("\"topic\":\"topic-")).count();
    app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    let moved = app.connect.offset_selected;
    // A page keeps one row of the last in view.
    assert!(moved + 1 == drawn, "PageDown moved {moved} rows with {drawn} drawn:\n{screen}");
    app.on_key(KeyEvent::new(KeyCode::PageUp, KeyModifiers::NONE));
    assert_eq!(app.connect.offset_selected, 0);
}

#[test]
fn page_down_in_the_connectors_moves_a_page_of_the_rows_drawn() {
    let mut app = connect_app(false, false);
    app.resize(50);
    let one: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
    let template = one.values().next().cloned().expect("a connector");
    let many: BTreeMap<String, Expanded> = (0..200).map(|n| (format!("conn-{n:03}"), template.clone())).collect();
    app.on_message(Message::Connect { id: 5, result: Ok(ConnectReply::Snapshot(many)) });
    let screen = draw(&app, 120, 50);
    let drawn = screen.lines().filter(|line| line.contains("│conn-")).count();
    app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    let moved = app.connect.selected;
    assert!(moved + 1 == drawn, "PageDown moved {moved} rows with {drawn} drawn:\n{screen}");
}
