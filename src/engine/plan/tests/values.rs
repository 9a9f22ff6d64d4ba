use std::time::Duration;

use super::{minimal_with, parse};
use crate::engine::plan::*;

#[test]
fn built_in_excludes_always_apply() {
    let everything = minimal_with("[topics]\ninclude = [\".*\", \"__consumer_offsets\"]\n");
    #[rustfmt::skip]
    let cases = [
        ("__consumer_offsets", Some(Exclusion::BuiltIn("__.*"))),
        ("__transaction_state", Some(Exclusion::BuiltIn("__.*"))),
        ("__amazon_msk_canary", Some(Exclusion::BuiltIn("__.*"))),
        ("__amazon_msk_connect_offsets_x", Some(Exclusion::BuiltIn("__.*"))),
        ("_schemas", Some(Exclusion::BuiltIn("_schemas"))),
        ("_confluent-metrics", Some(Exclusion::BuiltIn("_confluent.*"))),
        ("_confluent-ksql-default__command_topic", Some(Exclusion::BuiltIn("_confluent.*"))),
        ("_kdeck-x-offsets", Some(Exclusion::BuiltIn("_kdeck.*"))),
        ("heartbeats", Some(Exclusion::BuiltIn("heartbeats"))),
        ("source.checkpoints.internal", Some(Exclusion::BuiltIn(r".*\.checkpoints\.internal"))),
        ("mm2-offset-syncs.destination.internal", Some(Exclusion::BuiltIn(r"mm2-(offset-syncs|configs|offsets|status)\..*\.internal"))),
        ("mm2-status.source.internal", Some(Exclusion::BuiltIn(r"mm2-(offset-syncs|configs|offsets|status)\..*\.internal"))),
        ("orders", None),
        ("_schemas-backup", None),
        ("app.heartbeats", None),
        ("mm2-orders", None),
        ("checkpoints.internal", None),
        ("_internal", None),
    ];
    for (topic, expected) in cases {
        assert_eq!(everything.topics.exclusion_reason(topic), expected, "{topic}");
        assert_eq!(everything.topics.selects(topic), expected.is_none(), "{topic}");
    }
}

#[test]
fn exclude_beats_include_and_patterns_match_whole_names() {
    let plan = minimal_with("[topics]\ninclude = [\"orders.*\", \"payments\", \"a|b\"]\nexclude = [\"orders\\\\.tmp\\\\..*\", \"payments\"]\n");
    let user = |pattern: &str| Some(Exclusion::User(pattern.to_string()));
    #[rustfmt::skip]
    let cases = [
        ("orders", None),
        ("orders.v2", None),
        ("orders.tmp.1", user("orders\\.tmp\\..*")),
        ("payments", user("payments")),
        ("payments-eu", Some(Exclusion::NotIncluded)),
        ("old.orders", Some(Exclusion::NotIncluded)),
        ("a", None),
        ("b", None),
        ("ab", Some(Exclusion::NotIncluded)),
        ("xb", Some(Exclusion::NotIncluded)),
        ("__orders", Some(Exclusion::BuiltIn("__.*"))),
    ];
    for (topic, expected) in cases {
        assert_eq!(plan.topics.exclusion_reason(topic), expected, "{topic}");
    }
    assert_eq!(Exclusion::User("payments".into()).to_string(), "excluded by the plan's pattern payments");
    assert_eq!(Exclusion::BuiltIn("__.*").to_string(), "excluded by the built-in pattern __.*");
    assert_eq!(Exclusion::NotIncluded.to_string(), "matched by no include pattern");
}

#[test]
fn rename_templates() {
    #[rustfmt::skip]
    let cases = [
        ("{topic}", "source", "orders", "orders"),
        ("{source}.{topic}", "msk", "orders", "msk.orders"),
        ("{topic}-copy", "msk", "orders.v1", "orders.v1-copy"),
        ("mig_{source}_{topic}", "msk-prod", "x", "mig_msk-prod_x"),
    ];
    for (template, source, topic, expected) in cases {
        let text = format!("source = \"{source}\"\ndestination = \"d\"\n[topics]\nrename = \"{template}\"\n");
        let plan = parse(&text).unwrap();
        assert_eq!(plan.topics.destination_topic(&plan.source, topic), expected, "{template}");
        assert_eq!(plan.topics.keeps_names(), template == "{topic}");
    }
    // Copying within one cluster is fine as long as the new names are not selected.
    assert!(parse(
        "source = \"s\"\ndestination = \"s\"\n[topics]\ninclude = [\"orders.*\"]\nrename = \"{source}.{topic}\"\n"
    )
    .is_ok());
}

