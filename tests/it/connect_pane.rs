//! The cockpit's Connect pane, with its real worker, driving a kdeck engine
//! through the engine's own Connect REST server (real HTTP, mock clusters):
//! list, status, `:tasks 4` followed until the rebalance settles (and the
//! engine really runs 4 lanes), pause/resume and restart.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kdeck::config::{self, ClusterArgs};
use kdeck::connect::clusters::ConnectCluster;
use kdeck::connect::model::State;
use kdeck::tui::action::Action;
use kdeck::tui::app::{App, AppSetup};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::panes::connect::ConnectPane;
use kdeck::tui::{Cockpit, Event};

use crate::connect::EngineWithRest;

const LIMIT: Duration = Duration::from_secs(60);

fn cockpit_on(url: &str) -> Cockpit {
    let empty = config::parse("", std::path::Path::new("test")).unwrap();
    let resolve = |brokers: &str| {
        let args = ClusterArgs { cluster: brokers.into(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &empty).unwrap()
    };
    let mut app = App::new(AppSetup {
        source: resolve("127.0.0.1:1"),
        destination: resolve("127.0.0.1:2"),
        plan_name: "(connect)".into(),
        planned_lanes: 1,
        read_only: false,
        theme: kdeck::tui::theme::Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: kdeck::tui::now_ms(),
    });
    app.connect = ConnectPane::new(vec![ConnectCluster::at("engine", url)], vec![]);
    Cockpit::new(app, Duration::from_secs(10))
}

fn key(cockpit: &mut Cockpit, c: char) {
    cockpit.handle(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
}

fn connector_state(app: &App) -> Option<State> {
    app.connect.status_of("msk-to-cc").map(|status| status.connector.state)
}

fn all_running(app: &App, tasks: usize) -> bool {
    app.connect.status_of("msk-to-cc").is_some_and(|s| {
        s.connector.state == State::Running
            && s.tasks.len() == tasks
            && s.tasks.iter().all(|t| t.state == State::Running)
    })
}

#[test]
fn the_connect_pane_drives_a_kdeck_engine_over_rest() {
    let engine = EngineWithRest::start(1);
    engine.wait("the first task running", crate::connect::all_running(1));
    let mut cockpit = cockpit_on(&engine.url);
    cockpit.dispatch(Action::GotoPane3);
    assert!(cockpit.pump_until(LIMIT, |app| all_running(app, 1)), "the pane never showed 1 running task");
    let worker = engine.url.trim_start_matches("http://").to_string();
    let workers = kdeck::tui::panes::connect::workers(&cockpit.app.connect.connectors);
    assert_eq!(workers.iter().map(|w| w.worker_id.as_str()).collect::<Vec<_>>(), [worker.as_str()]);

    cockpit.dispatch(Action::CommandLine);
    for c in "tasks 4".chars() {
        key(&mut cockpit, c);
    }
    cockpit.handle(Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    let settled = cockpit.pump_until(LIMIT, |app| app.connect.settled.as_ref().is_some_and(|s| s.to == 4));
    assert!(settled, "the rescale never settled: {:?} {:?}", cockpit.app.connect.follow, cockpit.app.connect.error);
    let report = cockpit.app.connect.settled.clone().unwrap();
    assert_eq!((report.connector.as_str(), report.from, report.to), ("msk-to-cc", 1, 4));
    assert!(all_running(&cockpit.app, 4));
    let lanes = engine.handle().status().borrow().clone();
    assert_eq!((lanes.lanes_target, lanes.lanes.len()), (4, 4));

    key(&mut cockpit, 'p');
    assert!(cockpit.pump_until(LIMIT, |app| connector_state(app) == Some(State::Paused)), "never PAUSED");
    key(&mut cockpit, 'P');
    assert!(cockpit.pump_until(LIMIT, |app| all_running(app, 4)), "never RUNNING again after resume");

    let generation = engine.handle().status().borrow().generation;
    key(&mut cockpit, 'X');
    let restarted = cockpit
        .pump_until(LIMIT, |app| all_running(app, 4) && engine.handle().status().borrow().generation > generation);
    assert!(restarted, "the restart never came back to 4 running tasks");
    assert_eq!(cockpit.app.connect.error, None);
    cockpit.shutdown();
}

#[test]
fn the_cockpit_can_put_its_own_engine_on_the_connect_pane() {
    let (source, destination) = (crate::support::MockKafka::new(1), crate::support::MockKafka::new(1));
    let empty = config::parse("", std::path::Path::new("test")).unwrap();
    let resolve = |brokers: &str| {
        let args = ClusterArgs { cluster: brokers.into(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &empty).unwrap()
    };
    let plan = kdeck::engine::plan::parse_plan(
        "name = \"cockpit\"\nsource = \"s\"\ndestination = \"d\"\n",
        std::path::Path::new("plan.toml"),
    )
    .unwrap();
    let setup = kdeck::tui::CockpitSetup {
        source: resolve(source.bootstrap()),
        destination: resolve(destination.bootstrap()),
        plan: Some(plan),
        schemas: None,
        read_only: false,
        theme: kdeck::tui::theme::Theme::standard(),
        timeout: Duration::from_secs(10),
        connect: (vec![ConnectCluster::at("prod", "http://127.0.0.1:1")], vec![]),
        engine_on_connect_pane: true,
        acl: None,
    };
    let cockpit = Cockpit::from_setup(setup, Keymap::defaults());
    let names: Vec<&str> = cockpit.app.connect.clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["kdeck-engine", "prod"]);
    let client =
        kdeck::connect::client::ConnectClient::new(&cockpit.app.connect.clusters[0], Duration::from_secs(10)).unwrap();
    let status = client.status("cockpit").unwrap();
    assert_eq!((status.connector.state, status.tasks.len()), (State::Stopped, 0));
    cockpit.shutdown();
}
