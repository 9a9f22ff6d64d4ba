//! The migration-day cheatsheet: kcat, confluent CLI and kafka-* commands from a
//! catalogue in the repo (`catalogue.toml`), plus kdeck's own commands generated
//! from its CLI and keymap, filled in for the cluster, topic and group at hand.
//! Pure: the CLI and the cockpit pane both render from here.

pub mod command;
pub mod generated;
pub mod handout;
pub mod kcat;
pub mod search;
pub mod security;
pub mod template;

use serde::Deserialize;

pub use security::{Preset, Security};
pub use template::{render, Context, Filled};

const CATALOGUE: &str = include_str!("catalogue.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    Inspect,
    Produce,
    Offsets,
    Groups,
    Acls,
    Connect,
    Cluster,
    Schemas,
    Kdeck,
}

impl Group {
    pub const ALL: [Group; 9] = [
        Group::Inspect,
        Group::Produce,
        Group::Offsets,
        Group::Groups,
        Group::Acls,
        Group::Connect,
        Group::Cluster,
        Group::Schemas,
        Group::Kdeck,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Group::Inspect => "Inspect",
            Group::Produce => "Produce",
            Group::Offsets => "Offsets and time travel",
            Group::Groups => "Groups and lag",
            Group::Acls => "ACLs",
            Group::Connect => "Connect",
            Group::Cluster => "Cluster and API keys",
            Group::Schemas => "Schema Registry",
            Group::Kdeck => "kdeck",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum Tool {
    #[serde(rename = "kcat")]
    Kcat,
    #[serde(rename = "confluent")]
    Confluent,
    #[serde(rename = "kafka-tools")]
    KafkaTools,
    #[serde(rename = "shell")]
    Shell,
    #[serde(rename = "kdeck")]
    Kdeck,
}

impl Tool {
    pub fn name(self) -> &'static str {
        match self {
            Tool::Kcat => "kcat",
            Tool::Confluent => "confluent",
            Tool::KafkaTools => "kafka-*",
            Tool::Shell => "shell",
            Tool::Kdeck => "kdeck",
        }
    }
}

/// One command of the cheatsheet.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub id: String,
    pub group: Group,
    pub tool: Tool,
    pub title: String,
    pub template: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    command: Vec<Entry>,
}

/// Parses a catalogue and checks every template names only known variables and every id is unique.
pub fn parse_catalogue(text: &str) -> Result<Vec<Entry>, String> {
    let file: CatalogueFile = toml::from_str(text).map_err(|err| format!("catalogue: {}", err.message()))?;
    let mut seen = std::collections::HashSet::new();
    for entry in &file.command {
        if !seen.insert(entry.id.as_str()) {
            return Err(format!("catalogue: id {:?} appears twice", entry.id));
        }
        template::variables(&entry.template).map_err(|err| format!("catalogue: {}: {err}", entry.id))?;
    }
    Ok(file.command)
}

/// The whole cheatsheet: the repo's catalogue, then kdeck's own section.
pub fn catalogue() -> Vec<Entry> {
    // The embedded file is checked by a unit test, so a parse failure here cannot ship;
    // an empty list rather than a panic keeps the cockpit up if it ever did.
    let mut entries = parse_catalogue(CATALOGUE).unwrap_or_default();
    entries.extend(generated::kdeck_entries());
    entries
}

#[cfg(test)]
mod tests;
