//! The engine's lanes (partitions, state, rate, transactions, last error) and
//! its recent events. The keys that drive the engine are handled by the app,
//! which owns the engine handle; this pane only selects a lane.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use crate::engine::assignment::TopicPartition;
use crate::engine::status::{EngineEventKind, EngineState, EngineStatus, LaneState};
use crate::tui::action::Action;
use crate::tui::lag_math::{count_text, rate_text};
use crate::tui::theme::Theme;

use super::move_cursor;

#[derive(Debug, Default, Clone)]
pub struct EnginePane {
    pub selected: usize,
}

impl EnginePane {
    pub fn update(&mut self, action: &Action, status: &EngineStatus) -> bool {
        move_cursor(&mut self.selected, status.lanes.len(), action, 10)
    }

    pub fn selected_lane(&self, status: &EngineStatus) -> Option<usize> {
        status.lanes.get(self.selected).map(|lane| lane.lane)
    }
}

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

pub fn render(frame: &mut Frame, area: Rect, pane: &EnginePane, status: &EngineStatus, now_ms: i64, theme: &Theme) {
    let [summary_area, lanes_area, history_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Fill(2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(summary(status, theme), summary_area);

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
        Constraint::Length(9),
        Constraint::Fill(2),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(6),
        Constraint::Fill(1),
    ];
    let title = format!(" Lanes {} (target {}) · +/- rescale ", status.lanes.len(), status.lanes_target);
    let lanes = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected((!status.lanes.is_empty()).then_some(pane.selected));
    frame.render_stateful_widget(lanes, lanes_area, &mut state);

    let events: Vec<Line> = status
        .history
        .iter()
        .rev()
        .take(usize::from(history_area.height.saturating_sub(2)))
        .map(|event| Line::from(format!("{:>7}  {}", ago(now_ms, event.at_ms), event_text(&event.kind))))
        .collect();
    let history = Paragraph::new(events).block(Block::default().borders(Borders::ALL).title(" Events "));
    frame.render_widget(history, history_area);
}

fn summary(status: &EngineStatus, theme: &Theme) -> Paragraph<'static> {
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
            count_text(i64::try_from(status.records_total()).unwrap_or(i64::MAX)),
            rate_text(status.records_per_sec()),
            status.commits(),
            status.aborts()
        )
        .into(),
    );
    let second = match (&status.state, &status.last_rescale) {
        (EngineState::Failed(reason), _) => Line::from(format!("failed: {reason}")).style(theme.bad),
        (_, Some(rescale)) => Line::from(match rescale.all_copying_after_ms {
            Some(ms) => format!("last rescale {} → {}: all lanes copying after {ms} ms", rescale.from, rescale.to),
            None => format!("rescaling {} → {}: waiting for every lane to copy", rescale.from, rescale.to),
        }),
        _ => Line::from("s start · S stop · + / - one lane more or fewer · :rescale N"),
    };
    Paragraph::new(vec![Line::from(first), second]).block(Block::default().borders(Borders::BOTTOM))
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

/// `12s ago`-style age of an event against the app's clock.
pub fn ago(now_ms: i64, at_ms: i64) -> String {
    let secs = now_ms.saturating_sub(at_ms).max(0) / 1_000;
    match secs {
        s if s < 60 => format!("{s}s ago"),
        s if s < 3_600 => format!("{}m ago", s / 60),
        s => format!("{}h ago", s / 3_600),
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
    fn ages() {
        assert_eq!(ago(10_000, 9_000), "1s ago");
        assert_eq!(ago(0, 5_000), "0s ago");
        assert_eq!(ago(200_000, 0), "3m ago");
        assert_eq!(ago(i64::MAX, i64::MIN), "2562047788015h ago");
    }
}
