//! Draws the whole cockpit from `&App`: top bar, pane tabs, the focused pane,
//! the bottom line (hints, banner, command line, filter or confirmation) and
//! the help overlay. Reads state, changes nothing.

use std::str::FromStr;

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Row, Table, Tabs};
use ratatui::Frame;

use crate::config::ResolvedCluster;
use crate::engine::status::EngineState;

use super::action::Action;
use super::app::{pane_context, App, BannerKind, Mode};
use super::lag_math::count_text;
use super::panes::{acl, cheatsheet, engine, groups, inspector, lag, ClusterSide, PaneContext};
use super::protocol::PaneId;

pub fn render(frame: &mut Frame, app: &App) {
    let [top, tabs, body, bottom] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)])
            .areas(frame.area());
    frame.render_widget(top_bar(app), top);
    let titles = PaneId::ALL.iter().enumerate().map(|(index, pane)| format!("{} {}", index + 1, pane.title()));
    let tab_bar = Tabs::new(titles)
        .select(app.focus.index())
        .highlight_style(app.theme.selected.add_modifier(Modifier::BOLD))
        .divider("│");
    frame.render_widget(tab_bar, tabs);
    let mut context = pane_context!(app);
    // The frame is the truth about the body's height, also in tests that never resize.
    context.body_rows = body.height;
    match app.focus {
        PaneId::Lag if app.groups.visible => groups::render(frame, body, &app.groups, &context),
        PaneId::Lag => lag::render(frame, body, &app.lag, &context),
        PaneId::Engine => engine::render(frame, body, &app.engine_pane, &context),
        PaneId::Inspector => inspector::render(frame, body, &app.inspector, &context),
        PaneId::Cheatsheet => {
            let selection = app.cheatsheet_selection();
            cheatsheet::render(frame, body, &app.cheatsheet, &selection, &context);
        }
        PaneId::Acl => acl::render(frame, body, &app.acl, &context),
        PaneId::Connect => super::panes::connect_view::render(frame, body, &app.connect, &context),
        PaneId::Verify => super::panes::verify::render(frame, body, &app.verify, &context),
    }
    if app.focus == PaneId::Lag && app.groups.visible {
        let apply = key(app, &Action::CutoverGroup, ":cutover");
        let close = key(app, &Action::Escape, ":escape");
        let look = super::panes::cutover::CutoverLook { read_only: app.read_only, apply, close, theme: &app.theme };
        super::panes::cutover::render(frame, body, &app.cutover, &look);
    }
    bottom_line(frame, bottom, app);
    match &app.mode {
        Mode::Help { scroll } => help_overlay(frame, body, app, *scroll),
        Mode::Produce { topic, input } => produce_editor(frame, body, app, topic, input),
        _ => {}
    }
}

/// The profile's colour when it names one ratatui knows, else a fixed pair
/// that tells the two sides apart.
pub fn cluster_color(cluster: &ResolvedCluster, fallback: Color) -> Color {
    cluster.color.as_deref().and_then(|name| Color::from_str(name).ok()).unwrap_or(fallback)
}

fn top_bar(app: &App) -> Line<'static> {
    let theme = &app.theme;
    let source = cluster_color(&app.source, theme.source);
    let destination = cluster_color(&app.destination, theme.destination);
    let lanes = if app.status.state == EngineState::Stopped {
        format!("(plan: {} lanes)", app.planned_lanes)
    } else if app.status.lanes.len() == app.status.lanes_target {
        format!("{} lanes", app.status.lanes.len())
    } else {
        format!("{}→{} lanes", app.status.lanes.len(), app.status.lanes_target)
    };
    let lag = app.lag.total_lag(&app.status).map_or_else(|| "?".to_owned(), count_text);
    let mut spans = vec![
        Span::raw(" kdeck ").bold(),
        Span::raw(app.source.name.clone()).fg(source).bold(),
        Span::raw(" → "),
        Span::raw(app.destination.name.clone()).fg(destination).bold(),
    ];
    if app.destination.production {
        spans.push(Span::styled(" (production)", theme.bad));
    }
    spans.extend([
        Span::raw(format!("  plan {}  engine ", app.plan_name)),
        Span::styled(app.status.state.as_str(), engine::state_style(theme, &app.status.state)).bold(),
        Span::raw(format!(" {lanes}  total lag ")),
        Span::raw(lag).bold(),
        Span::raw(format!("  {} ", clock_text(app.now_ms))),
    ]);
    if let EngineState::Failed(_) = app.status.state {
        spans.push(Span::styled(" ENGINE FAILED ", theme.alarm));
    }
    if app.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.caution));
    }
    Line::from(spans)
}

/// HH:MM:SS UTC of the app's clock.
pub fn clock_text(now_ms: i64) -> String {
    let secs = now_ms.div_euclid(1_000).rem_euclid(86_400);
    format!("{:02}:{:02}:{:02}Z", secs / 3_600, (secs % 3_600) / 60, secs % 60)
}

