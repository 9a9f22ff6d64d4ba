//! A migration plan as Kafka Connect connector configs: MirrorMaker 2's
//! `MirrorSourceConnector` or Confluent Replicator. Each function returns the body of
//! `POST /connectors` (`{"name", "config"}`); its `config` alone is the body of
//! `PUT /connectors/{name}/config`. docs/EXPORT.md says what maps to what and what
//! cannot be carried over.
//!
//! Secrets are never written: client properties come from
//! [`ClientProperties::redacted`](crate::config::ClientProperties::redacted), so a secret
//! read from `${env:VAR}` or `${file:PATH:KEY}` stays that reference (Connect resolves it
//! with its EnvVarConfigProvider / FileConfigProvider) and any other secret is
//! `[redacted]`, for the operator to fill in.

use serde_json::{json, Map, Value};

use crate::config::ResolvedCluster;
use crate::engine::plan::{Mode, Plan, StartPolicy, BUILT_IN_EXCLUDES, NEVER_SYNCED_CONFIGS, NEVER_SYNCED_PREFIXES};

pub const MM2_CONNECTOR_CLASS: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
pub const REPLICATOR_CONNECTOR_CLASS: &str = "io.confluent.connect.replicator.ReplicatorSourceConnector";
const MM2_CONVERTER: &str = "org.apache.kafka.connect.converters.ByteArrayConverter";
const REPLICATOR_CONVERTER: &str = "io.confluent.connect.replicator.util.ByteArrayConverter";
const IDENTITY_POLICY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
const DEFAULT_POLICY: &str = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";

/// How MirrorMaker 2 names destination topics, from the plan's `rename`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mm2Naming {
    /// `"{topic}"`: IdentityReplicationPolicy.
    Identity,
    /// `"{source}<separator>{topic}"`: DefaultReplicationPolicy with this separator.
    Prefixed { separator: String },
}

/// MirrorMaker 2 can only keep names or prefix them with the source alias; `None`
/// for any other template (such as `"{topic}-migrated"`), which it cannot express.
pub fn mm2_naming(plan: &Plan) -> Option<Mm2Naming> {
    if plan.topics.keeps_names() {
        return Some(Mm2Naming::Identity);
    }
    let separator = plan.topics.rename_template().strip_prefix("{source}")?.strip_suffix("{topic}")?;
    let plain = !separator.is_empty() && !separator.contains('{');
    plain.then(|| Mm2Naming::Prefixed { separator: separator.to_string() })
}

/// Things the plan asks for that the exported connector will do differently; empty
/// when the export is faithful apart from what docs/EXPORT.md lists for every plan.
pub fn mm2_caveats(plan: &Plan, source: &ResolvedCluster, destination: &ResolvedCluster) -> Vec<String> {
    let mut caveats = common_caveats(plan, source, destination);
    caveats.extend(mm2_rewritten_patterns(plan));
    if plan.engine.mode == Mode::ExactlyOnce {
        caveats.push(
            "exactly.once.support=required: the Connect workers need exactly.once.source.support=enabled (Kafka 3.3+), or the connector is refused".into(),
        );
    }
    caveats
}

/// As [`mm2_caveats`], for Confluent Replicator.
pub fn replicator_caveats(plan: &Plan, source: &ResolvedCluster, destination: &ResolvedCluster) -> Vec<String> {
    let mut caveats = common_caveats(plan, source, destination);
    if plan.engine.mode == Mode::ExactlyOnce {
        caveats
            .push("mode = \"exactly-once\": Replicator is at-least-once; a restart may copy some records twice".into());
    }
    caveats
}

fn common_caveats(plan: &Plan, source: &ResolvedCluster, destination: &ResolvedCluster) -> Vec<String> {
    let mut caveats = Vec::new();
    for (role, cluster) in [("source", source), ("destination", destination)] {
        for (key, _) in cluster.properties.redacted() {
            if UNTRANSLATED_PREFIXES.iter().any(|prefix| key.starts_with(prefix)) {
                caveats.push(format!(
                    "{role} property {key} is librdkafka's; exported as it is, but Java clients need their own setting for it"
                ));
            }
        }
    }
    if let StartPolicy::Timestamp(_) = plan.engine.start {
        caveats.push("start = <timestamp> has no connector setting: exported as earliest; set the start with PATCH /connectors/{name}/offsets while it is stopped".into());
    }
    for (role, cluster) in [("source", source), ("destination", destination)] {
        for (key, value) in cluster.properties.redacted() {
            if value.contains(crate::config::REDACTED) {
                caveats.push(format!(
                    "{role} property {key} is a secret not written as ${{env:..}} or ${{file:..}}: exported as {value}, replace it before use"
                ));
            }
        }
    }
    caveats
}

