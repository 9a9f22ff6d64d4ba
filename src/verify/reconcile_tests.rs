use super::*;
use crate::verify::fingerprint::Fields;

/// Source record `n` at offset `n`, content derived from `n`.
fn record(n: i64) -> Fields {
    Fields { key: n as u64 * 7 + 1, value: n as u64 * 13 + 2, headers: 3, timestamp: 1_000 + n }
}

fn source(offsets: impl IntoIterator<Item = i64>) -> Vec<Entry> {
    offsets.into_iter().map(|n| Entry::new(n, None, record(n))).collect()
}

/// Exact copies at destination offsets 0.. of the given source offsets, with provenance.
fn copies(of: &[i64]) -> Vec<Entry> {
    of.iter().enumerate().map(|(at, &n)| Entry::new(at as i64, Some(n), record(n))).collect()
}

/// Copies without provenance (another tool, or provenance off).
fn plain_copies(of: &[i64]) -> Vec<Entry> {
    of.iter().enumerate().map(|(at, &n)| Entry::new(at as i64, None, record(n))).collect()
}

fn run(source: Vec<Entry>, destination: Vec<Entry>) -> PartitionDiff {
    run_with(source, destination, ReconcileOptions::default())
}

fn run_with(source: Vec<Entry>, destination: Vec<Entry>, options: ReconcileOptions) -> PartitionDiff {
    reconcile(&mut source.into_iter(), &mut destination.into_iter(), options).expect("vectors never fail")
}

fn kinds(diff: &PartitionDiff) -> Vec<(AnomalyKind, Option<i64>, Option<i64>)> {
    diff.anomalies.iter().map(|a| (a.kind, a.source_offset, a.destination_offset)).collect()
}

fn range(n: i64) -> Vec<i64> {
    (0..n).collect()
}

#[test]
fn identical_streams_match_with_and_without_provenance() {
    for destination in [copies(&range(50)), plain_copies(&range(50))] {
        let diff = run(source(0..50), destination);
        assert!(diff.is_clean(), "{diff:#?}");
        assert_eq!((diff.source.records, diff.destination.records, diff.matched), (50, 50, 50));
        assert_eq!(diff.source.checksum, diff.destination.checksum);
        assert_eq!(diff.not_yet_copied, None);
        assert_eq!(diff.first_mismatch(), None);
    }
}

#[test]
fn offsets_shifted_by_transaction_markers_still_match() {
    // Source offsets skip markers (0,1,2, 4,5,6, 8..), and so do the destination's, differently.
    let source_offsets: Vec<i64> = (0..30).filter(|n| n % 4 != 3).collect();
    let mut destination = copies(&source_offsets);
    for (i, entry) in destination.iter_mut().enumerate() {
        entry.offset = i as i64 * 2;
    }
    let diff = run(source(source_offsets.iter().copied()), destination);
    assert!(diff.is_clean(), "{diff:#?}");
    assert_eq!(diff.source.checksum, diff.destination.checksum);
}

#[test]
fn empty_sides() {
    assert!(run(vec![], vec![]).is_clean());
    let diff = run(source(0..5), vec![]);
    assert!(diff.is_clean(), "nothing copied yet is lag, not loss");
    let tail = diff.not_yet_copied.expect("tail");
    assert_eq!((tail.first_offset, tail.last_offset, tail.records), (0, 4, 5));
}

#[test]
fn a_deleted_record_is_missing_where_it_should_have_been() {
    let kept: Vec<i64> = range(20).into_iter().filter(|&n| n != 7).collect();
    for destination in [copies(&kept), plain_copies(&kept)] {
        let diff = run(source(0..20), destination);
        assert_eq!(kinds(&diff), vec![(AnomalyKind::Missing, Some(7), Some(7))], "{diff:#?}");
        assert_eq!(diff.missing_records, 1);
        assert_eq!((diff.missing[0].first_offset, diff.missing[0].last_offset), (7, 7));
        assert_eq!((diff.source.records, diff.destination.records), (20, 19));
        assert_eq!(diff.out_of_order, 0);
    }
}

