//! `kdeck consume` against Debian's kcat on the same mock-cluster topic: byte
//! for byte, with sorted lines where partition interleaving differs.

use crate::support::{kcat, sorted_lines, Kdeck, MockKafka, TestRecord};

const TOPIC: &str = "compat";
const BASE_TS: i64 = 1_700_000_000_000;

/// Three partitions: 0 holds keyed records with headers and rising timestamps,
/// 1 holds the awkward values (nulls, empties, binary, quotes), 2 is empty.
fn seed(kafka: &MockKafka) {
    kafka.create_topic(TOPIC, 3);
    let mut records = Vec::new();
    for i in 0..8i64 {
        let key = format!("key-{i}");
        let value = format!("{{\"n\":{i},\"note\":\"order {i}\"}}");
        let mut r = TestRecord::new(0, Some(key.as_bytes()), Some(value.as_bytes())).at(BASE_TS + i * 1000);
        r = r.header("trace-id", Some(format!("t{i}").as_bytes()));
        if i % 2 == 0 {
            r = r.header("source", Some(b"checkout"));
        }
        if i == 3 {
            r = r.header("null-header", None).header("empty-header", Some(b""));
        }
        records.push(r);
    }
    type KeyValue<'a> = (Option<&'a [u8]>, Option<&'a [u8]>);
    let awkward: Vec<KeyValue<'_>> = vec![
        (None, Some(b"no key")),
        (Some(b"tombstone"), None),
        (Some(b"empty"), Some(b"")),
        (Some(b""), Some(b"empty key")),
        (Some(b"bin"), Some(b"\x00\x01\xff\xfe raw")),
        (Some(b"utf8"), Some("h\u{e9}llo \u{2603} \u{1F600}".as_bytes())),
        (Some(b"quotes"), Some(b"say \"hi\" \\ back/slash \t tab \x1f ctl")),
        (None, None),
    ];
    for (i, (key, value)) in awkward.into_iter().enumerate() {
        records.push(TestRecord::new(1, key, value).at(BASE_TS + 500 + i as i64 * 1000));
    }
    kafka.produce(TOPIC, &records);
}

fn cases() -> Vec<(&'static str, Vec<String>)> {
    let ts = |n: i64| (BASE_TS + n * 1000).to_string();
    let owned = |args: &[&str]| args.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    vec![
        ("default format", owned(&["-o", "beginning", "-e"])),
        ("key and value", owned(&["-o", "beginning", "-e", "-f", "%k %s\\n"])),
        ("topic partition offset", owned(&["-o", "beginning", "-e", "-f", "%t [%p] @%o: %k=%s\\n"])),
        ("lengths", owned(&["-o", "beginning", "-e", "-f", "%S %K|\\n"])),
        ("binary length", owned(&["-o", "beginning", "-e", "-f", "%R%s\\n"])),
        ("timestamp and headers", owned(&["-o", "beginning", "-e", "-f", "%T %h\\n"])),
        ("headers only", owned(&["-o", "beginning", "-e", "-f", "%h\\n"])),
        ("json envelope", owned(&["-o", "beginning", "-e", "-J"])),
        ("json one partition", owned(&["-p", "1", "-o", "beginning", "-e", "-J"])),
        ("key delimiter", owned(&["-o", "beginning", "-e", "-K", ":"])),
        ("key delimiter with offset", owned(&["-o", "beginning", "-e", "-K", ":", "-O"])),
        ("message delimiter", owned(&["-p", "0", "-o", "beginning", "-e", "-D", "|"])),
        ("null as text", owned(&["-o", "beginning", "-e", "-Z", "-f", "%k|%s\\n"])),
        ("null as text with -K", owned(&["-o", "beginning", "-e", "-Z", "-K", ":"])),
        ("absolute offset", owned(&["-p", "0", "-o", "2", "-e", "-f", "%o %s\\n"])),
        ("relative offset", owned(&["-p", "0", "-o", "-2", "-e", "-f", "%o\\n"])),
        ("relative offset all partitions", owned(&["-o", "-1", "-e", "-f", "%p %o\\n"])),
        ("count", owned(&["-p", "0", "-o", "beginning", "-c", "3", "-f", "%o %k\\n"])),
        ("count json", owned(&["-p", "1", "-o", "beginning", "-c", "2", "-J"])),
        ("count zero is no limit", owned(&["-p", "0", "-o", "beginning", "-c", "0", "-e", "-f", "%o %k\n"])),
        ("count zero json", owned(&["-o", "beginning", "-c", "0", "-e", "-J"])),
        ("start timestamp", owned(&["-p", "0", "-o", &format!("s@{}", ts(3)), "-e", "-f", "%o %T\\n"])),
        // The mock answers every offsets-for-times lookup with -1 (the end), so
        // the s@ cases prove that fallback; e@ is checked from the beginning.
        ("end timestamp", owned(&["-p", "0", "-o", "beginning", "-o", &format!("e@{}", ts(4)), "-f", "%o\\n"])),
        ("end timestamp json", owned(&["-p", "1", "-o", "beginning", "-o", &format!("e@{}", ts(5)), "-J"])),
        ("start timestamp json", owned(&["-o", &format!("s@{}", ts(2)), "-e", "-J"])),
        ("escapes", owned(&["-p", "1", "-o", "beginning", "-e", "-f", "%k\\t%s\\r\\n"])),
        ("hex escapes", owned(&["-p", "0", "-o", "beginning", "-e", "-f", "\\x41%o\\x3a%s\\n"])),
        ("percent literal", owned(&["-p", "0", "-o", "beginning", "-e", "-f", "100%% %s\\n"])),
        ("end", owned(&["-p", "0", "-o", "end", "-e", "-f", "%s\\n"])),
        ("empty partition", owned(&["-p", "2", "-o", "beginning", "-e"])),
        ("quiet json", owned(&["-p", "0", "-o", "beginning", "-e", "-J", "-q"])),
        ("all lengths with nulls", owned(&["-o", "beginning", "-e", "-Z", "-f", "%K:%S:%k:%s\\n"])),
    ]
}

