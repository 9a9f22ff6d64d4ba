//! The Verify pane: per topic ✓ (match), ≈ (explained), ✗ (mismatch) or …
//! (being verified), a progress bar while a verification runs, and a
//! drill-down to a topic's first mismatch with both records side by side;
//! below the topics, the schema check (one row per schema id) when the plan
//! names registries.
//! The verification itself runs off the UI thread; this pane only reads the
//! messages it sends.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Gauge, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::schemas::verify::{IdCheck, IdState, SchemaCheck};
use crate::tui::action::Action;
use crate::tui::protocol::{InspectedRecord, Request};
pub use crate::tui::protocol::{MismatchSample, VerifyOutcome, VerifyProgressView};
use crate::tui::theme::Theme;
use crate::verify::explain::Verdict;
use crate::verify::render::describe;

use super::common::{Effects, ListCursor, PaneContext};

#[derive(Debug, Default, Clone)]
pub struct VerifyPane {
    pub running: bool,
    pub progress: VerifyProgressView,
    pub outcome: Option<VerifyOutcome>,
    pub error: Option<String>,
    pub cursor: ListCursor,
    /// Showing the selected topic's first mismatch.
    pub drill: bool,
}

impl VerifyPane {
    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        let rows = self.rows().len();
        let schemas = self.schema_height(context.body_rows.saturating_sub(4));
        let visible = usize::from(context.body_rows.saturating_sub(7 + schemas));
        match action {
            Action::Refresh if !self.running => {
                self.on_started();
                Effects::request(Request::Verify)
            }
            Action::Expand if self.selected_sample().is_some() => {
                self.drill = true;
                Effects::handled(true)
            }
            Action::Escape if self.drill => {
                self.drill = false;
                Effects::handled(true)
            }
            _ if !self.drill => Effects::handled(self.cursor.navigate(rows, action, visible)),
            _ => Effects::handled(false),
        }
    }

    pub fn on_started(&mut self) {
        self.running = true;
        self.progress = VerifyProgressView::default();
        self.error = None;
        self.drill = false;
    }

    pub fn on_progress(&mut self, progress: VerifyProgressView) {
        self.progress = progress;
    }

    pub fn on_verified(&mut self, result: Result<VerifyOutcome, String>) {
        self.running = false;
        match result {
            Ok(outcome) => {
                self.outcome = Some(outcome);
                self.cursor.follow(self.rows().len(), 0);
            }
            Err(error) => self.error = Some(error),
        }
    }

    /// The compared topics, in report order.
    fn rows(&self) -> Vec<&crate::verify::plan_run::TopicReport> {
        self.outcome
            .as_ref()
            .map_or_else(Vec::new, |o| o.report.topics.iter().filter(|t| t.verdict.is_some()).collect())
    }

    pub fn schema_check(&self) -> Option<&Result<SchemaCheck, String>> {
        self.outcome.as_ref()?.schemas.as_ref()
    }

    /// Rows the schema check takes below the topics, at most half of `body`.
    fn schema_height(&self, body: u16) -> u16 {
        let wanted = match self.schema_check() {
            None => return 0,
            Some(Ok(check)) => check.ids.len().max(1) + 3,
            Some(Err(_)) => 4,
        };
        u16::try_from(wanted).unwrap_or(u16::MAX).min(body / 2)
    }

    fn schema_failures(&self) -> usize {
        match self.schema_check() {
            Some(Ok(check)) => check.failures(),
            Some(Err(_)) => 1,
            None => 0,
        }
    }

    pub fn selected_sample(&self) -> Option<&MismatchSample> {
        let topic = self.rows().get(self.cursor.selected)?.topic.clone();
        self.outcome.as_ref()?.samples.iter().find(|s| s.topic == topic)
    }
}

fn verdict_cell(verdict: Option<Verdict>, running: bool, theme: &Theme) -> Span<'static> {
    match (running, verdict) {
        (true, _) => Span::styled("…", theme.warn),
        (false, Some(Verdict::Match)) => Span::styled("✓", theme.good),
        (false, Some(Verdict::Explained)) => Span::styled("≈", theme.warn),
        (false, _) => Span::styled("✗", theme.bad),
    }
}

