//! Schemas that survive the migration: Avro records written by Python's
//! AvroSerializer on one noida-db, copied by `kdeck replicate` to another, their
//! schemas copied between two test registries with `kdeck schemas copy`, and
//! the ids checked by `kdeck verify`. Faults: a schema missing on the
//! destination, a different schema under the same id, a 401, a registry that is down.

use std::path::PathBuf;

use serde_json::json;

use super::schemas::{python_wrote, serializers};
use crate::support::registry::{Stored, TestRegistry};
use crate::support::{Kdeck, Noida, Run};

struct Migration {
    source: Noida,
    destination: Noida,
    source_registry: TestRegistry,
    destination_registry: TestRegistry,
    kdeck: Kdeck,
    config: PathBuf,
    plan: PathBuf,
}

impl Migration {
    /// 20 Avro records in `orders` on the source, under schema id 6 (ids 1-5 are
    /// taken by another subject, so a registry that assigned its own would differ).
    fn start() -> Migration {
        let (source, destination) = (Noida::start(), Noida::start());
        let (source_registry, destination_registry) = (TestRegistry::start(), TestRegistry::start());
        let unrelated = Stored { schema: "\"string\"".into(), schema_type: None, references: json!([]) };
        source_registry.put_raw("unrelated-value", 1, 5, unrelated);
        python_wrote(&source, &source_registry, "orders", "avro", 20);
        source_registry.set_compatibility("orders-value", "FULL");
        let kdeck = Kdeck::new();
        let config = kdeck.home.path().join("config.toml");
        let plan = kdeck.home.path().join("plan.toml");
        let migration = Migration { source, destination, source_registry, destination_registry, kdeck, config, plan };
        migration.write_config(&migration.destination_registry.url());
        std::fs::write(
            &migration.plan,
            "name = \"schemas\"\nsource = \"source\"\ndestination = \"destination\"\n[topics]\ninclude = [\"orders\"]\n[engine]\nprovenance = false\n",
        )
        .unwrap();
        migration
    }

    fn write_config(&self, destination_registry: &str) {
        let text = format!(
            "[clusters.source]\nbootstrap = \"{}\"\n\"schema.registry.url\" = \"{}\"\n\n[clusters.destination]\nbootstrap = \"{}\"\n\"schema.registry.url\" = \"{destination_registry}\"\n\"schema.registry.basic.auth.user.info\" = \"API-KEY:dest-hunter2\"\n",
            self.source.bootstrap(),
            self.source_registry.url(),
            self.destination.bootstrap(),
        );
        std::fs::write(&self.config, text).unwrap();
    }

    fn kdeck(&self, args: &[&str]) -> Run {
        let mut all = vec!["--config", self.config.to_str().unwrap()];
        all.extend_from_slice(args);
        let run = self.kdeck.run(&all, None);
        assert!(!run.stderr.contains("dest-hunter2") && !run.stdout_text().contains("dest-hunter2"), "a secret showed");
        run
    }

    fn plan_arg(&self) -> &str {
        self.plan.to_str().unwrap()
    }

    fn replicate(&self) {
        let run = self.kdeck(&["replicate", "--plan", self.plan_arg(), "--exit-when-caught-up"]);
        assert_eq!(run.code, Some(0), "replicate: {}", run.stderr);
    }

    fn verify(&self) -> Run {
        self.kdeck(&["verify", "--plan", self.plan_arg(), "--schemas", "all"])
    }
}

