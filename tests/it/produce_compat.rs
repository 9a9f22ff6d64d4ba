//! `kdeck produce` and `kcat -P` given the same input and flags write records
//! that kcat reads back identically.

use crate::support::{kcat, Kdeck, MockKafka};

/// Everything a record carries that a producer controls.
const READ_BACK: &str = "%k|%K|%s|%S|%h\\n";

fn read_back(kafka: &MockKafka, topic: &str) -> Vec<u8> {
    let run = kcat(
        &["-C", "-b", kafka.bootstrap(), "-t", topic, "-p", "0", "-o", "beginning", "-e", "-q", "-f", READ_BACK],
        None,
    );
    assert_eq!(run.code, Some(0), "kcat read-back failed: {}", run.stderr);
    run.stdout
}

#[test]
fn produce_writes_what_kcat_writes() {
    let kafka = MockKafka::new(1);
    let kdeck = Kdeck::new();
    let dir = tempfile::tempdir().unwrap();
    let lines_file = dir.path().join("lines.txt");
    std::fs::write(&lines_file, "a:1\nb:2\n\nc:\n:d\nplain\n").unwrap();
    let whole_file = dir.path().join("whole.json");
    std::fs::write(&whole_file, "{\"multi\":\n \"line\"}\n").unwrap();
    let lines_path = lines_file.to_str().unwrap();
    let whole_path = whole_file.to_str().unwrap();

    let keyed_input: &[u8] = b"k1:v1\nk2:v2 with: colon\nnokey\n:emptykey\nk3:\n\nlast:no newline";
    type Case<'a> = (&'a str, Vec<&'a str>, Option<&'a [u8]>);
    let cases: Vec<Case<'_>> = vec![
        ("key delimiter", vec!["-K", ":"], Some(keyed_input)),
        ("key delimiter, empty as null", vec!["-K", ":", "-Z"], Some(keyed_input)),
        ("headers", vec!["-H", "source=migration", "-H", "trace-id=42", "-H", "flag"], Some(b"one\ntwo\n")),
        ("headers and keys", vec!["-K", ":", "-H", "app=kdeck"], Some(keyed_input)),
        ("fixed key", vec!["-k", "fixed"], Some(b"x\ny\n")),
        ("fixed key with -K", vec!["-k", "fixed", "-K", ":"], Some(keyed_input)),
        ("message delimiter", vec!["-D", ";"], Some(b"a;b;;c")),
        ("lines from a file", vec!["-l", lines_path], None),
        ("lines from a file with -K -Z", vec!["-l", "-K", ":", "-Z", lines_path], None),
        ("whole file", vec![whole_path], None),
        ("empty as null", vec!["-Z"], Some(b"a\n\nb\n")),
        ("count zero is no limit", vec!["-c", "0"], Some(b"a\nb\nc\n")),
        ("count", vec!["-c", "2"], Some(b"a\nb\nc\n")),
    ];
    let mut failures = Vec::new();
    for (index, (name, flags, stdin)) in cases.iter().enumerate() {
        let by_kcat = format!("by-kcat-{index}");
        let by_kdeck = format!("by-kdeck-{index}");
        kafka.create_topic(&by_kcat, 1);
        kafka.create_topic(&by_kdeck, 1);
        let mut kcat_args = vec!["-P", "-b", kafka.bootstrap(), "-t", &by_kcat, "-p", "0"];
        kcat_args.extend(flags);
        let mut kdeck_args = vec!["produce", "-b", kafka.bootstrap(), "-t", &by_kdeck, "-p", "0"];
        kdeck_args.extend(flags);
        let produced_by_kcat = kcat(&kcat_args, *stdin);
        assert_eq!(produced_by_kcat.code, Some(0), "kcat -P failed on {name}: {}", produced_by_kcat.stderr);
        let produced_by_kdeck = kdeck.run(&kdeck_args, *stdin);
        if produced_by_kdeck.code != Some(0) {
            failures.push(format!("{name}: kdeck exited {:?}: {}", produced_by_kdeck.code, produced_by_kdeck.stderr));
            continue;
        }
        let expected = read_back(&kafka, &by_kcat);
        let actual = read_back(&kafka, &by_kdeck);
        assert!(!expected.is_empty(), "{name}: kcat produced nothing");
        if expected != actual {
            failures.push(format!(
                "{name}:\n  kcat:  {:?}\n  kdeck: {:?}",
                String::from_utf8_lossy(&expected),
                String::from_utf8_lossy(&actual)
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// How many records `topic` holds, read back with kcat.
fn count_records(kafka: &MockKafka, topic: &str) -> usize {
    let run = kcat(&["-C", "-b", kafka.bootstrap(), "-t", topic, "-o", "beginning", "-e", "-q", "-f", "%o\\n"], None);
    run.stdout.iter().filter(|&&b| b == b'\n').count()
}

/// Ctrl-C, SIGTERM, SIGHUP and SIGQUIT end a produce whose stdin is still open
/// and silent: what was read is delivered, and the exit is 0.
#[test]
fn produce_stops_on_a_signal_while_stdin_is_open() {
    use std::io::Write;
    use std::process::Stdio;
    let kafka = MockKafka::new(1);
    let kdeck = Kdeck::new();
    for (index, signal) in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT].into_iter().enumerate() {
        let topic = format!("signalled-{index}");
        kafka.create_topic(&topic, 1);
        let mut child = kdeck
            .command()
            .args(["produce", "-b", kafka.bootstrap(), "-t", &topic])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn kdeck produce");
        let mut stdin = child.stdin.take().unwrap();
        stdin.write_all(b"first\nsecond\n").unwrap();
        stdin.flush().unwrap();
        // Delivered records prove kdeck is up, its handlers installed, and waiting on stdin.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        while count_records(&kafka, &topic) < 2 {
            assert!(std::time::Instant::now() < deadline, "kdeck produce delivered nothing");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        // SAFETY: signals the process this test started; no memory is involved.
        assert_eq!(unsafe { libc::kill(child.id() as i32, signal) }, 0);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("kdeck produce ignored signal {signal} with stdin open");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        drop(stdin);
        assert_eq!(status.code(), Some(0), "signal {signal}");
        assert_eq!(count_records(&kafka, &topic), 2, "signal {signal}");
    }
}

/// Against a closed port, produce fails within -m and names the brokers it asked,
/// also when the cluster is a profile.
#[test]
fn produce_to_an_unreachable_profile_names_its_brokers() {
    let kdeck = Kdeck::new();
    let broker = format!("127.0.0.1:{}", crate::support::free_port());
    let config = kdeck.home.path().join("config.toml");
    std::fs::write(&config, format!("[clusters.down]\nbootstrap = \"{broker}\"\n")).unwrap();
    let run = kdeck
        .run(&["--config", config.to_str().unwrap(), "produce", "-b", "down", "-m", "1", "-t", "orders"], Some(b"a\n"));
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(run.stderr.contains(&broker) && run.stderr.contains("down"), "{}", run.stderr);
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
}
