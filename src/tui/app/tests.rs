//! The app driven by actions, headless: each test here failed before the fix it names.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::{App, BannerKind, Mode};
use crate::engine::status::{EngineEvent, EngineEventKind, EngineState, EngineStatus, PartitionStatus};
use crate::tui::action::Action;
use crate::tui::lag_math::count_text;
use crate::tui::protocol::{Message, PaneId, Request};
use crate::tui::snapshot_tests::{app, draw, partition, running_app, snapshot_both, statuses, NOW_MS};

const PLAN: &str = "name = \"msk-to-ccloud\"\nsource = \"msk\"\ndestination = \"ccloud\"\n[engine]\nlanes = 4\n";

fn with_plan(mut app: App) -> App {
    app.plan = Some(crate::engine::plan::parse_plan(PLAN, std::path::Path::new("plan.toml")).expect("plan"));
    app
}

fn type_keys(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

/// Answers the plan-offsets request the clock made due.
fn answer_plan_offsets(app: &mut App, partitions: Vec<PartitionStatus>) {
    app.set_clock(app.now_ms);
    let position = app.outbox.iter().position(|r| matches!(r, Request::PlanOffsets { .. }));
    let Some(Request::PlanOffsets { id, .. }) = position.map(|at| app.outbox.remove(at)) else {
        panic!("the Lag pane asked for the plan's partitions")
    };
    app.on_message(Message::PlanOffsets { id, result: Ok(partitions) });
}

fn plan_partitions() -> Vec<PartitionStatus> {
    let mut partitions = Vec::new();
    for (topic, count, records) in [("orders", 6, 50_000), ("payments", 6, 20_000), ("customers", 3, 3_000)] {
        for number in 0..count {
            partitions.push(partition(topic, number, records, 0, 0));
        }
    }
    partitions
}

#[test]
fn slash_and_escape_act_on_the_focused_pane_only() {
    let mut app = running_app(false);
    app.update(Action::Filter);
    type_keys(&mut app, "pay");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert_eq!(app.lag.filter, "pay");
    let selected = app.lag.selected_topic().map(str::to_owned);
    for pane in [Action::GotoPane2, Action::GotoPane3, Action::GotoPane7] {
        app.update(pane);
        app.update(Action::Filter);
        assert!(matches!(app.mode, Mode::Normal), "{:?} has no filter to open", app.focus);
        assert_eq!(app.banner.as_ref().map(|b| b.kind), Some(BannerKind::Warning));
        type_keys(&mut app, "ord");
        app.update(Action::Escape);
        assert_eq!(app.lag.filter, "pay", "{:?} left the hidden Lag filter alone", app.focus);
        assert_eq!(app.lag.selected_topic().map(str::to_owned), selected);
    }
    app.update(Action::GotoPane1);
    app.update(Action::Escape);
    assert_eq!(app.lag.filter, "", "Esc on the Lag pane still clears its own filter");
}

#[test]
fn rescale_keys_count_from_the_target_already_asked_for() {
    let mut app = app(false);
    let (source, destination) = (app.source.clone(), app.destination.clone());
    let plan = crate::engine::plan::parse_plan(PLAN, std::path::Path::new("plan.toml")).expect("plan");
    // Not started, so it never connects: a rescale only sets the target.
    app.engine = Some(crate::engine::EngineHandle::spawn(plan, source, destination, std::time::Duration::from_secs(1)));
    let running = EngineStatus { state: EngineState::Running, lanes_target: 1, ..EngineStatus::default() };
    app.on_message(Message::EngineStatus(Box::new(running.clone())));
    for _ in 0..3 {
        app.update(Action::RescaleUp);
    }
    assert_eq!(app.banner.as_ref().map(|b| b.text.as_str()), Some("rescaling to 4 lanes"));
    // The engine's snapshots catch up one command at a time; `+` keeps counting from 4.
    app.on_message(Message::EngineStatus(Box::new(EngineStatus { lanes_target: 2, ..running.clone() })));
    app.update(Action::RescaleUp);
    assert_eq!(app.banner.as_ref().map(|b| b.text.as_str()), Some("rescaling to 5 lanes"));
    app.on_message(Message::EngineStatus(Box::new(EngineStatus { lanes_target: 5, ..running })));
    assert_eq!(app.requested_lanes, None, "caught up: the engine's target counts again");
    app.shutdown();
}

#[test]
fn before_the_engine_starts_the_lag_pane_shows_the_plan_and_its_full_lag() {
    let mut app = with_plan(app(false));
    assert!(draw(&app, 120, 40).lines().next().unwrap_or_default().contains("total lag ?"), "nothing read yet");
    answer_plan_offsets(&mut app, plan_partitions());
    let topics: Vec<&str> = app.lag.rows().iter().map(|row| row.topic.as_str()).collect();
    assert_eq!(topics, ["orders", "payments", "customers"]);
    let total = 6 * 50_000 + 6 * 20_000 + 3 * 3_000;
    assert_eq!(app.lag.total_lag(&app.status), Some(total));
    let screen = draw(&app, 120, 40);
    assert!(screen.lines().next().unwrap_or_default().contains(&format!("total lag {}", count_text(total))));
    snapshot_both("lag_plan_before_start", &app);
}

#[test]
fn destination_high_watermarks_come_from_the_destination() {
    let mut app = with_plan(running_app(false));
    let (_, later) = statuses();
    let read: Vec<PartitionStatus> = later
        .partitions
        .iter()
        .map(|p| PartitionStatus { destination_high_watermark: p.next_source_offset + 7, ..p.clone() })
        .collect();
    answer_plan_offsets(&mut app, read);
    let orders = app.lag.rows().iter().find(|row| row.topic == "orders").expect("orders");
    // The engine's own snapshot knew partition 2's not (-1): the destination's read fills it in.
    assert_eq!(orders.destination_high_watermark, 38_000 + 40_000 + 48_000 + 7);
    assert!(app.lag.rows().iter().all(|row| row.destination_high_watermark >= 0));
}

#[test]
fn the_copied_total_never_drops_when_a_rescale_replaces_the_lanes() {
    let mut app = running_app(false);
    app.update(Action::GotoPane2);
    let copied_line = |app: &App| {
        let screen = draw(app, 120, 40);
        let line = screen.lines().find(|line| line.contains("copied")).unwrap_or_default().to_owned();
        line.split("copied ").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap_or_default().to_owned()
    };
    let before = copied_line(&app);
    let mut after = app.status.clone();
    for lane in &mut after.lanes {
        lane.records_total = 37;
    }
    for partition in &mut after.partitions {
        partition.records_copied += 10;
    }
    app.on_message(Message::EngineStatus(Box::new(after.clone())));
    let total: u64 = after.partitions.iter().map(|p| p.records_copied).sum();
    assert_eq!(copied_line(&app), count_text(total as i64));
    assert_ne!(copied_line(&app), before, "it grew by the 70 records copied");
}

#[test]
fn scrolling_up_a_long_list_moves_the_highlight_not_the_view() {
    let mut app = with_plan(app(false));
    let partitions = (0..60).map(|n| partition(&format!("topic-{n:02}"), 0, 1_000, 0, 0)).collect();
    app.resize(40);
    answer_plan_offsets(&mut app, partitions);
    app.update(Action::SortName);
    app.update(Action::Bottom);
    for _ in 0..3 {
        app.update(Action::Up);
    }
    assert_eq!(app.lag.selected_topic(), Some("topic-56"));
    let screen = draw(&app, 120, 40);
    let table: Vec<&str> = screen.lines().filter(|line| line.contains("topic-")).collect();
    assert!(table.last().is_some_and(|line| line.contains("topic-59")), "the view still ends at the last topic");
    assert!(table.first().is_some_and(|line| !line.contains("topic-00")));
}

#[test]
fn a_failed_engine_or_unreachable_clusters_never_read_total_lag_zero() {
    let mut app = with_plan(app(false));
    let failed = EngineStatus { state: EngineState::Failed("cannot reach msk".into()), ..EngineStatus::default() };
    app.on_message(Message::EngineStatus(Box::new(failed)));
    app.set_clock(app.now_ms);
    let position = app.outbox.iter().position(|r| matches!(r, Request::PlanOffsets { .. }));
    let Some(Request::PlanOffsets { id, .. }) = position.map(|at| app.outbox.remove(at)) else { panic!("asked") };
    app.on_message(Message::PlanOffsets { id, result: Err("msk: all brokers down".into()) });
    let top = draw(&app, 120, 40).lines().next().unwrap_or_default().to_owned();
    assert!(top.contains("total lag ?"), "{top}");
    assert!(top.contains("ENGINE FAILED"), "{top}");
    let (_, mut later) = statuses();
    later.state = EngineState::Failed("lane 3: fenced".into());
    app.on_message(Message::EngineStatus(Box::new(later)));
    let top = draw(&app, 120, 40).lines().next().unwrap_or_default().to_owned();
    assert!(top.contains("total lag ?"), "a failed engine's numbers stopped moving: {top}");
}

#[test]
fn a_topic_list_that_never_comes_is_given_up_with_the_reason() {
    let mut app = app(false);
    app.update(Action::GotoPane6);
    assert!(app.outbox.iter().any(|r| matches!(r, Request::Topics { .. })));
    app.set_clock(NOW_MS + 29_000);
    assert_eq!(app.inspector.topics, crate::tui::panes::Load::Loading);
    assert!(app.set_clock(NOW_MS + 30_000));
    let crate::tui::panes::Load::Failed(reason) = &app.inspector.topics else { panic!("gave up") };
    assert!(reason.contains("msk") && reason.contains("security.protocol"), "{reason}");
    app.update(Action::Refresh);
    assert!(app.outbox.iter().filter(|r| matches!(r, Request::Topics { .. })).count() >= 2, "r asks again");
}

#[test]
fn the_engine_pane_charts_throughput_with_rescales_marked() {
    let mut app = running_app(false);
    let (_, base) = statuses();
    for second in 1..=90_i64 {
        let mut status = base.clone();
        let lanes = if second < 45 { 2.0 } else { 4.0 };
        for lane in &mut status.lanes {
            lane.records_per_sec = 400.0 * lanes + (second % 7) as f64 * 30.0;
        }
        if second >= 45 {
            status
                .history
                .push(EngineEvent { at_ms: NOW_MS + 45_000, kind: EngineEventKind::Rescaled { from: 2, to: 4 } });
        }
        app.now_ms = NOW_MS + second * 1_000;
        app.on_message(Message::EngineStatus(Box::new(status)));
    }
    app.update(Action::GotoPane2);
    assert_eq!(app.focus, PaneId::Engine);
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("Throughput"), "{screen}");
    snapshot_both("engine_chart", &app);
}

