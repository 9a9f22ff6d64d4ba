use std::fmt;
use std::path::{Path, PathBuf};

use super::error::ConfigError;
use super::profile::Config;
use super::properties::{ClientProperties, PropertySource};
use super::reference::{display_raw_value, resolve_value, EnvLookup, ValueContext};

const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";

/// `schema.registry.*` keys in a profile belong to the registry client, not to
/// librdkafka (which would reject them).
pub fn is_registry_key(key: &str) -> bool {
    key.starts_with("schema.registry.")
}

/// The kcat-style connection arguments: `-b`, `-F`, `-X`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClusterArgs {
    /// `-b`: a profile name or a broker list.
    pub cluster: String,
    /// `-F`: a `key=value` properties file layered over the profile.
    pub properties_file: Option<PathBuf>,
    /// `-X key=value`, applied in order after the properties file.
    pub overrides: Vec<String>,
}

// `-X sasl.password=...` is legal, so Debug shows overrides the way errors would.
impl fmt::Debug for ClusterArgs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let overrides: Vec<String> = self
            .overrides
            .iter()
            .map(|argument| match argument.split_once('=') {
                Some((key, value)) => format!("{key}={}", display_raw_value(key, value)),
                None => override_preview(argument),
            })
            .collect();
        f.debug_struct("ClusterArgs")
            .field("cluster", &self.cluster)
            .field("properties_file", &self.properties_file)
            .field("overrides", &overrides)
            .finish()
    }
}

/// A cluster ready to connect to. Debug and Display never show secrets.
#[derive(Debug, Clone)]
pub struct ResolvedCluster {
    /// The profile name, or the broker list when `-b` was one.
    pub name: String,
    pub production: bool,
    pub color: Option<String>,
    pub properties: ClientProperties,
}

impl ResolvedCluster {
    /// The broker list as it may be displayed: the reference text if it came from one.
    pub fn bootstrap(&self) -> &str {
        self.properties.redacted_value(BOOTSTRAP_SERVERS).unwrap_or_default()
    }
}

impl fmt::Display for ResolvedCluster {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.name == self.bootstrap() {
            f.write_str(&self.name)
        } else {
            write!(f, "{} ({})", self.name, self.bootstrap())
        }
    }
}

/// Turns `-b/-F/-X` into client properties: profile, then `-F`, then each `-X`.
/// Only this cluster's `${...}` references are resolved, so a variable that another
/// profile needs may stay unset.
pub fn resolve_cluster(args: &ClusterArgs, config: &Config) -> Result<ResolvedCluster, ConfigError> {
    let cluster = resolve_cluster_with(args, config, &|name| std::env::var(name))?;
    check_with_librdkafka(&cluster)?;
    Ok(cluster)
}

pub(crate) fn resolve_cluster_with(
    args: &ClusterArgs,
    config: &Config,
    env: EnvLookup,
) -> Result<ResolvedCluster, ConfigError> {
    let name = args.cluster.as_str();
    let mut cluster =
        ResolvedCluster { name: name.to_string(), production: false, color: None, properties: ClientProperties::new() };
    let mut layer = |key: &str, raw: &str, source| {
        let context = ValueContext { cluster: name, key, env };
        let resolved = resolve_value(raw, &context)?;
        cluster.properties.insert_resolved(key, raw, resolved, source);
        Ok::<_, ConfigError>(())
    };

    let (production, color) = match config.profile(name) {
        Some(profile) => {
            // A reference is checked by librdkafka once resolved: its value may be secret.
            if !profile.bootstrap.contains("${") {
                check_broker_list(&profile.bootstrap, true, || format!("cluster \"{name}\" bootstrap"))?;
            }
            layer(BOOTSTRAP_SERVERS, &profile.bootstrap, PropertySource::Profile)?;
            for (key, raw) in &profile.properties {
                layer(key, raw, PropertySource::Profile)?;
            }
            (profile.production, profile.color.clone())
        }
        None if is_broker_list(name) => {
            layer(BOOTSTRAP_SERVERS, name, PropertySource::BrokerList)?;
            (false, None)
        }
        // Nothing but a broker list has a colon or a comma: name its bad element.
        None if name.contains([':', ',']) => {
            check_broker_list(name, false, || "-b".to_string())?;
            return Err(unknown_profile(name, config));
        }
        None => return Err(unknown_profile(name, config)),
    };
    if let Some(path) = &args.properties_file {
        for (key, value) in read_properties_file(path)? {
            layer(&key, &value, PropertySource::PropertiesFile)?;
        }
    }
    for argument in &args.overrides {
        let (key, value) = split_override(argument)?;
        layer(key, value, PropertySource::Override)?;
    }

    (cluster.production, cluster.color) = (production, color);
    let bootstrap_is_empty =
        cluster.properties.iter_exposed().any(|(key, value)| key == BOOTSTRAP_SERVERS && value.trim().is_empty());
    if bootstrap_is_empty {
        return Err(ConfigError::EmptyBootstrap { cluster: name.to_string() });
    }
    let empty_transactional_id =
        cluster.properties.iter_exposed().any(|(key, value)| key == "transactional.id" && value.trim().is_empty());
    if empty_transactional_id {
        return Err(ConfigError::EmptyProperty {
            cluster: name.to_string(),
            key: "transactional.id".into(),
            expected: "a transactional id, or no transactional.id for a producer without transactions",
        });
    }
    Ok(cluster)
}

