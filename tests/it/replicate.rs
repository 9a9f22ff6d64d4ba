//! The replication engine end to end, through the `kdeck replicate` binary
//! against real brokers. Exactly-once is judged by reading the destination
//! with read_committed: every source record present once, in order, intact.

use std::collections::BTreeMap;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::ClientConfig;

use crate::support::{drain, write_plan, Content, Kdeck, MockKafka, ReadRecord, Tansu, TestRecord};

/// The per-partition sequences a faithful copy must reproduce.
fn by_partition(records: &[ReadRecord]) -> BTreeMap<i32, Vec<Content>> {
    let mut map: BTreeMap<i32, Vec<Content>> = BTreeMap::new();
    for r in records {
        map.entry(r.partition).or_default().push(r.content());
    }
    map
}

fn assert_exact_copy(source: &str, destination: &str, topic: &str, idle: Duration) {
    let expected = by_partition(&drain(source, topic, idle));
    let actual = by_partition(&drain(destination, topic, idle));
    for (partition, want) in &expected {
        let got = actual.get(partition).map_or(&[][..], Vec::as_slice);
        if got.len() != want.len() {
            let first_diff = want.iter().zip(got).position(|(a, b)| a != b);
            panic!(
                "{topic} [{partition}]: {} records on the source, {} on the destination (first difference at {first_diff:?})",
                want.len(),
                got.len()
            );
        }
        assert!(got == want.as_slice(), "{topic} [{partition}]: same count, different records or order");
    }
    let extra: Vec<_> = actual.keys().filter(|p| !expected.contains_key(p)).collect();
    assert!(extra.is_empty(), "{topic}: destination partitions {extra:?} have records the source does not");
}

/// Keyed records with headers, tombstones and explicit CreateTimes.
fn workload(partitions: i32, per_partition: usize, seed: &str) -> Vec<TestRecord> {
    let mut records = Vec::new();
    for i in 0..per_partition {
        for p in 0..partitions {
            let key = format!("{seed}-{p}-{}", i % 50);
            let value = (i % 17 != 16).then(|| format!("{{\"seed\":\"{seed}\",\"i\":{i},\"p\":{p}}}"));
            let mut r = TestRecord::new(p, Some(key.as_bytes()), value.as_deref().map(str::as_bytes))
                .at(1_700_000_000_000 + i as i64);
            if i % 3 == 0 {
                r = r.header("trace", Some(format!("t{i}").as_bytes()));
            }
            records.push(r);
        }
    }
    records
}

