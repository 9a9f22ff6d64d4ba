//! Drawing the Connect pane: reads [`ConnectPane`], changes nothing.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style, Stylize};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use crate::connect::model::{ConnectorStatus, State};
use crate::tui::theme::Theme;

use crate::tui::action::Action;

use super::common::{ago, PaneContext};
use super::connect::{workers, ConnectPane};

pub fn state_style(theme: &Theme, state: State) -> Style {
    match state {
        State::Running => theme.good,
        State::Failed => theme.bad,
        State::Paused | State::Stopped => theme.quiet,
        _ => theme.warn,
    }
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub fn render(frame: &mut Frame, area: Rect, pane: &ConnectPane, context: &PaneContext<'_>) {
    let (now_ms, theme) = (context.now_ms, context.theme);
    let Some(cluster) = pane.cluster() else {
        let mut text = vec![
            Line::from("No Kafka Connect cluster configured."),
            Line::from(""),
            Line::from("Add one to the config:  [connect.prod]  url = \"https://connect:8083\""),
            Line::from("  username = \"ops\"  password = \"${env:CONNECT_PASSWORD}\"  ca = \"/path/ca.pem\""),
            Line::from("A kdeck engine serves the same API: kdeck replicate --plan FILE --rest 127.0.0.1:8083"),
        ];
        text.extend(pane.problems.iter().map(|problem| Line::styled(problem.clone(), theme.bad)));
        let block = Block::default().borders(Borders::ALL).title(" Connect ");
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), area);
        return;
    };
    let [header_area, middle, bottom] =
        Layout::vertical([Constraint::Length(3), Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
    let worker_rows = workers(&pane.connectors);
    let mut first = vec![
        Span::raw("Connect "),
        Span::styled(cluster.name.clone(), theme.accent).bold(),
        Span::raw(format!(
            " {}  {} on {}",
            cluster.url,
            plural(pane.connectors.len(), "connector"),
            plural(worker_rows.len(), "worker")
        )),
    ];
    if cluster.production {
        first.push(Span::styled("  production", theme.alarm));
    }
    first.push(Span::styled(
        match pane.fetched_at_ms {
            Some(at) => format!("  read {}", ago(now_ms, at)),
            None => "  reading…".into(),
        },
        theme.quiet,
    ));
    let second = if let Some(error) = &pane.error {
        Line::styled(error.clone(), theme.bad)
    } else if let Some(follow) = &pane.follow {
        let secs = (now_ms - follow.started_ms) as f64 / 1000.0;
        Line::styled(
            format!(
                "rescaling {} {} → {} tasks: {} RUNNING, {} not yet · {secs:.1} s",
                follow.connector, follow.from, follow.to, follow.running, follow.unassigned
            ),
            theme.warn,
        )
    } else if let Some(settled) = &pane.settled {
        Line::styled(settled.text(), theme.good)
    } else {
        Line::from(keys_line(context))
    };
    frame.render_widget(
        Paragraph::new(vec![Line::from(first), second]).block(Block::default().borders(Borders::BOTTOM)),
        header_area,
    );

    // Worker ids are host:port and must be read whole: the column takes what the longest needs.
    let longest = worker_rows.iter().map(|w| w.worker_id.chars().count()).max().unwrap_or(6).max(6);
    let workers_width = u16::try_from(longest + 20).unwrap_or(u16::MAX).min(middle.width / 2);
    let [workers_area, connectors_area] =
        Layout::horizontal([Constraint::Length(workers_width), Constraint::Fill(1)]).areas(middle);
    let header = |cells: &[&'static str]| Row::new(cells.to_vec()).style(Style::default().add_modifier(Modifier::BOLD));
    let rows = worker_rows.iter().map(|w| {
        Row::new([
            Cell::from(w.worker_id.clone()),
            Cell::from(w.connectors.to_string()),
            Cell::from(w.tasks.to_string()),
            Cell::from(w.failed.to_string()).style(if w.failed > 0 { theme.bad } else { Style::default() }),
        ])
    });
    let widths = [Constraint::Fill(1), Constraint::Length(4), Constraint::Length(5), Constraint::Length(6)];
    let table = Table::new(rows, widths)
        .header(header(&["worker", "conn", "tasks", "failed"]))
        .block(Block::default().borders(Borders::ALL).title(" Workers "));
    frame.render_widget(table, workers_area);

    // Narrow screens drop the type column and shorten the rest, so names stay readable.
    let compact = connectors_area.width < 70;
    let rows = pane.connectors.iter().map(|(name, entry)| {
        let status = entry.status.as_ref();
        let requested = entry.info.as_ref().and_then(|info| info.tasks_max());
        let actual = status.map_or(0, |s| s.tasks.len());
        let tasks_cell = match requested {
            Some(max) if max as usize != actual => Cell::from(format!("{max} ≠ {actual}")).style(theme.warn),
            Some(max) => Cell::from(max.to_string()),
            None => Cell::from(actual.to_string()),
        };
        let state = status.map_or(State::Unknown, |s| s.connector.state);
        let failed = status.map_or(0, |s| s.count(State::Failed));
        let mut cells = vec![Cell::from(name.clone())];
        if !compact {
            cells.push(Cell::from(status.and_then(|s| s.kind.clone()).unwrap_or_default()));
        }
        cells.extend([
            Cell::from(state.as_str()).style(state_style(theme, state)),
            Cell::from(status.map_or(String::new(), |s| format!("{}/{}", s.count(State::Running), s.tasks.len()))),
            Cell::from(failed.to_string()).style(if failed > 0 { theme.bad } else { Style::default() }),
            tasks_cell,
        ]);
        Row::new(cells)
    });
    let (widths, titles) = if compact {
        (
            vec![
                Constraint::Fill(1),
                Constraint::Length(10),
                Constraint::Length(5),
                Constraint::Length(4),
                Constraint::Length(7),
            ],
            vec!["connector", "state", "run", "fail", "max"],
        )
    } else {
        (
            vec![
                Constraint::Fill(1),
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Length(7),
                Constraint::Length(6),
                Constraint::Length(9),
            ],
            vec!["connector", "type", "state", "running", "failed", "tasks.max"],
        )
    };
    let table = Table::new(rows, widths)
        .header(Row::new(titles).style(Style::default().add_modifier(Modifier::BOLD)))
        .block(Block::default().borders(Borders::ALL).title(" Connectors "))
        .row_highlight_style(if pane.detail.is_none() { theme.selected } else { Style::default() });
    let mut state = TableState::default().with_selected((!pane.connectors.is_empty()).then_some(pane.selected));
    frame.render_stateful_widget(table, connectors_area, &mut state);

    if let Some((connector, offsets)) = &pane.offsets {
        let rows = offsets.offsets.iter().map(|entry| {
            let partition = serde_json::Value::Object(entry.partition.clone());
            let offset = entry.offset.clone().map_or(serde_json::Value::Null, serde_json::Value::Object);
            Row::new([Cell::from(partition.to_string()), Cell::from(offset.to_string())])
        });
        let title = format!(
            " Offsets of {connector} ({}) · :set-offset N · :reset-offsets (STOPPED only) · {} closes ",
            offsets.offsets.len(),
            context.key(&Action::Escape, "Esc")
        );
        let table = Table::new(rows, [Constraint::Fill(2), Constraint::Fill(1)])
            .header(Row::new(["partition", "offset"]).style(Style::default().add_modifier(Modifier::BOLD)))
            .block(Block::default().borders(Borders::ALL).title(title))
            .row_highlight_style(theme.selected);
        let selected = (!offsets.offsets.is_empty()).then_some(pane.offset_selected);
        frame.render_stateful_widget(table, bottom, &mut TableState::default().with_selected(selected));
        return;
    }
    let shown = pane.detail.clone().or_else(|| pane.selected_name());
    let status = shown.as_deref().and_then(|name| pane.status_of(name));
    render_tasks(frame, bottom, pane, shown.as_deref().unwrap_or(""), status, context);
}

/// The pane's keys as the keymap binds them; an action bound to nothing is left out.
fn keys_line(context: &PaneContext<'_>) -> String {
    let entries = [
        (&Action::Expand, "tasks"),
        (&Action::RescaleUp, "task+"),
        (&Action::RescaleDown, "task-"),
        (&Action::RestartConnector, "restart"),
        (&Action::RestartFailed, "failed only"),
        (&Action::Retry, "task"),
        (&Action::Pause, "pause"),
        (&Action::Resume, "resume"),
        (&Action::Stop, "stop"),
        (&Action::ConnectOffsets, "offsets"),
        (&Action::SwitchCluster, "cluster"),
    ];
    let mut parts: Vec<String> = entries
        .iter()
        .filter_map(|(action, label)| {
            context.keymap.keys_for(action).first().map(|key| format!("{} {label}", super::common::key_label(key)))
        })
        .collect();
    parts.insert(3.min(parts.len()), ":tasks N".to_owned());
    parts.join(" · ")
}

fn render_tasks(
    frame: &mut Frame,
    area: Rect,
    pane: &ConnectPane,
    name: &str,
    status: Option<&ConnectorStatus>,
    context: &PaneContext<'_>,
) {
    let theme = context.theme;
    let tasks = status.map_or(&[][..], |s| s.tasks.as_slice());
    let selected_trace = pane.detail.as_ref().and_then(|_| tasks.get(pane.task_selected)).and_then(|t| t.trace.clone());
    let connector_trace = status.and_then(|s| s.connector.trace.clone());
    let trace = selected_trace.or(connector_trace);
    let (table_area, trace_area) = match &trace {
        Some(_) => {
            let [a, b] = Layout::vertical([Constraint::Fill(1), Constraint::Length(5)]).areas(area);
            (a, Some(b))
        }
        None => (area, None),
    };
    let rows = tasks.iter().map(|task| {
        Row::new([
            Cell::from(task.id.to_string()),
            Cell::from(task.state.as_str()).style(state_style(theme, task.state)),
            Cell::from(task.worker_id.clone().unwrap_or_default()),
            Cell::from(task.trace.as_deref().map(crate::connect::render::first_line).unwrap_or_default())
                .style(theme.bad),
        ])
    });
    let widths = [Constraint::Length(4), Constraint::Length(10), Constraint::Length(22), Constraint::Fill(1)];
    let hint = if pane.detail.as_deref().is_some_and(|name| pane.copies_topics(name)) {
        let (lag, retry) = (context.key(&Action::Expand, "Enter"), context.key(&Action::Retry, ":retry"));
        format!("{lag} its lag · {retry} restart task · {} back", context.key(&Action::Escape, "Esc"))
    } else if pane.detail.is_some() {
        format!("{} restart task · {} back", context.key(&Action::Retry, ":retry"), context.key(&Action::Escape, "Esc"))
    } else {
        format!("{} to select a task", context.key(&Action::Expand, "Enter"))
    };
    let title = match status {
        Some(s) => format!(
            " Tasks of {name}: {} · worker {} · {hint} ",
            s.tasks.len(),
            s.connector.worker_id.as_deref().unwrap_or("-")
        ),
        None => " Tasks ".to_string(),
    };
    let table = Table::new(rows, widths)
        .header(Row::new(["task", "state", "worker", "trace"]).style(Style::default().add_modifier(Modifier::BOLD)))
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme.selected);
    let mut state = TableState::default().with_selected(pane.detail.as_ref().map(|_| pane.task_selected));
    frame.render_stateful_widget(table, table_area, &mut state);
    if let (Some(trace), Some(trace_area)) = (trace, trace_area) {
        let block = Block::default().borders(Borders::ALL).title(" Trace ");
        let trace = trace.replace('\t', "    ");
        frame.render_widget(Paragraph::new(trace).style(theme.bad).wrap(Wrap { trim: false }).block(block), trace_area);
    }
}
