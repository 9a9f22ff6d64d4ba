//! The migration's journal: one JSON line per event (engine starts, rescales,
//! errors, pauses, cutovers, verifications) in a local file per plan, so the
//! day's report can be written from facts instead of memory. Appends are best
//! effort: a journal that cannot be written is logged, never a failure.
//!
//! `$KDECK_JOURNAL_DIR`, else `$XDG_STATE_HOME/kdeck/journal`, else
//! `~/.local/state/kdeck/journal`; the file is `<plan name>.jsonl`.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEvent {
    /// Milliseconds since the Unix epoch.
    pub at_ms: i64,
    /// `engine-start`, `rescale`, `error`, `pause`, `resume`, `cutover`, `verify`, ...
    pub kind: String,
    pub detail: String,
}

/// Off until the binary turns it on: the library's users (tests, embedders)
/// never write into the user's state directory by surprise.
static ENABLED: AtomicBool = AtomicBool::new(false);

pub fn enable() {
    ENABLED.store(true, Ordering::Relaxed);
}

pub fn journal_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("KDECK_JOURNAL_DIR") {
        return Some(PathBuf::from(dir));
    }
    let state = std::env::var_os("XDG_STATE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".local/state")))?;
    Some(state.join("kdeck").join("journal"))
}

pub fn journal_path(plan: &str) -> Option<PathBuf> {
    journal_dir().map(|dir| dir.join(format!("{plan}.jsonl")))
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// Appends an event stamped now. The detail passes the secret scrubber first.
pub fn append(plan: &str, kind: &str, detail: &str) {
    if let Err(err) = try_append(plan, kind, detail) {
        tracing::warn!(error = %err, "cannot append to the journal");
    }
}

/// As [`append`], for callers whose result must not exist without its entry.
pub fn try_append(plan: &str, kind: &str, detail: &str) -> Result<(), String> {
    if !ENABLED.load(Ordering::Relaxed) {
        return Ok(());
    }
    let event =
        JournalEvent { at_ms: now_ms(), kind: kind.to_string(), detail: crate::config::scrub(detail).into_owned() };
    let line = serde_json::to_string(&event).map_err(|err| err.to_string())?;
    write_line(plan, Some(&line))
}

/// Whether the plan's journal can be appended to, checked by opening it for append.
pub fn check_writable(plan: &str) -> Result<(), String> {
    if !ENABLED.load(Ordering::Relaxed) {
        return Ok(());
    }
    write_line(plan, None)
}

fn write_line(plan: &str, line: Option<&str>) -> Result<(), String> {
    let Some(path) = journal_path(plan) else {
        return Err("no journal directory: neither KDECK_JOURNAL_DIR, XDG_STATE_HOME nor HOME is set".into());
    };
    let written = (|| -> std::io::Result<()> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(&path)?;
        match line {
            Some(line) => writeln!(file, "{line}"),
            None => Ok(()),
        }
    })();
    written.map_err(|err| format!("cannot write the journal {}: {err}", path.display()))
}

/// The engine's history: starts, stops, rescales, pauses, lane errors, fences.
pub fn engine_event(plan: &str, event: &crate::engine::status::EngineEventKind) {
    use crate::engine::status::EngineEventKind as Kind;
    let (kind, detail) = match event {
        Kind::Started { lanes } => ("engine-start", format!("{lanes} lane(s)")),
        Kind::Stopped => ("engine-stop", String::new()),
        Kind::Rescaled { from, to } => ("rescale", format!("{from} -> {to} lanes")),
        Kind::Paused { topic } => ("pause", topic.clone()),
        Kind::Resumed { topic } => ("resume", topic.clone()),
        Kind::LaneError { lane, error } => ("error", format!("lane {lane}: {error}")),
        Kind::TopicAdded { topic } => ("topic-added", topic.clone()),
        Kind::TopicFailed { topic, reason } => ("topic-error", format!("{topic}: {reason}")),
        Kind::Fenced { lane } => ("fenced", format!("lane {lane}")),
    };
    append(plan, kind, &detail);
}

/// Every event of the plan's journal in file order; unreadable lines are skipped.
pub fn read(plan: &str) -> Vec<JournalEvent> {
    let Some(path) = journal_path(plan) else { return Vec::new() };
    let Ok(text) = std::fs::read_to_string(path) else { return Vec::new() };
    parse(&text)
}

pub fn parse(text: &str) -> Vec<JournalEvent> {
    text.lines().filter_map(|line| serde_json::from_str(line).ok()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_skips_garbage_and_keeps_order() {
        let text = "{\"at_ms\":1,\"kind\":\"engine-start\",\"detail\":\"4 lanes\"}\nnot json\n\n{\"at_ms\":2,\"kind\":\"rescale\",\"detail\":\"4 -> 8\",\"extra\":1}\n";
        let events = parse(text);
        assert_eq!(events.len(), 2);
        assert_eq!((events[0].kind.as_str(), events[1].detail.as_str()), ("engine-start", "4 -> 8"));
    }
}