pub(crate) fn replicate(kdeck: &Kdeck, config: &std::path::Path, plan: &std::path::Path, extra: &[&str]) -> Child {
    kdeck
        .command()
        .args(["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap()])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn kdeck replicate")
}

/// Waits for a child to exit on its own, killing it after `limit`.
pub(crate) fn wait_exit(mut child: Child, limit: Duration) -> std::process::Output {
    let deadline = Instant::now() + limit;
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("did not exit within {limit:?}: {}", String::from_utf8_lossy(&output.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn wait_success(mut child: Child, limit: Duration) {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let output = child.wait_with_output().unwrap();
            assert!(status.success(), "replicate exited {status}: {}", String::from_utf8_lossy(&output.stderr));
            return;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let output = child.wait_with_output().unwrap();
            panic!("replicate did not catch up in {limit:?}: {}", String::from_utf8_lossy(&output.stderr));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn high_watermark_sum(bootstrap: &str, topic: &str, partitions: i32) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap();
    (0..partitions)
        .map(|p| consumer.fetch_watermarks(topic, p, Duration::from_secs(5)).map_or(0, |(_, high)| high))
        .sum()
}

/// Two mock clusters with the plan's topics created on both sides (the mock
/// has no CreateTopics), plus topics the plan must leave alone.
fn mock_pair(topics: &[(&str, i32)]) -> (MockKafka, MockKafka) {
    let (source, destination) = (MockKafka::new(3), MockKafka::new(3));
    for &(topic, partitions) in topics {
        source.create_topic(topic, partitions);
        destination.create_topic(topic, partitions);
    }
    (source, destination)
}

#[test]
fn copies_faithfully_and_leaves_excluded_topics_alone() {
    let (source, destination) = mock_pair(&[("orders", 3), ("payments", 2)]);
    source.create_topic("optr-audit", 1);
    source.create_topic("__amazon_msk_canary", 1);
    source.produce("orders", &workload(3, 300, "orders"));
    source.produce("payments", &workload(2, 200, "payments"));
    source.produce("optr-audit", &workload(1, 10, "optr"));
    source.produce("__amazon_msk_canary", &workload(1, 10, "canary"));
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(
        kdeck.home.path(),
        source.bootstrap(),
        destination.bootstrap(),
        "[topics]\nexclude = [\"optr.*\"]\n[engine]\nlanes = 2\n",
    );
    wait_success(replicate(&kdeck, &config, &plan, &["--exit-when-caught-up"]), Duration::from_secs(60));
    let idle = Duration::from_millis(1500);
    assert_exact_copy(source.bootstrap(), destination.bootstrap(), "orders", idle);
    assert_exact_copy(source.bootstrap(), destination.bootstrap(), "payments", idle);
    for excluded in ["optr-audit", "__amazon_msk_canary"] {
        assert!(drain(destination.bootstrap(), excluded, Duration::from_millis(300)).is_empty(), "{excluded} copied");
    }
    let copied = drain(destination.bootstrap(), "orders", idle);
    let stamped = copied.iter().filter(|r| r.headers.iter().any(|(n, _)| n == "kdeck-provenance")).count();
    assert_eq!(stamped, copied.len(), "every copied record carries provenance");
}

/// kill -9 three times mid-copy, restarting with 1, 4 and 2 lanes: the
/// destination ends with every source record exactly once.
fn survives_kill_9(source: &str, destination: &str, topics: &[(&str, i32)], plan_body: &str, kdeck: &Kdeck) {
    let (config, plan) = write_plan(kdeck.home.path(), source, destination, plan_body);
    let total: i64 = topics.iter().map(|&(t, p)| high_watermark_sum(source, t, p)).sum();
    for (round, lanes) in ["1", "4", "2"].into_iter().enumerate() {
        let mut child = replicate(kdeck, &config, &plan, &["--lanes", lanes]);
        // Let it copy a slice, then kill it without warning.
        std::thread::sleep(Duration::from_millis(1200 + 400 * round as u64));
        child.kill().expect("kill -9");
        let _ = child.wait();
    }
    wait_success(
        replicate(kdeck, &config, &plan, &["--lanes", "3", "--exit-when-caught-up"]),
        Duration::from_secs(120),
    );
    assert!(total > 0);
    for &(topic, _) in topics {
        assert_exact_copy(source, destination, topic, Duration::from_millis(2000));
    }
}

#[test]
fn survives_kill_9_on_mock_clusters_of_the_demo_shape() {
    let topics = [("orders", 4), ("payments", 4)];
    let (source, destination) = mock_pair(&topics);
    source.produce("orders", &workload(4, 10_000, "orders"));
    source.produce("payments", &workload(4, 10_000, "payments"));
    let kdeck = Kdeck::new();
    let body = "[engine]\ncommit_interval = \"50ms\"\nmax_batch_records = 500\n";
    survives_kill_9(source.bootstrap(), destination.bootstrap(), &topics, body, &kdeck);
}

/// At-least-once lanes write positions as delivery reports arrive, without a
/// flush between batches; killed mid-pipeline, the restart must still lose
/// nothing and, with provenance on, duplicate nothing.
#[test]
fn survives_kill_9_at_least_once_on_mock_clusters() {
    let topics = [("orders", 4)];
    let (source, destination) = mock_pair(&topics);
    source.produce("orders", &workload(4, 10_000, "orders"));
    let kdeck = Kdeck::new();
    let body = "[engine]\nmode = \"at-least-once\"\ncommit_interval = \"50ms\"\nmax_batch_records = 500\n";
    survives_kill_9(source.bootstrap(), destination.bootstrap(), &topics, body, &kdeck);
}

/// tansu 0.6 does not advertise EndTxn, so librdkafka refuses to commit a
/// transaction there: on tansu the engine runs at-least-once, and the
/// destination-tail resume is what keeps the copy free of duplicates.
#[test]
fn survives_kill_9_on_tansu() {
    let (source, destination) = (Tansu::start(), Tansu::start());
    crate::tansu::create_topic(&source.bootstrap(), "ledger", 3);
    crate::support::produce(&source.bootstrap(), "ledger", &workload(3, 5_000, "ledger"));
    let kdeck = Kdeck::new();
    let body = "[engine]\nmode = \"at-least-once\"\ncommit_interval = \"50ms\"\nmax_batch_records = 500\n";
    // tansu's watermarks are wrong under batching, so the final run cannot
    // detect "caught up" from them: it runs a fixed time instead.
    let (config, plan) = write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), body);
    for (round, lanes) in ["1", "4", "2"].into_iter().enumerate() {
        let mut child = replicate(&kdeck, &config, &plan, &["--lanes", lanes]);
        std::thread::sleep(Duration::from_millis(1500 + 500 * round as u64));
        child.kill().expect("kill -9");
        let _ = child.wait();
    }
    let mut last = replicate(&kdeck, &config, &plan, &["--lanes", "3"]);
    let expected = drain(&source.bootstrap(), "ledger", Duration::from_secs(2)).len();
    let deadline = Instant::now() + Duration::from_secs(90);
    while drain(&destination.bootstrap(), "ledger", Duration::from_secs(2)).len() < expected {
        assert!(Instant::now() < deadline, "the copy did not complete");
    }
    let _ = last.kill();
    let _ = last.wait();
    assert_exact_copy(&source.bootstrap(), &destination.bootstrap(), "ledger", Duration::from_secs(2));
}

/// 1M records over 4 topics and 12 partitions: keys, headers, tombstones and a
/// keyed changelog. The mock keeps at most 100k records or 5 MB per partition,
/// so records stay small (about 40 bytes), partitions under 85k records, and
/// provenance is off: its header would push the destination partitions past
/// 5 MB and the mock would silently drop their oldest records.
#[test]
fn copies_a_million_records_faithfully() {
    let topics = [("orders", 3), ("payments", 3), ("customers", 3), ("inventory", 3)];
    let (source, destination) = mock_pair(&topics);
    let per_partition = 1_000_000 / 12 + 1;
    for (t, &(topic, partitions)) in topics.iter().enumerate() {
        let mut records = Vec::with_capacity(per_partition * 3);
        for i in 0..per_partition {
            for p in 0..partitions {
                // "customers" is a changelog: 500 keys updated over and over, with tombstones.
                let key = if topic == "customers" { format!("c{}", i % 500) } else { format!("{t}{p}-{i}") };
                let value = (i % 23 != 22).then(|| format!("v{i}"));
                let mut r = TestRecord::new(p, Some(key.as_bytes()), value.as_deref().map(str::as_bytes))
                    .at(1_700_000_000_000 + i as i64);
                if i % 5 == 0 {
                    r = r.header("h", Some(b"1"));
                }
                records.push(r);
            }
        }
        source.produce(topic, &records);
    }
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(
        kdeck.home.path(),
        source.bootstrap(),
        destination.bootstrap(),
        "[engine]\nlanes = 4\nprovenance = false\n",
    );
    wait_success(replicate(&kdeck, &config, &plan, &["--exit-when-caught-up"]), Duration::from_secs(600));
    for (topic, _) in topics {
        assert_exact_copy(source.bootstrap(), destination.bootstrap(), topic, Duration::from_secs(2));
    }
}

#[test]
fn metrics_endpoint_serves_prometheus_text() {
    use std::io::{Read, Write};
    let (source, destination) = mock_pair(&[("orders", 2)]);
    source.produce("orders", &workload(2, 50, "orders"));
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(kdeck.home.path(), source.bootstrap(), destination.bootstrap(), "");
    let port = crate::support::free_port();
    let mut child = replicate(&kdeck, &config, &plan, &["--metrics", &format!("127.0.0.1:{port}")]);
    let deadline = Instant::now() + Duration::from_secs(30);
    let body = loop {
        assert!(Instant::now() < deadline, "no metrics with copied records");
        std::thread::sleep(Duration::from_millis(200));
        let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { continue };
        stream.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut text = String::new();
        stream.read_to_string(&mut text).unwrap();
        if text.contains("kdeck_partition_records_copied_total{topic=\"orders\",partition=\"1\"} 50") {
            break text;
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(body.starts_with("HTTP/1.1 200 OK"), "{body}");
    for family in ["kdeck_engine_up 1", "# TYPE kdeck_lane_records_total counter", "kdeck_engine_lag_records 0"] {
        assert!(body.contains(family), "{family} missing from\n{body}");
    }
}

#[test]
fn topic_configs_are_synced_on_tansu() {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, ResourceSpecifier, TopicReplication};
    let (source, destination) = (Tansu::start(), Tansu::start());
    let admin = |bootstrap: &str| -> AdminClient<rdkafka::client::DefaultClientContext> {
        ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap()
    };
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let topic = NewTopic::new("customers", 3, TopicReplication::Fixed(1))
        .set("cleanup.policy", "compact")
        .set("retention.ms", "123456789");
    runtime.block_on(admin(&source.bootstrap()).create_topics([&topic], &AdminOptions::new())).unwrap();
    crate::support::produce(&source.bootstrap(), "customers", &workload(3, 20, "customers"));
    let kdeck = Kdeck::new();
    let body = "[engine]\nmode = \"at-least-once\"\n[sync]\ndeny = [\"retention.ms\"]\n";
    let (config, plan) = write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), body);
    let mut child = replicate(&kdeck, &config, &plan, &[]);
    let deadline = Instant::now() + Duration::from_secs(30);
    while drain(&destination.bootstrap(), "customers", Duration::from_millis(500)).len() < 60 {
        assert!(Instant::now() < deadline, "customers was not copied");
    }
    let _ = child.kill();
    let _ = child.wait();
    let described = runtime
        .block_on(
            admin(&destination.bootstrap())
                .describe_configs([&ResourceSpecifier::Topic("customers")], &AdminOptions::new()),
        )
        .unwrap();
    let resource = described.into_iter().next().unwrap().unwrap();
    assert_eq!(resource.get("cleanup.policy").and_then(|e| e.value.as_deref()), Some("compact"));
    assert_ne!(resource.get("retention.ms").and_then(|e| e.value.as_deref()), Some("123456789"), "deny ignored");
    let metadata = kdeck.run(&["meta", "-b", &destination.bootstrap(), "-t", "customers"], None);
    assert!(metadata.stdout_text().contains("with 3 partitions"), "{}", metadata.stdout_text());
}

/// The same kill -9 rounds against the clusters `kdeck demo --serve` serves.
#[test]
fn survives_kill_9_on_the_demo_clusters() {
    let kdeck = Kdeck::new();
    let mut demo = kdeck.serve_demo("none");
    let (profiles, bootstrap) = (demo.profiles.clone(), demo.bootstrap.clone());
    // Tiny transactions, so the copy is still running when it is killed.
    let body = "[topics]\ninclude = [\"orders\", \"payments\", \"customers\"]\n[engine]\ncommit_interval = \"5ms\"\nmax_batch_records = 5\n";
    let plan = kdeck.home.path().join("plan.toml");
    std::fs::write(&plan, format!("source = \"source\"\ndestination = \"destination\"\n{body}")).unwrap();
    for (round, lanes) in ["1", "4", "2"].into_iter().enumerate() {
        let mut child = replicate(&kdeck, &profiles, &plan, &["--lanes", lanes]);
        std::thread::sleep(Duration::from_millis(1500 + 300 * round as u64));
        child.kill().expect("kill -9");
        let _ = child.wait();
    }
    wait_success(
        replicate(&kdeck, &profiles, &plan, &["--lanes", "3", "--exit-when-caught-up"]),
        Duration::from_secs(120),
    );
    for topic in ["orders", "payments", "customers"] {
        assert_exact_copy(&bootstrap["source"], &bootstrap["destination"], topic, Duration::from_millis(1500));
    }
    let _ = demo.child.kill();
    let _ = demo.child.wait();
}

/// A cluster the engine cannot authenticate to stops it with one line naming
/// the cluster and what it was doing, and never shows the password.
#[test]
fn an_authentication_failure_names_the_cluster_and_the_operation() {
    let (source, destination) = mock_pair(&[("orders", 1)]);
    let kdeck = Kdeck::new();
    let config = kdeck.home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[clusters.source]\nbootstrap = \"{}\"\n\n[clusters.destination]\nbootstrap = \"{}\"\n\
             \"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"PLAIN\"\n\
             \"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"Wr0ng-Secret-42\"\n",
            source.bootstrap(),
            destination.bootstrap()
        ),
    )
    .unwrap();
    let plan = kdeck.home.path().join("plan.toml");
    std::fs::write(&plan, "source = \"source\"\ndestination = \"destination\"\n").unwrap();
    let run = kdeck
        .run(&["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap(), "-m", "2"], None);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(last.starts_with("kdeck: ") && last.contains("destination"), "{}", run.stderr);
    assert!(last.contains("metadata"), "{}", run.stderr);
    assert!(!run.stderr.contains("Wr0ng-Secret-42"), "{}", run.stderr);
}

/// A second engine on the same plan takes over: the first stops with a clear
/// message, and the copy has every record exactly once. On the mock (which
/// does not fence producers) this is the engine's own generation fence.
#[test]
fn a_second_engine_fences_the_first() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let (source, destination) = mock_pair(&[("orders", 4)]);
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (bootstrap, stop) = (source.bootstrap().to_string(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                crate::support::produce(&bootstrap, "orders", &workload(4, 25, &format!("batch{n}")));
                n += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let kdeck = Kdeck::new();
    let body = "[engine]\ncommit_interval = \"50ms\"\n";
    let (config, plan) = write_plan(kdeck.home.path(), source.bootstrap(), destination.bootstrap(), body);
    let first = replicate(&kdeck, &config, &plan, &["--lanes", "2"]);
    std::thread::sleep(Duration::from_secs(5));
    let second = replicate(&kdeck, &config, &plan, &["--lanes", "3"]);
    let fenced = wait_exit(first, Duration::from_secs(60));
    let message = String::from_utf8_lossy(&fenced.stderr);
    assert_eq!(fenced.status.code(), Some(1), "the first engine kept running: {message}");
    let last = message.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("kdeck: ") && last.contains("fenced") && last.contains("another kdeck engine"),
        "{message}"
    );
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    // The second engine keeps copying; a third run on the same plan takes over
    // from it and exits once everything is copied.
    wait_success(replicate(&kdeck, &config, &plan, &["--exit-when-caught-up"]), Duration::from_secs(120));
    let second = wait_exit(second, Duration::from_secs(60));
    assert_eq!(second.status.code(), Some(1), "the second engine was not fenced by the third");
    assert_exact_copy(source.bootstrap(), destination.bootstrap(), "orders", Duration::from_millis(1500));
}

/// The same takeover on tansu, where the engine runs at-least-once (tansu 0.6
/// cannot commit a transaction): the generation fence stops the first engine
/// and the destination-tail resume keeps the copy exact.
#[test]
fn a_second_engine_fences_the_first_on_tansu() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let (source, destination) = (Tansu::start(), Tansu::start());
    crate::tansu::create_topic(&source.bootstrap(), "orders", 2);
    let stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (bootstrap, stop) = (source.bootstrap(), stop.clone());
        std::thread::spawn(move || {
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                crate::support::produce(&bootstrap, "orders", &workload(2, 25, &format!("batch{n}")));
                n += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
        })
    };
    let kdeck = Kdeck::new();
    let body = "[engine]\nmode = \"at-least-once\"\ncommit_interval = \"50ms\"\n";
    let (config, plan) = write_plan(kdeck.home.path(), &source.bootstrap(), &destination.bootstrap(), body);
    let first = replicate(&kdeck, &config, &plan, &[]);
    std::thread::sleep(Duration::from_secs(4));
    let mut second = replicate(&kdeck, &config, &plan, &["--lanes", "2"]);
    let fenced = wait_exit(first, Duration::from_secs(60));
    let message = String::from_utf8_lossy(&fenced.stderr);
    assert_eq!(fenced.status.code(), Some(1), "the first engine kept running: {message}");
    assert!(message.contains("fenced"), "{message}");
    stop.store(true, Ordering::Relaxed);
    load.join().unwrap();
    let expected = drain(&source.bootstrap(), "orders", Duration::from_secs(2)).len();
    let deadline = Instant::now() + Duration::from_secs(60);
    while drain(&destination.bootstrap(), "orders", Duration::from_secs(2)).len() < expected {
        assert!(Instant::now() < deadline, "the second engine did not finish the copy");
    }
    let _ = second.kill();
    let _ = second.wait();
    assert_exact_copy(&source.bootstrap(), &destination.bootstrap(), "orders", Duration::from_secs(2));
}

