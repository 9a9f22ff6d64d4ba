//! `kdeck schemas diff --plan P` and `kdeck schemas copy --plan P [--apply]`.

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::Config;
use crate::error::{Failure, Outcome};

use super::migrate::{self, CopyReport, SubjectDiff, VersionState};

#[derive(clap::Args)]
pub struct SchemasArgs {
    #[command(subcommand)]
    pub command: SchemasCommand,
}

#[derive(clap::Subcommand)]
pub enum SchemasCommand {
    /// Per subject: versions, ids, schema types and compatibility on both registries, and what differs
    Diff(PlanArgs),
    /// Copy subjects, versions and compatibility to the destination registry, preserving ids (dry run unless --apply)
    Copy(CopyArgs),
}

#[derive(clap::Args)]
pub struct PlanArgs {
    /// The migration plan (TOML); its [schemas] section names the registries and subjects
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = crate::cli::seconds)]
    pub timeout_secs: u64,
}

#[derive(clap::Args)]
pub struct CopyArgs {
    #[command(flatten)]
    pub plan: PlanArgs,
    /// Change the destination registry (without it, only say what would change)
    #[arg(long)]
    pub apply: bool,
}

pub fn run(config: Config, args: SchemasArgs) -> Outcome {
    let plan_args = match &args.command {
        SchemasCommand::Diff(plan) => plan,
        SchemasCommand::Copy(copy) => &copy.plan,
    };
    let (plan, _, _) = crate::verify::command::load_plan_and_clusters(&config, &plan_args.plan)?;
    let timeout = Duration::from_secs(plan_args.timeout_secs);
    let (source, destination, pairs) = super::plan::open(&config, &plan, timeout)?;
    let diffs = migrate::diff(&source, &destination, &pairs)?;
    let mut text = render_diff(source.shown(), destination.shown(), &diffs);
    match args.command {
        SchemasCommand::Diff(_) => {
            print(&text)?;
            // As `diff(1)` and `kdeck verify`: a difference is exit 1, so scripts can gate on it.
            match differences(&diffs) {
                0 => Ok(()),
                n => Err(Failure::runtime(format!(
                    "schemas differ: {n} subject(s) are not the same on {} and {}",
                    source.shown(),
                    destination.shown()
                ))),
            }
        }
        SchemasCommand::Copy(copy) => {
            let outcome = migrate::copy(&destination, &diffs, copy.apply);
            if let Ok(report) = &outcome {
                text.push_str(&render_copy(report, copy.apply));
            }
            print(&text)?;
            let report = outcome.map_err(Failure::runtime)?;
            if copy.apply {
                let summary = format!("{} versions registered with their ids", report.registered.len());
                if let Err(reason) = crate::journal::try_append(&plan.name, "schemas copy", &summary) {
                    return Err(Failure::runtime(format!("{reason}: this copy ({summary}) is not journaled")));
                }
            }
            Ok(())
        }
    }
}

fn print(text: &str) -> Outcome {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(err) if err.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::runtime(format!("cannot write to stdout: {err}")))
        }
        _ => Ok(()),
    }
}

/// Subjects whose sides do not agree: a version missing or in conflict, a
/// version only the destination has, or a different compatibility level.
pub fn differences(diffs: &[SubjectDiff]) -> usize {
    diffs
        .iter()
        .filter(|diff| {
            diff.compatibility_differs()
                || !diff.destination_only.is_empty()
                || diff.versions.iter().any(|v| v.state != VersionState::Same)
        })
        .count()
}

fn state_text(state: &VersionState) -> String {
    match state {
        VersionState::Same => "same".into(),
        VersionState::Missing => "missing on the destination".into(),
        VersionState::IdConflict => "CONFLICT: the destination holds a different schema under this id".into(),
        VersionState::VersionTaken { destination_id } => {
            format!("CONFLICT: the destination has this version under id {destination_id}")
        }
    }
}

