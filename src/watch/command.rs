//! `kdeck watch --plan P [--metrics ADDR] [--interval D] [--stall-after D] [--once] [--json]`:
//! the lag of whatever runner copies the plan (its `[runner]`), read from the
//! clusters every interval, printed, and served as Prometheus metrics. Without a
//! plan file, `--source`, `--destination`, `--topics` and one runner flag
//! (`flags.rs`) stand for one.

use std::io::Write;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::config::{ClusterArgs, Config, ResolvedCluster};
use crate::connect::clusters::{resolve_connect, ConnectCluster};
use crate::engine::assignment::TopicPartition;
use crate::engine::plan::{Plan, Runner};
use crate::engine::topics::selected_topics;
use crate::error::{Failure, Outcome};
use crate::kafka::reader::PartitionReader;
use crate::replicate::{request, server};

use super::lag::{summarise, Tracker};
use super::positions::{Position, Positions};
use super::read::{self, SourcePartition};
use super::render::{render_prometheus, render_text, Report};

#[derive(clap::Args)]
pub struct WatchArgs {
    /// The migration plan (TOML); its [runner] says who copies it
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    #[command(flatten)]
    pub runner: super::flags::RunnerFlags,
    /// Serve Prometheus metrics at http://ADDR/metrics
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Time between reads, like 5s or 1m
    #[arg(long, value_name = "DURATION", default_value = "5s", value_parser = interval)]
    pub interval: Duration,
    /// A position that has not moved for this long while its lag is above 0 is stalled
    #[arg(long, value_name = "DURATION", default_value = "3m", value_parser = interval)]
    pub stall_after: Duration,
    /// Read twice, one interval apart, print once and exit (1 when a partition is stalled)
    #[arg(long)]
    pub once: bool,
    /// One JSON object per read instead of the table
    #[arg(long)]
    pub json: bool,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = crate::cli::seconds)]
    pub timeout_secs: u64,
}

fn interval(text: &str) -> Result<Duration, String> {
    match humantime::parse_duration(text) {
        Ok(duration) if duration >= Duration::from_millis(100) && duration <= Duration::from_secs(86_400) => {
            Ok(duration)
        }
        _ => Err("expected a duration from 100ms to 24h, like 5s or 1m".into()),
    }
}

/// Where the runner's positions are, resolved before the first read so a bad
/// `[connect.NAME]` is a usage error at once.
enum Source {
    Kdeck { state_topic: String },
    Replicator { group: String },
    MirrorMaker2 { source_alias: String, offsets_topic: String },
    Connect { cluster: ConnectCluster, connector: String },
}

