use serde_json::{json, Value};

use super::*;
use crate::engine::assignment::TopicPartition;
use crate::engine::status::{LaneStatus, PartitionStatus, TopicStatus};

fn connector() -> Connector {
    Connector {
        name: "msk-to-cc".into(),
        worker_id: "127.0.0.1:8083".into(),
        source: "msk".into(),
        destination: "cc".into(),
        mode: "exactly-once".into(),
        auth: None,
    }
}

fn lane(id: usize, state: LaneState) -> LaneStatus {
    LaneStatus {
        lane: id,
        transactional_id: format!("kdeck-msk-to-cc-{id}"),
        partitions: vec![TopicPartition::new("orders", id as i32)],
        state,
        records_total: 0,
        bytes_total: 0,
        records_per_sec: 0.0,
        bytes_per_sec: 0.0,
        commits: 0,
        aborts: 0,
        last_error: (state == LaneState::Failed).then(|| "broker down".to_string()),
    }
}

fn topic(name: &str, state: TopicState) -> TopicStatus {
    TopicStatus { source_topic: name.into(), destination_topic: format!("cc.{name}"), partitions: 2, state }
}

fn running(lanes: Vec<LaneStatus>, target: usize) -> EngineStatus {
    EngineStatus {
        plan: "msk-to-cc".into(),
        state: EngineState::Running,
        lanes_target: target,
        lanes,
        topics: vec![topic("orders", TopicState::Copying), topic("audit", TopicState::Excluded("x".into()))],
        partitions: vec![
            PartitionStatus {
                source: TopicPartition::new("orders", 0),
                destination_topic: "cc.orders".into(),
                source_high_watermark: 10,
                next_source_offset: 7,
                destination_high_watermark: 7,
                records_copied: 7,
            },
            PartitionStatus {
                source: TopicPartition::new("orders", 1),
                destination_topic: "cc.orders".into(),
                source_high_watermark: -1,
                next_source_offset: -1,
                destination_high_watermark: -1,
                records_copied: 0,
            },
        ],
        ..EngineStatus::default()
    }
}

fn call(method: &str, target: &str, body: &str, status: &EngineStatus) -> (u16, Value, Vec<Command>) {
    let mut request = Request::from_target(method, target);
    request.body = body.into();
    let routed = route(&request, &connector(), status, || "kdeck_up 1\n".into());
    let value = serde_json::from_str(&routed.response.body).unwrap_or(Value::Null);
    (routed.response.status, value, routed.commands)
}

#[test]
fn lanes_are_tasks_with_connect_states() {
    let status = running(vec![lane(0, LaneState::Copying), lane(1, LaneState::Failed), lane(2, LaneState::Fencing)], 4);
    let (code, body, commands) = call("GET", "/connectors/msk-to-cc/status", "", &status);
    assert_eq!((code, commands), (200, vec![]));
    assert_eq!(
        body,
        json!({
            "name": "msk-to-cc",
            "connector": {"state": "RUNNING", "worker_id": "127.0.0.1:8083"},
            "tasks": [
                {"id": 0, "state": "RUNNING", "worker_id": "127.0.0.1:8083"},
                {"id": 1, "state": "FAILED", "worker_id": "127.0.0.1:8083", "trace": "broker down"},
                {"id": 2, "state": "UNASSIGNED", "worker_id": "127.0.0.1:8083"},
                {"id": 3, "state": "UNASSIGNED", "worker_id": "127.0.0.1:8083"}
            ],
            "type": "source"
        })
    );
}

#[test]
fn engine_states_map_to_connector_states() {
    let mut status = running(vec![lane(0, LaneState::Copying)], 1);
    status.topics[0].state = TopicState::Paused;
    let state = |s: &EngineStatus| call("GET", "/connectors/msk-to-cc/status", "", s).1["connector"]["state"].clone();
    assert_eq!(state(&status), "PAUSED");
    let (_, paused, _) = call("GET", "/connectors/msk-to-cc/status", "", &status);
    assert_eq!(paused["tasks"][0]["state"], "PAUSED", "a lane whose topics are all paused");
    status.state = EngineState::Starting;
    assert_eq!(state(&status), "UNASSIGNED");
    status.state = EngineState::Failed("no route to broker".into());
    let (_, body, _) = call("GET", "/connectors/msk-to-cc/status", "", &status);
    assert_eq!(
        body["connector"],
        json!({"state": "FAILED", "worker_id": "127.0.0.1:8083", "trace": "no route to broker"})
    );
    status.state = EngineState::Stopped;
    let (_, body, _) = call("GET", "/connectors/msk-to-cc/status", "", &status);
    assert_eq!((body["connector"]["state"].clone(), body["tasks"].clone()), (json!("STOPPED"), json!([])));
}