#[test]
fn a_deleted_range_is_one_range_and_markers_do_not_split_it() {
    let source_offsets: Vec<i64> = vec![0, 1, 2, 4, 5, 6, 8, 9];
    let kept = vec![0, 1, 8, 9];
    let diff = run(source(source_offsets), copies(&kept));
    assert_eq!(diff.missing.len(), 1, "{:#?}", diff.missing);
    assert_eq!((diff.missing[0].first_offset, diff.missing[0].last_offset, diff.missing[0].records), (2, 6, 4));
    assert_eq!(diff.first_mismatch().map(|a| (a.source_offset, a.destination_offset)), Some((Some(2), Some(2))));
}

#[test]
fn an_extra_record_is_named_by_its_destination_offset() {
    let mut destination = copies(&range(10));
    destination.insert(4, Entry::new(0, None, Fields { key: 99, value: 99, headers: 0, timestamp: 5 }));
    for (i, entry) in destination.iter_mut().enumerate() {
        entry.offset = i as i64;
    }
    let diff = run(source(0..10), destination);
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Extra, None, Some(4))], "{diff:#?}");
    assert_eq!((diff.extra, diff.matched), (1, 10));
}

#[test]
fn provenance_beyond_the_source_is_extra() {
    let mut destination = copies(&range(5));
    destination.push(Entry::new(5, Some(40), record(40)));
    let diff = run(source(0..5), destination);
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Extra, Some(40), Some(5))]);
}

#[test]
fn a_duplicated_record_names_both_copies() {
    let with_duplicate = [0, 1, 2, 3, 3, 4, 5];
    let diff = run(source(0..6), copies(&with_duplicate));
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Duplicate, Some(3), Some(4))], "{diff:#?}");
    assert_eq!(diff.anomalies[0].first_copy, Some(3));
    assert_eq!(diff.duplicates, 1);
    let diff = run(source(0..6), plain_copies(&with_duplicate));
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Duplicate, Some(3), Some(4))], "{diff:#?}");
    assert_eq!(diff.anomalies[0].first_copy, Some(3));
}

#[test]
fn a_duplicate_far_behind_is_still_a_duplicate_by_provenance() {
    let mut of = range(100);
    of.push(2);
    let diff = run_with(source(0..100), copies(&of), ReconcileOptions { window: 10, source_low: 0, memory: 0 });
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Duplicate, Some(2), Some(100))]);
    assert_eq!(diff.anomalies[0].first_copy, None, "beyond the window the first copy is forgotten");
}

#[test]
fn a_reordered_pair_is_out_of_order_not_missing() {
    let swapped = [0, 1, 2, 3, 4, 6, 5, 7, 8];
    for destination in [copies(&swapped), plain_copies(&swapped)] {
        let diff = run(source(0..9), destination);
        assert_eq!(kinds(&diff), vec![(AnomalyKind::OutOfOrder, Some(5), Some(5))], "{diff:#?}");
        assert_eq!(diff.anomalies[0].found_at, Some(6));
        assert_eq!((diff.missing_records, diff.out_of_order, diff.matched), (0, 1, 9));
        assert_ne!(diff.source.checksum, diff.destination.checksum, "the checksum is order-sensitive");
    }
}

#[test]
fn changed_fields_are_named() {
    type Change = fn(&mut Fields);
    let cases: [(Change, Vec<Field>); 4] = [
        (|f| f.headers ^= 1, vec![Field::Headers]),
        (|f| f.timestamp += 1, vec![Field::Timestamp]),
        (|f| f.key ^= 1, vec![Field::Key]),
        (
            |f| {
                f.value ^= 1;
                f.timestamp = -1
            },
            vec![Field::Value, Field::Timestamp],
        ),
    ];
    for (change, fields) in cases {
        let mut destination = copies(&range(10));
        let mut altered = destination[6].fields;
        change(&mut altered);
        destination[6] = Entry::new(6, Some(6), altered);
        let diff = run(source(0..10), destination);
        assert_eq!(kinds(&diff), vec![(AnomalyKind::Changed, Some(6), Some(6))], "{diff:#?}");
        assert_eq!(diff.anomalies[0].fields, fields);
        assert_eq!((diff.changed, diff.matched), (1, 10));
    }
}