/// Topics the engine cannot copy are never skipped in silence. On the mock
/// (no CreateTopics) a topic missing on the destination cannot be created,
/// and one with fewer destination partitions cannot take the copy: the run
/// fails naming both and why, without waiting a timeout per topic; a plan
/// whose every topic fails, or that selects none, fails too; the journal
/// and the report keep the reason.
#[test]
fn topics_that_cannot_be_copied_fail_the_run_with_their_reasons() {
    let (source, destination) = (MockKafka::new(1), MockKafka::new(1));
    for (topic, partitions) in [("orders", 3), ("orders.eu", 3), ("orders.us", 3), ("orders.apac", 2)] {
        source.create_topic(topic, partitions);
        source.produce(topic, &workload(partitions, 20, topic));
    }
    destination.create_topic("orders", 3);
    destination.create_topic("orders.us", 2);
    let kdeck = Kdeck::new();
    let (config, plan) =
        write_plan(kdeck.home.path(), source.bootstrap(), destination.bootstrap(), "name = \"regions\"\n");
    let started = Instant::now();
    let output = wait_exit(replicate(&kdeck, &config, &plan, &["--exit-when-caught-up"]), Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("failed after {:?}: {stderr}", started.elapsed());
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("caught-up"));
    assert!(stderr.contains("orders.eu") && stderr.contains("orders.apac"), "{stderr}");
    // The mock never answers CreateTopics: the reason names the creation that timed out.
    assert!(stderr.contains("orders.eu: cannot create topic orders.eu on destination"), "{stderr}");
    assert!(stderr.contains("destination topic orders.us has 2 partitions, the source has 3"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    // One CreateTopics for both missing topics: their wait is paid once.
    assert!(started.elapsed() < Duration::from_secs(30), "{:?}", started.elapsed());

    let report = kdeck.home.path().join("report.md");
    let run = kdeck.run(
        &[
            "--config",
            config.to_str().unwrap(),
            "report",
            "--plan",
            plan.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
        ],
        None,
    );
    let text = std::fs::read_to_string(&report).unwrap_or_default();
    assert!(
        text.contains("orders.eu") && text.contains("cannot create topic orders.eu"),
        "report ({:?}): {text}",
        run.code
    );

    for (body, expected) in [
        ("name = \"regions\"\n[topics]\ninclude = [\"orders\\\\.(eu|us)\"]\n", "no selected topic can be copied"),
        ("name = \"regions\"\n[topics]\ninclude = [\"nothing.*\"]\n", "selects no topic"),
    ] {
        std::fs::write(&plan, format!("source = \"source\"\ndestination = \"destination\"\n{body}")).unwrap();
        let output = wait_exit(replicate(&kdeck, &config, &plan, &[]), Duration::from_secs(60));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{body}: {stderr}");
        assert!(stderr.contains(expected), "{body}: {stderr}");
    }
}

/// One request on its own connection; the whole answer (the server closes after it),
/// or nothing while the server is not listening yet.
fn http_exchange(port: u16, request: &[u8]) -> String {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return String::new() };
    // A hang guard, not a measure: the answer is expected at once.
    stream.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    stream.write_all(request).unwrap();
    let mut text = String::new();
    let _ = stream.read_to_string(&mut text);
    text
}

#[test]
fn idle_and_trickling_connections_do_not_hold_up_an_authenticated_request() {
    use std::io::Write;
    use std::sync::atomic::{AtomicBool, Ordering};
    let (source, destination) = mock_pair(&[("orders", 1)]);
    let kdeck = Kdeck::new();
    let (config, plan) = write_plan(kdeck.home.path(), source.bootstrap(), destination.bootstrap(), "");
    let port = crate::support::free_port();
    let mut command = kdeck.command();
    command
        .env("KDECK_REST_PASSWORD", "pw-idle-test")
        .args(["--config", config.to_str().unwrap(), "replicate", "--plan", plan.to_str().unwrap()])
        .args(["--rest", &format!("127.0.0.1:{port}"), "--rest-user", "ops"])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut child = command.spawn().expect("spawn kdeck replicate");
    let authorization = "Authorization: Basic b3BzOnB3LWlkbGUtdGVzdA==\r\n"; // ops:pw-idle-test
    let get = format!("GET /connectors HTTP/1.1\r\nHost: x\r\n{authorization}\r\n");
    let deadline = Instant::now() + Duration::from_secs(30);
    while !http_exchange(port, get.as_bytes()).starts_with("HTTP/1.1 200") {
        assert!(Instant::now() < deadline, "the REST API never answered");
        std::thread::sleep(Duration::from_millis(200));
    }
    // Ten clients that never finish their headers: five silent, five sending a byte now and then.
    let answered = AtomicBool::new(false);
    let answer = std::thread::scope(|scope| {
        for trickle in (0..10).map(|i| i % 2 == 0) {
            let answered = &answered;
            scope.spawn(move || {
                let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
                let _ = stream.write_all(b"GET /connectors HTTP/1.1\r\nX-Slow: ");
                while !answered.load(Ordering::Relaxed) {
                    if trickle {
                        let _ = stream.write_all(b"a");
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
        std::thread::sleep(Duration::from_millis(300));
        let answer = http_exchange(port, get.as_bytes());
        answered.store(true, Ordering::Relaxed);
        answer
    });
    // Header limits answer with an error instead of reading on.
    let many = format!("GET /connectors HTTP/1.1\r\nHost: x\r\n{}\r\n", "X-Many: 1\r\n".repeat(200));
    let refused = http_exchange(port, many.as_bytes());
    let unauthenticated = http_exchange(port, b"GET /connectors HTTP/1.1\r\nHost: x\r\n\r\n");
    let _ = child.kill();
    let _ = child.wait();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains("[\""), "{answer}");
    assert!(refused.starts_with("HTTP/1.1 431"), "{refused}");
    assert!(unauthenticated.starts_with("HTTP/1.1 401"), "{unauthenticated}");
}

/// A rename onto another selected source topic would interleave two copies in
/// one destination topic: the engine refuses to start, naming both.
#[test]
fn a_rename_onto_another_selected_topic_is_refused() {
    let (source, destination) = mock_pair(&[("orders", 1), ("orders-copy", 1)]);
    let kdeck = Kdeck::new();
    let body = "name = \"renames\"\n[topics]\nrename = \"{topic}-copy\"\n";
    let (config, plan) = write_plan(kdeck.home.path(), source.bootstrap(), destination.bootstrap(), body);
    let output = wait_exit(replicate(&kdeck, &config, &plan, &["--exit-when-caught-up"]), Duration::from_secs(60));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("copies orders onto orders-copy, which the plan also selects"), "{stderr}");
}