#[test]
fn the_demo_opens_the_acl_pane_on_the_missing_group_read_and_its_fix() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut app = app(false);
    app.preset_acl(crate::demo::acl_setup(dir.path()).expect("demo ACLs"));
    app.update(Action::GotoPane4);
    let position = app.outbox.iter().position(|r| matches!(r, Request::Acls { .. }));
    let Some(Request::Acls { id, source: crate::tui::protocol::AclFetch::File(path) }) =
        position.map(|at| app.outbox.remove(at))
    else {
        panic!("the ACLs come from the demo's file, not from a broker without an ACL API")
    };
    let acls = crate::acl::source::load(&path).map_err(|err| err.to_string());
    app.on_message(Message::Acls { id, result: acls });
    let screen = draw(&app, 120, 40);
    assert!(screen.contains("✗ READ             GROUP orders-app no matching ACL"), "{screen}");
    assert!(screen.contains("--allow-principal User:orders-app --operation Read --group"), "{screen}");
    let mut stable = app;
    stable.acl.file = Some("destination-acls.txt".into());
    snapshot_both("acl_demo", &stable);
}

/// 750 topics of 4 partitions, every lane copying.
fn estate_status() -> EngineStatus {
    let partitions: Vec<PartitionStatus> =
        (0..750).flat_map(|t| (0..4).map(move |p| partition(&format!("topic-{t:03}"), p, 1_000, 900, 900))).collect();
    EngineStatus { state: EngineState::Running, lanes_target: 4, partitions, ..EngineStatus::default() }
}

