//! The Verify pane in a headless cockpit: the engine copies, `r` on the Verify
//! pane verifies the plan off the UI thread, and the verdicts arrive as messages.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use kdeck::engine::plan::parse_plan;
use kdeck::engine::status::EngineState;
use kdeck::tui::action::Action;
use kdeck::tui::keymap::Keymap;
use kdeck::tui::panes::PaneId;
use kdeck::tui::{Cockpit, CockpitSetup, Event};
use kdeck::verify::explain::Verdict;

use crate::support::{MockKafka, TestRecord};

const LIMIT: Duration = Duration::from_secs(60);

fn press(cockpit: &mut Cockpit, c: char) {
    cockpit.handle(Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
}

#[test]
fn r_on_the_verify_pane_verifies_the_plan_after_a_copy() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    for topic in ["orders", "payments"] {
        source.create_topic(topic, 2);
        destination.create_topic(topic, 2);
    }
    let records: Vec<TestRecord> =
        (0..40).map(|n| TestRecord::new(n % 2, Some(format!("k{n}").as_bytes()), Some(b"v"))).collect();
    source.produce("orders", &records);
    source.produce("payments", &records[..10]);
    let (source_cluster, destination_cluster) = crate::tui::clusters(&source, &destination, false);
    let plan = parse_plan(
        "name = \"pane\"\nsource = \"source\"\ndestination = \"destination\"\n[engine]\ncommit_interval = \"50ms\"\n",
        std::path::Path::new("plan.toml"),
    )
    .unwrap();
    let setup = CockpitSetup {
        source: source_cluster,
        destination: destination_cluster,
        plan: Some(plan),
        schemas: None,
        read_only: true,
        theme: kdeck::tui::theme::Theme::standard(),
        timeout: Duration::from_secs(10),
        connect: (Vec::new(), Vec::new()),
        engine_on_connect_pane: false,
        acl: None,
    };
    let mut cockpit = Cockpit::from_setup(setup, Keymap::defaults());
    // Read-only refuses starting the engine, but verification only reads: start it through the handle.
    if let Some(engine) = &cockpit.app.engine {
        engine.start();
    }
    let caught_up = |app: &kdeck::tui::app::App| {
        app.status.state == EngineState::Running
            && app.status.partitions.len() == 4
            && app.status.total_lag() == Some(0)
    };
    assert!(cockpit.pump_until(LIMIT, caught_up), "{}", cockpit.app.status.progress_line());

    cockpit.dispatch(Action::Goto(PaneId::Verify, None));
    press(&mut cockpit, 'r');
    assert!(cockpit.app.verify.running, "r starts a verification");
    assert!(cockpit.pump_until(LIMIT, |app| !app.verify.running), "the verification never finished");
    let outcome = cockpit.app.verify.outcome.clone().unwrap_or_else(|| panic!("{:?}", cockpit.app.verify.error));
    let verdicts: Vec<(String, Option<Verdict>, u64)> =
        outcome.report.topics.iter().map(|t| (t.topic.clone(), t.verdict, t.destination_records)).collect();
    assert_eq!(
        verdicts,
        vec![("orders".into(), Some(Verdict::Match), 40), ("payments".into(), Some(Verdict::Match), 10)]
    );
    assert!(outcome.samples.is_empty(), "nothing to drill into");
}
