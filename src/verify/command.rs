//! `kdeck verify --plan PLAN [--topic T]... [--json]`: exit 0 when everything
//! matches (or every difference is explained), 1 on any mismatch, 2 on usage errors.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::config::{self, ClusterArgs, Config, ResolvedCluster};
use crate::engine::plan::{load_plan, Plan, PlanError};
use crate::error::{Failure, Outcome};

use super::explain::Verdict;
use super::plan_run::{verify_plan, VerifyOptions};
use super::read::{default_parallel, Progress};
use super::render::render_text;

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// The migration plan (TOML)
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Only this source topic (repeatable)
    #[arg(long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Print the full report as JSON
    #[arg(long)]
    pub json: bool,
    /// Workers, each reading many partitions with one client per cluster [default: the CPU count, 2 to 8]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=64))]
    pub parallel: Option<u32>,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = crate::cli::seconds)]
    pub timeout_secs: u64,
    /// Schema ids of the copied records: sample (first 1000 per partition, the default when the plan names registries), all, N, off
    #[arg(long, value_name = "COVERAGE")]
    pub schemas: Option<String>,
}

/// The plan, checked against the config, and its two clusters.
pub fn load_plan_and_clusters(
    config: &Config,
    path: &Path,
) -> Result<(Plan, ResolvedCluster, ResolvedCluster), Failure> {
    let plan_failure = |err: PlanError| match err.is_usage() {
        true => Failure::usage(err.to_string()),
        false => Failure::runtime(err.to_string()),
    };
    let plan = load_plan(path).map_err(plan_failure)?;
    plan.check_profiles(config).map_err(plan_failure)?;
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, config).map_err(Failure::from)
    };
    let (source, destination) = (resolve(&plan.source)?, resolve(&plan.destination)?);
    Ok((plan, source, destination))
}

/// The `[connect.NAME]` cluster a Connect `[runner]` names; a name the config
/// does not define is a usage error before anything is read.
pub fn runner_connect(
    config: &Config,
    plan: &Plan,
) -> Result<Option<crate::connect::clusters::ConnectCluster>, Failure> {
    match &plan.runner {
        crate::engine::plan::Runner::Connect { connect, .. } => {
            crate::connect::clusters::resolve_connect(config, connect).map(Some)
        }
        _ => Ok(None),
    }
}

