//! `kdeck watch`'s output: a text table, JSON, and Prometheus text in the
//! format `kdeck replicate --metrics` serves (the same partition families, so
//! one dashboard graphs kdeck's engine and a watched runner alike).

use serde::Serialize;

use crate::engine::metrics::{
    gauge, Exposition, Float, MetricFamily, PARTITION_HIGH_WATERMARK, PARTITION_LAG, PARTITION_NEXT_OFFSET,
};

use super::lag::{RowState, Summary, WatchRow};

/// What `--json` prints per read, and what the text is made from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// `replicator group replicator-2`, `mirrormaker2 alias msk topic mm2-offsets.msk.internal`...
    pub runner: String,
    pub kind: &'static str,
    pub summary: Summary,
    pub partitions: Vec<WatchRow>,
}

pub fn render_text(report: &Report) -> String {
    let summary = &report.summary;
    let lag = summary.lag.map_or("?".to_string(), |lag| lag.to_string());
    let mut out = format!(
        "runner {} · {} partitions · lag {lag} · {}/s · ETA {} · {} stalled{}\n",
        report.runner,
        summary.partitions,
        rate(summary.records_per_sec),
        eta(summary.eta_secs),
        summary.stalled,
        if summary.caught_up { " · caught up" } else { "" },
    );
    let header = ["TOPIC", "PARTITION", "HIGH", "NEXT", "LAG", "RATE/S", "ETA", "AGE", "STATE"];
    let mut table: Vec<[String; 9]> = vec![header.map(String::from)];
    for row in &report.partitions {
        table.push([
            row.topic.clone(),
            row.partition.to_string(),
            if row.source_high_watermark >= 0 { row.source_high_watermark.to_string() } else { "?".into() },
            row.next_source_offset.map_or("-".into(), |next| next.to_string()),
            row.lag.map_or("?".into(), |lag| lag.to_string()),
            rate(row.records_per_sec),
            eta(row.eta_secs),
            age(row.age_ms, row.age_at_least),
            row.state.as_str().to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..9).map(|c| table.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(c, cell)| match c {
                0 | 8 => format!("{cell:<width$}", width = widths[c]),
                _ => format!("{cell:>width$}", width = widths[c]),
            })
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}

fn rate(per_sec: f64) -> String {
    if per_sec >= 100.0 || per_sec == 0.0 {
        format!("{per_sec:.0}")
    } else {
        format!("{per_sec:.1}")
    }
}

fn eta(secs: Option<f64>) -> String {
    match secs {
        None => "-".into(),
        Some(secs) => duration(secs.ceil() as i64),
    }
}

fn age(ms: Option<i64>, at_least: bool) -> String {
    match ms {
        None => "-".into(),
        Some(ms) => format!("{}{}", if at_least { "≥" } else { "" }, duration(ms / 1000)),
    }
}

/// `45s`, `3m05s`, `2h07m`.
fn duration(secs: i64) -> String {
    match secs {
        s if s < 60 => format!("{s}s"),
        s if s < 3600 => format!("{}m{:02}s", s / 60, s % 60),
        s => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
    }
}

const WATCH_UP: MetricFamily =
    gauge("kdeck_watch_up", "1 when the last read of the runner's positions and the source succeeded.");
const WATCH_LAG: MetricFamily = gauge(
    "kdeck_watch_lag_records",
    "Source records the watched runner has not copied, summed over partitions; absent while any is unknown.",
);
const WATCH_STALLED_TOTAL: MetricFamily =
    gauge("kdeck_watch_partitions_stalled", "Partitions whose position stopped moving with lag above 0.");
const PARTITION_RATE: MetricFamily =
    gauge("kdeck_partition_records_per_second", "Records per second the runner's position advanced on the partition.");
const PARTITION_AGE: MetricFamily = gauge(
    "kdeck_partition_position_age_seconds",
    "Seconds since the runner's position last moved (a lower bound when it has not moved since watching began).",
);
const PARTITION_STALLED: MetricFamily =
    gauge("kdeck_partition_stalled", "1 when the position stopped moving with lag above 0 for the stall threshold.");

/// Every family [`render_prometheus`] writes, in order.
pub const FAMILIES: [MetricFamily; 9] = [
    WATCH_UP,
    WATCH_LAG,
    WATCH_STALLED_TOTAL,
    PARTITION_LAG,
    PARTITION_HIGH_WATERMARK,
    PARTITION_NEXT_OFFSET,
    PARTITION_RATE,
    PARTITION_AGE,
    PARTITION_STALLED,
];

/// The scrape body; `report` is `None` before the first read succeeded.
pub fn render_prometheus(report: Option<&Report>, up: bool) -> String {
    let mut text = Exposition::default();
    let rows: &[WatchRow] = report.map_or(&[], |report| &report.partitions);
    let ids: Vec<String> = rows.iter().map(|row| row.partition.to_string()).collect();
    let labelled =
        || rows.iter().zip(&ids).map(|(row, id)| (row, [("topic", row.topic.as_str()), ("partition", id.as_str())]));
    for family in &FAMILIES {
        text.header(family);
        match family.name {
            "kdeck_watch_up" => text.sample(family, &[], u8::from(up)),
            "kdeck_watch_lag_records" => {
                if let Some(lag) = report.and_then(|report| report.summary.lag) {
                    text.sample(family, &[], lag);
                }
            }
            "kdeck_watch_partitions_stalled" => {
                if let Some(report) = report {
                    text.sample(family, &[], report.summary.stalled);
                }
            }
            "kdeck_partition_lag_records" => labelled()
                .for_each(|(row, labels)| row.lag.into_iter().for_each(|lag| text.sample(family, &labels, lag))),
            "kdeck_partition_source_high_watermark" => labelled()
                .filter(|(row, _)| row.source_high_watermark >= 0)
                .for_each(|(row, labels)| text.sample(family, &labels, row.source_high_watermark)),
            "kdeck_partition_next_source_offset" => labelled().for_each(|(row, labels)| {
                row.next_source_offset.into_iter().for_each(|next| text.sample(family, &labels, next))
            }),
            "kdeck_partition_records_per_second" => {
                labelled().for_each(|(row, labels)| text.sample(family, &labels, Float(row.records_per_sec)))
            }
            "kdeck_partition_position_age_seconds" => labelled().for_each(|(row, labels)| {
                row.age_ms.into_iter().for_each(|ms| text.sample(family, &labels, Float(ms as f64 / 1000.0)))
            }),
            _ => labelled()
                .for_each(|(row, labels)| text.sample(family, &labels, u8::from(row.state == RowState::Stalled))),
        }
    }
    text.out
}

#[cfg(test)]
mod tests {
    use super::super::lag::summarise;
    use super::*;

    fn row(partition: i32, high: i64, next: Option<i64>, state: RowState) -> WatchRow {
        WatchRow {
            topic: "orders".into(),
            partition,
            source_high_watermark: high,
            next_source_offset: next,
            lag: next.map(|next| high - next),
            records_per_sec: if state == RowState::Copying { 250.0 } else { 0.0 },
            produce_per_sec: 0.0,
            eta_secs: if state == RowState::Copying { Some(2.0) } else { None },
            age_ms: next.map(|_| 95_000),
            age_at_least: state == RowState::Stalled,
            state,
        }
    }

    fn report() -> Report {
        let partitions = vec![row(0, 1000, Some(500), RowState::Copying), row(1, 300, Some(100), RowState::Stalled)];
        Report {
            runner: "replicator group replicator-2".into(),
            kind: "replicator",
            summary: summarise(&partitions),
            partitions,
        }
    }

    #[test]
    fn the_table_shows_lag_rate_eta_age_and_state() {
        let text = render_text(&report());
        let expected = "runner replicator group replicator-2 · 2 partitions · lag 700 · 250/s · ETA - · 1 stalled\n\
TOPIC   PARTITION  HIGH  NEXT  LAG  RATE/S  ETA     AGE  STATE\n\
orders          0  1000   500  500     250   2s   1m35s  copying\n\
orders          1   300   100  200       0    -  ≥1m35s  stalled\n";
        assert_eq!(text, expected);
    }

    #[test]
    fn durations_read_at_a_glance() {
        assert_eq!((duration(45), duration(185), duration(7_620)), ("45s".into(), "3m05s".into(), "2h07m".into()));
        assert_eq!((rate(0.0), rate(12.34), rate(1234.5)), ("0".into(), "12.3".into(), "1234".into()));
    }

    #[test]
    fn the_metrics_use_the_engine_partition_families() {
        let text = render_prometheus(Some(&report()), true);
        for line in [
            "kdeck_watch_up 1",
            "kdeck_watch_lag_records 700",
            "kdeck_watch_partitions_stalled 1",
            "kdeck_partition_lag_records{topic=\"orders\",partition=\"0\"} 500",
            "kdeck_partition_source_high_watermark{topic=\"orders\",partition=\"1\"} 300",
            "kdeck_partition_next_source_offset{topic=\"orders\",partition=\"1\"} 100",
            "kdeck_partition_records_per_second{topic=\"orders\",partition=\"0\"} 250",
            "kdeck_partition_position_age_seconds{topic=\"orders\",partition=\"1\"} 95",
            "kdeck_partition_stalled{topic=\"orders\",partition=\"1\"} 1",
            "kdeck_partition_stalled{topic=\"orders\",partition=\"0\"} 0",
            "# TYPE kdeck_partition_lag_records gauge",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        // Before the first read: every family named, no samples but up.
        let empty = render_prometheus(None, false);
        assert_eq!(empty.lines().filter(|l| !l.starts_with('#')).collect::<Vec<_>>(), ["kdeck_watch_up 0"]);
        assert_eq!(empty.lines().filter(|l| l.starts_with("# TYPE")).count(), FAMILIES.len());
    }
}