#[test]
fn start_positions() {
    #[rustfmt::skip]
    let cases = [
        ("start = \"earliest\"", StartPolicy::Earliest),
        ("start = \"latest\"", StartPolicy::Latest),
        ("start = \"2026-11-25T10:00:00Z\"", StartPolicy::Timestamp(1_795_600_800_000)),
        ("start = \"2026-11-25T11:00:00.250+01:00\"", StartPolicy::Timestamp(1_795_600_800_250)),
        ("start = 2026-11-25T10:00:00Z", StartPolicy::Timestamp(1_795_600_800_000)),
        ("start = 2026-11-25T05:00:00-05:00", StartPolicy::Timestamp(1_795_600_800_000)),
    ];
    for (line, expected) in cases {
        assert_eq!(minimal_with(&format!("[engine]\n{line}\n")).engine.start, expected, "{line}");
    }
    assert_eq!(StartPolicy::Timestamp(1_795_600_800_000).to_string(), "2026-11-25T10:00:00Z");
}

#[test]
fn engine_values() {
    let text = "[engine]\nlanes = 256\nmode = \"at-least-once\"\nprovenance = false\nrefresh_interval = \"2m 30s\"\non_out_of_range = \"skip-to-earliest\"\ncommit_interval = \"1s\"\nmax_batch_records = 1_000_000\n";
    let engine = minimal_with(text).engine;
    assert_eq!(
        engine,
        EngineSettings {
            lanes: 256,
            mode: Mode::AtLeastOnce,
            start: StartPolicy::Earliest,
            provenance: false,
            refresh_interval: Duration::from_secs(150),
            on_out_of_range: OutOfRangePolicy::SkipToEarliest,
            commit_interval: Duration::from_secs(1),
            max_batch_records: 1_000_000,
        }
    );
}

#[test]
fn should_sync_table() {
    let default = "";
    let allow = "[sync]\nallow = [\"retention.ms\", \"preallocate\"]\n";
    let deny = "[sync]\ndeny = [\"retention.ms\", \"confluent.tier.enable\", \"not.allowed.anyway\"]\n";
    let both = "[sync]\nallow = [\"retention.ms\", \"preallocate\"]\ndeny = [\"preallocate\"]\n";
    let off = "[sync]\nconfigs = false\n";
    #[rustfmt::skip]
    let cases = [
        (default, "retention.ms", true),
        (default, "cleanup.policy", true),
        (default, "message.timestamp.type", true),
        (default, "preallocate", false),
        (default, "confluent.placement.constraints", false),
        (default, "leader.replication.throttled.replicas", false),
        (default, "RETENTION.MS", false),
        (allow, "retention.ms", true),
        (allow, "preallocate", true),
        (allow, "cleanup.policy", false),
        (deny, "retention.ms", false),
        (deny, "retention.bytes", true),
        (both, "retention.ms", true),
        (both, "preallocate", false),
        (off, "retention.ms", false),
    ];
    for (sync, config, expected) in cases {
        assert_eq!(minimal_with(sync).sync.should_sync(config), expected, "{sync:?} {config}");
    }
    assert_eq!(minimal_with(off).sync.synced_configs().count(), 0);
    assert_eq!(minimal_with(both).sync.synced_configs().collect::<Vec<_>>(), ["retention.ms"]);
    assert_eq!(minimal_with("[sync]\nreplication_factor = -1\n").sync.replication_factor, None);
    assert_eq!(minimal_with("[sync]\nallow = []\n").sync.synced_configs().count(), 0);
}

#[test]
fn runners() {
    use crate::engine::plan::Runner;
    assert_eq!(minimal_with("").runner, Runner::Kdeck);
    assert_eq!(minimal_with("[runner]\nkind = \"kdeck\"\n").runner, Runner::Kdeck);
    assert_eq!(
        minimal_with("[runner]\nkind = \"replicator\"\ngroup = \"replicator-2\"\n").runner,
        Runner::Replicator { group: "replicator-2".into() }
    );
    // The source alias defaults to the source profile, the topic to MM2's default name.
    assert_eq!(
        minimal_with("[runner]\nkind = \"mirrormaker2\"\n").runner,
        Runner::MirrorMaker2 { source_alias: "source".into(), offsets_topic: "mm2-offsets.source.internal".into() }
    );
    assert_eq!(
        minimal_with("[runner]\nkind = \"mirrormaker2\"\nsource_alias = \"msk\"\n").runner,
        Runner::MirrorMaker2 { source_alias: "msk".into(), offsets_topic: "mm2-offsets.msk.internal".into() }
    );
    assert_eq!(
        minimal_with(
            "[runner]\nkind = \"mirrormaker2\"\nsource_alias = \"msk\"\noffsets_topic = \"connect-offsets\"\n"
        )
        .runner,
        Runner::MirrorMaker2 { source_alias: "msk".into(), offsets_topic: "connect-offsets".into() }
    );
    let runner = minimal_with("[runner]\nkind = \"connect\"\nconnect = \"prod\"\nconnector = \"msk-to-cc\"\n").runner;
    assert_eq!(runner, Runner::Connect { connect: "prod".into(), connector: "msk-to-cc".into() });
    assert_eq!(runner.kind(), "connect");
}
