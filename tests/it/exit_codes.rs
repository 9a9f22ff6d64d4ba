//! docs/CLI.md's exit-code table, row by row: each row runs every command it names
//! and expects the row's code (and never a panic's 101).

use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::registry::{Stored, TestRegistry};
use crate::support::{free_port, write_plan, Kdeck, MockKafka, TestRecord};

/// Where a run's stdout or stderr goes.
#[derive(Clone, Copy, PartialEq)]
enum Sink {
    Pipe,
    /// /dev/full: every write fails with ENOSPC.
    Full,
    /// A pipe whose reading end is closed before kdeck writes.
    Closed,
}

struct Outcome {
    code: Option<i32>,
    stderr: String,
}

fn spawn_and_wait(mut cmd: Command, stdin: Option<&[u8]>, stdout: Sink, stderr: Sink) -> Outcome {
    let sink = |sink: Sink| match sink {
        Sink::Full => Stdio::from(File::options().write(true).open("/dev/full").expect("/dev/full")),
        Sink::Pipe | Sink::Closed => Stdio::piped(),
    };
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(sink(stdout)).stderr(sink(stderr));
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("spawn {cmd:?}: {e}"));
    if let Some(input) = stdin {
        let mut pipe = child.stdin.take().unwrap();
        let input = input.to_vec();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&input);
        });
    }
    let drain = |pipe: Option<Box<dyn Read + Send>>, sink: Sink| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let (Some(mut pipe), Sink::Pipe) = (pipe, sink) {
                let _ = pipe.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>), stdout);
    let err = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>), stderr);
    let deadline = Instant::now() + Duration::from_secs(90);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("{cmd:?} did not finish within 90 s");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let _ = out.join();
    Outcome { code: status.code(), stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned() }
}

struct Case {
    args: Vec<String>,
    stdin: Option<Vec<u8>>,
    stdout: Sink,
    stderr: Sink,
}

fn case(args: &[&str]) -> Case {
    Case { args: args.iter().map(|a| a.to_string()).collect(), stdin: None, stdout: Sink::Pipe, stderr: Sink::Pipe }
}

impl Case {
    fn stdin(mut self, input: &[u8]) -> Self {
        self.stdin = Some(input.to_vec());
        self
    }
    fn stdout(mut self, sink: Sink) -> Self {
        self.stdout = sink;
        self
    }
    fn stderr(mut self, sink: Sink) -> Self {
        self.stderr = sink;
        self
    }
}

struct Row {
    situation: &'static str,
    code: i32,
    cases: Vec<Case>,
}

/// A config with a good profile pair, a profile librdkafka refuses, and a plan over each.
struct Setup {
    kdeck: Kdeck,
    config: String,
    plan: String,
    bad_plan: String,
    bad_toml: String,
    /// `[schemas]` plans: registries that agree on `orders-value`, and one where the destination lacks it.
    schemas_agree: String,
    schemas_differ: String,
    /// A Replicator-shaped runner whose group stands still behind the source: stalled.
    stalled_plan: String,
    /// A plan whose [runner] lacks its group.
    bad_runner_plan: String,
    /// A plan whose runner names a [connect.NAME] the config lacks.
    unknown_connect_plan: String,
    source: MockKafka,
    _destination: MockKafka,
    _registries: [TestRegistry; 3],
}

