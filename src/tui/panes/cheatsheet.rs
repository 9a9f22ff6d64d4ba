//! The Cheatsheet pane: the catalogue searched as you type (`/`), each command
//! filled for the cluster, topic and group selected elsewhere in the cockpit.
//! `y` copies the filled command (OSC 52), Enter runs it inside kdeck when kdeck
//! reads the same thing (consume, meta, offsets), `c` switches the cluster.

use clap::Parser;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::cheatsheet::kcat::{kcat_segment, shell_words, to_kdeck_argv};
use crate::cheatsheet::search::search;
use crate::cheatsheet::{catalogue, render as fill, Context, Entry, Security, Tool};
use crate::cli::{Cli, Command};
use crate::config::ResolvedCluster;

use super::super::action::Action;
use super::common::{ClusterSide, Effects, ListCursor, PaneContext};

#[derive(Debug, Clone)]
pub struct CheatsheetPane {
    pub entries: Vec<Entry>,
    pub query: String,
    /// Indices into `entries`, best match first.
    pub matches: Vec<usize>,
    pub cursor: ListCursor,
    /// Which cockpit cluster fills `{bootstrap}` and the security flags.
    pub side: ClusterSide,
}

impl Default for CheatsheetPane {
    fn default() -> Self {
        let entries = catalogue();
        let matches = (0..entries.len()).collect();
        CheatsheetPane {
            entries,
            query: String::new(),
            matches,
            cursor: ListCursor::default(),
            side: ClusterSide::Destination,
        }
    }
}

/// What the rest of the cockpit has selected: the context's source.
pub struct Selection<'a> {
    pub source: &'a ResolvedCluster,
    pub destination: &'a ResolvedCluster,
    pub topic: Option<&'a str>,
    pub partition: Option<i32>,
    pub group: Option<&'a str>,
    pub principal: Option<&'a str>,
}

/// A read-only command kdeck can run itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InKdeck {
    /// The Inspector on a topic: one partition or all, from these `-o` specs.
    Read { topic: String, partition: Option<i32>, offsets: Vec<String> },
    /// The Inspector's topic list (kcat -L).
    Topics,
    /// Watermarks: the Lag pane shows them per partition (kcat -Q).
    Watermarks,
}

/// How a filled command maps onto kdeck: kcat and kdeck commands through kdeck's own
/// parser; anything that writes, or that kdeck does not do, is refused with the reason.
/// `copy_key` names the key that copies the command, for what no pane runs.
pub fn in_kdeck(tool: Tool, filled: &str, copy_key: &str) -> Result<InKdeck, String> {
    let words = shell_words(filled)?;
    let argv = match tool {
        Tool::Kcat => to_kdeck_argv(kcat_segment(&words).ok_or("no kcat in the command")?)?,
        Tool::Kdeck => words,
        _ => return Err(format!("kdeck has no {} equivalent: {copy_key} copies it", tool.name())),
    };
    let cli = Cli::try_parse_from(&argv).map_err(|err| crate::cli::one_line(&err.to_string()))?;
    match cli.command {
        Some(Command::Consume(args)) => {
            Ok(InKdeck::Read { topic: args.topic, partition: args.partition, offsets: args.offsets })
        }
        Some(Command::Meta(_)) => Ok(InKdeck::Topics),
        Some(Command::Offsets(_)) => Ok(InKdeck::Watermarks),
        Some(Command::Produce(_)) => {
            Err(format!("this writes to a topic: the cheatsheet runs only reads ({copy_key} copies it)"))
        }
        _ => Err(format!("no pane runs this: {copy_key} copies it")),
    }
}

impl CheatsheetPane {
    pub fn cluster<'a>(&self, selection: &Selection<'a>) -> &'a ResolvedCluster {
        match self.side {
            ClusterSide::Source => selection.source,
            ClusterSide::Destination => selection.destination,
        }
    }

    pub fn context(&self, selection: &Selection<'_>) -> Context {
        let cluster = self.cluster(selection);
        let security = Security::from_cluster(cluster);
        Context {
            cluster: Some(cluster.name.clone()),
            bootstrap: Some(cluster.bootstrap().to_string()),
            topic: selection.topic.map(str::to_owned),
            partition: selection.partition,
            group: selection.group.map(str::to_owned),
            principal: selection.principal.map(str::to_owned),
            cluster_id: None,
            api_key: security.api_key(),
            security,
        }
    }

    pub fn set_query(&mut self, query: &str) {
        self.query = query.to_owned();
        self.matches = search(&self.entries, query);
        self.cursor = ListCursor::default();
    }

    pub fn selected_entry(&self) -> Option<&Entry> {
        self.matches.get(self.cursor.selected).and_then(|&index| self.entries.get(index))
    }

    /// The selected command, filled; `None` when nothing matches.
    pub fn filled(&self, context: &Context) -> Option<Result<String, String>> {
        let entry = self.selected_entry()?;
        Some(fill(&entry.template, context).map(|filled| filled.text).map_err(|err| err.to_string()))
    }

    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        match action {
            Action::SwitchCluster => {
                self.side = self.side.other();
                Effects::handled(true)
            }
            Action::Escape if !self.query.is_empty() => {
                self.set_query("");
                Effects::handled(true)
            }
            other => {
                let visible = usize::from(context.body_rows.saturating_sub(10));
                Effects::handled(self.cursor.navigate(self.matches.len(), other, visible))
            }
        }
    }
}