/// `verbose` (the global `-v`) lists every topic not compared, not just their count.
pub fn run(config: Config, args: VerifyArgs, verbose: bool, stop: &Arc<AtomicBool>) -> Outcome {
    let schemas =
        args.schemas.as_deref().map(crate::schemas::verify::parse_coverage).transpose().map_err(Failure::usage)?;
    let (plan, source, destination) = load_plan_and_clusters(&config, &args.plan)?;
    let connect = runner_connect(&config, &plan)?;
    let options = VerifyOptions {
        connect,
        topics: args.topics,
        parallel: args.parallel.map_or_else(default_parallel, |n| n as usize),
        timeout: Duration::from_secs(args.timeout_secs),
        ..VerifyOptions::default()
    };
    let progress = Arc::new(Progress::default());
    let done = Arc::new(AtomicBool::new(false));
    let bar = std::io::stderr().is_terminal().then(|| spawn_bar(progress.clone(), done.clone()));
    let outcome = verify_plan(&plan, &source, &destination, &options, &progress, stop);
    done.store(true, Ordering::Relaxed);
    if let Some(bar) = bar {
        let _ = bar.join();
    }
    let report = outcome?;
    let schema_check = crate::schemas::verify::for_plan(
        &config,
        &plan,
        &destination,
        &report.topics.iter().filter(|t| t.verdict.is_some()).map(|t| t.destination_topic.clone()).collect::<Vec<_>>(),
        schemas,
        Duration::from_secs(args.timeout_secs),
        stop,
    )?;
    let summary = format!(
        "{} ({} topics compared)",
        report.verdict.label(),
        report.topics.iter().filter(|t| t.verdict.is_some()).count()
    );
    let journaled = crate::journal::try_append(&report.plan, "verify", &summary);
    let text = if args.json {
        #[derive(serde::Serialize)]
        struct WithSchemas<'a> {
            #[serde(flatten)]
            report: &'a super::plan_run::VerifyReport,
            #[serde(skip_serializing_if = "Option::is_none")]
            schemas: Option<&'a crate::schemas::verify::SchemaCheck>,
        }
        let both = WithSchemas { report: &report, schemas: schema_check.as_ref() };
        let json = serde_json::to_string_pretty(&both).map_err(|err| Failure::runtime(err.to_string()))?;
        format!("{json}\n")
    } else {
        let mut text = render_text(&report, verbose);
        if let Some(check) = &schema_check {
            text.push_str(&crate::schemas::verify::render(check));
        }
        text
    };
    let mut out = std::io::stdout().lock();
    if let Err(err) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            return Err(Failure::runtime(format!("cannot write to stdout: {err}")));
        }
    }
    if let Err(reason) = journaled {
        return Err(Failure::runtime(format!("{reason}: this verification ({summary}) is not journaled")));
    }
    match report.verdict {
        Verdict::Mismatch => Err(Failure::runtime(format!(
            "verification failed: {} topic(s) of plan {} differ between {} and {}{}",
            report.mismatched_topics(),
            report.plan,
            report.source,
            report.destination,
            super::render::duplicates_summary(&report).map_or_else(String::new, |d| format!("; {d}"))
        ))),
        Verdict::Match | Verdict::Explained => match &schema_check {
            Some(check) if !check.passed() => Err(Failure::runtime(format!(
                "verification failed: {} schema id(s) of plan {} do not resolve to the same schema on {}",
                check.failures(),
                report.plan,
                check.destination_registry
            ))),
            _ => Ok(()),
        },
    }
}

/// A one-line bar on stderr, redrawn until `done`; only started on a TTY.
fn spawn_bar(progress: Arc<Progress>, done: Arc<AtomicBool>) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        let mut err = std::io::stderr();
        while !done.load(Ordering::Relaxed) {
            let _ = write!(err, "\r{}", bar_line(&progress, 30));
            let _ = err.flush();
            std::thread::sleep(Duration::from_millis(200));
        }
        let _ = write!(err, "\r\x1b[2K");
        let _ = err.flush();
    })
}

/// `[#########.....]  62%  620000/1000000 records  7/12 partitions`
pub fn bar_line(progress: &Progress, width: usize) -> String {
    let ratio = progress.ratio();
    let filled = ((ratio * width as f64).round() as usize).min(width);
    format!(
        "[{}{}] {:3}%  {}/{} records  {}/{} partitions",
        "#".repeat(filled),
        ".".repeat(width - filled),
        (ratio * 100.0).floor() as u32,
        progress.records_read.load(Ordering::Relaxed),
        progress.records_expected.load(Ordering::Relaxed),
        progress.partitions_done.load(Ordering::Relaxed),
        progress.partitions_total.load(Ordering::Relaxed),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_fills_with_progress_and_never_overflows() {
        let progress = Progress::default();
        progress.records_expected.store(200, Ordering::Relaxed);
        progress.records_read.store(50, Ordering::Relaxed);
        progress.partitions_total.store(4, Ordering::Relaxed);
        progress.partitions_done.store(1, Ordering::Relaxed);
        assert_eq!(bar_line(&progress, 8), "[##......]  25%  50/200 records  1/4 partitions");
        progress.records_read.store(900, Ordering::Relaxed);
        assert_eq!(bar_line(&progress, 4), "[####] 100%  900/200 records  1/4 partitions");
        let empty = Progress::default();
        assert_eq!(bar_line(&empty, 2), "[..]   0%  0/0 records  0/0 partitions");
    }
}