fn setup() -> Setup {
    let source = MockKafka::new(1);
    let destination = MockKafka::new(1);
    source.create_topic("orders", 1);
    destination.create_topic("orders", 1);
    source.produce("orders", &[TestRecord::new(0, Some(b"k"), Some(b"v"))]);
    let kdeck = Kdeck::new();
    let dir = kdeck.home.path();
    let (config, plan) =
        write_plan(dir, source.bootstrap(), destination.bootstrap(), "[topics]\ninclude = [\"orders\"]\n");
    let mut text = std::fs::read_to_string(&config).unwrap();
    text.push_str(&format!(
        "\n[clusters.refused]\nbootstrap = \"{}\"\n\"no.such.property\" = \"1\"\n",
        source.bootstrap()
    ));
    std::fs::write(&config, text).unwrap();
    let bad_plan = dir.join("bad-plan.toml");
    std::fs::write(
        &bad_plan,
        "source = \"refused\"\ndestination = \"destination\"\n[topics]\ninclude = [\"orders\"]\n",
    )
    .unwrap();
    let registries = [TestRegistry::start(), TestRegistry::start(), TestRegistry::start()];
    for registry in &registries[..2] {
        let stored = Stored { schema: "\"string\"".into(), schema_type: None, references: serde_json::json!([]) };
        registry.put_raw("orders-value", 1, 1, stored);
    }
    let mut text = std::fs::read_to_string(&config).unwrap();
    for (name, registry) in ["sr-a", "sr-b", "sr-empty"].iter().zip(&registries) {
        text.push_str(&format!(
            "\n[clusters.{name}]\nbootstrap = \"{}\"\n\"schema.registry.url\" = \"{}\"\n",
            source.bootstrap(),
            registry.url()
        ));
    }
    std::fs::write(&config, text).unwrap();
    let schemas_plan = |name: &str, destination: &str| {
        let path = dir.join(name);
        std::fs::write(
            &path,
            format!("source = \"source\"\ndestination = \"destination\"\n[topics]\ninclude = [\"orders\"]\n[schemas]\nsource = \"sr-a\"\ndestination = \"{destination}\"\nsubjects = [\"orders-value\"]\n"),
        )
        .unwrap();
        path
    };
    let (schemas_agree, schemas_differ) = (schemas_plan("agree.toml", "sr-b"), schemas_plan("differ.toml", "sr-empty"));
    let bad_toml = dir.join("bad.toml");
    std::fs::write(&bad_toml, "[clusters.source\nbootstrap = 1\n").unwrap();
    let runner_plan = |file: &str, runner: &str| {
        let path = dir.join(file);
        let body =
            format!("source = \"source\"\ndestination = \"destination\"\n[topics]\ninclude = [\"orders\"]\n{runner}");
        std::fs::write(&path, body).unwrap();
        path
    };
    let stalled_plan = runner_plan("stalled.toml", "[runner]\nkind = \"replicator\"\ngroup = \"stuck\"\n");
    commit_group(source.bootstrap(), "stuck", &[(0, 0)]);
    let bad_runner_plan = runner_plan("bad-runner.toml", "[runner]\nkind = \"replicator\"\n");
    let unknown_connect_plan =
        runner_plan("unknown-connect.toml", "[runner]\nkind = \"connect\"\nconnect = \"nope\"\nconnector = \"c\"\n");
    let path = |p: &Path| p.to_str().unwrap().to_string();
    Setup {
        stalled_plan: path(&stalled_plan),
        bad_runner_plan: path(&bad_runner_plan),
        unknown_connect_plan: path(&unknown_connect_plan),
        config: path(&config),
        plan: path(&plan),
        bad_plan: path(&bad_plan),
        bad_toml: path(&bad_toml),
        schemas_agree: path(&schemas_agree),
        schemas_differ: path(&schemas_differ),
        kdeck,
        source,
        _destination: destination,
        _registries: registries,
    }
}

/// Commits offsets for `group` on `orders` the way a consumer (Replicator) does, without joining.
fn commit_group(bootstrap: &str, group: &str, offsets: &[(i32, i64)]) {
    use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
    let consumer: BaseConsumer =
        rdkafka::ClientConfig::new().set("bootstrap.servers", bootstrap).set("group.id", group).create().unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    for &(p, offset) in offsets {
        list.add_partition_offset("orders", p, rdkafka::Offset::Offset(offset)).unwrap();
    }
    consumer.commit(&list, CommitMode::Sync).expect("commit the group's offsets");
}