/// Every property through librdkafka's own checks, so a bad name or value is the
/// same usage error in every command, before any client is made. librdkafka's text
/// echoes the value, which stays hidden unless the property is a public one.
fn check_with_librdkafka(cluster: &ResolvedCluster) -> Result<(), ConfigError> {
    let mut config = rdkafka::ClientConfig::new();
    // kdeck's own keys (keystores, MSK IAM) are read when a client is made.
    for (key, value) in cluster.properties.iter_exposed().filter(|(key, _)| !super::stores::is_kdeck_key(key)) {
        let value = match key == "sasl.mechanisms" && value.eq_ignore_ascii_case(super::stores::AWS_MSK_IAM) {
            true => "OAUTHBEARER",
            false => value,
        };
        config.set(key, value);
    }
    match config.create_native_config() {
        Err(rdkafka::error::KafkaError::ClientConfig(_, reason, key, value)) => Err(ConfigError::RejectedProperty {
            cluster: cluster.name.clone(),
            reason: hide_value(&reason, &key, &value),
            key,
        }),
        _ => Ok(()),
    }
}

/// librdkafka's reason with the value cut out, unless the property is public.
pub fn hide_value(reason: &str, key: &str, value: &str) -> String {
    let reason = reason.trim();
    if value.is_empty() || cluster_value_is_public(key, value) {
        return reason.to_string();
    }
    reason.replace(value, super::secret::REDACTED)
}

fn cluster_value_is_public(key: &str, value: &str) -> bool {
    super::secret::is_public_key(key) && !super::scrub::has_url_credentials(value)
}

fn unknown_profile(name: &str, config: &Config) -> ConfigError {
    let known: Vec<&str> = config.profile_names().collect();
    ConfigError::UnknownProfile {
        name: name.to_string(),
        config_path: match config.path.as_os_str().is_empty() {
            true => "<no config file>".to_string(),
            false => config.path.display().to_string(),
        },
        known: match known.is_empty() {
            true => "none".to_string(),
            false => known.join(", "),
        },
    }
}

/// Like kcat: every comma-separated element is `host:port`, `[v6]:port`, a host with
/// a dot, or `localhost`, optionally with a `PROTOCOL://` prefix as librdkafka allows.
pub(crate) fn is_broker_list(text: &str) -> bool {
    !text.is_empty() && text.split(',').all(|element| broker_problem(element.trim(), false).is_none())
}

/// The first element of a broker list that is not a broker, with what is wrong with
/// it. A profile's `bootstrap` may also name a bare host (`kafka`, port 9092).
fn check_broker_list(text: &str, bare_host: bool, origin: impl Fn() -> String) -> Result<(), ConfigError> {
    for element in text.split(',').map(str::trim) {
        if let Some(problem) = broker_problem(element, bare_host) {
            return Err(ConfigError::InvalidBroker { origin: origin(), element: element.to_string(), problem });
        }
    }
    Ok(())
}

