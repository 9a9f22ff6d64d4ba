//! `${env:VAR}` and `${file:PATH:KEY}` references, with Kafka Connect
//! FileConfigProvider semantics for files.

use std::env::VarError;
use std::path::Path;

use super::error::ConfigError;
use super::secret::{is_public_key, REDACTED};

/// Reads an environment variable; injected so tests need not mutate the process env.
pub(crate) type EnvLookup<'a> = &'a dyn Fn(&str) -> Result<String, VarError>;

#[derive(Debug, PartialEq, Eq)]
enum Segment<'a> {
    Literal(&'a str),
    Env(&'a str),
    File { path: &'a str, key: &'a str },
}

/// The reference text safe to show in an error: never the rest of a value that may be
/// a literal password with a stray `${` in it.
#[derive(Debug, PartialEq, Eq)]
struct Malformed(String);

fn parse_template(raw: &str) -> Result<Vec<Segment<'_>>, Malformed> {
    let mut segments = Vec::new();
    let mut rest = raw;
    while let Some(start) = rest.find("${") {
        if start > 0 {
            segments.push(Segment::Literal(&rest[..start]));
        }
        let after_open = &rest[start + 2..];
        let Some(end) = after_open.find('}') else {
            return Err(Malformed(unterminated_preview(after_open)));
        };
        segments.push(parse_reference(&after_open[..end])?);
        rest = &after_open[end + 1..];
    }
    if !rest.is_empty() {
        segments.push(Segment::Literal(rest));
    }
    Ok(segments)
}

fn unterminated_preview(after_open: &str) -> String {
    match ["env:", "file:"].iter().find(|kind| after_open.starts_with(*kind)) {
        Some(kind) => format!("${{{kind}..."),
        None => "${...".to_string(),
    }
}

fn parse_reference(inner: &str) -> Result<Segment<'_>, Malformed> {
    let malformed = || Malformed(format!("${{{inner}}}"));
    match inner.split_once(':') {
        Some(("env", variable)) if !variable.is_empty() => Ok(Segment::Env(variable)),
        // Split at the last colon so Windows paths like C:\x work; property keys with
        // colons must be escaped in .properties files anyway.
        Some(("file", path_and_key)) => match path_and_key.rsplit_once(':') {
            Some((path, key)) if !path.is_empty() && !key.is_empty() => Ok(Segment::File { path, key }),
            _ => Err(malformed()),
        },
        _ => Err(malformed()),
    }
}

fn is_exact_reference(raw: &str) -> bool {
    matches!(parse_template(raw).as_deref(), Ok([Segment::Env(_) | Segment::File { .. }]))
}

/// How a raw (unresolved) value may be shown: the reference text when that cannot
/// reveal anything, `[redacted]` when a key not known to be public has literal text
/// in its value.
pub(crate) fn display_raw_value<'a>(key: &str, raw: &'a str) -> &'a str {
    if !is_public_key(key) && !is_exact_reference(raw) {
        REDACTED
    } else {
        raw
    }
}

/// A value with its references substituted.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ResolvedValue {
    pub value: String,
    pub from_reference: bool,
    /// The substituted pieces, registered for scrubbing on their own because they may
    /// surface embedded in other text (e.g. inside a JAAS config).
    pub substituted: Vec<String>,
}

/// Where a value is being resolved, for error messages.
pub(crate) struct ValueContext<'a> {
    pub cluster: &'a str,
    pub key: &'a str,
    pub env: EnvLookup<'a>,
}

pub(crate) fn resolve_value(raw: &str, context: &ValueContext) -> Result<ResolvedValue, ConfigError> {
    let segments = parse_template(raw).map_err(|Malformed(reference)| ConfigError::MalformedReference {
        cluster: context.cluster.to_string(),
        key: context.key.to_string(),
        reference,
    })?;
    let mut resolved =
        ResolvedValue { value: String::with_capacity(raw.len()), from_reference: false, substituted: Vec::new() };
    for segment in segments {
        let piece = match segment {
            Segment::Literal(text) => {
                resolved.value.push_str(text);
                continue;
            }
            Segment::Env(variable) => read_env(variable, context)?,
            Segment::File { path, key } => read_file_key(Path::new(path), key, context)?,
        };
        resolved.value.push_str(&piece);
        resolved.from_reference = true;
        resolved.substituted.push(piece);
    }
    Ok(resolved)
}