#[test]
fn list_expands_status_and_info() {
    let status = running(vec![lane(0, LaneState::Copying)], 1);
    assert_eq!(call("GET", "/connectors", "", &status).1, json!(["msk-to-cc"]));
    let (_, body, _) = call("GET", "/connectors?expand=status&expand=info", "", &status);
    assert_eq!(body["msk-to-cc"]["status"]["tasks"][0]["state"], "RUNNING");
    assert_eq!(body["msk-to-cc"]["info"]["config"]["connector.class"], "kdeck.Replicator");
    assert_eq!(body["msk-to-cc"]["info"]["tasks"], json!([{"connector": "msk-to-cc", "task": 0}]));
    let (_, body, _) = call("GET", "/connectors?expand=info", "", &status);
    assert!(body["msk-to-cc"].get("status").is_none());
}

#[test]
fn config_tasks_topics_offsets_root_and_plugins() {
    let status = running(vec![lane(0, LaneState::Copying)], 1);
    let (_, config, _) = call("GET", "/connectors/msk-to-cc/config", "", &status);
    assert_eq!(
        config,
        json!({"connector.class": "kdeck.Replicator", "name": "msk-to-cc", "tasks.max": "1",
               "kdeck.source": "msk", "kdeck.destination": "cc", "kdeck.mode": "exactly-once"})
    );
    let (_, tasks, _) = call("GET", "/connectors/msk-to-cc/tasks", "", &status);
    assert_eq!(tasks[0]["id"], json!({"connector": "msk-to-cc", "task": 0}));
    assert_eq!(tasks[0]["config"]["partitions"], "orders-0");
    assert_eq!(
        call("GET", "/connectors/msk-to-cc/topics", "", &status).1,
        json!({"msk-to-cc": {"topics": ["cc.orders"]}})
    );
    assert_eq!(
        call("GET", "/connectors/msk-to-cc/offsets", "", &status).1,
        json!({"offsets": [{"partition": {"topic": "orders", "partition": 0}, "offset": {"next_offset": 7}}]})
    );
    assert_eq!(call("GET", "/", "", &status).1["version"], format!("kdeck-{}", env!("CARGO_PKG_VERSION")));
    assert_eq!(call("GET", "/connector-plugins", "", &status).1[0]["class"], "kdeck.Replicator");
    assert_eq!(call("GET", "/connectors/msk-to-cc/tasks/0/status", "", &status).1["state"], "RUNNING");
}