#[test]
fn schemas_copy_keeps_ids_and_verify_resolves_every_id() {
    let m = Migration::start();
    m.replicate();

    let diff = m.kdeck(&["schemas", "diff", "--plan", m.plan_arg()]);
    assert_eq!(diff.code, Some(1), "a missing version is a difference: {}", diff.stderr);
    assert!(diff.stderr.contains("schemas differ: 1 subject(s) are not the same"), "{}", diff.stderr);
    let text = diff.stdout_text();
    assert!(text.contains("orders-value  compatibility FULL / (global)  DIFFERS"), "{text}");
    assert!(text.contains("version 1   id 6      AVRO     missing on the destination"), "{text}");

    // Before the copy, verify names the missing schema with its subject, id and partition.
    let before = m.verify();
    assert_eq!(before.code, Some(1), "{}", before.stdout_text());
    assert!(
        before.stdout_text().contains(
            "id 6 (orders-value@1): MISSING on the destination registry; 20 record(s), first value of orders [0] at offset 0"
        ),
        "{}",
        before.stdout_text()
    );

    let dry = m.kdeck(&["schemas", "copy", "--plan", m.plan_arg()]);
    assert_eq!(dry.code, Some(0), "{}", dry.stderr);
    assert!(dry.stdout_text().contains("would register orders-value version 1 with id 6 (IMPORT mode)"));
    assert!(dry.stdout_text().contains("dry run: nothing was changed"));
    assert!(m.destination_registry.subjects().is_empty(), "a dry run changed the destination");

    let applied = m.kdeck(&["schemas", "copy", "--plan", m.plan_arg(), "--apply"]);
    assert_eq!(applied.code, Some(0), "{}", applied.stderr);
    assert!(applied.stdout_text().contains("registered orders-value version 1 with id 6 (IMPORT mode)"));
    assert!(applied.stdout_text().contains("set compatibility of orders-value to FULL"));
    assert_eq!(m.destination_registry.schema(6), m.source_registry.schema(6), "the id was preserved");
    assert_eq!(m.destination_registry.subjects()["orders-value"], vec![(1, 6)]);
    assert_eq!(m.destination_registry.mode("orders-value").as_deref(), Some("READWRITE"), "IMPORT mode was left on");
    assert_eq!(m.destination_registry.compatibility("orders-value").as_deref(), Some("FULL"));

    let again = m.kdeck(&["schemas", "copy", "--plan", m.plan_arg(), "--apply"]);
    assert_eq!(again.code, Some(0), "{}", again.stderr);
    assert!(again.stdout_text().contains("nothing to copy"), "{}", again.stdout_text());
    let posts = m.destination_registry.requests().iter().filter(|r| r.starts_with("POST")).count();
    assert_eq!(posts, 1, "the rerun registered again");

    let agreed = m.kdeck(&["schemas", "diff", "--plan", m.plan_arg()]);
    assert_eq!(agreed.code, Some(0), "{}\n{}", agreed.stdout_text(), agreed.stderr);
    assert!(agreed.stdout_text().contains("version 1   id 6      AVRO     same"), "{}", agreed.stdout_text());

    let after = m.verify();
    assert_eq!(after.code, Some(0), "{}\n{}", after.stdout_text(), after.stderr);
    assert!(after.stdout_text().contains("id 6 (orders-value@1): same schema on both"));
    assert!(after.stdout_text().contains("schemas: every schema id resolves to the same schema on both registries"));

    // The destination's consumers now decode the copied records as the source's did.
    let python = serializers(&["consume", &m.source.bootstrap(), &m.source_registry.url(), "orders", "20"]);
    let decoded =
        m.kdeck(&["consume", "-b", "destination", "-t", "orders", "-o", "beginning", "-e", "-q", "-s", "value=avro"]);
    assert_eq!(decoded.code, Some(0), "{}", decoded.stderr);
    let parse = |bytes: &[u8]| -> Vec<serde_json::Value> {
        String::from_utf8_lossy(bytes).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    assert_eq!(parse(&decoded.stdout), parse(&python.stdout));

    let report_path = m.kdeck.home.path().join("report.md");
    let report = m.kdeck(&["report", "--plan", m.plan_arg(), "--out", report_path.to_str().unwrap()]);
    assert_eq!(report.code, Some(0), "{}", report.stderr);
    let markdown = std::fs::read_to_string(&report_path).unwrap();
    assert!(markdown.contains("## Schemas"), "{markdown}");
    assert!(markdown.contains("| 6 | orders-value@1 | same | 20 | value of orders [0] at offset 0 |"), "{markdown}");
}

#[test]
fn a_different_schema_under_the_same_id_is_refused_and_reported() {
    let m = Migration::start();
    m.replicate();
    let other = Stored {
        schema: "{\"type\":\"record\",\"name\":\"Impostor\",\"fields\":[]}".into(),
        schema_type: None,
        references: json!([]),
    };
    m.destination_registry.put_raw("impostor-value", 1, 6, other);

    let copy = m.kdeck(&["schemas", "copy", "--plan", m.plan_arg(), "--apply"]);
    assert_eq!(copy.code, Some(1));
    assert!(
        copy.stderr.contains("refusing to copy schemas to")
            && copy.stderr.contains("subject orders-value version 1: the destination holds a different schema under id 6 (nothing was changed)"),
        "{}",
        copy.stderr
    );
    assert!(!m.destination_registry.subjects().contains_key("orders-value"), "a refused copy changed the destination");

    let verify = m.verify();
    assert_eq!(verify.code, Some(1));
    assert!(
        verify.stdout_text().contains("id 6 (orders-value@1): DIFFERENT schema on the destination registry; 20 record(s), first value of orders [0] at offset 0"),
        "{}",
        verify.stdout_text()
    );
}

#[test]
fn a_401_and_a_registry_that_is_down_are_not_checked_and_not_a_pass() {
    let m = Migration::start();
    m.replicate();
    m.destination_registry.require_basic_auth("API-KEY:another-secret");
    let verify = m.verify();
    assert_eq!(verify.code, Some(1), "{}", verify.stdout_text());
    let text = verify.stdout_text();
    assert!(text.contains("id 6 (orders-value@1): NOT CHECKED:") && text.contains("401"), "{text}");
    assert!(text.contains("first value of orders [0] at offset 0"), "{text}");

    let down = crate::support::free_port();
    m.write_config(&format!("http://127.0.0.1:{down}"));
    let verify = m.verify();
    assert_eq!(verify.code, Some(1));
    let text = verify.stdout_text();
    assert!(text.contains("id 6 (orders-value@1): NOT CHECKED:") && text.contains("cannot connect"), "{text}");

    let diff = m.kdeck(&["schemas", "diff", "--plan", m.plan_arg()]);
    assert_eq!(diff.code, Some(1));
    assert!(diff.stderr.contains(&format!("schema registry http://127.0.0.1:{down}")), "{}", diff.stderr);
}

/// A headless cockpit on the migration's plan, with its registries.
fn cockpit(m: &Migration) -> kdeck::tui::Cockpit {
    use kdeck::config::{resolve_cluster, ClusterArgs};
    let config = kdeck::config::load(Some(&m.config)).unwrap();
    let plan = kdeck::engine::plan::load_plan(&m.plan).unwrap();
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_owned(), properties_file: None, overrides: Vec::new() };
        resolve_cluster(&args, &config).unwrap()
    };
    let setup = kdeck::tui::CockpitSetup {
        source: resolve("source"),
        destination: resolve("destination"),
        schemas: Some(kdeck::schemas::plan::registry_pair(&config, &plan).unwrap()),
        plan: Some(plan),
        read_only: true,
        theme: kdeck::tui::theme::Theme::standard(),
        timeout: std::time::Duration::from_secs(10),
        connect: (Vec::new(), Vec::new()),
        engine_on_connect_pane: false,
        acl: None,
    };
    kdeck::tui::Cockpit::from_setup(setup, kdeck::tui::keymap::Keymap::defaults())
}