#[test]
fn page_down_on_a_big_estate_moves_a_page_of_the_rows_drawn() {
    let mut app = app(false);
    app.resize(50);
    app.on_message(Message::EngineStatus(Box::new(estate_status())));
    let screen = draw(&app, 120, 50);
    let drawn = screen.lines().filter(|line| line.contains("topic-")).count();
    app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    let moved = app.lag.selected();
    // A page keeps one row of the last in view; the table leaves a line for topic problems.
    assert!(moved + 2 >= drawn && moved < drawn, "PageDown moved {moved} rows with {drawn} drawn:\n{screen}");
}

#[test]
fn page_down_in_the_help_moves_a_page_of_the_rows_drawn() {
    let mut app = app(false);
    app.resize(30);
    app.update(Action::Help);
    let rows = app.keymap.help_rows();
    let screen = draw(&app, 120, 30);
    let drawn = rows.iter().filter(|(keys, desc)| screen.lines().any(|l| l.contains(keys) && l.contains(desc))).count();
    assert!(drawn > 11 && drawn < rows.len(), "{drawn} of {} help rows drawn:\n{screen}", rows.len());
    app.on_key(KeyEvent::new(KeyCode::PageDown, KeyModifiers::NONE));
    let Mode::Help { scroll } = app.mode else { panic!("the help closed") };
    assert_eq!(scroll + 1, drawn, "PageDown scrolled {scroll} rows with {drawn} drawn:\n{screen}");
}

