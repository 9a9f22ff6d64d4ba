use std::path::Path;

use toml::{Table, Value};

use super::error::ConfigError;
use super::profile::{ClusterProfile, Config};

/// Parses config file text; `origin` is only used to name the file in errors.
pub fn parse(text: &str, origin: &Path) -> Result<Config, ConfigError> {
    let mut table: Table = text.parse().map_err(|error| syntax_error(text, origin, &error))?;
    let mut config = Config { path: origin.to_path_buf(), ..Config::default() };
    if let Some(clusters) = table.remove("clusters") {
        let clusters = expect_table(clusters, origin, || "key \"clusters\"".to_string())?;
        for (name, section) in clusters {
            let location = || format!("cluster \"{name}\"");
            let section = expect_table(section, origin, location)?;
            let profile = parse_profile(&name, section, origin)?;
            config.clusters.insert(name, profile);
        }
    }
    if let Some(unknown) = table.keys().find(|key| !KNOWN_TABLES.contains(&key.as_str())) {
        return Err(ConfigError::UnknownTable { path: origin.to_path_buf(), key: unknown.clone() });
    }
    config.other = table;
    Ok(config)
}

/// The top-level tables kdeck reads; any other is a typo (`[clusterz.prod]`) that
/// would otherwise leave its profiles silently unused.
pub(crate) const KNOWN_TABLES: &[&str] = &["clusters", "connect", "cockpit"];

/// What a value was, for "expected X, found Y": an empty string is named as one.
pub(crate) fn found(value: &Value) -> &'static str {
    match value {
        Value::String(text) if text.trim().is_empty() => "an empty string",
        other => other.type_str(),
    }
}

/// toml's own Display is a multi-line snippet; editors and terminals want `path:line:col`.
fn syntax_error(text: &str, origin: &Path, error: &toml::de::Error) -> ConfigError {
    let (line, column, message) = toml_error_position(text, error);
    ConfigError::TomlSyntax { path: origin.to_path_buf(), line, column, message }
}

/// (line, column, one-line message) of a TOML syntax error, for `path:line:col: message`.
pub(crate) fn toml_error_position(text: &str, error: &toml::de::Error) -> (usize, usize, String) {
    let span = error.span().unwrap_or_default();
    let (line, column) = line_and_column(text, span.start);
    let mut message =
        error.message().lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("; ");
    // toml does not say which key is duplicated; its span does, and a key is no secret.
    if message == "duplicate key" {
        if let Some(key) = text.get(span).filter(|key| !key.contains('\n')) {
            message = format!("duplicate key `{}`", key.trim());
        }
    }
    (line, column, message)
}

/// 1-based line and column (in characters) of a byte offset, clamped to the text.
pub(crate) fn line_and_column(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |at| at + 1);
    (line, before[line_start..].chars().count() + 1)
}

fn parse_profile(name: &str, section: Table, origin: &Path) -> Result<ClusterProfile, ConfigError> {
    let mut profile = ClusterProfile::default();
    let mut bootstrap = None;
    for (key, value) in section {
        let invalid = |expected, value: &Value| ConfigError::InvalidValue {
            path: origin.to_path_buf(),
            location: format!("cluster \"{name}\" key \"{key}\""),
            expected,
            found: found(value),
        };
        match (key.as_str(), value) {
            ("bootstrap", Value::String(text)) if !text.trim().is_empty() => bootstrap = Some(text),
            ("bootstrap", value) => return Err(invalid("a non-empty string \"host:port[,host:port]\"", &value)),
            ("production", Value::Boolean(flag)) => profile.production = flag,
            ("production", value) => return Err(invalid("a boolean", &value)),
            ("color", Value::String(color)) if is_colour(&color) => profile.color = Some(color),
            ("color", Value::String(color)) => {
                return Err(ConfigError::InvalidValue {
                    path: origin.to_path_buf(),
                    location: format!("cluster \"{name}\" key \"color\" = \"{color}\""),
                    expected: "a colour: a name such as red or lightgreen, #rrggbb, or 0-255",
                    found: "an unknown colour",
                })
            }
            ("color", value) => return Err(invalid("a string", &value)),
            // Two spellings of one setting would make the layering order ambiguous.
            ("bootstrap.servers", value) => return Err(invalid("`bootstrap` instead of `bootstrap.servers`", &value)),
            (_, value) => {
                let text = match &value {
                    Value::String(text) => text.clone(),
                    Value::Integer(number) => number.to_string(),
                    Value::Float(number) => number.to_string(),
                    Value::Boolean(flag) => flag.to_string(),
                    Value::Datetime(_) | Value::Array(_) | Value::Table(_) => {
                        return Err(invalid("a string, integer, float or boolean", &value));
                    }
                };
                profile.properties.insert(key, text);
            }
        }
    }
    profile.bootstrap = bootstrap
        .ok_or_else(|| ConfigError::MissingBootstrap { path: origin.to_path_buf(), cluster: name.to_string() })?;
    Ok(profile)
}