pub fn run(config: Config, args: WatchArgs, stop: &Arc<AtomicBool>) -> Outcome {
    let (plan, source, destination) = match args.runner.plan(args.plan.as_deref()).map_err(Failure::usage)? {
        Some(flagged) => {
            let resolve = |name: &str| {
                let args = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
                crate::config::resolve_cluster(&args, &config).map_err(Failure::from)
            };
            (flagged.plan, resolve(&flagged.source)?, resolve(&flagged.destination)?)
        }
        None => {
            let path = args.plan.as_deref().unwrap_or(std::path::Path::new(""));
            crate::verify::command::load_plan_and_clusters(&config, path)?
        }
    };
    let runner = super::describe(&plan.runner);
    let from = match plan.runner.clone() {
        Runner::Kdeck => Source::Kdeck { state_topic: plan.state_topic() },
        Runner::Replicator { group } => Source::Replicator { group },
        Runner::MirrorMaker2 { source_alias, offsets_topic } => Source::MirrorMaker2 { source_alias, offsets_topic },
        Runner::Connect { connect, connector } => {
            Source::Connect { cluster: resolve_connect(&config, &connect)?, connector }
        }
    };
    let timeout = Duration::from_secs(args.timeout_secs);
    let stall_ms = args.stall_after.as_millis() as i64;
    let window_ms = (args.interval.as_millis() as i64 * 3).max(60_000);
    let mut tracker = Tracker::new(stall_ms, window_ms);
    let served: Arc<Mutex<(Option<Report>, bool)>> = Arc::new(Mutex::new((None, false)));
    if let Some(address) = &args.metrics {
        let served = served.clone();
        let bound = server::serve(address, stop.clone(), move |request| {
            match (request.method.as_str(), request.path.as_str()) {
                ("GET", "/metrics") => {
                    let guard = served.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    request::Response {
                        status: 200,
                        content_type: crate::engine::metrics::CONTENT_TYPE,
                        body: render_prometheus(guard.0.as_ref(), guard.1),
                    }
                }
                _ => request::Response { status: 404, content_type: "text/plain", body: "not found\n".into() },
            }
        })?;
        let _ = writeln!(std::io::stderr(), "% metrics at http://{bound}/metrics");
    }
    let reader = PartitionReader::connect(&source, timeout, false)?;
    let clusters = (&source, &destination);
    let read_once = |tracker: &mut Tracker| -> Result<Report, Failure> {
        let (sources, positions) = read_all(&plan, &reader, clusters, &from, timeout)?;
        let rows = tracker.observe(&sources, &positions, now_ms());
        Ok(Report { runner: runner.clone(), kind: plan.runner.kind(), summary: summarise(&rows), partitions: rows })
    };
    if args.once {
        read_once(&mut tracker)?;
        if !sleep(args.interval, stop) {
            return Ok(());
        }
        let report = read_once(&mut tracker)?;
        *served.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = (Some(report.clone()), true);
        print(&report, args.json)?;
        let stalled: Vec<String> = report
            .partitions
            .iter()
            .filter(|row| row.state == super::lag::RowState::Stalled)
            .map(|row| format!("{} [{}]", row.topic, row.partition))
            .collect();
        if !stalled.is_empty() {
            return Err(Failure::runtime(format!("runner {runner} is stalled on {}", stalled.join(", "))));
        }
        return Ok(());
    }
    let mut first = true;
    loop {
        let began = Instant::now();
        match read_once(&mut tracker) {
            Ok(report) => {
                *served.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = (Some(report.clone()), true);
                if !first && !args.json && print_raw("\n").is_err() {
                    return Ok(());
                }
                first = false;
                if !print(&report, args.json)? {
                    return Ok(());
                }
            }
            Err(failure) => {
                served.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).1 = false;
                let _ = writeln!(std::io::stderr(), "kdeck: {failure}");
            }
        }
        if !sleep(args.interval.saturating_sub(began.elapsed()), stop) {
            return Ok(());
        }
    }
}

/// The plan's selected source partitions with their watermarks, and the runner's positions on them.
fn read_all(
    plan: &Plan,
    reader: &PartitionReader,
    (source, destination): (&ResolvedCluster, &ResolvedCluster),
    from: &Source,
    timeout: Duration,
) -> Result<(Vec<SourcePartition>, Positions), Failure> {
    let topics: Vec<(String, i32)> = selected_topics(plan, &reader.metadata(None)?).into_iter().collect();
    let sources = read::source_partitions(reader, &topics)?;
    let partitions: Vec<(String, i32)> = sources.iter().map(|p| (p.topic.clone(), p.partition)).collect();
    let positions = match from {
        Source::Kdeck { state_topic } => {
            let state = crate::engine::recovery::read_state(destination, state_topic, timeout)?;
            partitions
                .iter()
                .filter_map(|(topic, partition)| {
                    let committed = state.position(&TopicPartition::new(topic.as_str(), *partition))?;
                    let position = Position {
                        topic: topic.clone(),
                        partition: *partition,
                        next_offset: committed.next_offset,
                        committed_at_ms: None,
                    };
                    Some(((topic.clone(), *partition), position))
                })
                .collect()
        }
        Source::Replicator { group } => read::replicator_positions(source, group, &partitions, timeout)?,
        Source::MirrorMaker2 { source_alias, offsets_topic } => {
            read::mm2_positions(destination, offsets_topic, source_alias, timeout)?
        }
        Source::Connect { cluster, connector } => read::connect_positions(cluster, connector, timeout)?,
    };
    Ok((sources, positions))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// False when stopped first.
fn sleep(duration: Duration, stop: &AtomicBool) -> bool {
    let until = Instant::now() + duration;
    while Instant::now() < until {
        if stop.load(Ordering::Relaxed) {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50).min(until.saturating_duration_since(Instant::now())));
    }
    !stop.load(Ordering::Relaxed)
}

/// False when stdout was closed (`| head`): the watch ends quietly.
fn print(report: &Report, json: bool) -> Result<bool, Failure> {
    let text = if json {
        let mut line = serde_json::to_string(report).map_err(|err| Failure::runtime(err.to_string()))?;
        line.push('\n');
        line
    } else {
        render_text(report)
    };
    match print_raw(&text) {
        Ok(()) => Ok(true),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(false),
        Err(err) => Err(Failure::runtime(format!("cannot write to stdout: {err}"))),
    }
}

fn print_raw(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes()).and_then(|()| out.flush())
}
