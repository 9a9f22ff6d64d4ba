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
    /// Source and destination are one cluster, and this name is where the rename
    /// copies this selected topic: selecting it too would copy every copy again.
    CopyOf(String),
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BuiltIn(pattern) => write!(f, "excluded by the built-in pattern {pattern}"),
            Self::User(pattern) => write!(f, "excluded by the plan's pattern {pattern}"),
            Self::NotIncluded => f.write_str("matched by no include pattern"),
            Self::CopyOf(topic) => write!(f, "the copy of the selected topic {topic} on the same cluster"),
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
    /// Source and destination are the same profile: see [`Exclusion::CopyOf`].
    same_cluster: bool,
    source_profile: String,
}

impl TopicSelection {
    pub fn selects(&self, topic: &str) -> bool {
        self.exclusion_reason(topic).is_none()
    }

    /// Built-in excludes win over everything, then the plan's excludes, then includes;
    /// on a single cluster, the copy of a selected topic is never selected itself.
    pub fn exclusion_reason(&self, topic: &str) -> Option<Exclusion> {
        if let Some(reason) = self.base_exclusion(topic) {
            return Some(reason);
        }
        let original = self.same_cluster.then(|| self.renamed_from(&self.source_profile, topic)).flatten();
        original.filter(|original| self.base_exclusion(original).is_none()).map(Exclusion::CopyOf)
    }

