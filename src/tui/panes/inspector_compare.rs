//! The Inspector's compare: the selected record beside its counterpart on the
//! other cluster, both decoded, source on the left, lines that differ marked.
//! The counterpart is read by the worker (`compare_fetch.rs`); this file only
//! builds the request's target and draws the answer.

use std::collections::BTreeMap;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use crate::engine::provenance::{find_provenance, HEADER_NAME};
use crate::schemas::inspect::pretty_json;
use crate::tui::action::Action;
use crate::tui::protocol::{CompareTarget, Counterpart, FoundBy, InspectedRecord};
use crate::tui::theme::Theme;

use super::common::{ClusterSide, Load, PaneContext};
use super::inspector::{decoded_key, decoded_value, schema_text};
use super::record_text::{bytes_text, timestamp_text, value_text};

#[derive(Debug, Clone, PartialEq)]
pub struct CompareView {
    /// The selected record, and where it was read.
    pub record: InspectedRecord,
    pub side: ClusterSide,
    pub topic: String,
    pub target: CompareTarget,
    /// From the destination: the target is what the record's provenance header names.
    pub by_header: bool,
    pub answer: Load<Counterpart>,
}

impl CompareView {
    /// `other_topic`: the open topic's name on the other cluster under the plan.
    pub fn new(record: &InspectedRecord, side: ClusterSide, topic: &str, other_topic: &str) -> CompareView {
        let provenance = find_provenance(record.headers.iter().map(|(name, value)| (name.as_str(), value.as_deref())));
        let (target, by_header) = match (side, provenance) {
            (ClusterSide::Source, _) => (
                CompareTarget {
                    topic: other_topic.to_owned(),
                    partition: record.partition,
                    offset: record.offset,
                    copy_of: Some(topic.to_owned()),
                },
                false,
            ),
            (ClusterSide::Destination, Some(p)) => {
                (CompareTarget { topic: p.topic, partition: p.partition, offset: p.offset, copy_of: None }, true)
            }
            (ClusterSide::Destination, None) => (
                CompareTarget {
                    topic: other_topic.to_owned(),
                    partition: record.partition,
                    offset: record.offset,
                    copy_of: None,
                },
                false,
            ),
        };
        CompareView { record: record.clone(), side, topic: topic.to_owned(), target, by_header, answer: Load::Loading }
    }

    /// What the summary line says about how the counterpart was found.
    fn found_text(&self, counterpart: &Counterpart, other: &str) -> String {
        let t = &self.target;
        match (counterpart.found_by, &counterpart.record, self.by_header) {
            (_, None, true) => format!(
                "no record at {} [{}] @ {} on {other}, which its provenance header names",
                t.topic, t.partition, t.offset
            ),
            (_, Some(_), true) => "the source record its kdeck-provenance header names".to_owned(),
            (FoundBy::Provenance, Some(_), false) => "its copy, found by its kdeck-provenance header".to_owned(),
            (FoundBy::NoCopy, _, false) => format!(
                "no copy of this record near offset {} of {} [{}] on {other}: the copies there name other records",
                t.offset, t.topic, t.partition
            ),
            (_, Some(_), false) => "the record at the same offset (no kdeck-provenance header to go by)".to_owned(),
            (_, None, false) => format!("no record at offset {} of {} [{}] on {other}", t.offset, t.topic, t.partition),
        }
    }
}

/// A record as labelled lines: what is compared, label by label.
fn rows(record: &InspectedRecord, hex: bool) -> Vec<(String, String)> {
    let mut rows = vec![("time".to_owned(), timestamp_text(record.timestamp_ms))];
    match (decoded_key(record), hex) {
        (Some(Ok(field)), false) => {
            rows.push(("key".into(), field.json.clone()));
            rows.push(("key id".into(), schema_text(field)));
        }
        _ => rows.push(("key".into(), bytes_text(record.key.as_deref()))),
    }
    for (name, value) in record.headers.iter().filter(|(name, _)| name != HEADER_NAME) {
        rows.push((format!("header {name}"), bytes_text(value.as_deref())));
    }
    let value_lines: Vec<String> = match (decoded_value(record), hex) {
        (Some(Ok(field)), false) => {
            rows.push(("value".into(), schema_text(field)));
            pretty_json(&field.json).lines().map(str::to_owned).collect()
        }
        (Some(Err(reason)), false) => {
            rows.push(("value".into(), format!("not decoded: {reason}")));
            value_text(record.value.as_deref()).lines().map(str::to_owned).collect()
        }
        (_, true) => vec![bytes_text(record.value.as_deref())],
        (None, false) => value_text(record.value.as_deref()).lines().map(str::to_owned).collect(),
    };
    rows.extend(value_lines.into_iter().enumerate().map(|(n, line)| (format!("value {n}"), line)));
    rows
}