pub fn render_diff(source: &str, destination: &str, diffs: &[SubjectDiff]) -> String {
    let mut out = format!("schemas: {source} -> {destination}\n");
    if diffs.is_empty() {
        out.push_str("no subjects: the source registry has no <topic>-key/-value subject for the plan's topics\n");
    }
    let (mut same, mut missing, mut conflicts, mut compatibility) = (0, 0, 0, 0);
    for diff in diffs {
        let level = |l: &Option<String>| l.clone().unwrap_or_else(|| "(global)".into());
        let name = if diff.pair.source == diff.pair.destination {
            diff.pair.source.clone()
        } else {
            format!("{} -> {}", diff.pair.source, diff.pair.destination)
        };
        out.push_str(&format!(
            "{name}  compatibility {} / {}{}\n",
            level(&diff.source_compatibility),
            level(&diff.destination_compatibility),
            if diff.compatibility_differs() { "  DIFFERS" } else { "" }
        ));
        if diff.compatibility_differs() {
            compatibility += 1;
        }
        for version in &diff.versions {
            out.push_str(&format!(
                "  version {:<3} id {:<6} {:<8} {}\n",
                version.source.version,
                version.source.id,
                version.source.schema.schema_type.wire_name(),
                state_text(&version.state)
            ));
            match version.state {
                VersionState::Same => same += 1,
                VersionState::Missing => missing += 1,
                _ => conflicts += 1,
            }
        }
        if !diff.destination_only.is_empty() {
            let list: Vec<String> = diff.destination_only.iter().map(i32::to_string).collect();
            out.push_str(&format!("  only on the destination: version {}\n", list.join(", ")));
        }
    }
    out.push_str(&format!(
        "{} subject(s): {same} version(s) the same, {missing} missing, {conflicts} conflicting; compatibility differs on {compatibility}\n",
        diffs.len()
    ));
    out
}

fn render_copy(report: &CopyReport, applied: bool) -> String {
    let verb = if applied { "registered" } else { "would register" };
    let mut out = String::new();
    for (subject, version, id) in &report.registered {
        out.push_str(&format!("{verb} {subject} version {version} with id {id} (IMPORT mode)\n"));
    }
    for (subject, level) in &report.compatibility {
        let verb = if applied { "set" } else { "would set" };
        out.push_str(&format!("{verb} compatibility of {subject} to {level}\n"));
    }
    if report.registered.is_empty() && report.compatibility.is_empty() {
        out.push_str("nothing to copy: the destination already has every version under the same id\n");
    } else if !applied {
        out.push_str("dry run: nothing was changed; rerun with --apply to copy\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schemas::migrate::{SubjectPair, VersionDiff};
    use crate::schemas::registry::{RegisteredSchema, SchemaType, SubjectVersion};

    fn version(version: i32, id: u32, state: VersionState) -> VersionDiff {
        let schema =
            RegisteredSchema { schema: "\"string\"".into(), schema_type: SchemaType::Avro, references: vec![] };
        VersionDiff { source: SubjectVersion { subject: "orders-value".into(), version, id, schema }, state }
    }

    #[test]
    fn diff_lists_versions_ids_types_and_compatibility() {
        let diffs = vec![SubjectDiff {
            pair: SubjectPair { source: "orders-value".into(), destination: "orders-value".into() },
            versions: vec![
                version(1, 1, VersionState::Same),
                version(2, 4, VersionState::Missing),
                version(3, 9, VersionState::IdConflict),
            ],
            destination_only: vec![7],
            source_compatibility: Some("FULL".into()),
            destination_compatibility: None,
        }];
        assert_eq!(
            render_diff("http://a", "http://b", &diffs),
            "schemas: http://a -> http://b\n\
             orders-value  compatibility FULL / (global)  DIFFERS\n\
             \x20 version 1   id 1      AVRO     same\n\
             \x20 version 2   id 4      AVRO     missing on the destination\n\
             \x20 version 3   id 9      AVRO     CONFLICT: the destination holds a different schema under this id\n\
             \x20 only on the destination: version 7\n\
             1 subject(s): 1 version(s) the same, 1 missing, 1 conflicting; compatibility differs on 1\n"
        );
    }

    #[test]
    fn differences_count_subjects_that_do_not_agree() {
        let subject = |versions: Vec<VersionDiff>, only: Vec<i32>, compatibility: Option<&str>| SubjectDiff {
            pair: SubjectPair { source: "orders-value".into(), destination: "orders-value".into() },
            versions,
            destination_only: only,
            source_compatibility: compatibility.map(String::from),
            destination_compatibility: None,
        };
        assert_eq!(differences(&[]), 0);
        assert_eq!(differences(&[subject(vec![version(1, 1, VersionState::Same)], vec![], None)]), 0);
        assert_eq!(differences(&[subject(vec![version(1, 1, VersionState::Missing)], vec![], None)]), 1);
        assert_eq!(differences(&[subject(vec![version(1, 1, VersionState::Same)], vec![2], None)]), 1);
        assert_eq!(differences(&[subject(vec![version(1, 1, VersionState::Same)], vec![], Some("FULL"))]), 1);
    }

    #[test]
    fn copy_report_says_dry_run_or_nothing_to_do() {
        let report = CopyReport { registered: vec![("orders-value".into(), 2, 4)], compatibility: vec![] };
        assert_eq!(
            render_copy(&report, false),
            "would register orders-value version 2 with id 4 (IMPORT mode)\ndry run: nothing was changed; rerun with --apply to copy\n"
        );
        assert_eq!(
            render_copy(&CopyReport::default(), true),
            "nothing to copy: the destination already has every version under the same id\n"
        );
    }
}