#[test]
fn the_start_banner_says_why_a_start_retries_and_goes_once_every_lane_copies() {
    use crate::engine::status::{LaneState, LaneStatus};
    let mut app = app(false);
    let (source, destination) = (app.source.clone(), app.destination.clone());
    let plan = crate::engine::plan::parse_plan(PLAN, std::path::Path::new("plan.toml")).expect("plan");
    app.engine = Some(crate::engine::EngineHandle::spawn(plan, source, destination, std::time::Duration::from_secs(1)));
    app.update(Action::Start);
    let banner = |app: &App| app.banner.as_ref().map(|b| b.text.clone());
    assert_eq!(banner(&app).as_deref(), Some("starting the engine"));
    let problem = "cannot fetch metadata from msk within 1s (trying again in 0.5 s)";
    let starting =
        EngineStatus { state: EngineState::Starting, start_problem: Some(problem.into()), ..EngineStatus::default() };
    app.on_message(Message::EngineStatus(Box::new(starting)));
    assert_eq!(banner(&app), Some(format!("starting the engine: {problem}")));
    let lane = |number: usize, state: LaneState| LaneStatus {
        lane: number,
        transactional_id: format!("kdeck-msk-to-ccloud-lane-{number}"),
        partitions: Vec::new(),
        state,
        records_total: 0,
        bytes_total: 0,
        records_per_sec: 0.0,
        bytes_per_sec: 0.0,
        commits: 0,
        aborts: 0,
        last_error: None,
    };
    let mut running = EngineStatus {
        state: EngineState::Running,
        lanes_target: 2,
        lanes: vec![lane(0, LaneState::Copying), lane(1, LaneState::Fencing)],
        ..EngineStatus::default()
    };
    app.on_message(Message::EngineStatus(Box::new(running.clone())));
    assert_eq!(banner(&app), Some(format!("starting the engine: {problem}")), "one lane still starts");
    running.lanes[1].state = LaneState::Copying;
    app.on_message(Message::EngineStatus(Box::new(running)));
    assert_eq!(banner(&app), None, "every lane copies: the start is done");
    app.shutdown();
}
