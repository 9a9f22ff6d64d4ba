//! Duplicates as ranges, not records. An at-least-once replicator (Confluent
//! Replicator, MirrorMaker 2, any Connect source connector) that restarts
//! resumes from its last committed source position and copies again what it
//! had already copied since: on the destination, a run of consecutive records
//! repeats a run of consecutive source records. One restart is one range,
//! however many records it repeats, so a partition's report stays a few lines
//! and a few bytes on a 700M-record estate.

use serde::Serialize;

/// Ranges kept with their offsets per partition; the rest are counted.
pub const KEPT_RANGES: usize = 100;

/// The widest step between two source offsets of one range: transaction
/// markers and aborted records take source offsets that no copy repeats.
pub const SOURCE_GAP: i64 = 16;

/// Consecutive destination records that are all second (or later) copies of
/// consecutive source records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct DuplicateRange {
    pub destination_first: i64,
    pub destination_last: i64,
    pub source_first: i64,
    pub source_last: i64,
    pub records: u64,
    /// Where the first copy of `source_first` is on the destination, when still known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_copy_at: Option<i64>,
    /// The destination record's position among the records read (offsets skip markers).
    #[serde(skip)]
    last_sequence: u64,
}

impl DuplicateRange {
    fn start(sequence: u64, destination_offset: i64, source_offset: i64, first_copy_at: Option<i64>) -> Self {
        DuplicateRange {
            destination_first: destination_offset,
            destination_last: destination_offset,
            source_first: source_offset,
            source_last: source_offset,
            records: 1,
            first_copy_at,
            last_sequence: sequence,
        }
    }

    /// The next destination record, repeating a source record just after this range's last.
    fn extends_to(&self, sequence: u64, source_offset: i64) -> bool {
        sequence == self.last_sequence + 1
            && source_offset > self.source_last
            && source_offset - self.source_last <= SOURCE_GAP
    }

    /// `destination offsets 5000..=6199 repeat source offsets 3000..=4199`
    pub fn positions(&self) -> String {
        let span = |first: i64, last: i64| match first == last {
            true => format!("offset {first}"),
            false => format!("offsets {first}..={last}"),
        };
        let verb = if self.records == 1 { "repeats" } else { "repeat" };
        format!(
            "destination {} {verb} source {}",
            span(self.destination_first, self.destination_last),
            span(self.source_first, self.source_last)
        )
    }

    /// [`Self::positions`], where the first copies are, and the record count.
    pub fn describe(&self) -> String {
        let records = if self.records == 1 { "record" } else { "records" };
        let first =
            self.first_copy_at.map_or_else(String::new, |at| format!(", first copied at destination offset {at}"));
        format!("{}{first} ({} {records})", self.positions(), self.records)
    }
}

/// Folds duplicates, in destination order, into ranges; bounded by [`KEPT_RANGES`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RangeCompactor {
    open: Option<DuplicateRange>,
    kept: Vec<DuplicateRange>,
    beyond: u64,
}

impl RangeCompactor {
    /// One duplicate: the `sequence`-th destination record read, at
    /// `destination_offset`, another copy of `source_offset`, first copied at `first_copy_at`.
    pub fn push(&mut self, sequence: u64, destination_offset: i64, source_offset: i64, first_copy_at: Option<i64>) {
        if let Some(open) = &mut self.open {
            if open.extends_to(sequence, source_offset) {
                open.destination_last = destination_offset;
                open.source_last = source_offset;
                open.last_sequence = sequence;
                open.records += 1;
                return;
            }
        }
        self.close();
        self.open = Some(DuplicateRange::start(sequence, destination_offset, source_offset, first_copy_at));
    }

    fn close(&mut self) {
        if let Some(range) = self.open.take() {
            match self.kept.len() < KEPT_RANGES {
                true => self.kept.push(range),
                false => self.beyond += 1,
            }
        }
    }