fn screen(cockpit: &kdeck::tui::Cockpit) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
    terminal.draw(|frame| kdeck::tui::render::render(frame, &cockpit.app)).unwrap();
    terminal.backend().buffer().content().iter().map(|cell| cell.symbol()).collect()
}

const LIMIT: std::time::Duration = std::time::Duration::from_secs(60);

/// The cockpit's Verify pane runs the same check when the plan names registries:
/// before the schemas are copied, id 6 is missing on the destination, named
/// with its subject and the partition it was met in, and no secret reaches the screen.
#[test]
fn the_verify_pane_shows_the_schema_check() {
    use kdeck::schemas::verify::IdState;
    use kdeck::tui::{action::Action, panes::PaneId};

    let m = Migration::start();
    m.replicate();
    let mut cockpit = cockpit(&m);
    cockpit.dispatch(Action::Goto(PaneId::Verify, None));
    cockpit.dispatch(Action::Refresh);
    assert!(cockpit.app.verify.running, "refresh starts a verification");
    assert!(cockpit.pump_until(LIMIT, |app| !app.verify.running), "the verification never finished");
    let outcome = cockpit.app.verify.outcome.clone().unwrap_or_else(|| panic!("{:?}", cockpit.app.verify.error));
    let check = outcome.schemas.expect("the plan names registries").expect("the check ran");
    let ids: Vec<(u32, Vec<String>, i32, u64, IdState)> = check
        .ids
        .iter()
        .map(|id| (id.id, id.subjects.clone(), id.first_use.partition, id.first_use.records, id.state.clone()))
        .collect();
    assert_eq!(ids, vec![(6, vec!["orders-value@1".to_string()], 0, 20, IdState::MissingOnDestination)]);

    let screen = screen(&cockpit);
    assert!(screen.contains("orders-value@1") && screen.contains("MISSING"), "{screen}");
    assert!(screen.contains("1 schema id(s) fail"), "{screen}");
    assert!(!screen.contains("dest-hunter2"), "a secret reached the screen");
}

