//! The engine's lanes (partitions, state, rate, transactions, last error), its
//! throughput over the run with each rescale marked, and its recent events. The
//! keys that drive the engine are handled by the app, which owns the engine
//! handle; this pane selects a lane and keeps the chart's samples.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Borders, Cell, Chart, Dataset, GraphType, Paragraph, Row, Table};
use ratatui::Frame;

use crate::engine::assignment::TopicPartition;
use crate::engine::status::{EngineEventKind, EngineState, EngineStatus, LaneState};
use crate::tui::action::Action;
use crate::tui::lag_math::{count_text, rate_text};
use crate::tui::theme::Theme;

pub use super::common::ago;
use super::common::{Effects, ListCursor, PaneContext};

/// How many throughput samples the chart keeps (one a second: the last hour).
pub const CHART_POINTS: usize = 3_600;

#[derive(Debug, Default, Clone)]
pub struct EnginePane {
    pub lanes: ListCursor,
    /// Records/s over the run, one sample a second: (ms since the epoch, records/s).
    pub throughput: Vec<(i64, f64)>,
}

impl EnginePane {
    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        let visible = lanes_visible(context.body_rows);
        Effects::handled(self.lanes.navigate(context.status.lanes.len(), action, visible))
    }

    /// Folds a snapshot into the chart: one sample a second while the engine runs.
    pub fn observe(&mut self, status: &EngineStatus, now_ms: i64) {
        if matches!(status.state, EngineState::Stopped) && status.lanes.is_empty() {
            return;
        }
        let due = self.throughput.last().is_none_or(|(at, _)| now_ms.saturating_sub(*at) >= 1_000 || now_ms < *at);
        if due {
            self.throughput.push((now_ms, status.records_per_sec()));
            let excess = self.throughput.len().saturating_sub(CHART_POINTS);
            self.throughput.drain(..excess);
        }
    }

    pub fn selected_lane(&self, status: &EngineStatus) -> Option<usize> {
        status.lanes.get(self.lanes.selected).map(|lane| lane.lane)
    }
}

/// Rows the lanes table shows: its share of the body, less borders and header.
fn lanes_visible(body_rows: u16) -> usize {
    usize::from(body_rows.saturating_sub(SUMMARY_ROWS) / 2).saturating_sub(3)
}

const SUMMARY_ROWS: u16 = 3;

pub fn state_style(theme: &Theme, state: &EngineState) -> Style {
    match state {
        EngineState::Running => theme.good,
        EngineState::Failed(_) => theme.bad,
        EngineState::Stopped => theme.quiet,
        _ => theme.warn,
    }
}

fn lane_style(theme: &Theme, state: LaneState) -> Style {
    match state {
        LaneState::Copying | LaneState::Idle => theme.good,
        LaneState::Failed | LaneState::Fenced => theme.bad,
        LaneState::Stopped | LaneState::Paused => theme.quiet,
        _ => theme.warn,
    }
}

