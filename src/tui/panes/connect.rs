//! The Connect pane: a Kafka Connect cluster (or a kdeck engine serving
//! `--rest`) as workers, connectors and tasks, with restart, pause, resume,
//! stop and live `tasks.max` rescaling. After a rescale it follows the
//! rebalance (UNASSIGNED → RUNNING per task) until it settles and says how
//! long that took. All I/O leaves as worker [`Request`]s.

use std::collections::BTreeMap;

use crate::connect::clusters::ConnectCluster;
use crate::connect::model::{ConnectorStatus, Expanded, Offsets, State};
use crate::tui::action::Action;
use crate::tui::connect_fetch::{ConnectOp, ConnectReply};
use crate::tui::protocol::{BannerKind, Request};

use super::common::{move_cursor, Effects, PaneContext, RequestIds};

/// How often the pane re-reads the cluster while it is shown; faster while following a rescale.
pub const POLL_MS: i64 = 3_000;
pub const FOLLOW_POLL_MS: i64 = 500;
/// Connect's own ceiling is higher; a cockpit key press should not ask for more.
pub const MAX_TASKS: u32 = 1_000;
/// A refresh unanswered for this long is given up on (the worker's slot may have dropped it).
pub const STALE_MS: i64 = 30_000;
/// A connector may make fewer tasks than `tasks.max` (MirrorMaker 2 and Replicator stop at
/// the partition count), so a rebalance that never reaches the count stops being followed.
pub const FOLLOW_LIMIT_MS: i64 = 120_000;

/// A rescale being followed until every task of the new count is RUNNING.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Follow {
    pub connector: String,
    pub from: usize,
    pub to: u32,
    pub started_ms: i64,
    /// Task states at the last refresh, for the progress line.
    pub running: usize,
    pub unassigned: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settled {
    pub connector: String,
    pub from: usize,
    pub to: u32,
    pub took_ms: i64,
}

impl Settled {
    pub fn text(&self) -> String {
        format!(
            "{} rescaled {} → {} tasks: all RUNNING after {:.1} s",
            self.connector,
            self.from,
            self.to,
            self.took_ms as f64 / 1000.0
        )
    }
}

/// One worker as the connectors' and tasks' `worker_id`s describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkerRow {
    pub worker_id: String,
    pub connectors: usize,
    pub tasks: usize,
    pub running: usize,
    pub failed: usize,
}

#[derive(Debug, Default)]
pub struct ConnectPane {
    pub clusters: Vec<ConnectCluster>,
    /// Sections of the config that could not be resolved, shown instead of hidden.
    pub problems: Vec<String>,
    pub cluster_index: usize,
    pub connectors: BTreeMap<String, Expanded>,
    pub fetched_at_ms: Option<i64>,
    /// The last failure; the pane keeps its last good data under it.
    pub error: Option<String>,
    pub selected: usize,
    /// The connector whose tasks are open, with the selected task.
    pub detail: Option<String>,
    pub task_selected: usize,
    pub follow: Option<Follow>,
    pub settled: Option<Settled>,
    pub offsets: Option<(String, Offsets)>,
    pub offset_selected: usize,
    pub next_poll_ms: i64,
    /// The refresh awaited; answers from before a cluster switch are dropped.
    pub ids: RequestIds,
}

/// The rows the connectors table (top) and the offsets or tasks table
/// (bottom) show in a body of `body_rows`: the view's layout is a 3-row
/// header over two equal halves, each table with borders and a header row.
fn list_rows(body_rows: u16) -> (usize, usize) {
    let [_, top, bottom] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Length(3),
        ratatui::layout::Constraint::Fill(1),
        ratatui::layout::Constraint::Fill(1),
    ])
    .areas(ratatui::layout::Rect::new(0, 0, 1, body_rows));
    (usize::from(top.height.saturating_sub(3)), usize::from(bottom.height.saturating_sub(3)))
}

fn warn(message: impl Into<String>) -> Effects {
    Effects::note(BannerKind::Warning, message)
}

impl ConnectPane {
    pub fn new(clusters: Vec<ConnectCluster>, problems: Vec<String>) -> ConnectPane {
        ConnectPane { clusters, problems, ..ConnectPane::default() }
    }

    pub fn cluster(&self) -> Option<&ConnectCluster> {
        self.clusters.get(self.cluster_index)
    }

    pub fn names(&self) -> Vec<&String> {
        self.connectors.keys().collect()
    }