#[test]
fn put_config_rescales_only_on_a_new_tasks_max() {
    let status = running(vec![lane(0, LaneState::Copying)], 1);
    let (code, body, commands) =
        call("PUT", "/connectors/msk-to-cc/config", r#"{"tasks.max":"4","name":"msk-to-cc"}"#, &status);
    assert_eq!((code, commands), (200, vec![Command::Rescale(4)]));
    assert_eq!(body["config"]["tasks.max"], "4");
    let (code, _, commands) = call("PUT", "/connectors/msk-to-cc/config", r#"{"tasks.max":1}"#, &status);
    assert_eq!((code, commands), (200, vec![]));
    #[rustfmt::skip]
    let refused = [
        (r#"{"tasks.max":"0"}"#, "tasks.max \"0\": expected a whole number from 1 to 256"),
        (r#"{"tasks.max":"many"}"#, "tasks.max \"many\": expected a whole number from 1 to 256"),
        (r#"{"kdeck.source":"other"}"#, "config kdeck.source is \"msk\" and cannot change on a running kdeck engine; only tasks.max can"),
        (r#"{"topics":"x"}"#, "config topics is not a kdeck.Replicator setting"),
        (r#"{"tasks.max":["4"]}"#, "config tasks.max: expected a string, found [\"4\"]"),
        ("[1]", "the body must be a JSON object of config strings"),
    ];
    for (body, message) in refused {
        let (code, error, commands) = call("PUT", "/connectors/msk-to-cc/config", body, &status);
        assert_eq!((code, commands), (400, vec![]), "{body}");
        assert_eq!(error["error_code"], 400);
        assert!(error["message"].as_str().unwrap().starts_with(message), "{body}: {error}");
    }
}

#[test]
fn lifecycle_requests_become_engine_commands() {
    let mut status = running(vec![lane(0, LaneState::Copying), lane(1, LaneState::Failed)], 2);
    let commands = |method, target, s: &EngineStatus| {
        let (code, _, commands) = call(method, target, "", s);
        (code, commands)
    };
    assert_eq!(commands("PUT", "/connectors/msk-to-cc/pause", &status), (202, vec![Command::Pause("orders".into())]));
    assert_eq!(commands("PUT", "/connectors/msk-to-cc/stop", &status), (204, vec![Command::Stop]));
    assert_eq!(commands("POST", "/connectors/msk-to-cc/tasks/1/restart", &status), (204, vec![Command::Retry(1)]));
    assert_eq!(commands("POST", "/connectors/msk-to-cc/restart", &status), (204, vec![]));
    assert_eq!(
        commands("POST", "/connectors/msk-to-cc/restart?includeTasks=true&onlyFailed=true", &status),
        (202, vec![Command::Retry(1)])
    );
    let (code, body, sent) = call("POST", "/connectors/msk-to-cc/restart?includeTasks=true", "", &status);
    assert_eq!((code, sent), (202, vec![Command::Stop, Command::Start]));
    assert_eq!(body["connector"]["state"], "RESTARTING");
    assert_eq!(body["tasks"][0]["state"], "RESTARTING");
    status.topics[0].state = TopicState::Paused;
    assert_eq!(commands("PUT", "/connectors/msk-to-cc/resume", &status), (202, vec![Command::Resume("orders".into())]));
    status.state = EngineState::Stopped;
    assert_eq!(
        commands("PUT", "/connectors/msk-to-cc/resume", &status),
        (202, vec![Command::Resume("orders".into()), Command::Start])
    );
    status.state = EngineState::Failed("x".into());
    assert_eq!(commands("POST", "/connectors/msk-to-cc/restart", &status), (204, vec![Command::Start]));
}

#[test]
fn errors_are_connect_shaped() {
    let status = running(vec![lane(0, LaneState::Copying)], 1);
    #[rustfmt::skip]
    let cases = [
        ("GET", "/connectors/other/status", 404, "Connector other not found"),
        ("GET", "/connectors/msk-to-cc/tasks/7/status", 404, "Task msk-to-cc-7 not found"),
        ("POST", "/connectors/msk-to-cc/tasks/x/restart", 404, "Task msk-to-cc-x not found"),
        ("GET", "/nowhere", 404, "no such endpoint: GET /nowhere"),
        ("DELETE", "/connectors/msk-to-cc/status", 405, "DELETE is not supported on /connectors/msk-to-cc/status"),
        ("PATCH", "/connectors/msk-to-cc/offsets", 400, "connectors must be in the STOPPED state"),
        ("POST", "/connectors", 400, "this kdeck engine runs one connector"),
    ];
    for (method, target, code, message) in cases {
        let (got, body, commands) = call(method, target, "", &status);
        assert_eq!((got, commands), (code, vec![]), "{method} {target}");
        assert_eq!(body["error_code"], code);
        assert!(body["message"].as_str().unwrap().starts_with(message), "{method} {target}: {body}");
    }
}

#[test]
fn basic_auth_guards_every_endpoint() {
    let mut guarded = connector();
    guarded.auth = Some(("ops".into(), SecretString::new("s3cret-pw")));
    let status = running(vec![], 1);
    let mut request = Request::from_target("GET", "/metrics");
    assert_eq!(route(&request, &guarded, &status, String::new).response.status, 401);
    request.headers.push(("authorization".into(), format!("Basic {}", base64(b"ops:wrong"))));
    assert_eq!(route(&request, &guarded, &status, String::new).response.status, 401);
    request.headers[0].1 = format!("Basic {}", base64(b"ops:s3cret-pw"));
    let routed = route(&request, &guarded, &status, || "m 1\n".into());
    assert_eq!((routed.response.status, routed.response.body.as_str()), (200, "m 1\n"));
}

#[test]
fn base64_matches_rfc_4648_vectors() {
    for (input, output) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(base64(input.as_bytes()), output);
    }
}

#[test]
fn path_segments_are_percent_decoded() {
    for (raw, decoded) in
        [("msk%20to%20cc", "msk to cc"), ("a%2Fb", "a/b"), ("100%", "100%"), ("%zz", "%zz"), ("%C3%A9", "é")]
    {
        assert_eq!(percent_decode(raw), decoded);
    }
    let status = running(vec![lane(0, LaneState::Copying)], 1);
    assert_eq!(call("GET", "/connectors/msk%2Dto%2Dcc/status", "", &status).0, 200);
}