/// End-of-partition notices, with the ": exiting" marker split off: which
/// partition ends last differs between runs when several are consumed.
fn notices(stderr: &str) -> (Vec<String>, usize) {
    let mut lines: Vec<String> = stderr
        .lines()
        .filter(|l| l.starts_with("% Reached"))
        .map(|l| l.trim_end_matches(": exiting").to_string())
        .collect();
    lines.sort();
    let exiting = stderr.lines().filter(|l| l.ends_with(": exiting")).count();
    (lines, exiting)
}

#[test]
fn consume_output_is_byte_identical_to_kcat() {
    let kafka = MockKafka::new(3);
    seed(&kafka);
    let kdeck = Kdeck::new();
    let cases = cases();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for (name, args) in &cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let single_partition = args.contains(&"-p");
        let mut kcat_args = vec!["-C", "-b", kafka.bootstrap(), "-t", TOPIC];
        kcat_args.extend(&args);
        let mut kdeck_args = vec!["consume", "-b", kafka.bootstrap(), "-t", TOPIC];
        kdeck_args.extend(&args);
        let expected = kcat(&kcat_args, None);
        let actual = kdeck.run(&kdeck_args, None);
        assert_eq!(expected.code, Some(0), "kcat failed on {name}: {}", expected.stderr);
        if actual.code != Some(0) {
            failures.push(format!("{name}: kdeck exited {:?}: {}", actual.code, actual.stderr));
            continue;
        }
        let same_stdout = if single_partition {
            expected.stdout == actual.stdout
        } else {
            sorted_lines(&expected.stdout) == sorted_lines(&actual.stdout)
        };
        if !same_stdout {
            failures.push(format!(
                "{name}: stdout differs\n  kcat:  {:?}\n  kdeck: {:?}",
                String::from_utf8_lossy(&expected.stdout),
                String::from_utf8_lossy(&actual.stdout)
            ));
        }
        if notices(&expected.stderr) != notices(&actual.stderr) {
            failures
                .push(format!("{name}: notices differ\n  kcat:  {:?}\n  kdeck: {:?}", expected.stderr, actual.stderr));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

/// `kcat -Q -t T:P:-1` (log end) and `-2` (log start), on a partition with
/// records and an empty one.
#[test]
fn offset_sentinels_match_kcat_query() {
    let kafka = MockKafka::new(3);
    seed(&kafka);
    let kdeck = Kdeck::new();
    for query in ["compat:0:-1", "compat:0:-2", "compat:1:-1", "compat:1:-2", "compat:2:-1", "compat:2:-2"] {
        let expected = kcat(&["-Q", "-b", kafka.bootstrap(), "-t", query], None);
        assert_eq!(expected.code, Some(0), "kcat -Q -t {query}: {}", expected.stderr);
        let actual = kdeck.run(&["offsets", "-b", kafka.bootstrap(), "-t", query], None);
        assert_eq!(actual.code, Some(0), "kdeck offsets -t {query}: {}", actual.stderr);
        assert_eq!(actual.stdout_text(), expected.stdout_text(), "offsets -t {query}");
    }
}

#[test]
fn metadata_listing_matches_kcat() {
    let kafka = MockKafka::new(3);
    seed(&kafka);
    kafka.create_topic("second", 2);
    let kdeck = Kdeck::new();
    for args in [vec!["-t", TOPIC], vec![], vec!["-J"], vec!["-t", TOPIC, "-J"]] {
        let mut kcat_args = vec!["-L", "-b", kafka.bootstrap()];
        kcat_args.extend(&args);
        let mut kdeck_args = vec!["meta", "-b", kafka.bootstrap()];
        kdeck_args.extend(&args);
        let expected = kcat(&kcat_args, None);
        let actual = kdeck.run(&kdeck_args, None);
        assert_eq!(actual.code, Some(0), "{}", actual.stderr);
        // Which broker answers is up to each client's connection order.
        assert_eq!(mask_origin(&actual.stdout_text()), mask_origin(&expected.stdout_text()), "meta {args:?}");
    }
}

/// Replaces the answering broker (`from broker N: host:port/N` in text,
/// `"originating_broker":{...}` in JSON) with a placeholder.
fn mask_origin(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        if let Some(start) = line.find(" (from broker ") {
            out.push_str(&line[..start]);
            out.push_str(" (from broker ?)");
            out.push_str(&line[line.rfind("):").map_or(line.len(), |e| e + 2)..]);
        } else if let Some(start) = line.find("{\"originating_broker\":{") {
            let end = line[start..].find("},").map_or(line.len(), |e| start + e + 2);
            out.push_str(&line[..start]);
            out.push_str("{\"originating_broker\":?,");
            out.push_str(&line[end..]);
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}
