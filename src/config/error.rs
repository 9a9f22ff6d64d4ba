use std::io;
use std::path::PathBuf;

use super::location::PathOrigin;

/// Everything that can go wrong while locating, parsing or resolving configuration.
///
/// Every message is one line that names the offending input and what was expected.
/// No variant ever carries a secret value: references are quoted as written
/// (`${env:VAR}`), never as resolved.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {} (from {origin}) does not exist", path.display())]
    ConfigFileMissing { path: PathBuf, origin: PathOrigin },

    #[error("cannot read config file {}: {source}", path.display())]
    ConfigFileUnreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}:{line}:{column}: {message}", path.display())]
    TomlSyntax { path: PathBuf, line: usize, column: usize, message: String },

    #[error("{}: {location}: expected {expected}, found {found}", path.display())]
    InvalidValue { path: PathBuf, location: String, expected: &'static str, found: &'static str },

    #[error("{}: unknown table [{key}]: expected [clusters.NAME], [connect.NAME] or [cockpit]", path.display())]
    UnknownTable { path: PathBuf, key: String },

    #[error(
        "{}: cluster \"{cluster}\" has no bootstrap: expected bootstrap = \"host:port[,host:port]\"",
        path.display()
    )]
    MissingBootstrap { path: PathBuf, cluster: String },

    #[error(
        "unknown cluster profile \"{name}\": expected a profile name from {config_path} (known: {known}) or a broker list host:port[,host:port]"
    )]
    UnknownProfile { name: String, config_path: String, known: String },

    #[error("-X {shown}: expected KEY=VALUE, as in -X acks=all")]
    MalformedOverride { shown: String },

    #[error("cannot read properties file {}: {source}", path.display())]
    PropertiesFileUnreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}:{line}: expected key=value", path.display())]
    MalformedPropertiesLine { path: PathBuf, line: usize },

    #[error(
        "cluster \"{cluster}\" property \"{key}\": malformed reference \"{reference}\": expected ${{env:VAR}} or ${{file:PATH:KEY}}"
    )]
    MalformedReference { cluster: String, key: String, reference: String },

    #[error("cluster \"{cluster}\" property \"{key}\": environment variable {variable} is not set")]
    EnvVarNotSet { cluster: String, key: String, variable: String },

    #[error("cluster \"{cluster}\" property \"{key}\": environment variable {variable} is not valid UTF-8")]
    EnvVarNotUnicode { cluster: String, key: String, variable: String },

    #[error("cluster \"{cluster}\" property \"{key}\": cannot read {}: {source}", path.display())]
    SecretFileUnreadable {
        cluster: String,
        key: String,
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("cluster \"{cluster}\" property \"{key}\": file {} has no key \"{name}\"", path.display())]
    SecretKeyMissing { cluster: String, key: String, path: PathBuf, name: String },

    #[error("cluster \"{cluster}\": bootstrap.servers is empty: expected host:port[,host:port]")]
    EmptyBootstrap { cluster: String },

    #[error("{origin}: broker \"{element}\" {problem}: expected host:port[,host:port] with a port from 1 to 65535")]
    InvalidBroker { origin: String, element: String, problem: &'static str },

    #[error("cluster \"{cluster}\" property \"{key}\": {reason}")]
    RejectedProperty { cluster: String, key: String, reason: String },

    #[error("cluster \"{cluster}\" property \"{key}\" is empty: expected {expected}")]
    EmptyProperty { cluster: String, key: String, expected: &'static str },

    /// A Java keystore kdeck converts for librdkafka (wrong password, unreadable file...).
    #[error("cluster \"{cluster}\" {key} {}: {problem}", path.display())]
    Keystore { cluster: String, key: &'static str, path: PathBuf, problem: String, usage: bool },

    #[error("cluster \"{cluster}\" property \"{key}\": {problem}")]
    Unsupported { cluster: String, key: String, problem: String },
}

impl ConfigError {
    /// Whether this error should end the process with the usage exit code (2).
    ///
    /// The rule: it is a usage error when the fix is to change what the user typed or
    /// wrote — arguments, environment variables, or the text of a config/properties
    /// file. A missing environment variable therefore counts as usage (re-run with it
    /// exported), and so does a path given on the command line that does not exist.
    /// It is a runtime error (exit 1) when the operating system refused a read that
    /// should have worked: permissions, I/O failures, a secrets file that is not mounted.
    pub fn is_usage(&self) -> bool {
        match self {
            Self::ConfigFileUnreadable { .. } | Self::SecretFileUnreadable { .. } => false,
            Self::Keystore { usage, .. } => *usage,
            Self::Unsupported { .. } => true,
            Self::PropertiesFileUnreadable { source, .. } => source.kind() == io::ErrorKind::NotFound,
            Self::ConfigFileMissing { .. }
            | Self::TomlSyntax { .. }
            | Self::InvalidValue { .. }
            | Self::MissingBootstrap { .. }
            | Self::UnknownProfile { .. }
            | Self::MalformedOverride { .. }
            | Self::MalformedPropertiesLine { .. }
            | Self::MalformedReference { .. }
            | Self::EnvVarNotSet { .. }
            | Self::EnvVarNotUnicode { .. }
            | Self::SecretKeyMissing { .. }
            | Self::EmptyBootstrap { .. }
            | Self::UnknownTable { .. }
            | Self::InvalidBroker { .. }
            | Self::RejectedProperty { .. }
            | Self::EmptyProperty { .. } => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn io_error(kind: io::ErrorKind) -> io::Error {
        io::Error::new(kind, "boom")
    }

    fn all_variants() -> Vec<(ConfigError, bool)> {
        let path = PathBuf::from("/etc/kdeck/config.toml");
        let (cluster, key) = ("prod".to_string(), "sasl.password".to_string());
        vec![
            (ConfigError::ConfigFileMissing { path: path.clone(), origin: PathOrigin::Flag }, true),
            (
                ConfigError::ConfigFileUnreadable {
                    path: path.clone(),
                    source: io_error(io::ErrorKind::PermissionDenied),
                },
                false,
            ),
            (ConfigError::TomlSyntax { path: path.clone(), line: 3, column: 7, message: "invalid key".into() }, true),
            (
                ConfigError::InvalidValue {
                    path: path.clone(),
                    location: "cluster \"prod\" key \"production\"".into(),
                    expected: "a boolean",
                    found: "string",
                },
                true,
            ),
            (ConfigError::MissingBootstrap { path: path.clone(), cluster: cluster.clone() }, true),
            (ConfigError::UnknownTable { path: path.clone(), key: "clusterz".into() }, true),
            (
                ConfigError::UnknownProfile {
                    name: "prdo".into(),
                    config_path: path.display().to_string(),
                    known: "dev, prod".into(),
                },
                true,
            ),
            (ConfigError::MalformedOverride { shown: "\"acks\"".into() }, true),
            (
                ConfigError::PropertiesFileUnreadable { path: path.clone(), source: io_error(io::ErrorKind::NotFound) },
                true,
            ),
            (
                ConfigError::PropertiesFileUnreadable {
                    path: path.clone(),
                    source: io_error(io::ErrorKind::PermissionDenied),
                },
                false,
            ),
            (ConfigError::MalformedPropertiesLine { path: path.clone(), line: 2 }, true),
            (
                ConfigError::MalformedReference {
                    cluster: cluster.clone(),
                    key: key.clone(),
                    reference: "${foo:bar}".into(),
                },
                true,
            ),
            (
                ConfigError::EnvVarNotSet {
                    cluster: cluster.clone(),
                    key: key.clone(),
                    variable: "MSK_PASSWORD".into(),
                },
                true,
            ),
            (
                ConfigError::EnvVarNotUnicode {
                    cluster: cluster.clone(),
                    key: key.clone(),
                    variable: "MSK_PASSWORD".into(),
                },
                true,
            ),
            (
                ConfigError::SecretFileUnreadable {
                    cluster: cluster.clone(),
                    key: key.clone(),
                    path: path.clone(),
                    source: io_error(io::ErrorKind::NotFound),
                },
                false,
            ),
            (ConfigError::SecretKeyMissing { cluster: cluster.clone(), key, path, name: "k".into() }, true),
            (ConfigError::EmptyBootstrap { cluster: cluster.clone() }, true),
            (
                ConfigError::InvalidBroker {
                    origin: "-b".into(),
                    element: "prdo:99999".into(),
                    problem: "has a port out of range",
                },
                true,
            ),
            (
                ConfigError::RejectedProperty {
                    cluster: cluster.clone(),
                    key: "acks".into(),
                    reason: "Invalid value".into(),
                },
                true,
            ),
            (ConfigError::EmptyProperty { cluster, key: "transactional.id".into(), expected: "an id" }, true),
        ]
    }

    #[test]
    fn every_message_is_one_line_and_classified() {
        for (error, usage) in all_variants() {
            let message = error.to_string();
            assert!(!message.contains('\n'), "multi-line: {message}");
            let names_input =
                ["/etc/kdeck/config.toml", "\"prod\"", "prdo", "acks"].iter().any(|input| message.contains(input));
            assert!(names_input, "names no input: {message}");
            assert_eq!(error.is_usage(), usage, "{message}");
        }
    }

    #[test]
    fn messages_match_the_documented_wording() {
        let cases = [
            (
                ConfigError::EnvVarNotSet {
                    cluster: "prod".into(),
                    key: "sasl.password".into(),
                    variable: "MSK_PASSWORD".into(),
                },
                "cluster \"prod\" property \"sasl.password\": environment variable MSK_PASSWORD is not set",
            ),
            (
                ConfigError::MalformedReference {
                    cluster: "prod".into(),
                    key: "sasl.password".into(),
                    reference: "${foo:bar}".into(),
                },
                "cluster \"prod\" property \"sasl.password\": malformed reference \"${foo:bar}\": expected ${env:VAR} or ${file:PATH:KEY}",
            ),
            (
                ConfigError::SecretKeyMissing {
                    cluster: "prod".into(),
                    key: "k1".into(),
                    path: "/x/y.properties".into(),
                    name: "k".into(),
                },
                "cluster \"prod\" property \"k1\": file /x/y.properties has no key \"k\"",
            ),
            (
                ConfigError::TomlSyntax {
                    path: "/c.toml".into(),
                    line: 3,
                    column: 7,
                    message: "invalid key".into(),
                },
                "/c.toml:3:7: invalid key",
            ),
        ];
        for (error, expected) in cases {
            assert_eq!(error.to_string(), expected);
        }
    }
}