pub fn render(frame: &mut Frame, area: Rect, pane: &VerifyPane, context: &PaneContext<'_>) {
    let theme = context.theme;
    let [gauge_area, body_area, help_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    render_gauge(frame, gauge_area, pane, context, theme);
    match pane.selected_sample().filter(|_| pane.drill) {
        Some(sample) => render_drill(frame, body_area, sample, theme),
        None => {
            let schemas = pane.schema_height(body_area.height);
            let [topics_area, schemas_area] =
                Layout::vertical([Constraint::Fill(1), Constraint::Length(schemas)]).areas(body_area);
            render_topics(frame, topics_area, pane, theme);
            if let Some(check) = pane.schema_check() {
                render_schemas(frame, schemas_area, check, theme);
            }
        }
    }
    let help = if pane.drill {
        format!("{} back", context.key(&Action::Escape, "Esc"))
    } else {
        format!(
            "{} verify the plan · {}{} select · {} first mismatch",
            context.key(&Action::Refresh, ":refresh"),
            context.key(&Action::Up, "↑"),
            context.key(&Action::Down, "↓"),
            context.key(&Action::Expand, "Enter")
        )
    };
    frame.render_widget(Paragraph::new(Span::styled(help, theme.quiet)), help_area);
}

fn render_gauge(frame: &mut Frame, area: Rect, pane: &VerifyPane, context: &PaneContext, theme: &Theme) {
    let again = context.key(&Action::Refresh, ":refresh");
    let p = pane.progress;
    let ratio =
        if p.records_expected == 0 { 0.0 } else { (p.records_read as f64 / p.records_expected as f64).min(1.0) };
    let (ratio, label) = match (&pane.error, pane.running, &pane.outcome) {
        (Some(error), false, _) => (0.0, format!("verification failed: {error}")),
        (_, true, _) => (
            ratio,
            format!(
                "{}/{} records · {}/{} partitions",
                p.records_read, p.records_expected, p.partitions_done, p.partitions_total
            ),
        ),
        (_, false, Some(outcome)) => {
            let schemas = match (outcome.schemas.as_ref(), pane.schema_failures()) {
                (Some(Err(_)), _) => " · schema check not done".to_string(),
                (Some(Ok(_)), 0) => " · every schema id the same".to_string(),
                (Some(Ok(_)), n) => format!(" · {n} schema id(s) fail"),
                (None, _) => String::new(),
            };
            (1.0, format!("{}{schemas} · {again} verifies again", outcome.report.verdict.label()))
        }
        (_, false, None) => (0.0, format!("not verified yet: {again} verifies")),
    };
    let style = match (&pane.error, pane.outcome.as_ref().map(|o| o.report.verdict)) {
        (Some(_), _) => theme.bad,
        (_, Some(Verdict::Mismatch)) if !pane.running => theme.bad,
        _ if !pane.running && pane.schema_failures() > 0 => theme.bad,
        _ => theme.good,
    };
    let gauge = Gauge::default()
        .block(Block::default().borders(Borders::ALL).title(" Verify "))
        .gauge_style(style)
        .ratio(ratio)
        .label(label);
    frame.render_widget(gauge, area);
}

fn render_topics(frame: &mut Frame, area: Rect, pane: &VerifyPane, theme: &Theme) {
    let header = Row::new(["", "topic", "source", "destination", "duplicates", "lag", "verdict"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let rows = pane.rows().into_iter().map(|topic| {
        let verdict = topic.verdict.map_or("", Verdict::label);
        let verdict = match (&topic.partition_counts, topic.missing_on_destination) {
            (Some(_), _) => "partition counts differ",
            (None, true) => "missing on destination",
            (None, false) => verdict,
        };
        Row::new([
            Cell::from(verdict_cell(topic.verdict, pane.running, theme)),
            Cell::from(topic.topic.clone()),
            Cell::from(topic.source_records.to_string()),
            Cell::from(topic.destination_records.to_string()),
            Cell::from(topic.duplicates.to_string()),
            Cell::from(topic.lag.to_string()),
            Cell::from(verdict.to_string()),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(2),
        Constraint::Length(11),
        Constraint::Length(11),
        Constraint::Length(10),
        Constraint::Length(8),
        Constraint::Fill(1),
    ];
    let table = Table::new(rows, widths)
        .header(header)
        .row_highlight_style(theme.selected)
        .block(Block::default().borders(Borders::ALL).title(" Topics "));
    let mut state = pane.cursor.table_state(pane.rows().len());
    frame.render_stateful_widget(table, area, &mut state);
}

/// One row per schema id met in the destination copies: failures first, each
/// with its source subjects and the first topic, partition and offset it was met at.
fn render_schemas(frame: &mut Frame, area: Rect, check: &Result<SchemaCheck, String>, theme: &Theme) {
    let check = match check {
        Ok(check) => check,
        Err(reason) => {
            let text = Paragraph::new(Span::styled(format!("schema check not done: {reason}"), theme.bad))
                .wrap(Wrap { trim: true })
                .block(Block::default().borders(Borders::ALL).title(" Schemas "));
            frame.render_widget(text, area);
            return;
        }
    };
    let verdict = match check.failures() {
        0 => "every id the same on both".to_string(),
        n => format!("{n} id(s) fail"),
    };
    let title = format!(
        " Schemas · {} id(s) in {} records · {verdict} · {} → {} ",
        check.ids.len(),
        check.records_read,
        check.source_registry,
        check.destination_registry
    );
    let header = Row::new(["", "id", "source subjects", "on the destination", "records", "first seen"])
        .style(Style::default().add_modifier(Modifier::BOLD));
    let mut ids: Vec<&IdCheck> = check.ids.iter().collect();
    ids.sort_by_key(|id| (id.state == IdState::Same, id.id));
    let first_seen = |id: &IdCheck| {
        let first = &id.first_use;
        format!("{} [{}] @ {} ({})", first.topic, first.partition, first.offset, first.field)
    };
    let first_width = ids.iter().map(|id| first_seen(id).chars().count()).max().unwrap_or(0).clamp(10, 40);
    let rows = ids.into_iter().map(|id| {
        let (mark, result) = match &id.state {
            IdState::Same => (Span::styled("✓", theme.good), "same".to_string()),
            IdState::MissingOnDestination => (Span::styled("✗", theme.bad), "MISSING".to_string()),
            IdState::Different => (Span::styled("✗", theme.bad), "DIFFERENT".to_string()),
            IdState::MissingOnSource => (Span::styled("✗", theme.bad), "(not on the source)".to_string()),
            IdState::Unchecked(reason) => (Span::styled("?", theme.warn), format!("NOT CHECKED: {reason}")),
        };
        let subjects = if id.subjects.is_empty() { "(none)".to_string() } else { id.subjects.join(", ") };
        Row::new([
            Cell::from(mark),
            Cell::from(id.id.to_string()),
            Cell::from(subjects),
            Cell::from(result),
            Cell::from(id.first_use.records.to_string()),
            Cell::from(first_seen(id)),
        ])
    });
    let widths = [
        Constraint::Length(1),
        Constraint::Length(6),
        Constraint::Fill(1),
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(u16::try_from(first_width).unwrap_or(40)),
    ];
    let style = if check.passed() { Style::default() } else { theme.bad };
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).border_style(style).title(title));
    frame.render_widget(table, area);
}

fn render_drill(frame: &mut Frame, area: Rect, sample: &MismatchSample, theme: &Theme) {
    let [what, sides] = Layout::vertical([Constraint::Length(3), Constraint::Fill(1)]).areas(area);
    let title = format!(" {} [{}]: first mismatch ", sample.topic, sample.partition);
    let text = Paragraph::new(Span::styled(describe(&sample.anomaly), theme.bad))
        .wrap(Wrap { trim: true })
        .block(Block::default().borders(Borders::ALL).title(title));
    frame.render_widget(text, what);
    let [left, right] = Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(sides);
    let source_title = sample.anomaly.source_offset.map_or(" source: none ".into(), |o| format!(" source @ {o} "));
    let destination_title =
        sample.anomaly.destination_offset.map_or(" destination: none ".into(), |o| format!(" destination @ {o} "));
    frame.render_widget(record_view(sample.source.as_ref(), source_title), left);
    frame.render_widget(record_view(sample.destination.as_ref(), destination_title), right);
}

fn printable(bytes: Option<&[u8]>) -> String {
    bytes.map_or_else(
        || "(null)".to_string(),
        |b| String::from_utf8_lossy(b).chars().map(|c| if c.is_control() { '·' } else { c }).collect(),
    )
}

fn record_view(record: Option<&InspectedRecord>, title: String) -> Paragraph<'static> {
    let block = Block::default().borders(Borders::ALL).title(title);
    let Some(record) = record else {
        return Paragraph::new("no record at this offset").block(block);
    };
    let mut lines = vec![
        Line::from(format!("offset     {}", record.offset)),
        Line::from(format!("timestamp  {}", record.timestamp_ms)),
        Line::from(format!("key        {}", printable(record.key.as_deref()))),
    ];
    for (name, value) in &record.headers {
        lines.push(Line::from(format!("header     {name}: {}", printable(value.as_deref()))));
    }
    lines.push(Line::from(format!("value      {}", printable(record.value.as_deref()))));
    Paragraph::new(lines).wrap(Wrap { trim: false }).block(block)
}

#[cfg(test)]
#[path = "verify_snapshots.rs"]
mod snapshots;
