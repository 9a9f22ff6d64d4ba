//! `kdeck verify` output: one line per topic, the differences under it.

use std::fmt::Write;

use super::explain::Verdict;
use super::plan_run::VerifyReport;
use super::reconcile::{Anomaly, AnomalyKind};

/// Anomalies printed per partition; the rest are counted.
const SHOWN: usize = 5;

/// One anomaly as a sentence with both positions.
pub fn describe(anomaly: &Anomaly) -> String {
    let at = |offset: Option<i64>| offset.map_or_else(|| "-".to_string(), |o| o.to_string());
    let (source, destination) = (at(anomaly.source_offset), at(anomaly.destination_offset));
    match anomaly.kind {
        AnomalyKind::Missing => match anomaly.destination_offset {
            Some(_) => {
                format!("missing: source offset {source} has no copy (expected at destination offset {destination})")
            }
            None => format!("missing: source offset {source} has no copy"),
        },
        AnomalyKind::Extra => match anomaly.source_offset {
            Some(_) => format!(
                "extra: destination offset {destination} names source offset {source}, which the source does not hold"
            ),
            None => format!("extra: destination offset {destination} is a copy of no source record"),
        },
        AnomalyKind::Duplicate => {
            let first =
                anomaly.first_copy.map_or_else(String::new, |f| format!(" (first copy at destination offset {f})"));
            format!("duplicate: destination offset {destination} is another copy of source offset {source}{first}")
        }
        AnomalyKind::OutOfOrder => format!(
            "out of order: source offset {source} belongs at destination offset {destination}, found at {}",
            at(anomaly.found_at)
        ),
        AnomalyKind::Changed => {
            let fields: Vec<&str> = anomaly.fields.iter().map(|f| f.name()).collect();
            format!(
                "changed: destination offset {destination} differs from source offset {source} in {}",
                fields.join(", ")
            )
        }
    }
}

/// The partitions holding duplicates, worst first, for the one line a failed
/// verify ends with: `1200 duplicates in orders [2] (destination offsets
/// 4200..=5399 repeat source offsets 3000..=4199)`. None without duplicates.
pub fn duplicates_summary(report: &VerifyReport) -> Option<String> {
    let mut partitions: Vec<&super::read::PartitionResult> =
        report.topics.iter().flat_map(|t| &t.partitions).filter(|p| p.diff.duplicates > 0).collect();
    if partitions.is_empty() {
        return None;
    }
    partitions.sort_by_key(|p| std::cmp::Reverse(p.diff.duplicates));
    let total: u64 = partitions.iter().map(|p| p.diff.duplicates).sum();
    let named: Vec<String> = partitions
        .iter()
        .take(3)
        .map(|p| {
            let first = p.diff.duplicate_ranges.first().map_or_else(String::new, |r| {
                let ranges = p.diff.duplicate_ranges.len() as u64 + p.diff.duplicate_ranges_beyond;
                let more = if ranges > 1 { format!(", and {} more ranges", ranges - 1) } else { String::new() };
                format!(" ({}{more})", r.positions())
            });
            format!("{} in {} [{}]{first}", p.diff.duplicates, p.topic, p.partition)
        })
        .collect();
    let others = partitions.len().saturating_sub(3);
    let tail = if others > 0 { format!("; and {others} more partitions") } else { String::new() };
    Some(format!("{total} duplicate records: {}{tail}", named.join("; ")))
}

