//! The Lag pane's arithmetic, pure: per-partition copy and produce rates from
//! successive engine snapshots, per-topic rows, ETA to zero lag, sorting, and
//! the text forms of counts, rates and durations. The clock is a parameter.

use std::collections::{HashMap, VecDeque};

use crate::engine::status::{EngineStatus, PartitionStatus, RateMeter, TopicState};

/// How many throughput samples a topic's sparkline keeps (one per second).
pub const SPARK_POINTS: usize = 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SortKey {
    #[default]
    Lag,
    Name,
    Rate,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PartitionRow {
    pub partition: i32,
    pub source_high_watermark: i64,
    pub next_source_offset: i64,
    /// -1 while unknown.
    pub destination_high_watermark: i64,
    pub lag: Option<i64>,
    pub copy_rate: f64,
    pub produce_rate: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TopicRow {
    pub topic: String,
    pub paused: bool,
    pub partitions: Vec<PartitionRow>,
    pub source_high_watermark: i64,
    pub next_source_offset: i64,
    /// -1 when any partition's is unknown.
    pub destination_high_watermark: i64,
    pub lag: Option<i64>,
    pub copy_rate: f64,
    pub produce_rate: f64,
}

impl TopicRow {
    pub fn eta_secs(&self) -> Option<f64> {
        eta_secs(self.lag?, self.copy_rate, self.produce_rate)
    }
}

/// Seconds until lag reaches zero at the current closing speed (copy rate minus
/// the source's growth); `None` when it is not closing at all.
pub fn eta_secs(lag: i64, copy_rate: f64, produce_rate: f64) -> Option<f64> {
    if lag <= 0 {
        return Some(0.0);
    }
    let closing = copy_rate - produce_rate.max(0.0);
    (closing.is_finite() && closing > 0.0).then(|| lag as f64 / closing)
}

/// Rates per partition, kept between snapshots, plus each topic's sparkline.
#[derive(Debug, Default, Clone)]
pub struct LagTracker {
    meters: HashMap<(String, i32), (RateMeter, RateMeter)>,
    sparklines: HashMap<String, VecDeque<u64>>,
    last_spark_ms: Option<i64>,
}

impl LagTracker {
    pub fn observe(&mut self, status: &EngineStatus, now_ms: i64) {
        for partition in &status.partitions {
            let key = (partition.source.topic.clone(), partition.source.partition);
            let (copied, produced) = self.meters.entry(key).or_default();
            copied.observe(now_ms, non_negative(partition.next_source_offset), 0);
            produced.observe(now_ms, non_negative(partition.source_high_watermark), 0);
        }
        let due = self.last_spark_ms.is_none_or(|last| now_ms.saturating_sub(last) >= 1_000 || now_ms < last);
        if due {
            self.last_spark_ms = Some(now_ms);
            for row in self.rows(status) {
                let points = self.sparklines.entry(row.topic).or_default();
                points.push_back(row.copy_rate.max(0.0).round() as u64);
                while points.len() > SPARK_POINTS {
                    points.pop_front();
                }
            }
        }
    }

    pub fn sparkline(&self, topic: &str) -> Vec<u64> {
        self.sparklines.get(topic).map(|points| points.iter().copied().collect()).unwrap_or_default()
    }

    fn rates(&self, partition: &PartitionStatus) -> (f64, f64) {
        let key = (partition.source.topic.clone(), partition.source.partition);
        self.meters
            .get(&key)
            .map_or((0.0, 0.0), |(copied, produced)| (copied.records_per_sec(), produced.records_per_sec()))
    }

    /// One row per topic of the snapshot, partitions in number order, unsorted.
    pub fn rows(&self, status: &EngineStatus) -> Vec<TopicRow> {
        let mut by_topic: Vec<TopicRow> = Vec::new();
        let mut index: HashMap<&str, usize> = HashMap::new();
        let paused_topics: std::collections::HashSet<&str> =
            status.topics.iter().filter(|t| t.state == TopicState::Paused).map(|t| t.source_topic.as_str()).collect();
        for partition in &status.partitions {
            let topic = partition.source.topic.as_str();
            let slot = *index.entry(topic).or_insert_with(|| {
                let paused = paused_topics.contains(topic);
                by_topic.push(empty_row(topic, paused));
                by_topic.len() - 1
            });
            let (copy_rate, produce_rate) = self.rates(partition);
            by_topic[slot].partitions.push(PartitionRow {
                partition: partition.source.partition,
                // The log ends at least where the copy has read to: a watermark read
                // before the latest batch must not show the copy ahead of the source.
                source_high_watermark: match partition.source_high_watermark {
                    high if high >= 0 => high.max(partition.next_source_offset),
                    unknown => unknown,
                },
                next_source_offset: partition.next_source_offset,
                destination_high_watermark: partition.destination_high_watermark,
                lag: partition.lag(),
                copy_rate,
                produce_rate,
            });
        }
        for row in &mut by_topic {
            row.partitions.sort_by_key(|p| p.partition);
            summarise(row);
        }
        by_topic
    }
}

fn non_negative(offset: i64) -> u64 {
    u64::try_from(offset).unwrap_or(0)
}

fn empty_row(topic: &str, paused: bool) -> TopicRow {
    TopicRow {
        topic: topic.to_owned(),
        paused,
        partitions: Vec::new(),
        source_high_watermark: 0,
        next_source_offset: 0,
        destination_high_watermark: 0,
        lag: Some(0),
        copy_rate: 0.0,
        produce_rate: 0.0,
    }
}

/// Sums the partitions; an unknown offset makes the topic's sum unknown rather
/// than quietly smaller.
fn summarise(row: &mut TopicRow) {
    let sum = |offset: fn(&PartitionRow) -> i64| {
        row.partitions
            .iter()
            .map(offset)
            .try_fold(0i64, |total, offset| (offset >= 0).then(|| total.saturating_add(offset)))
            .unwrap_or(-1)
    };
    let (source, next, destination) =
        (sum(|p| p.source_high_watermark), sum(|p| p.next_source_offset), sum(|p| p.destination_high_watermark));
    row.source_high_watermark = source;
    row.next_source_offset = next;
    row.destination_high_watermark = destination;
    row.lag = row.partitions.iter().try_fold(0i64, |total, p| Some(total.saturating_add(p.lag?)));
    row.copy_rate = row.partitions.iter().map(|p| p.copy_rate).filter(|r| r.is_finite()).sum();
    row.produce_rate = row.partitions.iter().map(|p| p.produce_rate).filter(|r| r.is_finite()).sum();
}

/// Biggest problem first: highest lag (unknown above all), fastest rate; names ascending.
pub fn sort_rows(rows: &mut [TopicRow], key: SortKey) {
    match key {
        SortKey::Name => rows.sort_by(|a, b| a.topic.cmp(&b.topic)),
        SortKey::Lag => rows.sort_by(|a, b| {
            let lag = |row: &TopicRow| row.lag.unwrap_or(i64::MAX);
            lag(b).cmp(&lag(a)).then_with(|| a.topic.cmp(&b.topic))
        }),
        SortKey::Rate => rows.sort_by(|a, b| b.copy_rate.total_cmp(&a.copy_rate).then_with(|| a.topic.cmp(&b.topic))),
    }
}

/// How far a consumer group trails on one partition: the high watermark minus
/// the committed offset. Unknown when either is; never negative, because a
/// watermark read before the commit can trail it.
pub fn group_lag(high_watermark: Option<i64>, committed: Option<i64>) -> Option<i64> {
    match (high_watermark, committed) {
        (Some(high), Some(committed)) if high >= 0 && committed >= 0 => Some(high.saturating_sub(committed).max(0)),
        _ => None,
    }
}

/// The sum of known lags; unknown as soon as one is.
pub fn total_group_lag(lags: impl IntoIterator<Item = Option<i64>>) -> Option<i64> {
    lags.into_iter().try_fold(0i64, |total, lag| lag.map(|lag| total.saturating_add(lag)))
}

/// `–` for unknown (-1) offsets, the number otherwise.
pub fn offset_text(offset: i64) -> String {
    if offset < 0 {
        "–".to_owned()
    } else {
        offset.to_string()
    }
}

/// 999, 1.2k, 34.5k, 1.2M, 3.4G.
pub fn count_text(count: i64) -> String {
    let magnitude = count.unsigned_abs() as f64;
    let sign = if count < 0 { "-" } else { "" };
    match magnitude {
        m if m < 1_000.0 => count.to_string(),
        m if m < 1_000_000.0 => format!("{sign}{:.1}k", m / 1_000.0),
        m if m < 1_000_000_000.0 => format!("{sign}{:.1}M", m / 1_000_000.0),
        m => format!("{sign}{:.1}G", m / 1_000_000_000.0),
    }
}

pub fn rate_text(per_sec: f64) -> String {
    if !per_sec.is_finite() || per_sec <= 0.0 {
        return "0/s".to_owned();
    }
    format!("{}/s", count_text(per_sec.round() as i64))
}

pub fn megabytes_per_sec_text(bytes_per_sec: f64) -> String {
    if !bytes_per_sec.is_finite() || bytes_per_sec <= 0.0 {
        return "0.0 MB/s".to_owned();
    }
    format!("{:.1} MB/s", bytes_per_sec / 1_000_000.0)
}

/// 0s, 42s, 3m12s, 2h05m, 3d04h; `–` when lag is not closing.
pub fn eta_text(secs: Option<f64>) -> String {
    let Some(secs) = secs.filter(|s| s.is_finite() && *s >= 0.0) else { return "–".to_owned() };
    let secs = secs.ceil() as u64;
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3_600 => format!("{}m{:02}s", s / 60, s % 60),
        s if s < 86_400 => format!("{}h{:02}m", s / 3_600, (s % 3_600) / 60),
        s => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3_600),
    }
}

