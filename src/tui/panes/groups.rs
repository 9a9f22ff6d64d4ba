//! The Lag pane's consumer-groups view: per group its state on each side, and
//! per partition it committed on, the committed offset against the high
//! watermark on the source and on the destination. It asks the worker for a
//! fresh snapshot only while it is on screen, every [`REFRESH_EVERY_MS`].

use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table};
use ratatui::Frame;

use crate::config::ResolvedCluster;
use crate::tui::action::Action;
use crate::tui::group_fetch::{ConsumerGroup, GroupPartition, GroupSide, GroupsSnapshot};
use crate::tui::lag_math::{count_text, group_lag, total_group_lag};
use crate::tui::protocol::Request;
use crate::tui::theme::Theme;

use super::common::{matches_filter, Effects, ListCursor, Load, PaneContext, RequestIds};

pub const REFRESH_EVERY_MS: i64 = 5_000;

#[derive(Debug, Default, Clone)]
pub struct GroupsView {
    /// Whether the Lag pane shows groups instead of topics.
    pub visible: bool,
    pub groups: Load<GroupsSnapshot>,
    pub cursor: ListCursor,
    pub filter: String,
    /// The answer that counts: older ones are dropped (latest wins).
    ids: RequestIds,
    /// When the last answer arrived, for the refresh cadence.
    answered_at_ms: Option<i64>,
}

/// One visible line: a group, or one of the partitions it committed on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupLine {
    Group(usize),
    Partition(usize, usize),
}

/// What a request needs from the app.
pub struct GroupsQuery {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub topics: Vec<(String, String)>,
}

impl GroupsView {
    /// Shows or hides the view; showing it asks for fresh data at once.
    pub fn toggle(&mut self, query: GroupsQuery) -> Option<Request> {
        self.visible = !self.visible;
        self.visible.then(|| self.request(query))
    }

    pub fn request(&mut self, query: GroupsQuery) -> Request {
        let id = self.ids.ask();
        if !matches!(self.groups, Load::Ready(_)) {
            self.groups = Load::Loading;
        }
        Request::Groups { id, source: query.source, destination: query.destination, topics: query.topics }
    }

    /// A refresh when the view is visible, nothing is on its way and the last answer is old enough.
    pub fn due(&self, now_ms: i64) -> bool {
        self.visible
            && !self.ids.waiting()
            && self.answered_at_ms.is_none_or(|at| now_ms.saturating_sub(at) >= REFRESH_EVERY_MS)
    }

    /// Returns whether the view changed.
    pub fn on_groups(&mut self, id: u64, result: Result<GroupsSnapshot, String>, now_ms: i64) -> bool {
        if !self.ids.answers(id) {
            return false;
        }
        self.answered_at_ms = Some(now_ms);
        self.groups = match result {
            Ok(snapshot) => Load::Ready(snapshot),
            Err(err) => Load::Failed(err),
        };
        self.cursor.follow(self.lines().len(), 0);
        true
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_owned();
        self.cursor = ListCursor::default();
    }

    /// Groups whose name or one of whose topics matches the filter, each followed by its partitions.
    pub fn lines(&self) -> Vec<GroupLine> {
        let Load::Ready(snapshot) = &self.groups else { return Vec::new() };
        let mut lines = Vec::new();
        for (index, group) in snapshot.groups.iter().enumerate() {
            let shown = matches_filter(&group.name, &self.filter)
                || group.partitions.iter().any(|partition| matches_filter(&partition.topic, &self.filter));
            if shown {
                lines.push(GroupLine::Group(index));
                lines.extend((0..group.partitions.len()).map(|p| GroupLine::Partition(index, p)));
            }
        }
        lines
    }

    /// The group of the selected line (a group, or one of its partitions).
    pub fn selected_group(&self) -> Option<&str> {
        let Load::Ready(snapshot) = &self.groups else { return None };
        let index = match self.lines().get(self.cursor.selected)? {
            GroupLine::Group(index) | GroupLine::Partition(index, _) => *index,
        };
        snapshot.groups.get(index).map(|group| group.name.as_str())
    }

    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        let len = self.lines().len();
        Effects::handled(self.cursor.navigate(len, action, usize::from(context.body_rows.saturating_sub(4))))
    }
}

/// Below this inner width the high watermarks give way to the group names (the lag still implies them).
const WIDE_FROM: u16 = 110;

