//! Reconciliation of one partition: the source's records against the
//! destination's, as two streams read once, front to back.
//!
//! Destination records are aligned with source records by their provenance
//! header when it names this partition (exact), otherwise by content within a
//! window. What the stream cannot align becomes an anomaly with both
//! positions: a missing source record (and the destination offset where it
//! should have been), an extra or duplicated destination record, a record out
//! of order, or a copy whose content changed. Memory is bounded by the window:
//! at most `window` source records wait for their copy at any time.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::error::Failure;

use super::duplicates::{DuplicateRange, RangeCompactor};
use super::fingerprint::{Entry, Field, Hash64};

/// Anomalies kept with their positions per partition; the counters go on.
const KEPT_ANOMALIES: usize = 100;

/// A source of entries in log order: a partition reader, or a Vec in tests.
pub trait Feed {
    fn next_entry(&mut self) -> Result<Option<Entry>, Failure>;
}

impl Feed for std::vec::IntoIter<Entry> {
    fn next_entry(&mut self) -> Result<Option<Entry>, Failure> {
        Ok(self.next())
    }
}

#[derive(Clone, Copy, Debug)]
pub struct ReconcileOptions {
    /// Source records held while waiting for their copy; also how far ahead a
    /// content match and a content duplicate are looked for.
    pub window: usize,
    /// The source's low watermark when the read began: provenance below it
    /// names a record the source no longer has.
    pub source_low: i64,
    /// Copies remembered (at least `window`) so that a later copy of the same
    /// record is named a duplicate: how far back an at-least-once redelivery
    /// is recognised without provenance. About 80 bytes each.
    pub memory: usize,
}

