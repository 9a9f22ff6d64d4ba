//! Replicator and MirrorMaker 2 settings as two profiles and a plan.

use std::collections::BTreeMap;

use super::{cluster_name, java, unique_name, Imported, ImportedPlan};

type Settings = BTreeMap<String, String>;

/// Every setting under `prefix`, the prefix removed.
fn with_prefix(settings: &Settings, prefix: &str) -> Settings {
    settings.iter().filter_map(|(key, value)| Some((key.strip_prefix(prefix)?.to_string(), value.clone()))).collect()
}

/// Comma-separated names as exact patterns.
pub(crate) fn names_as_patterns(list: &str) -> Vec<String> {
    split_list(list).map(regex::escape).collect()
}

pub(crate) fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(',').map(str::trim).filter(|item| !item.is_empty())
}

fn boolean(key: &str, value: &str, out: &mut Imported) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            out.untranslated.push(format!("{key}: expected true or false"));
            None
        }
    }
}

fn number<T: std::str::FromStr>(key: &str, value: &str, out: &mut Imported) -> Option<T> {
    let parsed = value.trim().parse().ok();
    if parsed.is_none() {
        out.untranslated.push(format!("{key}: expected a whole number"));
    }
    parsed
}

fn start(key: &str, value: &str, out: &mut Imported) -> Option<&'static str> {
    match value.trim() {
        "earliest" => Some("earliest"),
        "latest" => Some("latest"),
        _ => {
            out.untranslated.push(format!("{key}: kdeck starts at earliest, latest or a timestamp"));
            None
        }
    }
}

fn is_byte_array_converter(class: &str) -> bool {
    class.ends_with(".ByteArrayConverter")
}

/// Adds the two clusters' profiles; returns their names.
fn clusters(
    source: (&str, &Settings, &str),
    destination: (&str, &Settings, &str),
    out: &mut Imported,
) -> (String, String) {
    let mut add = |(wanted, java, origin): (&str, &Settings, &str)| {
        let profile = java::translate(&unique_name(wanted, out), origin, java, out);
        let name = profile.name.clone();
        out.profiles.push(profile);
        name
    };
    (add(source), add(destination))
}

/// A Confluent Replicator connector config.
pub fn replicator(name: &str, settings: &Settings, out: &mut Imported) -> Result<(), String> {
    let (source_java, destination_java) = (with_prefix(settings, "src.kafka."), with_prefix(settings, "dest.kafka."));
    let bootstrap = |java: &Settings| java.get("bootstrap.servers").cloned().unwrap_or_default();
    let source_wanted = cluster_name(&bootstrap(&source_java), "source", out);
    let destination_wanted = match cluster_name(&bootstrap(&destination_java), "destination", out) {
        wanted if wanted == source_wanted => format!("{wanted}-destination"),
        wanted => wanted,
    };
    let (source, destination) = clusters(
        (&source_wanted, &source_java, "src.kafka."),
        (&destination_wanted, &destination_java, "dest.kafka."),
        out,
    );
    let mut plan = ImportedPlan { name: name.to_string(), source, destination, ..ImportedPlan::default() };
    for (key, value) in settings {
        let mut untranslated = |reason: &str| out.untranslated.push(format!("{key}: {reason}"));
        match key.as_str() {
            "connector.class" | "name" => {}
            _ if key.starts_with("src.kafka.") || key.starts_with("dest.kafka.") => {}
            "topic.whitelist" => plan.include.extend(names_as_patterns(value)),
            "topic.regex" => plan.include.push(value.clone()),
            "topic.blacklist" => plan.exclude.extend(names_as_patterns(value)),
            "topic.rename.format" => match value.replace("${topic}", "{topic}") {
                template if template.contains("${") => untranslated("only ${topic} has a kdeck equivalent ({topic})"),
                template => plan.rename = Some(template),
            },
            "topic.auto.create" | "topic.preserve.partitions" if value.trim() == "true" => {}
            "topic.auto.create" | "topic.preserve.partitions" => {
                untranslated("kdeck always creates missing topics with the source's partition count")
            }
            "topic.config.sync" => plan.sync_configs = boolean(key, value, out),
            "provenance.header.enable" => plan.provenance = boolean(key, value, out),
            "tasks.max" => plan.lanes = number::<usize>(key, value, out).map(|lanes| lanes.clamp(1, 256)),
            "dest.topic.replication.factor" => plan.replication_factor = number(key, value, out),
            "src.consumer.auto.offset.reset" => plan.start = start(key, value, out),
            "src.consumer.isolation.level" if value.trim() == "read_committed" => {}
            "key.converter" | "value.converter" | "header.converter" if is_byte_array_converter(value) => {}
            "key.converter" | "value.converter" | "header.converter" => untranslated(
                "kdeck copies keys, values and headers as bytes; a converter that changes them has no equivalent",
            ),
            "confluent.license" => out.not_needed.push(format!("{key}: Replicator's license; kdeck needs none")),
            _ if key.starts_with("confluent.topic") => {
                out.not_needed.push(format!("{key}: where Replicator keeps its license; kdeck needs none"))
            }
            _ if key.starts_with("offset.translator.") || key.starts_with("offset.timestamps.") => out.not_needed.push(
                format!("{key}: Replicator's offset translation; kdeck cutover translates group offsets exactly"),
            ),
            _ if key.starts_with("producer.override.") => {
                let setting = &key["producer.override.".len()..];
                if destination_java.get(setting) != Some(value) {
                    untranslated("the connector's own producer setting; kdeck's engine reaches the destination with dest.kafka.* and tunes its own producer")
                }
            }
            _ if key.starts_with("src.consumer.") => {
                untranslated("the connector's own consumer setting; kdeck's engine tunes its own consumer")
            }
            _ => untranslated("no kdeck equivalent"),
        }
    }
    out.plan = Some(plan);
    Ok(())
}

