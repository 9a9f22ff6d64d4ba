//! The headless engine as one Kafka Connect source connector, so Connect tools
//! (and kdeck's own Connect pane) manage it like any other: the plan is the
//! connector (`kdeck.Replicator`), its lanes are the tasks, and this process is
//! the only worker. [`route`] is pure: it reads one status snapshot and says
//! which engine commands a request asks for; the caller sends them.

use std::collections::BTreeMap;

use serde::Serialize;

use super::request::{base64, error_body, percent_decode, Request, Response};
use crate::config::SecretString;
use crate::connect::model::{
    ActiveTopics, ConnectorInfo, ConnectorState, ConnectorStatus, Expanded, OffsetEntry, Offsets, Plugin, ServerInfo,
    State, TaskConfig, TaskId, TaskState,
};
use crate::engine::status::{EngineState, EngineStatus, LaneState, TopicState};
use crate::engine::Command;

pub const CONNECTOR_CLASS: &str = "kdeck.Replicator";
const MAX_TASKS: u32 = crate::engine::plan::MAX_LANES as u32;

/// What does not change while the server runs.
#[derive(Debug, Clone)]
pub struct Connector {
    /// The plan's name.
    pub name: String,
    /// This process's `host:port`.
    pub worker_id: String,
    pub source: String,
    pub destination: String,
    pub mode: String,
    /// Basic auth every request must carry, when set.
    pub auth: Option<(String, SecretString)>,
}

pub struct Routed {
    pub response: Response,
    pub commands: Vec<Command>,
}

fn answer(response: Response) -> Routed {
    Routed { response, commands: Vec::new() }
}

fn json(status: u16, body: &impl Serialize) -> Response {
    Response::json(status, serde_json::to_string(body).unwrap_or_default())
}

fn error(status: u16, message: impl AsRef<str>) -> Response {
    Response::json(status, error_body(status, message.as_ref()))
}

pub fn route(request: &Request, connector: &Connector, status: &EngineStatus, metrics: impl Fn() -> String) -> Routed {
    if !authorized(request, connector) {
        return answer(error(401, "authentication required: send HTTP basic auth"));
    }
    let decoded: Vec<String> =
        request.path.trim_matches('/').split('/').filter(|s| !s.is_empty()).map(percent_decode).collect();
    let segments: Vec<&str> = decoded.iter().map(String::as_str).collect();
    let method = request.method.as_str();
    let view = View { connector, status };
    match (method, segments.as_slice()) {
        ("GET", []) => answer(json(200, &view.server_info())),
        ("GET", ["metrics"]) => answer(Response::text(200, metrics())),
        ("GET", ["connector-plugins"]) => answer(json(200, &[view.plugin()])),
        ("GET", ["connectors"]) => answer(view.list(request)),
        ("POST", ["connectors"]) => answer(error(
            400,
            format!(
                "this kdeck engine runs one connector, {:?}; run another kdeck replicate for another plan",
                connector.name
            ),
        )),
        (_, ["connectors", name, ..]) if *name != connector.name => {
            answer(error(404, format!("Connector {name} not found")))
        }
        (_, ["connectors", _, rest @ ..]) => view.connector_route(method, rest, request),
        (_, ["connectors" | "connector-plugins"] | []) => answer(error(405, format!("{method} is not supported here"))),
        _ => answer(error(404, format!("no such endpoint: {method} {}", request.path))),
    }
}

fn authorized(request: &Request, connector: &Connector) -> bool {
    let Some((user, password)) = &connector.auth else { return true };
    let expected = format!("Basic {}", base64(format!("{user}:{}", password.expose()).as_bytes()));
    request.header("authorization").is_some_and(|given| given == expected)
}

struct View<'a> {
    connector: &'a Connector,
    status: &'a EngineStatus,
}

