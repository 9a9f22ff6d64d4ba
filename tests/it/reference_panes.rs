//! The ACL and Cheatsheet panes with the cockpit's real worker on the mock cluster:
//! ACLs from a file through the worker, the live read failing on one line (the mock
//! serves no DescribeAcls), and a cheatsheet consume run in the Inspector.

use std::path::PathBuf;
use std::time::Duration;

use kdeck::config::{self, ClusterArgs};
use kdeck::tui::action::Action;
use kdeck::tui::app::{App, AppSetup};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::panes::acl::AclInput;
use kdeck::tui::panes::inspector::Load;
use kdeck::tui::panes::PaneId;
use kdeck::tui::theme::Theme;
use kdeck::tui::Cockpit;

use crate::support::{MockKafka, TestRecord};

fn cockpit(bootstrap: &str) -> Cockpit {
    let config = config::parse("", std::path::Path::new("test.toml")).expect("empty config");
    let resolve = |cluster: &str| {
        let args = ClusterArgs { cluster: cluster.into(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).expect("broker list")
    };
    let app = App::new(AppSetup {
        source: resolve(bootstrap),
        destination: resolve(bootstrap),
        plan_name: "test".into(),
        planned_lanes: 1,
        read_only: true,
        theme: Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: kdeck::tui::now_ms(),
    });
    Cockpit::new(app, Duration::from_secs(3))
}

#[test]
fn acl_pane_reads_live_then_a_file_through_the_worker() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 1);
    let mut cockpit = cockpit(kafka.bootstrap());
    cockpit.dispatch(Action::Goto(PaneId::Acl, None));
    let failed = |app: &App| matches!(app.acl.acls, Load::Failed(_));
    assert!(cockpit.pump_until(Duration::from_secs(60), failed), "{:?}", cockpit.app.acl.acls);
    let Load::Failed(error) = &cockpit.app.acl.acls else { unreachable!() };
    assert!(error.starts_with("DescribeAcls on cluster"), "{error}");
    assert_eq!(error.lines().count(), 1);

    let file = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/acl/migration-day.json");
    cockpit.dispatch(Action::AclInput(AclInput::Acls(Some(file))));
    cockpit.dispatch(Action::AclInput(AclInput::Principal("User:sa-orders".into())));
    cockpit.dispatch(Action::AclInput(AclInput::Topics(vec!["orders".into()])));
    cockpit.dispatch(Action::AclInput(AclInput::Group("orders-app".into())));
    let ready = |app: &App| matches!(app.acl.acls, Load::Ready(_));
    assert!(cockpit.pump_until(Duration::from_secs(60), ready), "{:?}", cockpit.app.acl.acls);
    let rows = cockpit.app.acl.rows().expect("a grid");
    let denied: Vec<String> = rows
        .iter()
        .filter(|row| !row.decision.allowed)
        .map(|row| format!("{} {}", row.requirement.operation, row.requirement.name))
        .collect();
    assert_eq!(denied, ["READ orders-app", "DESCRIBE orders-app"]);
    cockpit.dispatch(Action::CopyCommand);
    let copied = cockpit.app.clipboard.clone().expect("fix commands copied");
    assert!(copied.ends_with("--operation Read --group orders-app"), "{copied}");
    cockpit.shutdown();
}

#[test]
fn cheatsheet_consume_runs_in_the_inspector() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 2);
    let records: Vec<TestRecord> = (0..30).map(|n| TestRecord::new(n % 2, None, Some(b"v"))).collect();
    kafka.produce("orders", &records);
    let mut cockpit = cockpit(kafka.bootstrap());
    cockpit.app.inspector.topic = Some("orders".into());
    cockpit.dispatch(Action::Goto(PaneId::Cheatsheet, None));
    cockpit.app.cheatsheet.set_query("kcat-consume-partition");
    cockpit.app.inspector.partition = Some(1);
    cockpit.dispatch(Action::Expand);
    assert_eq!(cockpit.app.focus, PaneId::Inspector);
    let ready = |app: &App| matches!(app.inspector.messages, Load::Ready(_));
    assert!(cockpit.pump_until(Duration::from_secs(60), ready), "{:?}", cockpit.app.inspector.messages);
    let partitions: Vec<i32> = cockpit.app.inspector.visible_messages().iter().map(|r| r.partition).collect();
    assert_eq!(partitions, [1; 10], "-p 1 -o -10: the last 10 of partition 1");
    cockpit.shutdown();
}
