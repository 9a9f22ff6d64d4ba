//! Lag, rates, ETA and the age of a watched runner's positions, pure: the
//! clock is a parameter. A partition whose position stopped moving while it
//! still has lag is **stalled** once that has lasted `stall_after`; only a
//! partition with zero lag is caught up.

use std::collections::HashMap;

use serde::Serialize;

use crate::engine::status::RateMeter;

use super::positions::Positions;
use super::read::SourcePartition;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowState {
    /// Lag 0: the runner holds every record the source has.
    CaughtUp,
    /// Lag above 0 and the position moved within `stall_after`.
    Copying,
    /// Lag above 0, the position has not moved yet, for less than `stall_after`.
    Behind,
    /// Lag above 0 and the position has not moved for `stall_after` or longer.
    Stalled,
    /// The runner has no position here; its lag is the partition's whole log.
    NoPosition,
    /// The source gave no high watermark.
    Unknown,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::CaughtUp => "caught-up",
            RowState::Copying => "copying",
            RowState::Behind => "behind",
            RowState::Stalled => "stalled",
            RowState::NoPosition => "no-position",
            RowState::Unknown => "unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchRow {
    pub topic: String,
    pub partition: i32,
    /// -1 when unknown.
    pub source_high_watermark: i64,
    pub next_source_offset: Option<i64>,
    pub lag: Option<i64>,
    /// Records per second the runner's position advanced.
    pub records_per_sec: f64,
    /// Records per second the source grew.
    pub produce_per_sec: f64,
    pub eta_secs: Option<f64>,
    /// Milliseconds since the position last moved (or was committed, when the store says).
    pub age_ms: Option<i64>,
    /// The position has not moved since watching began, and the store gives no
    /// commit time: the age is at least `age_ms`.
    pub age_at_least: bool,
    pub state: RowState,
}

/// Seconds until lag reaches zero at the closing speed (copy rate minus the
/// source's growth), as the Lag pane computes it; `None` when it is not closing.
pub fn eta_secs(lag: i64, copy_rate: f64, produce_rate: f64) -> Option<f64> {
    if lag <= 0 {
        return Some(0.0);
    }
    let closing = copy_rate - produce_rate.max(0.0);
    (closing.is_finite() && closing > 0.0).then(|| lag as f64 / closing)
}

#[derive(Debug)]
struct Track {
    copied: RateMeter,
    produced: RateMeter,
    last_next: Option<i64>,
    /// When the position last moved, when known.
    moved_at_ms: Option<i64>,
    watched_since_ms: i64,
}

/// Keeps each partition's history between reads.
#[derive(Debug)]
pub struct Tracker {
    stall_after_ms: i64,
    rate_window_ms: i64,
    tracks: HashMap<(String, i32), Track>,
}

impl Tracker {
    /// `rate_window_ms` should span several reads: MirrorMaker 2 records its
    /// positions only every `offset.flush.interval.ms` (60 s by default).
    pub fn new(stall_after_ms: i64, rate_window_ms: i64) -> Tracker {
        Tracker { stall_after_ms, rate_window_ms, tracks: HashMap::new() }
    }

    /// One read: the source's partitions and the runner's positions at `now_ms`.
    /// Rows come in the order of `sources`.
    pub fn observe(&mut self, sources: &[SourcePartition], positions: &Positions, now_ms: i64) -> Vec<WatchRow> {
        sources.iter().map(|source| self.observe_one(source, positions, now_ms)).collect()
    }

