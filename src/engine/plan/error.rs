use std::io;
use std::path::PathBuf;

/// Everything that can be wrong with a plan file.
///
/// Every message is one line that starts with `path:line:` (except for a file that
/// cannot be read at all) and says what was expected, so editors can jump to it.
/// Text taken from the file is quoted with [`quoted`], which escapes line breaks.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error("cannot read plan file {}: {source}", path.display())]
    Unreadable {
        path: PathBuf,
        #[source]
        source: io::Error,
    },

    #[error("{}:{line}:{column}: {message}", path.display())]
    Syntax { path: PathBuf, line: usize, column: usize, message: String },

    /// `section` is "in [engine]" or "at the top level".
    #[error("{}:{line}: unknown key {} {section}: expected one of {expected}", path.display(), quoted(key))]
    UnknownKey { path: PathBuf, line: usize, key: String, section: String, expected: String },

    #[error(
        "{}:{line}: missing key \"{key}\": expected {key} = \"PROFILE\" naming a cluster profile of the kdeck config",
        path.display()
    )]
    MissingKey { path: PathBuf, line: usize, key: &'static str },

    /// A key a setting needs: `key` is the full path (`runner.group`).
    #[error("{}:{line}: missing key {key}: expected {expected}", path.display())]
    MissingSetting { path: PathBuf, line: usize, key: String, expected: String },

    #[error("{}:{line}: {key}: expected {expected}, found {found}", path.display())]
    WrongType { path: PathBuf, line: usize, key: String, expected: &'static str, found: &'static str },

    /// `shown` is the value as TOML would print it: strings quoted, numbers bare.
    #[error("{}:{line}: {key} = {shown}: expected {expected}", path.display())]
    InvalidValue { path: PathBuf, line: usize, key: String, shown: String, expected: String },

    #[error("{}:{line}: {key} entry {}: expected a regular expression ({reason})", path.display(), quoted(pattern))]
    InvalidRegex { path: PathBuf, line: usize, key: String, pattern: String, reason: String },

    #[error(
        "{}:{line}: sync.allow entry {}: expected a topic config that means the same on every cluster; this one is broker-specific and never synced",
        path.display(),
        quoted(config)
    )]
    NeverSynced { path: PathBuf, line: usize, config: String },

    #[error(
        "{}:{line}: no name given, and the file name {} has no letters or digits to make one: expected name = \"...\" of lowercase letters, digits and hyphens",
        path.display(),
        quoted(stem)
    )]
    Unnamed { path: PathBuf, line: usize, stem: String },

    #[error("{}:{line}: unknown profile {} (known: {known})", path.display(), quoted(name))]
    UnknownProfile { path: PathBuf, line: usize, name: String, known: String },
}

impl PlanError {
    /// Whether this error should end the process with the usage exit code (2).
    ///
    /// Same rule as `ConfigError::is_usage`: usage when the fix is to change what the
    /// user typed or wrote. A plan path that does not exist was typed wrong, and a file
    /// that is not UTF-8 must be rewritten; any other read failure is the system's.
    pub fn is_usage(&self) -> bool {
        match self {
            Self::Unreadable { source, .. } => {
                matches!(source.kind(), io::ErrorKind::NotFound | io::ErrorKind::InvalidData)
            }
            Self::Syntax { .. }
            | Self::UnknownKey { .. }
            | Self::MissingKey { .. }
            | Self::MissingSetting { .. }
            | Self::WrongType { .. }
            | Self::InvalidValue { .. }
            | Self::InvalidRegex { .. }
            | Self::NeverSynced { .. }
            | Self::Unnamed { .. }
            | Self::UnknownProfile { .. } => true,
        }
    }
}

/// Quotes text from the plan for a one-line message. Unlike `{:?}`, backslashes stay
/// single, because regular expressions are easier to read as the regex engine sees them.
pub(super) fn quoted(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for character in text.chars() {
        match character {
            '"' => quoted.push_str("\\\""),
            character if character.is_control() => quoted.extend(character.escape_default()),
            character => quoted.push(character),
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_messages_on_one_line() {
        #[rustfmt::skip]
        let cases = [
            ("orders", "\"orders\""),
            ("orders\\.v1", "\"orders\\.v1\""),
            ("a\"b", "\"a\\\"b\""),
            ("line\nbreak\r\t", "\"line\\nbreak\\r\\t\""),
            ("", "\"\""),
            ("ünï", "\"ünï\""),
        ];
        for (text, expected) in cases {
            assert_eq!(quoted(text), expected, "{text:?}");
        }
    }

    #[test]
    fn every_message_is_one_line_and_classified() {
        let path = PathBuf::from("plan.toml");
        let unreadable = |kind| PlanError::Unreadable { path: path.clone(), source: io::Error::new(kind, "boom") };
        let cases = [
            (unreadable(io::ErrorKind::PermissionDenied), false),
            (unreadable(io::ErrorKind::NotFound), true),
            (unreadable(io::ErrorKind::InvalidData), true),
            (PlanError::Syntax { path: path.clone(), line: 1, column: 2, message: "bad".into() }, true),
            (
                PlanError::UnknownKey {
                    path: path.clone(),
                    line: 7,
                    key: "la\nne".into(),
                    section: "in [engine]".into(),
                    expected: "lanes".into(),
                },
                true,
            ),
            (PlanError::MissingKey { path: path.clone(), line: 1, key: "source" }, true),
            (
                PlanError::WrongType {
                    path: path.clone(),
                    line: 3,
                    key: "engine.lanes".into(),
                    expected: "an integer",
                    found: "string",
                },
                true,
            ),
            (
                PlanError::InvalidValue {
                    path: path.clone(),
                    line: 3,
                    key: "engine.lanes".into(),
                    shown: "0".into(),
                    expected: "1..=256".into(),
                },
                true,
            ),
            (
                PlanError::InvalidRegex {
                    path: path.clone(),
                    line: 4,
                    key: "topics.include".into(),
                    pattern: "(\n".into(),
                    reason: "unclosed group".into(),
                },
                true,
            ),
            (PlanError::NeverSynced { path: path.clone(), line: 5, config: "confluent.x".into() }, true),
            (PlanError::Unnamed { path: path.clone(), line: 1, stem: "计划".into() }, true),
            (PlanError::UnknownProfile { path, line: 2, name: "srce".into(), known: "source".into() }, true),
        ];
        for (error, usage) in cases {
            let message = error.to_string();
            assert!(!message.contains('\n'), "multi-line: {message}");
            assert!(message.starts_with("plan.toml:") || message.contains(" plan.toml: "), "{message}");
            assert_eq!(error.is_usage(), usage, "{message}");
        }
    }
}