/// The Inspector's compare on a renamed topic copied with provenance: the copy
/// is found by its header and shown decoded beside the source record; before
/// the schemas are copied the destination cannot decode it, and says why.
#[test]
fn the_inspector_compares_a_record_with_its_copy_decoded() {
    use kdeck::tui::panes::{Load, PaneId};
    use kdeck::tui::protocol::FoundBy;
    use kdeck::tui::{action::Action, Cockpit};

    let m = Migration::start();
    std::fs::write(
        &m.plan,
        "name = \"compare\"\nsource = \"source\"\ndestination = \"destination\"\n[topics]\ninclude = [\"orders\"]\nrename = \"{topic}-migrated\"\n",
    )
    .unwrap();
    m.replicate();
    let mut cockpit = cockpit(&m);
    cockpit.dispatch(Action::Goto(PaneId::Inspector, Some("orders".into())));
    let read = |app: &kdeck::tui::app::App| matches!(&app.inspector.messages, Load::Ready(r) if r.len() == 20);
    assert!(cockpit.pump_until(LIMIT, read), "{:?}", cockpit.app.inspector.messages);
    for _ in 0..3 {
        cockpit.dispatch(Action::Down);
    }
    cockpit.dispatch(Action::Expand);
    let source = cockpit.app.inspector.selected_message().cloned().expect("a record is open");
    assert_eq!(source.offset, 3);
    let source_json = match source.decoded.as_ref().and_then(|d| d.value.clone()) {
        Some(Ok(field)) => field.json,
        other => panic!("the source record decodes: {other:?}"),
    };

    let compare = |cockpit: &mut Cockpit| {
        if cockpit.app.inspector.compare.is_some() {
            cockpit.dispatch(Action::Escape);
        }
        cockpit.dispatch(Action::Compare);
        let answered = |app: &kdeck::tui::app::App| {
            app.inspector.compare.as_ref().is_some_and(|view| !matches!(view.answer, Load::Loading))
        };
        assert!(cockpit.pump_until(LIMIT, answered), "no answer to the compare");
        let view = cockpit.app.inspector.compare.clone().unwrap();
        assert_eq!(view.target.topic, "orders-migrated", "the plan's rename");
        match view.answer {
            Load::Ready(counterpart) => counterpart,
            other => panic!("{other:?}"),
        }
    };
    let before = compare(&mut cockpit);
    assert_eq!(before.found_by, FoundBy::Provenance);
    let copy = before.record.expect("the copy");
    assert_eq!(copy.value, source.value, "the bytes were copied as they were");
    match copy.decoded.and_then(|d| d.value) {
        Some(Err(reason)) => assert!(reason.contains("schema id 6") && reason.contains("404"), "{reason}"),
        other => panic!("the destination registry has no schema 6 yet: {other:?}"),
    }
    let text = screen(&cockpit);
    assert!(text.contains("its copy, found by its kdeck-provenance header"), "{text}");
    assert!(text.contains("≠") && !text.contains("dest-hunter2"), "{text}");

    let copied = m.kdeck(&["schemas", "copy", "--plan", m.plan_arg(), "--apply"]);
    assert_eq!(copied.code, Some(0), "{}", copied.stderr);
    let after = compare(&mut cockpit);
    match after.record.and_then(|r| r.decoded).and_then(|d| d.value) {
        Some(Ok(field)) => {
            assert_eq!(field.json, source_json);
            assert_eq!((field.schema_id, field.subject.as_deref()), (6, Some("orders-migrated-value")));
        }
        other => panic!("the copy decodes once schema 6 is on the destination: {other:?}"),
    }
}