/// MirrorMaker 2's `MirrorSourceConnector` config.
pub fn mirror_maker_connector(name: &str, settings: &Settings, out: &mut Imported) -> Result<(), String> {
    let alias = |key: &str, default: &str| settings.get(key).cloned().unwrap_or_else(|| default.to_string());
    let (source_alias, target_alias) =
        (alias("source.cluster.alias", "source"), alias("target.cluster.alias", "target"));
    let cluster_java = |prefix: &str| {
        with_prefix(settings, prefix).into_iter().filter(|(key, _)| key != "alias").collect::<Settings>()
    };
    let (source, destination) = clusters(
        (&source_alias, &cluster_java("source.cluster."), "source.cluster."),
        (&target_alias, &cluster_java("target.cluster."), "target.cluster."),
        out,
    );
    let mut plan = ImportedPlan { name: name.to_string(), source, destination, ..ImportedPlan::default() };
    let flow: Settings = settings
        .iter()
        .filter(|(key, _)| !key.starts_with("source.cluster.") && !key.starts_with("target.cluster."))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    mirror_maker_flow(&flow, &mut plan, "", out);
    out.plan = Some(plan);
    Ok(())
}

/// An MM2 properties file (`connect-mirror-maker.properties`): its first enabled
/// `A->B` flow. The plan is named after the file.
pub fn mirror_maker_properties(file: &str, settings: &Settings, out: &mut Imported) -> Result<(), String> {
    let name = &super::stem(file);
    let aliases: Vec<&str> = split_list(settings.get("clusters").map(String::as_str).unwrap_or_default()).collect();
    let enabled: Vec<(&str, &str)> = settings
        .iter()
        .filter(|(key, value)| key.ends_with(".enabled") && value.trim() == "true")
        .filter_map(|(key, _)| key.strip_suffix(".enabled")?.split_once("->"))
        .filter(|(from, to)| aliases.contains(from) && aliases.contains(to))
        .collect();
    let Some(&(from, to)) = enabled.first() else {
        return Err(format!("{file}: no enabled flow (expected A->B.enabled = true with A and B in clusters)"));
    };
    for (other_from, other_to) in &enabled[1..] {
        out.untranslated
            .push(format!("{other_from}->{other_to}.enabled: a kdeck plan copies one way; import again for that flow"));
    }
    // Top-level client settings apply to every cluster unless the cluster sets its own.
    let shared: Settings = settings
        .iter()
        .filter(|(key, _)| ["security.", "sasl.", "ssl."].iter().any(|prefix| key.starts_with(prefix)))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let cluster_java = |alias: &str| {
        let mut java = shared.clone();
        java.extend(with_prefix(settings, &format!("{alias}.")));
        java
    };
    let (source, destination) =
        clusters((from, &cluster_java(from), &format!("{from}.")), (to, &cluster_java(to), &format!("{to}.")), out);
    let mut plan = ImportedPlan { name: name.to_string(), source, destination, ..ImportedPlan::default() };
    let flow_prefix = format!("{from}->{to}.");
    let mut flow: Settings = settings
        .iter()
        .filter(|(key, _)| {
            !key.contains("->")
                && *key != "clusters"
                && !shared.contains_key(*key)
                && !aliases.iter().any(|alias| key.starts_with(&format!("{alias}.")))
        })
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    flow.extend(with_prefix(settings, &flow_prefix).into_iter().filter(|(key, _)| key != "enabled"));
    mirror_maker_flow(&flow, &mut plan, "", out);
    out.plan = Some(plan);
    Ok(())
}

