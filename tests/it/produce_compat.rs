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
