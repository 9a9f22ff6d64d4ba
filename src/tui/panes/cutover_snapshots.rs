//! The groups view's cutover overlay drawn at 120x40 and 80x24, and applying
//! it through the cockpit's gates: read-only refuses, `y` (or the production
//! destination's name) is asked first, and only then does the worker commit.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::cutover::plan_run::{CutoverResult, CutoverRow};
use crate::cutover::translate::{refusal, Method};
use crate::tui::action::Action;
use crate::tui::app::{App, BannerKind, Mode};
use crate::tui::command::parse_command;
use crate::tui::group_fetch::{ConsumerGroup, GroupPartition, GroupSide, GroupsSnapshot};
use crate::tui::protocol::{Message, Request};
use crate::tui::snapshot_tests::{app, draw};

const GROUP: &str = "billing-service";

fn snapshot_both(name: &str, app: &App) {
    for (width, height) in [(120, 40), (80, 24)] {
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), draw(app, width, height));
    }
}

fn groups() -> GroupsSnapshot {
    let partition = |topic: &str, number, committed| GroupPartition {
        topic: topic.into(),
        partition: number,
        source_committed: Some(committed),
        source_high_watermark: Some(committed + 10),
        destination_committed: None,
        destination_high_watermark: Some(committed),
    };
    GroupsSnapshot {
        groups: vec![ConsumerGroup {
            name: GROUP.into(),
            source: Some(GroupSide { state: "Stable".into(), members: 3 }),
            destination: None,
            partitions: vec![partition("orders", 0, 49_800), partition("orders", 1, 49_000)],
        }],
        destination_error: None,
    }
}

fn dry_run(lags: [i64; 3]) -> CutoverResult {
    let row = |topic: &str, partition, source_committed, destination_offset, method, lag| CutoverRow {
        topic: topic.into(),
        destination_topic: topic.into(),
        partition,
        source_committed,
        destination_offset,
        method,
        lag: Some(lag),
    };
    let partitions = vec![
        row("orders", 0, 49_800, 49_812, Method::Provenance, lags[0]),
        row("orders", 1, 49_000, 49_004, Method::Provenance, lags[1]),
        row("payments", 0, 20_000, 19_870, Method::Timestamp, lags[2]),
    ];
    let lags: Vec<_> = partitions.iter().map(|r| (r.topic.clone(), r.partition, r.lag)).collect();
    CutoverResult {
        plan: "msk-to-ccloud".into(),
        group: GROUP.into(),
        source: "msk".into(),
        destination: "ccloud".into(),
        applied: false,
        refused: refusal(GROUP, "ccloud", &lags, Ok(0), false),
        partitions,
    }
}

/// The groups view open on GROUP, with a plan to translate over.
fn groups_app(read_only: bool) -> App {
    let mut app = app(read_only);
    let text = "name = \"msk-to-ccloud\"\nsource = \"msk\"\ndestination = \"ccloud\"\n";
    app.plan = Some(crate::engine::plan::parse_plan(text, std::path::Path::new("plan.toml")).expect("plan"));
    app.update(Action::ToggleGroups);
    let Some(Request::Groups { id, .. }) = app.outbox.pop() else { panic!("asked for groups") };
    app.on_message(Message::Groups { id, result: Ok(groups()) });
    app
}

/// Presses `cutover`; returns the id and whether the request applies.
fn cutover_requests(app: &mut App) -> Vec<(u64, bool)> {
    app.outbox
        .drain(..)
        .filter_map(|request| match request {
            Request::Cutover { id, request } => {
                assert_eq!(request.group, GROUP);
                Some((id, request.apply))
            }
            _ => None,
        })
        .collect()
}

fn with_dry_run(read_only: bool, lags: [i64; 3]) -> App {
    let mut app = groups_app(read_only);
    app.update(Action::CutoverGroup);
    let sent = cutover_requests(&mut app);
    assert!(matches!(sent[..], [(_, false)]), "a dry run first, read-only or not: {sent:?}");
    app.on_message(Message::Cutover { id: sent[0].0, result: Ok(dry_run(lags)) });
    app
}

