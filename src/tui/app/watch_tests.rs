//! `:watch` and the Connect pane's `watch_lag`: the Lag pane switched to another
//! runner over the cockpit's clusters, and back.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, BannerKind};
use crate::connect::clusters::ConnectCluster;
use crate::connect::model::{ConnectorInfo, Expanded};
use crate::engine::plan::Runner;
use crate::engine::status::{EngineState, EngineStatus, PartitionStatus};
use crate::tui::action::Action;
use crate::tui::panes::connect::ConnectPane;
use crate::tui::protocol::{Message, PaneId, Request};
use crate::tui::snapshot_tests::{app, draw, partition, NOW_MS};

const PLAN: &str = "name = \"msk-to-ccloud\"\nsource = \"msk\"\ndestination = \"ccloud\"\n[topics]\ninclude = [\"orders\", \"payments\"]\n";

fn planned() -> App {
    let mut app = app(false);
    app.plan = Some(crate::engine::plan::parse_plan(PLAN, std::path::Path::new("plan.toml")).expect("plan"));
    app
}

fn command(app: &mut App, line: &str) {
    app.update(Action::CommandLine);
    for c in line.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

/// The plan-offsets request waiting in the outbox: its id, plan and Connect cluster.
fn asked(app: &mut App) -> (u64, crate::engine::plan::Plan, Option<ConnectCluster>) {
    let position = app.outbox.iter().position(|r| matches!(r, Request::PlanOffsets { .. }));
    match position.map(|at| app.outbox.remove(at)) {
        Some(Request::PlanOffsets { id, plan, connect, .. }) => (id, *plan, connect),
        _ => panic!("no plan-offsets request in {} requests", app.outbox.len()),
    }
}

fn banner(app: &App) -> (BannerKind, String) {
    let banner = app.banner.clone().expect("a banner");
    (banner.kind, banner.text)
}

#[test]
fn watch_replicator_switches_the_lag_pane_and_off_goes_back() {
    let mut app = planned();
    app.set_clock(NOW_MS);
    let (first, _, _) = asked(&mut app);
    app.update(Action::GotoPane2);
    command(&mut app, "watch replicator replicator-2");
    assert_eq!(app.focus, PaneId::Lag);
    assert_eq!(
        banner(&app),
        (BannerKind::Info, "watching replicator group replicator-2 (:watch off goes back)".into())
    );
    assert_eq!(app.lag.runner.as_deref(), Some("replicator group replicator-2"));
    // At once, not at the next 5 s tick, and over the plan's topics.
    let (id, plan, connect) = asked(&mut app);
    assert_eq!(plan.runner, Runner::Replicator { group: "replicator-2".into() });
    assert!(plan.topics.selects("orders") && !plan.topics.selects("audit"));
    assert_eq!(connect, None);
    // The kdeck read asked before the switch answers late: dropped.
    let stale = vec![partition("orders", 0, 100, 100, 100)];
    assert!(!app.on_message(Message::PlanOffsets { id: first, result: Ok(stale) }));
    app.on_message(Message::PlanOffsets { id, result: Ok(vec![partition("orders", 0, 100, 40, 40)]) });
    assert_eq!(app.lag.total_lag(&app.status), Some(60));
    // A running engine's snapshots do not stand in for the watched runner's positions.
    let engine = EngineStatus {
        state: EngineState::Running,
        partitions: vec![partition("orders", 0, 100, 100, 100)],
        ..EngineStatus::default()
    };
    app.on_message(Message::EngineStatus(Box::new(engine)));
    assert_eq!(app.lag.total_lag(&app.status), Some(60));
    let screen = draw(&app, 120, 30);
    assert!(screen.contains("runner replicator group replicator-2"), "{screen}");

    app.update(Action::GotoPane3);
    command(&mut app, "watch off");
    assert_eq!(app.focus, PaneId::Lag);
    assert_eq!(app.lag.runner, None);
    assert!(app.watching.is_none());
    assert_eq!(banner(&app).1, "watching the plan's runner: kdeck");
    let (_, plan, _) = asked(&mut app);
    assert_eq!(plan.runner, Runner::Kdeck);
    assert_eq!(app.lag.total_lag(&app.status), Some(0), "the engine's own partitions again");
}

#[test]
fn watch_mm2_and_kdeck_over_the_plan() {
    let mut app = planned();
    command(&mut app, "watch mm2 msk");
    let (_, plan, _) = asked(&mut app);
    let expected =
        Runner::MirrorMaker2 { source_alias: "msk".into(), offsets_topic: "mm2-offsets.msk.internal".into() };
    assert_eq!(plan.runner, expected);
    command(&mut app, "watch kdeck");
    assert_eq!((app.lag.runner.clone(), asked(&mut app).1.runner), (None, Runner::Kdeck));
}

#[test]
fn watch_connect_takes_the_connect_panes_cluster() {
    let mut app = planned();
    command(&mut app, "watch connect mm2-source");
    assert_eq!(banner(&app).0, BannerKind::Warning, "no Connect cluster to read it from");
    app.update(Action::GotoPane3);
    app.update(Action::WatchLag);
    assert!(banner(&app).1.starts_with("no Connect cluster"), "{:?}", app.banner);
    assert!(app.watching.is_none());
    app.connect = ConnectPane::new(vec![ConnectCluster::at("prod", "http://connect:8083")], vec![]);
    command(&mut app, "watch connect mm2-source");
    let (_, plan, connect) = asked(&mut app);
    assert_eq!(plan.runner, Runner::Connect { connect: "prod".into(), connector: "mm2-source".into() });
    assert_eq!(connect.map(|c| c.name), Some("prod".into()));
}

#[test]
fn without_a_plan_every_topic_is_watched_and_kdeck_is_refused() {
    let mut app = app(false);
    command(&mut app, "watch kdeck");
    assert_eq!(banner(&app).0, BannerKind::Warning);
    command(&mut app, "watch replicator g");
    let (_, plan, _) = asked(&mut app);
    assert!(plan.topics.selects("anything") && !plan.topics.selects("__consumer_offsets"));
    assert_eq!((plan.source.as_str(), plan.destination.as_str()), ("msk", "ccloud"));
    command(&mut app, "watch off");
    assert!(app.lag.rows().is_empty() && app.outbox.iter().all(|r| !matches!(r, Request::PlanOffsets { .. })));
}

fn connect_app(connectors: &[(&str, &[(&str, &str)])]) -> App {
    let mut app = planned();
    app.connect = ConnectPane::new(vec![ConnectCluster::at("prod", "http://connect:8083")], vec![]);
    for (name, config) in connectors {
        let config: BTreeMap<String, String> = config.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let info = ConnectorInfo { name: name.to_string(), config, tasks: vec![], kind: Some("source".into()) };
        app.connect.connectors.insert(name.to_string(), Expanded { status: None, info: Some(info) });
    }
    app.update(Action::GotoPane3);
    app.outbox.clear();
    app
}

#[test]
fn watch_lag_on_a_replicator_connector_opens_its_lag() {
    use crate::watch::connector::REPLICATOR_CLASS;
    let replicator: &[(&str, &str)] = &[
        ("connector.class", REPLICATOR_CLASS),
        ("src.consumer.group.id", "replicator-2"),
        ("topic.whitelist", "orders"),
        ("tasks.max", "30"),
    ];
    let jdbc: &[(&str, &str)] = &[("connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector")];
    let mut app = connect_app(&[("a-jdbc", jdbc), ("b-replicator", replicator)]);
    // `w` on the JDBC connector (first by name): refused, the pane stays.
    app.on_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE));
    assert_eq!(app.focus, PaneId::Connect);
    assert!(banner(&app).1.starts_with("a-jdbc is a JdbcSourceConnector"), "{:?}", app.banner);
    app.update(Action::Down);
    app.on_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::NONE));
    assert_eq!(app.focus, PaneId::Lag);
    assert_eq!(app.lag.runner.as_deref(), Some("replicator group replicator-2"));
    let (id, plan, _) = asked(&mut app);
    assert_eq!(plan.runner, Runner::Replicator { group: "replicator-2".into() });
    assert!(plan.topics.selects("orders") && !plan.topics.selects("payments"), "the connector's topics");
    let read: Vec<PartitionStatus> = (0..3).map(|p| partition("orders", p, 1_000, 400, 400)).collect();
    app.on_message(Message::PlanOffsets { id, result: Ok(read) });
    assert_eq!(app.lag.total_lag(&app.status), Some(1_800));
}

