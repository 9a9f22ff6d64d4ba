//! The cockpit's Lag pane on runners kdeck does not run: the app asks for the
//! plan's partitions, the real worker reads them (watermarks from noida; the
//! positions from a Replicator-shaped group on the source, an MM2-shaped offsets
//! topic on the destination, or a KIP-875 route), and the answer is fed back to
//! the app. The app's clock is set by the test, so rates, ETA and the stall are
//! exact; the copying is real (the `watch` module's copy loop, each runner's
//! positions written as that runner writes them; formats cited in `watch.rs`).
//!
//! Broker: noida-db, for the reasons `watch.rs` gives (exact high watermarks,
//! OffsetCommit/OffsetFetch for a group that never joins).

use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use kdeck::config::{self, ClusterArgs, ResolvedCluster};
use kdeck::engine::plan::parse_plan;
use kdeck::tui::app::{App, AppSetup, PLAN_OFFSETS_EVERY_MS};
use kdeck::tui::keymap::Keymap;
use kdeck::tui::protocol::{Message, Request};
use kdeck::tui::worker::Worker;

use crate::support::{Noida, TestRecord};
use crate::watch::{produce_source, serve_kip_875, CopyLoop, Runner, PARTITIONS, TOPIC};
use kdeck::connect::clusters::ConnectCluster;

const GROUP: &str = "replicator-2";
/// How long one worker read may take before the test fails (never asserted as a speed).
const PATIENCE: Duration = Duration::from_secs(60);
/// Where the test's clock starts: any fixed instant does.
const T0: i64 = 1_700_000_000_000;

pub(crate) fn profiles(source: &str, destination: &str) -> (ResolvedCluster, ResolvedCluster) {
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

pub(crate) fn headless_app(source: ResolvedCluster, destination: ResolvedCluster) -> App {
    App::new(AppSetup {
        source,
        destination,
        plan_name: "watched".into(),
        planned_lanes: 1,
        read_only: true,
        theme: kdeck::tui::theme::Theme::standard(),
        keymap: Keymap::defaults(),
        engine: None,
        now_ms: T0,
    })
}

/// Moves the app's clock to `at_ms`, sends the plan-offsets read it asks for
/// through the real worker, and feeds the answer back.
fn read_at(app: &mut App, worker: &Worker, answers: &Receiver<Message>, at_ms: i64) {
    app.set_clock(at_ms);
    let position = app.outbox.iter().position(|r| matches!(r, Request::PlanOffsets { .. }));
    let request = position.map(|at| app.outbox.remove(at)).expect("the Lag pane asked for the runner's positions");
    app.outbox.clear();
    worker.submit(request);
    let message = answers.recv_timeout(PATIENCE).expect("the worker answered");
    if let Message::PlanOffsets { result: Err(err), .. } = &message {
        panic!("the worker's read failed: {err}");
    }
    assert!(app.on_message(message), "the answer was taken");
}

pub(crate) fn screen(app: &App) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 30)).unwrap();
    terminal.draw(|frame| kdeck::tui::render::render(frame, app)).unwrap();
    let buffer = terminal.backend().buffer().clone();
    let width = buffer.area.width as usize;
    let cells: Vec<&str> = buffer.content.iter().map(|cell| cell.symbol()).collect();
    cells.chunks(width).map(|line| line.concat().trim_end().to_owned()).collect::<Vec<_>>().join("\n")
}

const UNCOPIED: &str = "payments";

fn topic_row(app: &App, topic: &str) -> kdeck::tui::lag_math::TopicRow {
    app.lag.rows().iter().find(|row| row.topic == topic).cloned().unwrap_or_else(|| panic!("no {topic} row"))
}

fn orders_line(screen: &str) -> &str {
    let topic = |line: &&str| [format!("▸ {TOPIC}"), format!("▾ {TOPIC}")].iter().any(|name| line.contains(name));
    screen.lines().find(topic).unwrap_or_else(|| panic!("no orders row:\n{screen}"))
}

