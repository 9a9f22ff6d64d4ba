//! Consumer-offset translation: which destination offset corresponds to a
//! group's committed source offset. Pure: the records come from a probe.
//!
//! For data copied by kdeck the answer is exact: every destination record
//! names its source offset (provenance), copies keep the source's order, so
//! "the first copy of a source offset >= the committed one" is found by a
//! binary search over destination offsets. Transaction markers and aborted
//! transactions only make offsets skip, which the search steps over.

use serde::{Deserialize, Serialize};

use crate::error::Failure;

/// The first destination record at or after an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Probe {
    Record {
        offset: i64,
        copy_of: Option<i64>,
    },
    /// No record at or after the offset.
    End,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Search {
    /// Commit this destination offset: the next record read there is the copy
    /// of the first source record at or after the committed source offset.
    Found(i64),
    /// A probed record carries no provenance of this partition: not a kdeck copy.
    NoProvenance,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Exact: provenance headers and a binary search on the destination.
    Provenance,
    /// Approximate: the committed record's timestamp looked up on the destination (offsetsForTimes).
    Timestamp,
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Method::Provenance => "provenance (exact)",
            Method::Timestamp => "timestamp (approximate)",
        }
    }
}

/// Records that are not copies (another tool's or an application's) stepped
/// over in one search before deciding the destination is not kdeck's copy.
const MAX_SKIPPED: usize = 64;

/// The smallest destination offset in `low..=high` whose next copy is of a
/// source offset >= `committed`; `high` when every copy is of an earlier record.
pub fn search_by_provenance(
    committed: i64,
    low: i64,
    high: i64,
    mut probe: impl FnMut(i64) -> Result<Probe, Failure>,
) -> Result<Search, Failure> {
    let (mut lo, mut hi) = (low, high.max(low));
    // Offsets from here on hold no copy: a consumer past the last copy goes to
    // the high watermark, past any trailing marker, so it shows no lag.
    let mut empty_from = hi;
    let mut skipped = 0;
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let Some(next) = first_copy(mid, &mut probe, &mut skipped)? else { return Ok(Search::NoProvenance) };
        match next {
            None => {
                hi = mid;
                empty_from = empty_from.min(mid);
            }
            Some((_, source)) if source >= committed => hi = mid,
            // Offsets between `mid` and the copy hold no copies (markers, other records): skip them.
            Some((offset, _)) => lo = offset.max(mid) + 1,
        }
    }
    Ok(Search::Found(if lo >= empty_from { high.max(low) } else { lo }))
}

/// The first copy at or after `at` as (offset, source offset), `Some(None)` at
/// the end, `None` once too many records that are not copies were stepped over.
fn first_copy(
    mut at: i64,
    probe: &mut impl FnMut(i64) -> Result<Probe, Failure>,
    skipped: &mut usize,
) -> Result<Option<Option<(i64, i64)>>, Failure> {
    loop {
        match probe(at)? {
            Probe::End => return Ok(Some(None)),
            Probe::Record { offset, copy_of: Some(source) } => return Ok(Some(Some((offset, source)))),
            Probe::Record { offset, copy_of: None } => {
                *skipped += 1;
                if *skipped > MAX_SKIPPED {
                    return Ok(None);
                }
                at = offset.max(at) + 1;
            }
        }
    }
}

/// Where the destination log really ends, from its reported high watermark:
/// one probe when the broker reports it right, a galloping search past it when
/// the broker reports too low (tansu under batching), so a caught-up group is
/// never committed before records it already read.
pub fn log_end(
    low: i64,
    reported_high: i64,
    mut probe: impl FnMut(i64) -> Result<Probe, Failure>,
) -> Result<i64, Failure> {
    let mut from = reported_high.max(low);
    let mut step = 1i64;
    loop {
        let Probe::Record { offset, .. } = probe(from)? else { return Ok(from) };
        from = offset.max(from) + 1;
        let ahead = from.saturating_add(step);
        match probe(ahead)? {
            Probe::Record { offset, .. } => {
                from = offset.max(ahead) + 1;
                step = step.saturating_mul(2);
            }
            Probe::End => {
                // The end is in from..=ahead: the smallest offset with no record at or after it.
                let (mut lo, mut hi) = (from, ahead);
                while lo < hi {
                    let mid = lo + (hi - lo) / 2;
                    match probe(mid)? {
                        Probe::End => hi = mid,
                        Probe::Record { offset, .. } => lo = offset.max(mid) + 1,
                    }
                }
                return Ok(lo);
            }
        }
    }
}

