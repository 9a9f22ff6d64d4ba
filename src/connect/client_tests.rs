//! The client against canned HTTP answers: Connect's documented JSON (the
//! fixtures) and the faults a Connect cluster can throw at it.

use std::time::Duration;

use super::canned::{Canned, CannedServer};
use super::client::{ConnectClient, ErrorKind, Retry};
use super::clusters::ConnectCluster;
use super::model::State;

fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/connect/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn client(server: &CannedServer) -> ConnectClient {
    ConnectClient::new(&ConnectCluster::at("prod", &server.url), Duration::from_millis(500))
        .unwrap()
        .with_retry(Retry { attempts: 3, first_wait: Duration::from_millis(1) })
}

fn serving(status: u16, file: &str) -> CannedServer {
    CannedServer::start(vec![Canned::Reply(status, fixture(file))])
}

#[test]
fn expanded_list_maps_status_and_info() {
    let server = serving(200, "expand_status_info.json");
    let all = client(&server).list_expanded().unwrap();
    assert_eq!(server.requests(), ["GET /connectors?expand=status&expand=info"]);
    assert_eq!(all.keys().collect::<Vec<_>>(), ["mm2-source", "msk-to-cc", "s3-sink"]);
    let replicator = &all["msk-to-cc"];
    let status = replicator.status.as_ref().unwrap();
    assert_eq!(status.kind.as_deref(), Some("source"));
    assert_eq!((status.count(State::Running), status.count(State::Failed)), (2, 1));
    assert!(status.tasks[1].trace.as_deref().unwrap().starts_with("org.apache.kafka.connect.errors.ConnectException"));
    assert_eq!(status.tasks[1].worker_id.as_deref(), Some("10.0.1.8:8083"));
    assert_eq!(replicator.info.as_ref().unwrap().tasks_max(), Some(5));
    assert_eq!(replicator.info.as_ref().unwrap().tasks.len(), 3);
    let mm2 = all["mm2-source"].status.as_ref().unwrap();
    assert_eq!(mm2.count(State::Unassigned), 2);
    let sink = all["s3-sink"].status.as_ref().unwrap();
    assert_eq!((sink.connector.state, sink.kind.as_deref()), (State::Failed, Some("sink")));
    assert!(sink.connector.trace.as_deref().unwrap().contains("s3.bucket.name"));

    let only_status = client(&serving(200, "expand_status.json")).list_expanded().unwrap();
    assert!(only_status["msk-to-cc"].info.is_none());
    assert_eq!(only_status["msk-to-cc"].status.as_ref().unwrap().connector.state, State::Paused);
    let only_info = client(&serving(200, "expand_info.json")).list_expanded().unwrap();
    assert!(only_info["msk-to-cc"].status.is_none());
    assert_eq!(only_info["msk-to-cc"].info.as_ref().unwrap().tasks_max(), Some(30));
}

#[test]
fn documented_shapes_parse() {
    let status = client(&serving(200, "status_rebalancing.json")).status("msk-to-cc").unwrap();
    let states: Vec<State> = status.tasks.iter().map(|t| t.state).collect();
    assert_eq!(states, [State::Running, State::Unassigned, State::Restarting, State::Unassigned]);
    let stopped = client(&serving(200, "status_stopped.json")).status("msk-to-cc").unwrap();
    assert_eq!((stopped.connector.state, stopped.tasks.len()), (State::Stopped, 0));
    assert_eq!(client(&serving(200, "list.json")).list().unwrap(), ["msk-to-cc", "mm2-source", "s3-sink"]);
    let root = client(&serving(200, "root.json")).server_info().unwrap();
    assert_eq!((root.version.as_str(), root.kafka_cluster_id.as_deref()), ("3.7.0", Some("lkc-abcde")));
    let tasks = client(&serving(200, "tasks.json")).tasks("mm2-source").unwrap();
    assert_eq!((tasks[1].id.task, tasks[1].config["task.assigned.partitions"].as_str()), (1, "orders-2"));
    let offsets = client(&serving(200, "offsets_mm2.json")).offsets("mm2-source").unwrap();
    assert_eq!(offsets.offsets[0].offset.as_ref().unwrap()["offset"], 41999);
    assert_eq!(client(&serving(200, "topics.json")).topics("mm2-source").unwrap(), ["msk.orders", "msk.payments"]);
    let plugins = client(&serving(200, "plugins.json")).plugins().unwrap();
    assert_eq!(plugins[1].kind.as_deref(), Some("sink"));
}