/// `topics` and `topics.exclude` for MirrorMaker 2, which splits both on commas:
/// each pattern is written without one ([`comma_free`]), or the export is refused
/// with the reason. Setting `topics.exclude` replaces MirrorMaker's own default,
/// so kdeck's built-ins go first.
pub fn mm2_pattern_lists(plan: &Plan) -> Result<(String, String), String> {
    let list = |key: &str, patterns: Vec<&str>| -> Result<String, String> {
        let written = patterns.into_iter().map(|pattern| {
            comma_free(pattern).map_err(|reason| {
                format!("topics.{key} entry {pattern:?} cannot be exported to MirrorMaker 2, which splits its topic lists on commas: {reason}")
            })
        });
        Ok(written.collect::<Result<Vec<_>, _>>()?.join(","))
    };
    let excludes = BUILT_IN_EXCLUDES.iter().copied().chain(plan.topics.exclude_patterns()).collect();
    Ok((list("include", plan.topics.include_patterns().collect())?, list("exclude", excludes)?))
}

/// Patterns MirrorMaker 2 receives in another (equivalent) spelling, for a note.
pub fn mm2_rewritten_patterns(plan: &Plan) -> Vec<String> {
    plan.topics
        .include_patterns()
        .chain(plan.topics.exclude_patterns())
        .filter_map(|pattern| match comma_free(pattern) {
            Ok(written) if written != pattern => Some(format!(
                "pattern {pattern:?} is exported as {written:?}: MirrorMaker 2 splits its topic lists on commas"
            )),
            _ => None,
        })
        .collect()
}

/// Longest `{m,n}` span written out as optional copies.
const MAX_EXPANDED: u32 = 32;

/// The same pattern without a comma: `X{m,n}` becomes `X{m}` and `n-m` optional
/// copies of `X`, `X{m,}` becomes `X{m}(?:X)*`, a literal comma `\x2C` (Java
/// reads both). Innermost repetitions first, so nested ones work out too.
pub fn comma_free(pattern: &str) -> Result<String, String> {
    use regex_syntax::ast::{parse::Parser, Ast, RepetitionKind, RepetitionRange};
    fn find(ast: &Ast, text: &str) -> Option<(std::ops::Range<usize>, String)> {
        match ast {
            Ast::Repetition(repetition) => {
                if let Some(found) = find(&repetition.ast, text) {
                    return Some(found);
                }
                let inner = &text[repetition.ast.span().start.offset..repetition.ast.span().end.offset];
                let lazy = if repetition.greedy { "" } else { "?" };
                let written = match &repetition.op.kind {
                    RepetitionKind::Range(RepetitionRange::AtLeast(m)) => {
                        format!("(?:{inner}){{{m}}}(?:{inner})*{lazy}")
                    }
                    RepetitionKind::Range(RepetitionRange::Bounded(m, n)) if n > m && n - m <= MAX_EXPANDED => {
                        let optional = format!("(?:{inner})?{lazy}").repeat((n - m) as usize);
                        format!("(?:{inner}){{{m}}}{optional}")
                    }
                    RepetitionKind::Range(RepetitionRange::Bounded(m, n)) if n == m => format!("(?:{inner}){{{m}}}"),
                    _ => return None,
                };
                let span = repetition.span.start.offset..repetition.span.end.offset;
                text[span.clone()].contains(',').then_some((span, written))
            }
            Ast::Group(group) => find(&group.ast, text),
            Ast::Alternation(alternation) => alternation.asts.iter().find_map(|a| find(a, text)),
            Ast::Concat(concat) => concat.asts.iter().find_map(|a| find(a, text)),
            Ast::Literal(literal) if literal.c == ',' => {
                Some((literal.span.start.offset..literal.span.end.offset, r"\x2C".to_string()))
            }
            _ => None,
        }
    }
    let mut text = pattern.to_string();
    while text.contains(',') {
        let ast = Parser::new().parse(&text).map_err(|err| format!("not a regular expression ({})", err.kind()))?;
        let Some((span, written)) = find(&ast, &text) else {
            return Err(
                "its comma cannot be written otherwise (write the repetition out, or the class without a comma)".into(),
            );
        };
        if written.len() > 4096 {
            return Err("written out without commas it grows too long".into());
        }
        text.replace_range(span, &written);
    }
    Ok(text)
}