/// The Lag pane's whole scenario on one runner: positions, a rate and an ETA,
/// caught up, then stalled while the source grows. `make_runner` gives the
/// runner's writer and the Connect cluster the cockpit knows, if any.
fn lag_pane_follows(
    runner_section: &str,
    make_runner: impl FnOnce(&Noida, &Noida) -> (Runner, Option<ConnectCluster>),
) {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic(TOPIC, PARTITIONS);
    destination.create_topic(TOPIC, PARTITIONS);
    produce_source(&source.bootstrap(), 100);
    // A plan topic the runner never copies: no position, its whole log is lag.
    source.create_topic(UNCOPIED, 1);
    let records: Vec<TestRecord> = (0..10).map(|_| TestRecord::new(0, Some(b"k"), Some(b"v"))).collect();
    crate::support::produce(&source.bootstrap(), UNCOPIED, &records);
    let (runner, connect) = make_runner(&source, &destination);
    let (source_cluster, destination_cluster) = profiles(&source.bootstrap(), &destination.bootstrap());
    let plan_text = format!("name = \"watched\"\nsource = \"source\"\ndestination = \"destination\"\n{runner_section}");
    let plan = parse_plan(&plan_text, std::path::Path::new("plan.toml")).expect("plan");
    let described = kdeck::watch::describe(&plan.runner);
    let mut app = headless_app(source_cluster, destination_cluster);
    app.lag.runner = Some(described.clone());
    app.plan = Some(plan);
    app.connect = kdeck::tui::panes::connect::ConnectPane::new(connect.into_iter().collect(), vec![]);
    let (deliver, answers) = mpsc::channel();
    let worker = Worker::spawn(Duration::from_secs(10), move |message| {
        let _ = deliver.send(message);
    });
    let mut copy = CopyLoop::new(&source.bootstrap(), &destination.bootstrap());

    copy.copy_to(40);
    runner.record(&copy.next);
    read_at(&mut app, &worker, &answers, T0);
    assert_eq!(app.lag.total_lag(&app.status), Some(130));
    let uncopied = topic_row(&app, UNCOPIED);
    assert_eq!((uncopied.lag, uncopied.next_source_offset), (Some(10), 0));
    let row = topic_row(&app, TOPIC);
    assert_eq!((row.source_high_watermark, row.next_source_offset), (200, 80));
    let first = screen(&app);
    assert!(first.contains(&format!("runner {described}")), "{first}");

    // Five seconds later the group has moved 30 records a partition: 12 records/s, 5 s to go.
    copy.copy_to(70);
    runner.record(&copy.next);
    read_at(&mut app, &worker, &answers, T0 + PLAN_OFFSETS_EVERY_MS);
    let row = topic_row(&app, TOPIC);
    assert_eq!(row.lag, Some(60));
    assert!((row.copy_rate - 12.0).abs() < 1e-9, "rate {}", row.copy_rate);
    assert_eq!(row.eta_secs(), Some(5.0));
    let moving = screen(&app);
    let line = orders_line(&moving);
    assert!(line.contains("12/s") && line.contains(" 5s") && !line.contains("stalled"), "{moving}");
    assert!(moving.contains("· total 70 · 12/s · sort: lag"), "the title's rate is the runner's: {moving}");

    copy.copy_to(100);
    runner.record(&copy.next);
    read_at(&mut app, &worker, &answers, T0 + 2 * PLAN_OFFSETS_EVERY_MS);
    assert_eq!((topic_row(&app, TOPIC).lag, app.lag.total_lag(&app.status)), (Some(0), Some(10)));

    // The copy stops while the source grows: behind at first, then, once the
    // group's positions stood still past the stall limit, stalled and never caught up.
    produce_source(&source.bootstrap(), 25);
    read_at(&mut app, &worker, &answers, T0 + 3 * PLAN_OFFSETS_EVERY_MS);
    assert_eq!(app.lag.total_lag(&app.status), Some(60));
    assert!(!orders_line(&screen(&app)).contains("stalled"), "not stalled after 5 s");
    let later = T0 + 2 * PLAN_OFFSETS_EVERY_MS + kdeck::tui::panes::lag::WATCH_STALL_MS;
    read_at(&mut app, &worker, &answers, later);
    let row = topic_row(&app, TOPIC);
    assert_eq!((row.lag, row.next_source_offset), (Some(50), 200));
    assert!(row.partitions.iter().all(|p| app.lag.stalled(TOPIC, p, later)), "{row:?}");
    assert_eq!(row.eta_secs(), None, "no closing speed, no ETA");
    app.update(kdeck::tui::action::Action::Expand);
    let stalled = screen(&app);
    let line = orders_line(&stalled);
    assert!(line.contains("stalled") && line.contains(" 50 "), "{stalled}");
    let partition_lines: Vec<&str> = stalled.lines().filter(|l| l.contains("    [")).collect();
    assert_eq!(partition_lines.len(), 2, "{stalled}");
    assert!(partition_lines.iter().all(|l| l.contains("stalled") && l.contains("age 3m")), "{stalled}");
}

#[test]
fn the_lag_pane_follows_a_replicator_group_through_the_worker() {
    let section = format!("[runner]\nkind = \"replicator\"\ngroup = \"{GROUP}\"\n");
    lag_pane_follows(&section, |source, _| {
        (Runner::Replicator { source: source.bootstrap(), group: GROUP.into() }, None)
    });
}