/// The last `width` points as block characters, scaled to the largest shown.
pub fn sparkline_text(points: &[u64], width: usize) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let shown = &points[points.len().saturating_sub(width)..];
    let max = shown.iter().copied().max().unwrap_or(0);
    let mut text: String = shown
        .iter()
        .map(|&point| {
            if max == 0 || point == 0 {
                ' '
            } else {
                BARS[((point as u128 * 8).div_ceil(max as u128) as usize).clamp(1, 8) - 1]
            }
        })
        .collect();
    while text.chars().count() < width {
        text.insert(0, ' ');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::assignment::TopicPartition;
    use crate::engine::status::TopicStatus;

    #[test]
    fn group_lag_is_the_watermark_minus_the_commit_and_unknown_when_either_is() {
        assert_eq!(group_lag(Some(120), Some(100)), Some(20));
        assert_eq!(group_lag(Some(100), Some(100)), Some(0));
        assert_eq!(group_lag(Some(90), Some(100)), Some(0), "a stale watermark is not negative lag");
        assert_eq!(group_lag(None, Some(100)), None);
        assert_eq!(group_lag(Some(100), None), None);
        assert_eq!(group_lag(Some(-1), Some(0)), None);
        assert_eq!(group_lag(Some(i64::MAX), Some(0)), Some(i64::MAX));
        assert_eq!(total_group_lag([Some(1), Some(2)]), Some(3));
        assert_eq!(total_group_lag([Some(1), None]), None);
        assert_eq!(total_group_lag([]), Some(0));
        assert_eq!(total_group_lag([Some(i64::MAX), Some(1)]), Some(i64::MAX));
    }

    fn partition(topic: &str, number: i32, high: i64, next: i64, destination: i64) -> PartitionStatus {
        PartitionStatus {
            source: TopicPartition::new(topic, number),
            destination_topic: topic.to_owned(),
            source_high_watermark: high,
            next_source_offset: next,
            destination_high_watermark: destination,
            records_copied: 0,
        }
    }

    #[test]
    fn eta_cases() {
        // (lag, copy rate, produce rate, expected)
        let cases = [
            (0, 0.0, 0.0, Some(0.0)),
            (-5, 0.0, 10.0, Some(0.0)),
            (100, 10.0, 0.0, Some(10.0)),
            (100, 30.0, 10.0, Some(5.0)),
            (100, 10.0, 10.0, None),
            (100, 10.0, 20.0, None),
            (100, 0.0, 0.0, None),
            (100, f64::NAN, 0.0, None),
            (100, f64::INFINITY, 0.0, None),
            (100, 10.0, -50.0, Some(10.0)),
            (i64::MAX, 1.0, 0.0, Some(i64::MAX as f64)),
        ];
        for (lag, copy, produce, expected) in cases {
            assert_eq!(eta_secs(lag, copy, produce), expected, "{lag} {copy} {produce}");
        }
    }

    #[test]
    fn text_forms() {
        let etas = [
            (None, "–"),
            (Some(f64::NAN), "–"),
            (Some(-1.0), "–"),
            (Some(0.0), "0s"),
            (Some(0.2), "1s"),
            (Some(59.0), "59s"),
            (Some(60.0), "1m00s"),
            (Some(192.0), "3m12s"),
            (Some(7_500.0), "2h05m"),
            (Some(273_600.0), "3d04h"),
        ];
        for (secs, expected) in etas {
            assert_eq!(eta_text(secs), expected, "{secs:?}");
        }
        let counts =
            [(0, "0"), (999, "999"), (1_000, "1.0k"), (34_567, "34.6k"), (1_200_000, "1.2M"), (-2_500, "-2.5k")];
        for (count, expected) in counts {
            assert_eq!(count_text(count), expected);
        }
        assert_eq!(count_text(i64::MIN), "-9223372036.9G");
        assert_eq!(rate_text(f64::NAN), "0/s");
        assert_eq!(rate_text(-3.0), "0/s");
        assert_eq!(rate_text(1_499.6), "1.5k/s");
        assert_eq!(megabytes_per_sec_text(2_500_000.0), "2.5 MB/s");
        assert_eq!(megabytes_per_sec_text(f64::INFINITY), "0.0 MB/s");
        assert_eq!(offset_text(-1), "–");
        assert_eq!(offset_text(42), "42");
    }

    #[test]
    fn sparklines() {
        assert_eq!(sparkline_text(&[], 4), "    ");
        assert_eq!(sparkline_text(&[0, 0], 3), "   ");
        assert_eq!(sparkline_text(&[1, 8], 2), "▁█");
        assert_eq!(sparkline_text(&[5, 1, 2, 4, 8], 3), "▂▄█");
        assert_eq!(sparkline_text(&[u64::MAX, 1], 2), "█▁");
    }

    #[test]
    fn a_watermark_read_before_the_latest_batch_never_shows_the_copy_ahead() {
        let status =
            EngineStatus { partitions: vec![partition("orders", 0, 727, 730, 700)], ..EngineStatus::default() };
        let rows = LagTracker::default().rows(&status);
        assert_eq!((rows[0].source_high_watermark, rows[0].next_source_offset, rows[0].lag), (730, 730, Some(0)));
    }

    #[test]
    fn rows_sum_partitions_and_unknowns_stay_unknown() {
        let status = EngineStatus {
            partitions: vec![
                partition("orders", 1, 50, 40, 40),
                partition("orders", 0, 100, 70, 70),
                partition("payments", 0, 30, 30, -1),
                partition("customers", 0, -1, 0, 0),
            ],
            topics: vec![TopicStatus {
                source_topic: "payments".into(),
                destination_topic: "payments".into(),
                partitions: 1,
                state: TopicState::Paused,
            }],
            ..EngineStatus::default()
        };
        let tracker = LagTracker::default();
        let rows = tracker.rows(&status);
        let orders = &rows[0];
        assert_eq!(orders.topic, "orders");
        assert_eq!(orders.partitions.iter().map(|p| p.partition).collect::<Vec<_>>(), [0, 1]);
        assert_eq!((orders.source_high_watermark, orders.next_source_offset, orders.lag), (150, 110, Some(40)));
        assert_eq!(orders.destination_high_watermark, 110);
        let payments = &rows[1];
        assert!(payments.paused);
        assert_eq!((payments.destination_high_watermark, payments.lag), (-1, Some(0)));
        let customers = &rows[2];
        assert_eq!((customers.source_high_watermark, customers.lag), (-1, None));
    }

    #[test]
    fn rates_and_eta_come_from_successive_snapshots() {
        let mut tracker = LagTracker::default();
        let at = |high: i64, next: i64| EngineStatus {
            partitions: vec![partition("orders", 0, high, next, next)],
            ..EngineStatus::default()
        };
        tracker.observe(&at(1_000, 0), 0);
        tracker.observe(&at(1_100, 300), 1_000);
        let rows = tracker.rows(&at(1_100, 300));
        assert_eq!((rows[0].copy_rate, rows[0].produce_rate), (300.0, 100.0));
        assert_eq!(rows[0].eta_secs(), Some(800.0 / 200.0));
        tracker.observe(&at(1_200, 600), 2_000);
        assert_eq!(tracker.sparkline("orders"), vec![0, 300, 300]);
        assert_eq!(tracker.sparkline("absent"), Vec::<u64>::new());
    }

    #[test]
    fn sorting() {
        let row =
            |topic: &str, lag: Option<i64>, rate: f64| TopicRow { lag, copy_rate: rate, ..empty_row(topic, false) };
        let mut rows =
            vec![row("b", Some(5), 1.0), row("a", Some(5), 3.0), row("c", None, 2.0), row("d", Some(9), 0.0)];
        let order = |rows: &[TopicRow]| rows.iter().map(|r| r.topic.clone()).collect::<Vec<_>>().join("");
        sort_rows(&mut rows, SortKey::Lag);
        assert_eq!(order(&rows), "cdab");
        sort_rows(&mut rows, SortKey::Name);
        assert_eq!(order(&rows), "abcd");
        sort_rows(&mut rows, SortKey::Rate);
        assert_eq!(order(&rows), "acbd");
    }
}