    pub fn selected_name(&self) -> Option<String> {
        self.names().get(self.selected).map(|name| (*name).clone())
    }

    /// A Replicator or MirrorMaker 2 connector: one whose lag the cockpit can show.
    pub fn copies_topics(&self, name: &str) -> bool {
        use crate::watch::connector::{MM2_SOURCE_CLASS, REPLICATOR_CLASS};
        let class = self.connectors.get(name).and_then(|entry| entry.info.as_ref()?.config.get("connector.class"));
        class.is_some_and(|class| [REPLICATOR_CLASS, MM2_SOURCE_CLASS].contains(&class.trim()))
    }

    pub fn status_of(&self, name: &str) -> Option<&ConnectorStatus> {
        self.connectors.get(name).and_then(|entry| entry.status.as_ref())
    }

    /// Builds a worker request for `op` on the current cluster.
    pub fn request(&mut self, op: ConnectOp, now_ms: i64) -> Option<Request> {
        let cluster = self.cluster()?.clone();
        let id = if op == ConnectOp::Refresh { self.ids.ask_at(now_ms) } else { self.ids.issue() };
        Some(Request::Connect { id, cluster, op })
    }

    /// A refresh when one is due (the app calls this on each clock tick while the pane is shown).
    pub fn poll(&mut self, now_ms: i64) -> Option<Request> {
        if now_ms < self.next_poll_ms || self.ids.in_flight(now_ms, STALE_MS) {
            return None;
        }
        let every = if self.follow.is_some() { FOLLOW_POLL_MS } else { POLL_MS };
        self.next_poll_ms = now_ms + every;
        self.request(ConnectOp::Refresh, now_ms)
    }

