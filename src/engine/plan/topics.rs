//! `[topics]`: which source topics are copied, and under which names.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

use super::error::PlanError;
use super::reader::{Located, Section};

pub(super) const TOPICS_KEYS: &[&str] = &["include", "exclude", "rename"];

/// Topics never copied, whatever the plan says: they belong to the source cluster or
/// its tools, and copying them would corrupt the destination's own.
/// - `__.*`: Kafka's and MSK's internals (`__consumer_offsets`, `__transaction_state`,
///   `__amazon_msk_canary`, `__amazon_msk_connect_*`).
/// - `_confluent.*`, `_schemas`: Confluent Platform internals and Schema Registry's log.
/// - `_kdeck.*`: kdeck's own state topics.
/// - MirrorMaker 2: `heartbeats`, `<cluster>.checkpoints.internal` and its
///   `mm2-{offset-syncs,configs,offsets,status}.<cluster>.internal` topics.
pub const BUILT_IN_EXCLUDES: &[&str] = &[
    "__.*",
    "_confluent.*",
    "_schemas",
    "_kdeck.*",
    "heartbeats",
    r".*\.checkpoints\.internal",
    r"mm2-(offset-syncs|configs|offsets|status)\..*\.internal",
];

/// Why a topic is not copied, for the UI to explain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    /// Matched one of [`BUILT_IN_EXCLUDES`].
    BuiltIn(&'static str),
    /// Matched this `exclude` pattern of the plan.
    User(String),
    /// Matched no `include` pattern.
    NotIncluded,
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BuiltIn(pattern) => write!(f, "excluded by the built-in pattern {pattern}"),
            Self::User(pattern) => write!(f, "excluded by the plan's pattern {pattern}"),
            Self::NotIncluded => f.write_str("matched by no include pattern"),
        }
    }
}

/// A regex as written in the plan, compiled to match whole topic names only.
#[derive(Debug, Clone)]
struct Pattern {
    written: String,
    whole: Regex,
}

impl Pattern {
    /// Checks the pattern alone before anchoring it: wrapped in `^(?:...)$`, a pattern
    /// such as `a)|(b` would balance its parentheses and match unanchored.
    fn new(written: &str) -> Result<Self, regex::Error> {
        Regex::new(written)?;
        Ok(Self { written: written.to_string(), whole: Regex::new(&format!("^(?:{written})$"))? })
    }

    fn matches(&self, topic: &str) -> bool {
        self.whole.is_match(topic)
    }
}

