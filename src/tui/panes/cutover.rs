//! The groups view's cutover overlay: one group's translated offsets per
//! partition (source committed, destination offset, method, lag) from a dry
//! run, and what applying them would do or why it would be refused. Applying
//! goes through the app's mutation gates; this view only shows and asks.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::cutover::plan_run::CutoverResult;
use crate::tui::action::Action;
use crate::tui::theme::Theme;

use super::common::{Effects, ListCursor, Load, PaneContext, RequestIds};

#[derive(Debug, Default, Clone)]
pub struct CutoverView {
    /// The group on screen; `None` when the overlay is closed.
    pub group: Option<String>,
    pub plan: Load<CutoverResult>,
    /// An apply is on its way to the worker.
    pub applying: bool,
    pub cursor: ListCursor,
    ids: RequestIds,
}

impl CutoverView {
    /// Opens the overlay on `group` with its dry run on the way; returns the request id.
    pub fn start(&mut self, group: &str) -> u64 {
        self.group = Some(group.to_owned());
        self.plan = Load::Loading;
        self.applying = false;
        self.cursor = ListCursor::default();
        self.ids.ask()
    }

    /// The id of the apply request for the group on screen.
    pub fn start_apply(&mut self) -> u64 {
        self.applying = true;
        self.ids.ask()
    }

    pub fn is_open(&self) -> bool {
        self.group.is_some()
    }

    pub fn close(&mut self) {
        self.group = None;
        self.ids.forget();
        self.applying = false;
    }

    /// The group whose dry run is on screen: the one a second `cutover` applies.
    pub fn planned_group(&self) -> Option<&str> {
        match (&self.plan, &self.group) {
            (Load::Ready(result), Some(group)) if &result.group == group && !self.applying => Some(group),
            _ => None,
        }
    }

    /// Takes the worker's answer if it is the one awaited; returns it so the app can say what happened.
    pub fn on_result(
        &mut self,
        id: u64,
        result: Result<CutoverResult, String>,
    ) -> Option<Result<CutoverResult, String>> {
        if self.group.is_none() || !self.ids.answers(id) {
            return None;
        }
        self.applying = false;
        self.plan = match &result {
            Ok(done) => Load::Ready(done.clone()),
            Err(err) => Load::Failed(err.clone()),
        };
        Some(result)
    }

    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        let rows = self.rows();
        Effects::handled(self.cursor.navigate(rows, action, usize::from(context.body_rows.saturating_sub(10))))
    }

    fn rows(&self) -> usize {
        match &self.plan {
            Load::Ready(result) => result.partitions.len(),
            _ => 0,
        }
    }
}

/// Room under the table for what applying would do, wrapped.
const FOOTER_ROWS: u16 = 3;

/// How the overlay is drawn: `apply` names what applies the dry run (the bound key, or `:cutover`).
pub struct CutoverLook<'a> {
    pub read_only: bool,
    pub apply: String,
    /// The key that closes the overlay, from the keymap.
    pub close: String,
    pub theme: &'a Theme,
}

pub fn render(frame: &mut Frame, area: Rect, view: &CutoverView, look: &CutoverLook<'_>) {
    let theme = look.theme;
    let Some(group) = &view.group else { return };
    let rows_wanted = match &view.plan {
        Load::Ready(result) => result.partitions.len() as u16 + FOOTER_ROWS + 3,
        _ => 5,
    };
    let area = inset(area, rows_wanted);
    frame.render_widget(Clear, area);
    let title = match &view.plan {
        Load::Ready(result) if result.applied => {
            format!(" Cutover of group {group}: {} -> {} (applied) ", result.source, result.destination)
        }
        Load::Ready(result) => {
            format!(" Cutover of group {group}: {} -> {} (dry run) ", result.source, result.destination)
        }
        _ => format!(" Cutover of group {group} "),
    };
    let block = Block::default().borders(Borders::ALL).title(title).title_bottom(format!(" {} closes ", look.close));
    let result = match &view.plan {
        Load::Ready(result) => result,
        Load::Failed(err) => {
            let text = Line::from(Span::styled(format!("Cannot cut over {group}: {err}"), theme.bad));
            return frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
        }
        Load::NotAsked | Load::Loading => {
            let text = format!("Translating the committed offsets of {group} (dry run, nothing is committed)…");
            return frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
        }
    };
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [table_area, footer] = Layout::vertical([Constraint::Fill(1), Constraint::Length(FOOTER_ROWS)]).areas(inner);
    let header = Row::new(["partition", "src committed", "dst offset", "method", "lag"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let rows = result.partitions.iter().map(|row| {
        let lag = match row.lag {
            Some(0) => Span::styled("0", theme.good),
            Some(lag) => Span::styled(lag.to_string(), theme.warn),
            None => Span::styled("?", theme.bad),
        };
        Row::new(vec![
            Line::from(format!("{} [{}]", row.topic, row.partition)),
            Line::from(row.source_committed.to_string()),
            Line::from(row.destination_offset.to_string()),
            Line::from(row.method.label()),
            Line::from(lag),
        ])
    });
    let widths = [
        Constraint::Fill(1),
        Constraint::Length(13),
        Constraint::Length(10),
        Constraint::Length(23),
        Constraint::Length(6),
    ];
    let table = Table::new(rows, widths).header(header).row_highlight_style(theme.selected);
    let mut state = view.cursor.table_state(view.rows());
    frame.render_stateful_widget(table, table_area, &mut state);
    let footer_text = Paragraph::new(footer_line(result, view.applying, look)).wrap(Wrap { trim: true });
    frame.render_widget(footer_text, footer);
}

/// What applying would do, or why it cannot.
fn footer_line(result: &CutoverResult, applying: bool, look: &CutoverLook<'_>) -> Line<'static> {
    let (theme, apply) = (look.theme, &look.apply);
    let count = result.partitions.len();
    match (&result.refused, result.applied) {
        (_, true) => Line::styled(
            format!("committed {count} offsets for group {} on {}", result.group, result.destination),
            theme.good,
        ),
        (Some(reason), _) => Line::styled(format!("applying would be refused: {reason}"), theme.bad),
        _ if applying => Line::from(format!("committing {count} offsets on {}…", result.destination)),
        _ if look.read_only => Line::styled(
            format!("dry run only: read-only cockpit, {apply} is refused and nothing is committed"),
            theme.warn,
        ),
        _ => Line::from(format!(
            "dry run: nothing committed. {apply} again commits these {count} offsets to group {} on {} \
             (asks first; refused if the group has members there)",
            result.group, result.destination
        )),
    }
}

/// Under the groups view's header, as tall as its rows need, leaving a margin of the view around it.
fn inset(area: Rect, rows_wanted: u16) -> Rect {
    let margin_x = if area.width >= 100 { 4 } else { 1 };
    let top = 2;
    let room = area.height.saturating_sub(top + 1);
    Rect {
        x: area.x + margin_x,
        y: area.y + top,
        width: area.width.saturating_sub(2 * margin_x),
        height: rows_wanted.min(room),
    }
}
