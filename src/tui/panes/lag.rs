//! Replication lag per topic, expandable to partitions, from the engine's
//! status snapshots. Before the engine has reported a partition, the plan's
//! partitions as the clusters hold them stand in (the size of the job), and the
//! destination's high watermarks come from the same reads. The arithmetic lives
//! in `lag_math`; this file keeps the selection and draws.

use std::collections::{HashMap, HashSet};

use ratatui::layout::Layout;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::engine::status::{EngineState, EngineStatus, PartitionStatus, TopicState};
use crate::tui::action::Action;
use crate::tui::lag_math::{
    self, count_text, eta_text, offset_text, rate_text, sort_rows, LagTracker, SortKey, TopicRow,
};
use crate::tui::theme::Theme;

use super::common::{matches_filter, Effects, ListCursor, PaneContext};

#[derive(Debug, Default, Clone)]
pub struct LagPane {
    tracker: LagTracker,
    /// Sorted, unfiltered; rebuilt on every status snapshot.
    rows: Vec<TopicRow>,
    pub sort: SortKey,
    pub cursor: ListCursor,
    pub expanded: HashSet<String>,
    pub filter: String,
    /// The plan's partitions as last read from the clusters.
    plan_partitions: Vec<PartitionStatus>,
    /// Whether the rows come from the engine (false: from the plan's partitions).
    from_engine: bool,
    /// Rows the table showed at the last update: where the view scrolls.
    visible: usize,
    /// Set when another runner copies the plan (`[runner]`): its description.
    pub runner: Option<String>,
    /// A watched runner's positions: per partition, the next offset, when it was
    /// seen to move (ms), and whether that is only when the watch began.
    moves: HashMap<(String, i32), (i64, i64, bool)>,
}