fn type_line(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

fn banner(app: &App) -> (BannerKind, String) {
    let banner = app.banner.clone().expect("a banner");
    (banner.kind, banner.text)
}

#[test]
fn cutover_plan_overlay() {
    let mut app = groups_app(false);
    app.update(Action::CutoverGroup);
    snapshot_both("cutover_translating", &app);
    let sent = cutover_requests(&mut app);
    app.on_message(Message::Cutover { id: sent[0].0, result: Ok(dry_run([0, 0, 0])) });
    snapshot_both("cutover_plan", &app);
    let refused = with_dry_run(false, [0, 12, 0]);
    snapshot_both("cutover_plan_lagging", &refused);
    app.update(Action::Escape);
    assert!(!app.cutover.is_open() && app.groups.visible, "Esc closes the overlay, not the groups view");
}

#[test]
fn read_only_shows_the_dry_run_and_refuses_applying_it() {
    let mut app = with_dry_run(true, [0, 0, 0]);
    insta::assert_snapshot!("cutover_read_only_80x24", crate::tui::snapshot_tests::draw(&app, 80, 24));
    app.update(Action::CutoverGroup);
    assert_eq!(banner(&app), (BannerKind::Refused, format!("read-only: cutover of {GROUP} refused")));
    assert!(matches!(app.mode, Mode::Normal));
    assert!(cutover_requests(&mut app).is_empty(), "nothing sent to the worker");
}

#[test]
fn applying_asks_for_y_and_only_then_commits() {
    let mut app = with_dry_run(false, [0, 0, 0]);
    app.update(Action::CutoverGroup);
    let Mode::Confirm { expected, prompt, .. } = &app.mode else { panic!("a confirmation is asked") };
    assert_eq!(expected, "y");
    assert!(prompt.contains("commit 3 offsets of group billing-service on ccloud"), "{prompt}");
    assert!(cutover_requests(&mut app).is_empty(), "nothing before the answer");
    type_line(&mut app, "n");
    assert_eq!(banner(&app).0, BannerKind::Refused);
    assert!(cutover_requests(&mut app).is_empty(), "a wrong answer commits nothing");
    app.update(Action::CutoverGroup);
    app.on_key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
    assert!(cutover_requests(&mut app).is_empty(), "Esc commits nothing");
    app.update(Action::CutoverGroup);
    type_line(&mut app, "y");
    let sent = cutover_requests(&mut app);
    assert!(matches!(sent[..], [(_, true)]), "{sent:?}");
    let mut applied = dry_run([0, 0, 0]);
    applied.applied = true;
    app.on_message(Message::Cutover { id: sent[0].0, result: Ok(applied) });
    assert_eq!(banner(&app), (BannerKind::Info, format!("cutover of {GROUP}: committed 3 offsets on ccloud")));
    assert!(app.outbox.iter().any(|r| matches!(r, Request::Groups { .. })), "the groups are read again");
}

#[test]
fn a_production_destination_asks_for_its_name_and_a_refusal_is_shown() {
    let mut app = with_dry_run(false, [0, 0, 0]);
    app.destination.production = true;
    app.update(Action::CutoverGroup);
    let Mode::Confirm { expected, .. } = &app.mode else { panic!("a confirmation is asked") };
    assert_eq!(expected, "ccloud");
    type_line(&mut app, "ccloud");
    let sent = cutover_requests(&mut app);
    assert!(matches!(sent[..], [(_, true)]), "{sent:?}");
    let mut refused = dry_run([0, 0, 0]);
    refused.refused = Some("group billing-service has 2 members on ccloud".into());
    app.on_message(Message::Cutover { id: sent[0].0, result: Ok(refused) });
    assert_eq!(
        banner(&app),
        (BannerKind::Refused, "cutover not applied: group billing-service has 2 members on ccloud".into())
    );
}

#[test]
fn without_a_plan_or_a_selected_group_nothing_is_asked() {
    let mut planless = groups_app(false);
    planless.plan = None;
    planless.update(Action::CutoverGroup);
    assert!(cutover_requests(&mut planless).is_empty());
    assert!(banner(&planless).1.contains("--plan"), "{:?}", planless.banner);
    let mut topics = app(false);
    topics.update(Action::CutoverGroup);
    assert!(cutover_requests(&mut topics).is_empty());
    assert_eq!(banner(&topics).0, BannerKind::Warning);
}

#[test]
fn cutover_command_line() {
    assert_eq!(parse_command("cutover"), Ok(Action::CutoverGroup));
    assert_eq!(parse_command("cutover billing"), Ok(Action::CutoverNamed("billing".into())));
    assert!(parse_command("cutover a b").is_err());
    let mut app = groups_app(false);
    app.update(Action::CutoverNamed(GROUP.into()));
    assert!(matches!(cutover_requests(&mut app)[..], [(_, false)]));
}