    fn observe_one(&mut self, source: &SourcePartition, positions: &Positions, now_ms: i64) -> WatchRow {
        let key = (source.topic.clone(), source.partition);
        let position = positions.get(&key);
        let window = self.rate_window_ms;
        let track = self.tracks.entry(key).or_insert_with(|| Track {
            copied: RateMeter::with_window_ms(window),
            produced: RateMeter::with_window_ms(window),
            last_next: None,
            moved_at_ms: None,
            watched_since_ms: now_ms,
        });
        let next = position.map(|p| p.next_offset);
        let committed_at = position.and_then(|p| p.committed_at_ms);
        match (track.last_next, next) {
            // First sight: only the store can say when it was recorded.
            (None, Some(_)) => track.moved_at_ms = committed_at,
            (Some(before), Some(now)) if before != now => track.moved_at_ms = Some(committed_at.unwrap_or(now_ms)),
            (Some(_), None) => track.moved_at_ms = None,
            _ => {}
        }
        track.last_next = next;
        if let Some(next) = next {
            track.copied.observe(now_ms, u64::try_from(next).unwrap_or(0), 0);
        }
        if source.high_watermark >= 0 {
            track.produced.observe(now_ms, u64::try_from(source.high_watermark).unwrap_or(0), 0);
        }
        let (records_per_sec, produce_per_sec) = (track.copied.records_per_sec(), track.produced.records_per_sec());
        let (age_ms, age_at_least) = match track.moved_at_ms {
            Some(moved) => (Some(now_ms.saturating_sub(moved).max(0)), false),
            None if next.is_some() => (Some(now_ms.saturating_sub(track.watched_since_ms)), true),
            None => (None, false),
        };
        let high = (source.high_watermark >= 0).then_some(source.high_watermark);
        let lag = match (high, next) {
            (Some(high), Some(next)) => Some((high - next).max(0)),
            (Some(high), None) => Some((high - source.low_watermark.max(0)).max(0)),
            (None, _) => None,
        };
        let state = match (lag, next) {
            (None, _) => RowState::Unknown,
            (Some(_), None) => RowState::NoPosition,
            (Some(0), Some(_)) => RowState::CaughtUp,
            (Some(_), Some(_)) if age_ms.unwrap_or(0) >= self.stall_after_ms => RowState::Stalled,
            (Some(_), Some(_)) if records_per_sec > 0.0 => RowState::Copying,
            (Some(_), Some(_)) => RowState::Behind,
        };
        let eta = match state {
            RowState::Stalled | RowState::NoPosition | RowState::Unknown => None,
            _ => lag.and_then(|lag| eta_secs(lag, records_per_sec, produce_per_sec)),
        };
        WatchRow {
            topic: source.topic.clone(),
            partition: source.partition,
            source_high_watermark: source.high_watermark,
            next_source_offset: next,
            lag,
            records_per_sec,
            produce_per_sec,
            eta_secs: eta,
            age_ms,
            age_at_least,
            state,
        }
    }
}

/// The whole watch at one read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub partitions: usize,
    /// `None` while any partition's lag is unknown.
    pub lag: Option<i64>,
    pub records_per_sec: f64,
    pub eta_secs: Option<f64>,
    pub stalled: usize,
    pub caught_up: bool,
}

pub fn summarise(rows: &[WatchRow]) -> Summary {
    let lag = rows.iter().map(|row| row.lag).sum::<Option<i64>>();
    let records_per_sec: f64 = rows.iter().map(|row| row.records_per_sec).sum();
    let produce_per_sec: f64 = rows.iter().map(|row| row.produce_per_sec).sum();
    let stalled = rows.iter().filter(|row| row.state == RowState::Stalled).count();
    let eta = match lag {
        Some(lag) if stalled == 0 => eta_secs(lag, records_per_sec, produce_per_sec),
        _ => None,
    };
    Summary {
        partitions: rows.len(),
        lag,
        records_per_sec,
        eta_secs: eta,
        stalled,
        caught_up: !rows.is_empty() && rows.iter().all(|row| row.state == RowState::CaughtUp),
    }
}

#[cfg(test)]
mod tests {
    use super::super::positions::Position;
    use super::*;

    fn source(partition: i32, low: i64, high: i64) -> SourcePartition {
        SourcePartition { topic: "orders".into(), partition, low_watermark: low, high_watermark: high }
    }

    fn at(partition: i32, next: i64, committed_at_ms: Option<i64>) -> Positions {
        let position = Position { topic: "orders".into(), partition, next_offset: next, committed_at_ms };
        [(("orders".to_string(), partition), position)].into_iter().collect()
    }

    #[test]
    fn a_moving_position_copies_with_a_rate_and_an_eta() {
        let mut tracker = Tracker::new(10_000, 60_000);
        let first = tracker.observe(&[source(0, 0, 1_000)], &at(0, 100, None), 0);
        assert_eq!(
            (first[0].lag, first[0].state, first[0].age_ms, first[0].age_at_least),
            (Some(900), RowState::Behind, Some(0), true)
        );
        let rows = tracker.observe(&[source(0, 0, 1_000)], &at(0, 600, None), 1_000);
        let row = &rows[0];
        assert_eq!((row.lag, row.state, row.age_ms, row.age_at_least), (Some(400), RowState::Copying, Some(0), false));
        assert_eq!(row.records_per_sec, 500.0);
        assert_eq!(row.eta_secs, Some(0.8));
        let rows = tracker.observe(&[source(0, 0, 1_000)], &at(0, 1_000, None), 2_000);
        assert_eq!((rows[0].lag, rows[0].state, rows[0].eta_secs), (Some(0), RowState::CaughtUp, Some(0.0)));
    }