    /// The selection by patterns alone.
    fn base_exclusion(&self, topic: &str) -> Option<Exclusion> {
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

    /// The other source topic whose destination name is `destination`, if any.
    fn renamed_from(&self, source_profile: &str, destination: &str) -> Option<String> {
        let copies = self.segments.iter().filter(|segment| **segment == Segment::Topic).count();
        let fixed = self.destination_topic(source_profile, "").len();
        let variable = destination.len().checked_sub(fixed)?;
        if variable % copies != 0 {
            return None;
        }
        let prefix: usize = self
            .segments
            .iter()
            .take_while(|segment| **segment != Segment::Topic)
            .map(|segment| match segment {
                Segment::Literal(text) => text.len(),
                Segment::Source => source_profile.len(),
                Segment::Topic => 0,
            })
            .sum();
        let original = destination.get(prefix..prefix + variable / copies)?;
        (original != destination && self.destination_topic(source_profile, original) == destination)
            .then(|| original.to_string())
    }

    /// On one cluster: a topic the plan selects whose copy the plan selects too, as
    /// (topic, copy). Found by trying names each include pattern matches, so a plan
    /// that passes may still have such a pair: [`Exclusion::CopyOf`] then stops it.
    pub fn self_feeding(&self, source_profile: &str) -> Option<(String, String)> {
        let candidates = self.include.iter().flat_map(|pattern| witnesses(&pattern.written));
        candidates.filter(|topic| self.base_exclusion(topic).is_none()).find_map(|topic| {
            let copy = self.destination_topic(source_profile, &topic);
            (copy != topic && self.base_exclusion(&copy).is_none()).then_some((topic, copy))
        })
    }

    /// A selected topic renamed onto another selected topic of `topics`, as (topic, destination name).
    pub fn renamed_onto_selected<'a>(
        &self,
        source_profile: &str,
        topics: impl IntoIterator<Item = &'a str> + Clone,
    ) -> Option<(String, String)> {
        let selected: std::collections::BTreeSet<&str> = topics.into_iter().filter(|t| self.selects(t)).collect();
        selected.iter().find_map(|topic| {
            let copy = self.destination_topic(source_profile, topic);
            (copy != *topic && selected.contains(copy.as_str())).then(|| (topic.to_string(), copy))
        })
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

/// Reads `[topics]`; `source_profile` must be known because `{source}` ends up in topic
/// names. On one cluster, a rename must not lead onto selected names.
pub(super) fn read_topics(
    section: &Section<'_>,
    source_profile: &str,
    same_cluster: bool,
) -> Result<TopicSelection, PlanError> {
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
    let selection = TopicSelection {
        include,
        exclude,
        rename: rename.value.to_string(),
        segments,
        same_cluster,
        source_profile: source_profile.to_string(),
    };
    if same_cluster && !selection.keeps_names() {
        if let Some((topic, copy)) = selection.self_feeding(source_profile) {
            return Err(section.invalid_string("rename", rename, self_feeding_expectation(&topic, &copy)));
        }
    }
    Ok(selection)
}

pub(super) fn self_feeding_expectation(topic: &str, copy: &str) -> String {
    format!(
        "a rename onto names the plan does not select, since source and destination are the same cluster: {topic} would be copied to {copy}, which the plan selects too, and so on without end"
    )
}

/// Most names a generated witness list holds; patterns with many alternatives are sampled.
const WITNESSES: usize = 64;

/// Topic names `pattern` matches, a few per alternative and repetition: short ones,
/// made of characters topic names allow where the pattern leaves a choice.
fn witnesses(pattern: &str) -> Vec<String> {
    let Ok(hir) = regex_syntax::Parser::new().parse(pattern) else { return Vec::new() };
    let mut names = hir_witnesses(&hir);
    names.retain(|name| !name.is_empty() && name.chars().all(is_topic_character));
    names
}

fn hir_witnesses(hir: &regex_syntax::hir::Hir) -> Vec<String> {
    use regex_syntax::hir::{Class, HirKind};
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => vec![String::new()],
        HirKind::Literal(literal) => vec![String::from_utf8_lossy(&literal.0).into_owned()],
        HirKind::Class(Class::Unicode(class)) => {
            let preferred = ['a', '0', '-', '.', '_']
                .into_iter()
                .find(|c| class.ranges().iter().any(|r| r.start() <= *c && *c <= r.end()));
            preferred.or_else(|| class.ranges().first().map(|r| r.start())).map(String::from).into_iter().collect()
        }
        HirKind::Class(Class::Bytes(class)) => {
            class.ranges().first().map(|r| char::from(r.start()).to_string()).into_iter().collect()
        }
        HirKind::Repetition(repetition) => {
            let inner = hir_witnesses(&repetition.sub);
            let Some(one) = inner.first() else { return Vec::new() };
            let min = repetition.min as usize;
            let mut names = vec![one.repeat(min)];
            if repetition.max.is_none_or(|max| max as usize > min) {
                names.extend(inner.iter().map(|other| format!("{}{other}", one.repeat(min))));
            }
            names.truncate(WITNESSES);
            names
        }
        HirKind::Capture(capture) => hir_witnesses(&capture.sub),
        HirKind::Concat(parts) => parts.iter().fold(vec![String::new()], |names, part| {
            let next = hir_witnesses(part);
            names.iter().flat_map(|name| next.iter().map(move |n| format!("{name}{n}"))).take(WITNESSES).collect()
        }),
        HirKind::Alternation(branches) => branches.iter().flat_map(hir_witnesses).take(WITNESSES).collect(),
    }
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

    fn selection(include: &[&str], rename: &str, same_cluster: bool) -> TopicSelection {
        TopicSelection {
            include: include.iter().map(|p| Pattern::new(p).unwrap()).collect(),
            exclude: vec![Pattern::new("skip.*").unwrap()],
            rename: rename.to_string(),
            segments: parse_template(rename, "src").unwrap(),
            same_cluster,
            source_profile: "src".to_string(),
        }
    }

    #[test]
    fn witnesses_are_names_the_pattern_matches() {
        for pattern in ["qa-tx.*", ".*", "orders", "a|b.c", "(x|y)[0-9]{1,3}", "^t+$", "é.*", "[^a]z"] {
            let names = witnesses(pattern);
            let whole = Regex::new(&format!("^(?:{pattern})$")).unwrap();
            assert!(names.iter().all(|name| whole.is_match(name)), "{pattern}: {names:?}");
            assert!(pattern == "é.*" || !names.is_empty(), "{pattern}");
        }
        assert!(witnesses("qa-tx.*").contains(&"qa-tx".to_string()));
        assert!(witnesses("a|b.c").contains(&"bac".to_string()));
    }

    /// (include patterns, rename, the (topic, copy) pair found)
    type SelfFeedingCase<'a> = (&'a [&'a str], &'a str, Option<(&'a str, &'a str)>);

    #[test]
    fn a_rename_onto_selected_names_feeds_itself_on_one_cluster() {
        #[rustfmt::skip]
        let cases: &[SelfFeedingCase] = &[
            (&["qa-tx.*"], "{topic}-x", Some(("qa-tx", "qa-tx-x"))),
            (&[".*"], "{source}.{topic}", Some(("a", "src.a"))),
            (&["orders", "orders-copy"], "{topic}-copy", Some(("orders", "orders-copy"))),
            (&["ab|a"], "{topic}b", Some(("a", "ab"))),
            (&["orders"], "{topic}-copy", None),
            (&["[a-z]+"], "{topic}.x", None),
            (&["orders.*"], "copy-{topic}", None),
            (&["orders.*"], "skip-{topic}", None),
        ];
        for (include, rename, expected) in cases {
            let got = selection(include, rename, true).self_feeding("src");
            let expected = expected.map(|(a, b)| (a.to_string(), b.to_string()));
            assert_eq!(got, expected, "{include:?} {rename}");
        }
    }

    #[test]
    fn on_one_cluster_the_copy_of_a_selected_topic_is_not_selected() {
        let one = selection(&["qa-tx.*"], "{topic}-x", true);
        assert!(one.selects("qa-tx"));
        assert_eq!(one.exclusion_reason("qa-tx-x"), Some(Exclusion::CopyOf("qa-tx".into())));
        assert_eq!(one.exclusion_reason("qa-tx-x-x"), Some(Exclusion::CopyOf("qa-tx-x".into())));
        assert_eq!(one.exclusion_reason("skip-x"), None.or(Some(Exclusion::User("skip.*".into()))));
        let twice = selection(&["a.*"], "p.{topic}.{topic}", true);
        assert_eq!(twice.exclusion_reason("p.ab.ab"), Some(Exclusion::NotIncluded));
        let twice = selection(&["a.*", "p.*"], "p.{topic}.{topic}", true);
        assert_eq!(twice.exclusion_reason("p.ab.ab"), Some(Exclusion::CopyOf("ab".into())));
        assert_eq!(twice.exclusion_reason("p.ab.ac"), None);
        let two = selection(&["qa-tx.*"], "{topic}-x", false);
        assert_eq!(two.exclusion_reason("qa-tx-x"), None);
    }

    #[test]
    fn renamed_onto_another_selected_topic() {
        let plan = selection(&["orders.*"], "{topic}-copy", false);
        assert_eq!(
            plan.renamed_onto_selected("src", ["orders", "orders-copy", "other"]),
            Some(("orders".to_string(), "orders-copy".to_string()))
        );
        assert_eq!(plan.renamed_onto_selected("src", ["orders", "orders-x"]), None);
        let keeps = selection(&[".*"], "{topic}", false);
        assert_eq!(keeps.renamed_onto_selected("src", ["a", "b"]), None);
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