#[test]
fn mutations_send_the_documented_requests() {
    let server = CannedServer::start(vec![
        Canned::Reply(202, fixture("restart_accepted.json")),
        Canned::Reply(204, String::new()),
        Canned::Reply(204, String::new()),
        Canned::Reply(202, String::new()),
        Canned::Reply(202, String::new()),
        Canned::Reply(204, String::new()),
        Canned::Reply(200, r#"{"connector.class":"x","tasks.max":"1","name":"c"}"#.into()),
        Canned::Reply(200, r#"{"name":"c","config":{"tasks.max":"30"},"tasks":[],"type":"source"}"#.into()),
        Canned::Reply(200, r#"{"message":"The offsets for this connector have been altered successfully"}"#.into()),
        Canned::Reply(200, r#"{"message":"The offsets for this connector have been reset successfully"}"#.into()),
    ]);
    let client = client(&server);
    let restarting = client.restart("c", true, true).unwrap().unwrap();
    assert_eq!(restarting.count(State::Restarting), 1);
    assert_eq!(client.restart("c", false, false).unwrap(), None);
    client.restart_task("c", 3).unwrap();
    client.pause("c").unwrap();
    client.resume("c").unwrap();
    client.stop("c").unwrap();
    assert_eq!(client.set_tasks_max("c", 30).unwrap().tasks_max(), Some(30));
    let offsets = serde_json::from_str(&fixture("offsets_mm2.json")).unwrap();
    assert!(client.patch_offsets("c", &offsets).unwrap().contains("altered"));
    assert!(client.delete_offsets("c").unwrap().contains("reset"));
    assert_eq!(
        server.requests(),
        [
            "POST /connectors/c/restart?includeTasks=true&onlyFailed=true",
            "POST /connectors/c/restart?includeTasks=false&onlyFailed=false",
            "POST /connectors/c/tasks/3/restart",
            "PUT /connectors/c/pause",
            "PUT /connectors/c/resume",
            "PUT /connectors/c/stop",
            "GET /connectors/c/config",
            "PUT /connectors/c/config",
            "PATCH /connectors/c/offsets",
            "DELETE /connectors/c/offsets",
        ]
    );
}

#[test]
fn conflicts_are_retried_then_reported() {
    let server = CannedServer::start(vec![
        Canned::Reply(409, fixture("error_409.json")),
        Canned::Reply(409, fixture("error_409.json")),
        Canned::Reply(200, fixture("list.json")),
    ]);
    assert_eq!(client(&server).list().unwrap().len(), 3);
    assert_eq!(server.requests().len(), 3);

    let server = serving(409, "error_409.json");
    let error = client(&server).pause("msk-to-cc").unwrap_err();
    assert_eq!(error.kind, ErrorKind::Status(409));
    assert_eq!(
        error.message,
        "Connect \"prod\": PUT /connectors/msk-to-cc/pause: 409 Cannot complete request momentarily due to stale configuration (typically caused by a concurrent config change) (still rebalancing after 3 attempts)"
    );
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn faults_are_one_clear_line() {
    let not_found = client(&serving(404, "error_404.json")).status("msk-to-cc").unwrap_err();
    assert_eq!(not_found.kind, ErrorKind::Status(404));
    assert_eq!(
        not_found.message,
        "Connect \"prod\": GET /connectors/msk-to-cc/status: 404 Connector msk-to-cc not found"
    );
    let server_error = client(&serving(500, "error_500.json")).list().unwrap_err();
    assert_eq!(server_error.message, "Connect \"prod\": GET /connectors: 500 Request timed out");
    let html = CannedServer::start(vec![Canned::Reply(500, "<html>proxy error</html>".into())]);
    assert_eq!(
        client(&html).list().unwrap_err().message,
        "Connect \"prod\": GET /connectors: 500 Internal Server Error (no Connect error body)"
    );
    let malformed = CannedServer::start(vec![Canned::Reply(200, "{\"name\": \"x\", \"connector\": ".into())]);
    let error = client(&malformed).status("x").unwrap_err();
    assert_eq!(error.kind, ErrorKind::Malformed);
    assert!(
        error
            .message
            .starts_with("Connect \"prod\": /connectors/x/status: the answer is not the JSON Connect documents ("),
        "{}",
        error.message
    );
    let hang = CannedServer::start(vec![Canned::Hang]);
    let error = client(&hang).list().unwrap_err();
    assert_eq!(error.kind, ErrorKind::Timeout);
    assert_eq!(error.message, format!("Connect \"prod\": GET /connectors: no answer within 500ms from {}/", hang.url));
    for message in [&not_found.message, &server_error.message, &error.message] {
        assert!(!message.contains('\n'));
    }
}

#[test]
fn connection_refused_names_the_url() {
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let client = ConnectClient::new(&ConnectCluster::at("prod", &url), Duration::from_secs(2)).unwrap();
    let error = client.list().unwrap_err();
    assert_eq!(error.kind, ErrorKind::Refused);
    assert!(
        error.message.starts_with(&format!("Connect \"prod\": GET /connectors: cannot connect to {url}/ (")),
        "{}",
        error.message
    );
    assert!(!error.message.contains('\n'));
}

#[test]
fn basic_auth_is_sent_and_never_shown() {
    let server = serving(401, "error_404.json");
    let mut cluster = ConnectCluster::at("prod", &server.url);
    cluster.username = Some("ops".into());
    cluster.password = Some(crate::config::SecretString::new("connect-pw-xyz"));
    crate::config::register_secret("connect-pw-xyz");
    let error = ConnectClient::new(&cluster, Duration::from_secs(2)).unwrap().list().unwrap_err();
    assert!(!error.message.contains("connect-pw-xyz"));
    assert!(ConnectClient::new(&ConnectCluster::at("x", "not a url"), Duration::from_secs(1)).is_err());
}

#[test]
fn an_unreadable_ca_is_named() {
    let mut cluster = ConnectCluster::at("prod", "https://connect:8083");
    cluster.ca = Some("/nonexistent/connect-ca.pem".into());
    let Err(error) = ConnectClient::new(&cluster, Duration::from_secs(1)) else { panic!("a missing CA was accepted") };
    assert!(
        error.message.starts_with("Connect \"prod\": cannot read CA /nonexistent/connect-ca.pem: "),
        "{}",
        error.message
    );
}
