//! `kdeck replicate`: the engine headless. Progress lines on a non-TTY
//! stdout, Prometheus metrics on request, and a clean stop on Ctrl-C/SIGTERM
//! (each lane finishes or aborts its open transaction).

pub mod connect_api;
pub mod request;
pub mod rest;
pub mod server;

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::ReplicateArgs;
use crate::config::{self, ClusterArgs, Config};
use crate::engine::plan::{load_plan, Mode};
use crate::engine::status::{EngineState, LaneState};
use crate::engine::{caught_up_on, metrics, EngineHandle};
use crate::error::{Failure, Outcome};

const PROGRESS_EVERY: Duration = Duration::from_secs(5);

pub fn run(config: Config, args: ReplicateArgs, stop: &Arc<AtomicBool>) -> Outcome {
    let mut plan = load_plan(&args.plan).map_err(plan_failure)?;
    plan.check_profiles(&config).map_err(plan_failure)?;
    if let Some(lanes) = args.lanes {
        plan.engine.lanes = lanes as usize;
    }
    if let Some(mode) = &args.mode {
        plan.engine.mode = mode
            .parse::<Mode>()
            .map_err(|_| Failure::usage(format!("invalid --mode {mode:?}: expected exactly-once or at-least-once")))?;
    }
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).map_err(Failure::from)
    };
    let (source, destination) = (resolve(&plan.source)?, resolve(&plan.destination)?);
    let rest_auth = match &args.rest {
        Some(address) => rest::check_bind(address, args.rest_allow_remote, args.rest_user.as_deref())?,
        None => None,
    };
    let identity = (plan.name.clone(), plan.source.clone(), plan.destination.clone(), plan.engine.mode.to_string());
    let timeout = Duration::from_secs(args.timeout_secs);
    let handle = EngineHandle::spawn(plan, source.clone(), destination, timeout);
    let mut status = handle.status();

    if let Some(address) = &args.metrics {
        let status = handle.status();
        let bound = server::serve(address, stop.clone(), move |request| {
            match (request.method.as_str(), request.path.as_str()) {
                ("GET", "/metrics") => request::Response {
                    status: 200,
                    content_type: "text/plain; version=0.0.4",
                    body: metrics::render_prometheus(&status.borrow()),
                },
                _ => request::Response { status: 404, content_type: "text/plain", body: "not found\n".into() },
            }
        })?;
        note(&format!("% metrics at http://{bound}/metrics"));
    }
    if let Some(address) = &args.rest {
        let (name, source, destination, mode) = identity;
        let bound = rest::serve(address, stop.clone(), &handle, |worker_id| connect_api::Connector {
            name,
            worker_id,
            source,
            destination,
            mode,
            auth: rest_auth,
        })?;
        note(&format!("% Connect REST API at http://{bound}/connectors"));
    }

    // Connected now, so the check at the end does not wait for a new client.
    let source_reader = if args.exit_when_caught_up {
        Some(crate::kafka::PartitionReader::connect(&source, timeout, false)?)
    } else {
        None
    };
    handle.start();
    let started = Instant::now();
    let mut copying_since: Option<Duration> = None;
    // The status said caught up at least once (logged once, not every round).
    let mut confirming = false;
    let progress = !std::io::stdout().is_terminal();
    let mut last_progress = Instant::now();
    // Copied only when the engine sends a new status: at 3,000 partitions a
    // clone every round was a visible share of an idle engine's CPU.
    let mut snapshot = status.borrow_and_update().clone();
    let outcome = loop {
        std::thread::sleep(Duration::from_millis(50));
        if stop.load(Ordering::Relaxed) {
            break Ok(());
        }
        if status.has_changed().unwrap_or(false) {
            snapshot = status.borrow_and_update().clone();
        }
        if let EngineState::Failed(message) = &snapshot.state {
            break Err(Failure::runtime(message.clone()));
        }
        let all_copying =
            !snapshot.lanes.is_empty() && snapshot.lanes.iter().all(|lane| lane.state == LaneState::Copying);
        if copying_since.is_none() && all_copying {
            copying_since = Some(started.elapsed());
        }
        if progress && last_progress.elapsed() >= PROGRESS_EVERY {
            if let Err(failure) = print_lines(&[snapshot.progress_line()]) {
                break Err(failure);
            }
            last_progress = Instant::now();
        }
        let not_copied = snapshot.topic_errors();
        if args.exit_when_caught_up && snapshot.state == EngineState::Running && !not_copied.is_empty() {
            // Caught up means every selected topic: one that cannot be copied ends the run now.
            let reasons: Vec<String> = not_copied.iter().map(|(topic, reason)| format!("{topic}: {reason}")).collect();
            break Err(Failure::runtime(format!("cannot catch up: not copied: {}", reasons.join("; "))));
        }
        let caught_up = snapshot.state == EngineState::Running
            && not_copied.is_empty()
            && !snapshot.partitions.is_empty()
            && snapshot.total_lag() == Some(0);
        let confirmed = match &source_reader {
            Some(reader) if caught_up => {
                if !confirming {
                    confirming = true;
                    tracing::debug!(
                        elapsed_ms = started.elapsed().as_millis() as u64,
                        "caught up by the status; confirming"
                    );
                }
                caught_up_on(reader, &snapshot)?
            }
            _ => false,
        };
        if confirmed {
            if progress {
                let caught_up = caught_up_line(snapshot.records_total(), started.elapsed(), copying_since);
                break print_lines(&[snapshot.progress_line(), caught_up]);
            }
            break Ok(());
        }
    };
    handle.shutdown();
    outcome
}

/// How long the start took (until every lane was copying) and how fast
/// the copy ran after it: on a long migration only the second matters.
fn caught_up_line(records: u64, total: Duration, copying_since: Option<Duration>) -> String {
    let start = copying_since.unwrap_or(total);
    let copying = total.saturating_sub(start).as_secs_f64();
    let rate = if copying > 0.0 { records as f64 / copying } else { 0.0 };
    format!(
        "caught-up copied={records} total_s={:.2} start_s={:.2} copying_s={copying:.2} copy_rate={rate:.0}/s",
        total.as_secs_f64(),
        start.as_secs_f64()
    )
}

fn plan_failure(err: crate::engine::plan::PlanError) -> Failure {
    if err.is_usage() {
        Failure::usage(err.to_string())
    } else {
        Failure::runtime(err.to_string())
    }
}

/// Progress lines are the run's output: a closed reader is fine, a full or failing device ends the run.
fn print_lines(lines: &[String]) -> Outcome {
    let mut out = std::io::stdout().lock();
    let written = lines.iter().try_for_each(|line| writeln!(out, "{line}")).and_then(|()| out.flush());
    match written {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Failure::runtime(format!("cannot write to stdout: {err}"))),
    }
}

/// A note on stderr never ends the run: with a full or closed stderr, the note is lost, not the copy.
fn note(text: &str) {
    let _ = writeln!(std::io::stderr(), "{text}");
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::caught_up_line;

    #[test]
    fn the_caught_up_line_times_the_start_and_the_copy_apart() {
        let line = caught_up_line(1_000_000, Duration::from_millis(2500), Some(Duration::from_millis(500)));
        assert_eq!(line, "caught-up copied=1000000 total_s=2.50 start_s=0.50 copying_s=2.00 copy_rate=500000/s");
        // Lanes never all copying at once (a one-record copy): all of it is start, no rate.
        let line = caught_up_line(1, Duration::from_millis(300), None);
        assert_eq!(line, "caught-up copied=1 total_s=0.30 start_s=0.30 copying_s=0.00 copy_rate=0/s");
    }
}
