//! A plan's `[schemas]` section: which registries, which subjects.
//!
//! ```toml
//! [schemas]
//! source = "prod-msk"        # a profile with schema.registry.url (default: the plan's source)
//! destination = "prod-cc"    # (default: the plan's destination)
//! subjects = ["orders-value"] # default: <topic>-key and <topic>-value of the plan's topics
//! ```
//!
//! Read from the plan file here, so the plan parser only has to allow the key.

use std::time::Duration;

use crate::config::{self, ClusterArgs, Config};
use crate::engine::plan::Plan;
use crate::error::Failure;

use super::migrate::SubjectPair;
use super::registry::{Registry, RegistrySettings};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaPlan {
    pub source_profile: String,
    pub destination_profile: String,
    pub subjects: Option<Vec<String>>,
}

/// The `[schemas]` section of `text` (a plan file), with the plan's profiles as defaults.
pub fn parse_section(text: &str, plan: &Plan) -> Result<SchemaPlan, String> {
    let document: toml::Table = text.parse().map_err(|err| format!("plan {}: {err}", plan.path.display()))?;
    let mut schema_plan = SchemaPlan {
        source_profile: plan.source.clone(),
        destination_profile: plan.destination.clone(),
        subjects: None,
    };
    let Some(section) = document.get("schemas") else { return Ok(schema_plan) };
    let where_ = format!("plan {} [schemas]", plan.path.display());
    let section = section.as_table().ok_or_else(|| format!("{where_}: expected a table"))?;
    for (key, value) in section {
        match key.as_str() {
            "source" | "destination" => {
                let name = value
                    .as_str()
                    .ok_or_else(|| format!("{where_} {key}: expected a profile name (a string)"))?
                    .to_string();
                if key == "source" {
                    schema_plan.source_profile = name;
                } else {
                    schema_plan.destination_profile = name;
                }
            }
            "subjects" => {
                let list =
                    value.as_array().ok_or_else(|| format!("{where_} subjects: expected a list of subject names"))?;
                let names = list
                    .iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| format!("{where_} subjects: expected a list of subject names (strings)"))?;
                schema_plan.subjects = Some(names);
            }
            other => return Err(format!("{where_}: unknown key {other:?}: expected source, destination or subjects")),
        }
    }
    Ok(schema_plan)
}

/// The TopicNameStrategy subjects of the plan's topics among `subjects`, each
/// paired with the subject of its destination topic (the plan may rename topics).
pub fn topic_subjects(plan: &Plan, subjects: &[String]) -> Vec<SubjectPair> {
    let mut pairs: Vec<SubjectPair> = subjects
        .iter()
        .filter_map(|subject| {
            let (topic, suffix) = subject
                .strip_suffix("-value")
                .map(|t| (t, "-value"))
                .or_else(|| subject.strip_suffix("-key").map(|t| (t, "-key")))?;
            plan.topics.selects(topic).then(|| SubjectPair {
                source: subject.clone(),
                destination: format!("{}{suffix}", plan.topics.destination_topic(&plan.source, topic)),
            })
        })
        .collect();
    pairs.sort();
    pairs
}

fn section(plan: &Plan) -> Result<SchemaPlan, Failure> {
    let text = std::fs::read_to_string(&plan.path)
        .map_err(|err| Failure::runtime(format!("cannot read plan {}: {err}", plan.path.display())))?;
    parse_section(&text, plan).map_err(Failure::usage)
}

fn registry_settings(config: &Config, profile: &str, side: &str) -> Result<RegistrySettings, Failure> {
    let args = ClusterArgs { cluster: profile.to_string(), properties_file: None, overrides: Vec::new() };
    let cluster = config::resolve_cluster(&args, config)?;
    RegistrySettings::from_cluster(&cluster).ok_or_else(|| {
        Failure::usage(format!(
            "profile {profile:?} (the {side} of [schemas]) has no schema.registry.url: add it to [clusters.{profile}]"
        ))
    })
}

