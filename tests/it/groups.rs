//! Consumer groups against tansu (the mock cluster has no ListGroups or
//! DescribeGroups): group state, committed offsets on each side, and the
//! cockpit's groups view fed by its real worker. Offsets are committed in
//! assign mode (a subscribe-mode join takes about 20 s on tansu). Lag is not
//! asserted: tansu's high watermark is wrong under batching.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use kdeck::config::{self, ClusterArgs, ResolvedCluster};
use kdeck::kafka::groups::{CommittedOffset, GroupReader};
use kdeck::tui::action::Action;
use kdeck::tui::app::{App, AppSetup};
use kdeck::tui::group_fetch::{fetch_groups, ConsumerGroup, GroupsSnapshot};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::panes::inspector::Load;
use kdeck::tui::panes::PaneId;
use kdeck::tui::theme::Theme;
use kdeck::tui::Cockpit;

use crate::support::{free_port, MockKafka, Tansu, TestRecord};
use crate::tansu::create_topic;

const TIMEOUT: Duration = Duration::from_secs(10);

fn commit(bootstrap: &str, group: &str, offsets: &[(&str, i32, i64)]) {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .create()
        .expect("committing consumer");
    let mut list = TopicPartitionList::new();
    for (topic, partition, offset) in offsets {
        list.add_partition_offset(topic, *partition, Offset::Offset(*offset)).expect("offset");
    }
    consumer.assign(&list).expect("assign");
    consumer.commit(&list, CommitMode::Sync).expect("commit on tansu");
}

fn clusters(source: &str, destination: &str) -> (ResolvedCluster, ResolvedCluster) {
    let text = format!(
        "[clusters.source]\nbootstrap = \"{source}\"\n\n[clusters.destination]\nbootstrap = \"{destination}\"\n"
    );
    let config = config::parse(&text, std::path::Path::new("test.toml")).unwrap();
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_owned(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).unwrap()
    };
    (resolve("source"), resolve("destination"))
}

fn committed(group: &ConsumerGroup) -> Vec<(String, i32, Option<i64>, Option<i64>)> {
    group
        .partitions
        .iter()
        .map(|p| (p.topic.clone(), p.partition, p.source_committed, p.destination_committed))
        .collect()
}

/// Two tansu clusters: "billing" committed on both sides (behind on the
/// destination), "audit" on the source only.
fn estate() -> (Tansu, Tansu) {
    let (source, destination) = (Tansu::start(), Tansu::start());
    for broker in [&source, &destination] {
        create_topic(&broker.bootstrap(), "orders", 2);
    }
    commit(&source.bootstrap(), "billing", &[("orders", 0, 5), ("orders", 1, 7)]);
    commit(&source.bootstrap(), "audit", &[("orders", 1, 2)]);
    commit(&destination.bootstrap(), "billing", &[("orders", 0, 3)]);
    (source, destination)
}

/// A read-only cockpit with its real worker and no engine.
fn cockpit_without_engine(source: &str, destination: &str) -> Cockpit {
    let (source_cluster, destination_cluster) = clusters(source, destination);
    let app = App::new(AppSetup {
        source: source_cluster,
        destination: destination_cluster,
        plan_name: "test".into(),
        planned_lanes: 1,
        read_only: true,
        theme: Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: kdeck::tui::now_ms(),
    });
    Cockpit::new(app, TIMEOUT)
}

#[test]
fn groups_list_state_and_read_committed_offsets_without_joining() {
    let source = Tansu::start();
    create_topic(&source.bootstrap(), "orders", 2);
    commit(&source.bootstrap(), "billing", &[("orders", 0, 5), ("orders", 1, 7)]);
    let (cluster, _) = clusters(&source.bootstrap(), &source.bootstrap());
    let reader = GroupReader::connect(&cluster, TIMEOUT).expect("connect");

    let groups = reader.groups().expect("list groups");
    let billing = groups.iter().find(|group| group.name == "billing").expect("billing listed");
    // A group that only commits (no member ever joined) is "Empty", on tansu as on Kafka.
    assert_eq!(billing.state, "Empty", "{billing:?}");
    assert_eq!(billing.members, 0, "reading offsets must not make a member: {billing:?}");

    let partitions = [("orders".to_owned(), 0), ("orders".to_owned(), 1)];
    let offsets = reader.committed_offsets("billing", &partitions).expect("offset fetch");
    let expected = |a: Option<i64>, b: Option<i64>| {
        vec![
            CommittedOffset { topic: "orders".into(), partition: 0, committed: a },
            CommittedOffset { topic: "orders".into(), partition: 1, committed: b },
        ]
    };
    assert_eq!(offsets, expected(Some(5), Some(7)));
    assert_eq!(reader.committed_offsets("nobody", &partitions).expect("offset fetch"), expected(None, None));
    assert_eq!(reader.committed_offsets("billing", &[]).expect("nothing asked"), []);
    assert_eq!(reader.topic_partitions().expect("metadata"), [("orders".to_owned(), vec![0, 1])]);

    let after = reader.groups().expect("list groups again");
    let billing_after = after.iter().find(|group| group.name == "billing").expect("still listed");
    assert_eq!(billing_after.members, 0, "the look did not join the group");
}