    /// The kept ranges in destination order, and how many more there were.
    pub fn finish(mut self) -> (Vec<DuplicateRange>, u64) {
        self.close();
        (self.kept, self.beyond)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (destination first, destination last, source first, source last, records)
    type Span = (i64, i64, i64, i64, u64);

    fn fold(duplicates: &[(u64, i64, i64)]) -> (Vec<Span>, u64) {
        let mut compactor = RangeCompactor::default();
        for &(sequence, destination, source) in duplicates {
            compactor.push(sequence, destination, source, None);
        }
        let (ranges, beyond) = compactor.finish();
        let ranges =
            ranges.iter().map(|r| (r.destination_first, r.destination_last, r.source_first, r.source_last, r.records));
        (ranges.collect(), beyond)
    }

    #[test]
    fn a_redelivered_run_is_one_range() {
        let run: Vec<(u64, i64, i64)> = (0..1_200).map(|i| (5_000 + i as u64, 5_000 + i, 3_000 + i)).collect();
        assert_eq!(fold(&run), (vec![(5_000, 6_199, 3_000, 4_199, 1_200)], 0));
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert_eq!(fold(&[]), (vec![], 0));
    }

    #[test]
    fn a_single_duplicate_is_a_range_of_one() {
        assert_eq!(fold(&[(7, 7, 3)]), (vec![(7, 7, 3, 3, 1)], 0));
    }

    #[test]
    fn a_range_keeps_where_its_first_record_was_first_copied() {
        let mut compactor = RangeCompactor::default();
        compactor.push(10, 10, 4, Some(4));
        compactor.push(11, 11, 5, Some(5));
        compactor.push(13, 13, 0, None);
        let (ranges, _) = compactor.finish();
        assert_eq!(ranges.iter().map(|r| r.first_copy_at).collect::<Vec<_>>(), [Some(4), None]);
    }

    #[test]
    fn a_clean_record_between_two_runs_splits_them() {
        // Destination sequence 3 was not a duplicate.
        assert_eq!(fold(&[(1, 1, 0), (2, 2, 1), (4, 4, 2)]), (vec![(1, 2, 0, 1, 2), (4, 4, 2, 2, 1)], 0));
    }

    #[test]
    fn markers_on_either_side_do_not_split_a_range() {
        // Destination offsets skip markers (sequence is consecutive), source offsets skip a commit marker.
        assert_eq!(fold(&[(10, 20, 100), (11, 22, 101), (12, 24, 103)]), (vec![(20, 24, 100, 103, 3)], 0));
    }

    #[test]
    fn a_jump_back_or_far_ahead_on_the_source_starts_a_new_range() {
        // Two restarts back to back: 0..=2 again, then 0..=1 a third time.
        let twice = [(3, 3, 0), (4, 4, 1), (5, 5, 2), (6, 6, 0), (7, 7, 1)];
        assert_eq!(fold(&twice), (vec![(3, 5, 0, 2, 3), (6, 7, 0, 1, 2)], 0));
        let far = [(0, 0, 0), (1, 1, SOURCE_GAP), (2, 2, 2 * SOURCE_GAP)];
        assert_eq!(fold(&far).0.len(), 1, "a gap of SOURCE_GAP still joins");
        let farther = [(0, 0, 0), (1, 1, 1 + SOURCE_GAP)];
        assert_eq!(fold(&farther).0.len(), 2, "a wider gap splits");
        assert_eq!(fold(&[(0, 0, 5), (1, 1, 5)]).0.len(), 2, "the same source record twice is two ranges");
    }

    #[test]
    fn ranges_past_the_cap_are_counted_not_kept() {
        // Every other destination record a duplicate: one range each.
        let scattered: Vec<(u64, i64, i64)> = (0..250).map(|i| (i as u64 * 2, i * 2, i)).collect();
        let (ranges, beyond) = fold(&scattered);
        assert_eq!((ranges.len(), beyond), (KEPT_RANGES, 150));
        assert_eq!(ranges[0], (0, 0, 0, 0, 1));
        assert_eq!(ranges[KEPT_RANGES - 1], (198, 198, 99, 99, 1));
    }

    #[test]
    fn a_million_duplicates_in_one_run_stay_one_range() {
        let mut compactor = RangeCompactor::default();
        for i in 0..1_000_000i64 {
            compactor.push(i as u64, i, i, None);
        }
        let (ranges, beyond) = compactor.finish();
        assert_eq!((ranges.len(), beyond, ranges[0].records), (1, 0, 1_000_000));
    }

    #[test]
    fn descriptions_read_as_sentences() {
        let range = DuplicateRange::start(0, 5_000, 3_000, None);
        assert_eq!(range.describe(), "destination offset 5000 repeats source offset 3000 (1 record)");
        let long = DuplicateRange { destination_last: 6_199, source_last: 4_199, records: 1_200, ..range };
        assert_eq!(long.describe(), "destination offsets 5000..=6199 repeat source offsets 3000..=4199 (1200 records)");
        let known = DuplicateRange { first_copy_at: Some(3_000), ..long };
        assert_eq!(
            known.describe(),
            "destination offsets 5000..=6199 repeat source offsets 3000..=4199, first copied at destination offset 3000 (1200 records)"
        );
    }
}