/// Whether the plan names registries on both sides (its `[schemas]` profiles,
/// or its own profiles with `schema.registry.url`).
pub fn has_registries(config: &Config, plan: &Plan) -> bool {
    section(plan).is_ok_and(|section| {
        registry_settings(config, &section.source_profile, "source").is_ok()
            && registry_settings(config, &section.destination_profile, "destination").is_ok()
    })
}

/// Where the plan's source and destination registries are, and how to log in.
pub fn registry_pair(config: &Config, plan: &Plan) -> Result<(RegistrySettings, RegistrySettings), Failure> {
    let section = section(plan)?;
    let source = registry_settings(config, &section.source_profile, "source")?;
    let destination = registry_settings(config, &section.destination_profile, "destination")?;
    Ok((source, destination))
}

/// The source and destination registries of the plan.
pub fn registries(config: &Config, plan: &Plan, timeout: Duration) -> Result<(Registry, Registry), Failure> {
    let (source, destination) = registry_pair(config, plan)?;
    Ok((Registry::new(&source, timeout)?, Registry::new(&destination, timeout)?))
}

/// Both registries and the subject pairs to compare.
pub fn open(
    config: &Config,
    plan: &Plan,
    timeout: Duration,
) -> Result<(Registry, Registry, Vec<SubjectPair>), Failure> {
    let subjects = section(plan)?.subjects;
    let (source, destination) = registries(config, plan, timeout)?;
    let pairs = match subjects {
        Some(subjects) => subjects.into_iter().map(|s| SubjectPair { source: s.clone(), destination: s }).collect(),
        None => topic_subjects(plan, &source.subjects()?),
    };
    Ok((source, destination, pairs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn plan(text: &str) -> Plan {
        crate::engine::plan::parse_plan(text, Path::new("plan.toml")).unwrap()
    }

    const BASE: &str = "source = \"a\"\ndestination = \"b\"\n[topics]\ninclude = [\"orders.*\"]\n";

    #[test]
    fn defaults_are_the_plan_profiles_and_the_topic_subjects() {
        let text = BASE.to_string();
        let section = parse_section(&text, &plan(&text)).unwrap();
        assert_eq!(section, SchemaPlan { source_profile: "a".into(), destination_profile: "b".into(), subjects: None });
    }

    #[test]
    fn the_section_names_registries_and_subjects() {
        let text = format!("{BASE}[schemas]\nsource = \"a-sr\"\ndestination = \"b-sr\"\nsubjects = [\"x-value\"]\n");
        let section = parse_section(&text, &plan(&text)).unwrap();
        assert_eq!(section.source_profile, "a-sr");
        assert_eq!(section.destination_profile, "b-sr");
        assert_eq!(section.subjects, Some(vec!["x-value".to_string()]));
    }

    #[test]
    fn bad_keys_and_values_are_named() {
        let text = format!("{BASE}[schemas]\nsubject = [\"x\"]\n");
        let err = parse_section(&text, &plan(&text)).unwrap_err();
        assert_eq!(err, "plan plan.toml [schemas]: unknown key \"subject\": expected source, destination or subjects");
        let text = format!("{BASE}[schemas]\nsubjects = \"x\"\n");
        assert!(parse_section(&text, &plan(&text))
            .unwrap_err()
            .ends_with("subjects: expected a list of subject names"));
    }

    #[test]
    fn topic_subjects_follow_the_plan_selection() {
        let text = BASE.to_string();
        let subjects: Vec<String> =
            ["orders-value", "orders-key", "payments-value", "orders", "orders.eu-value"].map(String::from).to_vec();
        let pairs = topic_subjects(&plan(&text), &subjects);
        let names: Vec<&str> = pairs.iter().map(|p| p.source.as_str()).collect();
        assert_eq!(names, vec!["orders-key", "orders-value", "orders.eu-value"]);
        assert!(pairs.iter().all(|p| p.source == p.destination));
    }
}