/// The plan as a MirrorMaker 2 `MirrorSourceConnector` on a Connect cluster. A rename
/// MirrorMaker 2 cannot express (see [`mm2_naming`]) is exported as identity naming:
/// check [`mm2_naming`] first.
pub fn to_mirror_maker2(
    plan: &Plan,
    source: &ResolvedCluster,
    destination: &ResolvedCluster,
    tasks_max: usize,
) -> Value {
    let mut config = Map::new();
    let mut put = |key: &str, value: String| {
        config.insert(key.to_string(), Value::String(value));
    };
    put("connector.class", MM2_CONNECTOR_CLASS.into());
    put("tasks.max", tasks_max.to_string());
    put("source.cluster.alias", plan.source.clone());
    put("target.cluster.alias", plan.destination.clone());
    for (prefix, cluster) in [("source.cluster.", source), ("target.cluster.", destination)] {
        for (key, value) in java_client_properties(cluster) {
            put(&format!("{prefix}{key}"), value);
        }
    }
    // Untranslatable patterns are refused before export (see mm2_pattern_list).
    let (includes, excludes) = mm2_pattern_lists(plan).unwrap_or_default();
    put("topics", includes);
    put("topics.exclude", excludes);
    match mm2_naming(plan).unwrap_or(Mm2Naming::Identity) {
        Mm2Naming::Identity => put("replication.policy.class", IDENTITY_POLICY.into()),
        Mm2Naming::Prefixed { separator } => {
            put("replication.policy.class", DEFAULT_POLICY.into());
            put("replication.policy.separator", separator);
        }
    }
    if plan.engine.mode == Mode::ExactlyOnce {
        put("exactly.once.support", "required".into());
    }
    // MirrorMaker 2 declares exactly-once support only with read_committed, and aborted
    // records must not be copied in either mode.
    put("source.consumer.isolation.level", "read_committed".into());
    put("source.consumer.auto.offset.reset", auto_offset_reset(plan).into());
    put("sync.topic.configs.enabled", plan.sync.configs.to_string());
    let never = NEVER_SYNCED_CONFIGS.iter().map(|config| config.replace('.', "\\."));
    let never = never.chain(NEVER_SYNCED_PREFIXES.iter().map(|prefix| format!("{}.*", prefix.replace('.', "\\."))));
    put("config.properties.exclude", never.collect::<Vec<_>>().join(","));
    put("sync.topic.acls.enabled", "false".into());
    put("refresh.topics.interval.seconds", plan.engine.refresh_interval.as_secs().max(1).to_string());
    put("replication.factor", plan.sync.replication_factor_for_create().to_string());
    // kdeck never writes to the source; MirrorMaker 2 would, by default.
    put("offset-syncs.topic.location", "target".into());
    for converter in ["key.converter", "value.converter", "header.converter"] {
        put(converter, MM2_CONVERTER.into());
    }
    json!({ "name": plan.name, "config": config })
}