    #[test]
    fn a_position_that_stops_with_lag_is_stalled_never_caught_up() {
        let mut tracker = Tracker::new(5_000, 60_000);
        tracker.observe(&[source(0, 0, 100)], &at(0, 10, None), 0);
        tracker.observe(&[source(0, 0, 200)], &at(0, 50, None), 1_000);
        let rows = tracker.observe(&[source(0, 0, 300)], &at(0, 50, None), 3_000);
        assert_eq!((rows[0].state, rows[0].age_ms), (RowState::Copying, Some(2_000)));
        let rows = tracker.observe(&[source(0, 0, 300)], &at(0, 50, None), 6_000);
        assert_eq!(
            (rows[0].state, rows[0].lag, rows[0].age_ms, rows[0].eta_secs),
            (RowState::Stalled, Some(250), Some(5_000), None)
        );
        let summary = summarise(&rows);
        assert_eq!((summary.stalled, summary.caught_up, summary.eta_secs), (1, false, None));
        // It moves again: copying.
        let rows = tracker.observe(&[source(0, 0, 300)], &at(0, 60, None), 7_000);
        assert_eq!(rows[0].state, RowState::Copying);
    }

    #[test]
    fn a_position_unchanged_since_watching_began_stalls_on_its_lower_bound_age() {
        let mut tracker = Tracker::new(2_000, 60_000);
        tracker.observe(&[source(0, 0, 100)], &at(0, 40, None), 10_000);
        let rows = tracker.observe(&[source(0, 0, 100)], &at(0, 40, None), 12_000);
        assert_eq!((rows[0].state, rows[0].age_ms, rows[0].age_at_least), (RowState::Stalled, Some(2_000), true));
    }

    #[test]
    fn a_commit_time_from_the_store_dates_the_position() {
        // MirrorMaker 2's record timestamp: committed 30 s before the first read.
        let mut tracker = Tracker::new(20_000, 60_000);
        let rows = tracker.observe(&[source(0, 0, 100)], &at(0, 40, Some(70_000)), 100_000);
        assert_eq!((rows[0].state, rows[0].age_ms, rows[0].age_at_least), (RowState::Stalled, Some(30_000), false));
        // Caught up is caught up, however old.
        let rows = tracker.observe(&[source(0, 0, 100)], &at(0, 100, Some(101_000)), 102_000);
        assert_eq!((rows[0].state, rows[0].age_ms), (RowState::CaughtUp, Some(1_000)));
    }

    #[test]
    fn no_position_counts_the_whole_log_and_unknown_watermarks_stay_unknown() {
        let mut tracker = Tracker::new(5_000, 60_000);
        let rows = tracker.observe(&[source(0, 20, 100), source(1, -1, -1)], &Positions::new(), 0);
        assert_eq!((rows[0].state, rows[0].lag, rows[0].age_ms), (RowState::NoPosition, Some(80), None));
        assert_eq!((rows[1].state, rows[1].lag), (RowState::Unknown, None));
        let summary = summarise(&rows);
        assert_eq!((summary.lag, summary.caught_up, summary.partitions), (None, false, 2));
    }

    #[test]
    fn a_reset_position_forgets_its_age() {
        let mut tracker = Tracker::new(5_000, 60_000);
        tracker.observe(&[source(0, 0, 100)], &at(0, 100, None), 0);
        let rows = tracker.observe(&[source(0, 0, 100)], &Positions::new(), 1_000);
        assert_eq!((rows[0].state, rows[0].age_ms), (RowState::NoPosition, None));
    }

    #[test]
    fn eta_needs_a_closing_speed() {
        assert_eq!(eta_secs(0, 0.0, 0.0), Some(0.0));
        assert_eq!(eta_secs(100, 50.0, 0.0), Some(2.0));
        assert_eq!(eta_secs(100, 50.0, 50.0), None);
        assert_eq!(eta_secs(100, 50.0, 25.0), Some(4.0));
        assert_eq!(eta_secs(100, f64::NAN, 0.0), None);
    }

    #[test]
    fn the_summary_adds_partitions_up() {
        let mut tracker = Tracker::new(5_000, 60_000);
        let both = |a, b| {
            let mut positions = at(0, a, None);
            positions.extend(at(1, b, None));
            positions
        };
        tracker.observe(&[source(0, 0, 100), source(1, 0, 100)], &both(0, 0), 0);
        let rows = tracker.observe(&[source(0, 0, 100), source(1, 0, 100)], &both(50, 100), 1_000);
        let summary = summarise(&rows);
        assert_eq!(
            (summary.lag, summary.records_per_sec, summary.eta_secs, summary.caught_up),
            (Some(50), 150.0, Some(50.0 / 150.0), false)
        );
    }
}
