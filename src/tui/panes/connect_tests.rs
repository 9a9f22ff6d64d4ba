use super::*;
use crate::connect::model::{ConnectorStatus, Offsets};

pub(crate) fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
    let path = format!("{}/tests/fixtures/connect/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("fixture JSON")
}

fn pane() -> ConnectPane {
    let mut pane = ConnectPane::new(vec![ConnectCluster::at("prod", "http://connect:8083")], vec![]);
    pane.on_reply(0, Ok(ConnectReply::Snapshot(fixture("expand_status_info.json"))), 1_000);
    pane
}

/// The pane's `update` with a test context at `now_ms`.
trait Intercepting {
    fn intercept(&mut self, action: Action, now_ms: i64) -> Effects;
}

impl Intercepting for ConnectPane {
    fn intercept(&mut self, action: Action, now_ms: i64) -> Effects {
        let test = super::super::common::TestContext::new("source:9092", "destination:9092");
        let mut context = test.context();
        context.now_ms = now_ms;
        self.update(&action, &context)
    }
}

fn op(mut effects: Effects) -> ConnectOp {
    if let Some((_, message)) = effects.note {
        panic!("warned: {message}");
    }
    match (effects.mutation, effects.requests.pop()) {
        (Some(Action::Connect(op)), _) | (None, Some(Request::Connect { op, .. })) => op,
        _ => panic!("not a Connect request"),
    }
}

fn warning(effects: Effects) -> String {
    match effects.note {
        Some((_, message)) => message,
        None => panic!("expected a warning"),
    }
}

/// Taken by the pane, with no request.
fn handled_alone(effects: &Effects) -> bool {
    effects.handled && effects.requests.is_empty() && effects.mutation.is_none() && effects.note.is_none()
}

#[test]
fn workers_come_from_connector_and_task_worker_ids() {
    let rows = workers(&fixture("expand_status_info.json"));
    let row = |id: &str, connectors, tasks, running, failed| WorkerRow {
        worker_id: id.into(),
        connectors,
        tasks,
        running,
        failed,
    };
    assert_eq!(
        rows,
        [row("10.0.1.7:8083", 1, 2, 1, 0), row("10.0.1.8:8083", 1, 2, 1, 1), row("10.0.1.9:8083", 1, 1, 0, 0)]
    );
    assert!(workers(&BTreeMap::new()).is_empty());
}

#[test]
fn keys_become_connect_requests_on_the_selected_connector() {
    let mut pane = pane();
    assert_eq!(pane.selected_name().as_deref(), Some("mm2-source"));
    assert_eq!(
        op(pane.intercept(Action::RescaleUp, 0)),
        ConnectOp::SetTasks { connector: "mm2-source".into(), from: 2, tasks: 3 }
    );
    assert_eq!(
        op(pane.intercept(Action::ConnectTasks(30), 0)),
        ConnectOp::SetTasks { connector: "mm2-source".into(), from: 2, tasks: 30 }
    );
    assert_eq!(op(pane.intercept(Action::Pause, 0)), ConnectOp::Pause("mm2-source".into()));
    assert_eq!(op(pane.intercept(Action::Resume, 0)), ConnectOp::Resume("mm2-source".into()));
    assert_eq!(op(pane.intercept(Action::Stop, 0)), ConnectOp::Stop("mm2-source".into()));
    assert_eq!(
        op(pane.intercept(Action::RestartFailed, 0)),
        ConnectOp::Restart { connector: "mm2-source".into(), only_failed: true }
    );
    assert_eq!(op(pane.intercept(Action::ConnectOffsets, 0)), ConnectOp::Offsets("mm2-source".into()));
    assert!(warning(pane.intercept(Action::Retry, 0)).starts_with("open a connector (Enter)"));

    assert!(handled_alone(&pane.intercept(Action::Down, 0)));
    assert!(handled_alone(&pane.intercept(Action::Expand, 0)));
    assert_eq!(pane.detail.as_deref(), Some("msk-to-cc"));
    pane.intercept(Action::Down, 0);
    assert_eq!(op(pane.intercept(Action::Retry, 0)), ConnectOp::RestartTask { connector: "msk-to-cc".into(), task: 1 });
    assert_eq!(
        op(pane.intercept(Action::RestartConnector, 0)),
        ConnectOp::Restart { connector: "msk-to-cc".into(), only_failed: false }
    );
    assert_eq!(
        op(pane.intercept(Action::RescaleDown, 0)),
        ConnectOp::SetTasks { connector: "msk-to-cc".into(), from: 3, tasks: 4 }
    );
    pane.intercept(Action::Escape, 0);
    assert_eq!(pane.detail, None);
    pane.intercept(Action::Bottom, 0);
    assert_eq!(warning(pane.intercept(Action::RescaleDown, 0)), "tasks.max 0: expected 1 to 1000");
    assert!(!pane.intercept(Action::Quit, 0).handled);
    assert!(!pane.intercept(Action::Escape, 0).handled);
}