fn built_in_excludes() -> &'static [(&'static str, Pattern)] {
    static COMPILED: OnceLock<Vec<(&'static str, Pattern)>> = OnceLock::new();
    // Every pattern is a constant covered by a test, so `ok()` drops nothing.
    COMPILED.get_or_init(|| {
        BUILT_IN_EXCLUDES.iter().filter_map(|written| Some((*written, Pattern::new(written).ok()?))).collect()
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Literal(String),
    Topic,
    Source,
}

/// `[topics]`: the include and exclude patterns and the rename template.
#[derive(Debug, Clone)]
pub struct TopicSelection {
    include: Vec<Pattern>,
    exclude: Vec<Pattern>,
    rename: String,
    segments: Vec<Segment>,
}

impl TopicSelection {
    pub fn selects(&self, topic: &str) -> bool {
        self.exclusion_reason(topic).is_none()
    }

    /// Built-in excludes win over everything, then the plan's excludes, then includes.
    pub fn exclusion_reason(&self, topic: &str) -> Option<Exclusion> {
        if let Some((written, _)) = built_in_excludes().iter().find(|(_, pattern)| pattern.matches(topic)) {
            return Some(Exclusion::BuiltIn(written));
        }
        if let Some(pattern) = self.exclude.iter().find(|pattern| pattern.matches(topic)) {
            return Some(Exclusion::User(pattern.written.clone()));
        }
        (!self.include.iter().any(|pattern| pattern.matches(topic))).then_some(Exclusion::NotIncluded)
    }

    /// The destination name of a source topic, by the rename template.
    pub fn destination_topic(&self, source_profile: &str, topic: &str) -> String {
        self.segments
            .iter()
            .map(|segment| match segment {
                Segment::Literal(text) => text.as_str(),
                Segment::Topic => topic,
                Segment::Source => source_profile,
            })
            .collect()
    }

    /// Whether every topic keeps its name (`rename = "{topic}"`).
    pub fn keeps_names(&self) -> bool {
        self.segments == [Segment::Topic]
    }

    pub fn include_patterns(&self) -> impl Iterator<Item = &str> {
        self.include.iter().map(|pattern| pattern.written.as_str())
    }

    pub fn exclude_patterns(&self) -> impl Iterator<Item = &str> {
        self.exclude.iter().map(|pattern| pattern.written.as_str())
    }

    pub fn rename_template(&self) -> &str {
        &self.rename
    }
}

/// Reads `[topics]`; `source_profile` must be known because `{source}` ends up in topic names.
pub(super) fn read_topics(section: &Section<'_>, source_profile: &str) -> Result<TopicSelection, PlanError> {
    section.reject_unknown_keys(TOPICS_KEYS)?;
    let include = match section.strings("include")? {
        None => compile(section, "include", vec![Located { value: ".*", line: 1 }])?,
        Some(list) if list.value.is_empty() => {
            let expected = "at least one pattern; leave include out to select every topic";
            return Err(section.invalid("include", list.line, "[]".into(), expected));
        }
        Some(list) => compile(section, "include", list.value)?,
    };
    let exclude = match section.strings("exclude")? {
        None => Vec::new(),
        Some(list) => compile(section, "exclude", list.value)?,
    };
    let rename = section.string("rename")?.unwrap_or(Located { value: "{topic}", line: 1 });
    let segments = parse_template(rename.value, source_profile)
        .map_err(|expected| section.invalid_string("rename", rename, expected))?;
    Ok(TopicSelection { include, exclude, rename: rename.value.to_string(), segments })
}

fn compile(section: &Section<'_>, key: &str, patterns: Vec<Located<&str>>) -> Result<Vec<Pattern>, PlanError> {
    patterns
        .into_iter()
        .map(|pattern| {
            Pattern::new(pattern.value).map_err(|error| PlanError::InvalidRegex {
                path: section.plan().path.to_path_buf(),
                line: pattern.line,
                key: section.key_path(key),
                pattern: pattern.value.to_string(),
                reason: flatten(&error),
            })
        })
        .collect()
}

/// regex draws a caret diagram over several lines; its last `error:` line says it all.
fn flatten(error: &regex::Error) -> String {
    let text = error.to_string();
    match text.rsplit_once("error: ") {
        Some((_, reason)) => reason.lines().next().unwrap_or_default().trim().to_string(),
        None => text.lines().map(str::trim).filter(|line| !line.is_empty()).collect::<Vec<_>>().join("; "),
    }
}

fn is_topic_character(character: char) -> bool {
    character.is_ascii_alphanumeric() || matches!(character, '.' | '_' | '-')
}

/// Splits a rename template into literals and placeholders. Braces cannot appear in a
/// topic name, so there is no escaping: every brace must open or close a placeholder.
fn parse_template(template: &str, source_profile: &str) -> Result<Vec<Segment>, String> {
    let mut segments = Vec::new();
    let mut rest = template;
    while !rest.is_empty() {
        if let Some(after_brace) = rest.strip_prefix('{') {
            let Some(end) = after_brace.find('}') else {
                return Err("every { closed by }, as in \"{source}.{topic}\"".into());
            };
            segments.push(match &after_brace[..end] {
                "topic" => Segment::Topic,
                "source" if source_profile.chars().all(is_topic_character) => Segment::Source,
                "source" => {
                    return Err(format!(
                        "no {{source}}, because the source profile name {source_profile:?} has characters that topic names cannot"
                    ));
                }
                other => return Err(format!("only the placeholders {{topic}} and {{source}}, found {{{other}}}")),
            });
            rest = &after_brace[end + 1..];
        } else {
            let end = rest.find(['{', '}']).unwrap_or(rest.len());
            let literal = &rest[..end];
            if end == 0 {
                return Err("every } opened by {, as in \"{source}.{topic}\"".into());
            }
            if !literal.chars().all(is_topic_character) {
                return Err("only letters, digits, '.', '_' and '-' around the placeholders".into());
            }
            segments.push(Segment::Literal(literal.to_string()));
            rest = &rest[end..];
        }
    }
    if !segments.contains(&Segment::Topic) {
        return Err("a template containing {topic}, like \"{topic}\" or \"{source}.{topic}\"".into());
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_exclude_compiles() {
        assert_eq!(built_in_excludes().len(), BUILT_IN_EXCLUDES.len());
    }

    /// (template, source profile, segments or the start of the expected-text)
    type TemplateCase<'a> = (&'a str, &'a str, Result<Vec<Segment>, &'a str>);

    #[test]
    fn templates() {
        use Segment::{Source, Topic};
        let literal = |text: &str| Segment::Literal(text.to_string());
        #[rustfmt::skip]
        let cases: Vec<TemplateCase> = vec![
            ("{topic}", "src", Ok(vec![Topic])),
            ("{source}.{topic}", "msk", Ok(vec![Source, literal("."), Topic])),
            ("mig_{topic}-v2", "msk", Ok(vec![literal("mig_"), Topic, literal("-v2")])),
            ("{topic}{topic}", "msk", Ok(vec![Topic, Topic])),
            ("", "msk", Err("a template containing {topic}")),
            ("{source}", "msk", Err("a template containing {topic}")),
            ("orders", "msk", Err("a template containing {topic}")),
            ("{Topic}", "msk", Err("only the placeholders {topic} and {source}, found {Topic}")),
            ("{topic}.{cluster}", "msk", Err("only the placeholders {topic} and {source}, found {cluster}")),
            ("{}{topic}", "msk", Err("only the placeholders {topic} and {source}, found {}")),
            ("{topic", "msk", Err("every { closed by }")),
            ("topic}", "msk", Err("every } opened by {")),
            ("{topic}}", "msk", Err("every } opened by {")),
            ("{topic} copy", "msk", Err("only letters, digits")),
            ("{topic}/x", "msk", Err("only letters, digits")),
            ("{source}.{topic}", "msk prod", Err("no {source}, because the source profile name \"msk prod\"")),
        ];
        for (template, source, expected) in cases {
            match (parse_template(template, source), expected) {
                (Ok(segments), Ok(expected)) => assert_eq!(segments, expected, "{template}"),
                (Err(error), Err(prefix)) => assert!(error.starts_with(prefix), "{template}: {error}"),
                (got, expected) => panic!("{template}: got {got:?}, expected {expected:?}"),
            }
        }
    }

    #[test]
    fn regex_errors_flatten_to_one_line() {
        #[rustfmt::skip]
        let cases = [
            ("orders[", "unclosed character class"),
            ("a)|(b", "unopened group"),
            ("(?P<x", "unclosed capture group name"),
            ("*", "repetition operator missing expression"),
        ];
        for (pattern, expected) in cases {
            let error = Pattern::new(pattern).unwrap_err();
            assert_eq!(flatten(&error), expected, "{pattern}");
        }
    }
}