#[test]
fn watch_lag_on_a_mirror_maker_connector_reads_it_through_kip_875() {
    use crate::watch::connector::MM2_SOURCE_CLASS;
    let mm2: &[(&str, &str)] = &[("connector.class", MM2_SOURCE_CLASS), ("source.cluster.alias", "msk")];
    let mut app = connect_app(&[("mm2-source", mm2)]);
    app.update(Action::WatchLag);
    let (_, plan, connect) = asked(&mut app);
    assert_eq!(plan.runner, Runner::Connect { connect: "prod".into(), connector: "mm2-source".into() });
    assert_eq!(connect.map(|c| c.url), Some("http://connect:8083".into()));
    assert!(!plan.topics.selects("orders.replica"), "MirrorMaker 2's default excludes");
    app.update(Action::GotoPane1);
    app.update(Action::WatchLag);
    assert!(banner(&app).1.starts_with("watch_lag opens the lag of the Connect pane's"), "{:?}", app.banner);
}

/// A plan copied by a Connect connector: the cockpit's cutover and plan offsets
/// read its positions through the `[connect.NAME]` cluster the runner names.
#[test]
fn a_connect_runner_reaches_cutover_and_lag_with_its_cluster() {
    let text = format!("{PLAN}[runner]\nkind = \"connect\"\nconnect = \"prod\"\nconnector = \"replicator\"\n");
    let mut app = app(false);
    app.plan = Some(crate::engine::plan::parse_plan(&text, std::path::Path::new("plan.toml")).expect("plan"));
    app.connect = ConnectPane::new(vec![ConnectCluster::at("prod", "http://connect:8083")], vec![]);
    let request = app.cutover_request("orders-app", false).expect("a cutover request");
    assert_eq!(request.connect.map(|cluster| cluster.name), Some("prod".to_owned()));
    app.set_clock(NOW_MS);
    let (_, _, connect) = asked(&mut app);
    assert_eq!(connect.map(|cluster| cluster.name), Some("prod".to_owned()));
}

/// Enter drills down: a connector's tasks, then, for a replicator, its lag; a
/// connector that copies no topics stays on its tasks.
#[test]
fn enter_on_a_replicators_tasks_opens_its_lag() {
    use crate::watch::connector::REPLICATOR_CLASS;
    let replicator: &[(&str, &str)] = &[("connector.class", REPLICATOR_CLASS), ("topic.whitelist", "orders")];
    let jdbc: &[(&str, &str)] = &[("connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector")];
    let mut app = connect_app(&[("a-jdbc", jdbc), ("b-replicator", replicator)]);
    let enter = KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE);
    app.on_key(enter);
    app.on_key(enter);
    assert_eq!((app.focus, app.connect.detail.as_deref()), (PaneId::Connect, Some("a-jdbc")));
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    app.update(Action::Down);
    app.on_key(enter);
    assert_eq!((app.focus, app.connect.detail.as_deref()), (PaneId::Connect, Some("b-replicator")));
    assert!(app.connect.copies_topics("b-replicator"));
    app.on_key(enter);
    assert_eq!(app.focus, PaneId::Lag, "{:?}", app.banner);
    assert_eq!(app.lag.runner.as_deref(), Some("replicator group b-replicator"));
}