fn mirror_maker_flow(flow: &Settings, plan: &mut ImportedPlan, origin: &str, out: &mut Imported) {
    let policy = flow.get("replication.policy.class").map(String::as_str).unwrap_or("DefaultReplicationPolicy");
    plan.rename = Some(if policy.ends_with("IdentityReplicationPolicy") {
        "{topic}".into()
    } else {
        let separator = flow.get("replication.policy.separator").map(String::as_str).unwrap_or(".");
        format!("{{source}}{separator}{{topic}}")
    });
    if !policy.ends_with("IdentityReplicationPolicy") && !policy.ends_with("DefaultReplicationPolicy") {
        out.untranslated.push(format!(
            "{origin}replication.policy.class: a custom policy; kdeck's rename is {{source}}.{{topic}} here, check it"
        ));
    }
    for (key, value) in flow {
        let mut untranslated = |reason: &str| out.untranslated.push(format!("{origin}{key}: {reason}"));
        match key.as_str() {
            "connector.class" | "name" | "replication.policy.class" | "replication.policy.separator" => {}
            "topics" | "topics.whitelist" => plan.include.extend(split_list(value).map(str::to_string)),
            "topics.exclude" | "topics.blacklist" => plan.exclude.extend(split_list(value).map(str::to_string)),
            "sync.topic.configs.enabled" => plan.sync_configs = boolean(key, value, out),
            "tasks.max" => plan.lanes = number::<usize>(key, value, out).map(|lanes| lanes.clamp(1, 256)),
            "replication.factor" => plan.replication_factor = number(key, value, out),
            "exactly.once.support" if value.trim() == "required" => plan.mode = Some("exactly-once"),
            "source.consumer.auto.offset.reset" | "consumer.auto.offset.reset" => plan.start = start(key, value, out),
            "key.converter" | "value.converter" | "header.converter" if is_byte_array_converter(value) => {}
            "sync.topic.acls.enabled" if value.trim() == "false" => {}
            "sync.topic.acls.enabled" => untranslated("kdeck does not copy ACLs; kdeck acl check compares them"),
            "emit.checkpoints.enabled" | "sync.group.offsets.enabled" | "emit.heartbeats.enabled" => {
                out.not_needed.push(format!(
                    "{origin}{key}: MirrorMaker's offset sync; kdeck cutover translates group offsets exactly"
                ))
            }
            _ if key.starts_with("offset-syncs.") || key.starts_with("refresh.") || key.starts_with("checkpoints.") => {
                out.not_needed.push(format!("{origin}{key}: MirrorMaker's own bookkeeping"))
            }
            _ => untranslated("no kdeck equivalent"),
        }
    }
}
