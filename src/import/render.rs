//! Imported profiles and plan as the TOML kdeck reads.

use std::fmt::Write as _;

use super::{ImportedPlan, ImportedProfile};
use crate::config::{toml_key, toml_quote};

/// `[clusters.NAME]` sections; every secret is already a reference.
pub fn render_profiles(profiles: &[ImportedProfile]) -> String {
    let mut text = String::from("# Written by kdeck import. Secrets are ${env:..} or ${file:..} references.\n");
    for profile in profiles {
        let _ =
            write!(text, "\n[clusters.{}]\nbootstrap = {}\n", toml_key(&profile.name), toml_quote(&profile.bootstrap));
        for (key, value) in &profile.properties {
            let _ = writeln!(text, "{} = {}", toml_quote(key), toml_quote(value));
        }
    }
    text
}

/// A plan file; settings left `None` keep kdeck's defaults and are not written.
pub fn render_plan(plan: &ImportedPlan) -> String {
    let mut text = String::from("# Written by kdeck import.\n");
    let list = |items: &[String]| items.iter().map(|item| toml_quote(item)).collect::<Vec<_>>().join(", ");
    let _ = writeln!(text, "name = {}", toml_quote(&plan.name));
    let _ = writeln!(text, "source = {}", toml_quote(&plan.source));
    let _ = writeln!(text, "destination = {}", toml_quote(&plan.destination));
    text.push_str("\n[topics]\n");
    if !plan.include.is_empty() {
        let _ = writeln!(text, "include = [{}]", list(&plan.include));
    }
    if !plan.exclude.is_empty() {
        let _ = writeln!(text, "exclude = [{}]", list(&plan.exclude));
    }
    if let Some(rename) = &plan.rename {
        let _ = writeln!(text, "rename = {}", toml_quote(rename));
    }
    let mut engine = String::new();
    if let Some(lanes) = plan.lanes {
        let _ = writeln!(engine, "lanes = {lanes}");
    }
    if let Some(mode) = plan.mode {
        let _ = writeln!(engine, "mode = {}", toml_quote(mode));
    }
    if let Some(start) = plan.start {
        let _ = writeln!(engine, "start = {}", toml_quote(start));
    }
    if let Some(provenance) = plan.provenance {
        let _ = writeln!(engine, "provenance = {provenance}");
    }
    if !engine.is_empty() {
        let _ = write!(text, "\n[engine]\n{engine}");
    }
    let mut sync = String::new();
    if let Some(configs) = plan.sync_configs {
        let _ = writeln!(sync, "configs = {configs}");
    }
    if let Some(factor) = plan.replication_factor {
        let _ = writeln!(sync, "replication_factor = {factor}");
    }
    if !sync.is_empty() {
        let _ = write!(text, "\n[sync]\n{sync}");
    }
    text
}
