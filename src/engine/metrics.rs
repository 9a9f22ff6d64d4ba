//! The engine's status as Prometheus metrics, in the text exposition format 0.0.4.
//!
//! Rendered from the same [`EngineStatus`] snapshot the cockpit shows, so a scrape and
//! the screen agree. Unknown values (an offset not fetched yet) are left out rather than
//! exported as -1, which a dashboard would plot as real.

use super::status::{EngineState, EngineStatus, LaneState, LaneStatus, PartitionStatus};

/// The `Content-Type` a scrape response should carry.
pub const CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MetricFamily {
    pub name: &'static str,
    /// `gauge` or `counter`, as written on the `# TYPE` line.
    pub kind: &'static str,
    pub help: &'static str,
}

pub(crate) const fn gauge(name: &'static str, help: &'static str) -> MetricFamily {
    MetricFamily { name, kind: "gauge", help }
}

const fn counter(name: &'static str, help: &'static str) -> MetricFamily {
    MetricFamily { name, kind: "counter", help }
}

const ENGINE_UP: MetricFamily = gauge("kdeck_engine_up", "1 unless the engine has failed.");
const ENGINE_LANES: MetricFamily = gauge("kdeck_engine_lanes", "Lanes currently running.");
const ENGINE_LANES_TARGET: MetricFamily =
    gauge("kdeck_engine_lanes_target", "Lanes the engine is running or rescaling to.");
const ENGINE_RESCALES: MetricFamily = counter("kdeck_engine_rescales_total", "Rescales since the engine started.");
const ENGINE_LAG: MetricFamily = gauge(
    "kdeck_engine_lag_records",
    "Source records not yet copied, summed over partitions; absent while any partition's lag is unknown.",
);
const TOPIC_NOT_COPIED: MetricFamily = gauge(
    "kdeck_topic_not_copied",
    "1 for each selected topic the engine cannot copy (retried every refresh interval), with the reason.",
);
const LANE_STATE: MetricFamily =
    gauge("kdeck_lane_state", "Lane state: 1 for the lane's current state, 0 for every other state.");
const LANE_RECORDS: MetricFamily = counter("kdeck_lane_records_total", "Records copied by the lane since it started.");
const LANE_BYTES: MetricFamily =
    counter("kdeck_lane_bytes_total", "Bytes of keys and values copied by the lane since it started.");
const LANE_RECORDS_RATE: MetricFamily =
    gauge("kdeck_lane_records_per_second", "Records per second copied by the lane over the last few seconds.");
const LANE_COMMITS: MetricFamily =
    counter("kdeck_lane_transactions_committed_total", "Transactions the lane committed since it started.");
const LANE_ABORTS: MetricFamily =
    counter("kdeck_lane_transactions_aborted_total", "Transactions the lane aborted since it started.");
pub(crate) const PARTITION_LAG: MetricFamily = gauge(
    "kdeck_partition_lag_records",
    "Source records not yet copied: source high watermark minus next source offset; absent while unknown.",
);
const PARTITION_COPIED: MetricFamily = counter(
    "kdeck_partition_records_copied_total",
    "Records copied from the source partition over the migration's life, from the state topic.",
);
pub(crate) const PARTITION_HIGH_WATERMARK: MetricFamily =
    gauge("kdeck_partition_source_high_watermark", "The source partition's high watermark; absent while unknown.");
pub(crate) const PARTITION_NEXT_OFFSET: MetricFamily = gauge(
    "kdeck_partition_next_source_offset",
    "The next source offset to copy, as last committed; absent while unknown.",
);

/// Every family [`render_prometheus`] writes, in the order it writes them.
pub const FAMILIES: [MetricFamily; 16] = [
    ENGINE_UP,
    ENGINE_LANES,
    ENGINE_LANES_TARGET,
    ENGINE_RESCALES,
    ENGINE_LAG,
    TOPIC_NOT_COPIED,
    LANE_STATE,
    LANE_RECORDS,
    LANE_BYTES,
    LANE_RECORDS_RATE,
    LANE_COMMITS,
    LANE_ABORTS,
    PARTITION_LAG,
    PARTITION_COPIED,
    PARTITION_HIGH_WATERMARK,
    PARTITION_NEXT_OFFSET,
];

