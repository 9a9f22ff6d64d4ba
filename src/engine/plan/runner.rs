//! `[runner]`: which runner copies the plan, so `kdeck watch` and the cockpit
//! know where to read its positions.
//!
//! ```toml
//! [runner]
//! kind = "replicator"          # or "kdeck" (the default), "mirrormaker2", "connect"
//! group = "replicator-2"       # Replicator: its src.consumer.group.id, on the source
//! ```

use super::error::PlanError;
use super::reader::Section;

/// Every key `[runner]` may hold, for the docs check.
#[cfg(test)]
pub(super) const RUNNER_KEYS: &[&str] = &["kind", "group", "source_alias", "offsets_topic", "connect", "connector"];

pub const RUNNER_KINDS: &str = "\"kdeck\", \"replicator\", \"mirrormaker2\" or \"connect\"";

/// Who copies the plan's topics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Runner {
    /// kdeck's own engine: positions in the plan's state topic on the destination.
    #[default]
    Kdeck,
    /// Confluent Replicator: positions committed for `group` on the source.
    Replicator { group: String },
    /// MirrorMaker 2: positions in `offsets_topic` on the destination (its target),
    /// under partitions naming `source_alias`.
    MirrorMaker2 { source_alias: String, offsets_topic: String },
    /// A Connect source connector on the `[connect.NAME]` cluster `connect`, read through KIP-875.
    Connect { connect: String, connector: String },
}

impl Runner {
    pub fn kind(&self) -> &'static str {
        match self {
            Runner::Kdeck => "kdeck",
            Runner::Replicator { .. } => "replicator",
            Runner::MirrorMaker2 { .. } => "mirrormaker2",
            Runner::Connect { .. } => "connect",
        }
    }
}

/// MirrorMaker 2's default Connect offsets topic for a source alias (`MirrorMakerConfig`).
pub fn default_mm2_offsets_topic(source_alias: &str) -> String {
    format!("mm2-offsets.{source_alias}.internal")
}

/// Reads `[runner]`; `source_profile` is the default MirrorMaker 2 source alias.
pub(super) fn read_runner(section: &Section<'_>, source_profile: &str) -> Result<Runner, PlanError> {
    let Some(kind) = section.string("kind")? else {
        section.reject_unknown_keys(&["kind"])?;
        return Ok(Runner::Kdeck);
    };
    let name = |key: &'static str, what: &str| -> Result<String, PlanError> {
        match section.string(key)? {
            Some(value) if !value.value.trim().is_empty() && value.value.trim() == value.value => {
                Ok(value.value.to_string())
            }
            Some(value) => Err(section.invalid_string(key, value, format!("{what}, without surrounding spaces"))),
            None => {
                Err(section.missing(key, kind.line, &format!("{key} = \"...\" ({what}) for kind = \"{}\"", kind.value)))
            }
        }
    };
    match kind.value {
        "kdeck" => {
            section.reject_unknown_keys(&["kind"])?;
            Ok(Runner::Kdeck)
        }
        "replicator" => {
            section.reject_unknown_keys(&["kind", "group"])?;
            Ok(Runner::Replicator { group: name("group", "the Replicator's src.consumer.group.id")? })
        }
        "mirrormaker2" => {
            section.reject_unknown_keys(&["kind", "source_alias", "offsets_topic"])?;
            let source_alias = match section.string("source_alias")? {
                None => source_profile.to_string(),
                Some(_) => name("source_alias", "the source cluster's alias in the MirrorMaker 2 config")?,
            };
            let offsets_topic = match section.string("offsets_topic")? {
                None => default_mm2_offsets_topic(&source_alias),
                Some(_) => name("offsets_topic", "MirrorMaker 2's Connect offsets topic on the target")?,
            };
            Ok(Runner::MirrorMaker2 { source_alias, offsets_topic })
        }
        "connect" => {
            section.reject_unknown_keys(&["kind", "connect", "connector"])?;
            let connect = name("connect", "a [connect.NAME] cluster of the kdeck config")?;
            let connector = name("connector", "the source connector's name")?;
            Ok(Runner::Connect { connect, connector })
        }
        _ => Err(section.invalid_string("kind", kind, RUNNER_KINDS)),
    }
}