fn read_env(variable: &str, context: &ValueContext) -> Result<String, ConfigError> {
    (context.env)(variable).map_err(|error| {
        let (cluster, key, variable) = (context.cluster.to_string(), context.key.to_string(), variable.to_string());
        match error {
            VarError::NotPresent => ConfigError::EnvVarNotSet { cluster, key, variable },
            VarError::NotUnicode(_) => ConfigError::EnvVarNotUnicode { cluster, key, variable },
        }
    })
}

fn read_file_key(path: &Path, name: &str, context: &ValueContext) -> Result<String, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::SecretFileUnreadable {
        cluster: context.cluster.to_string(),
        key: context.key.to_string(),
        path: path.to_path_buf(),
        source,
    })?;
    java_property(&text, name).ok_or_else(|| ConfigError::SecretKeyMissing {
        cluster: context.cluster.to_string(),
        key: context.key.to_string(),
        path: path.to_path_buf(),
        name: name.to_string(),
    })
}

/// Looks `name` up in Java-properties text. Simplified: `key=value`, `key: value` or
/// `key value`, `#`/`!` comments, surrounding whitespace trimmed, the last
/// definition wins; no escapes or line continuations.
fn java_property(text: &str, name: &str) -> Option<String> {
    text.lines()
        .rev()
        .filter_map(|line| {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') || line.starts_with('!') {
                return None;
            }
            let separator = line.find(['=', ':']).or_else(|| line.find(char::is_whitespace));
            Some(match separator {
                Some(at) => {
                    let separator_len = line[at..].chars().next().map_or(1, char::len_utf8);
                    (line[..at].trim(), line[at + separator_len..].trim())
                }
                None => (line, ""),
            })
        })
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(name: &str) -> Result<String, VarError> {
        match name {
            "PW" => Ok("env-secret-1".into()),
            "EMPTY" => Ok(String::new()),
            _ => Err(VarError::NotPresent),
        }
    }

    fn resolve(raw: &str) -> Result<ResolvedValue, ConfigError> {
        let context = ValueContext { cluster: "prod", key: "sasl.password", env: &env };
        resolve_value(raw, &context)
    }

    #[test]
    fn template_parsing() {
        use Segment::*;
        #[rustfmt::skip]
        let cases: &[(&str, Result<Vec<Segment>, Malformed>)] = &[
            ("plain", Ok(vec![Literal("plain")])),
            ("", Ok(vec![])),
            ("cost $5 {x}", Ok(vec![Literal("cost $5 {x}")])),
            ("${env:PW}", Ok(vec![Env("PW")])),
            ("a${env:PW}b", Ok(vec![Literal("a"), Env("PW"), Literal("b")])),
            ("${file:/etc/s.properties:k}", Ok(vec![File { path: "/etc/s.properties", key: "k" }])),
            ("${file:C:\\s.properties:k}", Ok(vec![File { path: "C:\\s.properties", key: "k" }])),
            ("${env:A}${env:B}", Ok(vec![Env("A"), Env("B")])),
            ("${foo:bar}", Err(Malformed("${foo:bar}".into()))),
            ("${env:}", Err(Malformed("${env:}".into()))),
            ("${env}", Err(Malformed("${env}".into()))),
            ("${file:/x}", Err(Malformed("${file:/x}".into()))),
            ("${file::k}", Err(Malformed("${file::k}".into()))),
            ("${file:/x:}", Err(Malformed("${file:/x:}".into()))),
            ("${}", Err(Malformed("${}".into()))),
            ("pa${ss-literal-secret", Err(Malformed("${...".into()))),
            ("${env:PW", Err(Malformed("${env:...".into()))),
        ];
        for (raw, expected) in cases {
            assert_eq!(&parse_template(raw), expected, "{raw}");
        }
    }

    #[test]
    fn raw_values_for_display() {
        #[rustfmt::skip]
        let cases = [
            ("sasl.password", "${env:PW}", "${env:PW}"),
            ("sasl.password", "literal", REDACTED),
            ("sasl.password", "x${env:PW}", REDACTED),
            ("sasl.jaas.config", "password=\"${env:PW}\"", REDACTED),
            ("sasl.username", "u-${env:USER}", "u-${env:USER}"),
            ("acks", "all", "all"),
        ];
        for (key, raw, expected) in cases {
            assert_eq!(display_raw_value(key, raw), expected, "{key}={raw}");
        }
    }

    #[test]
    fn env_resolution() {
        let whole = resolve("${env:PW}").unwrap();
        assert_eq!(whole.value, "env-secret-1");
        assert!(whole.from_reference);
        assert_eq!(whole.substituted, ["env-secret-1"]);

        let embedded = resolve("password=\"${env:PW}\";").unwrap();
        assert_eq!(embedded.value, "password=\"env-secret-1\";");

        let literal = resolve("plain").unwrap();
        assert!(!literal.from_reference);
        assert!(resolve("${env:EMPTY}").unwrap().from_reference);

        let error = resolve("${env:NOPE}").unwrap_err();
        assert_eq!(
            error.to_string(),
            "cluster \"prod\" property \"sasl.password\": environment variable NOPE is not set"
        );
        assert!(matches!(resolve("${x:y}"), Err(ConfigError::MalformedReference { .. })));
    }

    #[test]
    fn file_resolution() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secrets.properties");
        let text = "# comment\n! also comment\n\n  ssl_key_password = file-secret-1  \n\
                    colon: c-value\nspaced s-value\nempty=\ndup=first\ndup=second\nurl=http://h:1/x\n";
        std::fs::write(&path, text).unwrap();
        let shown = path.display();
        #[rustfmt::skip]
        let cases = [
            ("ssl_key_password", "file-secret-1"),
            ("colon", "c-value"),
            ("spaced", "s-value"),
            ("empty", ""),
            ("dup", "second"),
            ("url", "http://h:1/x"),
        ];
        for (key, expected) in cases {
            let resolved = resolve(&format!("${{file:{shown}:{key}}}")).unwrap();
            assert_eq!(resolved.value, expected, "{key}");
        }

        let missing_key = resolve(&format!("${{file:{shown}:nope}}")).unwrap_err();
        assert_eq!(
            missing_key.to_string(),
            format!("cluster \"prod\" property \"sasl.password\": file {shown} has no key \"nope\"")
        );
        assert!(!missing_key.to_string().contains("file-secret-1"));

        let missing_file = dir.path().join("absent.properties");
        let error = resolve(&format!("${{file:{}:k}}", missing_file.display())).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, ConfigError::SecretFileUnreadable { .. }));
        assert!(message.starts_with(&format!(
            "cluster \"prod\" property \"sasl.password\": cannot read {}: ",
            missing_file.display()
        )));
    }

    #[test]
    fn java_properties_table() {
        #[rustfmt::skip]
        let cases = [
            ("a=1", "a", Some("1")),
            ("a = 1 ", "a", Some("1")),
            ("a:1", "a", Some("1")),
            ("a 1", "a", Some("1")),
            ("a", "a", Some("")),
            ("a=x=y", "a", Some("x=y")),
            ("#a=1", "a", None),
            ("!a=1", "a", None),
            ("b=1", "a", None),
            ("a=1\na=2", "a", Some("2")),
        ];
        for (text, key, expected) in cases {
            assert_eq!(java_property(text, key).as_deref(), expected, "{text}");
        }
    }
}