/// Lines of one side, each marked `≠` when the other side lacks it or has it otherwise.
fn side_lines(mine: &[(String, String)], theirs: &[(String, String)], theme: &Theme) -> (Vec<Line<'static>>, usize) {
    let other: BTreeMap<&str, &str> = theirs.iter().map(|(label, text)| (label.as_str(), text.as_str())).collect();
    let mut differing = 0;
    let lines = mine
        .iter()
        .map(|(label, text)| {
            let same = other.get(label.as_str()) == Some(&text.as_str());
            differing += usize::from(!same);
            let shown = if label.strip_prefix("value ").is_some_and(|n| n.parse::<usize>().is_ok()) {
                format!("  {text}")
            } else if let Some(name) = label.strip_prefix("header ") {
                format!("header {name} = {text}")
            } else {
                format!("{label:<6} {text}")
            };
            let (mark, style) = if same { ("  ", Style::default()) } else { ("≠ ", theme.bad) };
            Line::from(vec![Span::styled(mark, style), Span::styled(shown, style)])
        })
        .collect();
    (lines, differing)
}

pub fn render(frame: &mut Frame, area: Rect, view: &CompareView, hex: bool, context: &PaneContext<'_>) {
    let theme = context.theme;
    let [summary_area, sides_area] = Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(area);
    let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(sides_area);
    let (mine_area, theirs_area) = match view.side {
        ClusterSide::Source => (left, right),
        ClusterSide::Destination => (right, left),
    };
    let (mine_side, their_side) = (view.side, view.side.other());
    let other_cluster = context.pick(their_side).name.clone();
    let title = |side: ClusterSide, topic: &str, record: Option<&InspectedRecord>| {
        let at = record.map_or_else(String::new, |r| format!(" [{}] @ {}", r.partition, r.offset));
        format!(" {} · {topic}{at} ", context.pick(side).name)
    };
    let block = |title: String| Block::default().borders(Borders::ALL).title(title);
    let mine_rows = rows(&view.record, hex);
    let (summary, style) = match &view.answer {
        Load::Ready(counterpart) => {
            let found = view.found_text(counterpart, &other_cluster);
            let theirs_rows = counterpart.record.as_ref().map(|r| rows(r, hex)).unwrap_or_default();
            let (mine_lines, mine_differ) = side_lines(&mine_rows, &theirs_rows, theme);
            let (their_lines, their_differ) = side_lines(&theirs_rows, &mine_rows, theme);
            let mine_title = title(mine_side, &view.topic, Some(&view.record));
            let paragraph = |lines| Paragraph::new(lines).wrap(Wrap { trim: false });
            frame.render_widget(paragraph(mine_lines).block(block(mine_title)), mine_area);
            let their_title = title(their_side, &view.target.topic, counterpart.record.as_ref());
            match counterpart.record {
                Some(_) => frame.render_widget(paragraph(their_lines).block(block(their_title)), theirs_area),
                None => frame.render_widget(
                    Paragraph::new(Span::styled("no record to compare", theme.bad)).block(block(their_title)),
                    theirs_area,
                ),
            }
            match (counterpart.record.is_some(), mine_differ.max(their_differ)) {
                (false, _) => (found, theme.bad),
                (true, 0) => (format!("{found} · decoded key, headers and value the same"), theme.good),
                (true, n) => (format!("{found} · {n} line(s) differ, marked ≠"), theme.bad),
            }
        }
        other => {
            let (mine_lines, _) = side_lines(&mine_rows, &mine_rows, theme);
            let mine_title = title(mine_side, &view.topic, Some(&view.record));
            frame.render_widget(
                Paragraph::new(mine_lines).wrap(Wrap { trim: false }).block(block(mine_title)),
                mine_area,
            );
            let their_title = title(their_side, &view.target.topic, None);
            let (text, style) = match other {
                Load::Failed(err) => (err.clone(), theme.bad),
                _ => (
                    format!("Reading {} [{}] on {other_cluster}…", view.target.topic, view.target.partition),
                    theme.quiet,
                ),
            };
            frame.render_widget(
                Paragraph::new(Span::styled(text.clone(), style)).wrap(Wrap { trim: true }).block(block(their_title)),
                theirs_area,
            );
            (text, style)
        }
    };
    let hint = format!(
        " Compare · {} back · {} raw bytes (hex)/decoded ",
        context.key(&Action::Escape, "Esc"),
        context.key(&Action::ToggleHex, ":hex")
    );
    let summary = Paragraph::new(Span::styled(summary, style)).wrap(Wrap { trim: true }).block(block(hint));
    frame.render_widget(summary, summary_area);
}
