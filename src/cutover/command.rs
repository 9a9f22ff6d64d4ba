//! `kdeck cutover --plan PLAN --group G [--apply] [--force] [--json]`: a dry
//! run by default; `--apply` commits the translated offsets to the group on
//! the destination, after refusing a group with live members there or a
//! partition with replication lag (`--force` overrides lag only).

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Config, ResolvedCluster};
use crate::engine::plan::Plan;
use crate::error::{Failure, Outcome};
use crate::kafka::group_offsets::{commit_group_offsets, group_members};
use crate::verify::command::load_plan_and_clusters;

use super::plan_run::{translate_group_with, CutoverResult};
use super::translate::{refusal, Method};
use crate::connect::clusters::ConnectCluster;

#[derive(clap::Args)]
pub struct CutoverArgs {
    /// The migration plan (TOML)
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// The consumer group to move (its name on both clusters)
    #[arg(long, value_name = "GROUP")]
    pub group: String,
    /// Commit the translated offsets to the group on the destination (default: dry run)
    #[arg(long)]
    pub apply: bool,
    /// Apply even though replication lag is not 0 (never overrides live members)
    #[arg(long)]
    pub force: bool,
    /// Print the result as JSON
    #[arg(long)]
    pub json: bool,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = crate::cli::seconds)]
    pub timeout_secs: u64,
}

pub fn run(config: Config, args: CutoverArgs) -> Outcome {
    if args.group.trim().is_empty() {
        return Err(Failure::usage("--group: expected a consumer group name, got an empty string"));
    }
    let (plan, source, destination) = load_plan_and_clusters(&config, &args.plan)?;
    let timeout = Duration::from_secs(args.timeout_secs);
    let request = GroupCutover { group: &args.group, apply: args.apply, force: args.force, timeout };
    let connect = crate::verify::command::runner_connect(&config, &plan)?;
    let result = cutover_group_with(&plan, &source, &destination, &request, connect.as_ref())?;
    let refused = result.refused.clone();
    let text = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&result).map_err(|err| Failure::runtime(err.to_string()))?)
    } else {
        render_text(&result, args.apply)
    };
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match (args.apply, refused) {
        (true, Some(reason)) => Err(Failure::runtime(reason)),
        _ => Ok(()),
    }
}

/// One group's cutover, as `kdeck cutover` and the cockpit's groups view ask for it.
pub struct GroupCutover<'a> {
    pub group: &'a str,
    pub apply: bool,
    /// Overrides the lag refusal only; never the live-members one.
    pub force: bool,
    pub timeout: Duration,
}

/// Translates the group's offsets and, when `apply` and nothing refuses,
/// commits them to the destination. An apply attempt is journaled, refused or not.
pub fn cutover_group(
    plan: &Plan,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    request: &GroupCutover<'_>,
) -> Result<CutoverResult, Failure> {
    cutover_group_with(plan, source, destination, request, None)
}

/// [`cutover_group`] with the `[connect.NAME]` cluster of a Connect `[runner]`.
pub fn cutover_group_with(
    plan: &Plan,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    request: &GroupCutover<'_>,
    connect: Option<&ConnectCluster>,
) -> Result<CutoverResult, Failure> {
    let GroupCutover { group, apply, force, timeout } = *request;
    let rows = translate_group_with(plan, source, destination, group, timeout, connect)?;
    let lags: Vec<_> = rows.iter().map(|r| (r.topic.clone(), r.partition, r.lag)).collect();
    // Lag first: it needs no request. Members are asked only before a commit.
    let lag_refusal = refusal(group, &plan.destination, &lags, Ok(0), force);
    let refused = match (&lag_refusal, apply) {
        (None, true) => {
            let members = group_members(destination, group, timeout).map_err(|err| err.to_string());
            refusal(group, &plan.destination, &[], members, force)
        }
        _ => lag_refusal,
    };
    let mut result = CutoverResult {
        plan: plan.name.clone(),
        group: group.to_owned(),
        source: plan.source.clone(),
        destination: plan.destination.clone(),
        applied: false,
        refused: refused.clone(),
        partitions: rows,
    };
    if apply && refused.is_none() {
        // A cutover the report cannot tell about must not happen.
        crate::journal::check_writable(&plan.name).map_err(|reason| {
            Failure::runtime(format!(
                "{reason}; nothing committed for group {group}: the cutover must be journaled (set KDECK_JOURNAL_DIR to a writable directory)"
            ))
        })?;
        let offsets: Vec<_> = result
            .partitions
            .iter()
            .map(|r| (r.destination_topic.clone(), r.partition, r.destination_offset))
            .collect();
        commit_group_offsets(destination, group, &offsets, timeout)?;
        result.applied = true;
    }
    if apply {
        // Refused attempts too: the report tells what was tried and why it did not happen.
        let entry = serde_json::to_string(&result).unwrap_or_default();
        crate::journal::try_append(&plan.name, "cutover", &entry).map_err(|reason| match result.applied {
            true => Failure::runtime(format!(
                "{reason}: the offsets of group {group} were committed, but the cutover is not journaled"
            )),
            false => Failure::runtime(format!("{reason}: the refused cutover of group {group} is not journaled")),
        })?;
    }
    Ok(result)
}

pub fn render_text(result: &CutoverResult, apply: bool) -> String {
    let mut out = String::new();
    let mode = if result.applied { "applied" } else { "dry run" };
    let _ = writeln!(out, "cutover group {}: {} -> {} ({mode})", result.group, result.source, result.destination);
    let width = result.partitions.iter().map(|r| r.topic.len() + 4 + digits(r.partition)).max().unwrap_or(9).max(9);
    let _ = writeln!(
        out,
        "{:width$}  {:>16}  {:>18}  {:24}  lag",
        "partition", "source committed", "destination offset", "method"
    );
    for row in &result.partitions {
        let name = format!("{} [{}]", row.topic, row.partition);
        let lag = row.lag.map_or_else(|| "?".to_string(), |l| l.to_string());
        let _ = writeln!(
            out,
            "{name:width$}  {:>16}  {:>18}  {:24}  {lag}",
            row.source_committed,
            row.destination_offset,
            row.method.label()
        );
    }
    let approximate = result.partitions.iter().filter(|r| r.method == Method::Timestamp).count();
    if approximate > 0 {
        let _ = writeln!(
            out,
            "approximate: {approximate} of {} partitions translated by timestamp (their copies name no source offset); a consumer there may read some records again, and skips none as long as timestamps rise with offsets",
            result.partitions.len()
        );
    }
    match (&result.refused, result.applied, apply) {
        (Some(reason), _, true) => {
            let _ = writeln!(out, "not applied: {reason}");
        }
        (Some(reason), _, false) => {
            let _ = writeln!(out, "--apply would refuse: {reason}");
        }
        (None, false, false) => {
            let _ = writeln!(
                out,
                "dry run: nothing committed; --apply checks the group has no members on {} and commits these offsets",
                result.destination
            );
        }
        (None, true, _) => {
            let _ = writeln!(
                out,
                "committed {} offsets for group {} on {}",
                result.partitions.len(),
                result.group,
                result.destination
            );
        }
        (None, false, _) => {
            let _ = writeln!(
                out,
                "dry run: nothing committed; --apply commits these offsets to group {} on {}",
                result.group, result.destination
            );
        }
    }
    out
}

fn digits(n: i32) -> usize {
    n.to_string().len()
}