/// The actions the bottom line advertises, with short labels.
const HINTS: &[(Action, &str)] = &[
    (Action::Help, "help"),
    (Action::CommandLine, "cmd"),
    (Action::Filter, "filter"),
    (Action::NextPane, "pane"),
    (Action::Start, "start"),
    (Action::Stop, "stop"),
    (Action::RescaleUp, "lane+"),
    (Action::RescaleDown, "lane-"),
    (Action::Pause, "pause"),
    (Action::Quit, "quit"),
];

/// Key hints from the keymap, so they change when the keymap does.
pub fn hints(app: &App) -> Line<'static> {
    let mut spans = Vec::new();
    for (action, label) in HINTS {
        if app.read_only && action.is_mutation() {
            continue;
        }
        let Some(key) = app.keymap.keys_for(action).first().copied() else { continue };
        spans.push(Span::styled(format!(" {key}"), app.theme.accent).bold());
        spans.push(Span::raw(format!(" {label} ")));
    }
    if app.read_only {
        spans.push(Span::styled(" read-only: engine keys disabled", app.theme.warn));
    }
    Line::from(spans)
}

fn bottom_line(frame: &mut Frame, area: Rect, app: &App) {
    let prompt = |frame: &mut Frame, label: String, input: &ratatui_textarea::TextArea<'static>| {
        let width = u16::try_from(label.chars().count()).unwrap_or(u16::MAX).min(area.width);
        let [label_area, input_area] = Layout::horizontal([Constraint::Length(width), Constraint::Fill(1)]).areas(area);
        frame.render_widget(Span::raw(label).bold(), label_area);
        frame.render_widget(input, input_area);
    };
    match &app.mode {
        Mode::CommandLine(input) => prompt(frame, ":".to_owned(), input),
        Mode::Filter(input) => prompt(frame, "/".to_owned(), input),
        Mode::Confirm { prompt: text, input, .. } => prompt(frame, text.clone(), input),
        Mode::Produce { .. } => frame.render_widget(Span::raw(" Ctrl-S send · Esc cancel").bold(), area),
        _ => match &app.banner {
            Some(banner) => {
                let style = match banner.kind {
                    BannerKind::Info => app.theme.good,
                    BannerKind::Warning => app.theme.caution,
                    BannerKind::Refused => app.theme.alarm,
                };
                frame.render_widget(Paragraph::new(format!(" {}", banner.text)).style(style), area);
            }
            None => frame.render_widget(hints(app), area),
        },
    }
}

fn produce_editor(frame: &mut Frame, body: Rect, app: &App, topic: &str, input: &ratatui_textarea::TextArea<'static>) {
    let [area] = Layout::vertical([Constraint::Max(12)]).flex(Flex::Center).areas(body);
    let [area] = Layout::horizontal([Constraint::Max(90)]).flex(Flex::Center).areas(area);
    let cluster = match app.inspector.side {
        ClusterSide::Source => &app.source,
        ClusterSide::Destination => &app.destination,
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(app.theme.warn)
        .title(format!(" produce to {topic} @ {} ", cluster.name))
        .title_bottom(" first line: the key (empty for none), then the value · Ctrl-S send · Esc cancel ");
    let inner = block.inner(area);
    frame.render_widget(Clear, area);
    frame.render_widget(block, area);
    frame.render_widget(input, inner);
}

fn help_overlay(frame: &mut Frame, body: Rect, app: &App, scroll: usize) {
    let mut rows = app.keymap.help_rows();
    let height = u16::try_from(rows.len()).unwrap_or(u16::MAX).saturating_add(2).min(body.height);
    let [area] = Layout::vertical([Constraint::Length(height)]).flex(Flex::Center).areas(body);
    let [area] = Layout::horizontal([Constraint::Max(90)]).flex(Flex::Center).areas(area);
    rows.drain(..scroll.min(rows.len()));
    let table = Table::new(
        rows.into_iter().map(|(keys, desc)| Row::new([keys, desc])),
        [Constraint::Length(16), Constraint::Fill(1)],
    )
    .block(Block::default().borders(Borders::ALL).title(format!(
        " Keys (from the keymap) · {}{} scroll · {} or {} closes ",
        key(app, &Action::Up, "↑"),
        key(app, &Action::Down, "↓"),
        key(app, &Action::Help, ":help"),
        key(app, &Action::Escape, ":escape")
    )));
    frame.render_widget(Clear, area);
    frame.render_widget(table, area);
}

/// The first key bound to `action`, as titles show it.
fn key(app: &App, action: &Action, fallback: &str) -> String {
    app.keymap.keys_for(action).first().map_or_else(|| fallback.to_owned(), super::panes::common::key_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock() {
        assert_eq!(clock_text(0), "00:00:00Z");
        assert_eq!(clock_text(1_700_000_000_123), "22:13:20Z");
        assert_eq!(clock_text(-1_000), "23:59:59Z");
        assert_eq!(clock_text(i64::MIN), clock_text(i64::MIN));
    }
}