fn broker_problem(element: &str, bare_host: bool) -> Option<&'static str> {
    if element.is_empty() {
        return Some("is empty");
    }
    let element = match element.split_once("://") {
        Some((scheme, rest)) if is_protocol(scheme) => rest,
        _ => element,
    };
    if let Some(v6) = element.strip_prefix('[') {
        return match v6.split_once("]:") {
            Some((address, _)) if !is_ipv6(address) => Some("has an invalid IPv6 address"),
            Some((_, port)) => port_problem(port),
            None => Some("has no port after its IPv6 address"),
        };
    }
    match element.split_once(':') {
        Some((host, _)) if !is_host(host) => Some("has an invalid host name"),
        Some((_, port)) => port_problem(port),
        None if !is_host(element) => Some("has an invalid host name"),
        None if bare_host || element.contains('.') || element == "localhost" => None,
        None => Some("is not host:port"),
    }
}

fn port_problem(port: &str) -> Option<&'static str> {
    if port.is_empty() {
        Some("has no port")
    } else if !port.chars().all(|c| c.is_ascii_digit()) {
        Some("has a port that is not a number")
    } else if !port.parse::<u16>().is_ok_and(|port| port > 0) {
        Some("has a port out of range")
    } else {
        None
    }
}

fn is_protocol(scheme: &str) -> bool {
    !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
}

fn is_host(host: &str) -> bool {
    !host.is_empty() && host.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

fn is_ipv6(address: &str) -> bool {
    let (address, zone) = address.split_once('%').unwrap_or((address, "lo"));
    address.contains(':')
        && address.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, ':' | '.'))
        && !zone.is_empty()
        && zone.chars().all(|c| c.is_ascii_alphanumeric())
}

/// Reads a kcat `-F` file: `key=value` lines, `#` comments, blank lines.
fn read_properties_file(path: &Path) -> Result<Vec<(String, String)>, ConfigError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| ConfigError::PropertiesFileUnreadable { path: path.to_path_buf(), source })?;
    let mut properties = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('=') {
            Some((key, value)) if !key.trim().is_empty() => {
                properties.push((key.trim().to_string(), value.trim().to_string()));
            }
            _ => return Err(ConfigError::MalformedPropertiesLine { path: path.to_path_buf(), line: index + 1 }),
        }
    }
    Ok(properties)
}

fn split_override(argument: &str) -> Result<(&str, &str), ConfigError> {
    match argument.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value)),
        _ => Err(ConfigError::MalformedOverride { shown: override_preview(argument) }),
    }
}

