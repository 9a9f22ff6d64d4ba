//! Known causes of differences, told apart from real ones: records removed by
//! source retention, compacted topics, excluded topics and records still in
//! flight. Everything else is a mismatch.

use serde::Serialize;

use super::reconcile::{AnomalyKind, PartitionDiff};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Same records, same order, nothing left to copy.
    Match,
    /// Differences, every one with a known cause (listed in the notes).
    Explained,
    /// At least one difference without a known cause.
    Mismatch,
}

impl Verdict {
    pub fn symbol(self) -> &'static str {
        match self {
            Verdict::Match => "✓",
            Verdict::Explained => "≈",
            Verdict::Mismatch => "✗",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Verdict::Match => "match",
            Verdict::Explained => "explained",
            Verdict::Mismatch => "MISMATCH",
        }
    }
}

/// Who records how far the copy got: kdeck's engine (its state topic) or
/// another runner (Replicator's group, MirrorMaker 2's offsets topic, a
/// Connect connector's offsets), named by its plan `[runner] kind`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keeper {
    #[default]
    Engine,
    Runner(&'static str),
}

/// What the verifier knows about a partition besides its records.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartitionContext {
    /// The source's low watermark when the read began.
    pub source_low: i64,
    /// `cleanup.policy` includes `compact` on the source topic.
    pub compacted: bool,
    /// The next source offset the keeper says it committed; `None` when it
    /// records no position for this partition (never replicated, or state lost).
    pub committed: Option<i64>,
    pub keeper: Keeper,
}

/// The verdict and one note per explained cause, in a fixed order.
pub fn explain(diff: &PartitionDiff, context: PartitionContext) -> (Verdict, Vec<String>) {
    let mut notes = Vec::new();
    let mut explained = false;
    if context.source_low > 0 {
        explained = true;
        notes.push(format!(
            "source offsets below {} were removed by retention before this check; only what the source still holds is compared",
            context.source_low
        ));
    }
    if diff.copies_of_removed > 0 {
        explained = true;
        notes.push(format!(
            "{} destination records are copies of source records since removed by retention",
            diff.copies_of_removed
        ));
    }
    // Records after the last copy are in flight only when the engine's own state says
    // it has not committed them yet; otherwise they were lost or never copied.
    let mut missing_tail = false;
    if let Some(tail) = &diff.not_yet_copied {
        match context.committed {
            Some(next) if tail.first_offset >= next => {
                explained = true;
                let whose = match context.keeper {
                    Keeper::Engine => format!("the engine committed up to offset {next}"),
                    Keeper::Runner(kind) => format!("the {kind} runner's recorded position is offset {next}"),
                };
                notes.push(format!(
                    "{} records in flight (lag): source offsets {}..={} are not copied yet ({whose})",
                    tail.records, tail.first_offset, tail.last_offset
                ));
            }
            Some(next) => {
                missing_tail = true;
                let whose = match context.keeper {
                    Keeper::Engine => "the engine's state".to_string(),
                    Keeper::Runner(kind) => format!("the {kind} runner's recorded position"),
                };
                notes.push(format!(
                    "{} records missing: source offsets {}..={} are not on the destination, though {whose} says it copied everything below offset {next}",
                    tail.records, tail.first_offset, tail.last_offset
                ));
            }
            None => {
                missing_tail = true;
                let why = match context.keeper {
                    Keeper::Engine => "the engine's state topic holds no position for this partition (never replicated, or its state was lost)".to_string(),
                    Keeper::Runner(kind) => format!("the {kind} runner records no position for this partition (it never copied it, or its position was reset)"),
                };
                notes.push(format!(
                    "{} records missing: source offsets {}..={} are not on the destination, and {why}, so they are not in flight",
                    tail.records, tail.first_offset, tail.last_offset
                ));
            }
        }
    }
    if missing_tail {
        return (Verdict::Mismatch, notes);
    }
    if diff.anomaly_count == 0 {
        return (if explained { Verdict::Explained } else { Verdict::Match }, notes);
    }
    let compaction_shaped = diff.duplicates == 0
        && diff.out_of_order == 0
        && diff.changed == 0
        && diff.anomalies.iter().all(|a| matches!(a.kind, AnomalyKind::Missing | AnomalyKind::Extra));
    if context.compacted && compaction_shaped {
        notes.push(format!(
            "compacted topic: each cluster's log cleaner removes superseded records on its own schedule ({} missing, {} extra)",
            diff.missing_records, diff.extra
        ));
        return (Verdict::Explained, notes);
    }
    (Verdict::Mismatch, notes)
}

/// Records of the diff's tail that the engine has not committed yet: the lag.
pub fn in_flight(diff: &PartitionDiff, committed: Option<i64>) -> u64 {
    match (&diff.not_yet_copied, committed) {
        (Some(tail), Some(next)) if tail.first_offset >= next => tail.records,
        _ => 0,
    }
}