/// The colours the cockpit can draw a cluster in (ratatui's names, `#rrggbb`, 0-255).
fn is_colour(text: &str) -> bool {
    text.parse::<ratatui::style::Color>().is_ok()
}

fn expect_table(value: Value, origin: &Path, location: impl Fn() -> String) -> Result<Table, ConfigError> {
    match value {
        Value::Table(table) => Ok(table),
        other => Err(ConfigError::InvalidValue {
            path: origin.to_path_buf(),
            location: location(),
            expected: "a table",
            found: found(&other),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[clusters.prod]
bootstrap = "b-1.msk.example:9096,b-2.msk.example:9096"
production = true
color = "red"
"security.protocol" = "SASL_SSL"
"sasl.password" = "${env:MSK_PASSWORD}"
"queue.buffering.max.ms" = 5      # numbers and booleans become strings
"enable.idempotence" = true
"batch.size.ratio" = 0.5

[clusters.dev]
bootstrap = "localhost:9092"

[connect.prod]
url = "http://connect:8083"
"#;

    fn path() -> &'static Path {
        Path::new("/etc/kdeck/config.toml")
    }

    #[test]
    fn parses_profiles_and_keeps_other_sections() {
        let config = parse(EXAMPLE, path()).unwrap();
        let prod = &config.clusters["prod"];
        assert_eq!(prod.bootstrap, "b-1.msk.example:9096,b-2.msk.example:9096");
        assert!(prod.production);
        assert_eq!(prod.color.as_deref(), Some("red"));
        #[rustfmt::skip]
        let expected = [
            ("security.protocol", "SASL_SSL"),
            ("sasl.password", "${env:MSK_PASSWORD}"),
            ("queue.buffering.max.ms", "5"),
            ("enable.idempotence", "true"),
            ("batch.size.ratio", "0.5"),
        ];
        for (key, value) in expected {
            assert_eq!(prod.properties[key], value, "{key}");
        }
        assert_eq!(prod.properties.len(), expected.len());
        let dev = &config.clusters["dev"];
        assert!(!dev.production && dev.color.is_none() && dev.properties.is_empty());
        assert!(config.other["connect"]["prod"]["url"].is_str());
        assert!(!config.other.contains_key("clusters"));
        assert_eq!(config.path, path());
        assert_eq!(parse("", path()).unwrap(), Config { path: path().into(), ..Config::default() });
    }

    #[test]
    fn syntax_errors_are_one_line_with_position() {
        #[rustfmt::skip]
        let cases = [
            ("[clusters.prod]\nbootstrap = \"x:1\"\nbroken = \n", "/etc/kdeck/config.toml:3:10: string values must be quoted"),
            ("a = 1\na = 2\n", "/etc/kdeck/config.toml:2:1: duplicate key `a`"),
            ("[clusters.x]\n[clusters.x]\n", "/etc/kdeck/config.toml:2:11: duplicate key `x`"),
            ("[clusters.prod\n", "/etc/kdeck/config.toml:1:15: unclosed table"),
            ("x = \"é\" y\n", "/etc/kdeck/config.toml:1:9: unexpected key or value"),
        ];
        for (text, prefix) in cases {
            let error = parse(text, path()).unwrap_err();
            let message = error.to_string();
            assert!(matches!(error, ConfigError::TomlSyntax { .. }), "{message}");
            assert!(message.starts_with(prefix), "{message}");
            assert!(!message.contains('\n'), "{message}");
        }
    }

    #[test]
    fn semantic_errors_name_file_cluster_and_key() {
        #[rustfmt::skip]
        let cases = [
            ("[clusters.prod]\nproduction = true\n", "/etc/kdeck/config.toml: cluster \"prod\" has no bootstrap: expected bootstrap = \"host:port[,host:port]\""),
            ("[clusters.prod]\nbootstrap = \"b:1\"\n\"x\" = [1]\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"x\": expected a string, integer, float or boolean, found array"),
            ("[clusters.prod]\nbootstrap = \"b:1\"\nx = { a = 1 }\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"x\": expected a string, integer, float or boolean, found table"),
            ("[clusters.prod]\nbootstrap = \"b:1\"\nx = 1979-05-27\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"x\": expected a string, integer, float or boolean, found datetime"),
            ("[clusters.prod]\nbootstrap = \"b:1\"\nproduction = \"yes\"\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"production\": expected a boolean, found string"),
            ("[clusters.prod]\nbootstrap = \"b:1\"\ncolor = 1\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"color\": expected a string, found integer"),
            ("[clusters.prod]\nbootstrap = 9092\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"bootstrap\": expected a non-empty string \"host:port[,host:port]\", found integer"),
            ("[clusters.prod]\nbootstrap = \" \"\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"bootstrap\": expected a non-empty string \"host:port[,host:port]\", found an empty string"),
            ("[clusters.prod]\nbootstrap = \"b:1\"\n\"bootstrap.servers\" = \"c:1\"\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"bootstrap.servers\": expected `bootstrap` instead of `bootstrap.servers`, found string"),
            ("clusters = 1\n", "/etc/kdeck/config.toml: key \"clusters\": expected a table, found integer"),
            ("[clusters]\nprod = \"b:1\"\n", "/etc/kdeck/config.toml: cluster \"prod\": expected a table, found string"),
            ("[clusters.prod]\nbootstrap = \"\"\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"bootstrap\": expected a non-empty string \"host:port[,host:port]\", found an empty string"),
            ("[clusters.prod]\nbootstrap = \"b:1\"\ncolor = \"ultraviolet\"\n", "/etc/kdeck/config.toml: cluster \"prod\" key \"color\" = \"ultraviolet\": expected a colour: a name such as red or lightgreen, #rrggbb, or 0-255, found an unknown colour"),
            ("[clusterz.prod]\nbootstrap = \"b:1\"\n", "/etc/kdeck/config.toml: unknown table [clusterz]: expected [clusters.NAME], [connect.NAME] or [cockpit]"),
            ("x = 1\n", "/etc/kdeck/config.toml: unknown table [x]: expected [clusters.NAME], [connect.NAME] or [cockpit]"),
        ];
        for (text, expected) in cases {
            let error = parse(text, path()).unwrap_err();
            assert_eq!(error.to_string(), expected);
            assert!(error.is_usage());
        }
    }

    #[test]
    fn line_and_column_table() {
        #[rustfmt::skip]
        let cases = [
            ("", 0, (1, 1)),
            ("abc", 2, (1, 3)),
            ("ab\ncd", 3, (2, 1)),
            ("ab\ncd", 4, (2, 2)),
            ("ab\ncd", 99, (2, 3)),
            ("é\nx", 1, (1, 1)),
            ("éé", 2, (1, 2)),
        ];
        for (text, offset, expected) in cases {
            assert_eq!(line_and_column(text, offset), expected, "{text:?}@{offset}");
        }
    }
}