/// The report as text. Topics the plan excludes are one summary line
/// (an estate has hundreds of them); `verbose` lists each with its reason.
pub fn render_text(report: &VerifyReport, verbose: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "verify plan {}: {} -> {}", report.plan, report.source, report.destination);
    let listed = |t: &&super::plan_run::TopicReport| verbose || t.verdict.is_some();
    let width = report.topics.iter().filter(listed).map(|t| t.topic.chars().count()).max().unwrap_or(0);
    for topic in &report.topics {
        let Some(verdict) = topic.verdict else {
            if verbose {
                let reason = topic.excluded.as_deref().unwrap_or("excluded");
                let _ = writeln!(out, "- {:width$}  not compared: {reason}", topic.topic);
            }
            continue;
        };
        if topic.missing_on_destination {
            let _ = writeln!(
                out,
                "{} {:width$}  missing on the destination (expected topic {})",
                verdict.symbol(),
                topic.topic,
                topic.destination_topic
            );
            continue;
        }
        if let Some(counts) = &topic.partition_counts {
            let _ = writeln!(out, "{} {:width$}  not compared: {counts}", verdict.symbol(), topic.topic);
            continue;
        }
        let _ = writeln!(
            out,
            "{} {:width$}  {} partitions  source {}  destination {}  duplicates {}  lag {}  {}",
            verdict.symbol(),
            topic.topic,
            topic.partitions.len(),
            topic.source_records,
            topic.destination_records,
            topic.duplicates,
            topic.lag,
            verdict.label()
        );
        for partition in topic.partitions.iter().filter(|p| p.verdict != Verdict::Match) {
            let diff = &partition.diff;
            let checksum = if diff.source.checksum == diff.destination.checksum { "equal" } else { "differ" };
            let _ = writeln!(
                out,
                "    [{}] {}: source {} records, destination {}, checksums {checksum}",
                partition.partition,
                partition.verdict.label(),
                diff.source.records,
                diff.destination.records
            );
            for note in &partition.notes {
                let _ = writeln!(out, "    [{}] note: {note}", partition.partition);
            }
            for range in diff.missing.iter().take(SHOWN) {
                let _ = writeln!(
                    out,
                    "    [{}] missing range: source offsets {}..={} ({} records)",
                    partition.partition, range.first_offset, range.last_offset, range.records
                );
            }
            for range in diff.duplicate_ranges.iter().take(SHOWN) {
                let _ = writeln!(out, "    [{}] duplicates: {}", partition.partition, range.describe());
            }
            let more_ranges = (diff.duplicate_ranges.len().saturating_sub(SHOWN)) as u64 + diff.duplicate_ranges_beyond;
            if more_ranges > 0 {
                let _ = writeln!(out, "    [{}] ... and {more_ranges} more duplicate ranges", partition.partition);
            }
            // Duplicates are told as ranges above, not one record at a time.
            let listed = |a: &&Anomaly| a.kind != AnomalyKind::Duplicate;
            let shown = diff.anomalies.iter().filter(listed).take(SHOWN).count() as u64;
            for anomaly in diff.anomalies.iter().filter(listed).take(SHOWN) {
                let _ = writeln!(out, "    [{}] {}", partition.partition, describe(anomaly));
            }
            let hidden = diff.anomaly_count.saturating_sub(diff.duplicates + shown);
            if hidden > 0 {
                let _ = writeln!(out, "    [{}] ... and {hidden} more differences", partition.partition);
            }
        }
    }
    let compared = report.topics.iter().filter(|t| t.verdict.is_some()).count();
    let excluded = report.topics.len() - compared;
    if excluded > 0 && !verbose {
        let topics = if excluded == 1 { "topic" } else { "topics" };
        let _ = writeln!(out, "- not compared: {excluded} source {topics} the plan excludes (-v lists them)");
    }
    if let Some(duplicates) = duplicates_summary(report) {
        let _ = writeln!(out, "duplicates: {duplicates}");
    }
    let _ = match report.verdict {
        Verdict::Mismatch => {
            writeln!(out, "result: MISMATCH in {} of {compared} topics", report.mismatched_topics())
        }
        verdict => writeln!(out, "result: {} ({compared} topics compared)", verdict.label()),
    };
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::fingerprint::Field;

    fn anomaly(kind: AnomalyKind, source: Option<i64>, destination: Option<i64>) -> Anomaly {
        Anomaly {
            kind,
            source_offset: source,
            destination_offset: destination,
            found_at: None,
            first_copy: None,
            fields: vec![],
        }
    }

    fn report_with_exclusions(excluded: usize) -> VerifyReport {
        use crate::verify::plan_run::TopicReport;
        let topic = |name: String, verdict: Option<Verdict>, excluded: Option<String>| TopicReport {
            topic: name.clone(),
            destination_topic: name,
            verdict,
            excluded,
            missing_on_destination: false,
            partition_counts: None,
            source_records: 3,
            destination_records: 3,
            duplicates: 0,
            lag: 0,
            partitions: Vec::new(),
        };
        let mut topics = vec![topic("orders".into(), Some(Verdict::Match), None)];
        topics.extend(
            (0..excluded).map(|i| topic(format!("optr-job-{i:04}"), None, Some("matches exclude \"optr.*\"".into()))),
        );
        VerifyReport { plan: "p".into(), source: "s".into(), destination: "d".into(), verdict: Verdict::Match, topics }
    }

    #[test]
    fn excluded_topics_are_one_summary_line_unless_verbose() {
        let report = report_with_exclusions(1_043);
        let text = render_text(&report, false);
        assert_eq!(
            text,
            "verify plan p: s -> d\n\
             ✓ orders  0 partitions  source 3  destination 3  duplicates 0  lag 0  match\n\
             - not compared: 1043 source topics the plan excludes (-v lists them)\n\
             result: match (1 topics compared)\n"
                .replace("✓", Verdict::Match.symbol())
        );
        let verbose = render_text(&report, true);
        assert_eq!(verbose.lines().filter(|l| l.contains("not compared: matches exclude")).count(), 1_043);
        assert!(!verbose.contains("-v lists them"));
        let one = render_text(&report_with_exclusions(1), false);
        assert!(one.contains("- not compared: 1 source topic the plan excludes (-v lists them)\n"), "{one}");
        assert!(!render_text(&report_with_exclusions(0), false).contains("not compared"));
    }

    #[test]
    fn every_anomaly_names_its_positions_on_one_line() {
        let mut changed = anomaly(AnomalyKind::Changed, Some(6), Some(9));
        changed.fields = vec![Field::Headers, Field::Timestamp];
        let mut reordered = anomaly(AnomalyKind::OutOfOrder, Some(5), Some(5));
        reordered.found_at = Some(6);
        let mut duplicate = anomaly(AnomalyKind::Duplicate, Some(3), Some(4));
        duplicate.first_copy = Some(3);
        let cases = [
            (anomaly(AnomalyKind::Missing, Some(7), Some(7)), "missing: source offset 7 has no copy (expected at destination offset 7)"),
            (anomaly(AnomalyKind::Missing, Some(7), None), "missing: source offset 7 has no copy"),
            (anomaly(AnomalyKind::Extra, None, Some(4)), "extra: destination offset 4 is a copy of no source record"),
            (anomaly(AnomalyKind::Extra, Some(40), Some(5)), "extra: destination offset 5 names source offset 40, which the source does not hold"),
            (duplicate, "duplicate: destination offset 4 is another copy of source offset 3 (first copy at destination offset 3)"),
            (reordered, "out of order: source offset 5 belongs at destination offset 5, found at 6"),
            (changed, "changed: destination offset 9 differs from source offset 6 in headers, timestamp"),
        ];
        for (anomaly, text) in cases {
            assert_eq!(describe(&anomaly), text);
        }
    }

    fn redelivered_report() -> VerifyReport {
        use crate::verify::fingerprint::{Entry, Fields};
        use crate::verify::plan_run::TopicReport;
        use crate::verify::read::PartitionResult;
        use crate::verify::reconcile::{reconcile, ReconcileOptions};
        let fields = |n: i64| Fields { key: n as u64, value: 7, headers: 0, timestamp: n };
        let source: Vec<Entry> = (0..6_000).map(|n| Entry::new(n, None, fields(n))).collect();
        // Copied 0..4200, restarted from its commit at 3000.
        let copied: Vec<i64> = (0..4_200).chain(3_000..6_000).collect();
        let destination: Vec<Entry> =
            copied.iter().enumerate().map(|(at, &n)| Entry::new(at as i64, None, fields(n))).collect();
        let diff =
            reconcile(&mut source.into_iter(), &mut destination.into_iter(), ReconcileOptions::default()).unwrap();
        let (verdict, notes) =
            crate::verify::explain::explain(&diff, crate::verify::explain::PartitionContext::default());
        let partition = PartitionResult { topic: "orders".into(), partition: 2, verdict, notes, source_low: 0, diff };
        let topic = TopicReport {
            topic: "orders".into(),
            destination_topic: "orders".into(),
            verdict: Some(verdict),
            excluded: None,
            missing_on_destination: false,
            partition_counts: None,
            source_records: 6_000,
            destination_records: 7_200,
            duplicates: 1_200,
            lag: 0,
            partitions: vec![partition],
        };
        VerifyReport { plan: "p".into(), source: "s".into(), destination: "d".into(), verdict, topics: vec![topic] }
    }

    #[test]
    fn duplicates_are_ranges_with_partition_and_both_offsets() {
        let report = redelivered_report();
        assert_eq!(report.verdict, Verdict::Mismatch);
        let text = render_text(&report, false);
        let expected =
            "    [2] duplicates: destination offsets 4200..=5399 repeat source offsets 3000..=4199, first copied at destination offset 3000 (1200 records)\n";
        assert!(text.contains(expected), "{text}");
        assert!(!text.contains("duplicate: destination offset"), "no line per duplicate record: {text}");
        assert!(!text.contains("more differences"), "{text}");
        let summary = duplicates_summary(&report).unwrap();
        assert_eq!(
            summary,
            "1200 duplicate records: 1200 in orders [2] (destination offsets 4200..=5399 repeat source offsets 3000..=4199)"
        );
        assert!(text.contains(&format!("duplicates: {summary}\n")), "{text}");
        assert_eq!(duplicates_summary(&report_with_exclusions(3)), None);
        let json = serde_json::to_value(&report).unwrap();
        let range = &json["topics"][0]["partitions"][0]["duplicate_ranges"][0];
        assert_eq!(
            (
                &range["destination_first"],
                &range["destination_last"],
                &range["source_first"],
                &range["source_last"],
                &range["records"]
            ),
            (&4_200.into(), &5_399.into(), &3_000.into(), &4_199.into(), &1_200.into())
        );
    }
}
