//! `[sync]`: which topic configs follow a topic to the destination.

use std::collections::BTreeSet;

use super::error::PlanError;
use super::reader::Section;

pub(super) const SYNC_KEYS: &[&str] = &["configs", "allow", "deny", "replication_factor"];

/// Topic configs that mean the same on any Kafka, copied unless the plan says otherwise.
pub const DEFAULT_SYNCED_CONFIGS: &[&str] = &[
    "cleanup.policy",
    "retention.ms",
    "retention.bytes",
    "segment.bytes",
    "segment.ms",
    "segment.index.bytes",
    "delete.retention.ms",
    "min.compaction.lag.ms",
    "max.compaction.lag.ms",
    "min.cleanable.dirty.ratio",
    "compression.type",
    "max.message.bytes",
    "min.insync.replicas",
    "message.timestamp.type",
];

/// Prefixes of configs that describe the source cluster rather than the topic:
/// throttled-replica lists name source broker ids, and `confluent.*` exists only on
/// Confluent Server and Confluent Cloud (placement, tiering, schema validation).
pub const NEVER_SYNCED_PREFIXES: &[&str] =
    &["leader.replication.throttled", "follower.replication.throttled", "confluent."];

/// Single configs that are never copied:
/// - `message.format.version` and `message.downconversion.enable` are tied to the
///   broker version; Kafka 4 rejects them.
/// - `unclean.leader.election.enable` trades durability for availability; that is the
///   destination operator's decision, and managed services refuse it.
pub const NEVER_SYNCED_CONFIGS: &[&str] =
    &["message.format.version", "message.downconversion.enable", "unclean.leader.election.enable"];

/// Whether a topic config is broker-specific and so never synced, whatever the plan says.
pub fn is_never_synced(config: &str) -> bool {
    NEVER_SYNCED_CONFIGS.contains(&config) || NEVER_SYNCED_PREFIXES.iter().any(|prefix| config.starts_with(prefix))
}

/// `[sync]`, with every default filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncSettings {
    /// Whether topic configs are copied at all.
    pub configs: bool,
    /// For topics kdeck creates; `None` leaves it to the destination's `default.replication.factor`.
    pub replication_factor: Option<i32>,
    /// The allow list less the deny list, so `should_sync` is one lookup.
    synced: BTreeSet<String>,
}

impl Default for SyncSettings {
    fn default() -> Self {
        Self {
            configs: true,
            replication_factor: None,
            synced: DEFAULT_SYNCED_CONFIGS.iter().map(|config| config.to_string()).collect(),
        }
    }
}

impl SyncSettings {
    /// Whether the source topic's value of `config` is copied to the destination topic.
    pub fn should_sync(&self, config: &str) -> bool {
        self.configs && self.synced.contains(config) && !is_never_synced(config)
    }

    /// The configs that are copied, in alphabetical order; empty when `configs = false`.
    pub fn synced_configs(&self) -> impl Iterator<Item = &str> {
        self.synced.iter().map(String::as_str).filter(|_| self.configs)
    }

    /// The replication factor to ask for when creating a topic: -1 means the broker default.
    pub fn replication_factor_for_create(&self) -> i32 {
        self.replication_factor.unwrap_or(-1)
    }
}

pub(super) fn read_sync(section: &Section<'_>) -> Result<SyncSettings, PlanError> {
    section.reject_unknown_keys(SYNC_KEYS)?;
    let mut settings = SyncSettings::default();
    settings.configs = section.boolean("configs")?.unwrap_or(settings.configs);
    if let Some(allow) = section.strings("allow")? {
        settings.synced.clear();
        for config in allow.value {
            if config.value.trim().is_empty() || config.value.contains(char::is_whitespace) {
                return Err(section.invalid_string("allow", config, "topic config names like \"retention.ms\""));
            }
            if is_never_synced(config.value) {
                let plan = section.plan();
                let (path, line) = (plan.path.to_path_buf(), config.line);
                return Err(PlanError::NeverSynced { path, line, config: config.value.to_string() });
            }
            settings.synced.insert(config.value.to_string());
        }
    }
    // Denying a config that is not allowed is harmless, so it is not an error.
    for config in section.strings("deny")?.map(|deny| deny.value).unwrap_or_default() {
        settings.synced.remove(config.value);
    }
    let factor = section.integer("replication_factor", -1..=i64::from(i16::MAX), REPLICATION_FACTOR)?;
    settings.replication_factor = match factor {
        Some(factor) if factor.value == 0 => {
            return Err(section.invalid("replication_factor", factor.line, "0".into(), REPLICATION_FACTOR));
        }
        Some(factor) if factor.value > 0 => Some(factor.value),
        _ => None,
    };
    Ok(settings)
}

const REPLICATION_FACTOR: &str = "an integer from 1 to 32767, or -1 for the destination's default";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_list_holds_no_never_synced_config() {
        for config in DEFAULT_SYNCED_CONFIGS {
            assert!(!is_never_synced(config), "{config}");
        }
    }

    #[test]
    fn never_synced_table() {
        #[rustfmt::skip]
        let cases = [
            ("leader.replication.throttled.replicas", true),
            ("follower.replication.throttled.replicas", true),
            ("confluent.placement.constraints", true),
            ("confluent.tier.enable", true),
            ("message.format.version", true),
            ("message.downconversion.enable", true),
            ("unclean.leader.election.enable", true),
            ("retention.ms", false),
            ("confluent", false),
            ("message.timestamp.type", false),
            ("", false),
        ];
        for (config, expected) in cases {
            assert_eq!(is_never_synced(config), expected, "{config}");
        }
    }
}