/// The scrape body. Every family's `# HELP`/`# TYPE` lines are written even when it has no
/// samples, so the set of names a scrape returns does not depend on the engine's state.
/// Lanes are ordered by number and partitions by topic and partition, whatever order the
/// snapshot holds them in, so consecutive scrapes diff cleanly.
pub fn render_prometheus(status: &EngineStatus) -> String {
    let mut lanes: Vec<&LaneStatus> = status.lanes.iter().collect();
    lanes.sort_by_key(|lane| lane.lane);
    let mut partitions: Vec<&PartitionStatus> = status.partitions.iter().collect();
    partitions.sort_by(|a, b| a.source.cmp(&b.source));

    let mut text = Exposition::default();

    text.header(&ENGINE_UP);
    text.sample(&ENGINE_UP, &[], u8::from(!matches!(status.state, EngineState::Failed(_))));
    text.header(&ENGINE_LANES);
    text.sample(&ENGINE_LANES, &[], status.lanes.len());
    text.header(&ENGINE_LANES_TARGET);
    text.sample(&ENGINE_LANES_TARGET, &[], status.lanes_target);
    text.header(&ENGINE_RESCALES);
    text.sample(&ENGINE_RESCALES, &[], status.rescales);
    text.header(&ENGINE_LAG);
    if let Some(lag) = status.total_lag() {
        text.sample(&ENGINE_LAG, &[], lag);
    }
    text.header(&TOPIC_NOT_COPIED);
    for (topic, reason) in status.topic_errors() {
        text.sample(&TOPIC_NOT_COPIED, &[("topic", topic), ("reason", reason)], 1);
    }

    let lane_ids: Vec<String> = lanes.iter().map(|lane| lane.lane.to_string()).collect();
    let per_lane = || lanes.iter().zip(&lane_ids);
    text.header(&LANE_STATE);
    for (lane, id) in per_lane() {
        for state in LaneState::ALL {
            text.sample(&LANE_STATE, &[("lane", id), ("state", state.as_str())], u8::from(lane.state == state));
        }
    }
    text.header(&LANE_RECORDS);
    per_lane().for_each(|(lane, id)| text.sample(&LANE_RECORDS, &[("lane", id)], lane.records_total));
    text.header(&LANE_BYTES);
    per_lane().for_each(|(lane, id)| text.sample(&LANE_BYTES, &[("lane", id)], lane.bytes_total));
    text.header(&LANE_RECORDS_RATE);
    per_lane().for_each(|(lane, id)| text.sample(&LANE_RECORDS_RATE, &[("lane", id)], Float(lane.records_per_sec)));
    text.header(&LANE_COMMITS);
    per_lane().for_each(|(lane, id)| text.sample(&LANE_COMMITS, &[("lane", id)], lane.commits));
    text.header(&LANE_ABORTS);
    per_lane().for_each(|(lane, id)| text.sample(&LANE_ABORTS, &[("lane", id)], lane.aborts));

    let partition_ids: Vec<String> = partitions.iter().map(|p| p.source.partition.to_string()).collect();
    let per_partition = || {
        partitions
            .iter()
            .zip(&partition_ids)
            .map(|(p, id)| (*p, [("topic", p.source.topic.as_str()), ("partition", id)]))
    };
    text.header(&PARTITION_LAG);
    for (partition, labels) in per_partition() {
        if let Some(lag) = partition.lag() {
            text.sample(&PARTITION_LAG, &labels, lag);
        }
    }
    text.header(&PARTITION_COPIED);
    per_partition().for_each(|(p, labels)| text.sample(&PARTITION_COPIED, &labels, p.records_copied));
    text.header(&PARTITION_HIGH_WATERMARK);
    for (partition, labels) in per_partition().filter(|(p, _)| p.source_high_watermark >= 0) {
        text.sample(&PARTITION_HIGH_WATERMARK, &labels, partition.source_high_watermark);
    }
    text.header(&PARTITION_NEXT_OFFSET);
    for (partition, labels) in per_partition().filter(|(p, _)| p.next_source_offset >= 0) {
        text.sample(&PARTITION_NEXT_OFFSET, &labels, partition.next_source_offset);
    }

    text.out
}

#[derive(Default)]
pub(crate) struct Exposition {
    pub(crate) out: String,
}

