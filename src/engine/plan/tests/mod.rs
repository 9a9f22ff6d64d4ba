//! Whole-plan tests; `errors` covers every rejection, `values` how accepted values behave.

mod errors;
mod values;

use std::path::Path;
use std::time::Duration;

use super::*;
use crate::config::{ClusterProfile, Config};

const EXAMPLE: &str = include_str!("../../../../docs/examples/plan.toml");
const REFERENCE: &str = include_str!("../../../../docs/PLAN.md");
const MINIMAL: &str = "source = \"source\"\ndestination = \"destination\"\n";

fn parse(text: &str) -> Result<Plan, PlanError> {
    parse_plan(text, Path::new("plan.toml"))
}

/// MINIMAL plus `extra`, which starts on line 3.
fn minimal_with(extra: &str) -> Plan {
    parse(&format!("{MINIMAL}{extra}")).unwrap_or_else(|error| panic!("{error}"))
}

#[test]
fn example_plan_parses() {
    let plan = parse_plan(EXAMPLE, Path::new("docs/examples/plan.toml")).unwrap();
    assert_eq!(
        (plan.name.as_str(), plan.source.as_str(), plan.destination.as_str()),
        ("msk-to-ccloud", "source", "destination")
    );
    assert_eq!(plan.path, Path::new("docs/examples/plan.toml"));
    assert_eq!(plan.topics.include_patterns().collect::<Vec<_>>(), ["orders.*", "payments"]);
    assert_eq!(plan.topics.exclude_patterns().collect::<Vec<_>>(), ["orders\\.tmp\\..*"]);
    assert_eq!(plan.topics.rename_template(), "{topic}");
    assert_eq!(plan.engine, EngineSettings { lanes: 4, ..EngineSettings::default() });
    assert!(plan.sync.configs && !plan.sync.should_sync("retention.bytes") && plan.sync.should_sync("retention.ms"));
    assert_eq!(plan.sync.replication_factor, Some(3));
    assert_eq!(plan.state_topic(), "_kdeck-msk-to-ccloud-offsets");
    assert_eq!(plan.transactional_id(3), "kdeck-msk-to-ccloud-lane-3");
}

#[test]
fn omitted_settings_take_their_defaults() {
    let plan = parse_plan(MINIMAL, Path::new("/plans/MSK to CCloud_v2.toml")).unwrap();
    assert_eq!(plan.name, "msk-to-ccloud-v2");
    assert_eq!(plan.engine, EngineSettings::default());
    assert_eq!(plan.sync, SyncSettings::default());
    assert_eq!(plan.sync.replication_factor_for_create(), -1);
    assert_eq!(plan.sync.synced_configs().count(), DEFAULT_SYNCED_CONFIGS.len());
    assert_eq!(plan.topics.include_patterns().collect::<Vec<_>>(), [".*"]);
    assert_eq!(plan.topics.exclude_patterns().count(), 0);
    assert!(plan.topics.keeps_names());
    let defaults = &plan.engine;
    assert_eq!((defaults.lanes, defaults.mode, defaults.start), (1, Mode::ExactlyOnce, StartPolicy::Earliest));
    assert_eq!(
        (defaults.refresh_interval, defaults.commit_interval),
        (Duration::from_secs(30), Duration::from_millis(200))
    );
    assert_eq!(
        (defaults.provenance, defaults.on_out_of_range, defaults.max_batch_records),
        (true, OutOfRangePolicy::Fail, 50_000)
    );
    // Empty sections, inline tables and dotted keys are the same TOML.
    for text in ["[topics]\n[engine]\n[sync]\n", "engine = {}\n", "engine.lanes = 1\n"] {
        assert_eq!(minimal_with(text).engine, EngineSettings::default(), "{text}");
    }
}

#[test]
fn names() {
    #[rustfmt::skip]
    let cases = [
        ("name = \"prod-1\"\n", "whatever.toml", "prod-1"),
        ("", "plan.toml", "plan"),
        ("", "--Über__Plan--.toml", "ber-plan"),
        ("", "migrations/2026.q4.toml", "2026-q4"),
        ("", &format!("{}.toml", "x".repeat(300)), &"x".repeat(MAX_NAME_LEN)),
    ];
    for (extra, path, expected) in cases {
        let plan = parse_plan(&format!("{MINIMAL}{extra}"), Path::new(path)).unwrap();
        assert_eq!(plan.name, expected, "{path}");
    }
    let too_long = "x".repeat(MAX_NAME_LEN + 1);
    let error = parse(&format!("{MINIMAL}name = \"{too_long}\"\n")).unwrap_err();
    let suggestion = format!(", like \"{}\"", &too_long[1..]);
    assert!(error.to_string().ends_with(&suggestion), "{error}");
}