    /// Asked before the app: what the pane does not take (`handled` false) keeps its
    /// cockpit-wide meaning; a Connect write comes back as a mutation for the app's gates.
    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        let now_ms = context.now_ms;
        let action = action.clone();
        let (top, bottom) = list_rows(context.body_rows);
        let (rows, cursor, visible) = match (&self.offsets, &self.detail) {
            (Some((_, offsets)), _) => (offsets.offsets.len(), &mut self.offset_selected, bottom),
            (None, Some(_)) => (self.detail_tasks(), &mut self.task_selected, bottom),
            (None, None) => (self.connectors.len(), &mut self.selected, top),
        };
        // A page keeps one row of the last in view, as every list of the cockpit does.
        if move_cursor(cursor, rows, &action, visible.saturating_sub(1)) {
            return Effects::handled(true);
        }
        let selected = self.detail.clone().or_else(|| self.selected_name());
        let need = |selected: Option<String>| selected.ok_or("no connector selected".to_string());
        let op = match action {
            Action::Expand => {
                self.detail = self.selected_name();
                self.task_selected = 0;
                return Effects::handled(true);
            }
            Action::Escape if self.offsets.is_some() => {
                self.offsets = None;
                return Effects::handled(true);
            }
            Action::Escape if self.detail.is_some() => {
                self.detail = None;
                return Effects::handled(true);
            }
            Action::Refresh => {
                self.next_poll_ms = now_ms + POLL_MS;
                return Effects::requests(self.request(ConnectOp::Refresh, now_ms));
            }
            Action::SwitchCluster if self.clusters.len() > 1 => {
                self.cluster_index = (self.cluster_index + 1) % self.clusters.len();
                let mut ids = self.ids;
                ids.restart();
                *self = ConnectPane {
                    clusters: std::mem::take(&mut self.clusters),
                    problems: std::mem::take(&mut self.problems),
                    cluster_index: self.cluster_index,
                    ids,
                    ..ConnectPane::default()
                };
                return Effects::requests(self.poll(now_ms));
            }
            Action::ConnectSetOffset(_) | Action::ConnectResetOffsets => {
                let keys =
                    (context.key(&Action::ConnectOffsets, ":connect_offsets"), context.key(&Action::Stop, ":stop"));
                match self.offsets_change(&action, &keys) {
                    Ok(op) => op,
                    Err(message) => return warn(message),
                }
            }
            Action::ConnectOffsets => match need(selected) {
                Ok(connector) => return Effects::requests(self.request(ConnectOp::Offsets(connector), now_ms)),
                Err(message) => return warn(message),
            },
            Action::RescaleUp | Action::RescaleDown | Action::ConnectTasks(_) => {
                let Some(connector) = selected else { return warn("no connector selected") };
                let entry = self.connectors.get(&connector);
                let actual = entry.and_then(|e| e.status.as_ref()).map_or(0, |s| s.tasks.len());
                let requested = entry.and_then(|e| e.info.as_ref()).and_then(|i| i.tasks_max());
                let base = requested.unwrap_or(actual as u32).max(1);
                let tasks = match action {
                    Action::RescaleUp => base + 1,
                    Action::RescaleDown => base.saturating_sub(1),
                    Action::ConnectTasks(n) => n,
                    _ => base,
                };
                if !(1..=MAX_TASKS).contains(&tasks) {
                    return warn(format!("tasks.max {tasks}: expected 1 to {MAX_TASKS}"));
                }
                ConnectOp::SetTasks { connector, from: actual, tasks }
            }
            Action::Pause => ConnectOp::Pause(need(selected).unwrap_or_default()),
            Action::Resume | Action::Start => ConnectOp::Resume(need(selected).unwrap_or_default()),
            Action::Stop => ConnectOp::Stop(need(selected).unwrap_or_default()),
            Action::RestartConnector => {
                ConnectOp::Restart { connector: need(selected).unwrap_or_default(), only_failed: false }
            }
            Action::RestartFailed => {
                ConnectOp::Restart { connector: need(selected).unwrap_or_default(), only_failed: true }
            }
            Action::Retry => match (&self.detail, self.detail_task_id()) {
                (Some(connector), Some(task)) => ConnectOp::RestartTask { connector: connector.clone(), task },
                _ => {
                    let open = context.key(&Action::Expand, "Enter");
                    return warn(format!("open a connector ({open}) and select a task to restart it"));
                }
            },
            _ => return Effects::ignored(),
        };
        if self.cluster().is_none() {
            return warn("no Connect cluster: add [connect.NAME] url = \"http://host:8083\" to the config");
        }
        if matches!(&op, ConnectOp::Pause(c) | ConnectOp::Resume(c) | ConnectOp::Stop(c) | ConnectOp::Restart { connector: c, .. } if c.is_empty())
        {
            return warn("no connector selected");
        }
        Effects::mutation(Action::Connect(op))
    }

    /// KIP-875 changes: only from the offsets view, and only for a STOPPED connector.
    /// `keys`: the keys that open the offsets view and stop a connector, for the hints.
    fn offsets_change(&self, action: &Action, keys: &(String, String)) -> Result<ConnectOp, String> {
        let (offsets_key, stop_key) = keys;
        let Some((connector, offsets)) = &self.offsets else {
            return Err(format!("open the connector's offsets first ({offsets_key})"));
        };
        let state = self.status_of(connector).map(|s| s.connector.state);
        if state != Some(State::Stopped) {
            let state = state.map_or("unknown", State::as_str);
            return Err(format!(
                "{connector} is {state}: Connect changes offsets only of a STOPPED connector ({stop_key} stops it)"
            ));
        }
        let Action::ConnectSetOffset(position) = action else {
            return Ok(ConnectOp::ResetOffsets(connector.clone()));
        };
        let Some(entry) = offsets.offsets.get(self.offset_selected) else {
            return Err("no offset selected".into());
        };
        let mut entry = entry.clone();
        let numeric: Vec<String> = entry
            .offset
            .iter()
            .flatten()
            .filter(|(_, value)| value.is_i64() || value.is_u64())
            .map(|(key, _)| key.clone())
            .collect();
        let [key] = numeric.as_slice() else {
            return Err(format!(
                "cannot tell which field of this offset is the position ({} numeric fields)",
                numeric.len()
            ));
        };
        if let Some(map) = entry.offset.as_mut() {
            map.insert(key.clone(), serde_json::Value::from(*position));
        }
        Ok(ConnectOp::PatchOffsets { connector: connector.clone(), offsets: Offsets { offsets: vec![entry] } })
    }

    fn detail_tasks(&self) -> usize {
        self.detail.as_deref().and_then(|name| self.status_of(name)).map_or(0, |s| s.tasks.len())
    }

    pub fn detail_task_id(&self) -> Option<u32> {
        let status = self.status_of(self.detail.as_deref()?)?;
        status.tasks.get(self.task_selected).map(|task| task.id)
    }

    /// A worker answer; returns whether to redraw. Old answers (another cluster) are dropped.
    pub fn on_reply(&mut self, id: u64, result: Result<ConnectReply, String>, now_ms: i64) -> (bool, Option<String>) {
        if !self.ids.is_current(id) {
            return (false, None);
        }
        self.ids.answers(id);
        let reply = match result {
            Ok(reply) => reply,
            Err(message) => {
                self.error = Some(message.clone());
                return (true, Some(message));
            }
        };
        let note = match reply {
            ConnectReply::Snapshot(connectors) => {
                self.error = None;
                self.connectors = connectors;
                self.fetched_at_ms = Some(now_ms);
                self.selected = self.selected.min(self.connectors.len().saturating_sub(1));
                self.task_selected = self.task_selected.min(self.detail_tasks().saturating_sub(1));
                self.advance_follow(now_ms)
            }
            ConnectReply::Done(what) => {
                self.next_poll_ms = now_ms;
                Some(format!("done: {what}"))
            }
            ConnectReply::Rescaled { connector, from, tasks } => {
                self.follow = Some(Follow {
                    connector: connector.clone(),
                    from,
                    to: tasks,
                    started_ms: now_ms,
                    running: 0,
                    unassigned: 0,
                });
                self.settled = None;
                self.next_poll_ms = now_ms;
                Some(format!("{connector}: tasks.max {tasks}; following the rebalance"))
            }
            ConnectReply::Offsets { connector, offsets } => {
                self.offset_selected = 0;
                self.offsets = Some((connector, offsets));
                None
            }
            ConnectReply::OffsetsChanged { connector, message, offsets } => {
                self.offset_selected = self.offset_selected.min(offsets.offsets.len().saturating_sub(1));
                self.offsets = Some((connector.clone(), offsets));
                self.next_poll_ms = now_ms;
                Some(format!("{connector}: {message}"))
            }
        };
        (true, note)
    }

    /// Updates the followed rebalance; the note says when it settled or was given up on.
    fn advance_follow(&mut self, now_ms: i64) -> Option<String> {
        let follow = self.follow.as_mut()?;
        let status = self.connectors.get(&follow.connector).and_then(|entry| entry.status.as_ref());
        if let Some(status) = status {
            follow.running = status.count(State::Running);
            follow.unassigned = status.tasks.len() - follow.running;
            if rebalance_settled(status, follow.to) {
                let settled = Settled {
                    connector: follow.connector.clone(),
                    from: follow.from,
                    to: follow.to,
                    took_ms: now_ms - follow.started_ms,
                };
                self.follow = None;
                let text = settled.text();
                self.settled = Some(settled);
                return Some(text);
            }
        }
        if now_ms - follow.started_ms >= FOLLOW_LIMIT_MS {
            let note = format!(
                "stopped following {} after {} s: {} of {} tasks RUNNING (a connector may make fewer tasks than tasks.max)",
                follow.connector,
                FOLLOW_LIMIT_MS / 1000,
                follow.running,
                follow.to
            );
            self.follow = None;
            return Some(note);
        }
        None
    }
}

