//! `[connect.NAME]` sections: the Kafka Connect clusters kdeck can manage.
//!
//! ```toml
//! [connect.prod]
//! url = "https://connect.example:8083"
//! username = "ops"
//! password = "${env:CONNECT_PASSWORD}"
//! ca = "/etc/kdeck/connect-ca.pem"   # optional, PEM
//! production = true                   # optional: confirm mutations
//! ```
//!
//! The password goes through the same `${env:..}`/`${file:..}` references as
//! cluster properties, is registered with the scrubber and is only readable
//! through [`SecretString::expose`].

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::config::{register_secret, resolve_value, Config, ConfigError, EnvLookup, SecretString, ValueContext};
use crate::error::Failure;

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectCluster {
    pub name: String,
    pub url: String,
    pub username: Option<String>,
    pub password: Option<SecretString>,
    pub ca: Option<PathBuf>,
    pub production: bool,
}

impl ConnectCluster {
    /// A cluster at `url` with no auth, e.g. a local kdeck engine.
    pub fn at(name: &str, url: &str) -> ConnectCluster {
        ConnectCluster {
            name: name.into(),
            url: url.into(),
            username: None,
            password: None,
            ca: None,
            production: false,
        }
    }
}

/// The names of every `[connect.NAME]` section, sorted.
pub fn connect_names(config: &Config) -> Vec<String> {
    match config.other.get("connect") {
        Some(Value::Table(table)) => table.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// Every `[connect.NAME]` that resolves, and a one-line problem for each that does not
/// (the cockpit shows them rather than refusing to open).
pub fn resolve_all(config: &Config) -> (Vec<ConnectCluster>, Vec<String>) {
    let mut clusters = Vec::new();
    let mut problems = Vec::new();
    for name in connect_names(config) {
        match resolve_connect(config, &name) {
            Ok(cluster) => clusters.push(cluster),
            Err(failure) => problems.push(failure.to_string()),
        }
    }
    (clusters, problems)
}

/// Resolves `[connect.NAME]`, secrets included.
pub fn resolve_connect(config: &Config, name: &str) -> Result<ConnectCluster, Failure> {
    resolve_connect_with(config, name, &|variable| std::env::var(variable))
}

pub(crate) fn resolve_connect_with(config: &Config, name: &str, env: EnvLookup) -> Result<ConnectCluster, Failure> {
    let path = config.path.as_path();
    let section = match config.other.get("connect") {
        None => None,
        Some(Value::Table(table)) => table.get(name),
        Some(other) => {
            return Err(invalid(path, "key \"connect\"".into(), "a table of [connect.NAME] sections", other).into())
        }
    };
    let Some(section) = section else {
        let known = connect_names(config);
        let known = if known.is_empty() { "none".to_string() } else { known.join(", ") };
        return Err(Failure::usage(format!(
            "unknown Connect cluster \"{name}\": expected a [connect.{name}] section with url = \"http://host:8083\" in {} (known: {known})",
            path.display()
        )));
    };
    let Value::Table(section) = section else {
        return Err(invalid(path, format!("connect \"{name}\""), "a table", section).into());
    };
    parse_section(name, section, path, env)
}

fn invalid(path: &Path, location: String, expected: &'static str, value: &Value) -> ConfigError {
    ConfigError::InvalidValue { path: path.to_path_buf(), location, expected, found: value.type_str() }
}

fn parse_section(name: &str, section: &Table, path: &Path, env: EnvLookup) -> Result<ConnectCluster, Failure> {
    let mut cluster = ConnectCluster::at(name, "");
    let owner = format!("connect.{name}");
    for (key, value) in section {
        let location = || format!("connect \"{name}\" key \"{key}\"");
        match (key.as_str(), value) {
            ("url", Value::String(url)) if url.starts_with("http://") || url.starts_with("https://") => {
                crate::config::register_url_credentials(url);
                cluster.url = url.trim_end_matches('/').to_string();
            }
            ("url", Value::String(url)) => {
                let problem = if url.contains("://") { "an unsupported scheme" } else { "no scheme" };
                return Err(Failure::usage(format!(
                    "{}: connect \"{name}\" key \"url\" has {problem}: expected \"http://host:port\" or \"https://host:port\"",
                    path.display()
                )));
            }
            ("url", value) => return Err(invalid(path, location(), "a string \"http(s)://host:port\"", value).into()),
            ("username", Value::String(user)) => cluster.username = Some(user.clone()),
            ("password", Value::String(raw)) => {
                let context = ValueContext { cluster: &owner, key: "password", env };
                let resolved = resolve_value(raw, &context)?;
                register_secret(&resolved.value);
                cluster.password = Some(SecretString::new(resolved.value));
            }
            ("ca", Value::String(ca)) => cluster.ca = Some(PathBuf::from(ca)),
            ("production", Value::Boolean(flag)) => cluster.production = *flag,
            ("production", value) => return Err(invalid(path, location(), "a boolean", value).into()),
            ("username" | "password" | "ca", value) => return Err(invalid(path, location(), "a string", value).into()),
            (_, value) => {
                return Err(invalid(path, location(), "one of url, username, password, ca, production", value).into())
            }
        }
    }
    if cluster.url.is_empty() {
        return Err(Failure::usage(format!(
            "{}: connect \"{name}\" has no url: expected url = \"http://host:8083\"",
            path.display()
        )));
    }
    if cluster.password.is_some() != cluster.username.is_some() {
        return Err(Failure::usage(format!(
            "{}: connect \"{name}\": basic auth needs both username and password",
            path.display()
        )));
    }
    Ok(cluster)
}

#[cfg(test)]
mod tests {
    use std::env::VarError;

    use super::*;

    fn config(text: &str) -> Config {
        crate::config::parse(text, Path::new("/etc/kdeck/config.toml")).unwrap()
    }

    fn env(variable: &str) -> Result<String, VarError> {
        match variable {
            "CONNECT_PW" => Ok("connect-hunter2".into()),
            _ => Err(VarError::NotPresent),
        }
    }

    #[test]
    fn sections_resolve_with_secret_references() {
        let config = config(
            "[connect.prod]\nurl = \"https://connect:8083/\"\nusername = \"ops\"\npassword = \"${env:CONNECT_PW}\"\nca = \"/ca.pem\"\nproduction = true\n[connect.local]\nurl = \"http://127.0.0.1:8083\"\n",
        );
        assert_eq!(connect_names(&config), ["local", "prod"]);
        let prod = resolve_connect_with(&config, "prod", &env).unwrap();
        assert_eq!(prod.url, "https://connect:8083");
        assert_eq!(prod.password.as_ref().map(SecretString::expose), Some("connect-hunter2"));
        assert!(prod.production && prod.ca.as_deref() == Some(Path::new("/ca.pem")));
        assert!(!format!("{prod:?}").contains("connect-hunter2"));
        assert_eq!(crate::config::scrub("x connect-hunter2 y"), "x [redacted] y");
        assert_eq!(
            resolve_connect_with(&config, "local", &env).unwrap(),
            ConnectCluster::at("local", "http://127.0.0.1:8083")
        );
    }

    #[test]
    fn bad_sections_are_one_line_usage_errors() {
        #[rustfmt::skip]
        let cases = [
            ("", "x", "unknown Connect cluster \"x\": expected a [connect.x] section with url = \"http://host:8083\" in /etc/kdeck/config.toml (known: none)"),
            ("[connect.a]\nurl = \"http://a\"\n", "x", "unknown Connect cluster \"x\": expected a [connect.x] section with url = \"http://host:8083\" in /etc/kdeck/config.toml (known: a)"),
            ("[connect.a]\nurl = \"ftp://a\"\n", "a", "/etc/kdeck/config.toml: connect \"a\" key \"url\" has an unsupported scheme: expected \"http://host:port\" or \"https://host:port\""),
            ("[connect.a]\nurl = \"connect:8083\"\n", "a", "/etc/kdeck/config.toml: connect \"a\" key \"url\" has no scheme: expected \"http://host:port\" or \"https://host:port\""),
            ("[connect.a]\nurl = 8083\n", "a", "/etc/kdeck/config.toml: connect \"a\" key \"url\": expected a string \"http(s)://host:port\", found integer"),
            ("[connect.a]\nusername = \"u\"\n", "a", "/etc/kdeck/config.toml: connect \"a\" has no url: expected url = \"http://host:8083\""),
            ("[connect.a]\nurl = \"http://a\"\nusername = \"u\"\n", "a", "/etc/kdeck/config.toml: connect \"a\": basic auth needs both username and password"),
            ("[connect.a]\nurl = \"http://a\"\nusername = \"u\"\npassword = \"${env:NOPE}\"\n", "a", "cluster \"connect.a\" property \"password\": environment variable NOPE is not set"),
            ("[connect.a]\nurl = \"http://a\"\nproduction = \"yes\"\n", "a", "/etc/kdeck/config.toml: connect \"a\" key \"production\": expected a boolean, found string"),
            ("[connect.a]\nurl = \"http://a\"\nuser = \"u\"\n", "a", "/etc/kdeck/config.toml: connect \"a\" key \"user\": expected one of url, username, password, ca, production, found string"),
            ("connect = 1\n", "a", "/etc/kdeck/config.toml: key \"connect\": expected a table of [connect.NAME] sections, found integer"),
        ];
        for (text, name, expected) in cases {
            let error = resolve_connect_with(&config(text), name, &env).unwrap_err();
            assert_eq!(error.to_string(), expected);
            assert_eq!(error.exit_code(), 2, "{expected}");
        }
    }
}
