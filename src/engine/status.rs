//! What the engine publishes on its watch channel: one self-contained snapshot that the
//! cockpit, the non-TTY progress log and the metrics endpoint all render from, so they
//! can never disagree. Plain data, no behaviour beyond arithmetic over it.

use std::collections::VecDeque;

use serde::Serialize;

use super::assignment::TopicPartition;

/// How many events [`EngineStatus::history`] keeps; older ones are dropped first.
pub const HISTORY_CAP: usize = 500;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineState {
    #[default]
    Stopped,
    Starting,
    Running,
    Rescaling,
    Stopping,
    Failed(String),
}

impl EngineState {
    /// The lowercase word used in progress lines and metrics; a failure's reason is not part of it.
    pub fn as_str(&self) -> &'static str {
        match self {
            EngineState::Stopped => "stopped",
            EngineState::Starting => "starting",
            EngineState::Running => "running",
            EngineState::Rescaling => "rescaling",
            EngineState::Stopping => "stopping",
            EngineState::Failed(_) => "failed",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LaneState {
    Starting,
    Fencing,
    Copying,
    Idle,
    Paused,
    Retrying,
    Fenced,
    Failed,
    Stopped,
}

impl LaneState {
    /// Every state, in declaration order: the metrics endpoint emits one series per state
    /// so a dashboard can select on `state` without knowing which ones exist.
    pub const ALL: [LaneState; 9] = [
        LaneState::Starting,
        LaneState::Fencing,
        LaneState::Copying,
        LaneState::Idle,
        LaneState::Paused,
        LaneState::Retrying,
        LaneState::Fenced,
        LaneState::Failed,
        LaneState::Stopped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            LaneState::Starting => "starting",
            LaneState::Fencing => "fencing",
            LaneState::Copying => "copying",
            LaneState::Idle => "idle",
            LaneState::Paused => "paused",
            LaneState::Retrying => "retrying",
            LaneState::Fenced => "fenced",
            LaneState::Failed => "failed",
            LaneState::Stopped => "stopped",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LaneStatus {
    pub lane: usize,
    pub transactional_id: String,
    pub partitions: Vec<TopicPartition>,
    pub state: LaneState,
    /// Since this lane started, not over the migration's life (that is `PartitionStatus::records_copied`).
    pub records_total: u64,
    pub bytes_total: u64,
    pub records_per_sec: f64,
    pub bytes_per_sec: f64,
    pub commits: u64,
    pub aborts: u64,
    pub last_error: Option<String>,
}

/// Offsets are -1 while unknown (not fetched yet, or the leader is unavailable).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartitionStatus {
    pub source: TopicPartition,
    pub destination_topic: String,
    pub source_high_watermark: i64,
    pub next_source_offset: i64,
    pub destination_high_watermark: i64,
    /// Over the migration's life, from the state topic's audit counter.
    pub records_copied: u64,
}

impl PartitionStatus {
    /// Records on the source not yet copied; `None` while either offset is unknown. Never
    /// negative: a watermark fetched before the last commit can trail the position.
    pub fn lag(&self) -> Option<i64> {
        if self.source_high_watermark < 0 || self.next_source_offset < 0 {
            return None;
        }
        Some(self.source_high_watermark.saturating_sub(self.next_source_offset).max(0))
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TopicState {
    Copying,
    Paused,
    Excluded(String),
    Error(String),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TopicStatus {
    pub source_topic: String,
    pub destination_topic: String,
    pub partitions: i32,
    pub state: TopicState,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RescaleReport {
    pub from: usize,
    pub to: usize,
    pub requested_at_ms: i64,
    /// From the request until every lane of the new count was copying; `None` while it is not yet.
    pub all_copying_after_ms: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EngineEventKind {
    Started {
        lanes: usize,
    },
    Stopped,
    Rescaled {
        from: usize,
        to: usize,
    },
    Paused {
        topic: String,
    },
    Resumed {
        topic: String,
    },
    LaneError {
        lane: usize,
        error: String,
    },
    TopicAdded {
        topic: String,
    },
    /// A selected topic cannot be copied (it is retried every refresh).
    TopicFailed {
        topic: String,
        reason: String,
    },
    Fenced {
        lane: usize,
    },
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EngineEvent {
    pub at_ms: i64,
    pub kind: EngineEventKind,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct EngineStatus {
    pub plan: String,
    pub mode: String,
    pub state: EngineState,
    pub lanes_target: usize,
    pub generation: u64,
    pub lanes: Vec<LaneStatus>,
    pub partitions: Vec<PartitionStatus>,
    pub topics: Vec<TopicStatus>,
    pub rescales: u64,
    pub last_rescale: Option<RescaleReport>,
    /// Oldest first, at most [`HISTORY_CAP`] events; append with [`EngineStatus::push_event`].
    pub history: Vec<EngineEvent>,
    pub updated_at_ms: i64,
    /// While starting: the transient error the start is retrying after.
    pub start_problem: Option<String>,
}

impl EngineStatus {
    /// Appends an event, dropping the oldest beyond [`HISTORY_CAP`] so a flapping lane
    /// cannot grow every snapshot the watch channel clones.
    pub fn push_event(&mut self, event: EngineEvent) {
        self.history.push(event);
        let excess = self.history.len().saturating_sub(HISTORY_CAP);
        if excess > 0 {
            self.history.drain(..excess);
        }
    }

    /// Sum of partition lags; `None` if any partition's lag is unknown, since a total that
    /// silently left some out would look like progress.
    pub fn total_lag(&self) -> Option<i64> {
        self.partitions.iter().try_fold(0i64, |total, partition| Some(total.saturating_add(partition.lag()?)))
    }

    /// Selected topics that are not being copied, with the reason: never
    /// "caught up" while there is one.
    pub fn topic_errors(&self) -> Vec<(&str, &str)> {
        self.topics
            .iter()
            .filter_map(|t| match &t.state {
                TopicState::Error(reason) => Some((t.source_topic.as_str(), reason.as_str())),
                _ => None,
            })
            .collect()
    }

    /// Records copied by the running lanes since they started.
    pub fn records_total(&self) -> u64 {
        self.lanes.iter().fold(0u64, |total, lane| total.saturating_add(lane.records_total))
    }

    pub fn bytes_total(&self) -> u64 {
        self.lanes.iter().fold(0u64, |total, lane| total.saturating_add(lane.bytes_total))
    }

    pub fn records_per_sec(&self) -> f64 {
        sum_rates(self.lanes.iter().map(|lane| lane.records_per_sec))
    }

    pub fn bytes_per_sec(&self) -> f64 {
        sum_rates(self.lanes.iter().map(|lane| lane.bytes_per_sec))
    }

    pub fn commits(&self) -> u64 {
        self.lanes.iter().fold(0u64, |total, lane| total.saturating_add(lane.commits))
    }

    pub fn aborts(&self) -> u64 {
        self.lanes.iter().fold(0u64, |total, lane| total.saturating_add(lane.aborts))
    }

    /// One line for a log that is not a terminal:
    ///
    /// `<state> lanes=<n>[-><target>] copied=<records> rate=<records>/s lag=<records|?> commits=<n> aborts=<n>[ error="<reason>"]`
    ///
    /// - `state`: stopped, starting, running, rescaling, stopping or failed.
    /// - `lanes`: lanes currently in the snapshot; `->target` is added while that differs from the target.
    /// - `copied`, `rate`: records copied by these lanes since they started, and their summed rate, rounded.
    /// - `lag`: [`EngineStatus::total_lag`], `?` while any partition's is unknown.
    /// - `commits`, `aborts`: transactions, summed over lanes.
    /// - `not_copied`: only when a selected topic cannot be copied: `topic: reason; ...`, folded like `error`.
    /// - `error`: only when failed; the reason with line breaks folded to spaces and `"` as `'`.
    ///
    /// e.g. `running lanes=4 copied=120345 rate=45210/s lag=3312 commits=812 aborts=0`
    pub fn progress_line(&self) -> String {
        let lanes = if self.lanes.len() == self.lanes_target {
            self.lanes.len().to_string()
        } else {
            format!("{}->{}", self.lanes.len(), self.lanes_target)
        };
        let lag = self.total_lag().map_or_else(|| "?".to_owned(), |lag| lag.to_string());
        let mut line = format!(
            "{} lanes={lanes} copied={} rate={:.0}/s lag={lag} commits={} aborts={}",
            self.state.as_str(),
            self.records_total(),
            self.records_per_sec(),
            self.commits(),
            self.aborts(),
        );
        let errors: Vec<String> =
            self.topic_errors().iter().map(|(topic, reason)| format!("{topic}: {reason}")).collect();
        if !errors.is_empty() {
            line.push_str(&format!(" not_copied=\"{}\"", fold(&errors.join("; "))));
        }
        if let EngineState::Failed(reason) = &self.state {
            line.push_str(&format!(" error=\"{}\"", fold(reason)));
        }
        if let (EngineState::Starting, Some(problem)) = (&self.state, &self.start_problem) {
            line.push_str(&format!(" retrying=\"{}\"", fold(problem)));
        }
        line
    }
}

/// Lane rates are computed elsewhere; a NaN or negative one must not poison the sum. Folds
/// from +0.0 because `Iterator::sum` of no floats is -0.0, which prints as "-0".
/// One line, with `"` as `'`: safe inside a quoted field.
fn fold(text: &str) -> String {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.join(" ").replace('"', "'")
}

fn sum_rates(rates: impl Iterator<Item = f64>) -> f64 {
    rates.filter(|rate| rate.is_finite() && *rate > 0.0).fold(0.0, |total, rate| total + rate)
}

/// Records/s and bytes/s over a sliding window, from cumulative counters sampled at
/// arbitrary times. Pure: the caller supplies the clock, so tests use synthetic times.
///
/// The rate is the change between the newest sample and the newest one at least a
/// window old (or the oldest, early on), so it covers a full window once one exists
/// and does not depend on how often `observe` is called.
#[derive(Clone, Debug, PartialEq)]
pub struct RateMeter {
    window_ms: i64,
    samples: VecDeque<Sample>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
struct Sample {
    at_ms: i64,
    records: u64,
    bytes: u64,
}

impl Default for RateMeter {
    fn default() -> Self {
        RateMeter::new()
    }
}

impl RateMeter {
    pub const DEFAULT_WINDOW_MS: i64 = 5_000;

    /// Samples closer together than window/SAMPLES_PER_WINDOW are merged, which bounds
    /// memory when `observe` runs once per batch at thousands of batches a second.
    const SAMPLES_PER_WINDOW: i64 = 50;

    pub fn new() -> Self {
        RateMeter::with_window_ms(Self::DEFAULT_WINDOW_MS)
    }

    pub fn with_window_ms(window_ms: i64) -> Self {
        RateMeter { window_ms: window_ms.max(1), samples: VecDeque::new() }
    }

    /// Records the cumulative counters at `now_ms`. A counter that goes down (the lane
    /// restarted) or a clock that steps back restarts the window: a delta across either is
    /// meaningless.
    pub fn observe(&mut self, now_ms: i64, total_records: u64, total_bytes: u64) {
        let sample = Sample { at_ms: now_ms, records: total_records, bytes: total_bytes };
        if let Some(last) = self.samples.back() {
            if now_ms < last.at_ms || total_records < last.records || total_bytes < last.bytes {
                self.samples.clear();
            }
        }
        let min_spacing = self.window_ms / Self::SAMPLES_PER_WINDOW;
        let previous_at_ms =
            self.samples.len().checked_sub(2).and_then(|index| self.samples.get(index)).map(|s| s.at_ms);
        let too_close = previous_at_ms.is_some_and(|at_ms| now_ms.saturating_sub(at_ms) < min_spacing);
        match self.samples.back_mut() {
            Some(last) if too_close => *last = sample,
            _ => self.samples.push_back(sample),
        }
        let window_start = now_ms.saturating_sub(self.window_ms);
        while self.samples.get(1).is_some_and(|second| second.at_ms <= window_start) {
            self.samples.pop_front();
        }
    }

    pub fn records_per_sec(&self) -> f64 {
        self.rate(|sample| sample.records)
    }

    pub fn bytes_per_sec(&self) -> f64 {
        self.rate(|sample| sample.bytes)
    }

    fn rate(&self, count: impl Fn(&Sample) -> u64) -> f64 {
        let (Some(first), Some(last)) = (self.samples.front(), self.samples.back()) else {
            return 0.0;
        };
        let elapsed_ms = last.at_ms.saturating_sub(first.at_ms);
        if elapsed_ms <= 0 {
            return 0.0;
        }
        count(last).saturating_sub(count(first)) as f64 * 1000.0 / elapsed_ms as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(topic: &str, number: i32, high_watermark: i64, next_offset: i64) -> PartitionStatus {
        PartitionStatus {
            source: TopicPartition::new(topic, number),
            destination_topic: topic.to_owned(),
            source_high_watermark: high_watermark,
            next_source_offset: next_offset,
            destination_high_watermark: -1,
            records_copied: 0,
        }
    }

    fn lane(lane: usize, records_total: u64, records_per_sec: f64, commits: u64, aborts: u64) -> LaneStatus {
        LaneStatus {
            lane,
            transactional_id: format!("kdeck-plan-{lane}"),
            partitions: vec![],
            state: LaneState::Copying,
            records_total,
            bytes_total: records_total.saturating_mul(100),
            records_per_sec,
            bytes_per_sec: records_per_sec * 100.0,
            commits,
            aborts,
            last_error: None,
        }
    }

    #[test]
    fn partition_lag() {
        // (source high watermark, next source offset, lag)
        let cases = [
            (100, 40, Some(60)),
            (100, 100, Some(0)),
            (0, 0, Some(0)),
            (40, 100, Some(0)),
            (-1, 10, None),
            (10, -1, None),
            (-1, -1, None),
            (i64::MAX, 0, Some(i64::MAX)),
            (i64::MIN, 0, None),
        ];
        for (high_watermark, next_offset, expected) in cases {
            assert_eq!(
                partition("t", 0, high_watermark, next_offset).lag(),
                expected,
                "{high_watermark}/{next_offset}"
            );
        }
    }

    #[test]
    fn totals() {
        // (partition (hw, next) pairs, total lag)
        type HighWatermarkAndNext = (i64, i64);
        let cases: &[(&[HighWatermarkAndNext], Option<i64>)] = &[
            (&[], Some(0)),
            (&[(10, 4), (7, 7), (3, 5)], Some(6)),
            (&[(10, 4), (-1, 0)], None),
            (&[(i64::MAX, 0), (i64::MAX, 0)], Some(i64::MAX)),
        ];
        for (offsets, expected) in cases {
            let status = EngineStatus {
                partitions: offsets.iter().map(|&(hw, next)| partition("t", 0, hw, next)).collect(),
                ..EngineStatus::default()
            };
            assert_eq!(status.total_lag(), *expected, "{offsets:?}");
        }
        let status = EngineStatus {
            lanes: vec![lane(0, 100, 10.5, 3, 1), lane(1, 50, f64::NAN, 2, 0), lane(2, u64::MAX, -4.0, 1, 1)],
            ..EngineStatus::default()
        };
        assert_eq!(status.records_total(), u64::MAX);
        assert_eq!(status.records_per_sec(), 10.5);
        assert_eq!(status.bytes_per_sec(), 1050.0);
        assert_eq!((status.commits(), status.aborts()), (6, 2));
    }

    #[test]
    fn progress_lines() {
        let running = EngineStatus {
            state: EngineState::Running,
            lanes_target: 4,
            lanes: vec![
                lane(0, 60_000, 22_605.0, 400, 0),
                lane(1, 60_345, 22_605.4, 412, 0),
                lane(2, 0, 0.0, 0, 0),
                lane(3, 0, 0.0, 0, 0),
            ],
            partitions: vec![partition("a", 0, 5_000, 2_000), partition("a", 1, 400, 88)],
            ..EngineStatus::default()
        };
        let rescaling = EngineStatus {
            state: EngineState::Rescaling,
            lanes_target: 8,
            partitions: vec![partition("a", 0, -1, 0)],
            ..running.clone()
        };
        let failed = EngineStatus {
            state: EngineState::Failed("broker said \"no\"\n  at   line 2".into()),
            lanes: vec![],
            lanes_target: 0,
            partitions: vec![],
            ..EngineStatus::default()
        };
        let retrying = EngineStatus {
            state: EngineState::Starting,
            start_problem: Some("cannot fetch metadata (trying again in 1.0 s)".into()),
            ..EngineStatus::default()
        };
        let not_copying = |topic: &str, reason: &str| TopicStatus {
            source_topic: topic.into(),
            destination_topic: topic.into(),
            partitions: 3,
            state: TopicState::Error(reason.into()),
        };
        let with_failing_topics = EngineStatus {
            topics: vec![
                not_copying("orders.eu", "destination topic orders.eu does not exist"),
                not_copying("orders.us", "has 2 partitions,\n the source \"3\""),
            ],
            ..running.clone()
        };
        let cases = [
            (
                with_failing_topics,
                "running lanes=4 copied=120345 rate=45210/s lag=3312 commits=812 aborts=0 not_copied=\"orders.eu: \
                 destination topic orders.eu does not exist; orders.us: has 2 partitions, the source '3'\"",
            ),
            (running, "running lanes=4 copied=120345 rate=45210/s lag=3312 commits=812 aborts=0"),
            (rescaling, "rescaling lanes=4->8 copied=120345 rate=45210/s lag=? commits=812 aborts=0"),
            (EngineStatus::default(), "stopped lanes=0 copied=0 rate=0/s lag=0 commits=0 aborts=0"),
            (failed, "failed lanes=0 copied=0 rate=0/s lag=0 commits=0 aborts=0 error=\"broker said 'no' at line 2\""),
            (retrying, "starting lanes=0 copied=0 rate=0/s lag=0 commits=0 aborts=0 retrying=\"cannot fetch metadata (trying again in 1.0 s)\""),
        ];
        for (status, expected) in cases {
            assert_eq!(status.progress_line(), expected);
        }
    }

    #[test]
    fn history_keeps_the_newest_events() {
        let mut status = EngineStatus::default();
        for at_ms in 0..1_234 {
            status.push_event(EngineEvent { at_ms, kind: EngineEventKind::Fenced { lane: 0 } });
            assert!(status.history.len() <= HISTORY_CAP);
        }
        assert_eq!(status.history.len(), HISTORY_CAP);
        assert_eq!(status.history.first().map(|e| e.at_ms), Some(1_234 - 500));
        assert_eq!(status.history.last().map(|e| e.at_ms), Some(1_233));
    }

    #[test]
    fn json_shape() {
        let event = EngineEvent { at_ms: 7, kind: EngineEventKind::Rescaled { from: 2, to: 4 } };
        let cases = [
            (serde_json::to_string(&event), r#"{"at_ms":7,"kind":{"rescaled":{"from":2,"to":4}}}"#),
            (serde_json::to_string(&EngineEventKind::Stopped), r#""stopped""#),
            (serde_json::to_string(&EngineState::Failed("x".into())), r#"{"failed":"x"}"#),
            (serde_json::to_string(&LaneState::Retrying), r#""retrying""#),
            (serde_json::to_string(&TopicState::Excluded("internal".into())), r#"{"excluded":"internal"}"#),
        ];
        for (json, expected) in cases {
            assert_eq!(json.ok().as_deref(), Some(expected));
        }
    }

    #[test]
    fn state_words() {
        let words: Vec<&str> = LaneState::ALL.iter().map(|state| state.as_str()).collect();
        assert_eq!(
            words,
            ["starting", "fencing", "copying", "idle", "paused", "retrying", "fenced", "failed", "stopped"]
        );
        for state in LaneState::ALL {
            assert_eq!(serde_json::to_string(&state).ok(), Some(format!("\"{}\"", state.as_str())));
        }
    }

    /// (time ms, cumulative records, cumulative bytes, expected records/s, expected bytes/s)
    type MeterStep = (i64, u64, u64, f64, f64);

    /// Feeds (time, records, bytes) samples and checks (records/s, bytes/s) after each.
    fn run_meter(meter: &mut RateMeter, scenario: &str, steps: &[MeterStep]) {
        for &(now_ms, records, bytes, records_per_sec, bytes_per_sec) in steps {
            meter.observe(now_ms, records, bytes);
            let rates = (meter.records_per_sec(), meter.bytes_per_sec());
            assert!(
                (rates.0 - records_per_sec).abs() < 1e-9 && (rates.1 - bytes_per_sec).abs() < 1e-9,
                "{scenario} at {now_ms}: {rates:?}, expected ({records_per_sec}, {bytes_per_sec})"
            );
        }
    }

    #[test]
    fn rate_meter_scenarios() {
        let scenarios: &[(&str, &[MeterStep])] = &[
            ("empty until two samples", &[(1_000, 50, 500, 0.0, 0.0), (1_000, 60, 600, 0.0, 0.0)]),
            (
                "steady",
                &[(0, 0, 0, 0.0, 0.0), (1_000, 100, 1_000, 100.0, 1_000.0), (2_000, 200, 2_000, 100.0, 1_000.0)],
            ),
            (
                "window slides past a burst",
                &[
                    (0, 0, 0, 0.0, 0.0),
                    (1_000, 1_000, 0, 1_000.0, 0.0),
                    (5_000, 1_000, 0, 200.0, 0.0),
                    (6_000, 1_000, 0, 0.0, 0.0),
                    (7_000, 1_600, 0, 100.0, 0.0),
                ],
            ),
            (
                "baseline is the newest sample at least a window old",
                &[(0, 0, 0, 0.0, 0.0), (4_000, 400, 0, 100.0, 0.0), (9_500, 950, 0, 100.0, 0.0)],
            ),
            (
                "counter reset restarts the window",
                &[
                    (0, 0, 0, 0.0, 0.0),
                    (1_000, 500, 10, 500.0, 10.0),
                    (2_000, 20, 30, 0.0, 0.0),
                    (3_000, 120, 40, 100.0, 10.0),
                ],
            ),
            (
                "clock step back restarts the window",
                &[
                    (10_000, 0, 0, 0.0, 0.0),
                    (11_000, 100, 0, 100.0, 0.0),
                    (500, 150, 0, 0.0, 0.0),
                    (1_500, 250, 0, 100.0, 0.0),
                ],
            ),
            (
                "negative and extreme times",
                &[(i64::MIN, 0, 0, 0.0, 0.0), (i64::MAX, u64::MAX, u64::MAX, 2_000.0, 2_000.0)],
            ),
        ];
        for (name, steps) in scenarios {
            let mut meter = RateMeter::new();
            run_meter(&mut meter, name, steps);
        }
    }

    #[test]
    fn rate_meter_memory_is_bounded_and_rate_exact_under_dense_samples() {
        let mut meter = RateMeter::new();
        for now_ms in 0..20_000i64 {
            let records = u64::try_from(now_ms).unwrap_or(0) * 3;
            meter.observe(now_ms, records, records * 10);
        }
        assert!(meter.samples.len() <= 53, "{} samples", meter.samples.len());
        assert!((meter.records_per_sec() - 3_000.0).abs() < 1e-6, "{}", meter.records_per_sec());
        assert!((meter.bytes_per_sec() - 30_000.0).abs() < 1e-6);
    }

    #[test]
    fn rate_meter_custom_window() {
        let mut meter = RateMeter::with_window_ms(0);
        meter.observe(0, 0, 0);
        meter.observe(10, 10, 0);
        meter.observe(20, 30, 0);
        assert_eq!(meter.records_per_sec(), 2_000.0);
    }
}
