//! kcat in a pane: pick a cluster and a topic, read it with `kdeck consume`'s
//! offset grammar (`-20`, `beginning`, `s@<ms>`), browse the messages, open one
//! to see its headers and its value as pretty JSON, text or hex.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};
use ratatui::Frame;

use crate::config::ResolvedCluster;
use crate::inspect::offset_spec::parse_offset_specs;
use crate::tui::action::Action;
use crate::tui::theme::Theme;
use crate::tui::worker::{InspectedRecord, Request};

use super::record_text::{bytes_text, hex_dump, shell_word, timestamp_text, value_text};
use super::{matches_filter, move_cursor};

/// Records per read: enough to browse, few enough to draw at once.
pub const READ_LIMIT: usize = 500;
pub const DEFAULT_OFFSETS: &str = "-20";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusterSide {
    #[default]
    Source,
    Destination,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Topics,
    Messages,
    Detail,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Load<T> {
    #[default]
    NotAsked,
    Loading,
    Ready(T),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct InspectorPane {
    pub side: ClusterSide,
    pub topics: Load<Vec<String>>,
    pub topic_cursor: usize,
    /// The topic being read, once chosen.
    pub topic: Option<String>,
    /// The `-o` arguments, space-separated, as the user typed them.
    pub offsets: String,
    /// kcat's `-p`: one partition, or every one when `None`.
    pub partition: Option<i32>,
    pub messages: Load<Vec<InspectedRecord>>,
    pub message_cursor: usize,
    pub focus: Focus,
    pub hex: bool,
    pub filter: String,
    next_id: u64,
    pending_topics: u64,
    pending_read: u64,
}

impl Default for InspectorPane {
    fn default() -> Self {
        InspectorPane {
            side: ClusterSide::Source,
            topics: Load::NotAsked,
            topic_cursor: 0,
            topic: None,
            offsets: DEFAULT_OFFSETS.to_owned(),
            partition: None,
            messages: Load::NotAsked,
            message_cursor: 0,
            focus: Focus::Topics,
            hex: false,
            filter: String::new(),
            next_id: 0,
            pending_topics: 0,
            pending_read: 0,
        }
    }
}

/// The clusters the Inspector can read, source first.
pub struct Clusters<'a> {
    pub source: &'a ResolvedCluster,
    pub destination: &'a ResolvedCluster,
}

impl Clusters<'_> {
    fn pick(&self, side: ClusterSide) -> &ResolvedCluster {
        match side {
            ClusterSide::Source => self.source,
            ClusterSide::Destination => self.destination,
        }
    }
}

impl InspectorPane {
    fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Asks for the topic list unless it is there or on its way.
    pub fn on_shown(&mut self, clusters: &Clusters<'_>) -> Option<Request> {
        matches!(self.topics, Load::NotAsked | Load::Failed(_)).then(|| self.request_topics(clusters))
    }

    fn request_topics(&mut self, clusters: &Clusters<'_>) -> Request {
        let id = self.next_id();
        self.pending_topics = id;
        self.topics = Load::Loading;
        Request::Topics { id, cluster: clusters.pick(self.side).clone() }
    }

    /// Reads `topic` with the current offsets; a bad spec is an error shown in the pane.
    pub fn open_topic(&mut self, topic: &str, clusters: &Clusters<'_>) -> Option<Request> {
        self.topic = Some(topic.to_owned());
        if let Some(position) = self.visible_topics().iter().position(|name| *name == topic) {
            self.topic_cursor = position;
        }
        self.focus = Focus::Messages;
        self.message_cursor = 0;
        let args: Vec<String> = self.offsets.split_whitespace().map(str::to_owned).collect();
        let spec = match parse_offset_specs(&args) {
            Ok(spec) => spec,
            Err(err) => {
                self.messages = Load::Failed(err.to_string());
                return None;
            }
        };
        let id = self.next_id();
        self.pending_read = id;
        self.messages = Load::Loading;
        Some(Request::Read {
            id,
            cluster: clusters.pick(self.side).clone(),
            topic: topic.to_owned(),
            partition: self.partition,
            spec,
            limit: READ_LIMIT,
        })
    }