#[test]
fn profiles_must_exist_in_the_config() {
    let config = |names: &[&str]| Config {
        clusters: names.iter().map(|name| (name.to_string(), ClusterProfile::default())).collect(),
        ..Config::default()
    };
    let plan = parse("source = \"srce\"\ndestination = \"destination\"\n").unwrap();
    #[rustfmt::skip]
    let cases = [
        (config(&["source", "destination"]), Some("plan.toml:1: unknown profile \"srce\" (known: destination, source)")),
        (config(&[]), Some("plan.toml:1: unknown profile \"srce\" (known: none)")),
        (config(&["srce"]), Some("plan.toml:2: unknown profile \"destination\" (known: srce)")),
        (config(&["srce", "destination"]), None),
    ];
    for (config, expected) in cases {
        let result = plan.check_profiles(&config);
        assert_eq!(result.as_ref().err().map(ToString::to_string).as_deref(), expected);
        assert!(result.err().is_none_or(|error| error.is_usage()));
    }
}

#[test]
fn load_plan_reads_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("Black Friday.toml");
    std::fs::write(&path, EXAMPLE.replace("name = \"msk-to-ccloud\"", "")).unwrap();
    let plan = load_plan(&path).unwrap();
    assert_eq!((plan.name.as_str(), plan.path.as_path()), ("black-friday", path.as_path()));

    let missing = load_plan(&dir.path().join("nope.toml")).unwrap_err();
    assert!(missing.to_string().starts_with("cannot read plan file "), "{missing}");
    assert!(missing.to_string().contains("nope.toml"), "{missing}");
    assert!(missing.is_usage());

    let latin1 = dir.path().join("latin1.toml");
    std::fs::write(&latin1, b"source = \"caf\xe9\"\n").unwrap();
    assert!(load_plan(&latin1).unwrap_err().is_usage());

    let unreadable = load_plan(dir.path()).unwrap_err();
    assert!(matches!(unreadable, PlanError::Unreadable { .. }), "{unreadable}");
}

#[test]
fn no_input_panics() {
    // Cutting the example just before or after its punctuation leaves strings, arrays and
    // headers half-written; every byte would take seconds, as each accepted prefix compiles regexes.
    let punctuation = |byte: &u8| b"\"'[]{}=,\n".contains(byte);
    let cuts = EXAMPLE.bytes().enumerate().filter(|(_, byte)| punctuation(byte)).flat_map(|(at, _)| [at, at + 1]);
    for cut in cuts.filter(|cut| EXAMPLE.is_char_boundary(*cut)) {
        let _ = parse(&EXAMPLE[..cut]);
    }
    for text in ["\u{feff}source = \"s\"", "source = \"s\"\r\ndestination = \"d\"\r\n", "\0", "[", "a = [[[[]]]]"] {
        let _ = parse(text);
    }
}

#[test]
fn reference_documents_every_key_and_built_in_list() {
    // Markdown tables escape `|` inside code spans.
    let reference = REFERENCE.replace("\\|", "|");
    let keys = [TOP_LEVEL_KEYS, topics::TOPICS_KEYS, settings::ENGINE_KEYS, sync::SYNC_KEYS, runner::RUNNER_KEYS];
    let lists = [BUILT_IN_EXCLUDES, DEFAULT_SYNCED_CONFIGS, NEVER_SYNCED_CONFIGS];
    for documented in keys.iter().chain(&lists).flat_map(|list| list.iter()) {
        let mentioned = [format!("`{documented}`"), format!("`[{documented}]`")];
        assert!(mentioned.iter().any(|text| reference.contains(text)), "docs/PLAN.md does not mention `{documented}`");
    }
    for prefix in NEVER_SYNCED_PREFIXES {
        assert!(reference.contains(&format!("`{prefix}")), "docs/PLAN.md does not mention `{prefix}*`");
    }
}
