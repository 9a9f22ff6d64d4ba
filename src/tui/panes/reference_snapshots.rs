//! The Cheatsheet and ACL panes drawn at 120x40 and 80x24 (snapshots in
//! `src/tui/panes/snapshots/`), plus their behaviour through the App: search,
//! copy, run in kdeck, the ACL grid from a loaded list.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::acl::source::parse;
use crate::tui::action::Action;
use crate::tui::app::{App, Mode};
use crate::tui::group_fetch::{ConsumerGroup, GroupSide, GroupsSnapshot};
use crate::tui::panes::acl::AclInput;
use crate::tui::panes::PaneId;
use crate::tui::protocol::{AclFetch, Message, Request};
use crate::tui::snapshot_tests::{app, draw};

fn snapshot_both(name: &str, app: &App) {
    for (width, height) in [(120, 40), (80, 24)] {
        let screen = draw(app, width, height);
        assert!(!screen.contains("hunter2"), "a secret was drawn");
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), screen);
    }
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
}

fn cheatsheet_app() -> App {
    let mut app = app(false);
    app.inspector.topic = Some("orders".into());
    app.update(Action::Goto(PaneId::Cheatsheet, None));
    app
}

#[test]
fn cheatsheet_pane() {
    let mut app = cheatsheet_app();
    snapshot_both("cheatsheet", &app);
    app.update(Action::Filter);
    type_text(&mut app, "kcat json");
    snapshot_both("cheatsheet_search", &app);
}

#[test]
fn cheatsheet_copies_the_filled_command_without_secrets() {
    let mut app = cheatsheet_app();
    app.update(Action::Filter);
    type_text(&mut app, "kcat-consume-all");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(matches!(app.mode, Mode::Normal));
    app.update(Action::SwitchCluster);
    app.update(Action::CopyCommand);
    // The source profile holds a literal sasl.password: a placeholder stands in for it.
    let copied = app.clipboard.clone().expect("copied");
    assert_eq!(copied, "kcat -b b-1.msk:9096 -X sasl.password=$KAFKA_PASSWORD -C -t orders -o beginning -e");
}

#[test]
fn cheatsheet_enter_reads_in_the_inspector_and_refuses_writes() {
    let mut app = app(false);
    app.update(Action::Goto(PaneId::Cheatsheet, None));
    app.cheatsheet.set_query("kcat-consume-last");
    app.update(Action::Expand);
    assert_eq!(app.focus, PaneId::Cheatsheet, "no topic selected yet");
    assert!(app.banner.as_ref().is_some_and(|banner| banner.text.starts_with("<topic> not known yet")));
    let mut app = cheatsheet_app();
    app.cheatsheet.set_query("kcat-consume-last");
    app.update(Action::Expand);
    assert_eq!(app.focus, PaneId::Inspector);
    assert_eq!(app.inspector.offsets, "-10");
    assert_eq!(app.inspector.topic.as_deref(), Some("orders"));
    assert!(app.outbox.iter().any(|request| matches!(request, Request::Read { topic, .. } if topic == "orders")));
    app.update(Action::Goto(PaneId::Cheatsheet, None));
    app.cheatsheet.set_query("kcat-produce-headers");
    app.update(Action::Expand);
    assert_eq!(app.focus, PaneId::Cheatsheet);
    assert!(app.banner.as_ref().is_some_and(|banner| banner.text.contains("only reads")));
}

const REFERENCE_DAY_ACLS: &str = "Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n\t(principal=User:sa-orders, host=*, operation=READ, permissionType=ALLOW)\n";

fn groups() -> GroupsSnapshot {
    let side = GroupSide { state: "Stable".into(), members: 2 };
    let group = |name: &str| ConsumerGroup {
        name: name.into(),
        source: Some(side.clone()),
        destination: Some(side.clone()),
        partitions: Vec::new(),
    };
    GroupsSnapshot { groups: vec![group("orders-app"), group("payments-app")], destination_error: None }
}

/// The ACL pane once the destination's groups and ACLs have answered.
fn acl_app() -> App {
    let mut app = app(false);
    app.update(Action::Goto(PaneId::Acl, None));
    let requests = std::mem::take(&mut app.outbox);
    for request in requests {
        match request {
            Request::Groups { id, .. } => {
                app.on_message(Message::Groups { id, result: Ok(groups()) });
            }
            Request::Topics { id, .. } => {
                let topics = vec!["__consumer_offsets".into(), "orders".into(), "payments".into()];
                app.on_message(Message::Topics { id, result: Ok(topics) });
            }
            Request::Acls { id, source: AclFetch::Live(cluster) } => {
                assert_eq!(cluster.name, "ccloud", "live ACLs come from the destination");
                app.on_message(Message::Acls { id, result: Ok(parse(REFERENCE_DAY_ACLS).unwrap()) });
            }
            _ => panic!("unexpected request"),
        }
    }
    assert_eq!(app.acl.topics, ["orders", "payments"], "the Inspector's topics stand in for the plan's");
    app.update(Action::AclInput(AclInput::Topics(vec!["orders".into()])));
    app
}

#[test]
fn acl_pane() {
    let mut app = acl_app();
    snapshot_both("acl_no_principal", &app);
    app.update(Action::AclInput(AclInput::Principal("User:sa-orders".into())));
    snapshot_both("acl_grid", &app);
    app.update(Action::CopyCommand);
    assert_eq!(
        app.clipboard.as_deref(),
        Some("kafka-acls --bootstrap-server pkc.ccloud:9092 --add --allow-principal User:sa-orders --operation Read --group orders-app")
    );
    app.update(Action::AclInput(AclInput::Fix("confluent".into())));
    app.update(Action::Expand);
    assert_eq!(app.acl.group.as_deref(), Some("payments-app"), "Enter steps through the destination's groups");
    snapshot_both("acl_grid_confluent", &app);
}

#[test]
fn acl_commands_reach_the_pane_and_bad_values_warn() {
    let mut app = acl_app();
    app.update(Action::CommandLine);
    type_text(&mut app, "principal nope");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(app.banner.as_ref().is_some_and(|banner| banner.text.starts_with(":principal nope")));
    app.update(Action::CommandLine);
    type_text(&mut app, "acls /no/such/file.json");
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    assert!(matches!(app.outbox.last(), Some(Request::Acls { source: AclFetch::File(_), .. })));
}