#[test]
fn without_provenance_a_change_is_an_extra_and_a_missing() {
    let mut destination = plain_copies(&range(10));
    let mut altered = destination[6].fields;
    altered.headers ^= 1;
    destination[6] = Entry::new(6, None, altered);
    let diff = run(source(0..10), destination);
    assert_eq!(
        kinds(&diff),
        vec![(AnomalyKind::Extra, None, Some(6)), (AnomalyKind::Missing, Some(6), Some(7))],
        "{diff:#?}"
    );
}

#[test]
fn repeated_source_content_copied_faithfully_is_clean() {
    let same = Fields { key: 1, value: 1, headers: 1, timestamp: 1 };
    let source: Vec<Entry> = (0..6).map(|n| Entry::new(n, None, same)).collect();
    let destination: Vec<Entry> = (0..6).map(|n| Entry::new(n + 10, None, same)).collect();
    let diff = run(source, destination);
    assert!(diff.is_clean(), "{diff:#?}");
}

#[test]
fn an_uncopied_tail_is_lag_and_a_gap_before_it_is_not() {
    let diff = run(source(0..10), copies(&range(6)));
    assert!(diff.is_clean());
    let tail = diff.not_yet_copied.expect("tail");
    assert_eq!((tail.first_offset, tail.last_offset, tail.records), (6, 9, 4));

    let diff = run(source(0..10), copies(&[0, 1, 3, 4]));
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Missing, Some(2), Some(2))]);
    assert_eq!(diff.not_yet_copied.map(|t| t.records), Some(5));
}

#[test]
fn copies_of_records_removed_by_source_retention_are_counted_apart() {
    let diff = run_with(source(5..10), copies(&range(10)), ReconcileOptions { window: 100, source_low: 5, memory: 0 });
    assert!(diff.is_clean(), "{diff:#?}");
    assert_eq!((diff.copies_of_removed, diff.matched), (5, 5));
}

#[test]
fn a_gap_wider_than_the_window_stays_bounded_and_exact() {
    let kept: Vec<i64> = (0..100).chain(600..700).collect();
    let diff = run_with(source(0..700), copies(&kept), ReconcileOptions { window: 50, source_low: 0, memory: 0 });
    assert_eq!(diff.missing_records, 500);
    assert_eq!(diff.missing.len(), 1);
    assert_eq!((diff.missing[0].first_offset, diff.missing[0].last_offset), (100, 599));
    assert_eq!(diff.first_mismatch().map(|a| (a.source_offset, a.destination_offset)), Some((Some(100), Some(100))));
    assert_eq!(diff.matched, 200);
    assert_eq!(diff.anomaly_count, 500);
    assert_eq!(diff.anomalies.len(), KEPT_ANOMALIES, "kept anomalies are capped");
}

#[test]
fn content_search_is_bounded_by_the_window() {
    // An extra record far from anything: the lookahead stops at the window, and the
    // records pulled while looking are matched afterwards.
    let mut destination = vec![Entry::new(0, None, Fields { key: 5, value: 5, headers: 5, timestamp: 5 })];
    destination.extend(plain_copies(&range(30)).into_iter().map(|e| Entry { offset: e.offset + 1, ..e }));
    let diff = run_with(source(0..30), destination, ReconcileOptions { window: 8, source_low: 0, memory: 0 });
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Extra, None, Some(0))], "{diff:#?}");
    assert_eq!(diff.matched, 30);
}

#[test]
fn first_mismatch_is_the_earliest_position_not_the_earliest_found() {
    // The missing record 2 is only known after the window passes; the duplicate at 8 is found first.
    let of = [0, 1, 3, 4, 5, 6, 7, 7, 8, 9];
    let diff = run_with(source(0..10), copies(&of), ReconcileOptions { window: 3, source_low: 0, memory: 0 });
    assert_eq!(
        kinds(&diff),
        vec![(AnomalyKind::Missing, Some(2), Some(2)), (AnomalyKind::Duplicate, Some(7), Some(7))],
        "{diff:#?}"
    );
}

#[test]
fn checksums_are_order_sensitive_and_content_sensitive() {
    let a = run(source(0..10), vec![]);
    let b = run(source([1, 0, 2, 3, 4, 5, 6, 7, 8, 9]), vec![]);
    assert_ne!(a.source.checksum, b.source.checksum);
    let mut changed = source(0..10);
    changed[9] = Entry::new(9, None, Fields { timestamp: 0, ..record(9) });
    assert_ne!(run(changed, vec![]).source.checksum, a.source.checksum);
    assert_eq!(run(source(0..10), vec![]).source.checksum, a.source.checksum);
}