pub fn render(frame: &mut Frame, area: Rect, pane: &EnginePane, context: &PaneContext<'_>) {
    let (status, theme) = (context.status, context.theme);
    let [summary_area, middle, history_area] =
        Layout::vertical([Constraint::Length(SUMMARY_ROWS), Constraint::Fill(2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(summary(context), summary_area);
    let [lanes_area, chart_area] =
        Layout::horizontal([Constraint::Percentage(58), Constraint::Percentage(42)]).areas(middle);

    let header = Row::new(["lane", "state", "partitions", "rec/s", "records", "commits", "aborts", "last error"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let rows = status.lanes.iter().map(|lane| {
        Row::new([
            Cell::from(lane.lane.to_string()),
            Cell::from(lane.state.as_str()).style(lane_style(theme, lane.state)),
            Cell::from(partitions_text(&lane.partitions)),
            Cell::from(rate_text(lane.records_per_sec)),
            Cell::from(count_text(i64::try_from(lane.records_total).unwrap_or(i64::MAX))),
            Cell::from(lane.commits.to_string()),
            Cell::from(lane.aborts.to_string()),
            Cell::from(lane.last_error.clone().unwrap_or_default()).style(theme.bad),
        ])
    });
    let widths = [
        Constraint::Length(4),
        Constraint::Length(8),
        Constraint::Fill(2),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let keys =
        format!("{}/{}", context.key(&Action::RescaleUp, ":rescale"), context.key(&Action::RescaleDown, ":rescale"));
    let title = format!(" Lanes {} (target {}) · {keys} rescale ", status.lanes.len(), status.lanes_target);
    let lanes = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme.selected);
    let mut state = pane.lanes.table_state(status.lanes.len());
    frame.render_stateful_widget(lanes, lanes_area, &mut state);
    render_chart(frame, chart_area, pane, context);

    let events: Vec<Line> = status
        .history
        .iter()
        .rev()
        .take(usize::from(history_area.height.saturating_sub(2)))
        .map(|event| Line::from(format!("{:>7}  {}", ago(context.now_ms, event.at_ms), event_text(&event.kind))))
        .collect();
    let history = Paragraph::new(events).block(Block::default().borders(Borders::ALL).title(" Events "));
    frame.render_widget(history, history_area);
}

/// Records/s over the run, with a vertical mark at each rescale, so the effect of
/// one more lane shows at a glance.
fn render_chart(frame: &mut Frame, area: Rect, pane: &EnginePane, context: &PaneContext<'_>) {
    let theme = context.theme;
    let block = Block::default().borders(Borders::ALL).title(" Throughput, records/s · │ a rescale ");
    let Some(&(first_ms, _)) = pane.throughput.first() else {
        let text = format!("No throughput yet: {} starts the engine.", context.key(&Action::Start, ":start"));
        frame.render_widget(Paragraph::new(text).style(theme.quiet).block(block), area);
        return;
    };
    let seconds = |at_ms: i64| at_ms.saturating_sub(first_ms) as f64 / 1_000.0;
    let points: Vec<(f64, f64)> = pane.throughput.iter().map(|&(at, rate)| (seconds(at), rate)).collect();
    let span = points.last().map_or(1.0, |(x, _)| x.max(1.0));
    let top = points.iter().map(|(_, rate)| *rate).fold(0.0_f64, f64::max).max(1.0) * 1.1;
    let marks: Vec<(f64, String)> = context
        .status
        .history
        .iter()
        .filter_map(|event| match event.kind {
            EngineEventKind::Rescaled { to, .. } if event.at_ms >= first_ms => {
                Some((seconds(event.at_ms), format!("{to}")))
            }
            _ => None,
        })
        .collect();
    let mark_lines: Vec<[(f64, f64); 2]> = marks.iter().map(|(x, _)| [(*x, 0.0), (*x, top)]).collect();
    let mut datasets: Vec<Dataset> = mark_lines
        .iter()
        .map(|line| Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(theme.warn).data(line))
        .collect();
    datasets
        .push(Dataset::default().marker(Marker::Braille).graph_type(GraphType::Line).style(theme.accent).data(&points));
    let lanes_note: Vec<String> = marks.iter().map(|(x, to)| format!("{x:.0}s→{to}")).collect();
    let x_title = if lanes_note.is_empty() { "seconds".to_owned() } else { format!("lanes {}", lanes_note.join(" ")) };
    let chart = Chart::new(datasets)
        .block(block)
        .x_axis(
            Axis::default()
                .title(Span::styled(x_title, theme.quiet))
                .bounds([0.0, span])
                .labels([Span::raw("0s"), Span::raw(format!("{span:.0}s"))]),
        )
        .y_axis(Axis::default().bounds([0.0, top]).labels([Span::raw("0"), Span::raw(rate_text(top / 1.1))]));
    frame.render_widget(chart, area);
}

fn summary(context: &PaneContext<'_>) -> Paragraph<'static> {
    let (status, theme) = (context.status, context.theme);
    let mut first = vec![
        "state ".into(),
        Span::styled(status.state.as_str(), state_style(theme, &status.state)).bold(),
        format!("  mode {}  lanes {}", if status.mode.is_empty() { "–" } else { &status.mode }, status.lanes.len())
            .into(),
    ];
    if status.lanes.len() != status.lanes_target {
        first.push(Span::styled(format!(" → {}", status.lanes_target), theme.warn));
    }
    first.push(
        format!(
            "  copied {}  {}  commits {}  aborts {}",
            count_text(i64::try_from(copied_total(status)).unwrap_or(i64::MAX)),
            rate_text(status.records_per_sec()),
            status.commits(),
            status.aborts()
        )
        .into(),
    );
    let second = match (&status.state, &status.last_rescale) {
        (EngineState::Failed(reason), _) => Line::from(format!("failed: {reason}")).style(theme.bad),
        // A topic the engine cannot copy outranks rescale news: it is work not being done.
        _ if !status.topic_errors().is_empty() => {
            let errors: Vec<String> =
                status.topic_errors().iter().map(|(topic, reason)| format!("{topic}: {reason}")).collect();
            Line::from(format!("not copied: {}", errors.join("; "))).style(theme.bad)
        }
        (_, Some(rescale)) => Line::from(match rescale.all_copying_after_ms {
            Some(ms) => format!("last rescale {} → {}: all lanes copying after {ms} ms", rescale.from, rescale.to),
            None => format!("rescaling {} → {}: waiting for every lane to copy", rescale.from, rescale.to),
        }),
        _ => Line::from(format!(
            "{} start · {} stop · {} / {} one lane more or fewer · :rescale N",
            context.key(&Action::Start, ":start"),
            context.key(&Action::Stop, ":stop"),
            context.key(&Action::RescaleUp, ":rescale"),
            context.key(&Action::RescaleDown, ":rescale"),
        )),
    };
    Paragraph::new(vec![Line::from(first), second]).block(Block::default().borders(Borders::BOTTOM))
}

/// Records copied over the migration's life (the partitions' audit counters): unlike
/// the lanes' own counters it never drops when a rescale replaces the lanes.
pub fn copied_total(status: &EngineStatus) -> u64 {
    status.partitions.iter().fold(0u64, |total, partition| total.saturating_add(partition.records_copied))
}

/// `orders[0,1,2] payments[4]`: partitions grouped by topic, in assignment order.
pub fn partitions_text(partitions: &[TopicPartition]) -> String {
    let mut groups: Vec<(&str, Vec<i32>)> = Vec::new();
    for tp in partitions {
        match groups.iter_mut().find(|(topic, _)| *topic == tp.topic) {
            Some((_, numbers)) => numbers.push(tp.partition),
            None => groups.push((&tp.topic, vec![tp.partition])),
        }
    }
    groups
        .iter()
        .map(|(topic, numbers)| {
            let numbers: Vec<String> = numbers.iter().map(i32::to_string).collect();
            format!("{topic}[{}]", numbers.join(","))
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn event_text(kind: &EngineEventKind) -> String {
    match kind {
        EngineEventKind::Started { lanes } => format!("started with {lanes} lanes"),
        EngineEventKind::Stopped => "stopped".into(),
        EngineEventKind::Rescaled { from, to } => format!("rescaled {from} → {to} lanes"),
        EngineEventKind::Paused { topic } => format!("paused {topic}"),
        EngineEventKind::Resumed { topic } => format!("resumed {topic}"),
        EngineEventKind::LaneError { lane, error } => format!("lane {lane}: {error}"),
        EngineEventKind::TopicAdded { topic } => format!("topic added: {topic}"),
        EngineEventKind::TopicFailed { topic, reason } => format!("{topic} not copied: {reason}"),
        EngineEventKind::Fenced { lane } => format!("lane {lane} fenced"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partitions_group_by_topic() {
        let partitions =
            [TopicPartition::new("orders", 0), TopicPartition::new("payments", 4), TopicPartition::new("orders", 2)];
        assert_eq!(partitions_text(&partitions), "orders[0,2] payments[4]");
        assert_eq!(partitions_text(&[]), "");
    }

    #[test]
    fn the_chart_keeps_one_sample_a_second_while_the_engine_runs() {
        let mut pane = EnginePane::default();
        let mut status = EngineStatus::default();
        pane.observe(&status, 1_000);
        assert!(pane.throughput.is_empty(), "a stopped engine that never ran draws nothing");
        status.state = EngineState::Running;
        for at in [1_000, 1_400, 2_000, 2_999, 3_100] {
            pane.observe(&status, at);
        }
        let times: Vec<i64> = pane.throughput.iter().map(|(at, _)| *at).collect();
        assert_eq!(times, [1_000, 2_000, 3_100]);
    }
}