/// The plan as a Confluent Replicator connector on a Connect cluster.
pub fn to_replicator(plan: &Plan, source: &ResolvedCluster, destination: &ResolvedCluster, tasks_max: usize) -> Value {
    let mut config = Map::new();
    let mut put = |key: &str, value: String| {
        config.insert(key.to_string(), Value::String(value));
    };
    put("connector.class", REPLICATOR_CONNECTOR_CLASS.into());
    put("tasks.max", tasks_max.to_string());
    for (prefix, cluster) in [("src.kafka.", source), ("dest.kafka.", destination)] {
        for (key, value) in java_client_properties(cluster) {
            put(&format!("{prefix}{key}"), value);
        }
    }
    put("topic.regex", replicator_topic_regex(plan));
    let rename = plan.topics.rename_template().replace("{topic}", "${topic}").replace("{source}", &plan.source);
    put("topic.rename.format", rename);
    put("topic.auto.create", "true".into());
    put("topic.preserve.partitions", "true".into());
    put("topic.config.sync", plan.sync.configs.to_string());
    put("provenance.header.enable", plan.engine.provenance.to_string());
    if let Some(factor) = plan.sync.replication_factor.filter(|factor| *factor > 0) {
        put("dest.topic.replication.factor", factor.to_string());
    }
    put("src.consumer.isolation.level", "read_committed".into());
    put("src.consumer.auto.offset.reset", auto_offset_reset(plan).into());
    for converter in ["key.converter", "value.converter", "header.converter"] {
        put(converter, REPLICATOR_CONVERTER.into());
    }
    json!({ "name": plan.name, "config": config })
}

/// librdkafka settings with no one-to-one Java client equivalent, copied as they are.
const UNTRANSLATED_PREFIXES: &[&str] = &["ssl.certificate.", "ssl.key.location", "sasl.kerberos.", "sasl.oauthbearer."];

/// kdeck profiles hold librdkafka properties; Connect's clients are Java. The settings
/// every SASL/TLS profile uses are translated, secrets staying redacted:
/// - `sasl.mechanisms` becomes `sasl.mechanism`;
/// - `sasl.username` and `sasl.password` become `sasl.jaas.config` for PLAIN and SCRAM
///   (Connect's config providers resolve a reference inside it);
/// - `ssl.ca.location` becomes a PEM truststore.
///
/// Anything else is copied as it is (Java clients ignore settings they do not know).
fn java_client_properties(cluster: &ResolvedCluster) -> Vec<(String, String)> {
    let properties = cluster.properties.redacted();
    let value = |key: &str| properties.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str());
    let mechanism = value("sasl.mechanisms").or(value("sasl.mechanism")).unwrap_or("GSSAPI"); // librdkafka's default
    let login_module = match mechanism {
        "PLAIN" => Some("org.apache.kafka.common.security.plain.PlainLoginModule"),
        "SCRAM-SHA-256" | "SCRAM-SHA-512" => Some("org.apache.kafka.common.security.scram.ScramLoginModule"),
        _ => None,
    };
    let jaas = match (login_module, value("sasl.username"), value("sasl.password"), value("sasl.jaas.config")) {
        (Some(module), Some(username), Some(password), None) => Some(format!(
            "{module} required username=\"{}\" password=\"{}\";",
            jaas_quoted(username),
            jaas_quoted(password)
        )),
        _ => None,
    };
    let msk_iam = mechanism.eq_ignore_ascii_case("AWS_MSK_IAM");
    let mut translated = Vec::new();
    for (key, value) in &properties {
        match key.as_str() {
            // kdeck's MSK IAM is the Java clients' IAMLoginModule.
            "sasl.mechanisms" if msk_iam => translated.push(("sasl.mechanism".to_string(), "AWS_MSK_IAM".to_string())),
            "aws.region" if msk_iam => {}
            "aws.profile" if msk_iam => {}
            "ssl.endpoint.identification.algorithm" if value == "none" => translated.push((key.clone(), String::new())),
            "sasl.mechanisms" => translated.push(("sasl.mechanism".to_string(), value.clone())),
            "sasl.username" | "sasl.password" if jaas.is_some() => {}
            "ssl.ca.location" => {
                translated.push(("ssl.truststore.type".to_string(), "PEM".to_string()));
                translated.push(("ssl.truststore.location".to_string(), value.clone()));
            }
            _ => translated.push((key.clone(), value.clone())),
        }
    }
    if let Some(jaas) = jaas {
        translated.push(("sasl.jaas.config".to_string(), jaas));
    }
    if msk_iam {
        let profile = value("aws.profile").map(|name| format!(" awsProfileName=\"{}\"", jaas_quoted(name)));
        translated.push((
            "sasl.jaas.config".to_string(),
            format!("software.amazon.msk.auth.iam.IAMLoginModule required{};", profile.unwrap_or_default()),
        ));
        translated.push((
            "sasl.client.callback.handler.class".to_string(),
            "software.amazon.msk.auth.iam.IAMClientCallbackHandler".to_string(),
        ));
    }
    translated
}

