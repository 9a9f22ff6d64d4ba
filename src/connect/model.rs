//! The Kafka Connect REST shapes kdeck reads (client) and writes (the engine's
//! Connect-compatible server), field names as Connect's `@JsonProperty`s.
//! Unknown fields are ignored and unknown states kept, so a newer Connect
//! still parses.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// `AbstractStatus.State`; `STOPPED` is for connectors only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum State {
    Unassigned,
    Running,
    Paused,
    Failed,
    Restarting,
    Stopped,
    #[serde(other)]
    Unknown,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Unassigned => "UNASSIGNED",
            State::Running => "RUNNING",
            State::Paused => "PAUSED",
            State::Failed => "FAILED",
            State::Restarting => "RESTARTING",
            State::Stopped => "STOPPED",
            State::Unknown => "UNKNOWN",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorState {
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskState {
    pub id: u32,
    pub state: State,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// `GET /connectors/{name}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorStatus {
    pub name: String,
    pub connector: ConnectorState,
    #[serde(default)]
    pub tasks: Vec<TaskState>,
    /// `source`, `sink` or `unknown`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl ConnectorStatus {
    pub fn count(&self, state: State) -> usize {
        self.tasks.iter().filter(|task| task.state == state).count()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskId {
    pub connector: String,
    pub task: u32,
}

/// `GET /connectors/{name}` and the body of `PUT .../config`'s answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectorInfo {
    pub name: String,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
    #[serde(default)]
    pub tasks: Vec<TaskId>,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
}

impl ConnectorInfo {
    /// The requested `tasks.max`, when set and a number.
    pub fn tasks_max(&self) -> Option<u32> {
        self.config.get("tasks.max").and_then(|value| value.trim().parse().ok())
    }
}

/// One entry of `GET /connectors?expand=status&expand=info`; each part only when expanded.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expanded {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConnectorStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub info: Option<ConnectorInfo>,
}

/// `GET /connectors/{name}/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskConfig {
    pub id: TaskId,
    #[serde(default)]
    pub config: BTreeMap<String, String>,
}

/// `GET /`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerInfo {
    pub version: String,
    #[serde(default)]
    pub commit: Option<String>,
    #[serde(default)]
    pub kafka_cluster_id: Option<String>,
}

/// One partition's position in `GET/PATCH .../offsets`; both maps are connector-defined.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffsetEntry {
    pub partition: serde_json::Map<String, serde_json::Value>,
    /// `null` in a PATCH resets the partition.
    pub offset: Option<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offsets {
    pub offsets: Vec<OffsetEntry>,
}

/// `GET /connector-plugins`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plugin {
    pub class: String,
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
}

/// `GET .../topics`: `{"name": {"topics": [...]}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActiveTopics {
    pub topics: Vec<String>,
}

/// Connect's error body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error_code: u16,
    pub message: String,
}

/// `{"message": ...}` from the offsets PATCH/DELETE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageBody {
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_states_and_missing_fields_still_parse() {
        let status: ConnectorStatus = serde_json::from_str(
            r#"{"name":"x","connector":{"state":"DESTROYED_LATER"},"tasks":[{"id":3,"state":"RUNNING","extra":1}]}"#,
        )
        .unwrap();
        assert_eq!(status.connector.state, State::Unknown);
        assert_eq!(status.tasks[0].worker_id, None);
        assert_eq!(status.kind, None);
        assert_eq!(status.count(State::Running), 1);
    }

    #[test]
    fn trace_is_omitted_when_absent() {
        let task = TaskState { id: 0, state: State::Running, worker_id: Some("h:1".into()), trace: None };
        assert_eq!(serde_json::to_string(&task).unwrap(), r#"{"id":0,"state":"RUNNING","worker_id":"h:1"}"#);
    }

    #[test]
    fn tasks_max_reads_the_config() {
        let mut info = ConnectorInfo { name: "x".into(), config: BTreeMap::new(), tasks: vec![], kind: None };
        assert_eq!(info.tasks_max(), None);
        info.config.insert("tasks.max".into(), " 30".into());
        assert_eq!(info.tasks_max(), Some(30));
        info.config.insert("tasks.max".into(), "many".into());
        assert_eq!(info.tasks_max(), None);
    }
}
