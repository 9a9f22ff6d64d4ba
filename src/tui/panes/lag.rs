//! Replication lag per topic, expandable to partitions, from the engine's
//! status snapshots. The arithmetic lives in `lag_math`; this file keeps the
//! selection and draws.

use std::collections::HashSet;

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};
use ratatui::Frame;

use crate::engine::status::EngineStatus;
use crate::tui::action::Action;
use crate::tui::lag_math::{
    self, count_text, eta_text, offset_text, rate_text, sort_rows, LagTracker, SortKey, TopicRow,
};
use crate::tui::theme::Theme;

use super::{matches_filter, move_cursor};

#[derive(Debug, Default, Clone)]
pub struct LagPane {
    tracker: LagTracker,
    /// Sorted, unfiltered; rebuilt on every status snapshot.
    rows: Vec<TopicRow>,
    pub sort: SortKey,
    pub selected: usize,
    pub expanded: HashSet<String>,
    pub filter: String,
}

/// One visible line: a topic, or one of an expanded topic's partitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagLine {
    Topic(usize),
    Partition(usize, usize),
}

impl LagPane {
    /// Folds a new snapshot in: rates, sparklines, rows. This is the refresh
    /// computation the cockpit does per snapshot.
    pub fn refresh(&mut self, status: &EngineStatus, now_ms: i64) {
        let selected_topic = self.selected_topic().map(str::to_owned);
        self.tracker.observe(status, now_ms);
        self.rows = self.tracker.rows(status);
        sort_rows(&mut self.rows, self.sort);
        self.keep_selection_on(selected_topic.as_deref());
    }

    pub fn rows(&self) -> &[TopicRow] {
        &self.rows
    }

    pub fn sparkline(&self, topic: &str) -> Vec<u64> {
        self.tracker.sparkline(topic)
    }

    pub fn lines(&self) -> Vec<LagLine> {
        let mut lines = Vec::new();
        for (index, row) in self.rows.iter().enumerate() {
            if !matches_filter(&row.topic, &self.filter) {
                continue;
            }
            lines.push(LagLine::Topic(index));
            if self.expanded.contains(&row.topic) {
                lines.extend((0..row.partitions.len()).map(|p| LagLine::Partition(index, p)));
            }
        }
        lines
    }

    pub fn selected_topic(&self) -> Option<&str> {
        let line = self.lines().get(self.selected).copied()?;
        let (LagLine::Topic(index) | LagLine::Partition(index, _)) = line;
        self.rows.get(index).map(|row| row.topic.as_str())
    }

    fn keep_selection_on(&mut self, topic: Option<&str>) {
        let lines = self.lines();
        if let Some(topic) = topic {
            let found = lines.iter().position(|line| {
                matches!(line, LagLine::Topic(index) if self.rows.get(*index).is_some_and(|row| row.topic == topic))
            });
            if let Some(position) = found {
                self.selected = position;
                return;
            }
        }
        self.selected = self.selected.min(lines.len().saturating_sub(1));
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_owned();
        self.selected = 0;
    }

    /// Returns whether the pane changed.
    pub fn update(&mut self, action: &Action) -> bool {
        let selected_topic = self.selected_topic().map(str::to_owned);
        match action {
            Action::Expand => {
                if let Some(topic) = selected_topic.clone() {
                    if !self.expanded.remove(&topic) {
                        self.expanded.insert(topic.clone());
                    }
                    self.keep_selection_on(Some(&topic));
                }
                true
            }
            Action::SortLag | Action::SortName | Action::SortRate => {
                self.sort = match action {
                    Action::SortName => SortKey::Name,
                    Action::SortRate => SortKey::Rate,
                    _ => SortKey::Lag,
                };
                sort_rows(&mut self.rows, self.sort);
                self.keep_selection_on(selected_topic.as_deref());
                true
            }
            other => {
                let len = self.lines().len();
                move_cursor(&mut self.selected, len, other, 10)
            }
        }
    }
}

const SPARK_WIDTH: usize = 12;

pub fn render(frame: &mut Frame, area: Rect, pane: &LagPane, status: &EngineStatus, theme: &Theme) {
    let total = status.total_lag().map_or_else(|| "?".to_owned(), count_text);
    let sort = match pane.sort {
        SortKey::Lag => "lag",
        SortKey::Name => "name",
        SortKey::Rate => "rate",
    };
    let mut title = vec![
        Span::raw(" Lag "),
        Span::raw(format!("· total {total} · {} · ", rate_text(status.records_per_sec()))),
        Span::raw(format!("{} · sort: {sort} ", lag_math::megabytes_per_sec_text(status.bytes_per_sec()))),
    ];
    if !pane.filter.is_empty() {
        title.push(Span::styled(format!("· filter: {} ", pane.filter), theme.warn));
    }
    let block = Block::default().borders(Borders::ALL).title(Line::from(title));
    if pane.rows.is_empty() {
        let text = if status.partitions.is_empty() {
            "No partitions yet: start the engine (s) to see replication lag."
        } else {
            "No topics."
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let header = Row::new(["topic", "src high", "replicated", "dst high", "lag", "rec/s", "ETA", "throughput"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let lines = pane.lines();
    let rows = lines.iter().filter_map(|line| match *line {
        LagLine::Topic(index) => pane.rows.get(index).map(|row| topic_row(pane, row, theme)),
        LagLine::Partition(topic, partition) => pane
            .rows
            .get(topic)
            .and_then(|row| row.partitions.get(partition))
            .map(|partition| partition_row(partition, theme)),
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Length(8),
        Constraint::Length(7),
        Constraint::Length(SPARK_WIDTH as u16),
    ];
    let table = Table::new(rows, widths).header(header).block(block).row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(Some(pane.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

fn topic_row<'a>(pane: &LagPane, row: &'a TopicRow, theme: &Theme) -> Row<'a> {
    let marker = if pane.expanded.contains(&row.topic) { "▾ " } else { "▸ " };
    let name = if row.paused { format!("{marker}{} (paused)", row.topic) } else { format!("{marker}{}", row.topic) };
    let lag = row.lag.map_or_else(|| "?".to_owned(), count_text);
    let lag_style = match row.lag {
        Some(0) => theme.good,
        Some(_) => theme.warn,
        None => theme.bad,
    };
    Row::new([
        Cell::from(name),
        Cell::from(offset_text(row.source_high_watermark)),
        Cell::from(offset_text(row.next_source_offset)),
        Cell::from(offset_text(row.destination_high_watermark)),
        Cell::from(lag).style(lag_style),
        Cell::from(rate_text(row.copy_rate)),
        Cell::from(eta_text(row.eta_secs())),
        Cell::from(lag_math::sparkline_text(&pane.sparkline(&row.topic), SPARK_WIDTH)).style(theme.accent),
    ])
}

fn partition_row(partition: &lag_math::PartitionRow, theme: &Theme) -> Row<'static> {
    let lag = partition.lag.map_or_else(|| "?".to_owned(), count_text);
    let eta = partition.lag.and_then(|lag| lag_math::eta_secs(lag, partition.copy_rate, partition.produce_rate));
    Row::new([
        format!("    [{}]", partition.partition),
        offset_text(partition.source_high_watermark),
        offset_text(partition.next_source_offset),
        offset_text(partition.destination_high_watermark),
        lag,
        rate_text(partition.copy_rate),
        eta_text(eta),
        String::new(),
    ])
    .style(theme.quiet)
}
