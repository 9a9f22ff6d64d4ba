//! The Lag pane's groups-view cutover end to end: the app asks, the cockpit's
//! worker translates and commits against real brokers (mock source, tansu
//! destination, which has OffsetCommit and DescribeGroups), and the offsets it
//! commits resume the destination group on the records the source group would
//! read next.

use std::sync::mpsc;
use std::time::Duration;

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use kdeck::config::{self, ClusterArgs, ResolvedCluster};
use kdeck::engine::plan::parse_plan;
use kdeck::tui::action::Action;
use kdeck::tui::app::{App, AppSetup, BannerKind, Mode};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::theme::Theme;
use kdeck::tui::worker::{Message, Worker};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use crate::support::drain;

fn cluster(name: &str, bootstrap: &str) -> ResolvedCluster {
    let text = format!("[clusters.{name}]\nbootstrap = \"{bootstrap}\"\n");
    let config = config::parse(&text, std::path::Path::new("test.toml")).unwrap();
    let args = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
    config::resolve_cluster(&args, &config).unwrap()
}

/// Sends the app's requests to the worker and feeds answers back until a cutover answer arrives.
fn pump_until_cutover(app: &mut App, worker: &Worker, answers: &mpsc::Receiver<Message>) {
    loop {
        for request in app.outbox.drain(..) {
            worker.submit(request);
        }
        let message = answers.recv_timeout(Duration::from_secs(120)).expect("the worker answers");
        let is_cutover = matches!(message, Message::Cutover { .. });
        app.on_message(message);
        if is_cutover {
            return;
        }
    }
}

fn type_line(app: &mut App, text: &str) {
    for c in text.chars() {
        app.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
    }
    app.on_key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
}

#[test]
fn the_groups_view_cutover_translates_then_commits_after_confirmation_on_tansu() {
    let copied = crate::cutover::copied_to_tansu("pane-to-tansu");
    let (source, destination, plan_path) = (&copied.source, &copied.destination, &copied.plan);
    let plan = parse_plan(&std::fs::read_to_string(plan_path).unwrap(), plan_path).expect("plan");
    let mut app = App::new(AppSetup {
        source: cluster("source", source.bootstrap()),
        destination: cluster("destination", &destination.bootstrap()),
        plan_name: plan.name.clone(),
        planned_lanes: 1,
        read_only: false,
        theme: Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: 0,
    });
    app.plan = Some(plan);
    let (deliver, answers) = mpsc::channel();
    let worker = Worker::spawn(Duration::from_secs(10), move |message| {
        let _ = deliver.send(message);
    });

    // The mock source cannot list groups, so the group is named on the command line.
    app.update(Action::CutoverNamed("billing".into()));
    pump_until_cutover(&mut app, &worker, &answers);
    let planned = app.cutover.planned_group().map(str::to_owned);
    assert_eq!(
        planned.as_deref(),
        Some("billing"),
        "the dry run is on screen: {:?} {:?}",
        app.cutover.plan,
        app.banner
    );

    app.update(Action::CutoverGroup);
    assert!(matches!(app.mode, Mode::Confirm { .. }), "applying asks first");
    assert!(app.outbox.iter().all(|r| !matches!(r, kdeck::tui::worker::Request::Cutover { .. })));
    type_line(&mut app, "y");
    pump_until_cutover(&mut app, &worker, &answers);
    let banner = app.banner.clone().expect("a banner");
    assert_eq!(banner.kind, BannerKind::Info, "{}", banner.text);
    assert_eq!(banner.text, "cutover of billing: committed 2 offsets on destination");

    let copied = drain(&destination.bootstrap(), "orders", Duration::from_millis(1500));
    let at_source = drain(source.bootstrap(), "orders", Duration::from_millis(1500));
    let first_from = |records: &[crate::support::ReadRecord], p: i32, offset: i64| {
        records.iter().find(|r| r.partition == p && r.offset >= offset).and_then(|r| r.value.clone())
    };
    let on_destination: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", destination.bootstrap())
        .set("group.id", "billing")
        .create()
        .unwrap();
    let mut asked = TopicPartitionList::new();
    asked.add_partition("orders", 0);
    asked.add_partition("orders", 1);
    let committed = on_destination.committed_offsets(asked, Duration::from_secs(10)).expect("committed offsets");
    for (p, source_offset) in [(0, 7), (1, 20)] {
        let Offset::Offset(offset) = committed.find_partition("orders", p).unwrap().offset() else {
            panic!("nothing committed on orders [{p}]");
        };
        assert_eq!(first_from(&copied, p, offset), first_from(&at_source, p, source_offset), "[{p}]");
    }
}