#[test]
fn without_a_cluster_or_connector_keys_warn() {
    let mut empty = ConnectPane::default();
    assert!(warning(empty.intercept(Action::Pause, 0)).starts_with("no Connect cluster: add [connect.NAME]"));
    assert!(empty.poll(0).is_none());
    let mut no_connectors = ConnectPane::new(vec![ConnectCluster::at("prod", "http://c:8083")], vec![]);
    assert_eq!(warning(no_connectors.intercept(Action::RescaleUp, 0)), "no connector selected");
}

#[test]
fn a_rescale_is_followed_until_every_task_runs() {
    let mut pane = pane();
    let rescaled = ConnectReply::Rescaled { connector: "msk-to-cc".into(), from: 1, tasks: 4 };
    let (_, note) = pane.on_reply(1, Ok(rescaled), 10_000);
    assert_eq!(note.as_deref(), Some("msk-to-cc: tasks.max 4; following the rebalance"));
    let rebalancing: ConnectorStatus = fixture("status_rebalancing.json");
    let mut snapshot: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
    snapshot.get_mut("msk-to-cc").unwrap().status = Some(rebalancing.clone());
    pane.on_reply(2, Ok(ConnectReply::Snapshot(snapshot.clone())), 11_000);
    let follow = pane.follow.clone().expect("still following");
    assert_eq!((follow.running, follow.unassigned), (1, 3));
    let mut settled = rebalancing;
    settled.tasks.iter_mut().for_each(|task| task.state = State::Running);
    snapshot.get_mut("msk-to-cc").unwrap().status = Some(settled);
    let (_, note) = pane.on_reply(3, Ok(ConnectReply::Snapshot(snapshot.clone())), 13_250);
    assert_eq!(note.as_deref(), Some("msk-to-cc rescaled 1 → 4 tasks: all RUNNING after 3.2 s"));
    assert_eq!(pane.follow, None);
    assert_eq!(pane.on_reply(4, Ok(ConnectReply::Snapshot(snapshot)), 14_000).1, None, "said once");
    assert_eq!(pane.settled, Some(Settled { connector: "msk-to-cc".into(), from: 1, to: 4, took_ms: 3_250 }));
}

#[test]
fn settled_means_exactly_the_count_all_running() {
    let mut status: ConnectorStatus = fixture("status_rebalancing.json");
    assert!(!rebalance_settled(&status, 4));
    status.tasks.iter_mut().for_each(|task| task.state = State::Running);
    assert!(rebalance_settled(&status, 4));
    assert!(!rebalance_settled(&status, 5));
    assert!(!rebalance_settled(&status, 3));
}

#[test]
fn errors_keep_the_last_good_data_and_polling_goes_on() {
    let mut pane = pane();
    let (_, note) = pane.on_reply(1, Err("Connect \"prod\": GET /connectors: 500 boom".into()), 2_000);
    assert_eq!(note.as_deref(), Some("Connect \"prod\": GET /connectors: 500 boom"));
    assert_eq!(pane.connectors.len(), 3);
    assert!(pane.error.is_some());
    let first = pane.poll(5_000);
    assert!(matches!(first, Some(Request::Connect { op: ConnectOp::Refresh, .. })));
    assert!(pane.poll(5_001).is_none(), "one refresh at a time");
    let id = pane.ids.awaited().unwrap();
    pane.on_reply(id, Ok(ConnectReply::Snapshot(BTreeMap::new())), 5_100);
    assert_eq!(pane.error, None);
    assert!(pane.poll(5_200).is_none(), "not due yet");
    assert!(pane.poll(5_000 + POLL_MS).is_some());
}