fn jaas_quoted(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Replicator's `topic.blacklist` takes names, not patterns, so every exclude becomes a
/// negative lookahead in front of the includes; Java's `matches()` anchors the whole.
fn replicator_topic_regex(plan: &Plan) -> String {
    let excludes: Vec<&str> = BUILT_IN_EXCLUDES.iter().copied().chain(plan.topics.exclude_patterns()).collect();
    let includes: Vec<&str> = plan.topics.include_patterns().collect();
    format!("(?!(?:{})$)(?:{})", excludes.join("|"), includes.join("|"))
}

fn auto_offset_reset(plan: &Plan) -> &'static str {
    match plan.engine.start {
        StartPolicy::Latest => "latest",
        StartPolicy::Earliest | StartPolicy::Timestamp(_) => "earliest",
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use serde_json::json;

    use super::*;
    use crate::config::{parse, resolve_cluster, ClusterArgs};
    use crate::engine::plan::parse_plan;

    /// Unique to this file: the scrub registry is process-wide.
    const PASSWORD: &str = "Exp0rt-file-Pa55word";
    const LITERAL: &str = "Exp0rt-literal-secret";

    /// The source's password comes from `${file:SECRETS:msk_password}`; returns the
    /// clusters and that reference.
    fn clusters() -> (ResolvedCluster, ResolvedCluster, String) {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets.properties");
        std::fs::write(&secrets, format!("msk_password={PASSWORD}\n")).unwrap();
        let reference = format!("${{file:{}:msk_password}}", secrets.display());
        let text = format!(
            r#"
[clusters.msk]
bootstrap = "b-1.msk.example:9096"
"security.protocol" = "SASL_SSL"
"sasl.mechanisms" = "SCRAM-SHA-512"
"sasl.username" = "migrator"
"sasl.password" = '{reference}'

[clusters.ccloud]
bootstrap = "pkc.ccloud.example:9092"
"sasl.password" = "{LITERAL}"
"#
        );
        let config = parse(&text, Path::new("config.toml")).unwrap();
        let resolve = |name: &str| {
            let args = ClusterArgs { cluster: name.into(), properties_file: None, overrides: Vec::new() };
            resolve_cluster(&args, &config).unwrap()
        };
        (resolve("msk"), resolve("ccloud"), reference)
    }

    /// Issue 14: the OAuth assertion key, its passphrase, extensions, a token
    /// endpoint's URL credentials and unknown keys never reach an export.
    #[test]
    fn oauth_secrets_unknown_keys_and_url_credentials_are_not_exported() {
        let secrets = [
            ("sasl.oauthbearer.assertion.private.key.pem", "Exp0rt-pem-Key-1"),
            ("sasl.oauthbearer.assertion.private.key.passphrase", "Exp0rt-pass-Phrase-2"),
            ("sasl.oauthbearer.extensions", "ext=Exp0rt-ext-Token-3"),
            ("apikey", "Exp0rt-custom-Key-4"),
            ("sasl.pass", "Exp0rt-typo-Pass-5"),
            ("sasl.oauthbearer.token.endpoint.url", "https://id:Exp0rt-url-Pw-6@idp.example/token"),
        ];
        let (mut source, destination, _) = clusters();
        for (key, value) in secrets {
            source.properties.set(key, value);
        }
        let plan = plan("[topics]\ninclude = ['orders']\n");
        let exported = [
            to_mirror_maker2(&plan, &source, &destination, 1).to_string(),
            to_replicator(&plan, &source, &destination, 1).to_string(),
            mm2_caveats(&plan, &source, &destination).join("\n"),
        ];
        for text in exported {
            for needle in ["Exp0rt-pem", "Exp0rt-pass", "Exp0rt-ext", "Exp0rt-custom", "Exp0rt-typo", "Exp0rt-url"] {
                assert!(!text.contains(needle), "{needle} in {text}");
            }
            assert!(text.contains("[redacted]"), "{text}");
        }
        let mm2 = to_mirror_maker2(&plan, &source, &destination, 1);
        assert_eq!(
            mm2["config"]["source.cluster.sasl.oauthbearer.token.endpoint.url"],
            "https://[redacted]@idp.example/token"
        );
    }

    fn plan(body: &str) -> Plan {
        let text = format!("name = \"msk-to-ccloud\"\nsource = \"msk\"\ndestination = \"ccloud\"\n{body}");
        parse_plan(&text, Path::new("plan.toml")).unwrap()
    }

    const BUILT_INS: &str = r"__.*,_confluent.*,_schemas,_kdeck.*,heartbeats,.*\.checkpoints\.internal,mm2-(offset-syncs|configs|offsets|status)\..*\.internal";

    #[test]
    fn mirror_maker2_golden() {
        let (source, destination, reference) = clusters();
        let plan = plan("[topics]\ninclude = ['orders.*', 'payments']\nexclude = ['orders\\.tmp']\n");
        assert_eq!(
            to_mirror_maker2(&plan, &source, &destination, 4),
            json!({
                "name": "msk-to-ccloud",
                "config": {
                    "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
                    "tasks.max": "4",
                    "source.cluster.alias": "msk",
                    "target.cluster.alias": "ccloud",
                    "source.cluster.bootstrap.servers": "b-1.msk.example:9096",
                    "source.cluster.security.protocol": "SASL_SSL",
                    "source.cluster.sasl.mechanism": "SCRAM-SHA-512",
                    "source.cluster.sasl.jaas.config": format!(
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"migrator\" password=\"{reference}\";"
                    ),
                    "target.cluster.bootstrap.servers": "pkc.ccloud.example:9092",
                    "target.cluster.sasl.password": "[redacted]",
                    "topics": "orders.*,payments",
                    "topics.exclude": format!(r"{BUILT_INS},orders\.tmp"),
                    "replication.policy.class": "org.apache.kafka.connect.mirror.IdentityReplicationPolicy",
                    "exactly.once.support": "required",
                    "source.consumer.isolation.level": "read_committed",
                    "source.consumer.auto.offset.reset": "earliest",
                    "sync.topic.configs.enabled": "true",
                    "config.properties.exclude": r"message\.format\.version,message\.downconversion\.enable,unclean\.leader\.election\.enable,leader\.replication\.throttled.*,follower\.replication\.throttled.*,confluent\..*",
                    "sync.topic.acls.enabled": "false",
                    "refresh.topics.interval.seconds": "30",
                    "replication.factor": "-1",
                    "offset-syncs.topic.location": "target",
                    "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
                    "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
                    "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
                }
            })
        );
    }

    #[test]
    fn replicator_golden() {
        let (source, destination, reference) = clusters();
        let plan = plan(
            "[topics]\ninclude = ['orders.*']\nrename = '{source}.{topic}'\n[engine]\nmode = 'at-least-once'\nstart = 'latest'\n[sync]\nconfigs = false\nreplication_factor = 3\n",
        );
        assert_eq!(
            to_replicator(&plan, &source, &destination, 2),
            json!({
                "name": "msk-to-ccloud",
                "config": {
                    "connector.class": "io.confluent.connect.replicator.ReplicatorSourceConnector",
                    "tasks.max": "2",
                    "src.kafka.bootstrap.servers": "b-1.msk.example:9096",
                    "src.kafka.security.protocol": "SASL_SSL",
                    "src.kafka.sasl.mechanism": "SCRAM-SHA-512",
                    "src.kafka.sasl.jaas.config": format!(
                        "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"migrator\" password=\"{reference}\";"
                    ),
                    "dest.kafka.bootstrap.servers": "pkc.ccloud.example:9092",
                    "dest.kafka.sasl.password": "[redacted]",
                    "topic.regex": format!("(?!(?:{})$)(?:orders.*)", BUILT_INS.replace(',', "|")),
                    "topic.rename.format": "msk.${topic}",
                    "topic.auto.create": "true",
                    "topic.preserve.partitions": "true",
                    "topic.config.sync": "false",
                    "provenance.header.enable": "true",
                    "dest.topic.replication.factor": "3",
                    "src.consumer.isolation.level": "read_committed",
                    "src.consumer.auto.offset.reset": "latest",
                    "key.converter": "io.confluent.connect.replicator.util.ByteArrayConverter",
                    "value.converter": "io.confluent.connect.replicator.util.ByteArrayConverter",
                    "header.converter": "io.confluent.connect.replicator.util.ByteArrayConverter",
                }
            })
        );
    }

    #[test]
    fn patterns_reach_mirror_maker_2_without_commas() {
        #[rustfmt::skip]
        let cases = [
            ("orders", Ok("orders")),
            ("orders{1,3}", Ok("(?:s){1}(?:s)?(?:s)?")),
            ("ab{2,}", Ok("(?:b){2}(?:b)*")),
            ("(x{1,2}y){0,1}", Ok("(?:((?:x){1}(?:x)?y)){0}(?:((?:x){1}(?:x)?y))?")),
            ("a,b", Ok(r"a\x2Cb")),
            ("t{2,3}?", Ok("(?:t){2}(?:t)??")),
            ("[,]", Err("its comma cannot be written otherwise")),
            ("a{1,1000}", Err("its comma cannot be written otherwise")),
        ];
        for (pattern, expected) in cases {
            let got = comma_free(pattern);
            match expected {
                Ok(written) => {
                    let got = got.unwrap_or_else(|err| panic!("{pattern}: {err}"));
                    assert!(got.ends_with(&written) || got == written, "{pattern}: {got}");
                    assert!(!got.contains(','), "{pattern}: {got}");
                    // The same topics match before and after.
                    let (before, after) = (
                        regex::Regex::new(&format!("^(?:{pattern})$")).unwrap(),
                        regex::Regex::new(&format!("^(?:{got})$")).unwrap(),
                    );
                    for topic in [
                        "orders",
                        "orderss",
                        "ordersss",
                        "orderssss",
                        "abb",
                        "ab",
                        "abbb",
                        "a,b",
                        "xy",
                        "xxy",
                        "",
                        "tt",
                        "ttt",
                        "tttt",
                        "t",
                    ] {
                        assert_eq!(before.is_match(topic), after.is_match(topic), "{pattern} vs {got} on {topic}");
                    }
                }
                Err(prefix) => assert!(got.is_err_and(|e| e.starts_with(prefix)), "{pattern}"),
            }
        }
        let plan = plan("[topics]\ninclude = ['orders{1,3}', 'payments']\n");
        let (topics, _) = mm2_pattern_lists(&plan).unwrap();
        assert_eq!(topics.split(',').count(), 2, "{topics}");
        assert_eq!(mm2_rewritten_patterns(&plan).len(), 1);
        let refused = plan_refused("[topics]\ninclude = ['[,;]']\n");
        assert!(refused.starts_with("topics.include entry \"[,;]\" cannot be exported to MirrorMaker 2"), "{refused}");
    }

    fn plan_refused(body: &str) -> String {
        mm2_pattern_lists(&plan(body)).unwrap_err()
    }

    #[test]
    fn replicator_regex_keeps_plan_selection() {
        let plan = plan("[topics]\ninclude = ['orders.*', 'payments']\nexclude = ['orders\\.tmp']\n");
        // Rust's regex has no lookahead, so check the translation by its pieces.
        let regex = replicator_topic_regex(&plan);
        assert!(regex.starts_with("(?!(?:__.*|"), "{regex}");
        assert!(regex.ends_with(r"|orders\.tmp)$)(?:orders.*|payments)"), "{regex}");
    }

    #[test]
    fn mm2_naming_by_template() {
        let naming = |rename: &str| mm2_naming(&plan(&format!("[topics]\nrename = '{rename}'\n")));
        assert_eq!(naming("{topic}"), Some(Mm2Naming::Identity));
        assert_eq!(naming("{source}.{topic}"), Some(Mm2Naming::Prefixed { separator: ".".into() }));
        assert_eq!(naming("{source}--{topic}"), Some(Mm2Naming::Prefixed { separator: "--".into() }));
        assert_eq!(naming("{topic}-migrated"), None);
        assert_eq!(naming("{source}{topic}"), None);
        let (source, destination, _) = clusters();
        let prefixed = to_mirror_maker2(&plan("[topics]\nrename = '{source}.{topic}'\n"), &source, &destination, 1);
        assert_eq!(prefixed["config"]["replication.policy.class"], DEFAULT_POLICY);
        assert_eq!(prefixed["config"]["replication.policy.separator"], ".");
    }

    #[test]
    fn no_secret_value_in_any_export() {
        let (source, destination, reference) = clusters();
        for body in ["", "[engine]\nmode = 'at-least-once'\n"] {
            let plan = plan(body);
            for export in
                [to_mirror_maker2(&plan, &source, &destination, 1), to_replicator(&plan, &source, &destination, 1)]
            {
                let text = serde_json::to_string(&export).unwrap();
                assert!(!text.contains(PASSWORD) && !text.contains(LITERAL), "{text}");
                assert!(text.contains(&reference), "{text}");
            }
        }
    }

    #[test]
    fn caveats_name_what_does_not_carry_over() {
        let (source, destination, _) = clusters();
        let plan = plan("[engine]\nstart = '2026-11-25T10:00:00Z'\n");
        let mm2 = mm2_caveats(&plan, &source, &destination);
        assert!(mm2.iter().any(|caveat| caveat.contains("exactly.once.source.support=enabled")), "{mm2:?}");
        assert!(mm2.iter().any(|caveat| caveat.contains("start = <timestamp>")), "{mm2:?}");
        assert!(mm2.iter().any(|caveat| caveat.contains("destination property sasl.password")), "{mm2:?}");
        let replicator = replicator_caveats(&plan, &source, &destination);
        assert!(replicator.iter().any(|caveat| caveat.contains("at-least-once")), "{replicator:?}");
        assert!(!replicator.iter().any(|caveat| caveat.contains(PASSWORD) || caveat.contains(LITERAL)));
    }
    #[test]
    fn librdkafka_settings_become_java_ones() {
        let mut cluster = ResolvedCluster {
            name: "c".into(),
            production: false,
            color: None,
            properties: crate::config::ClientProperties::new(),
        };
        for (key, value) in [
            ("bootstrap.servers", "c:9092"),
            ("sasl.mechanisms", "PLAIN"),
            ("sasl.username", "a\"b"),
            ("sasl.password", "Exp0rt-set-secret"),
            ("ssl.ca.location", "/etc/ca.pem"),
            ("linger.ms", "5"),
        ] {
            cluster.properties.set(key, value);
        }
        assert_eq!(
            java_client_properties(&cluster),
            [
                ("bootstrap.servers", "c:9092"),
                ("sasl.mechanism", "PLAIN"),
                ("ssl.truststore.type", "PEM"),
                ("ssl.truststore.location", "/etc/ca.pem"),
                ("linger.ms", "5"),
                (
                    "sasl.jaas.config",
                    "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"a\\\"b\" password=\"[redacted]\";"
                ),
            ]
            .map(|(key, value)| (key.to_string(), value.to_string()))
        );
        let mut iam = cluster.clone();
        iam.properties.set("sasl.mechanisms", "AWS_MSK_IAM");
        iam.properties.set("aws.profile", "migration");
        iam.properties.set("ssl.endpoint.identification.algorithm", "none");
        let java = java_client_properties(&iam);
        let get = |key: &str| java.iter().find(|(name, _)| name == key).map(|(_, value)| value.as_str());
        assert_eq!(get("sasl.mechanism"), Some("AWS_MSK_IAM"));
        assert_eq!(
            get("sasl.jaas.config"),
            Some("software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=\"migration\";")
        );
        assert_eq!(
            get("sasl.client.callback.handler.class"),
            Some("software.amazon.msk.auth.iam.IAMClientCallbackHandler")
        );
        assert_eq!(get("ssl.endpoint.identification.algorithm"), Some(""));
        assert_eq!(get("aws.profile"), None);
        cluster.properties.set("sasl.mechanisms", "OAUTHBEARER");
        let untouched = java_client_properties(&cluster);
        assert!(untouched.iter().any(|(key, _)| key == "sasl.username"), "{untouched:?}");
        assert!(!untouched.iter().any(|(key, _)| key == "sasl.jaas.config"), "{untouched:?}");
    }
}
