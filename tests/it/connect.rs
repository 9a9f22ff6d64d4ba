//! The Connect REST client end to end against the engine's own Connect-compatible
//! server: real HTTP, a real engine, mock clusters. The engine must really do
//! what the REST calls ask (rescale, pause, resume, restart, stop).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kdeck::config::{self, ClusterArgs, ResolvedCluster};
use kdeck::connect::client::{ConnectClient, ErrorKind};
use kdeck::connect::clusters::ConnectCluster;
use kdeck::connect::model::{ConnectorStatus, State};
use kdeck::engine::plan::parse_plan;
use kdeck::engine::status::{EngineEventKind, EngineState};
use kdeck::engine::EngineHandle;
use kdeck::replicate::{connect_api::Connector, rest};

use crate::support::{Kdeck, MockKafka, TestRecord};

fn cluster(bootstrap: &str) -> ResolvedCluster {
    let empty = config::parse("", std::path::Path::new("test")).unwrap();
    let args = ClusterArgs { cluster: bootstrap.to_string(), properties_file: None, overrides: Vec::new() };
    config::resolve_cluster(&args, &empty).unwrap()
}

/// An engine on mock clusters serving Connect REST on a free loopback port.
pub struct EngineWithRest {
    pub handle: Option<EngineHandle>,
    pub client: ConnectClient,
    pub url: String,
    stop: Arc<AtomicBool>,
    _clusters: (MockKafka, MockKafka),
}

impl EngineWithRest {
    pub fn start(lanes: usize) -> EngineWithRest {
        let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
        source.create_topic("orders", 8);
        destination.create_topic("orders", 8);
        let records: Vec<TestRecord> = (0..80).map(|i| TestRecord::new(i % 8, Some(b"k"), Some(b"v"))).collect();
        source.produce("orders", &records);
        let plan = parse_plan(
            &format!(
                "name = \"msk-to-cc\"\nsource = \"msk\"\ndestination = \"cc\"\n[engine]\nlanes = {lanes}\ncommit_interval = \"50ms\"\n"
            ),
            std::path::Path::new("plan.toml"),
        )
        .expect("plan");
        let handle = EngineHandle::spawn(
            plan,
            cluster(source.bootstrap()),
            cluster(destination.bootstrap()),
            Duration::from_secs(10),
        );
        let stop = Arc::new(AtomicBool::new(false));
        let bound = rest::serve("127.0.0.1:0", stop.clone(), &handle, |worker_id| Connector {
            name: "msk-to-cc".into(),
            worker_id,
            source: "msk".into(),
            destination: "cc".into(),
            mode: "exactly-once".into(),
            auth: None,
        })
        .expect("serve");
        handle.start();
        let url = format!("http://{bound}");
        let client = ConnectClient::new(&ConnectCluster::at("engine", &url), Duration::from_secs(10)).unwrap();
        EngineWithRest { handle: Some(handle), client, url, stop, _clusters: (source, destination) }
    }

    pub fn handle(&self) -> &EngineHandle {
        self.handle.as_ref().unwrap()
    }

    /// Polls the connector's status through REST until `done`.
    pub fn wait(&self, what: &str, done: impl Fn(&ConnectorStatus) -> bool) -> ConnectorStatus {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self.client.status("msk-to-cc").expect("status");
            if done(&status) {
                return status;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}: {status:#?}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for EngineWithRest {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(handle) = self.handle.take() {
            handle.shutdown();
        }
    }
}

pub fn all_running(tasks: usize) -> impl Fn(&ConnectorStatus) -> bool {
    move |status| {
        status.connector.state == State::Running
            && status.tasks.len() == tasks
            && status.tasks.iter().all(|task| task.state == State::Running)
    }
}