impl Default for ReconcileOptions {
    fn default() -> Self {
        ReconcileOptions { window: 10_000, source_low: 0, memory: 100_000 }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SideSummary {
    pub records: u64,
    /// Order-sensitive: the hash of every record's fingerprint in log order.
    pub checksum: u64,
    pub first_offset: Option<i64>,
    pub last_offset: Option<i64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AnomalyKind {
    /// A source record with no copy; `destination_offset` holds the record found in its place.
    Missing,
    /// A destination record that is a copy of nothing on the source.
    Extra,
    /// A second copy of a source record; `first_copy` is the first one when still known.
    Duplicate,
    /// A copy found later than its place (`destination_offset`), at `found_at`.
    OutOfOrder,
    /// A copy whose compared fields differ from its source record.
    Changed,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Anomaly {
    pub kind: AnomalyKind,
    pub source_offset: Option<i64>,
    pub destination_offset: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub found_at: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_copy: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
}

impl Anomaly {
    fn new(kind: AnomalyKind, source_offset: Option<i64>, destination_offset: Option<i64>) -> Self {
        Anomaly { kind, source_offset, destination_offset, found_at: None, first_copy: None, fields: Vec::new() }
    }

    /// Where it shows first: destination position, then source position; a
    /// missing record with no destination record after it sorts last.
    fn position(&self) -> (i64, i64) {
        (self.destination_offset.unwrap_or(i64::MAX), self.source_offset.unwrap_or(i64::MAX))
    }
}

/// Consecutive source records (by position in the log, markers aside) with no copy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct MissingRange {
    pub first_offset: i64,
    pub last_offset: i64,
    pub records: u64,
    #[serde(skip)]
    last_sequence: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PartitionDiff {
    pub source: SideSummary,
    pub destination: SideSummary,
    /// Destination records aligned with a source record (changed ones included).
    pub matched: u64,
    pub missing_records: u64,
    pub missing: Vec<MissingRange>,
    pub extra: u64,
    pub duplicates: u64,
    /// The duplicates as runs of consecutive copies (one per redelivery), the first
    /// [`super::duplicates::KEPT_RANGES`] in destination order.
    pub duplicate_ranges: Vec<DuplicateRange>,
    /// Runs of duplicates past those kept.
    pub duplicate_ranges_beyond: u64,
    pub out_of_order: u64,
    pub changed: u64,
    /// Source records after the last copied one: not copied yet (lag), not lost.
    pub not_yet_copied: Option<MissingRange>,
    /// Destination copies of source records below the source's low watermark.
    pub copies_of_removed: u64,
    pub anomaly_count: u64,
    /// The first `KEPT_ANOMALIES`, in order of position.
    pub anomalies: Vec<Anomaly>,
}

impl PartitionDiff {
    pub fn first_mismatch(&self) -> Option<&Anomaly> {
        self.anomalies.first()
    }

    pub fn is_clean(&self) -> bool {
        self.anomaly_count == 0
    }
}

struct Pending {
    entry: Entry,
    sequence: u64,
    /// The destination offset where this record's copy should have been, once
    /// a later source record's copy was found.
    passed_at: Option<i64>,
}

struct Reconciler {
    options: ReconcileOptions,
    pending: VecDeque<Pending>,
    source_done: bool,
    source_checksum: Hash64,
    destination_checksum: Hash64,
    /// Last source offset pulled; copies at or below it that are not pending were matched or lost.
    source_pulled: Option<i64>,
    /// Recently matched source offset -> destination offset, to name a duplicate's first copy.
    recent_copies: HashMap<i64, i64>,
    /// Recent destination fingerprints -> (destination offset, source offset), for content duplicates.
    recent_content: HashMap<u64, (i64, i64)>,
    recent_order: VecDeque<(i64, u64)>,
    /// How many pending source records hold each fingerprint: a copy whose
    /// content is not pending is known at once, without a scan of the window.
    pending_content: HashMap<u64, u32>,
    duplicate_ranges: RangeCompactor,
    diff: PartitionDiff,
}

/// Reads both feeds to their ends and reports every difference.
pub fn reconcile(
    source: &mut impl Feed,
    destination: &mut impl Feed,
    options: ReconcileOptions,
) -> Result<PartitionDiff, Failure> {
    let options = ReconcileOptions { window: options.window.max(1), ..options };
    let mut state = Reconciler {
        options,
        pending: VecDeque::new(),
        source_done: false,
        source_checksum: Hash64::default(),
        destination_checksum: Hash64::default(),
        source_pulled: None,
        recent_copies: HashMap::new(),
        recent_content: HashMap::new(),
        recent_order: VecDeque::new(),
        pending_content: HashMap::new(),
        duplicate_ranges: RangeCompactor::default(),
        diff: PartitionDiff::default(),
    };
    while let Some(entry) = destination.next_entry()? {
        state.count_destination(&entry);
        match entry.copy_of {
            Some(source_offset) => state.align_by_provenance(source, &entry, source_offset)?,
            None => state.align_by_content(source, &entry)?,
        }
    }
    while state.pull(source, None)? {}
    Ok(state.finish())
}

impl Reconciler {
    fn count_destination(&mut self, entry: &Entry) {
        let side = &mut self.diff.destination;
        side.records += 1;
        side.first_offset.get_or_insert(entry.offset);
        side.last_offset = Some(entry.offset);
        self.destination_checksum.word(entry.fingerprint);
    }

    /// Pulls one source record into the pending window. False at the source's end.
    fn pull(&mut self, source: &mut impl Feed, passing: Option<i64>) -> Result<bool, Failure> {
        if self.source_done {
            return Ok(false);
        }
        let Some(entry) = source.next_entry()? else {
            self.source_done = true;
            return Ok(false);
        };
        let side = &mut self.diff.source;
        let sequence = side.records;
        side.records += 1;
        side.first_offset.get_or_insert(entry.offset);
        side.last_offset = Some(entry.offset);
        self.source_checksum.word(entry.fingerprint);
        self.source_pulled = Some(entry.offset);
        *self.pending_content.entry(entry.fingerprint).or_insert(0) += 1;
        self.pending.push_back(Pending { entry, sequence, passed_at: None });
        while self.pending.len() > self.options.window {
            if let Some(mut lost) = self.pop_pending() {
                lost.passed_at = lost.passed_at.or(passing);
                self.lose(lost);
            }
        }
        Ok(true)
    }

    fn align_by_provenance(&mut self, source: &mut impl Feed, copy: &Entry, source_offset: i64) -> Result<(), Failure> {
        while self.source_pulled.is_none_or(|pulled| pulled < source_offset) && self.pull(source, Some(copy.offset))? {}
        if let Ok(index) = self.pending.binary_search_by_key(&source_offset, |p| p.entry.offset) {
            let original = self.take(index, copy);
            let fields = original.fields.differences(&copy.fields);
            if !fields.is_empty() {
                self.diff.changed += 1;
                let mut anomaly = Anomaly::new(AnomalyKind::Changed, Some(source_offset), Some(copy.offset));
                anomaly.fields = fields;
                self.record(anomaly);
            }
        } else if source_offset < self.options.source_low {
            self.diff.copies_of_removed += 1;
        } else if self.source_pulled.is_some_and(|pulled| source_offset <= pulled)
            && !self.copies_nothing(source_offset)
        {
            self.diff.duplicates += 1;
            let first_copy = self.recent_copies.get(&source_offset).copied();
            self.duplicate_ranges.push(self.diff.destination.records - 1, copy.offset, source_offset, first_copy);
            let mut anomaly = Anomaly::new(AnomalyKind::Duplicate, Some(source_offset), Some(copy.offset));
            anomaly.first_copy = first_copy;
            self.record(anomaly);
        } else {
            self.diff.extra += 1;
            self.record(Anomaly::new(AnomalyKind::Extra, Some(source_offset), Some(copy.offset)));
        }
        Ok(())
    }

    /// A source offset inside the recent window that no source record had: a
    /// copy of a record the source no longer holds (compaction), not a duplicate.
    fn copies_nothing(&self, source_offset: i64) -> bool {
        let oldest = self.recent_order.front().map(|&(offset, _)| offset);
        !self.recent_copies.contains_key(&source_offset) && oldest.is_some_and(|oldest| source_offset > oldest)
    }

    fn align_by_content(&mut self, source: &mut impl Feed, copy: &Entry) -> Result<(), Failure> {
        let mut index = match self.pending_content.contains_key(&copy.fingerprint) {
            true => self.pending.iter().position(|p| p.entry.fingerprint == copy.fingerprint),
            false => None,
        };
        // Look ahead before calling it a duplicate: the source may repeat a content.
        while index.is_none() && self.pending.len() < self.options.window && self.pull(source, None)? {
            index = (self.pending.back().map(|p| p.entry.fingerprint) == Some(copy.fingerprint))
                .then(|| self.pending.len() - 1);
        }
        if let Some(index) = index {
            self.take(index, copy);
        } else if let Some(&(first_copy, source_offset)) = self.recent_content.get(&copy.fingerprint) {
            self.diff.duplicates += 1;
            let sequence = self.diff.destination.records - 1;
            self.duplicate_ranges.push(sequence, copy.offset, source_offset, Some(first_copy));
            let mut anomaly = Anomaly::new(AnomalyKind::Duplicate, Some(source_offset), Some(copy.offset));
            anomaly.first_copy = Some(first_copy);
            self.record(anomaly);
        } else {
            self.diff.extra += 1;
            self.record(Anomaly::new(AnomalyKind::Extra, None, Some(copy.offset)));
        }
        Ok(())
    }

    /// Matches `pending[index]` with `copy`; the source records before it were passed over.
    fn take(&mut self, index: usize, copy: &Entry) -> Entry {
        for passed in self.pending.iter_mut().take(index) {
            passed.passed_at.get_or_insert(copy.offset);
        }
        let Some(taken) = self.pending.remove(index) else { return copy.to_owned() };
        self.forget_pending(taken.entry.fingerprint);
        self.diff.matched += 1;
        if let Some(expected_at) = taken.passed_at {
            self.diff.out_of_order += 1;
            let mut anomaly = Anomaly::new(AnomalyKind::OutOfOrder, Some(taken.entry.offset), Some(expected_at));
            anomaly.found_at = Some(copy.offset);
            self.record(anomaly);
        }
        self.remember(taken.entry.offset, copy);
        taken.entry
    }

    fn remember(&mut self, source_offset: i64, copy: &Entry) {
        self.recent_copies.insert(source_offset, copy.offset);
        self.recent_content.insert(copy.fingerprint, (copy.offset, source_offset));
        self.recent_order.push_back((source_offset, copy.fingerprint));
        if self.recent_order.len() > self.options.window.max(self.options.memory) {
            if let Some((old_offset, old_fingerprint)) = self.recent_order.pop_front() {
                self.recent_copies.remove(&old_offset);
                if self.recent_content.get(&old_fingerprint).is_some_and(|&(_, s)| s == old_offset) {
                    self.recent_content.remove(&old_fingerprint);
                }
            }
        }
    }

    fn pop_pending(&mut self) -> Option<Pending> {
        let popped = self.pending.pop_front()?;
        self.forget_pending(popped.entry.fingerprint);
        Some(popped)
    }

    fn forget_pending(&mut self, fingerprint: u64) {
        if let Some(count) = self.pending_content.get_mut(&fingerprint) {
            *count -= 1;
            if *count == 0 {
                self.pending_content.remove(&fingerprint);
            }
        }
    }

    fn lose(&mut self, lost: Pending) {
        let Some(expected_at) = lost.passed_at else {
            let tail = self.diff.not_yet_copied.get_or_insert(MissingRange {
                first_offset: lost.entry.offset,
                last_offset: lost.entry.offset,
                records: 0,
                last_sequence: lost.sequence,
            });
            tail.last_offset = lost.entry.offset;
            tail.records += 1;
            return;
        };
        self.diff.missing_records += 1;
        match self.diff.missing.last_mut() {
            Some(range) if range.last_sequence + 1 == lost.sequence => {
                range.last_offset = lost.entry.offset;
                range.last_sequence = lost.sequence;
                range.records += 1;
            }
            _ => self.diff.missing.push(MissingRange {
                first_offset: lost.entry.offset,
                last_offset: lost.entry.offset,
                records: 1,
                last_sequence: lost.sequence,
            }),
        }
        self.record(Anomaly::new(AnomalyKind::Missing, Some(lost.entry.offset), Some(expected_at)));
    }

    fn record(&mut self, anomaly: Anomaly) {
        self.diff.anomaly_count += 1;
        let anomalies = &mut self.diff.anomalies;
        let at = anomalies.partition_point(|kept| kept.position() <= anomaly.position());
        if at < KEPT_ANOMALIES {
            anomalies.insert(at, anomaly);
            anomalies.truncate(KEPT_ANOMALIES);
        }
    }

    fn finish(mut self) -> PartitionDiff {
        while let Some(lost) = self.pop_pending() {
            self.lose(lost);
        }
        let (ranges, beyond) = std::mem::take(&mut self.duplicate_ranges).finish();
        (self.diff.duplicate_ranges, self.diff.duplicate_ranges_beyond) = (ranges, beyond);
        self.diff.source.checksum = self.source_checksum.finish();
        self.diff.destination.checksum = self.destination_checksum.finish();
        self.diff
    }
}

#[cfg(test)]
#[path = "reconcile_tests.rs"]
mod tests;
