//! Migration plans: which topics go from which source profile to which destination
//! profile, and how the replication engine copies them. docs/PLAN.md is the reference
//! for the file format; this module reads it, fills in every default, and rejects
//! anything it does not understand with a `path:line:` message.

mod error;
mod reader;
mod runner;
mod settings;
mod sync;
mod time;
mod topics;

#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use toml::de::DeTable;

pub use error::PlanError;
pub use runner::{default_mm2_offsets_topic, Runner, RUNNER_KINDS};
pub use settings::{
    EngineSettings, InvalidSetting, Mode, OutOfRangePolicy, StartPolicy, MAX_BATCH_RECORDS, MAX_COMMIT_INTERVAL,
    MAX_LANES, MAX_REFRESH_INTERVAL, MIN_REFRESH_INTERVAL,
};
pub use sync::{is_never_synced, SyncSettings, DEFAULT_SYNCED_CONFIGS, NEVER_SYNCED_CONFIGS, NEVER_SYNCED_PREFIXES};
pub use topics::{Exclusion, TopicSelection, BUILT_IN_EXCLUDES};

use crate::config::parse::toml_error_position;
use crate::config::Config;
use reader::{Located, PlanText, Section};

const TOP_LEVEL_KEYS: &[&str] = &["name", "source", "destination", "topics", "engine", "sync", "schemas", "runner"];

/// Keeps `_kdeck-<name>-offsets` well inside Kafka's 249-character topic name limit.
pub const MAX_NAME_LEN: usize = 200;

/// A parsed and validated plan file, every default filled in.
#[derive(Debug, Clone)]
pub struct Plan {
    /// `[a-z0-9-]+`; part of the transactional ids and the state topic, so renaming a
    /// plan abandons its progress.
    pub name: String,
    pub path: PathBuf,
    /// Profile names from the kdeck config; see [`Plan::check_profiles`].
    pub source: String,
    pub destination: String,
    pub topics: TopicSelection,
    pub engine: EngineSettings,
    pub sync: SyncSettings,
    /// Who copies the plan (`[runner]`): kdeck's engine unless the plan says otherwise.
    pub runner: Runner,
    source_line: usize,
    destination_line: usize,
}

/// Reads and parses a plan file.
pub fn load_plan(path: &Path) -> Result<Plan, PlanError> {
    let text =
        std::fs::read_to_string(path).map_err(|source| PlanError::Unreadable { path: path.to_path_buf(), source })?;
    parse_plan(&text, path)
}

/// Parses plan text; `path` names the file in errors and gives the default plan name.
pub fn parse_plan(text: &str, path: &Path) -> Result<Plan, PlanError> {
    let document = DeTable::parse(text).map_err(|error| syntax_error(text, path, &error))?;
    let plan_text = PlanText { text, path };
    let root = Section::root(&plan_text, document.get_ref());
    root.reject_unknown_keys(TOP_LEVEL_KEYS)?;
    let source = required_profile(&root, "source")?;
    let destination = required_profile(&root, "destination")?;
    let name = read_name(&root)?;
    let same_cluster = source.value == destination.value;
    let topics = topics::read_topics(&root.section("topics")?, source.value, same_cluster)?;
    if source.value == destination.value && topics.keeps_names() {
        let expected = "a profile other than the source, since rename = \"{topic}\" would copy every topic onto itself";
        return Err(root.invalid_string("destination", destination, expected));
    }
    Ok(Plan {
        name,
        path: path.to_path_buf(),
        source: source.value.to_string(),
        destination: destination.value.to_string(),
        topics,
        engine: settings::read_engine(&root.section("engine")?)?,
        sync: sync::read_sync(&root.section("sync")?)?,
        runner: runner::read_runner(&root.section("runner")?, source.value)?,
        source_line: source.line,
        destination_line: destination.line,
    })
}

