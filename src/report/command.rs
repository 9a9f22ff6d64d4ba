//! `kdeck report --plan PLAN --out FILE`.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use crate::config::Config;
use crate::error::{Failure, Outcome};
use crate::verify::command::load_plan_and_clusters;
use crate::verify::plan_run::{verify_plan, VerifyOptions};
use crate::verify::read::Progress;

use super::{render_markdown, ClusterSummary, ReportInput};

#[derive(clap::Args)]
pub struct ReportArgs {
    /// The migration plan (TOML)
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Where to write the Markdown report
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = crate::cli::seconds)]
    pub timeout_secs: u64,
}

pub fn run(config: Config, args: ReportArgs, stop: &Arc<AtomicBool>) -> Outcome {
    let (plan, source, destination) = load_plan_and_clusters(&config, &args.plan)?;
    let options = VerifyOptions { timeout: Duration::from_secs(args.timeout_secs), ..VerifyOptions::default() };
    // A failed verification is part of the report, not the end of it.
    let verification = verify_plan(&plan, &source, &destination, &options, &Progress::default(), stop)
        .map_err(|failure| failure.to_string());
    let unproduced = verification.as_ref().err().cloned();
    let input = ReportInput {
        plan: &plan,
        source: ClusterSummary { profile: plan.source.clone(), bootstrap: source.bootstrap().to_string() },
        destination: ClusterSummary {
            profile: plan.destination.clone(),
            bootstrap: destination.bootstrap().to_string(),
        },
        generated_at_ms: crate::journal::now_ms(),
        verification,
        journal: crate::journal::read(&plan.name),
    };
    let text = crate::config::scrub(&render_markdown(&input)).into_owned();
    std::fs::write(&args.out, text)
        .map_err(|err| Failure::runtime(format!("cannot write the report to {}: {err}", args.out.display())))?;
    // The file says why the section is missing; the exit code must say it too.
    match unproduced {
        Some(reason) => Err(Failure::runtime(format!(
            "report written to {}, but its Topics section could not be produced: {}",
            args.out.display(),
            crate::config::scrub(&reason)
        ))),
        None => Ok(()),
    }
}