#[test]
fn the_lag_pane_follows_an_mm2_offsets_topic_through_the_worker() {
    lag_pane_follows("[runner]\nkind = \"mirrormaker2\"\n", |_, destination| {
        destination.create_topic("mm2-offsets.source.internal", 5);
        (Runner::MirrorMaker2 { destination: destination.bootstrap() }, None)
    });
}

#[test]
fn the_lag_pane_follows_a_kip_875_connector_through_the_worker() {
    let section = "[runner]\nkind = \"connect\"\nconnect = \"test\"\nconnector = \"mm2-source\"\n";
    lag_pane_follows(section, |_, _| {
        let positions = std::sync::Arc::default();
        let url = serve_kip_875(std::sync::Arc::clone(&positions));
        (Runner::Connect { positions }, Some(ConnectCluster::at("test", &url)))
    });
}

/// A Connect REST stand-in serving only the connector list the Connect pane
/// reads (`GET /connectors?expand=status&expand=info`, Kafka Connect's REST
/// reference), with one Replicator connector whose config names its group.
fn serve_connect_with_a_replicator() -> String {
    let stop: &'static std::sync::Arc<std::sync::atomic::AtomicBool> = Box::leak(Box::default());
    let bound = kdeck::replicate::server::serve("127.0.0.1:0", stop.clone(), |request| {
        use kdeck::replicate::request::Response;
        let listing = serde_json::json!({
            "orders-replicator": {
                "status": {
                    "name": "orders-replicator",
                    "connector": {"state": "RUNNING", "worker_id": "connect-1:8083"},
                    "tasks": [{"id": 0, "state": "RUNNING", "worker_id": "connect-1:8083"}],
                    "type": "source"
                },
                "info": {
                    "name": "orders-replicator",
                    "config": {
                        "connector.class": kdeck::watch::connector::REPLICATOR_CLASS,
                        "src.consumer.group.id": GROUP,
                        "topic.whitelist": TOPIC,
                        "tasks.max": "1"
                    },
                    "tasks": [{"connector": "orders-replicator", "task": 0}],
                    "type": "source"
                }
            }
        });
        match request.path.as_str() {
            "/connectors" => Response::json(200, listing.to_string()),
            _ => Response::json(404, r#"{"error_code":404,"message":"not found"}"#.to_string()),
        }
    })
    .expect("serve the Connect listing");
    format!("http://{bound}")
}

/// The Connect pane's `w` on a Replicator connector, through the real worker both
/// ways: the pane's listing gives the connector's config, the Lag pane then
/// reads the group it names from the source, with no plan at all.
#[test]
fn watch_lag_on_a_replicator_connector_follows_its_group_with_no_plan() {
    let (source, destination) = (Noida::start(), Noida::start());
    source.create_topic(TOPIC, PARTITIONS);
    source.create_topic("payments", 1);
    destination.create_topic(TOPIC, PARTITIONS);
    produce_source(&source.bootstrap(), 100);
    let mut copy = CopyLoop::new(&source.bootstrap(), &destination.bootstrap());
    copy.copy_to(40);
    Runner::Replicator { source: source.bootstrap(), group: GROUP.into() }.record(&copy.next);
    let (source_cluster, destination_cluster) = profiles(&source.bootstrap(), &destination.bootstrap());
    let mut app = headless_app(source_cluster, destination_cluster);
    app.now_ms = kdeck::tui::now_ms();
    app.connect = kdeck::tui::panes::connect::ConnectPane::new(
        vec![ConnectCluster::at("prod", &serve_connect_with_a_replicator())],
        vec![],
    );
    let mut cockpit = kdeck::tui::Cockpit::new(app, Duration::from_secs(10));
    cockpit.dispatch(kdeck::tui::action::Action::GotoPane3);
    assert!(cockpit.pump_until(PATIENCE, |app| app.connect.connectors.len() == 1), "{:?}", cockpit.app.connect.error);
    let w = ratatui::crossterm::event::KeyEvent::new(
        ratatui::crossterm::event::KeyCode::Char('w'),
        ratatui::crossterm::event::KeyModifiers::NONE,
    );
    cockpit.handle(kdeck::tui::Event::Key(w));
    assert_eq!(cockpit.app.focus, kdeck::tui::panes::PaneId::Lag);
    let read = cockpit.pump_until(PATIENCE, |app| app.lag.total_lag(&app.status) == Some(120));
    assert!(read, "lag {:?}, banner {:?}", cockpit.app.lag.total_lag(&cockpit.app.status), cockpit.app.banner);
    let topics: Vec<&str> = cockpit.app.lag.rows().iter().map(|row| row.topic.as_str()).collect();
    assert_eq!(topics, [TOPIC], "the connector's topic.whitelist, not payments");
    let drawn = screen(&cockpit.app);
    assert!(drawn.contains("runner replicator group replicator-2"), "{drawn}");
    cockpit.shutdown();
}