    pub fn set_offsets(&mut self, offsets: &str, clusters: &Clusters<'_>) -> Option<Request> {
        self.offsets = offsets.trim().to_owned();
        let topic = self.topic.clone()?;
        self.open_topic(&topic, clusters)
    }

    /// Reads one partition from now on (all of them with `None`), the open topic at once.
    pub fn set_partition(&mut self, partition: Option<i32>, clusters: &Clusters<'_>) -> Option<Request> {
        self.partition = partition;
        let topic = self.topic.clone()?;
        self.open_topic(&topic, clusters)
    }

    /// Answers older than the latest request are dropped.
    pub fn on_topics(&mut self, id: u64, result: Result<Vec<String>, String>) -> bool {
        if id != self.pending_topics {
            return false;
        }
        self.topics = match result {
            Ok(topics) => Load::Ready(topics),
            Err(err) => Load::Failed(err),
        };
        let current = self.topic.as_deref();
        self.topic_cursor = self.visible_topics().iter().position(|name| Some(*name) == current).unwrap_or(0);
        true
    }

    pub fn on_records(&mut self, id: u64, result: Result<Vec<InspectedRecord>, String>) -> bool {
        if id != self.pending_read {
            return false;
        }
        self.messages = match result {
            Ok(records) => Load::Ready(records),
            Err(err) => Load::Failed(err),
        };
        self.message_cursor = 0;
        true
    }