#[test]
fn connect_client_manages_a_kdeck_engine() {
    let engine = EngineWithRest::start(1);
    let client = &engine.client;
    let status = engine.wait("the first task running", all_running(1));
    let worker = status.connector.worker_id.clone().unwrap();
    assert_eq!(format!("http://{worker}"), engine.url);
    assert_eq!(status.kind.as_deref(), Some("source"));

    assert_eq!(client.list().unwrap(), ["msk-to-cc"]);
    assert!(client.server_info().unwrap().version.starts_with("kdeck-"));
    let listed = client.list_expanded().unwrap();
    let info = listed["msk-to-cc"].info.as_ref().unwrap();
    assert_eq!((info.config["connector.class"].as_str(), info.tasks_max()), ("kdeck.Replicator", Some(1)));
    assert_eq!(listed["msk-to-cc"].status.as_ref().unwrap().tasks.len(), 1);
    assert_eq!(client.topics("msk-to-cc").unwrap(), ["orders"]);
    assert_eq!(client.plugins().unwrap()[0].class, "kdeck.Replicator");

    // Rescale 1 -> 4 through GET config + PUT config; the engine really runs 4 lanes.
    assert_eq!(client.set_tasks_max("msk-to-cc", 4).unwrap().tasks_max(), Some(4));
    engine.wait("4 tasks running", all_running(4));
    let lanes = engine.handle().status().borrow().clone();
    assert_eq!(lanes.lanes_target, 4);
    assert_eq!(lanes.lanes.len(), 4);
    assert!(lanes.history.iter().any(|e| e.kind == EngineEventKind::Rescaled { from: 1, to: 4 }));
    assert_eq!(client.config("msk-to-cc").unwrap()["tasks.max"], "4");
    assert_eq!(client.tasks("msk-to-cc").unwrap().len(), 4);
    // Every record copied: each of the 8 partitions' position is past its 10 records.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let offsets = client.offsets("msk-to-cc").unwrap().offsets;
        let next: Vec<i64> =
            offsets.iter().filter_map(|entry| entry.offset.as_ref()?.get("next_offset")?.as_i64()).collect();
        if next.len() == 8 && next.iter().all(|&n| n == 10) {
            break;
        }
        assert!(Instant::now() < deadline, "offsets never reached 10 on all 8 partitions: {offsets:?}");
        std::thread::sleep(Duration::from_millis(100));
    }

    client.pause("msk-to-cc").unwrap();
    engine.wait("paused", |s| s.connector.state == State::Paused);
    let paused = engine.handle().status().borrow().clone();
    assert!(paused.history.iter().any(|e| e.kind == EngineEventKind::Paused { topic: "orders".into() }));
    client.resume("msk-to-cc").unwrap();
    engine.wait("resumed", all_running(4));

    let generation = engine.handle().status().borrow().generation;
    let restarting = client.restart("msk-to-cc", true, false).unwrap().expect("202 with status");
    assert_eq!(restarting.connector.state, State::Restarting);
    engine.wait("running after the restart", |s| {
        all_running(4)(s) && engine.handle().status().borrow().generation > generation
    });
    client.restart_task("msk-to-cc", 2).unwrap();

    client.stop("msk-to-cc").unwrap();
    let stopped = engine.wait("stopped", |s| s.connector.state == State::Stopped);
    assert!(stopped.tasks.is_empty());
    let state = engine.handle().status().borrow().state.clone();
    assert!(matches!(state, EngineState::Stopping | EngineState::Stopped), "{state:?}");
    client.resume("msk-to-cc").unwrap();
    engine.wait("running after resume from STOPPED", all_running(4));

    // The same engine through `kdeck connect --url`, as an operator would.
    let kdeck = Kdeck::new();
    let got = kdeck.run(&["connect", "--url", &engine.url, "get"], None);
    assert_eq!(got.code, Some(0), "{}", got.stderr);
    let table = got.stdout_text();
    assert!(table.starts_with("NAME       TYPE    STATE    TASKS  FAILED  TASKS.MAX  WORKER\nmsk-to-cc  source  RUNNING  4/4    0       4"), "{table}");
    let described = kdeck.run(&["connect", "--url", &engine.url, "describe", "msk-to-cc"], None);
    assert!(described.stdout_text().contains("connector.class = kdeck.Replicator"), "{}", described.stderr);
    let missing = kdeck.run(&["connect", "--url", &engine.url, "pause", "nope"], None);
    assert_eq!(missing.code, Some(1));
    assert_eq!(
        missing.stderr.trim_end(),
        format!("kdeck: Connect \"{0}\": PUT /connectors/nope/pause: 404 Connector nope not found", engine.url)
    );

    let missing = client.status("nope").unwrap_err();
    assert_eq!(missing.kind, ErrorKind::Status(404));
    assert_eq!(missing.message, "Connect \"engine\": GET /connectors/nope/status: 404 Connector nope not found");
    let refused = client.put_config("msk-to-cc", &[("kdeck.source".to_string(), "x".to_string())].into()).unwrap_err();
    assert_eq!(refused.kind, ErrorKind::Status(400));
}

#[test]
fn connect_command_bad_input_is_one_line() {
    let kdeck = Kdeck::new();
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let refused = kdeck.run(&["connect", "--url", &url, "get"], None);
    assert_eq!(refused.code, Some(1));
    assert!(
        refused.stderr.starts_with(&format!("kdeck: Connect \"{url}\": GET /connectors?expand=status&expand=info: cannot connect to {url}/ (Connection refused")),
        "{}",
        refused.stderr
    );
    assert_eq!(refused.stderr.lines().count(), 1);
    let config = kdeck.home.path().join("config.toml");
    std::fs::write(&config, "[connect.prod]\nurl = \"http://127.0.0.1:1\"\n").unwrap();
    let unknown = kdeck.run(&["--config", config.to_str().unwrap(), "connect", "-c", "qa", "get"], None);
    assert_eq!(unknown.code, Some(2));
    assert!(
        unknown.stderr.starts_with("kdeck: unknown Connect cluster \"qa\": expected a [connect.qa] section"),
        "{}",
        unknown.stderr
    );
    let bad_url = kdeck.run(&["connect", "--url", "connect:8083", "get"], None);
    assert_eq!(
        (bad_url.code, bad_url.stderr.trim_end()),
        (Some(2), "kdeck: --url \"connect:8083\" has no scheme: expected http://host:port or https://host:port")
    );
}

