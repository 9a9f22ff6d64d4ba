//! `kdeck plan export --apply CONNECT_NAME [--name N]`: PUT the exported
//! connector config to a Connect cluster (create or update).

use std::collections::BTreeMap;
use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use super::client::ConnectClient;
use super::clusters::resolve_connect;
use crate::config::Config;
use crate::error::{Failure, Outcome};

/// The `config` map of an exported connector, as the strings Connect wants, named `name`.
pub fn config_for_put(connector: &Value, name: &str) -> Result<BTreeMap<String, String>, Failure> {
    let Some(config) = connector.get("config").and_then(Value::as_object) else {
        return Err(Failure::runtime("the exported connector has no config object"));
    };
    let mut map: BTreeMap<String, String> = config
        .iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect();
    map.insert("name".into(), name.to_string());
    Ok(map)
}

pub fn apply(config: &Config, target: &str, name: Option<&str>, connector: &Value) -> Outcome {
    let cluster = resolve_connect(config, target)?;
    let exported_name = connector.get("name").and_then(Value::as_str).unwrap_or_default();
    let name = name.unwrap_or(exported_name);
    if name.trim().is_empty() || name.contains('/') {
        return Err(Failure::usage(format!("--name {name:?}: expected a connector name without '/'")));
    }
    let body = config_for_put(connector, name)?;
    let client = ConnectClient::new(&cluster, Duration::from_secs(30)).map_err(|err| Failure::usage(err.message))?;
    let info = client.put_config(name, &body)?;
    let _ = writeln!(
        std::io::stderr(),
        "% applied {name} to Connect \"{target}\" ({} tasks.max {})",
        info.config.get("connector.class").map_or("?", String::as_str),
        info.tasks_max().map_or("?".into(), |n| n.to_string())
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::connect::canned::{Canned, CannedServer};

    #[test]
    fn the_config_map_is_strings_with_the_chosen_name() {
        let connector = json!({"name": "plan", "config": {"tasks.max": "4", "x": 3, "flag": true}});
        let map = config_for_put(&connector, "msk-to-cc").unwrap();
        assert_eq!(map["name"], "msk-to-cc");
        assert_eq!((map["x"].as_str(), map["flag"].as_str(), map["tasks.max"].as_str()), ("3", "true", "4"));
        assert!(config_for_put(&json!({"name": "x"}), "x").is_err());
    }

    #[test]
    fn apply_puts_the_config_to_the_named_cluster() {
        let server = CannedServer::start(vec![Canned::Reply(
            201,
            r#"{"name":"cc-mirror","config":{"connector.class":"org.apache.kafka.connect.mirror.MirrorSourceConnector","tasks.max":"4"},"tasks":[],"type":"source"}"#.into(),
        )]);
        let config = crate::config::parse(
            &format!("[connect.prod]\nurl = \"{}\"\n", server.url),
            std::path::Path::new("c.toml"),
        )
        .unwrap();
        let connector = json!({"name": "plan", "config": {"tasks.max": "4"}});
        apply(&config, "prod", Some("cc-mirror"), &connector).unwrap();
        assert_eq!(server.requests(), ["PUT /connectors/cc-mirror/config"]);
        let error = apply(&config, "prod", Some("a/b"), &connector).unwrap_err();
        assert_eq!(error.to_string(), "--name \"a/b\": expected a connector name without '/'");
        assert_eq!(apply(&config, "qa", None, &connector).unwrap_err().exit_code(), 2);
    }
}