impl Plan {
    /// A rename that would copy a selected topic onto another topic the plan
    /// selects on the source (`orders` -> `orders-copy` while `orders-copy`
    /// is selected) is refused: the two copies would share one destination
    /// topic. `names` are the source's topic names.
    pub fn check_renames<'a>(
        &self,
        names: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Result<(), crate::error::Failure> {
        match self.topics.renamed_onto_selected(&self.source, names) {
            None => Ok(()),
            Some((topic, copy)) => Err(crate::error::Failure::usage(format!(
                "plan {}: rename = \"{}\" copies {topic} onto {copy}, which the plan also selects on {}; expected a rename onto names the plan does not select",
                self.name,
                self.topics.rename_template(),
                self.source
            ))),
        }
    }

    /// Fails on the first of source and destination that names no profile of `config`.
    pub fn check_profiles(&self, config: &Config) -> Result<(), PlanError> {
        for (name, line) in [(&self.source, self.source_line), (&self.destination, self.destination_line)] {
            if config.profile(name).is_none() {
                let known = config.profile_names().collect::<Vec<_>>().join(", ");
                let known = if known.is_empty() { "none".to_string() } else { known };
                return Err(PlanError::UnknownProfile { path: self.path.clone(), line, name: name.clone(), known });
            }
        }
        Ok(())
    }

    /// The destination topic where the engine keeps its progress (committed source offsets).
    pub fn state_topic(&self) -> String {
        format!("_kdeck-{}-offsets", self.name)
    }

    /// Stable per lane, so a restarted lane fences its own zombie producer.
    pub fn transactional_id(&self, lane: usize) -> String {
        format!("kdeck-{}-lane-{lane}", self.name)
    }
}

fn required_profile<'a>(root: &Section<'a>, key: &'static str) -> Result<Located<&'a str>, PlanError> {
    let Some(profile) = root.string(key)? else {
        return Err(PlanError::MissingKey { path: root.plan().path.to_path_buf(), line: 1, key });
    };
    if profile.value.trim().is_empty() {
        return Err(root.invalid_string(key, profile, "a profile name from the kdeck config"));
    }
    Ok(profile)
}

/// An explicit name must already be in canonical form: silently changing it would
/// let "Prod" and "prod" share one state topic without anyone noticing.
fn read_name(root: &Section<'_>) -> Result<String, PlanError> {
    let path = root.plan().path;
    if let Some(name) = root.string("name")? {
        let canonical = canonical_name(name.value);
        if canonical == name.value && !canonical.is_empty() {
            return Ok(canonical);
        }
        let example = if canonical.is_empty() { "msk-to-ccloud" } else { &canonical };
        let expected =
            format!("lowercase letters, digits and single hyphens, at most {MAX_NAME_LEN}, like \"{example}\"");
        return Err(root.invalid_string("name", name, expected));
    }
    let stem = path.file_stem().map(|stem| stem.to_string_lossy().into_owned()).unwrap_or_default();
    let canonical = canonical_name(&stem);
    if canonical.is_empty() {
        return Err(PlanError::Unnamed { path: path.to_path_buf(), line: 1, stem });
    }
    Ok(canonical)
}

/// Lowercase ASCII letters and digits, any other run of characters becoming one hyphen,
/// no hyphen at either end, at most [`MAX_NAME_LEN`] characters.
fn canonical_name(text: &str) -> String {
    let mut name = String::new();
    for character in text.chars().map(|character| character.to_ascii_lowercase()) {
        if character.is_ascii_lowercase() || character.is_ascii_digit() {
            name.push(character);
        } else if !name.is_empty() && !name.ends_with('-') {
            name.push('-');
        }
    }
    name.truncate(MAX_NAME_LEN);
    name.trim_end_matches('-').to_string()
}

/// toml's own Display is a multi-line snippet; editors and terminals want `path:line:col`.
fn syntax_error(text: &str, path: &Path, error: &toml::de::Error) -> PlanError {
    let (line, column, message) = toml_error_position(text, error);
    PlanError::Syntax { path: path.to_path_buf(), line, column, message }
}