impl Exposition {
    pub(crate) fn header(&mut self, family: &MetricFamily) {
        self.out.push_str("# HELP ");
        self.out.push_str(family.name);
        self.out.push(' ');
        for c in family.help.chars() {
            match c {
                '\\' => self.out.push_str("\\\\"),
                '\n' => self.out.push_str("\\n"),
                c => self.out.push(c),
            }
        }
        self.out.push_str("\n# TYPE ");
        self.out.push_str(family.name);
        self.out.push(' ');
        self.out.push_str(family.kind);
        self.out.push('\n');
    }

    pub(crate) fn sample(&mut self, family: &MetricFamily, labels: &[(&str, &str)], value: impl ToString) {
        self.out.push_str(family.name);
        if !labels.is_empty() {
            self.out.push('{');
            for (index, (name, value)) in labels.iter().enumerate() {
                if index > 0 {
                    self.out.push(',');
                }
                self.out.push_str(name);
                self.out.push_str("=\"");
                push_label_value(&mut self.out, value);
                self.out.push('"');
            }
            self.out.push('}');
        }
        self.out.push(' ');
        self.out.push_str(&value.to_string());
        self.out.push('\n');
    }
}

fn push_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// A sample value as Prometheus spells floats: Rust writes infinity as `inf`, which a
/// scraper rejects; finite values print without exponent, which it accepts.
pub(crate) struct Float(pub(crate) f64);

