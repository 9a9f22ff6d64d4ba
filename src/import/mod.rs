//! `kdeck import`: the configuration a client already has (a Replicator or
//! MirrorMaker 2 connector, an MM2 properties file, a Connect worker or a Java
//! client properties file) as kdeck profiles and a plan.
//!
//! Pure: texts in, [`Imported`] out; [`command`] reads and writes the files.
//! Secrets never come out inline (see [`java`]), and everything that has no kdeck
//! equivalent is listed in [`Imported::untranslated`] with the reason, by key only:
//! a value may be a secret.

pub mod command;
pub(crate) mod connector;
mod jaas;
mod java;
mod properties;
mod render;

use std::collections::BTreeMap;

pub use render::{render_plan, render_profiles};

/// A `[clusters.NAME]` section to write. Secret values are references.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ImportedProfile {
    pub name: String,
    pub bootstrap: String,
    pub properties: BTreeMap<String, String>,
}

/// A plan to write; `None` fields keep kdeck's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedPlan {
    pub name: String,
    pub source: String,
    pub destination: String,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    pub rename: Option<String>,
    pub lanes: Option<usize>,
    pub mode: Option<&'static str>,
    pub start: Option<&'static str>,
    pub provenance: Option<bool>,
    pub sync_configs: Option<bool>,
    pub replication_factor: Option<i64>,
}

/// What one or more input files became.
#[derive(Default)]
pub struct Imported {
    pub profiles: Vec<ImportedProfile>,
    pub plan: Option<ImportedPlan>,
    /// `VAR (what it holds)`: environment variables the profiles now reference.
    pub variables: Vec<String>,
    /// `original.key: reason`, for every setting that has no kdeck equivalent.
    pub untranslated: Vec<String>,
    /// `original.key: why`, for settings kdeck has no use for (a license, MM2's bookkeeping).
    pub not_needed: Vec<String>,
}

/// What kind of file an input is, told from its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    ReplicatorConnector,
    MirrorMakerConnector,
    MirrorMakerProperties,
    ConnectWorker,
    JavaClient,
}

/// Translates each `(name, text)` input in turn. `name` (the file name) appears in
/// errors and names a client file's profile.
pub fn import(inputs: &[(String, String)]) -> Result<Imported, String> {
    let mut out = Imported::default();
    for (name, text) in inputs {
        import_one(name, text, &mut out)?;
    }
    Ok(out)
}

fn import_one(name: &str, text: &str, out: &mut Imported) -> Result<InputKind, String> {
    if text.trim_start().starts_with('{') {
        let json: serde_json::Value =
            serde_json::from_str(text).map_err(|err| format!("{name}: not valid JSON ({err})"))?;
        let connector_name = json.get("name").and_then(|value| value.as_str()).map(str::to_string);
        let config = json.get("config").unwrap_or(&json);
        let Some(object) = config.as_object() else {
            return Err(format!("{name}: expected a connector config (a JSON object of settings)"));
        };
        let mut settings = BTreeMap::new();
        for (key, value) in object {
            let value = match value {
                serde_json::Value::String(text) => text.clone(),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => value.to_string(),
                _ => return Err(format!("{name}: setting {key:?} is not a string, number or boolean")),
            };
            settings.insert(key.clone(), value);
        }
        let connector_name = connector_name.or_else(|| settings.get("name").cloned()).unwrap_or_else(|| stem(name));
        let class = settings.get("connector.class").cloned().unwrap_or_default();
        return if class.contains("ReplicatorSourceConnector") || class.ends_with("Replicator") {
            connector::replicator(&connector_name, &settings, out)?;
            Ok(InputKind::ReplicatorConnector)
        } else if class.contains("MirrorSourceConnector") {
            connector::mirror_maker_connector(&connector_name, &settings, out)?;
            Ok(InputKind::MirrorMakerConnector)
        } else {
            Err(format!(
                "{name}: connector.class {class:?} is neither Confluent Replicator nor MirrorMaker 2's MirrorSourceConnector"
            ))
        };
    }
    let settings = properties::parse(text).map_err(|line| format!("{name}:{line}: expected key=value"))?;
    let has = |key: &str| settings.contains_key(key);
    if has("clusters") && settings.keys().any(|key| key.contains("->")) {
        connector::mirror_maker_properties(name, &settings, out)?;
        Ok(InputKind::MirrorMakerProperties)
    } else if has("group.id") && (has("config.storage.topic") || has("offset.storage.topic") || has("plugin.path")) {
        connect_worker(name, &settings, out);
        Ok(InputKind::ConnectWorker)
    } else if has("bootstrap.servers") {
        let profile = java::translate(&unique_name(&stem(name), out), "", &settings, out);
        out.profiles.push(profile);
        Ok(InputKind::JavaClient)
    } else {
        Err(format!(
            "{name}: expected a Replicator or MirrorMaker 2 connector (JSON), an MM2 properties file (clusters = ...), a Connect worker or a Java client properties file (bootstrap.servers = ...)"
        ))
    }
}

/// A Connect worker's own cluster is usually the destination; its producer and
/// consumer overrides say how the connectors' clients reach it.
fn connect_worker(name: &str, settings: &BTreeMap<String, String>, out: &mut Imported) {
    let client: BTreeMap<String, String> = settings
        .iter()
        .filter(|(key, _)| !is_worker_setting(key))
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    let profile = java::translate(&unique_name(&stem(name), out), "", &client, out);
    out.profiles.push(profile);
    for key in settings.keys().filter(|key| key.starts_with("producer.") || key.starts_with("consumer.")) {
        out.untranslated.push(format!("{key}: a setting of the worker's own clients; kdeck's engine sets its own"));
    }
}

/// Worker settings that are not about reaching the cluster.
fn is_worker_setting(key: &str) -> bool {
    const WORKER: &[&str] = &[
        "group.id",
        "plugin.path",
        "rest.port",
        "rest.advertised.host.name",
        "rest.advertised.port",
        "listeners",
        "offset.flush.interval.ms",
    ];
    WORKER.contains(&key)
        || key.starts_with("producer.")
        || key.starts_with("consumer.")
        || key.starts_with("admin.")
        || key.starts_with("config.")
        || key.starts_with("offset.storage.")
        || key.starts_with("status.storage.")
        || key.ends_with(".converter")
        || key.ends_with(".converter.schemas.enable")
        || key.starts_with("confluent.")
}

/// A file's name without directories and extension.
fn stem(name: &str) -> String {
    let file = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let stem = file.split('.').next().unwrap_or(file);
    let cleaned: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '-' }).collect();
    if cleaned.is_empty() {
        "imported".into()
    } else {
        cleaned
    }
}

/// `wanted`, or `wanted-2`, `wanted-3`... when another input took it.
fn unique_name(wanted: &str, out: &Imported) -> String {
    let taken = |name: &str| out.profiles.iter().any(|profile| profile.name == name);
    if !taken(wanted) {
        return wanted.to_string();
    }
    (2..).map(|n| format!("{wanted}-{n}")).find(|name| !taken(name)).unwrap_or_default()
}

/// A profile name from the bootstrap host: `msk`, `ccloud`, or the role.
fn cluster_name(bootstrap: &str, role: &str, out: &Imported) -> String {
    let host = bootstrap.to_ascii_lowercase();
    let wanted = if host.contains(".amazonaws.com") {
        "msk"
    } else if host.contains("confluent.cloud") {
        "ccloud"
    } else {
        role
    };
    unique_name(wanted, out)
}

#[cfg(test)]
mod tests;
