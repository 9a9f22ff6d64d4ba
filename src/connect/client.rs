//! A blocking Kafka Connect REST client (reqwest on a private current-thread
//! runtime, so the cockpit's worker thread and the CLI can call it directly).
//!
//! Every failure is one line naming the cluster, the request and what went
//! wrong; Connect's own `{error_code, message}` is shown as it came. A 409
//! (rebalance in progress) is retried with backoff before it is reported.

use std::collections::BTreeMap;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use super::clusters::ConnectCluster;
use super::model::{
    ActiveTopics, ConnectorInfo, ConnectorStatus, ErrorBody, Expanded, MessageBody, Offsets, Plugin, ServerInfo,
    TaskConfig, TaskState,
};
use crate::config::scrub;
use crate::rest_client::{http_base, one_line, root_cause, RestClient};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Connect answered with this HTTP status.
    Status(u16),
    Timeout,
    Refused,
    /// A 2xx whose body is not the JSON the endpoint documents.
    Malformed,
    Transport,
}

/// One line, secrets scrubbed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    pub kind: ErrorKind,
    pub message: String,
}

impl From<ConnectError> for crate::error::Failure {
    fn from(error: ConnectError) -> Self {
        crate::error::Failure::runtime(error.message)
    }
}

/// How 409s are retried: `attempts` tries in all, the wait doubling from `first_wait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    pub attempts: u32,
    pub first_wait: Duration,
}

impl Default for Retry {
    fn default() -> Self {
        Retry { attempts: 6, first_wait: Duration::from_millis(250) }
    }
}

pub struct ConnectClient {
    name: String,
    rest: RestClient,
    timeout: Duration,
    retry: Retry,
}

type Reply = Result<(StatusCode, String), ConnectError>;

impl ConnectClient {
    pub fn new(cluster: &ConnectCluster, timeout: Duration) -> Result<ConnectClient, ConnectError> {
        let setup =
            |message: String| ConnectError { kind: ErrorKind::Transport, message: scrub(&message).into_owned() };
        let base = http_base(&cluster.url).ok_or_else(|| {
            setup(format!("Connect \"{}\": url {:?} is not http(s)://host:port", cluster.name, cluster.url))
        })?;
        let auth = match (&cluster.username, &cluster.password) {
            (Some(user), Some(password)) => Some((user.clone(), password.expose().to_string())),
            _ => None,
        };
        let rest = RestClient::new(base, cluster.ca.as_deref(), timeout, auth, "application/json")
            .map_err(|err| setup(format!("Connect \"{}\": {err}", cluster.name)))?;
        Ok(ConnectClient { name: cluster.name.clone(), rest, timeout, retry: Retry::default() })
    }

    pub fn with_retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// One request with 409 retries; any 2xx is returned with its body.
    fn call(&self, method: Method, segments: &[&str], query: &[(&str, &str)], body: Option<String>) -> Reply {
        let url = self.rest.url(segments, query);
        let shown = format!("{method} {}{}", url.path(), url.query().map(|q| format!("?{q}")).unwrap_or_default());
        let mut wait = self.retry.first_wait;
        let mut attempt = 1;
        loop {
            let reply = self.rest.send(method.clone(), url.clone(), body.clone());
            let fail = |kind, detail: String| ConnectError {
                kind,
                message: scrub(&format!("Connect \"{}\": {shown}: {detail}", self.name)).into_owned(),
            };
            let (status, text) = match reply {
                Ok(answer) => answer,
                Err(err) if err.is_timeout() => {
                    return Err(fail(
                        ErrorKind::Timeout,
                        format!("no answer within {:?} from {}", self.timeout, self.rest.base()),
                    ))
                }
                Err(err) if err.is_connect() => {
                    let cause = root_cause(&err);
                    return Err(fail(ErrorKind::Refused, format!("cannot connect to {} ({cause})", self.rest.base())));
                }
                Err(err) => return Err(fail(ErrorKind::Transport, root_cause(&err))),
            };
            if status.is_success() {
                return Ok((status, text));
            }
            if status == StatusCode::CONFLICT && attempt < self.retry.attempts {
                std::thread::sleep(wait);
                wait *= 2;
                attempt += 1;
                continue;
            }
            let mut detail = match serde_json::from_str::<ErrorBody>(&text) {
                Ok(body) => format!("{} {}", status.as_u16(), one_line(&body.message)),
                Err(_) => format!("{status} (no Connect error body)"),
            };
            if status == StatusCode::CONFLICT {
                detail.push_str(&format!(" (still rebalancing after {attempt} attempts)"));
            }
            return Err(fail(ErrorKind::Status(status.as_u16()), detail));
        }
    }

    fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, &str)]) -> Result<T, ConnectError> {
        let (_, text) = self.call(Method::GET, segments, query, None)?;
        self.parse(segments, &text)
    }

    fn parse<T: DeserializeOwned>(&self, segments: &[&str], text: &str) -> Result<T, ConnectError> {
        serde_json::from_str(text).map_err(|err| ConnectError {
            kind: ErrorKind::Malformed,
            message: scrub(&format!(
                "Connect \"{}\": /{}: the answer is not the JSON Connect documents ({err})",
                self.name,
                segments.join("/")
            ))
            .into_owned(),
        })
    }

    pub fn server_info(&self) -> Result<ServerInfo, ConnectError> {
        self.get(&[], &[])
    }

    pub fn list(&self) -> Result<Vec<String>, ConnectError> {
        self.get(&["connectors"], &[])
    }

    /// `GET /connectors?expand=status&expand=info`.
    pub fn list_expanded(&self) -> Result<BTreeMap<String, Expanded>, ConnectError> {
        self.get(&["connectors"], &[("expand", "status"), ("expand", "info")])
    }

    pub fn info(&self, name: &str) -> Result<ConnectorInfo, ConnectError> {
        self.get(&["connectors", name], &[])
    }

    pub fn status(&self, name: &str) -> Result<ConnectorStatus, ConnectError> {
        self.get(&["connectors", name, "status"], &[])
    }

    pub fn task_status(&self, name: &str, task: u32) -> Result<TaskState, ConnectError> {
        self.get(&["connectors", name, "tasks", &task.to_string(), "status"], &[])
    }

    pub fn tasks(&self, name: &str) -> Result<Vec<TaskConfig>, ConnectError> {
        self.get(&["connectors", name, "tasks"], &[])
    }

    pub fn config(&self, name: &str) -> Result<BTreeMap<String, String>, ConnectError> {
        self.get(&["connectors", name, "config"], &[])
    }

    pub fn topics(&self, name: &str) -> Result<Vec<String>, ConnectError> {
        let map: BTreeMap<String, ActiveTopics> = self.get(&["connectors", name, "topics"], &[])?;
        Ok(map.into_values().flat_map(|active| active.topics).collect())
    }

    pub fn offsets(&self, name: &str) -> Result<Offsets, ConnectError> {
        self.get(&["connectors", name, "offsets"], &[])
    }

    pub fn plugins(&self) -> Result<Vec<Plugin>, ConnectError> {
        self.get(&["connector-plugins"], &[])
    }

    /// KIP-745. `Some(status)` when Connect answers 202 with the instances restarting.
    pub fn restart(
        &self,
        name: &str,
        include_tasks: bool,
        only_failed: bool,
    ) -> Result<Option<ConnectorStatus>, ConnectError> {
        let query = [("includeTasks", bool_text(include_tasks)), ("onlyFailed", bool_text(only_failed))];
        let segments = ["connectors", name, "restart"];
        let (status, text) = self.call(Method::POST, &segments, &query, None)?;
        if status == StatusCode::ACCEPTED && !text.trim().is_empty() {
            return self.parse(&segments, &text).map(Some);
        }
        Ok(None)
    }

    pub fn restart_task(&self, name: &str, task: u32) -> Result<(), ConnectError> {
        self.call(Method::POST, &["connectors", name, "tasks", &task.to_string(), "restart"], &[], None).map(drop)
    }

    pub fn pause(&self, name: &str) -> Result<(), ConnectError> {
        self.call(Method::PUT, &["connectors", name, "pause"], &[], None).map(drop)
    }

    pub fn resume(&self, name: &str) -> Result<(), ConnectError> {
        self.call(Method::PUT, &["connectors", name, "resume"], &[], None).map(drop)
    }

    pub fn stop(&self, name: &str) -> Result<(), ConnectError> {
        self.call(Method::PUT, &["connectors", name, "stop"], &[], None).map(drop)
    }

    /// Creates or replaces the connector's config; Connect answers with its info.
    pub fn put_config(&self, name: &str, config: &BTreeMap<String, String>) -> Result<ConnectorInfo, ConnectError> {
        let segments = ["connectors", name, "config"];
        let body = serde_json::to_string(config).unwrap_or_default();
        let (_, text) = self.call(Method::PUT, &segments, &[], Some(body))?;
        self.parse(&segments, &text)
    }

    /// GET config, then PUT it back with a new `tasks.max` (as kcctl does).
    pub fn set_tasks_max(&self, name: &str, tasks: u32) -> Result<ConnectorInfo, ConnectError> {
        let mut config = self.config(name)?;
        config.insert("tasks.max".into(), tasks.to_string());
        self.put_config(name, &config)
    }

    /// KIP-875; Connect refuses unless the connector is STOPPED.
    pub fn patch_offsets(&self, name: &str, offsets: &Offsets) -> Result<String, ConnectError> {
        let segments = ["connectors", name, "offsets"];
        let body = serde_json::to_string(offsets).unwrap_or_default();
        let (_, text) = self.call(Method::PATCH, &segments, &[], Some(body))?;
        self.parse::<MessageBody>(&segments, &text).map(|body| body.message)
    }

    pub fn delete_offsets(&self, name: &str) -> Result<String, ConnectError> {
        let segments = ["connectors", name, "offsets"];
        let (_, text) = self.call(Method::DELETE, &segments, &[], None)?;
        self.parse::<MessageBody>(&segments, &text).map(|body| body.message)
    }
}

fn bool_text(flag: bool) -> &'static str {
    if flag {
        "true"
    } else {
        "false"
    }
}