#[test]
fn switching_clusters_starts_afresh() {
    let mut pane = pane();
    pane.clusters.push(ConnectCluster::at("dr", "http://dr:8083"));
    let Some(Request::Connect { cluster, op: ConnectOp::Refresh, .. }) =
        pane.intercept(Action::SwitchCluster, 50_000).requests.pop()
    else {
        panic!("expected a refresh of the next cluster")
    };
    assert_eq!(cluster.name, "dr");
    assert!(pane.connectors.is_empty() && pane.fetched_at_ms.is_none());
    let stale = ConnectReply::Snapshot(fixture("expand_status_info.json"));
    assert_eq!(pane.on_reply(0, Ok(stale), 50_100), (false, None), "an answer from the previous cluster");
    assert!(pane.connectors.is_empty());
}

#[test]
fn an_unanswered_refresh_is_given_up_on() {
    let mut pane = pane();
    assert!(pane.poll(100_000).is_some());
    assert!(pane.poll(100_000 + POLL_MS).is_none());
    assert!(pane.poll(100_000 + STALE_MS).is_some());
}

#[test]
fn offsets_change_only_for_a_stopped_connector() {
    let mut pane = pane();
    assert_eq!(warning(pane.intercept(Action::ConnectSetOffset(5), 0)), "open the connector's offsets first (O)");
    let offsets: Offsets = fixture("offsets_mm2.json");
    pane.on_reply(1, Ok(ConnectReply::Offsets { connector: "mm2-source".into(), offsets: offsets.clone() }), 0);
    assert_eq!(
        warning(pane.intercept(Action::ConnectResetOffsets, 0)),
        "mm2-source is RUNNING: Connect changes offsets only of a STOPPED connector (S stops it)"
    );
    let mut snapshot: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
    snapshot.get_mut("mm2-source").unwrap().status = Some(fixture("status_stopped.json"));
    pane.on_reply(2, Ok(ConnectReply::Snapshot(snapshot)), 0);
    pane.intercept(Action::Down, 0);
    assert_eq!(pane.offset_selected, 1);
    let mut expected = offsets.offsets[1].clone();
    expected.offset.as_mut().unwrap().insert("offset".into(), 41_999.into());
    assert_eq!(
        op(pane.intercept(Action::ConnectSetOffset(41_999), 0)),
        ConnectOp::PatchOffsets { connector: "mm2-source".into(), offsets: Offsets { offsets: vec![expected] } }
    );
    assert_eq!(op(pane.intercept(Action::ConnectResetOffsets, 0)), ConnectOp::ResetOffsets("mm2-source".into()));
    let changed = ConnectReply::OffsetsChanged {
        connector: "mm2-source".into(),
        message: "The offsets for this connector have been reset successfully".into(),
        offsets: Offsets::default(),
    };
    let (_, note) = pane.on_reply(3, Ok(changed), 0);
    assert_eq!(note.as_deref(), Some("mm2-source: The offsets for this connector have been reset successfully"));
    assert_eq!(pane.offsets.as_ref().map(|(_, o)| o.offsets.len()), Some(0));
}

#[test]
fn connect_commands_parse() {
    use crate::tui::command::parse_command;
    assert_eq!(parse_command("tasks 30"), Ok(Action::ConnectTasks(30)));
    assert_eq!(parse_command("tasks 0"), Err(":tasks 0: expected a tasks.max from 1 to 1000".into()));
    assert_eq!(parse_command("tasks"), Err(":tasks takes one task count".into()));
    assert_eq!(parse_command("set-offset 41999"), Ok(Action::ConnectSetOffset(41_999)));
    assert_eq!(parse_command("set-offset x"), Err(":set-offset x: expected a whole number".into()));
    assert_eq!(parse_command("reset-offsets"), Ok(Action::ConnectResetOffsets));
    assert_eq!(parse_command("reset-offsets now"), Err(":reset-offsets takes no arguments".into()));
}

#[test]
fn a_rebalance_that_never_reaches_tasks_max_stops_being_followed() {
    let mut pane = pane();
    pane.on_reply(1, Ok(ConnectReply::Rescaled { connector: "msk-to-cc".into(), from: 3, tasks: 30 }), 0);
    let snapshot: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
    assert_eq!(pane.on_reply(2, Ok(ConnectReply::Snapshot(snapshot.clone())), FOLLOW_LIMIT_MS - 1).1, None);
    assert!(pane.follow.is_some());
    let (_, note) = pane.on_reply(3, Ok(ConnectReply::Snapshot(snapshot)), FOLLOW_LIMIT_MS);
    assert_eq!(
        note.as_deref(),
        Some("stopped following msk-to-cc after 120 s: 2 of 30 tasks RUNNING (a connector may make fewer tasks than tasks.max)")
    );
    assert_eq!((pane.follow.clone(), pane.settled.clone()), (None, None));
}