#[test]
fn groups_on_both_sides_line_up_by_partition() {
    let (source, destination) = estate();
    let (source_cluster, destination_cluster) = clusters(&source.bootstrap(), &destination.bootstrap());
    let snapshot = fetch_groups(&source_cluster, &destination_cluster, &[], TIMEOUT).expect("groups");
    assert_eq!(snapshot.destination_error, None);
    let names: Vec<&str> = snapshot.groups.iter().map(|group| group.name.as_str()).collect();
    assert_eq!(names, ["audit", "billing"]);

    let audit = &snapshot.groups[0];
    assert!(audit.source.is_some() && audit.destination.is_none(), "{audit:?}");
    assert_eq!(committed(audit), [("orders".into(), 1, Some(2), None)]);

    let billing = &snapshot.groups[1];
    assert!(billing.source.is_some() && billing.destination.is_some(), "{billing:?}");
    assert_eq!(committed(billing), [("orders".into(), 0, Some(5), Some(3)), ("orders".into(), 1, Some(7), None)]);
    assert!(billing.partitions[0].source_high_watermark.is_some(), "watermarks are read where a group committed");
}

#[test]
fn groups_with_an_unreachable_destination_still_show_the_source() {
    let source = Tansu::start();
    create_topic(&source.bootstrap(), "orders", 1);
    commit(&source.bootstrap(), "billing", &[("orders", 0, 4)]);
    let nowhere = format!("127.0.0.1:{}", free_port());
    let (source_cluster, destination_cluster) = clusters(&source.bootstrap(), &nowhere);
    let snapshot = fetch_groups(&source_cluster, &destination_cluster, &[], Duration::from_secs(3)).expect("groups");
    assert!(snapshot.destination_error.is_some());
    assert_eq!(committed(&snapshot.groups[0]), [("orders".into(), 0, Some(4), None)]);
}

#[test]
fn groups_view_in_the_cockpit_fetches_through_the_worker() {
    let (source, destination) = estate();
    let mut cockpit = cockpit_without_engine(&source.bootstrap(), &destination.bootstrap());
    cockpit.dispatch(Action::GotoPane2);
    cockpit.dispatch(Action::ToggleGroups);
    assert_eq!(cockpit.app.focus, PaneId::Lag, "the groups view lives on the Lag pane");
    let billing_on_both = |app: &App| match &app.groups.groups {
        Load::Ready(GroupsSnapshot { groups, .. }) => {
            groups.iter().any(|group| group.name == "billing" && group.destination.is_some())
        }
        _ => false,
    };
    assert!(cockpit.pump_until(Duration::from_secs(60), billing_on_both), "{:?}", cockpit.app.groups.groups);

    // A group that appears later shows up on the next refresh, without a key.
    commit(&destination.bootstrap(), "audit", &[("orders", 1, 1)]);
    let audit_on_destination = |app: &App| match &app.groups.groups {
        Load::Ready(GroupsSnapshot { groups, .. }) => {
            groups.iter().any(|group| group.name == "audit" && group.destination.is_some())
        }
        _ => false,
    };
    assert!(cockpit.pump_until(Duration::from_secs(60), audit_on_destination), "{:?}", cockpit.app.groups.groups);

    cockpit.dispatch(Action::Escape);
    assert!(!cockpit.app.groups.visible, "Esc goes back to the topics");
    cockpit.shutdown();
}

/// The Inspector's partition picker (kcat's `-p`), here because it came with
/// the groups view; the mock cluster suffices, no group API is involved.
#[test]
fn tui_inspector_reads_only_the_picked_partition() {
    let source = MockKafka::new(1);
    source.create_topic("orders", 3);
    let records: Vec<TestRecord> =
        (0..30).map(|n| TestRecord::new(n % 3, Some(format!("k{n}").as_bytes()), Some(b"v"))).collect();
    source.produce("orders", &records);
    let mut cockpit = cockpit_without_engine(source.bootstrap(), source.bootstrap());
    let ready = |app: &App| matches!(app.inspector.messages, Load::Ready(_));
    cockpit.dispatch(Action::Goto(PaneId::Inspector, Some("orders".into())));
    assert!(cockpit.pump_until(Duration::from_secs(60), ready));
    assert_eq!(cockpit.app.inspector.visible_messages().len(), 30);

    cockpit.dispatch(Action::PickPartition);
    for c in "1".chars() {
        cockpit.handle(kdeck::tui::Event::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)));
    }
    cockpit.handle(kdeck::tui::Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)));
    assert!(cockpit.pump_until(Duration::from_secs(60), ready));
    let partitions: Vec<i32> = cockpit.app.inspector.visible_messages().iter().map(|r| r.partition).collect();
    assert_eq!(partitions, [1; 10], "only partition 1");

    cockpit.dispatch(Action::InspectPartition(Some(7)));
    assert!(cockpit.pump_until(Duration::from_secs(60), |app| matches!(app.inspector.messages, Load::Failed(_))));
    let Load::Failed(error) = &cockpit.app.inspector.messages else { unreachable!() };
    assert!(error.contains("no partition 7"), "{error}");

    cockpit.dispatch(Action::InspectPartition(None));
    assert!(
        cockpit.pump_until(Duration::from_secs(60), |app| ready(app) && app.inspector.visible_messages().len() == 30)
    );
    cockpit.shutdown();
}