/// The worse of two verdicts (a topic is as bad as its worst partition).
pub fn worst(a: Verdict, b: Verdict) -> Verdict {
    a.max(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::fingerprint::{Entry, Fields};
    use crate::verify::reconcile::{reconcile, ReconcileOptions};

    fn diff(source: &[i64], copies: &[i64]) -> PartitionDiff {
        let source_low = source.first().copied().unwrap_or(0);
        let fields = |n: i64| Fields { key: n as u64, value: 1, headers: 2, timestamp: n };
        let source: Vec<Entry> = source.iter().map(|&n| Entry::new(n, None, fields(n))).collect();
        let copies: Vec<Entry> =
            copies.iter().enumerate().map(|(at, &n)| Entry::new(at as i64, Some(n), fields(n))).collect();
        reconcile(
            &mut source.into_iter(),
            &mut copies.into_iter(),
            ReconcileOptions { source_low, ..ReconcileOptions::default() },
        )
        .unwrap()
    }

    #[test]
    fn verdicts() {
        let plain = PartitionContext { committed: Some(2), ..PartitionContext::default() };
        let never_replicated = PartitionContext::default();
        let state_says_copied = PartitionContext { committed: Some(3), ..PartitionContext::default() };
        let compacted = PartitionContext { compacted: true, ..plain };
        let retained = PartitionContext { source_low: 3, ..plain };
        let cases: Vec<(PartitionDiff, PartitionContext, Verdict, usize)> = vec![
            (diff(&[0, 1, 2], &[0, 1, 2]), plain, Verdict::Match, 0),
            (diff(&[0, 1, 2], &[0, 1]), plain, Verdict::Explained, 1),
            (diff(&[0, 1, 2], &[]), never_replicated, Verdict::Mismatch, 1),
            (diff(&[0, 1, 2], &[0, 1]), never_replicated, Verdict::Mismatch, 1),
            (diff(&[0, 1, 2], &[0, 1]), state_says_copied, Verdict::Mismatch, 1),
            (diff(&[0, 1, 2], &[0]), plain, Verdict::Mismatch, 1),
            (diff(&[0, 1, 2], &[0, 1, 2]), never_replicated, Verdict::Match, 0),
            (diff(&[3, 4], &[3, 4]), retained, Verdict::Explained, 1),
            (diff(&[3, 4], &[0, 1, 2, 3, 4]), retained, Verdict::Explained, 2),
            (diff(&[0, 1, 2, 3], &[0, 2, 3]), plain, Verdict::Mismatch, 0),
            (diff(&[0, 1, 2, 3], &[0, 2, 3]), compacted, Verdict::Explained, 1),
            (diff(&[0, 2, 3], &[0, 1, 2, 3]), compacted, Verdict::Explained, 1),
            (diff(&[0, 1, 2, 3], &[0, 1, 1, 2, 3]), compacted, Verdict::Mismatch, 0),
            (diff(&[0, 1, 2, 3], &[0, 2, 1, 3]), compacted, Verdict::Mismatch, 0),
            (diff(&[0, 1, 2, 3], &[0, 2]), plain, Verdict::Mismatch, 1),
        ];
        for (index, (diff, context, verdict, notes)) in cases.into_iter().enumerate() {
            let (got, got_notes) = explain(&diff, context);
            assert_eq!((got, got_notes.len()), (verdict, notes), "case {index}: {got_notes:?} {diff:#?}");
            assert!(got_notes.iter().all(|n| !n.contains('\n')));
        }
    }

    #[test]
    fn a_runners_position_explains_lag_and_names_the_runner() {
        let runner = |committed| PartitionContext {
            committed,
            keeper: Keeper::Runner("replicator"),
            ..PartitionContext::default()
        };
        let (verdict, notes) = explain(&diff(&[0, 1, 2, 3], &[0, 1]), runner(Some(2)));
        assert_eq!(verdict, Verdict::Explained);
        assert_eq!(
            notes,
            ["2 records in flight (lag): source offsets 2..=3 are not copied yet (the replicator runner's recorded position is offset 2)"]
        );
        let (verdict, notes) = explain(&diff(&[0, 1, 2, 3], &[0, 1]), runner(Some(4)));
        assert_eq!(verdict, Verdict::Mismatch);
        assert!(
            notes[0]
                .contains("though the replicator runner's recorded position says it copied everything below offset 4"),
            "{notes:?}"
        );
        let (verdict, notes) = explain(&diff(&[0, 1, 2, 3], &[0, 1]), runner(None));
        assert_eq!(verdict, Verdict::Mismatch);
        assert!(notes[0].contains("the replicator runner records no position for this partition"), "{notes:?}");
        // A runner never turns a duplicate into a pass.
        let (verdict, _) = explain(&diff(&[0, 1, 2], &[0, 1, 1, 2]), runner(Some(3)));
        assert_eq!(verdict, Verdict::Mismatch);
    }

    #[test]
    fn worst_wins() {
        assert_eq!(worst(Verdict::Match, Verdict::Explained), Verdict::Explained);
        assert_eq!(worst(Verdict::Mismatch, Verdict::Explained), Verdict::Mismatch);
        assert_eq!(worst(Verdict::Match, Verdict::Match), Verdict::Match);
    }
}