/// A watched runner's position that has not moved this long while it has lag is
/// stalled (as `kdeck watch`'s default `--stall-after`).
pub const WATCH_STALL_MS: i64 = 180_000;

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
        let merged = self.merged(status);
        self.from_engine = !status.partitions.is_empty() && self.runner.is_none();
        self.tracker.observe(&merged, now_ms);
        self.rows = self.tracker.rows(&merged);
        sort_rows(&mut self.rows, self.sort);
        self.keep_selection_on(selected_topic.as_deref());
    }

    /// The plan's partitions read from the clusters; the engine's snapshot still wins.
    pub fn on_plan_partitions(&mut self, partitions: Vec<PartitionStatus>, status: &EngineStatus, now_ms: i64) {
        if self.runner.is_some() {
            let mut moves = HashMap::new();
            for partition in partitions.iter().filter(|p| p.next_source_offset >= 0) {
                let key = (partition.source.topic.clone(), partition.source.partition);
                let next = partition.next_source_offset;
                let seen = match self.moves.get(&key) {
                    None => (next, now_ms, true),
                    Some(&(before, at, since_watch)) if before == next => (next, at, since_watch),
                    Some(_) => (next, now_ms, false),
                };
                moves.insert(key, seen);
            }
            self.moves = moves;
        }
        self.plan_partitions = partitions;
        self.refresh(status, now_ms);
    }

    /// Starts over on another runner (`None`: kdeck's engine), keeping the sort and filter.
    pub fn watch(&mut self, runner: Option<String>) {
        *self = LagPane {
            sort: self.sort,
            filter: std::mem::take(&mut self.filter),
            visible: self.visible,
            runner,
            ..LagPane::default()
        };
    }

    /// The engine's partitions, or the plan's before it has any (always, while
    /// another runner is watched); either way with the destination's high
    /// watermark where the engine does not know it.
    fn merged(&self, status: &EngineStatus) -> EngineStatus {
        let ours = status.partitions.is_empty() || self.runner.is_some();
        let mut partitions = if ours { self.plan_partitions.clone() } else { status.partitions.clone() };
        // A map, not a search per partition: at 3,000 partitions that was
        // millions of name comparisons on every engine snapshot.
        let read: HashMap<(&str, i32), i64> = self
            .plan_partitions
            .iter()
            .map(|p| ((p.source.topic.as_str(), p.source.partition), p.destination_high_watermark))
            .collect();
        for partition in &mut partitions {
            if partition.destination_high_watermark < 0 {
                let key = (partition.source.topic.as_str(), partition.source.partition);
                partition.destination_high_watermark = read.get(&key).copied().unwrap_or(-1);
            }
        }
        EngineStatus { partitions, topics: status.topics.clone(), ..EngineStatus::default() }
    }

    /// The total lag the top bar shows: unknown while no partition is known, and
    /// while the engine has failed (its numbers stopped moving).
    pub fn total_lag(&self, status: &EngineStatus) -> Option<i64> {
        if self.rows.is_empty() || matches!(status.state, EngineState::Failed(_)) {
            return None;
        }
        self.rows.iter().try_fold(0i64, |total, row| Some(total.saturating_add(row.lag?)))
    }

    /// The body's height changed: the table shows this many rows now.
    pub fn resize(&mut self, body_rows: u16) {
        self.visible = table_rows(body_rows);
        self.cursor.follow(self.lines().len(), self.visible);
    }

    /// How long a watched runner's position has stood still, and whether that is a
    /// lower bound (it has not moved since the watch began); None when not watching.
    pub fn position_age(&self, topic: &str, partition: i32, now_ms: i64) -> Option<(i64, bool)> {
        let &(_, at, since_watch) = self.moves.get(&(topic.to_owned(), partition))?;
        Some((now_ms.saturating_sub(at).max(0), since_watch))
    }

    /// A watched runner's partition with lag whose position stood still for [`WATCH_STALL_MS`].
    pub fn stalled(&self, topic: &str, partition: &lag_math::PartitionRow, now_ms: i64) -> bool {
        partition.lag.unwrap_or(0) > 0
            && self.position_age(topic, partition.partition, now_ms).is_some_and(|(age, _)| age >= WATCH_STALL_MS)
    }

    pub fn selected(&self) -> usize {
        self.cursor.selected
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
        let line = self.lines().get(self.cursor.selected).copied()?;
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
                self.cursor.select(position, lines.len(), self.visible);
                return;
            }
        }
        self.cursor.follow(lines.len(), self.visible);
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_owned();
        self.cursor = ListCursor::default();
    }

    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        self.visible = table_rows(context.body_rows);
        Effects::handled(self.apply(action))
    }

    fn apply(&mut self, action: &Action) -> bool {
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
                self.cursor.navigate(len, other, self.visible)
            }
        }
    }
}

const SPARK_WIDTH: usize = 12;

/// Rows of topics the table shows in a body this tall: less its borders, header and
/// a line for topics the engine cannot copy. 0 while the body's height is unknown.
fn table_rows(body_rows: u16) -> usize {
    usize::from(body_rows.saturating_sub(4))
}