#[test]
fn a_copy_of_a_record_the_source_compacted_away_is_extra_not_duplicate() {
    // The source log cleaner removed offset 4 after the copy: the destination's copy names it.
    let source_offsets: Vec<i64> = (0..10).filter(|&n| n != 4).collect();
    let diff = run(source(source_offsets), copies(&range(10)));
    assert_eq!(kinds(&diff), vec![(AnomalyKind::Extra, Some(4), Some(4))], "{diff:#?}");
}

/// What an at-least-once copier leaves after `restarts`: it copied up to each
/// `copied_to`, then resumed from the earlier `committed` and copied again.
fn redelivered(total: i64, restarts: &[(i64, i64)]) -> Vec<i64> {
    let mut of = Vec::new();
    let mut next = 0;
    for &(copied_to, committed) in restarts {
        of.extend(next..copied_to);
        next = committed;
    }
    of.extend(next..total);
    of
}

fn ranges(diff: &PartitionDiff) -> Vec<(i64, i64, i64, i64, u64)> {
    diff.duplicate_ranges
        .iter()
        .map(|r| (r.destination_first, r.destination_last, r.source_first, r.source_last, r.records))
        .collect()
}

#[test]
fn a_restart_from_the_last_commit_is_one_duplicate_range_with_both_positions() {
    // Copied 0..4200, killed, resumed from its commit at 3000: destination 4200..=5399 repeat 3000..=4199.
    let of = redelivered(6_000, &[(4_200, 3_000)]);
    for destination in [copies(&of), plain_copies(&of)] {
        let diff = run(source(0..6_000), destination);
        assert_eq!(diff.duplicates, 1_200, "{:?}", ranges(&diff));
        assert_eq!(ranges(&diff), vec![(4_200, 5_399, 3_000, 4_199, 1_200)]);
        assert_eq!((diff.missing_records, diff.extra, diff.matched), (0, 0, 6_000));
        assert_eq!(diff.duplicate_ranges_beyond, 0);
    }
}

#[test]
fn several_restarts_are_several_ranges_in_destination_order() {
    let of = redelivered(300, &[(100, 90), (200, 150), (250, 240)]);
    let diff = run(source(0..300), plain_copies(&of));
    assert_eq!(diff.duplicates, 10 + 50 + 10);
    assert_eq!(ranges(&diff), vec![(100, 109, 90, 99, 10), (210, 259, 150, 199, 50), (310, 319, 240, 249, 10)]);
}

#[test]
fn a_topic_copied_six_times_over_reports_five_ranges() {
    // The reference day: a copier that restarted from the beginning five times.
    let of: Vec<i64> = (0..6).flat_map(|_| 0..1_000).collect();
    let diff = run(source(0..1_000), plain_copies(&of));
    assert_eq!((diff.duplicates, diff.extra, diff.matched), (5_000, 0, 1_000));
    assert_eq!(diff.duplicate_ranges.len(), 5);
    assert_eq!(ranges(&diff)[4], (5_000, 5_999, 0, 999, 1_000));
}

#[test]
fn a_redelivery_older_than_the_memory_is_extra_without_provenance() {
    let of = redelivered(100, &[(60, 10)]);
    let options = ReconcileOptions { window: 5, source_low: 0, memory: 20 };
    let diff = run_with(source(0..100), plain_copies(&of), options);
    // Copies of 10..=39 fell out of the 20 remembered: extra; 40..=59 are named duplicates.
    assert_eq!((diff.extra, diff.duplicates), (30, 20), "{:?}", ranges(&diff));
    assert_eq!(ranges(&diff), vec![(90, 109, 40, 59, 20)]);
    let diff = run_with(source(0..100), copies(&of), options);
    assert_eq!((diff.extra, diff.duplicates), (0, 50), "provenance needs no memory");
}

#[test]
fn a_clean_copy_has_no_ranges() {
    let diff = run(source(0..500), plain_copies(&range(500)));
    assert!(diff.is_clean() && diff.duplicate_ranges.is_empty() && diff.duplicate_ranges_beyond == 0);
}