/// Quotes only the leading key-like part of a bad `-X`: someone typing
/// `-X sasl.password:hunter2` must not see the password echoed back.
fn override_preview(argument: &str) -> String {
    let key_len =
        argument.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))).unwrap_or(argument.len());
    if key_len < argument.len() {
        format!("\"{}...\" (the rest is not shown: it may be a secret)", &argument[..key_len])
    } else {
        format!("\"{argument}\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broker_list_detection() {
        #[rustfmt::skip]
        let cases = [
            ("localhost:9092", true),
            ("localhost", true),
            ("b-1.msk.example:9096,b-2.msk.example:9096", true),
            ("b-1.msk.example:9096, b-2.msk.example:9096", true),
            ("kafka.internal", true),
            ("10.0.0.7", true),
            ("kafka:9092", true),
            ("[::1]:9092", true),
            ("[fe80::1%eth0]:9092,localhost:9093", true),
            ("SASL_SSL://b-1.example:9096", true),
            ("prod", false),
            ("prod-eu", false),
            ("kafka", false),
            ("", false),
            ("localhost:9092,", false),
            ("localhost:", false),
            ("localhost:0", false),
            ("localhost:65536", false),
            ("localhost:+1", false),
            ("host name:9092", false),
            ("[::1]", false),
            ("[zz]:9092", false),
            ("[fe80::1%]:9092", false),
            ("::1", false),
            ("a:1:2", false),
            ("${env:B}:9092", false),
        ];
        for (text, expected) in cases {
            assert_eq!(is_broker_list(text), expected, "{text}");
        }
    }

    #[test]
    fn bad_broker_elements_are_named() {
        #[rustfmt::skip]
        let cases = [
            ("127.0.0.1:99999", false, Some("has a port out of range")),
            ("127.0.0.1:", false, Some("has no port")),
            ("localhost:abc", false, Some("has a port that is not a number")),
            ("localhost:0", false, Some("has a port out of range")),
            ("[zz]:9092", false, Some("has an invalid IPv6 address")),
            ("[::1]", false, Some("has no port after its IPv6 address")),
            ("host name:9092", false, Some("has an invalid host name")),
            ("kafka", false, Some("is not host:port")),
            ("kafka", true, None),
            ("", true, Some("is empty")),
            ("SASL_SSL://b-1.example:9096", false, None),
        ];
        for (element, bare_host, expected) in cases {
            assert_eq!(broker_problem(element, bare_host), expected, "{element}");
        }
        let error = check_broker_list("localhost:9092, junk:x ,b:1", false, || "-b".into()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "-b: broker \"junk:x\" has a port that is not a number: expected host:port[,host:port] with a port from 1 to 65535"
        );
    }

    #[test]
    fn librdkafka_reasons_hide_values_of_hidden_keys() {
        #[rustfmt::skip]
        let cases = [
            ("Invalid value \"SSLX\" for configuration property \"security.protocol\"", "security.protocol", "SSLX",
             "Invalid value \"SSLX\" for configuration property \"security.protocol\""),
            ("Invalid value \"hide-Me-77\" for configuration property \"sasl.oauthbearer.extensions\"", "sasl.oauthbearer.extensions", "hide-Me-77",
             "Invalid value \"[redacted]\" for configuration property \"sasl.oauthbearer.extensions\""),
            ("No such configuration property: \"sasl.pass\" hide-Me-78", "sasl.pass", "hide-Me-78",
             "No such configuration property: \"sasl.pass\" [redacted]"),
        ];
        for (reason, key, value, expected) in cases {
            assert_eq!(hide_value(reason, key, value), expected, "{key}");
        }
    }

    type Pair<'a> = (&'a str, &'a str);
    type Pairs<'a> = Vec<Pair<'a>>;

    #[test]
    fn args_debug_hides_override_secrets() {
        let args = ClusterArgs {
            cluster: "prod".into(),
            properties_file: None,
            overrides: ["acks=all", "sasl.password=args-pw-1", "ssl.key.password=${env:K}", "sasl.password:args-pw-2"]
                .map(String::from)
                .to_vec(),
        };
        let debug = format!("{args:?}");
        assert!(!debug.contains("args-pw"), "{debug}");
        for shown in ["acks=all", "sasl.password=[redacted]", "${env:K}", "\\\"sasl.password...\\\" (the rest"] {
            assert!(debug.contains(shown), "{shown} missing from {debug}");
        }
    }

    #[test]
    fn override_splitting() {
        #[rustfmt::skip]
        let cases: &[(&str, Result<Pair, &str>)] = &[
            ("acks=all", Ok(("acks", "all"))),
            ("a=b=c", Ok(("a", "b=c"))),
            ("bootstrap.servers=", Ok(("bootstrap.servers", ""))),
            (" acks =all", Ok(("acks", "all"))),
            ("acks", Err("-X \"acks\": expected KEY=VALUE, as in -X acks=all")),
            ("=all", Err("-X \"...\" (the rest is not shown: it may be a secret): expected KEY=VALUE, as in -X acks=all")),
            ("", Err("-X \"\": expected KEY=VALUE, as in -X acks=all")),
            ("sasl.password:hunter2-typo", Err("-X \"sasl.password...\" (the rest is not shown: it may be a secret): expected KEY=VALUE, as in -X acks=all")),
        ];
        for (argument, expected) in cases {
            let actual = split_override(argument).map_err(|error| error.to_string());
            assert_eq!(actual.as_ref().copied().map_err(String::as_str), *expected, "{argument}");
        }
    }

    #[test]
    fn properties_file_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("client.properties");
        #[rustfmt::skip]
        let cases: &[(&str, Result<Pairs, usize>)] = &[
            ("# c\n\nacks = all\n  linger.ms=5  \n", Ok(vec![("acks", "all"), ("linger.ms", "5")])),
            ("a=1\nb=x=y\n", Ok(vec![("a", "1"), ("b", "x=y")])),
            ("", Ok(vec![])),
            ("a=1\n\nnot a pair\n", Err(3)),
            ("=value\n", Err(1)),
        ];
        for (text, expected) in cases {
            std::fs::write(&path, text).unwrap();
            let actual = read_properties_file(&path).map_err(|error| match error {
                ConfigError::MalformedPropertiesLine { line, .. } => line,
                other => panic!("{other}"),
            });
            let expected = expected
                .clone()
                .map(|pairs| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>());
            assert_eq!(actual, expected, "{text:?}");
        }
        let error = read_properties_file(&dir.path().join("absent")).unwrap_err();
        assert!(matches!(error, ConfigError::PropertiesFileUnreadable { .. }) && error.is_usage());
    }
}