/// Topics the engine cannot copy, with the reason, in red under the table.
fn topic_problems(status: &EngineStatus) -> Vec<String> {
    status
        .topics
        .iter()
        .filter_map(|topic| match &topic.state {
            TopicState::Error(reason) => Some(format!("{} not copied: {reason}", topic.source_topic)),
            _ => None,
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, pane: &LagPane, context: &PaneContext<'_>) {
    let (status, theme) = (context.status, context.theme);
    let total = pane.total_lag(status).map_or_else(|| "?".to_owned(), count_text);
    let sort = match pane.sort {
        SortKey::Lag => "lag",
        SortKey::Name => "name",
        SortKey::Rate => "rate",
    };
    // A watched runner's rate is its positions' pace; its bytes are not known.
    let speed = match &pane.runner {
        Some(_) => rate_text(pane.rows.iter().map(|row| row.copy_rate).sum()),
        None => format!(
            "{} · {}",
            rate_text(status.records_per_sec()),
            lag_math::megabytes_per_sec_text(status.bytes_per_sec())
        ),
    };
    let mut title = vec![Span::raw(" Lag "), Span::raw(format!("· total {total} · {speed} · sort: {sort} "))];
    if !pane.filter.is_empty() {
        title.push(Span::styled(format!("· filter: {} ", pane.filter), theme.warn));
    }
    if let Some(runner) = &pane.runner {
        title.push(Span::styled(format!("· runner {runner} "), theme.accent));
    } else if !pane.from_engine && !pane.rows.is_empty() {
        let start = context.key(&Action::Start, ":start");
        title.push(Span::styled(format!("· before the engine runs: {start} starts it "), theme.quiet));
    }
    let block = Block::default().borders(Borders::ALL).title(Line::from(title));
    let problems = topic_problems(status);
    let problem_rows = u16::try_from(problems.len()).unwrap_or(u16::MAX).min(area.height / 3);
    let [area, problems_area] = Layout::vertical([Constraint::Fill(1), Constraint::Length(problem_rows)]).areas(area);
    let problem_lines: Vec<Line> =
        problems.into_iter().map(|text| Line::styled(format!(" {text}"), theme.bad)).collect();
    frame.render_widget(Paragraph::new(problem_lines), problems_area);
    if pane.rows.is_empty() {
        let text = if status.partitions.is_empty() {
            format!(
                "No partitions yet: reading the plan's topics from the source, or {} starts the engine.",
                context.key(&Action::Start, ":start")
            )
        } else {
            "No topics.".to_owned()
        };
        frame.render_widget(Paragraph::new(text).block(block), area);
        return;
    }
    let header = Row::new(["topic", "src high", "replicated", "dst high", "lag", "rec/s", "ETA", "throughput"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let lines = pane.lines();
    let rows = lines.iter().filter_map(|line| match *line {
        LagLine::Topic(index) => pane.rows.get(index).map(|row| topic_row(pane, row, theme, context.now_ms)),
        LagLine::Partition(topic, partition) => pane.rows.get(topic).and_then(|row| {
            row.partitions
                .get(partition)
                .map(|partition| partition_row(pane, &row.topic, partition, theme, context.now_ms))
        }),
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
    let mut state = pane.cursor.table_state(lines.len());
    frame.render_stateful_widget(table, area, &mut state);
}

fn topic_row<'a>(pane: &LagPane, row: &'a TopicRow, theme: &Theme, now_ms: i64) -> Row<'a> {
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
        if row.partitions.iter().any(|p| pane.stalled(&row.topic, p, now_ms)) {
            Cell::from("stalled").style(theme.bad)
        } else {
            Cell::from(eta_text(row.eta_secs()))
        },
        Cell::from(lag_math::sparkline_text(&pane.sparkline(&row.topic), SPARK_WIDTH)).style(theme.accent),
    ])
}

fn partition_row(
    pane: &LagPane,
    topic: &str,
    partition: &lag_math::PartitionRow,
    theme: &Theme,
    now_ms: i64,
) -> Row<'static> {
    let lag = partition.lag.map_or_else(|| "?".to_owned(), count_text);
    let eta = partition.lag.and_then(|lag| lag_math::eta_secs(lag, partition.copy_rate, partition.produce_rate));
    let stalled = pane.stalled(topic, partition, now_ms);
    // A watched runner's position age, in the throughput column partitions leave empty.
    let age = pane.position_age(topic, partition.partition, now_ms).map_or_else(String::new, |(ms, at_least)| {
        format!("age {}{}", if at_least { "≥" } else { "" }, eta_text(Some((ms / 1_000) as f64)))
    });
    let row = Row::new([
        Cell::from(format!("    [{}]", partition.partition)),
        Cell::from(offset_text(partition.source_high_watermark)),
        Cell::from(offset_text(partition.next_source_offset)),
        Cell::from(offset_text(partition.destination_high_watermark)),
        Cell::from(lag),
        Cell::from(rate_text(partition.copy_rate)),
        if stalled { Cell::from("stalled").style(theme.bad) } else { Cell::from(eta_text(eta)) },
        Cell::from(age),
    ]);
    row.style(theme.quiet)
}