pub fn render(frame: &mut Frame, area: Rect, view: &GroupsView, context: &PaneContext<'_>) {
    let theme = context.theme;
    let mut title = vec![Span::raw(" Lag · consumer groups (source / destination) ")];
    if let Load::Ready(GroupsSnapshot { destination_error: Some(err), .. }) = &view.groups {
        title.push(Span::styled(format!("· destination unreadable: {err} "), theme.warn));
    }
    if !view.filter.is_empty() {
        title.push(Span::styled(format!("· filter: {} ", view.filter), theme.warn));
    }
    let block = Block::default().borders(Borders::ALL).title(Line::from(title));
    let snapshot = match &view.groups {
        Load::Ready(snapshot) if !snapshot.groups.is_empty() => snapshot,
        Load::Ready(_) => return message(frame, area, block, "No consumer groups on either cluster."),
        Load::Failed(err) => return message(frame, area, block, &format!("Cannot read the consumer groups: {err}")),
        Load::NotAsked | Load::Loading => return message(frame, area, block, "Reading the consumer groups…"),
    };
    let wide = block.inner(area).width >= WIDE_FROM;
    let columns = Columns { wide };
    let rows = view.lines().into_iter().filter_map(|line| match line {
        GroupLine::Group(index) => snapshot.groups.get(index).map(|group| columns.group_row(group, theme)),
        GroupLine::Partition(index, partition) => snapshot
            .groups
            .get(index)
            .and_then(|group| group.partitions.get(partition))
            .map(|partition| columns.partition_row(partition, theme)),
    });
    let header = Row::new(columns.pick(
        ["group / topic", "src state", "dst state", "src commit", "src high", "src lag"],
        ["dst commit", "dst high", "dst lag"],
    ))
    .style(Style::default().add_modifier(Modifier::BOLD));
    let state_width = if wide { 14 } else { 11 };
    let widths = columns.pick(
        [
            Constraint::Fill(1),
            Constraint::Length(state_width),
            Constraint::Length(state_width),
            Constraint::Length(10),
            Constraint::Length(10),
            Constraint::Length(7),
        ],
        [Constraint::Length(10), Constraint::Length(10), Constraint::Length(7)],
    );
    let table = Table::new(rows, widths).header(header).block(block).row_highlight_style(theme.selected);
    let mut state = view.cursor.table_state(lines_len(view));
    frame.render_stateful_widget(table, area, &mut state);
}

/// The column set for the width at hand: all nine, or without the two high watermarks.
struct Columns {
    wide: bool,
}

impl Columns {
    /// `source` ends with (commit, high, lag) and `destination` is (commit, high, lag).
    fn pick<T>(&self, source: [T; 6], destination: [T; 3]) -> Vec<T> {
        let wide = self.wide;
        let keep = |position: usize| wide || position % 3 != 1;
        let source = source.into_iter().enumerate().filter(move |(index, _)| *index < 3 || keep(*index - 3));
        let destination = destination.into_iter().enumerate().filter(move |(index, _)| keep(*index));
        source.chain(destination).map(|(_, cell)| cell).collect()
    }

    fn group_row(&self, group: &ConsumerGroup, theme: &Theme) -> Row<'static> {
        let source_lag = side_lag(group, |p| p.source_committed, |p| p.source_high_watermark, theme);
        let destination_lag = side_lag(group, |p| p.destination_committed, |p| p.destination_high_watermark, theme);
        Row::new(self.pick(
            [
                Cell::from(group.name.clone()),
                Cell::from(side_text(group.source.as_ref())),
                Cell::from(side_text(group.destination.as_ref())),
                Cell::from(""),
                Cell::from(""),
                source_lag,
            ],
            [Cell::from(""), Cell::from(""), destination_lag],
        ))
        .style(Style::default().add_modifier(Modifier::BOLD))
    }

    fn partition_row(&self, partition: &GroupPartition, theme: &Theme) -> Row<'static> {
        let text = |offset: Option<i64>| offset.map_or_else(|| "–".to_owned(), |offset| offset.to_string());
        let source_lag = group_lag(partition.source_high_watermark, partition.source_committed);
        let destination_lag = group_lag(partition.destination_high_watermark, partition.destination_committed);
        Row::new(self.pick(
            [
                Cell::from(format!("  {} [{}]", partition.topic, partition.partition)),
                Cell::from(""),
                Cell::from(""),
                Cell::from(text(partition.source_committed)),
                Cell::from(text(partition.source_high_watermark)),
                lag_cell(source_lag, partition.source_committed.is_some(), theme),
            ],
            [
                Cell::from(text(partition.destination_committed)),
                Cell::from(text(partition.destination_high_watermark)),
                lag_cell(destination_lag, partition.destination_committed.is_some(), theme),
            ],
        ))
        .style(theme.quiet)
    }
}

fn message(frame: &mut Frame, area: Rect, block: Block<'_>, text: &str) {
    frame.render_widget(Paragraph::new(text.to_owned()).block(block), area);
}

/// "Stable ×3", or "–" where the cluster does not know the group. Both
/// rebalance phases read "Rebalancing": the difference does not matter to a
/// migration and the long names would not fit.
fn side_text(side: Option<&GroupSide>) -> String {
    side.map_or_else(
        || "–".to_owned(),
        |side| {
            let state = if side.state.ends_with("Rebalance") { "Rebalancing" } else { side.state.as_str() };
            format!("{state} ×{}", side.members)
        },
    )
}

type Offset = fn(&GroupPartition) -> Option<i64>;

/// A group's total lag on one side, over the partitions it committed on there; "–" where it committed none.
fn side_lag(group: &ConsumerGroup, committed: Offset, high_watermark: Offset, theme: &Theme) -> Cell<'static> {
    let lags: Vec<Option<i64>> = group
        .partitions
        .iter()
        .filter(|partition| committed(partition).is_some())
        .map(|partition| group_lag(high_watermark(partition), committed(partition)))
        .collect();
    if lags.is_empty() {
        Cell::from("–")
    } else {
        lag_cell(total_group_lag(lags), true, theme)
    }
}

fn lag_cell(lag: Option<i64>, known_side: bool, theme: &Theme) -> Cell<'static> {
    match lag {
        Some(0) => Cell::from("0").style(theme.good),
        Some(lag) => Cell::from(count_text(lag)).style(theme.warn),
        None if known_side => Cell::from("?").style(theme.bad),
        None => Cell::from("–"),
    }
}

fn lines_len(view: &GroupsView) -> usize {
    view.lines().len()
}