#[test]
fn replicate_refuses_a_remote_rest_bind_without_auth() {
    let kdeck = Kdeck::new();
    let (config, plan) = crate::support::write_plan(kdeck.home.path(), "127.0.0.1:1", "127.0.0.1:2", "");
    let config = config.to_str().unwrap();
    let plan = plan.to_str().unwrap();
    let run = kdeck.run(&["--config", config, "replicate", "--plan", plan, "--rest", "0.0.0.0:0"], None);
    assert_eq!(run.code, Some(2));
    let stderr = &run.stderr;
    assert!(stderr.starts_with("kdeck: --rest 0.0.0.0:0 is not a loopback address"), "{stderr}");
    let run = kdeck
        .run(&["--config", config, "replicate", "--plan", plan, "--rest", "0.0.0.0:0", "--rest-allow-remote"], None);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.starts_with("kdeck: --rest-allow-remote needs basic auth"));
}

#[test]
fn rest_basic_auth_end_to_end_and_the_password_is_never_shown() {
    use std::process::Stdio;
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    source.create_topic("orders", 2);
    destination.create_topic("orders", 2);
    let kdeck = Kdeck::new();
    let (config, plan) = crate::support::write_plan(
        kdeck.home.path(),
        source.bootstrap(),
        destination.bootstrap(),
        "name = \"authd\"\n",
    );
    let port = crate::support::free_port();
    let url = format!("http://127.0.0.1:{port}");
    let text = std::fs::read_to_string(&config).unwrap();
    let section =
        format!("\n[connect.engine]\nurl = \"{url}\"\nusername = \"ops\"\npassword = \"${{env:CONNECT_PW}}\"\n");
    std::fs::write(&config, text + &section).unwrap();
    let config = config.to_str().unwrap().to_string();
    let mut engine = kdeck
        .command()
        .args(["--config", &config, "replicate", "--plan", plan.to_str().unwrap()])
        .args(["--rest", &format!("127.0.0.1:{port}"), "--rest-user", "ops"])
        .env("KDECK_REST_PASSWORD", "s3cret-rest-pw")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let connect = |password: &str, args: &[&str]| {
        let mut command = kdeck.command();
        command.args(["--config", &config, "connect"]).args(args).env("CONNECT_PW", password);
        crate::support::run(command, None)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let listed = loop {
        let run = connect("s3cret-rest-pw", &["-c", "engine", "get"]);
        if run.code == Some(0) {
            break run;
        }
        assert!(Instant::now() < deadline, "the authenticated client never got through: {}", run.stderr);
        std::thread::sleep(Duration::from_millis(200));
    };
    assert!(listed.stdout_text().contains("authd"), "{}", listed.stdout_text());
    let anonymous = connect("", &["--url", &url, "get"]);
    let wrong = connect("not-the-password", &["-c", "engine", "get"]);
    let _ = engine.kill();
    let _ = engine.wait();
    for run in [&anonymous, &wrong] {
        assert_eq!(run.code, Some(1));
        assert!(run.stderr.contains(": 401 authentication required: send HTTP basic auth"), "{}", run.stderr);
        assert!(!run.stderr.contains("s3cret-rest-pw") && !run.stderr.contains("not-the-password"), "{}", run.stderr);
    }
}

#[test]
fn plan_export_apply_reports_the_connect_clusters_answer() {
    let engine = EngineWithRest::start(1);
    let kdeck = Kdeck::new();
    let (config, plan) = crate::support::write_plan(
        kdeck.home.path(),
        "msk.example:9096",
        "ccloud.example:9092",
        "name = \"msk-to-cc\"\n",
    );
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, format!("{text}\n[connect.engine]\nurl = \"{}\"\n", engine.url)).unwrap();
    let (config, plan) = (config.to_str().unwrap(), plan.to_str().unwrap());
    let export = |extra: &[&str]| {
        let args = ["--config", config, "plan", "export", "--plan", plan, "--to", "mm2"];
        kdeck.run(&[&args[..], extra].concat(), None)
    };
    // The engine accepts only its own settings: an MM2 config is refused with Connect's error shape.
    let refused = export(&["--apply", "engine"]);
    assert_eq!(refused.code, Some(1), "{}", refused.stderr);
    let line = refused.stderr.lines().last().unwrap();
    assert!(line.starts_with("kdeck: Connect \"engine\": PUT /connectors/msk-to-cc/config: 400 config "), "{line}");
    let missing = export(&["--apply", "engine", "--name", "other"]);
    assert!(
        missing.stderr.contains("PUT /connectors/other/config: 404 Connector other not found"),
        "{}",
        missing.stderr
    );
    let unknown = export(&["--apply", "nowhere"]);
    assert_eq!(unknown.code, Some(2));
    assert!(unknown.stderr.contains("unknown Connect cluster \"nowhere\""), "{}", unknown.stderr);
    let name_alone =
        kdeck.run(&["--config", config, "plan", "export", "--plan", plan, "--to", "mm2", "--name", "x"], None);
    assert_eq!(name_alone.code, Some(2), "--name needs --apply");
}
