use std::path::Path;

use super::{parse, MINIMAL};
use crate::engine::plan::parse_plan;

#[test]
fn every_error_names_file_line_and_expectation() {
    #[rustfmt::skip]
    let cases: Vec<(String, &str)> = vec![
        // TOML syntax
        (format!("{MINIMAL}[engine]\nlanes = \n"), "plan.toml:4:9: string values must be quoted, expected literal string"),
        (format!("{MINIMAL}source = \"x\"\n"), "plan.toml:3:1: duplicate key `source`"),
        // unknown keys, in every table
        (format!("{MINIMAL}sources = \"x\"\n"), "plan.toml:3: unknown key \"sources\" at the top level: expected one of name, source, destination, topics, engine, sync, schemas, runner"),
        (format!("{MINIMAL}[engine]\nmode = \"at-least-once\"\nlane = 4\n"), "plan.toml:5: unknown key \"lane\" in [engine]: expected one of lanes, mode, start, provenance, refresh_interval, on_out_of_range, commit_interval, max_batch_records"),
        (format!("{MINIMAL}[topics]\nincludes = []\n"), "plan.toml:4: unknown key \"includes\" in [topics]: expected one of include, exclude, rename"),
        (format!("{MINIMAL}[sync]\nreplication.factor = 3\n"), "plan.toml:4: unknown key \"replication\" in [sync]: expected one of configs, allow, deny, replication_factor"),
        (format!("{MINIMAL}[sync]\nzz = 1\naa = 2\n"), "plan.toml:4: unknown key \"zz\" in [sync]"),
        // missing or mistyped profiles
        ("destination = \"d\"\n".to_string(), "plan.toml:1: missing key \"source\": expected source = \"PROFILE\" naming a cluster profile of the kdeck config"),
        ("source = \"s\"\n".to_string(), "plan.toml:1: missing key \"destination\": expected destination = \"PROFILE\""),
        ("source = \"s\"\ndestination = 2\n".to_string(), "plan.toml:2: destination: expected a string, found integer"),
        ("source = \" \"\ndestination = \"d\"\n".to_string(), "plan.toml:1: source = \" \": expected a profile name from the kdeck config"),
        ("source = \"s\"\ndestination = \"s\"\n".to_string(), "plan.toml:2: destination = \"s\": expected a profile other than the source, since rename = \"{topic}\" would copy every topic onto itself"),
        ("source = \"s\"\ndestination = \"s\"\n[topics]\ninclude = [\"qa-tx.*\"]\nrename = \"{topic}-x\"\n".to_string(), "plan.toml:5: topics.rename = \"{topic}-x\": expected a rename onto names the plan does not select, since source and destination are the same cluster: qa-tx would be copied to qa-tx-x, which the plan selects too"),
        ("source = \"s\"\ndestination = \"s\"\n[topics]\ninclude = [\"orders\", \"orders-copy\"]\nrename = \"{topic}-copy\"\n".to_string(), "plan.toml:5: topics.rename = \"{topic}-copy\": expected a rename onto names the plan does not select, since source and destination are the same cluster: orders would be copied to orders-copy"),
        // names
        (format!("{MINIMAL}name = \"MSK to CCloud\"\n"), "plan.toml:3: name = \"MSK to CCloud\": expected lowercase letters, digits and single hyphens, at most 200, like \"msk-to-ccloud\""),
        (format!("{MINIMAL}name = \"\"\n"), "plan.toml:3: name = \"\": expected lowercase letters, digits and single hyphens, at most 200, like \"msk-to-ccloud\""),
        (format!("{MINIMAL}name = \"a--b\"\n"), "plan.toml:3: name = \"a--b\": expected lowercase letters, digits and single hyphens, at most 200, like \"a-b\""),
        (format!("{MINIMAL}name = \"-\"\n"), "plan.toml:3: name = \"-\": expected lowercase letters, digits and single hyphens, at most 200, like \"msk-to-ccloud\""),
        // regexes, pointing at the entry's own line
        (format!("{MINIMAL}[topics]\ninclude = [\n  \"orders\",\n  \"payments[\",\n]\n"), "plan.toml:6: topics.include entry \"payments[\": expected a regular expression (unclosed character class)"),
        (format!("{MINIMAL}[topics]\nexclude = ['a)|(b']\n"), "plan.toml:4: topics.exclude entry \"a)|(b\": expected a regular expression (unopened group)"),
        (format!("{MINIMAL}[topics]\ninclude = []\n"), "plan.toml:4: topics.include = []: expected at least one pattern; leave include out to select every topic"),
        (format!("{MINIMAL}[topics]\ninclude = \"orders\"\n"), "plan.toml:4: topics.include: expected an array of strings, found string"),
        (format!("{MINIMAL}[topics]\ninclude = [\"a\",\n 1]\n"), "plan.toml:5: topics.include: expected an array of strings, found integer"),
        // rename templates
        (format!("{MINIMAL}[topics]\nrename = \"copy-of-topic\"\n"), "plan.toml:4: topics.rename = \"copy-of-topic\": expected a template containing {topic}, like \"{topic}\" or \"{source}.{topic}\""),
        (format!("{MINIMAL}[topics]\nrename = \"{{cluster}}.{{topic}}\"\n"), "plan.toml:4: topics.rename = \"{cluster}.{topic}\": expected only the placeholders {topic} and {source}, found {cluster}"),
        // engine values
        (format!("{MINIMAL}[engine]\nlanes = 0\n"), "plan.toml:4: engine.lanes = 0: expected an integer from 1 to 256"),
        (format!("{MINIMAL}[engine]\nlanes = 257\n"), "plan.toml:4: engine.lanes = 257: expected an integer from 1 to 256"),
        (format!("{MINIMAL}[engine]\nlanes = 0x1FF\n"), "plan.toml:4: engine.lanes = 0x1FF: expected an integer from 1 to 256"),
        (format!("{MINIMAL}[engine]\nlanes = 99999999999999999999\n"), "plan.toml:4: engine.lanes = 99999999999999999999: expected an integer from 1 to 256"),
        (format!("{MINIMAL}[engine]\nlanes = \"4\"\n"), "plan.toml:4: engine.lanes: expected an integer, found string"),
        (format!("{MINIMAL}[engine]\nmode = \"exactly_once\"\n"), "plan.toml:4: engine.mode = \"exactly_once\": expected exactly-once or at-least-once"),
        (format!("{MINIMAL}[engine]\nstart = \"beginning\"\n"), "plan.toml:4: engine.start = \"beginning\": expected earliest, latest or an RFC 3339 timestamp like 2026-11-25T10:00:00Z"),
        (format!("{MINIMAL}[engine]\nstart = \"2026-11-25T10:00:00\"\n"), "plan.toml:4: engine.start = \"2026-11-25T10:00:00\": expected an RFC 3339 timestamp like 2026-11-25T10:00:00Z or 2026-11-25T11:00:00+01:00, with Z or an offset"),
        (format!("{MINIMAL}[engine]\nstart = 2026-11-25T10:00:00\n"), "plan.toml:4: engine.start = 2026-11-25T10:00:00: expected an RFC 3339 timestamp"),
        (format!("{MINIMAL}[engine]\nstart = 1969-07-20T20:17:00Z\n"), "plan.toml:4: engine.start = 1969-07-20T20:17:00Z: expected a timestamp from 1970-01-01T00:00:00Z on"),
        (format!("{MINIMAL}[engine]\nstart = 0\n"), "plan.toml:4: engine.start: expected a string, found integer"),
        (format!("{MINIMAL}[engine]\non_out_of_range = \"skip\"\n"), "plan.toml:4: engine.on_out_of_range = \"skip\": expected fail or skip-to-earliest"),
        (format!("{MINIMAL}[engine]\nprovenance = \"yes\"\n"), "plan.toml:4: engine.provenance: expected true or false, found string"),
        (format!("{MINIMAL}[engine]\nrefresh_interval = \"30 parsecs\"\n"), "plan.toml:4: engine.refresh_interval = \"30 parsecs\": expected a duration from 1s to 24h, like \"30s\""),
        (format!("{MINIMAL}[engine]\nrefresh_interval = \"0s\"\n"), "plan.toml:4: engine.refresh_interval = \"0s\": expected a duration from 1s to 24h"),
        (format!("{MINIMAL}[engine]\nrefresh_interval = 30\n"), "plan.toml:4: engine.refresh_interval: expected a duration from 1s to 24h, like \"30s\", found integer"),
        (format!("{MINIMAL}[engine]\ncommit_interval = \"1m\"\n"), "plan.toml:4: engine.commit_interval = \"1m\": expected a duration from 1ms to 30s, like \"200ms\""),
        (format!("{MINIMAL}[engine]\nmax_batch_records = 0\n"), "plan.toml:4: engine.max_batch_records = 0: expected an integer from 1 to 1000000"),
        // sync
        (format!("{MINIMAL}[sync]\nallow = [\"retention.ms\",\n  \"confluent.placement.constraints\"]\n"), "plan.toml:5: sync.allow entry \"confluent.placement.constraints\": expected a topic config that means the same on every cluster; this one is broker-specific and never synced"),
        (format!("{MINIMAL}[sync]\nallow = [\"unclean.leader.election.enable\"]\n"), "plan.toml:4: sync.allow entry \"unclean.leader.election.enable\": expected a topic config"),
        (format!("{MINIMAL}[sync]\nallow = [\"retention ms\"]\n"), "plan.toml:4: sync.allow = \"retention ms\": expected topic config names like \"retention.ms\""),
        (format!("{MINIMAL}[sync]\nreplication_factor = 0\n"), "plan.toml:4: sync.replication_factor = 0: expected an integer from 1 to 32767, or -1 for the destination's default"),
        (format!("{MINIMAL}[sync]\nreplication_factor = 40000\n"), "plan.toml:4: sync.replication_factor = 40000: expected an integer from 1 to 32767"),
        (format!("{MINIMAL}[sync]\nconfigs = 1\n"), "plan.toml:4: sync.configs: expected true or false, found integer"),
        // runner
        (format!("{MINIMAL}[runner]\nkind = \"mm2\"\n"), "plan.toml:4: runner.kind = \"mm2\": expected \"kdeck\", \"replicator\", \"mirrormaker2\" or \"connect\""),
        (format!("{MINIMAL}[runner]\nkind = \"replicator\"\n"), "plan.toml:4: missing key runner.group: expected group = \"...\" (the Replicator's src.consumer.group.id) for kind = \"replicator\""),
        (format!("{MINIMAL}[runner]\nkind = \"replicator\"\ngroup = \" \"\n"), "plan.toml:5: runner.group = \" \": expected the Replicator's src.consumer.group.id, without surrounding spaces"),
        (format!("{MINIMAL}[runner]\nkind = \"replicator\"\ngroup = 2\n"), "plan.toml:5: runner.group: expected a string, found integer"),
        (format!("{MINIMAL}[runner]\nkind = \"replicator\"\ngroup = \"r\"\nsource_alias = \"msk\"\n"), "plan.toml:6: unknown key \"source_alias\" in [runner]: expected one of kind, group"),
        (format!("{MINIMAL}[runner]\nkind = \"connect\"\nconnect = \"prod\"\n"), "plan.toml:4: missing key runner.connector: expected connector = \"...\" (the source connector's name) for kind = \"connect\""),
        (format!("{MINIMAL}[runner]\nkind = \"mirrormaker2\"\noffsets_topic = \"\"\n"), "plan.toml:5: runner.offsets_topic = \"\": expected MirrorMaker 2's Connect offsets topic on the target"),
        (format!("{MINIMAL}[runner]\ngroup = \"r\"\n"), "plan.toml:4: unknown key \"group\" in [runner]: expected one of kind"),
        (format!("{MINIMAL}[runner]\nkind = 1\n"), "plan.toml:4: runner.kind: expected a string, found integer"),
        // tables that are not tables
        (format!("{MINIMAL}engine = 4\n"), "plan.toml:3: engine: expected a table, found integer"),
        (format!("{MINIMAL}[[topics]]\n"), "plan.toml:3: topics: expected a table, found array"),
    ];
    for (text, expected) in cases {
        let error = match parse(&text) {
            Ok(_) => panic!("parsed: {text}"),
            Err(error) => error,
        };
        let message = error.to_string();
        assert!(message.starts_with(expected), "{message}\n  expected: {expected}\n  for: {text}");
        assert!(!message.contains('\n'), "{message}");
        assert!(error.is_usage(), "{message}");
    }
}

#[test]
fn a_file_name_without_letters_needs_a_name() {
    let error = parse_plan(MINIMAL, Path::new("/plans/___.toml")).unwrap_err();
    assert_eq!(error.to_string(), "/plans/___.toml:1: no name given, and the file name \"___\" has no letters or digits to make one: expected name = \"...\" of lowercase letters, digits and hyphens");
    assert!(parse_plan(&format!("{MINIMAL}name = \"ok\"\n"), Path::new("/plans/___.toml")).is_ok());
}