/// Records the group has not copied yet on one partition: the source's end
/// minus the engine's next source offset. None when no position is recorded.
pub fn replication_lag(source_high: i64, next_source_offset: Option<i64>) -> Option<i64> {
    next_source_offset.map(|next| (source_high - next).max(0))
}

/// What a cutover must check before committing, in the order a consultant
/// fixes them. `members` is the destination group's member count, or why it
/// could not be read. `--force` overrides lag only.
pub fn refusal(
    group: &str,
    destination: &str,
    lags: &[(String, i32, Option<i64>)],
    members: Result<usize, String>,
    force: bool,
) -> Option<String> {
    if !force {
        if let Some((topic, partition, lag)) = lags.iter().find(|(_, _, lag)| *lag != Some(0)) {
            let lag = lag.map_or_else(|| "unknown (no engine position recorded)".to_string(), |l| l.to_string());
            return Some(format!(
                "refusing to move group {group}: replication lag on {topic} [{partition}] is {lag}; wait until it is 0, or pass --force"
            ));
        }
    }
    match members {
        Err(reason) => Some(format!(
            "refusing to move group {group}: cannot tell whether it has active members on {destination} ({reason})"
        )),
        Ok(0) => None,
        Ok(count) => Some(format!(
            "refusing to move group {group}: it has {count} active member(s) on {destination}; stop them first (--force does not override this)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A destination log: (offset, copy_of) per record; offsets may skip (markers).
    fn probe_of(log: &[(i64, Option<i64>)]) -> impl FnMut(i64) -> Result<Probe, Failure> + '_ {
        move |at| {
            Ok(log
                .iter()
                .find(|(offset, _)| *offset >= at)
                .map_or(Probe::End, |&(offset, copy_of)| Probe::Record { offset, copy_of }))
        }
    }

    /// What a consumer reading from `at` sees first.
    fn first_copy_from(log: &[(i64, Option<i64>)], at: i64) -> Option<i64> {
        log.iter().find(|(offset, _)| *offset >= at).and_then(|(_, copy_of)| *copy_of)
    }

    #[test]
    fn every_committed_offset_resumes_on_the_same_record() {
        // Source offsets with gaps (aborted records and markers on the source); destination
        // offsets with gaps of their own (the engine's commit markers).
        let source_offsets = [0, 1, 2, 5, 6, 7, 11, 12, 20];
        let mut log = Vec::new();
        let mut at = 0;
        for (i, &source) in source_offsets.iter().enumerate() {
            log.push((at, Some(source)));
            at += if i % 2 == 1 { 2 } else { 1 };
        }
        let high = at + 1;
        for committed in 0..=22 {
            let Search::Found(offset) = search_by_provenance(committed, 0, high, probe_of(&log)).unwrap() else {
                panic!("kdeck copies have provenance");
            };
            let expected_source = source_offsets.iter().copied().find(|&s| s >= committed);
            assert_eq!(first_copy_from(&log, offset), expected_source, "committed {committed} -> {offset}");
            if expected_source.is_none() {
                assert_eq!(offset, high, "a caught-up consumer goes to the end");
            }
        }
    }

    #[test]
    fn records_that_are_not_copies_are_stepped_over() {
        // An application wrote to the destination topic before and during the copy.
        let log: Vec<(i64, Option<i64>)> =
            vec![(0, None), (1, None), (2, Some(0)), (3, Some(1)), (4, None), (5, Some(2)), (6, Some(3)), (7, None)];
        for committed in 0..=4 {
            let Search::Found(offset) = search_by_provenance(committed, 0, 8, probe_of(&log)).unwrap() else {
                panic!("copies are there");
            };
            let first = log.iter().filter(|(o, c)| *o >= offset && c.is_some()).map(|(_, c)| *c).next().flatten();
            assert_eq!(first, (committed <= 3).then_some(committed), "committed {committed} -> {offset}");
        }
    }

    #[test]
    fn the_search_is_logarithmic() {
        let log: Vec<(i64, Option<i64>)> = (0..100_000).map(|n| (n, Some(n * 3))).collect();
        let mut probes = 0;
        let mut counting = probe_of(&log);
        let found = search_by_provenance(150_001, 0, 100_000, |at| {
            probes += 1;
            counting(at)
        })
        .unwrap();
        assert_eq!(found, Search::Found(50_001));
        assert!(probes <= 18, "{probes} probes");
    }

    #[test]
    fn edges() {
        assert_eq!(search_by_provenance(5, 0, 0, probe_of(&[])).unwrap(), Search::Found(0));
        assert_eq!(search_by_provenance(5, 7, 7, probe_of(&[])).unwrap(), Search::Found(7));
        let plain: Vec<(i64, Option<i64>)> = (0..100).map(|n| (n, None)).collect();
        assert_eq!(search_by_provenance(1, 0, 100, probe_of(&plain)).unwrap(), Search::NoProvenance);
        // Retention moved the destination's start: the search starts at its low watermark.
        let log = [(10, Some(40)), (11, Some(41))];
        assert_eq!(search_by_provenance(0, 10, 12, probe_of(&log)).unwrap(), Search::Found(10));
        assert_eq!(search_by_provenance(41, 10, 12, probe_of(&log)).unwrap(), Search::Found(11));
        assert_eq!(search_by_provenance(42, 10, 12, probe_of(&log)).unwrap(), Search::Found(12));
    }

    #[test]
    fn the_log_end_is_found_past_a_watermark_that_is_too_low() {
        for records in [0i64, 1, 2, 3, 10, 57, 1000] {
            let log: Vec<(i64, Option<i64>)> = (0..records).map(|n| (n, Some(n))).collect();
            // A broker may report too low a watermark, never one past the log's end.
            for reported in [0, 1, records / 2, records].into_iter().filter(|&r| r <= records) {
                let mut probes = 0;
                let mut inner = probe_of(&log);
                let end = log_end(0, reported, |at| {
                    probes += 1;
                    inner(at)
                })
                .unwrap();
                assert_eq!(end, records, "{records} records, reported high {reported}");
                if reported == records {
                    assert_eq!(probes, 1, "a right watermark costs one probe");
                }
            }
        }
        // A trailing marker: the right watermark is past the last record and kept.
        assert_eq!(log_end(0, 4, probe_of(&[(0, Some(0)), (1, Some(1)), (2, Some(2))])).unwrap(), 4);
    }

    #[test]
    fn lag() {
        assert_eq!(replication_lag(100, Some(100)), Some(0));
        assert_eq!(replication_lag(100, Some(90)), Some(10));
        assert_eq!(replication_lag(100, Some(101)), Some(0));
        assert_eq!(replication_lag(100, None), None);
    }

    #[test]
    fn refusals() {
        let caught_up = vec![("orders".to_string(), 0, Some(0)), ("orders".to_string(), 1, Some(0))];
        let lagging = vec![("orders".to_string(), 0, Some(0)), ("orders".to_string(), 1, Some(3))];
        let unknown = vec![("orders".to_string(), 0, None)];
        assert_eq!(refusal("g", "dst", &caught_up, Ok(0), false), None);
        let lag = refusal("g", "dst", &lagging, Ok(0), false).unwrap();
        assert!(lag.contains("orders [1] is 3") && lag.contains("--force"), "{lag}");
        assert!(refusal("g", "dst", &unknown, Ok(0), false).unwrap().contains("unknown"));
        assert_eq!(refusal("g", "dst", &lagging, Ok(0), true), None, "--force overrides lag");
        let members = refusal("g", "dst", &caught_up, Ok(2), true).unwrap();
        assert!(members.contains("2 active member(s) on dst"), "{members}");
        let unreadable = refusal("g", "dst", &caught_up, Err("no DescribeGroups".into()), true).unwrap();
        assert!(unreadable.contains("no DescribeGroups"), "{unreadable}");
        assert!(refusal("g", "dst", &lagging, Ok(2), false).unwrap().contains("lag"), "lag is named first");
    }
}
