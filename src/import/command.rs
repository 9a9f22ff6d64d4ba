//! `kdeck import FILE...`: reads the files, writes (or prints) profiles and a plan,
//! and lists on stderr the variables to set and what was not translated.

use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Args;

use super::{import, render_plan, render_profiles};
use crate::error::{Failure, Outcome};

#[derive(Args)]
pub struct ImportArgs {
    /// Replicator or MirrorMaker 2 connector JSON, MM2 properties, Connect worker or client properties
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Write the [clusters.NAME] profiles here instead of stdout (never overwrites)
    #[arg(long, value_name = "FILE")]
    pub profiles_out: Option<PathBuf>,
    /// Write the plan here instead of stdout (never overwrites)
    #[arg(long, value_name = "FILE")]
    pub plan_out: Option<PathBuf>,
}

pub fn run(args: &ImportArgs) -> Outcome {
    for out in [&args.profiles_out, &args.plan_out].into_iter().flatten() {
        if out.exists() {
            return Err(Failure::usage(format!(
                "{}: already exists; kdeck import never overwrites a file (name a new one)",
                out.display()
            )));
        }
    }
    let mut inputs = Vec::new();
    for path in &args.files {
        let text = std::fs::read_to_string(path)
            .map_err(|err| Failure::runtime(format!("{}: cannot read ({err})", path.display())))?;
        inputs.push((path.display().to_string(), text));
    }
    let imported = import(&inputs).map_err(Failure::usage)?;
    let mut stdout = String::new();
    let profiles = render_profiles(&imported.profiles);
    match &args.profiles_out {
        Some(path) => write_new(path, &profiles)?,
        None => stdout.push_str(&profiles),
    }
    match (&imported.plan, &args.plan_out) {
        (Some(plan), Some(path)) => write_new(path, &render_plan(plan))?,
        (Some(plan), None) => stdout.push_str(&format!("\n# ---- plan ----\n{}", render_plan(plan))),
        (None, Some(path)) => {
            return Err(Failure::usage(format!(
                "--plan-out {}: no input was a connector or an MM2 file, so there is no plan to write",
                path.display()
            )))
        }
        (None, None) => {}
    }
    let _ = std::io::stdout().write_all(stdout.as_bytes());
    let mut stderr = std::io::stderr().lock();
    let _ = writeln!(stderr, "kdeck: imported {} profile(s){}", imported.profiles.len(), written(args));
    for variable in &imported.variables {
        let _ = writeln!(stderr, "kdeck: set {variable}");
    }
    for note in &imported.not_needed {
        let _ = writeln!(stderr, "kdeck: not needed: {note}");
    }
    for note in &imported.untranslated {
        let _ = writeln!(stderr, "kdeck: NOT TRANSLATED: {note}");
    }
    match imported.untranslated.len() {
        0 => Ok(()),
        count => Err(Failure::runtime(format!(
            "{count} setting(s) were not translated (listed above); the profiles and plan were written without them"
        ))),
    }
}

fn written(args: &ImportArgs) -> String {
    let files: Vec<String> =
        [&args.profiles_out, &args.plan_out].into_iter().flatten().map(|path| path.display().to_string()).collect();
    match files.is_empty() {
        true => String::new(),
        false => format!(", written to {}", files.join(" and ")),
    }
}

fn write_new(path: &Path, text: &str) -> Outcome {
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|err| Failure::runtime(format!("{}: cannot create ({err})", path.display())))?;
    file.write_all(text.as_bytes()).map_err(|err| Failure::runtime(format!("{}: cannot write ({err})", path.display())))
}