pub fn render(frame: &mut Frame, area: Rect, pane: &CheatsheetPane, selection: &Selection<'_>, look: &PaneContext<'_>) {
    let theme = look.theme;
    let context = pane.context(selection);
    let cluster = pane.cluster(selection);
    let [list_area, preview_area] = Layout::vertical([Constraint::Fill(1), Constraint::Length(9)]).areas(area);
    let search = if pane.query.is_empty() {
        format!("{} to search", look.key(&Action::Filter, ":filter"))
    } else {
        format!("search: {}", pane.query)
    };
    let title = Line::from(vec![
        Span::raw(format!(" Cheatsheet · {} of {} · ", pane.matches.len(), pane.entries.len())),
        Span::styled(search, if pane.query.is_empty() { theme.quiet } else { theme.warn }),
        Span::raw(" "),
    ]);
    let rows = pane
        .matches
        .iter()
        .filter_map(|&index| pane.entries.get(index))
        .map(|entry| Row::new([entry.group.title().to_owned(), entry.tool.name().to_owned(), entry.title.clone()]));
    let header = Row::new(["group", "tool", "command"]).style(Style::default().add_modifier(Modifier::BOLD));
    let widths = [Constraint::Length(24), Constraint::Length(10), Constraint::Fill(1)];
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::ALL).title(title))
        .row_highlight_style(theme.selected);
    let mut state = pane.cursor.table_state(pane.matches.len());
    frame.render_stateful_widget(table, list_area, &mut state);

    let unset = |value: &Option<String>| value.clone().unwrap_or_else(|| "-".to_owned());
    let context_line = Line::from(vec![
        Span::styled(format!("{} ", cluster.name), theme.accent),
        Span::raw(format!(
            "({}) · topic {} · group {} · ",
            context.security.label.split(" (").next().unwrap_or_default(),
            unset(&context.topic),
            unset(&context.group)
        )),
        Span::styled(
            format!(
                "{} cluster · {} copy · {} run in kdeck",
                look.key(&Action::SwitchCluster, ":switch"),
                look.key(&Action::CopyCommand, ":copy"),
                look.key(&Action::Expand, "Enter")
            ),
            theme.quiet,
        ),
    ]);
    let mut lines = vec![context_line, Line::raw("")];
    match pane.filled(&context) {
        Some(Ok(text)) => lines.extend(text.lines().map(|line| Line::styled(line.to_owned(), theme.good))),
        Some(Err(err)) => lines.push(Line::styled(err, theme.bad)),
        None => lines.push(Line::styled("Nothing matches the search (Esc clears it).", theme.quiet)),
    }
    let preview = Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .block(Block::default().borders(Borders::ALL).title(" filled command · secrets are $VARIABLES "));
    frame.render_widget(preview, preview_area);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kcat_reads_run_in_kdeck_and_writes_do_not() {
        let read =
            in_kdeck(Tool::Kcat, "kcat -b h:1 -X security.protocol=SSL -C -t orders -p 2 -o -10 -e", "y").unwrap();
        assert_eq!(read, InKdeck::Read { topic: "orders".into(), partition: Some(2), offsets: vec!["-10".into()] });
        assert_eq!(in_kdeck(Tool::Kcat, "kcat -b h -L -J", "y"), Ok(InKdeck::Topics));
        assert_eq!(in_kdeck(Tool::Kcat, "kcat -b h -Q -t orders:0:-1", "y"), Ok(InKdeck::Watermarks));
        assert_eq!(
            in_kdeck(Tool::Kdeck, "kdeck consume -b prod -t t", "y"),
            Ok(InKdeck::Read { topic: "t".into(), partition: None, offsets: vec![] })
        );
        assert!(in_kdeck(Tool::Kcat, "echo x | kcat -b h -P -t t", "y").unwrap_err().contains("only reads"));
        assert!(in_kdeck(Tool::Confluent, "confluent kafka topic list", "y").unwrap_err().contains("y copies"));
        assert!(in_kdeck(Tool::Kdeck, "kdeck demo", "y").unwrap_err().contains("no pane"));
    }

    #[test]
    fn search_navigation_and_side() {
        let mut pane = CheatsheetPane::default();
        assert_eq!(pane.matches.len(), pane.entries.len());
        pane.set_query("lag summarize");
        assert_eq!(pane.selected_entry().map(|e| e.id.as_str()), Some("confluent-lag-summarize"));
        let test = super::super::common::TestContext::new("a:9092", "b:9092");
        assert!(pane.update(&Action::Escape, &test.context()).redraw);
        assert!(pane.query.is_empty());
        assert!(pane.update(&Action::Down, &test.context()).redraw);
        assert_eq!(pane.cursor.selected, 1);
        assert!(pane.update(&Action::SwitchCluster, &test.context()).redraw);
        assert_eq!(pane.side, ClusterSide::Source);
        pane.set_query("zzzzqqq");
        assert!(pane.selected_entry().is_none());
        assert!(pane.filled(&Context::default()).is_none());
    }
}