/// Settled: exactly `tasks` tasks, every one RUNNING.
pub fn rebalance_settled(status: &ConnectorStatus, tasks: u32) -> bool {
    status.tasks.len() == tasks as usize && status.tasks.iter().all(|task| task.state == State::Running)
}

/// Workers from every connector's and task's `worker_id`, sorted by id.
pub fn workers(connectors: &BTreeMap<String, Expanded>) -> Vec<WorkerRow> {
    let mut result: BTreeMap<String, WorkerRow> = BTreeMap::new();
    for status in connectors.values().filter_map(|entry| entry.status.as_ref()) {
        let id = status.connector.worker_id.clone().unwrap_or_else(|| "(unassigned)".into());
        result.entry(id.clone()).or_insert_with(|| WorkerRow { worker_id: id, ..WorkerRow::default() }).connectors += 1;
        for task in &status.tasks {
            let id = task.worker_id.clone().unwrap_or_else(|| "(unassigned)".into());
            let worker =
                result.entry(id.clone()).or_insert_with(|| WorkerRow { worker_id: id, ..WorkerRow::default() });
            worker.tasks += 1;
            worker.running += usize::from(task.state == State::Running);
            worker.failed += usize::from(task.state == State::Failed);
        }
    }
    result.into_values().collect()
}

#[cfg(test)]
#[path = "connect_tests.rs"]
mod tests;
