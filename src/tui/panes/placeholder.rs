//! Panes whose features belong to later issues say so plainly, so nobody on a
//! shared screen mistakes an empty pane for "no problems found".

use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};
use ratatui::Frame;

use super::PaneId;

/// (what the pane will show, the issue that builds it)
pub fn promise(pane: PaneId) -> Option<(&'static str, u32)> {
    Some(match pane {
        PaneId::Connect => ("the Kafka Connect cluster: workers, connectors, tasks and live tasks.max rescaling", 5),
        PaneId::Acl => ("ACL checks for the migration's principals, with the commands that fix them", 6),
        PaneId::Cheatsheet => ("the kcat and confluent commands for this migration, filled in", 6),
        PaneId::Verify => ("per-partition reconciliation, duplicate detection and the cutover report", 7),
        _ => return None,
    })
}

pub fn render(frame: &mut Frame, area: Rect, pane: PaneId) {
    let (what, issue) = promise(pane).unwrap_or(("nothing", 0));
    let text = format!("Not yet available (issue {issue}).\n\nThis pane will show {what}.");
    let block = Block::default().borders(Borders::ALL).title(format!(" {} ", pane.title()));
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }).block(block), area);
}
