use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use super::reference::display_raw_value;

/// The parsed config file. Secrets are still unresolved `${...}` references here;
/// they are resolved per cluster by [`super::resolve_cluster`].
#[derive(Clone, Default, PartialEq)]
pub struct Config {
    /// The file this came from; empty when no file location could be determined.
    pub path: PathBuf,
    pub clusters: BTreeMap<String, ClusterProfile>,
    /// Every top-level section other than `clusters` (e.g. `[connect.NAME]`), left
    /// for the modules that own them to interpret.
    pub other: toml::Table,
}

/// One `[clusters.NAME]` section as written in the file.
#[derive(Clone, Default, PartialEq)]
pub struct ClusterProfile {
    pub bootstrap: String,
    pub production: bool,
    pub color: Option<String>,
    /// librdkafka properties, values as written (numbers and booleans already turned
    /// into strings, `${...}` references not yet resolved).
    pub properties: BTreeMap<String, String>,
}

impl Config {
    pub fn profile(&self, name: &str) -> Option<&ClusterProfile> {
        self.clusters.get(name)
    }

    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.clusters.keys().map(String::as_str)
    }
}

// Manual Debug impls: a config file may hold literal passwords, and the sections in
// `other` belong to modules that may keep secrets there too, so only their names show.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("path", &self.path)
            .field("clusters", &self.clusters)
            .field("other", &self.other.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl fmt::Debug for ClusterProfile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let properties: BTreeMap<&str, &str> =
            self.properties.iter().map(|(key, raw)| (key.as_str(), display_raw_value(key, raw))).collect();
        f.debug_struct("ClusterProfile")
            .field("bootstrap", &self.bootstrap)
            .field("production", &self.production)
            .field("color", &self.color)
            .field("properties", &properties)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_literal_secrets_and_other_sections() {
        let mut other = toml::Table::new();
        other.insert("connect".into(), toml::Value::String("connect-secret-value".into()));
        let profile = ClusterProfile {
            bootstrap: "b:9092".into(),
            properties: [
                ("sasl.password", "literal-hunter2"),
                ("ssl.key.password", "${env:KEY_PW}"),
                ("sasl.jaas.config", "user=\"u\" password=\"${env:PW}\" x"),
                ("sasl.username", "migrator"),
            ]
            .into_iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect(),
            ..ClusterProfile::default()
        };
        let config =
            Config { clusters: [("prod".to_string(), profile)].into_iter().collect(), other, ..Config::default() };
        let debug = format!("{config:?}");
        for hidden in ["literal-hunter2", "connect-secret-value", "user=\\\"u\\\""] {
            assert!(!debug.contains(hidden), "{hidden} in {debug}");
        }
        for shown in ["${env:KEY_PW}", "migrator", "\"connect\"", "b:9092"] {
            assert!(debug.contains(shown), "{shown} missing from {debug}");
        }
        assert_eq!(config.profile_names().collect::<Vec<_>>(), ["prod"]);
        assert!(config.profile("dev").is_none());
    }
}