    pub fn visible_topics(&self) -> Vec<&str> {
        match &self.topics {
            Load::Ready(topics) => {
                let filter = if self.focus == Focus::Topics { self.filter.as_str() } else { "" };
                topics.iter().map(String::as_str).filter(|t| matches_filter(t, filter)).collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn visible_messages(&self) -> Vec<&InspectedRecord> {
        match &self.messages {
            Load::Ready(records) => {
                let filter = if self.focus == Focus::Topics { "" } else { self.filter.as_str() };
                records.iter().filter(|r| matches_filter(&message_summary(r), filter)).collect()
            }
            _ => Vec::new(),
        }
    }

    pub fn set_filter(&mut self, filter: &str) {
        self.filter = filter.to_owned();
        self.topic_cursor = 0;
        self.message_cursor = 0;
    }

    pub fn selected_message(&self) -> Option<&InspectedRecord> {
        self.visible_messages().get(self.message_cursor).copied()
    }

    /// Returns whether the pane changed, and a request for the worker if it needs one.
    pub fn update(&mut self, action: &Action, clusters: &Clusters<'_>) -> (bool, Option<Request>) {
        match action {
            Action::Expand => match self.focus {
                Focus::Topics => {
                    let topic = self.visible_topics().get(self.topic_cursor).map(|t| (*t).to_owned());
                    match topic {
                        Some(topic) => {
                            self.filter.clear();
                            (true, self.open_topic(&topic, clusters))
                        }
                        None => (false, None),
                    }
                }
                Focus::Messages if self.selected_message().is_some() => {
                    self.focus = Focus::Detail;
                    (true, None)
                }
                _ => (false, None),
            },
            Action::Escape => {
                self.focus = match self.focus {
                    Focus::Detail => Focus::Messages,
                    _ => Focus::Topics,
                };
                (true, None)
            }
            Action::Refresh => match self.topic.clone() {
                Some(topic) if self.focus != Focus::Topics => (true, self.open_topic(&topic, clusters)),
                _ => (true, Some(self.request_topics(clusters))),
            },
            Action::SwitchCluster => {
                self.side = match self.side {
                    ClusterSide::Source => ClusterSide::Destination,
                    ClusterSide::Destination => ClusterSide::Source,
                };
                let request = match self.topic.clone() {
                    Some(topic) if self.focus != Focus::Topics => self.open_topic(&topic, clusters),
                    _ => Some(self.request_topics(clusters)),
                };
                (true, request)
            }
            Action::ToggleHex => {
                self.hex = !self.hex;
                (true, None)
            }
            other => {
                let moved = match self.focus {
                    Focus::Topics => {
                        let len = self.visible_topics().len();
                        move_cursor(&mut self.topic_cursor, len, other, 10)
                    }
                    Focus::Messages => {
                        let len = self.visible_messages().len();
                        move_cursor(&mut self.message_cursor, len, other, 10)
                    }
                    Focus::Detail => false,
                };
                (moved, None)
            }
        }
    }
}

impl InspectorPane {
    /// The kcat command that reads what the pane shows: the topic with the
    /// offsets, or, in the detail view, that one message. The broker list is
    /// the profile's display form; security properties are left to the reader.
    pub fn kcat_command(&self, clusters: &Clusters<'_>) -> Option<String> {
        let topic = self.topic.as_deref()?;
        let cluster = clusters.pick(self.side);
        let mut words = vec!["kcat".to_owned(), "-C".into(), "-b".into(), shell_word(cluster.bootstrap())];
        words.extend(["-t".into(), shell_word(topic)]);
        match (self.focus, self.selected_message()) {
            (Focus::Detail, Some(record)) => {
                words.extend(["-p".into(), record.partition.to_string(), "-o".into(), record.offset.to_string()]);
                words.extend(["-c".into(), "1".into()]);
            }
            _ => {
                if let Some(partition) = self.partition {
                    words.extend(["-p".into(), partition.to_string()]);
                }
                for spec in self.offsets.split_whitespace() {
                    words.extend(["-o".into(), shell_word(spec)]);
                }
            }
        }
        words.push("-e".into());
        Some(words.join(" "))
    }
}

fn message_summary(record: &InspectedRecord) -> String {
    format!("{} {}", bytes_text(record.key.as_deref()), bytes_text(record.value.as_deref()))
}

pub fn render(frame: &mut Frame, area: Rect, pane: &InspectorPane, clusters: &Clusters<'_>, theme: &Theme) {
    let cluster = clusters.pick(pane.side);
    let [topics_area, messages_area] =
        Layout::horizontal([Constraint::Percentage(25), Constraint::Percentage(75)]).areas(area);
    let focused = theme.accent;
    let topic_block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} topics · c switch ", cluster.name))
        .border_style(if pane.focus == Focus::Topics { focused } else { Style::default() });
    match &pane.topics {
        Load::Ready(_) => {
            let names = pane.visible_topics();
            let rows = names.iter().map(|name| Row::new([*name]));
            let table = Table::new(rows, [Constraint::Fill(1)]).block(topic_block).row_highlight_style(theme.selected);
            let mut state = TableState::default().with_selected(Some(pane.topic_cursor));
            frame.render_stateful_widget(table, topics_area, &mut state);
        }
        other => frame.render_widget(status_text(other, "Loading topics…", theme).block(topic_block), topics_area),
    }

    let title = match &pane.topic {
        Some(topic) => {
            let partition = pane.partition.map_or_else(|| "all".to_owned(), |partition| partition.to_string());
            format!(" {topic} @ {} · -p {partition} -o {} · :offset SPEC · r reread ", cluster.name, pane.offsets)
        }
        None => " Messages · pick a topic, Enter ".to_owned(),
    };
    let message_block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if pane.focus == Focus::Topics { Style::default() } else { focused });
    if pane.focus == Focus::Detail {
        if let Some(record) = pane.selected_message() {
            let paragraph = Paragraph::new(detail_lines(record, pane.hex, theme))
                .block(message_block.title_bottom(" Esc back · x hex/text "))
                .wrap(Wrap { trim: false });
            frame.render_widget(paragraph, messages_area);
            return;
        }
    }
    match &pane.messages {
        Load::Ready(_) => {
            let header = Row::new(["p", "offset", "timestamp", "key", "value", "hdrs"]).bold();
            let visible = pane.visible_messages();
            let rows = visible.iter().map(|record| {
                Row::new([
                    record.partition.to_string(),
                    record.offset.to_string(),
                    timestamp_text(record.timestamp_ms),
                    bytes_text(record.key.as_deref()),
                    bytes_text(record.value.as_deref()).replace('\n', " "),
                    record.headers.len().to_string(),
                ])
            });
            let widths = [
                Constraint::Length(3),
                Constraint::Length(8),
                Constraint::Length(24),
                Constraint::Length(12),
                Constraint::Fill(1),
                Constraint::Length(4),
            ];
            let count = format!(" {} messages ", visible.len());
            let table = Table::new(rows, widths)
                .header(header)
                .block(message_block.title_bottom(count))
                .row_highlight_style(theme.selected);
            let mut state = TableState::default().with_selected(Some(pane.message_cursor));
            frame.render_stateful_widget(table, messages_area, &mut state);
        }
        Load::NotAsked if pane.topic.is_none() => frame.render_widget(
            Paragraph::new("Choose a topic on the left and press Enter, or type :goto inspector TOPIC.")
                .block(message_block),
            messages_area,
        ),
        other => frame.render_widget(status_text(other, "Reading…", theme).block(message_block), messages_area),
    }
}

fn status_text<T>(load: &Load<T>, loading: &'static str, theme: &Theme) -> Paragraph<'static> {
    match load {
        Load::Failed(err) => Paragraph::new(err.clone()).style(theme.bad).wrap(Wrap { trim: true }),
        Load::Loading => Paragraph::new(loading),
        _ => Paragraph::new(""),
    }
}

fn detail_lines(record: &InspectedRecord, hex: bool, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![
        Line::from(format!("partition {}  offset {}", record.partition, record.offset)).bold(),
        Line::from(format!("timestamp {}", timestamp_text(record.timestamp_ms))),
        Line::from(format!("key       {}", bytes_text(record.key.as_deref()))),
        Line::from("headers").bold(),
    ];
    if record.headers.is_empty() {
        lines.push(Line::from("  (none)").style(theme.quiet));
    }
    for (name, value) in &record.headers {
        lines.push(Line::from(format!("  {name} = {}", bytes_text(value.as_deref()))));
    }
    lines.push(Line::from(if hex { "value (hex)" } else { "value" }).bold());
    let body = match (&record.value, hex) {
        (Some(value), true) => hex_dump(value),
        (value, false) => value_text(value.as_deref()).lines().map(str::to_owned).collect(),
        (None, true) => vec!["(null)".to_owned()],
    };
    lines.extend(body.into_iter().map(Line::from));
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(name: &str) -> ResolvedCluster {
        let config = crate::config::parse("", std::path::Path::new("test")).expect("empty config");
        let args = crate::config::ClusterArgs { cluster: name.into(), properties_file: None, overrides: Vec::new() };
        crate::config::resolve_cluster(&args, &config).expect("broker list")
    }

    #[test]
    fn answers_to_superseded_requests_are_dropped() {
        let (source, destination) = (cluster("source:9092"), cluster("destination:9092"));
        let clusters = Clusters { source: &source, destination: &destination };
        let mut pane = InspectorPane::default();
        let first = pane.open_topic("orders", &clusters);
        let second = pane.open_topic("orders", &clusters);
        let (Some(Request::Read { id: old, .. }), Some(Request::Read { id: new, cluster, .. })) = (first, second)
        else {
            panic!("two reads");
        };
        assert_eq!(cluster.name, "source:9092");
        assert!(!pane.on_records(old, Ok(Vec::new())), "a stale answer changes nothing");
        assert_eq!(pane.messages, Load::Loading);
        assert!(pane.on_records(new, Err("boom".into())));
        assert_eq!(pane.messages, Load::Failed("boom".into()));

        let (_, request) = pane.update(&Action::SwitchCluster, &clusters);
        assert!(matches!(request, Some(Request::Read { cluster, .. }) if cluster.name == "destination:9092"));
        let Some(Request::Read { partition, .. }) = pane.set_partition(Some(2), &clusters) else { panic!("a read") };
        assert_eq!(partition, Some(2), "the picked partition travels with the read");
        assert_eq!(
            pane.kcat_command(&clusters).as_deref(),
            Some("kcat -C -b destination:9092 -t orders -p 2 -o -20 -e")
        );
        let Some(Request::Read { partition, .. }) = pane.set_partition(None, &clusters) else { panic!("a read") };
        assert_eq!(partition, None);
        assert!(pane.set_offsets("nonsense", &clusters).is_none());
        assert!(matches!(&pane.messages, Load::Failed(message) if message.contains("nonsense")));
    }
}