fn rows(s: &Setup) -> Vec<Row> {
    let b = s.source.bootstrap();
    let down = format!("127.0.0.1:{}", free_port());
    let (config, plan, bad_plan, bad_toml) = (&s.config, &s.plan, &s.bad_plan, &s.bad_toml);
    let report = s.kdeck.home.path().join("report.md");
    let report = report.to_str().unwrap();
    let acls = s.kdeck.home.path().join("acls.txt");
    std::fs::write(&acls, "").unwrap();
    let acls = acls.to_str().unwrap();
    let with_config = |args: &[&str]| {
        let mut all = vec!["--config", config.as_str()];
        all.extend_from_slice(args);
        case(&all)
    };
    let bad_config = |args: &[&str]| {
        let mut all = vec!["--config", bad_toml.as_str()];
        all.extend_from_slice(args);
        case(&all)
    };
    let every_command = [
        "meta",
        "consume",
        "produce",
        "offsets",
        "demo",
        "replicate",
        "cockpit",
        "acl eval",
        "acl check",
        "acl probe",
        "cheatsheet",
        "plan export",
        "connect",
        "verify",
        "cutover",
        "report",
        "schemas diff",
        "schemas copy",
        "watch",
    ];
    vec![
        Row {
            situation: "success",
            code: 0,
            cases: vec![
                case(&["meta", "-b", b]),
                case(&["consume", "-b", b, "-t", "orders", "-e"]),
                case(&["produce", "-b", b, "-t", "orders"]).stdin(b"a\n"),
                case(&["offsets", "-b", b, "-t", "orders"]),
                case(&["offsets", "-b", b, "-t", "orders:0:-1"]),
                case(&["offsets", "-b", b, "-t", "orders:0:-2"]),
                case(&["cheatsheet", "-b", b, "-t", "orders"]),
                with_config(&["watch", "--plan", plan, "--once", "--interval", "200ms"]),
                with_config(&[
                    "watch",
                    "--source",
                    "source",
                    "--destination",
                    "destination",
                    "--topics",
                    "ord.*",
                    "--replicator",
                    "replicator-2",
                    "--once",
                    "--interval",
                    "200ms",
                ]),
                case(&[
                    "acl",
                    "eval",
                    "--acls",
                    acls,
                    "--principal",
                    "User:a",
                    "--host",
                    "*",
                    "--operation",
                    "READ",
                    "--resource-type",
                    "TOPIC",
                    "--resource-name",
                    "orders",
                    "--allow-everyone-if-no-acl-found",
                ]),
                with_config(&["plan", "export", "--plan", plan, "--to", "mm2"]),
                with_config(&["schemas", "diff", "--plan", &s.schemas_agree]),
            ],
        },
        Row {
            situation: "schemas diff: a subject differs between the registries",
            code: 1,
            cases: vec![with_config(&["schemas", "diff", "--plan", &s.schemas_differ])],
        },
        Row {
            situation: "-c 0 is no limit",
            code: 0,
            cases: vec![
                case(&["consume", "-b", b, "-t", "orders", "-e", "-c", "0"]),
                case(&["produce", "-b", b, "-t", "orders", "-c", "0"]).stdin(b"a\nb\n"),
            ],
        },
        Row {
            situation: "closed stdout",
            code: 0,
            cases: vec![
                case(&["consume", "-b", b, "-t", "orders", "-e"]).stdout(Sink::Closed),
                case(&["meta", "-b", b]).stdout(Sink::Closed),
            ],
        },
        Row {
            situation: "an unknown flag, a missing or out-of-range value",
            code: 2,
            cases: every_command
                .iter()
                .map(|command| {
                    let mut args: Vec<&str> = command.split(' ').collect();
                    args.push("--no-such-flag");
                    case(&args)
                })
                .chain([
                    case(&["meta", "-b", b, "-m", "-1"]),
                    case(&["consume", "-b", b, "-t", "orders", "-p", "-1"]),
                    case(&["consume", "-b", b, "-t", "orders", "-c", "-5"]),
                    case(&["produce", "-b", b, "-t", "orders", "-c", "-5"]),
                    case(&["produce", "-b", b, "-t", "orders", "-p", "-2"]),
                    case(&["offsets", "-b", b, "-t", "orders", "-m", "0"]),
                    case(&["replicate", "--plan", plan, "-m", "-1"]),
                    case(&["verify", "--plan", plan, "-m", "-1"]),
                    case(&["cutover", "--plan", plan, "--group", "g", "-m", "-1"]),
                    case(&["report", "--plan", plan, "--out", report, "-m", "-1"]),
                    case(&["connect", "--url", "http://127.0.0.1:1", "-m", "-1", "get"]),
                    case(&[
                        "acl",
                        "eval",
                        "--acls",
                        acls,
                        "--principal",
                        "User:a",
                        "--host",
                        "",
                        "--operation",
                        "READ",
                        "--resource-type",
                        "TOPIC",
                        "--resource-name",
                        "orders",
                    ]),
                    case(&[
                        "acl",
                        "eval",
                        "--acls",
                        acls,
                        "--principal",
                        "User:a",
                        "--host",
                        "*",
                        "--operation",
                        "READ",
                        "--resource-type",
                        "TOPIC",
                        "--resource-name",
                        "",
                    ]),
                ])
                .collect(),
        },
        Row {
            situation: "a config file that is not valid TOML",
            code: 2,
            cases: vec![
                bad_config(&["meta", "-b", "source"]),
                bad_config(&["consume", "-b", "source", "-t", "orders"]),
                bad_config(&["produce", "-b", "source", "-t", "orders"]),
                bad_config(&["offsets", "-b", "source", "-t", "orders"]),
                bad_config(&["replicate", "--plan", plan]),
                bad_config(&["--plan", plan]),
                bad_config(&["cockpit", "--plan", plan]),
                bad_config(&["acl", "probe", "-b", "source", "--as", "consumer", "-t", "orders"]),
                bad_config(&[
                    "acl",
                    "eval",
                    "-b",
                    "source",
                    "--principal",
                    "User:a",
                    "--host",
                    "*",
                    "--operation",
                    "READ",
                    "--resource-type",
                    "TOPIC",
                    "--resource-name",
                    "orders",
                ]),
                bad_config(&["cheatsheet", "-b", "source"]),
                bad_config(&["plan", "export", "--plan", plan, "--to", "mm2"]),
                bad_config(&["connect", "-c", "prod", "get"]),
                bad_config(&["verify", "--plan", plan]),
                bad_config(&["cutover", "--plan", plan, "--group", "g"]),
                bad_config(&["report", "--plan", plan, "--out", report]),
                bad_config(&["watch", "--plan", plan, "--once"]),
            ],
        },
        Row {
            situation: "an unknown profile, or a broker list with a bad element",
            code: 2,
            cases: ["prdo", "127.0.0.1:99999", "127.0.0.1:", "localhost:abc", &format!("{b},junk:x")]
                .iter()
                .flat_map(|cluster| {
                    [
                        with_config(&["meta", "-b", cluster]),
                        with_config(&["consume", "-b", cluster, "-t", "orders"]),
                        with_config(&["produce", "-b", cluster, "-t", "orders"]).stdin(b"a\n"),
                        with_config(&["offsets", "-b", cluster, "-t", "orders"]),
                        with_config(&["acl", "probe", "-b", cluster, "--as", "consumer", "-t", "orders"]),
                    ]
                })
                .collect(),
        },
        Row {
            situation: "a property librdkafka refuses; an empty transactional.id",
            code: 2,
            cases: vec![
                with_config(&["meta", "-b", "refused"]),
                with_config(&["consume", "-b", "refused", "-t", "orders", "-e"]),
                with_config(&["produce", "-b", "refused", "-t", "orders"]).stdin(b"a\n"),
                with_config(&["offsets", "-b", "refused", "-t", "orders"]),
                with_config(&["acl", "probe", "-b", "refused", "--as", "consumer", "-t", "orders"]),
                with_config(&["replicate", "--plan", bad_plan, "--exit-when-caught-up"]),
                with_config(&["verify", "--plan", bad_plan]),
                with_config(&["cutover", "--plan", bad_plan, "--group", "g"]),
                with_config(&["report", "--plan", bad_plan, "--out", report]),
                with_config(&["plan", "export", "--plan", bad_plan, "--to", "mm2"]),
                with_config(&["--plan", bad_plan]),
                case(&["meta", "-b", b, "-X", "no.such.property=1"]),
                case(&["meta", "-b", b, "-X", "acks=sometimes"]),
                case(&["produce", "-b", b, "-t", "orders", "-X", "transactional.id="]).stdin(b"a\n"),
                case(&["consume", "-b", b, "-t", "orders", "-X", "transactional.id= "]),
            ],
        },
        Row {
            situation: "an illegal topic name",
            code: 2,
            cases: ["", ".", "..", "a b", "ümlaut", &"t".repeat(250)]
                .iter()
                .flat_map(|topic| {
                    [
                        case(&["meta", "-b", b, "-t", topic]),
                        case(&["consume", "-b", b, "-t", topic, "-e"]),
                        case(&["produce", "-b", b, "-t", topic]).stdin(b"a\n"),
                        case(&["offsets", "-b", b, "-t", topic]),
                        case(&["acl", "probe", "-b", b, "--as", "consumer", "-t", topic]),
                    ]
                })
                .collect(),
        },
        Row {
            situation: "a malformed spec",
            code: 2,
            cases: vec![
                case(&["consume", "-b", b, "-t", "orders", "-o", "latest"]),
                case(&["consume", "-b", b, "-t", "orders", "-f", "%q"]),
                case(&["produce", "-b", b, "-t", "orders", "-K", ""]).stdin(b"a\n"),
                case(&["offsets", "-b", b, "-t", "orders:x"]),
                case(&["meta", "-b", b, "-X", "no-equals-sign"]),
            ],
        },
        Row {
            situation: "no broker answers within -m",
            code: 1,
            cases: vec![
                case(&["meta", "-b", &down, "-m", "1"]),
                case(&["consume", "-b", &down, "-m", "1", "-t", "orders", "-e"]),
                case(&["produce", "-b", &down, "-m", "1", "-t", "orders"]).stdin(b"a\n"),
                case(&["offsets", "-b", &down, "-m", "1", "-t", "orders"]),
                // Every probe failing is not a pass (issue 14 item 7).
                case(&["acl", "probe", "-b", &down, "-m", "1", "--as", "consumer", "-t", "orders", "--group", "g"]),
            ],
        },
        Row {
            situation: "an unknown topic or partition",
            code: 1,
            cases: vec![
                case(&["consume", "-b", b, "-t", "nope", "-e"]),
                case(&["consume", "-b", b, "-t", "orders", "-p", "9", "-e"]),
                case(&["offsets", "-b", b, "-t", "nope"]),
                case(&["offsets", "-b", b, "-t", "orders:9"]),
            ],
        },
        Row {
            situation: "a stalled partition under --once",
            code: 1,
            cases: vec![with_config(&[
                "watch",
                "--plan",
                &s.stalled_plan,
                "--once",
                "--interval",
                "300ms",
                "--stall-after",
                "100ms",
            ])],
        },
        Row {
            situation: "a bad [runner], an unknown [connect.NAME], a bad --interval or --stall-after",
            code: 2,
            cases: vec![
                with_config(&["watch", "--plan", &s.bad_runner_plan, "--once"]),
                with_config(&["watch", "--plan", &s.unknown_connect_plan, "--once"]),
                with_config(&["watch", "--plan", plan, "--once", "--interval", "5"]),
                with_config(&["watch", "--plan", plan, "--once", "--stall-after", "0s"]),
            ],
        },
        Row {
            situation:
                "watch without --plan: a missing or conflicting runner flag, an unknown profile or [connect.NAME]",
            code: 2,
            cases: vec![
                with_config(&["watch", "--once"]),
                with_config(&["watch", "--plan", plan, "--replicator", "g", "--once"]),
                with_config(&["watch", "--source", "source", "--destination", "destination", "--once"]),
                with_config(&[
                    "watch",
                    "--source",
                    "source",
                    "--destination",
                    "destination",
                    "--replicator",
                    "g",
                    "--mm2",
                    "a",
                ]),
                with_config(&["watch", "--source", "source", "--replicator", "g", "--once"]),
                with_config(&[
                    "watch",
                    "--source",
                    "source",
                    "--destination",
                    "destination",
                    "--connect",
                    "c",
                    "--once",
                ]),
                with_config(&[
                    "watch",
                    "--source",
                    "nope",
                    "--destination",
                    "destination",
                    "--replicator",
                    "g",
                    "--once",
                ]),
                with_config(&[
                    "watch",
                    "--source",
                    "source",
                    "--destination",
                    "destination",
                    "--connect",
                    "nowhere",
                    "--connector",
                    "c",
                    "--once",
                ]),
                with_config(&[
                    "watch",
                    "--source",
                    "source",
                    "--destination",
                    "destination",
                    "--replicator",
                    "g",
                    "--topics",
                    "orders[",
                    "--once",
                ]),
            ],
        },
        Row {
            situation: "stdout cannot be written",
            code: 1,
            cases: vec![
                case(&["meta", "-b", b]).stdout(Sink::Full),
                case(&["offsets", "-b", b, "-t", "orders"]).stdout(Sink::Full),
                case(&["consume", "-b", b, "-t", "orders", "-e"]).stdout(Sink::Full),
                case(&["cheatsheet", "-b", b]).stdout(Sink::Full),
                with_config(&["plan", "export", "--plan", plan, "--to", "mm2"]).stdout(Sink::Full),
            ],
        },
    ]
}