impl View<'_> {
    fn server_info(&self) -> ServerInfo {
        ServerInfo { version: format!("kdeck-{}", env!("CARGO_PKG_VERSION")), commit: None, kafka_cluster_id: None }
    }

    fn plugin(&self) -> Plugin {
        Plugin {
            class: CONNECTOR_CLASS.into(),
            kind: Some("source".into()),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }
    }

    fn stopped(&self) -> bool {
        matches!(self.status.state, EngineState::Stopped | EngineState::Stopping)
    }

    fn tasks_max(&self) -> usize {
        self.status.lanes_target.max(1)
    }

    fn config(&self) -> BTreeMap<String, String> {
        let c = self.connector;
        [
            ("connector.class", CONNECTOR_CLASS.to_string()),
            ("name", c.name.clone()),
            ("tasks.max", self.tasks_max().to_string()),
            ("kdeck.source", c.source.clone()),
            ("kdeck.destination", c.destination.clone()),
            ("kdeck.mode", c.mode.clone()),
        ]
        .into_iter()
        .map(|(key, value)| (key.to_string(), value))
        .collect()
    }

    fn task_ids(&self) -> Vec<u32> {
        if self.stopped() {
            return Vec::new();
        }
        (0..self.tasks_max() as u32).collect()
    }

    fn info(&self) -> ConnectorInfo {
        ConnectorInfo {
            name: self.connector.name.clone(),
            config: self.config(),
            tasks: self
                .task_ids()
                .into_iter()
                .map(|task| TaskId { connector: self.connector.name.clone(), task })
                .collect(),
            kind: Some("source".into()),
        }
    }

    fn connector_state(&self) -> ConnectorState {
        let (state, trace) = match &self.status.state {
            EngineState::Failed(message) => (State::Failed, Some(message.clone())),
            EngineState::Stopped | EngineState::Stopping => (State::Stopped, None),
            EngineState::Starting => (State::Unassigned, None),
            EngineState::Running | EngineState::Rescaling => {
                let mut live =
                    self.status.topics.iter().filter(|t| matches!(t.state, TopicState::Copying | TopicState::Paused));
                let all_paused = live.clone().next().is_some() && live.all(|t| t.state == TopicState::Paused);
                (if all_paused { State::Paused } else { State::Running }, None)
            }
        };
        ConnectorState { state, worker_id: Some(self.connector.worker_id.clone()), trace }
    }

    fn task_state(&self, id: u32) -> TaskState {
        let lane = self.status.lanes.iter().find(|lane| lane.lane == id as usize);
        let (state, trace) = match lane {
            None => (State::Unassigned, None),
            Some(lane) => match lane.state {
                LaneState::Copying | LaneState::Idle => (State::Running, None),
                LaneState::Paused => (State::Paused, None),
                LaneState::Retrying => (State::Restarting, None),
                LaneState::Starting | LaneState::Fencing | LaneState::Stopped => (State::Unassigned, None),
                LaneState::Failed | LaneState::Fenced => {
                    let trace = lane.last_error.clone().unwrap_or_else(|| format!("lane {id} {}", lane.state.as_str()));
                    (State::Failed, Some(trace))
                }
            },
        };
        TaskState { id, state, worker_id: Some(self.connector.worker_id.clone()), trace }
    }

    fn connector_status(&self) -> ConnectorStatus {
        let connector = self.connector_state();
        let mut tasks: Vec<TaskState> = self.task_ids().into_iter().map(|id| self.task_state(id)).collect();
        // Every topic paused: the lanes run but copy nothing, which is what Connect calls a paused task.
        if connector.state == State::Paused {
            tasks.iter_mut().filter(|task| task.state == State::Running).for_each(|task| task.state = State::Paused);
        }
        ConnectorStatus { name: self.connector.name.clone(), connector, tasks, kind: Some("source".into()) }
    }

    fn list(&self, request: &Request) -> Response {
        let expand: Vec<&str> = request.query_values("expand").collect();
        if expand.is_empty() {
            return json(200, &[&self.connector.name]);
        }
        let entry = Expanded {
            status: expand.contains(&"status").then(|| self.connector_status()),
            info: expand.contains(&"info").then(|| self.info()),
        };
        json(200, &BTreeMap::from([(self.connector.name.clone(), entry)]))
    }

    fn task_configs(&self) -> Vec<TaskConfig> {
        self.task_ids()
            .into_iter()
            .map(|task| {
                let mut config = BTreeMap::from([("task.class".to_string(), "kdeck.Lane".to_string())]);
                if let Some(lane) = self.status.lanes.iter().find(|lane| lane.lane == task as usize) {
                    let partitions: Vec<String> =
                        lane.partitions.iter().map(|tp| format!("{}-{}", tp.topic, tp.partition)).collect();
                    config.insert("partitions".into(), partitions.join(","));
                    if !lane.transactional_id.is_empty() {
                        config.insert("transactional.id".into(), lane.transactional_id.clone());
                    }
                }
                TaskConfig { id: TaskId { connector: self.connector.name.clone(), task }, config }
            })
            .collect()
    }

    fn offsets(&self) -> Offsets {
        let offsets = self
            .status
            .partitions
            .iter()
            .filter(|p| p.next_source_offset >= 0)
            .map(|p| OffsetEntry {
                partition: serde_json::json!({"topic": p.source.topic, "partition": p.source.partition})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
                offset: serde_json::json!({"next_offset": p.next_source_offset}).as_object().cloned(),
            })
            .collect();
        Offsets { offsets }
    }

    fn topics(&self) -> BTreeMap<String, ActiveTopics> {
        let topics = self
            .status
            .topics
            .iter()
            .filter(|t| matches!(t.state, TopicState::Copying | TopicState::Paused))
            .map(|t| t.destination_topic.clone())
            .collect();
        BTreeMap::from([(self.connector.name.clone(), ActiveTopics { topics })])
    }

    fn connector_route(&self, method: &str, rest: &[&str], request: &Request) -> Routed {
        let name = &self.connector.name;
        match (method, rest) {
            ("GET", []) => answer(json(200, &self.info())),
            ("DELETE", []) => {
                answer(error(400, format!("a kdeck engine cannot delete {name:?}: stop the process instead")))
            }
            ("GET", ["config"]) => answer(json(200, &self.config())),
            ("PUT", ["config"]) => self.put_config(&request.body),
            ("GET", ["status"]) => answer(json(200, &self.connector_status())),
            ("GET", ["tasks"]) => answer(json(200, &self.task_configs())),
            ("GET", ["tasks", task, "status"]) => match self.task(task) {
                Ok(id) => answer(json(200, &self.task_state(id))),
                Err(response) => answer(response),
            },
            ("POST", ["tasks", task, "restart"]) => match self.task(task) {
                Ok(id) => {
                    Routed { response: Response::json(204, String::new()), commands: vec![Command::Retry(id as usize)] }
                }
                Err(response) => answer(response),
            },
            ("POST", ["restart"]) => self.restart(request),
            ("PUT", ["pause"]) => Routed {
                response: Response::json(202, String::new()),
                commands: self.topics_in(TopicState::Copying).map(Command::Pause).collect(),
            },
            ("PUT", ["resume"]) => {
                let mut commands: Vec<Command> = self.topics_in(TopicState::Paused).map(Command::Resume).collect();
                if self.stopped() || matches!(self.status.state, EngineState::Failed(_)) {
                    commands.push(Command::Start);
                }
                Routed { response: Response::json(202, String::new()), commands }
            }
            ("PUT", ["stop"]) => Routed { response: Response::json(204, String::new()), commands: vec![Command::Stop] },
            ("GET", ["topics"]) => answer(json(200, &self.topics())),
            ("GET", ["offsets"]) => answer(json(200, &self.offsets())),
            ("PATCH" | "DELETE", ["offsets"]) if !self.stopped() => answer(error(
                400,
                format!(
                    "connectors must be in the STOPPED state before their offsets can be modified: stop {name} first"
                ),
            )),
            ("PATCH" | "DELETE", ["offsets"]) => answer(error(
                400,
                "a kdeck engine keeps its positions in its state topic and does not alter them over REST",
            )),
            (
                _,
                [] | ["config" | "status" | "tasks" | "restart" | "pause" | "resume" | "stop" | "topics" | "offsets"],
            ) => answer(error(405, format!("{method} is not supported on {}", request.path))),
            _ => answer(error(404, format!("no such endpoint: {method} {}", request.path))),
        }
    }

    fn topics_in(&self, state: TopicState) -> impl Iterator<Item = String> + '_ {
        self.status.topics.iter().filter(move |t| t.state == state).map(|t| t.source_topic.clone())
    }

    fn task(&self, text: &str) -> Result<u32, Response> {
        let not_found = || error(404, format!("Task {}-{text} not found", self.connector.name));
        let id: u32 = text.parse().map_err(|_| not_found())?;
        if self.task_ids().contains(&id) {
            Ok(id)
        } else {
            Err(not_found())
        }
    }

    fn put_config(&self, body: &str) -> Routed {
        let given: BTreeMap<String, serde_json::Value> = match serde_json::from_str(body) {
            Ok(map) => map,
            Err(err) => return answer(error(400, format!("the body must be a JSON object of config strings: {err}"))),
        };
        let current = self.config();
        let mut tasks = self.tasks_max() as u32;
        for (key, value) in &given {
            let text = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(number) => number.to_string(),
                other => return answer(error(400, format!("config {key}: expected a string, found {other}"))),
            };
            match key.as_str() {
                "tasks.max" => match text.trim().parse::<u32>() {
                    Ok(n) if (1..=MAX_TASKS).contains(&n) => tasks = n,
                    _ => {
                        return answer(error(
                            400,
                            format!("tasks.max {text:?}: expected a whole number from 1 to {MAX_TASKS}"),
                        ))
                    }
                },
                _ => match current.get(key) {
                    Some(now) if *now == text => {}
                    Some(now) => {
                        return answer(error(
                            400,
                            format!(
                            "config {key} is {now:?} and cannot change on a running kdeck engine; only tasks.max can"
                        ),
                        ))
                    }
                    None => {
                        return answer(error(
                            400,
                            format!(
                                "config {key} is not a kdeck.Replicator setting; expected one of {}",
                                current.keys().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        ))
                    }
                },
            }
        }
        let mut info = self.info();
        info.config.insert("tasks.max".into(), tasks.to_string());
        let commands =
            if tasks as usize == self.tasks_max() { Vec::new() } else { vec![Command::Rescale(tasks as usize)] };
        Routed { response: json(200, &info), commands }
    }

    fn restart(&self, request: &Request) -> Routed {
        let flag = |key| request.query_values(key).any(|value| value.eq_ignore_ascii_case("true"));
        let (include_tasks, only_failed) = (flag("includeTasks"), flag("onlyFailed"));
        let failed = matches!(self.status.state, EngineState::Failed(_));
        if !include_tasks && !only_failed {
            let commands = if failed { vec![Command::Start] } else { Vec::new() };
            return Routed { response: Response::json(204, String::new()), commands };
        }
        let mut status = self.connector_status();
        let mut commands = Vec::new();
        if failed {
            commands.push(Command::Start);
            status.connector.state = State::Restarting;
        } else if !only_failed && !self.stopped() {
            commands.extend([Command::Stop, Command::Start]);
            status.connector.state = State::Restarting;
        }
        for task in &mut status.tasks {
            if !only_failed || task.state == State::Failed {
                if only_failed {
                    commands.push(Command::Retry(task.id as usize));
                }
                task.state = State::Restarting;
            }
        }
        Routed { response: json(202, &status), commands }
    }
}

#[cfg(test)]
#[path = "connect_api_tests.rs"]
mod tests;
