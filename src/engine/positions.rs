//! Where a partition's next source offset stands once the reader has passed
//! transaction markers. A source written in transactions ends its log with a
//! commit or abort marker, which takes an offset but is never handed out as a
//! record; aborted records are skipped too. "Last copied offset + 1" then
//! stops short of the log end for ever, so lag never reaches 0. The reader's
//! position (librdkafka moves it past control records) is the truth.

use std::collections::{BTreeMap, BTreeSet};

use super::assignment::TopicPartition;
use super::lane::PartitionCursor;

/// Partitions whose position may have moved past a marker: those the batch
/// touched, and those that look behind the source's end while nothing
/// arrives for them (a log ending in a marker looks exactly like that).
/// Paused topics are left out: their lag is real.
pub fn marker_candidates<'a>(
    cursors: &'a BTreeMap<TopicPartition, PartitionCursor>,
    touched: &BTreeSet<&TopicPartition>,
    paused: &BTreeSet<String>,
) -> Vec<&'a TopicPartition> {
    cursors
        .iter()
        .filter(|(tp, cursor)| touched.contains(tp) || (!paused.contains(&tp.topic) && looks_behind(cursor)))
        .map(|(tp, _)| tp)
        .collect()
}

fn looks_behind(cursor: &PartitionCursor) -> bool {
    let high = cursor.source_high_watermark;
    high > 0 && cursor.next_offset.is_none_or(|next| next < high)
}

/// Moves each cursor to its read position where that is further on.
/// Returns whether any moved. A position is never taken backwards: the
/// cursor already counts every record copied before it.
pub fn advance_to_positions<'a>(
    cursors: &mut BTreeMap<TopicPartition, PartitionCursor>,
    positions: impl IntoIterator<Item = (&'a TopicPartition, Option<i64>)>,
) -> bool {
    let mut moved = false;
    for (tp, position) in positions {
        let (Some(position), Some(cursor)) = (position, cursors.get_mut(tp)) else { continue };
        if cursor.next_offset.is_none_or(|next| position > next) {
            cursor.next_offset = Some(position);
            moved = true;
        }
    }
    moved
}

/// Whether [`advance_to_positions`] would move any cursor.
pub fn moves_any<'a>(
    cursors: &BTreeMap<TopicPartition, PartitionCursor>,
    positions: impl IntoIterator<Item = (&'a TopicPartition, Option<i64>)>,
) -> bool {
    positions.into_iter().any(|(tp, position)| {
        let (Some(position), Some(cursor)) = (position, cursors.get(tp)) else { return false };
        cursor.next_offset.is_none_or(|next| position > next)
    })
}

/// The partitions whose position or count differs between two cursor sets
/// with the same partitions: what a batch must record in the state topic.
pub fn changed<'a>(
    before: &BTreeMap<TopicPartition, PartitionCursor>,
    after: &'a BTreeMap<TopicPartition, PartitionCursor>,
) -> Vec<&'a TopicPartition> {
    after
        .iter()
        .filter(|(tp, cursor)| {
            before.get(tp).is_none_or(|old| old.next_offset != cursor.next_offset || old.records != cursor.records)
        })
        .map(|(tp, _)| tp)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cursor(next: Option<i64>, high: i64) -> PartitionCursor {
        PartitionCursor {
            destination_topic: "d".into(),
            next_offset: next,
            records: 0,
            source_high_watermark: high,
            source_low_watermark: 0,
        }
    }

    fn cursors(entries: &[(&str, i32, Option<i64>, i64)]) -> BTreeMap<TopicPartition, PartitionCursor> {
        entries.iter().map(|&(t, p, next, high)| (TopicPartition::new(t, p), cursor(next, high))).collect()
    }

    #[test]
    fn candidates_are_touched_or_behind_and_not_paused() {
        let all = cursors(&[
            ("a", 0, Some(10), 10), // caught up, untouched
            ("a", 1, Some(10), 11), // a marker may follow the last record
            ("a", 2, Some(5), 5),   // touched by the batch
            ("a", 3, None, 0),      // empty partition
            ("a", 4, None, 3),      // nothing copied yet, the log is not empty
            ("a", 5, Some(7), -1),  // watermark not known yet
            ("b", 0, Some(1), 9),   // behind, but its topic is paused
        ]);
        let touched_tp = TopicPartition::new("a", 2);
        let touched = BTreeSet::from([&touched_tp]);
        let paused = BTreeSet::from(["b".to_string()]);
        let found: Vec<String> = marker_candidates(&all, &touched, &paused).iter().map(|tp| tp.to_string()).collect();
        assert_eq!(found, ["a/1", "a/2", "a/4"]);
    }

    #[test]
    fn positions_only_move_cursors_forward() {
        let mut all =
            cursors(&[("a", 0, Some(10), 12), ("a", 1, Some(10), 12), ("a", 2, None, 4), ("a", 3, Some(4), 9)]);
        let tps: Vec<TopicPartition> = (0..5).map(|p| TopicPartition::new("a", p)).collect();
        // a/0 passed a commit marker at 10; a/1's position is behind (a rewind never comes from here);
        // a/2 read an aborted transaction and its marker; a/3 has no position yet; a/4 is not a cursor.
        let positions =
            [(&tps[0], Some(11)), (&tps[1], Some(9)), (&tps[2], Some(4)), (&tps[3], None), (&tps[4], Some(3))];
        assert!(moves_any(&all, positions));
        assert!(advance_to_positions(&mut all, positions));
        let next: Vec<Option<i64>> = all.values().map(|c| c.next_offset).collect();
        assert_eq!(next, [Some(11), Some(10), Some(4), Some(4)]);
        assert!(!advance_to_positions(&mut all, [(&tps[0], Some(11))]), "the same position again moves nothing");
        assert!(!moves_any(&all, [(&tps[0], Some(11)), (&tps[1], Some(10)), (&tps[3], None)]));
    }

    #[test]
    fn changed_lists_moved_positions_and_counts() {
        let before = cursors(&[("a", 0, Some(10), 12), ("a", 1, Some(10), 12), ("a", 2, None, 4)]);
        let mut after = before.clone();
        after.get_mut(&TopicPartition::new("a", 0)).unwrap().next_offset = Some(12);
        after.get_mut(&TopicPartition::new("a", 2)).unwrap().records = 3;
        let found: Vec<String> = changed(&before, &after).iter().map(|tp| tp.to_string()).collect();
        assert_eq!(found, ["a/0", "a/2"]);
    }
}
