//! Plain-text views of Connect state for `kdeck connect` (kcctl-like tables).

use std::collections::BTreeMap;
use std::fmt::Write;

use super::model::{ConnectorInfo, ConnectorStatus, Expanded, State, TaskConfig};

/// `kdeck connect get`: one row per connector.
pub fn connectors_table(all: &BTreeMap<String, Expanded>) -> String {
    let mut rows = vec![["NAME", "TYPE", "STATE", "TASKS", "FAILED", "TASKS.MAX", "WORKER"].map(String::from).to_vec()];
    for (name, entry) in all {
        let status = entry.status.as_ref();
        let tasks_max = entry.info.as_ref().and_then(ConnectorInfo::tasks_max);
        rows.push(vec![
            name.clone(),
            status.and_then(|s| s.kind.clone()).unwrap_or_else(|| "-".into()),
            status.map_or("-", |s| s.connector.state.as_str()).to_string(),
            status.map_or("-".into(), |s| format!("{}/{}", s.count(State::Running), s.tasks.len())),
            status.map_or("-".into(), |s| s.count(State::Failed).to_string()),
            tasks_max.map_or("-".into(), |n| n.to_string()),
            status.and_then(|s| s.connector.worker_id.clone()).unwrap_or_else(|| "-".into()),
        ]);
    }
    table(&rows)
}

/// `kdeck connect describe`: status, config and tasks with their worker and first trace line.
pub fn describe(status: &ConnectorStatus, info: &ConnectorInfo, tasks: &[TaskConfig]) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "Name:       {}", status.name);
    let _ = writeln!(out, "Type:       {}", status.kind.as_deref().unwrap_or("-"));
    let _ = writeln!(out, "State:      {}", status.connector.state.as_str());
    let _ = writeln!(out, "Worker ID:  {}", status.connector.worker_id.as_deref().unwrap_or("-"));
    let requested = info.tasks_max().map_or("-".into(), |n| n.to_string());
    let _ = writeln!(out, "Tasks:      {} of tasks.max {requested}", status.tasks.len());
    if let Some(trace) = &status.connector.trace {
        let _ = writeln!(out, "Trace:      {}", first_line(trace));
    }
    let _ = writeln!(out, "Config:");
    for (key, value) in &info.config {
        let _ = writeln!(out, "  {key} = {value}");
    }
    let mut rows = vec![["TASK", "STATE", "WORKER", "TRACE"].map(String::from).to_vec()];
    for task in &status.tasks {
        rows.push(vec![
            task.id.to_string(),
            task.state.as_str().to_string(),
            task.worker_id.clone().unwrap_or_else(|| "-".into()),
            task.trace.as_deref().map_or(String::new(), first_line),
        ]);
    }
    let _ = writeln!(out, "Tasks:");
    for line in table(&rows).lines() {
        let _ = writeln!(out, "  {line}");
    }
    let assigned: Vec<String> = tasks
        .iter()
        .filter_map(|task| {
            let partitions = task.config.get("partitions").or_else(|| task.config.get("task.assigned.partitions"))?;
            Some(format!("  {}: {partitions}", task.id.task))
        })
        .collect();
    if !assigned.is_empty() {
        let _ = writeln!(out, "Assignments:\n{}", assigned.join("\n"));
    }
    out
}

pub fn first_line(trace: &str) -> String {
    trace.lines().next().unwrap_or_default().trim().to_string()
}

/// Left-aligned columns, two spaces apart, no trailing spaces.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|s| s.chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            let _ = write!(line, "{cell:<width$}  ", width = widths[c]);
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture<T: serde::de::DeserializeOwned>(name: &str) -> T {
        let path = format!("{}/tests/fixtures/connect/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn connectors_table_from_the_expanded_list() {
        let all: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
        assert_eq!(
            connectors_table(&all),
            "NAME        TYPE    STATE    TASKS  FAILED  TASKS.MAX  WORKER\n\
             mm2-source  source  RUNNING  0/2    0       2          10.0.1.9:8083\n\
             msk-to-cc   source  RUNNING  2/3    1       5          10.0.1.7:8083\n\
             s3-sink     sink    FAILED   0/0    0       1          10.0.1.8:8083\n"
        );
        let only_info: BTreeMap<String, Expanded> = fixture("expand_info.json");
        assert!(connectors_table(&only_info).contains("msk-to-cc  -     -      -      -       30"));
    }

    #[test]
    fn describe_shows_workers_and_first_trace_lines() {
        let all: BTreeMap<String, Expanded> = fixture("expand_status_info.json");
        let entry = &all["msk-to-cc"];
        let tasks: Vec<TaskConfig> = fixture("tasks.json");
        let text = describe(entry.status.as_ref().unwrap(), entry.info.as_ref().unwrap(), &tasks);
        assert!(text.contains("Tasks:      3 of tasks.max 5\n"), "{text}");
        assert!(text.contains(
            "  1     FAILED   10.0.1.8:8083  org.apache.kafka.connect.errors.ConnectException: Failed to fetch offsets.\n"
        ), "{text}");
        assert!(text.contains("  topic.whitelist = orders,payments\n"));
        assert!(text.contains("Assignments:\n  0: orders-0,orders-1\n  1: orders-2\n"), "{text}");
    }
}