#[test]
fn every_row_of_the_exit_code_table_holds_for_every_command() {
    let setup = setup();
    let mut failures = Vec::new();
    for row in rows(&setup) {
        for case in row.cases {
            let mut cmd = setup.kdeck.command();
            cmd.args(&case.args);
            let outcome = spawn_and_wait(cmd, case.stdin.as_deref(), case.stdout, case.stderr);
            if outcome.code != Some(row.code) || outcome.stderr.contains("panicked") {
                failures.push(format!(
                    "{}: kdeck {:?} exited {:?}, expected {}: {}",
                    row.situation,
                    case.args,
                    outcome.code,
                    row.code,
                    outcome.stderr.trim()
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{} rows broken:\n{}", failures.len(), failures.join("\n"));
}

/// A full stderr leaves the exit code as it was: 2, 1 or 0, never a panic's 101.
#[test]
fn a_full_stderr_keeps_the_exit_code() {
    let setup = setup();
    let down = format!("127.0.0.1:{}", free_port());
    let b = setup.source.bootstrap();
    #[rustfmt::skip]
    let cases = [
        (case(&["meta", "-b", "prdo"]), 2),
        (case(&["consume", "-b", b, "-t", ""]), 2),
        (case(&["meta", "--no-such-flag"]), 2),
        (case(&["meta", "-b", &down, "-m", "1"]), 1),
        (case(&["-v", "meta", "-b", b]), 0),
        (case(&["consume", "-b", b, "-t", "orders", "-e"]), 0),
    ];
    for (case, code) in cases {
        let mut cmd = setup.kdeck.command();
        cmd.args(&case.args);
        let outcome = spawn_and_wait(cmd, None, Sink::Pipe, Sink::Full);
        assert_eq!(outcome.code, Some(code), "kdeck {:?} with a full stderr", case.args);
        let outcome = {
            let mut cmd = setup.kdeck.command();
            cmd.args(&case.args);
            spawn_and_wait(cmd, None, Sink::Full, Sink::Full)
        };
        let expected = if code == 0 && case.args.iter().any(|a| a == "meta" || a == "consume") { 1 } else { code };
        assert_eq!(outcome.code, Some(expected), "kdeck {:?} with full stdout and stderr", case.args);
    }
    let _ = case(&[]).stderr(Sink::Pipe);
}

/// `replicate` writes notes to stderr and progress lines to a non-terminal stdout: neither may panic.
#[test]
fn replicate_with_a_full_stream_exits_with_its_documented_code() {
    let setup = setup();
    let args = ["--config", &setup.config, "replicate", "--plan", &setup.plan, "--exit-when-caught-up"];
    let mut cmd = setup.kdeck.command();
    cmd.args(args).args(["--metrics", "127.0.0.1:0"]);
    let outcome = spawn_and_wait(cmd, None, Sink::Pipe, Sink::Full);
    assert_eq!(outcome.code, Some(0), "replicate with a full stderr: the copy still completes");
    let mut cmd = setup.kdeck.command();
    cmd.args(args);
    let outcome = spawn_and_wait(cmd, None, Sink::Full, Sink::Pipe);
    assert_eq!(outcome.code, Some(1), "replicate with a full stdout: a runtime error, not a panic");
}