impl std::fmt::Display for Float {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            v if v.is_nan() => f.write_str("NaN"),
            v if v == f64::INFINITY => f.write_str("+Inf"),
            v if v == f64::NEG_INFINITY => f.write_str("-Inf"),
            v => write!(f, "{v}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::assignment::TopicPartition;
    use super::super::status::{TopicState, TopicStatus};
    use super::*;

    fn lane(lane: usize, state: LaneState, records: u64, rate: f64, commits: u64, aborts: u64) -> LaneStatus {
        LaneStatus {
            lane,
            transactional_id: format!("kdeck-p-{lane}"),
            partitions: vec![],
            state,
            records_total: records,
            bytes_total: records * 100,
            records_per_sec: rate,
            bytes_per_sec: rate * 100.0,
            commits,
            aborts,
            last_error: None,
        }
    }

    fn partition(topic: &str, number: i32, high_watermark: i64, next_offset: i64, copied: u64) -> PartitionStatus {
        PartitionStatus {
            source: TopicPartition::new(topic, number),
            destination_topic: format!("{topic}.copy"),
            source_high_watermark: high_watermark,
            next_source_offset: next_offset,
            destination_high_watermark: 0,
            records_copied: copied,
        }
    }

    fn small_status() -> EngineStatus {
        EngineStatus {
            plan: "estate".into(),
            mode: "replicate".into(),
            state: EngineState::Running,
            lanes_target: 2,
            rescales: 1,
            // Deliberately out of order: the output must not depend on it.
            lanes: vec![lane(1, LaneState::Idle, 0, 0.0, 0, 0), lane(0, LaneState::Copying, 1500, 250.5, 12, 1)],
            partitions: vec![partition("orders", 1, 60, 50, 50), partition("orders", 0, 1000, 900, 900)],
            topics: vec![TopicStatus {
                source_topic: "orders.eu".into(),
                destination_topic: "orders.eu".into(),
                partitions: 3,
                state: TopicState::Error("no answer to CreateTopics within 5s".into()),
            }],
            ..EngineStatus::default()
        }
    }

    const GOLDEN: &str = r#"# HELP kdeck_engine_up 1 unless the engine has failed.
# TYPE kdeck_engine_up gauge
kdeck_engine_up 1
# HELP kdeck_engine_lanes Lanes currently running.
# TYPE kdeck_engine_lanes gauge
kdeck_engine_lanes 2
# HELP kdeck_engine_lanes_target Lanes the engine is running or rescaling to.
# TYPE kdeck_engine_lanes_target gauge
kdeck_engine_lanes_target 2
# HELP kdeck_engine_rescales_total Rescales since the engine started.
# TYPE kdeck_engine_rescales_total counter
kdeck_engine_rescales_total 1
# HELP kdeck_engine_lag_records Source records not yet copied, summed over partitions; absent while any partition's lag is unknown.
# TYPE kdeck_engine_lag_records gauge
kdeck_engine_lag_records 110
# HELP kdeck_topic_not_copied 1 for each selected topic the engine cannot copy (retried every refresh interval), with the reason.
# TYPE kdeck_topic_not_copied gauge
kdeck_topic_not_copied{topic="orders.eu",reason="no answer to CreateTopics within 5s"} 1
# HELP kdeck_lane_state Lane state: 1 for the lane's current state, 0 for every other state.
# TYPE kdeck_lane_state gauge
kdeck_lane_state{lane="0",state="starting"} 0
kdeck_lane_state{lane="0",state="fencing"} 0
kdeck_lane_state{lane="0",state="copying"} 1
kdeck_lane_state{lane="0",state="idle"} 0
kdeck_lane_state{lane="0",state="paused"} 0
kdeck_lane_state{lane="0",state="retrying"} 0
kdeck_lane_state{lane="0",state="fenced"} 0
kdeck_lane_state{lane="0",state="failed"} 0
kdeck_lane_state{lane="0",state="stopped"} 0
kdeck_lane_state{lane="1",state="starting"} 0
kdeck_lane_state{lane="1",state="fencing"} 0
kdeck_lane_state{lane="1",state="copying"} 0
kdeck_lane_state{lane="1",state="idle"} 1
kdeck_lane_state{lane="1",state="paused"} 0
kdeck_lane_state{lane="1",state="retrying"} 0
kdeck_lane_state{lane="1",state="fenced"} 0
kdeck_lane_state{lane="1",state="failed"} 0
kdeck_lane_state{lane="1",state="stopped"} 0
# HELP kdeck_lane_records_total Records copied by the lane since it started.
# TYPE kdeck_lane_records_total counter
kdeck_lane_records_total{lane="0"} 1500
kdeck_lane_records_total{lane="1"} 0
# HELP kdeck_lane_bytes_total Bytes of keys and values copied by the lane since it started.
# TYPE kdeck_lane_bytes_total counter
kdeck_lane_bytes_total{lane="0"} 150000
kdeck_lane_bytes_total{lane="1"} 0
# HELP kdeck_lane_records_per_second Records per second copied by the lane over the last few seconds.
# TYPE kdeck_lane_records_per_second gauge
kdeck_lane_records_per_second{lane="0"} 250.5
kdeck_lane_records_per_second{lane="1"} 0
# HELP kdeck_lane_transactions_committed_total Transactions the lane committed since it started.
# TYPE kdeck_lane_transactions_committed_total counter
kdeck_lane_transactions_committed_total{lane="0"} 12
kdeck_lane_transactions_committed_total{lane="1"} 0
# HELP kdeck_lane_transactions_aborted_total Transactions the lane aborted since it started.
# TYPE kdeck_lane_transactions_aborted_total counter
kdeck_lane_transactions_aborted_total{lane="0"} 1
kdeck_lane_transactions_aborted_total{lane="1"} 0
# HELP kdeck_partition_lag_records Source records not yet copied: source high watermark minus next source offset; absent while unknown.
# TYPE kdeck_partition_lag_records gauge
kdeck_partition_lag_records{topic="orders",partition="0"} 100
kdeck_partition_lag_records{topic="orders",partition="1"} 10
# HELP kdeck_partition_records_copied_total Records copied from the source partition over the migration's life, from the state topic.
# TYPE kdeck_partition_records_copied_total counter
kdeck_partition_records_copied_total{topic="orders",partition="0"} 900
kdeck_partition_records_copied_total{topic="orders",partition="1"} 50
# HELP kdeck_partition_source_high_watermark The source partition's high watermark; absent while unknown.
# TYPE kdeck_partition_source_high_watermark gauge
kdeck_partition_source_high_watermark{topic="orders",partition="0"} 1000
kdeck_partition_source_high_watermark{topic="orders",partition="1"} 60
# HELP kdeck_partition_next_source_offset The next source offset to copy, as last committed; absent while unknown.
# TYPE kdeck_partition_next_source_offset gauge
kdeck_partition_next_source_offset{topic="orders",partition="0"} 900
kdeck_partition_next_source_offset{topic="orders",partition="1"} 50
"#;

    #[test]
    fn golden_small_status() {
        let rendered = render_prometheus(&small_status());
        for (line, (got, want)) in rendered.lines().zip(GOLDEN.lines()).enumerate() {
            assert_eq!(got, want, "line {}", line + 1);
        }
        assert_eq!(rendered, GOLDEN);
    }

    #[test]
    fn empty_status_still_names_every_family() {
        let rendered = render_prometheus(&EngineStatus::default());
        let types: Vec<&str> = rendered.lines().filter_map(|line| line.strip_prefix("# TYPE ")).collect();
        let expected: Vec<String> = FAMILIES.iter().map(|f| format!("{} {}", f.name, f.kind)).collect();
        assert_eq!(types, expected);
        let samples: Vec<&str> = rendered.lines().filter(|line| !line.starts_with('#')).collect();
        assert_eq!(
            samples,
            [
                "kdeck_engine_up 1",
                "kdeck_engine_lanes 0",
                "kdeck_engine_lanes_target 0",
                "kdeck_engine_rescales_total 0",
                "kdeck_engine_lag_records 0"
            ]
        );
    }

    #[test]
    fn families_follow_the_naming_rules() {
        for family in FAMILIES {
            assert!(family.name.starts_with("kdeck_"), "{}", family.name);
            assert!(family.name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'), "{}", family.name);
            assert_eq!(family.kind == "counter", family.name.ends_with("_total"), "{}", family.name);
            assert!(!family.help.contains(['\n', '\\']), "{}", family.name);
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let cases = [
            ("plain.topic-1_x", "plain.topic-1_x"),
            ("back\\slash", "back\\\\slash"),
            ("quo\"te", "quo\\\"te"),
            ("new\nline", "new\\nline"),
            ("all\\\"\n", "all\\\\\\\"\\n"),
            ("tab\tstays ü", "tab\tstays ü"),
        ];
        for (topic, escaped) in cases {
            let status = EngineStatus { partitions: vec![partition(topic, 7, 5, 2, 2)], ..EngineStatus::default() };
            let rendered = render_prometheus(&status);
            let expected = format!("kdeck_partition_lag_records{{topic=\"{escaped}\",partition=\"7\"}} 3\n");
            assert!(rendered.contains(&expected), "{topic:?}: {rendered}");
            assert_eq!(rendered.lines().count(), 2 * FAMILIES.len() + 5 + 4, "{topic:?}: no raw newline leaked");
        }
    }

    #[test]
    fn unknowns_are_left_out_and_failure_is_down() {
        let status = EngineStatus {
            state: EngineState::Failed("fenced by another kdeck".into()),
            partitions: vec![partition("a", 0, -1, 10, 10), partition("a", 1, 50, -1, 0)],
            lanes: vec![
                lane(0, LaneState::Failed, 3, f64::NAN, 0, 0),
                lane(1, LaneState::Stopped, 3, f64::INFINITY, 0, 0),
            ],
            ..EngineStatus::default()
        };
        let rendered = render_prometheus(&status);
        let present = [
            "kdeck_engine_up 0",
            "kdeck_partition_source_high_watermark{topic=\"a\",partition=\"1\"} 50",
            "kdeck_partition_next_source_offset{topic=\"a\",partition=\"0\"} 10",
            "kdeck_lane_records_per_second{lane=\"0\"} NaN",
            "kdeck_lane_records_per_second{lane=\"1\"} +Inf",
            "kdeck_lane_state{lane=\"0\",state=\"failed\"} 1",
            "kdeck_lane_state{lane=\"1\",state=\"stopped\"} 1",
        ];
        for line in present {
            assert!(rendered.lines().any(|l| l == line), "missing {line}");
        }
        let absent = [
            "kdeck_engine_lag_records ",
            "kdeck_partition_lag_records{",
            "kdeck_partition_source_high_watermark{topic=\"a\",partition=\"0\"}",
            "kdeck_partition_next_source_offset{topic=\"a\",partition=\"1\"}",
        ];
        for prefix in absent {
            assert!(!rendered.lines().any(|l| l.starts_with(prefix)), "unexpected {prefix}");
        }
    }

    #[test]
    fn float_spelling() {
        let cases =
            [(0.0, "0"), (250.5, "250.5"), (1e21, "1000000000000000000000"), (-2.0, "-2"), (f64::NEG_INFINITY, "-Inf")];
        for (value, text) in cases {
            assert_eq!(Float(value).to_string(), text);
        }
    }
}
