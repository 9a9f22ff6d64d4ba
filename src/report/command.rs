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
    let options = VerifyOptions {
        timeout: Duration::from_secs(args.timeout_secs),
        connect: crate::verify::command::runner_connect(&config, &plan)?,
        ..VerifyOptions::default()
    };
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
    let mut text = render_markdown(&input);
    // The schema check, when the plan names registries: its own section, its own failure.
    let verified_topics: Vec<String> = input
        .verification
        .as_ref()
        .map(|report| {
            report.topics.iter().filter(|t| t.verdict.is_some()).map(|t| t.destination_topic.clone()).collect()
        })
        .unwrap_or_default();
    let timeout = Duration::from_secs(args.timeout_secs);
    let schemas = crate::schemas::verify::for_plan(&config, &plan, &destination, &verified_topics, None, timeout, stop)
        .map_err(|failure| failure.to_string())
        .transpose();
    if let Some(check) = &schemas {
        text.push_str(&crate::schemas::verify::render_markdown(check));
    }
    let text = crate::config::scrub(&text).into_owned();
    std::fs::write(&args.out, text)
        .map_err(|err| Failure::runtime(format!("cannot write the report to {}: {err}", args.out.display())))?;
    // The file says why a section is missing; the exit code must say it too.
    if let Some(Err(reason)) = &schemas {
        return Err(Failure::runtime(format!(
            "report written to {}, but its Schemas section could not be produced: {}",
            args.out.display(),
            crate::config::scrub(reason)
        )));
    }
    match unproduced {
        Some(reason) => Err(Failure::runtime(format!(
            "report written to {}, but its Topics section could not be produced: {}",
            args.out.display(),
            crate::config::scrub(&reason)
        ))),
        None => Ok(()),
    }
}
