//! `kdeck report --plan PLAN --out report.md`: the day's migration recap in
//! Markdown, from facts: the plan, a fresh verification, the cutovers and the
//! engine's history from the journal. Only displayable values are used: a
//! cluster appears as its profile name and bootstrap text, never a property.

pub mod command;

use std::fmt::Write;
use std::time::{Duration, UNIX_EPOCH};

use crate::cutover::plan_run::CutoverResult;
use crate::engine::plan::Plan;
use crate::journal::JournalEvent;
use crate::verify::explain::Verdict;
use crate::verify::plan_run::VerifyReport;

pub struct ClusterSummary {
    pub profile: String,
    /// As [`crate::config::ResolvedCluster::bootstrap`] shows it: reference text, not a secret.
    pub bootstrap: String,
}

pub struct ReportInput<'a> {
    pub plan: &'a Plan,
    pub source: ClusterSummary,
    pub destination: ClusterSummary,
    pub generated_at_ms: i64,
    pub verification: Result<VerifyReport, String>,
    pub journal: Vec<JournalEvent>,
}

pub fn timestamp(at_ms: i64) -> String {
    let time = UNIX_EPOCH + Duration::from_millis(at_ms.max(0) as u64);
    humantime::format_rfc3339_seconds(time).to_string()
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

pub fn render_markdown(input: &ReportInput<'_>) -> String {
    let mut out = String::new();
    let plan = input.plan;
    let _ = writeln!(out, "# Migration report: {}\n", plan.name);
    let _ = writeln!(out, "Generated {} by kdeck {}.\n", timestamp(input.generated_at_ms), env!("CARGO_PKG_VERSION"));

    let _ = writeln!(out, "## Clusters and plan\n");
    let _ = writeln!(out, "| role | profile | bootstrap |\n|---|---|---|");
    for (role, cluster) in [("source", &input.source), ("destination", &input.destination)] {
        let _ = writeln!(out, "| {role} | {} | {} |", cell(&cluster.profile), cell(&cluster.bootstrap));
    }
    let _ = writeln!(out);
    let includes: Vec<&str> = plan.topics.include_patterns().collect();
    let excludes: Vec<&str> = plan.topics.exclude_patterns().collect();
    let _ = writeln!(out, "- plan file: `{}`", plan.path.display());
    let _ = writeln!(
        out,
        "- topics: include `{}`, exclude `{}`, rename `{}`",
        includes.join("`, `"),
        excludes.join("`, `"),
        plan.topics.rename_template()
    );
    let _ = writeln!(
        out,
        "- engine: {} mode, {} lane(s), provenance {}\n",
        plan.engine.mode,
        plan.engine.lanes,
        if plan.engine.provenance { "on" } else { "off" }
    );

    render_topics(&mut out, &input.verification);

    let _ = writeln!(out, "## ACL checks\n");
    let _ = writeln!(out, "The plan lists no applications, so no ACL checks were run for it.\n");

    render_cutovers(&mut out, &input.journal);

    let _ = writeln!(out, "## Engine history\n");
    let history: Vec<&JournalEvent> =
        input.journal.iter().filter(|e| !matches!(e.kind.as_str(), "cutover" | "verify")).collect();
    if history.is_empty() {
        let _ = writeln!(out, "No engine events were journaled for this plan on this machine.");
    } else {
        let _ = writeln!(out, "| time (UTC) | event | detail |\n|---|---|---|");
        for event in history {
            let _ = writeln!(out, "| {} | {} | {} |", timestamp(event.at_ms), cell(&event.kind), cell(&event.detail));
        }
    }
    out
}

fn render_topics(out: &mut String, verification: &Result<VerifyReport, String>) {
    let _ = writeln!(out, "## Topics\n");
    let report = match verification {
        Ok(report) => report,
        Err(reason) => {
            let _ = writeln!(out, "Verification could not run: {}\n", cell(reason));
            return;
        }
    };
    let _ = writeln!(out, "Verification: **{}**.\n", report.verdict.label());
    let _ = writeln!(
        out,
        "| topic | destination | source records | destination records | verification | duplicates | lag |\n|---|---|---:|---:|---|---:|---:|"
    );
    for topic in report.topics.iter().filter(|t| t.verdict.is_some()) {
        let verdict = topic.verdict.unwrap_or(Verdict::Mismatch);
        let status = if let Some(counts) = &topic.partition_counts {
            format!("✗ {counts}")
        } else if topic.missing_on_destination {
            "✗ missing on the destination".to_string()
        } else {
            format!("{} {}", verdict.symbol(), verdict.label())
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {status} | {} | {} |",
            cell(&topic.topic),
            cell(&topic.destination_topic),
            topic.source_records,
            topic.destination_records,
            topic.duplicates,
            topic.lag
        );
    }
    let _ = writeln!(out);
    let notes: Vec<String> = report
        .topics
        .iter()
        .flat_map(|t| {
            t.partitions.iter().filter(|p| p.verdict != Verdict::Match).flat_map(move |p| {
                let first = p.diff.first_mismatch().map(crate::verify::render::describe);
                p.notes.iter().cloned().chain(first).map(move |note| format!("{} [{}]: {note}", t.topic, p.partition))
            })
        })
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "Differences and their explanations:\n");
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
        let _ = writeln!(out);
    }
    let excluded: Vec<String> =
        report.topics.iter().filter_map(|t| Some(format!("`{}` ({})", t.topic, t.excluded.as_deref()?))).collect();
    if !excluded.is_empty() {
        let _ = writeln!(out, "Not migrated: {}.\n", excluded.join(", "));
    }
}

fn render_cutovers(out: &mut String, journal: &[JournalEvent]) {
    let _ = writeln!(out, "## Consumer group cutovers\n");
    let cutovers: Vec<(i64, CutoverResult)> = journal
        .iter()
        .filter(|e| e.kind == "cutover")
        .filter_map(|e| Some((e.at_ms, serde_json::from_str(&e.detail).ok()?)))
        .collect();
    if cutovers.is_empty() {
        let _ = writeln!(out, "No group was cut over (`kdeck cutover --apply`) for this plan on this machine.\n");
        return;
    }
    let _ = writeln!(out, "| time (UTC) | group | result | partitions | methods |\n|---|---|---|---:|---|");
    for (at_ms, result) in cutovers {
        let outcome = match (&result.refused, result.applied) {
            (_, true) => "applied".to_string(),
            (Some(reason), false) => format!("refused: {reason}"),
            (None, false) => "not applied".to_string(),
        };
        let mut methods: Vec<&str> = result.partitions.iter().map(|r| r.method.label()).collect();
        methods.sort_unstable();
        methods.dedup();
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            timestamp(at_ms),
            cell(&result.group),
            cell(&outcome),
            result.partitions.len(),
            methods.join(", ")
        );
    }
    let _ = writeln!(out);
}
