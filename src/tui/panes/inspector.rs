//! kcat in a pane: pick a cluster and a topic, read it with `kdeck consume`'s
//! offset grammar (`-20`, `beginning`, `s@<ms>`), browse the messages, open one
//! to see its headers and its value as pretty JSON, text or hex.

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Style, Stylize};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::config::ResolvedCluster;
use crate::inspect::offset_spec::parse_offset_specs;
use crate::schemas::inspect::{pretty_json, DecodedField};
use crate::tui::action::Action;
use crate::tui::protocol::{Counterpart, InspectedRecord, Request};
use crate::tui::theme::Theme;

use super::common::{matches_filter, Effects, ListCursor, PaneContext, RequestIds};
pub use super::common::{ClusterSide, Load};
use super::inspector_compare::CompareView;
use super::record_text::{bytes_text, hex_dump, shell_word, timestamp_text, value_text};

/// Records per read: enough to browse, few enough to draw at once.
pub const READ_LIMIT: usize = 500;
pub const DEFAULT_OFFSETS: &str = "-20";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Focus {
    #[default]
    Topics,
    Messages,
    Detail,
}

/// A list read that gets no answer in this long has failed, whatever the worker is
/// doing: a profile whose security settings do not match the broker makes librdkafka
/// retry quietly instead of failing.
pub const GIVE_UP_MS: i64 = 30_000;

#[derive(Debug, Clone)]
pub struct InspectorPane {
    pub side: ClusterSide,
    pub topics: Load<Vec<String>>,
    pub topic_cursor: ListCursor,
    /// The topic being read, once chosen.
    pub topic: Option<String>,
    /// The `-o` arguments, space-separated, as the user typed them.
    pub offsets: String,
    /// kcat's `-p`: one partition, or every one when `None`.
    pub partition: Option<i32>,
    pub messages: Load<Vec<InspectedRecord>>,
    pub message_cursor: ListCursor,
    pub focus: Focus,
    pub hex: bool,
    pub filter: String,
    /// The selected record beside its counterpart on the other cluster.
    pub compare: Option<CompareView>,
    topic_ids: RequestIds,
    compare_ids: RequestIds,
    read_ids: RequestIds,
    /// When the topic list was asked for, to give up on it (see [`GIVE_UP_MS`]).
    topics_asked_ms: Option<i64>,
    /// Rows the lists showed at the last update.
    visible: usize,
}

impl Default for InspectorPane {
    fn default() -> Self {
        InspectorPane {
            side: ClusterSide::Source,
            topics: Load::NotAsked,
            topic_cursor: ListCursor::default(),
            topic: None,
            offsets: DEFAULT_OFFSETS.to_owned(),
            partition: None,
            messages: Load::NotAsked,
            message_cursor: ListCursor::default(),
            focus: Focus::Topics,
            hex: false,
            filter: String::new(),
            compare: None,
            topic_ids: RequestIds::default(),
            compare_ids: RequestIds::default(),
            read_ids: RequestIds::default(),
            topics_asked_ms: None,
            visible: 0,
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
    /// Asks for the topic list unless it is there or on its way.
    pub fn on_shown(&mut self, clusters: &Clusters<'_>, now_ms: i64) -> Option<Request> {
        matches!(self.topics, Load::NotAsked | Load::Failed(_)).then(|| self.request_topics(clusters, now_ms))
    }

    fn request_topics(&mut self, clusters: &Clusters<'_>, now_ms: i64) -> Request {
        let id = self.topic_ids.ask();
        self.topics = Load::Loading;
        self.topics_asked_ms = Some(now_ms);
        Request::Topics { id, cluster: clusters.pick(self.side).clone() }
    }

    /// Gives up on a topic list that has not come in [`GIVE_UP_MS`], saying why that
    /// usually happens; returns whether the pane changed.
    pub fn on_clock(&mut self, clusters: &Clusters<'_>, now_ms: i64) -> bool {
        let overdue = self.topics_asked_ms.is_some_and(|asked| now_ms.saturating_sub(asked) >= GIVE_UP_MS);
        if !overdue || self.topics != Load::Loading {
            return false;
        }
        self.topic_ids.forget();
        self.topics_asked_ms = None;
        let cluster = clusters.pick(self.side);
        self.topics = Load::Failed(format!(
            "no topic list from {} after {} s: the broker did not answer. Check that the profile's \
             security.protocol and sasl.* settings match the broker's listener.",
            cluster.name,
            GIVE_UP_MS / 1_000
        ));
        true
    }

    /// Reads `topic` with the current offsets; a bad spec is an error shown in the pane.
    pub fn open_topic(&mut self, topic: &str, clusters: &Clusters<'_>) -> Option<Request> {
        self.topic = Some(topic.to_owned());
        if let Some(position) = self.visible_topics().iter().position(|name| *name == topic) {
            let len = self.visible_topics().len();
            self.topic_cursor.select(position, len, self.visible);
        }
        self.focus = Focus::Messages;
        self.message_cursor = ListCursor::default();
        let args: Vec<String> = self.offsets.split_whitespace().map(str::to_owned).collect();
        let spec = match parse_offset_specs(&args) {
            Ok(spec) => spec,
            Err(err) => {
                self.messages = Load::Failed(err.to_string());
                return None;
            }
        };
        let id = self.read_ids.ask();
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
        if !self.topic_ids.answers(id) {
            return false;
        }
        self.topics_asked_ms = None;
        self.topics = match result {
            Ok(topics) => Load::Ready(topics),
            Err(err) => Load::Failed(err),
        };
        let current = self.topic.as_deref();
        let visible = self.visible_topics();
        let position = visible.iter().position(|name| Some(*name) == current).unwrap_or(0);
        let len = visible.len();
        self.topic_cursor = ListCursor::default();
        self.topic_cursor.select(position, len, self.visible);
        true
    }

    pub fn on_records(&mut self, id: u64, result: Result<Vec<InspectedRecord>, String>) -> bool {
        if !self.read_ids.answers(id) {
            return false;
        }
        self.messages = match result {
            Ok(records) => Load::Ready(records),
            Err(err) => Load::Failed(err),
        };
        self.message_cursor = ListCursor::default();
        true
    }

    /// Reads the selected record's counterpart on the other cluster;
    /// `other_topic` is the open topic's name there (the plan may rename it).
    pub fn compare(&mut self, other_topic: &str, clusters: &Clusters<'_>) -> Option<Request> {
        let topic = self.topic.clone()?;
        let record = self.selected_message().filter(|_| self.focus != Focus::Topics)?.clone();
        let view = CompareView::new(&record, self.side, &topic, other_topic);
        let request = Request::Compare {
            id: self.compare_ids.ask(),
            cluster: clusters.pick(self.side.other()).clone(),
            target: view.target.clone(),
        };
        self.compare = Some(view);
        Some(request)
    }

    pub fn on_compared(&mut self, id: u64, result: Result<Box<Counterpart>, String>) -> bool {
        if !self.compare_ids.answers(id) {
            return false;
        }
        if let Some(view) = &mut self.compare {
            view.answer = match result {
                Ok(counterpart) => Load::Ready(*counterpart),
                Err(err) => Load::Failed(err),
            };
        }
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
        self.topic_cursor = ListCursor::default();
        self.message_cursor = ListCursor::default();
    }

    pub fn selected_message(&self) -> Option<&InspectedRecord> {
        self.visible_messages().get(self.message_cursor.selected).copied()
    }

    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        self.visible = usize::from(context.body_rows.saturating_sub(3));
        let clusters = Clusters { source: context.source, destination: context.destination };
        let now_ms = context.now_ms;
        if self.compare.is_some() {
            return match action {
                Action::Escape => {
                    self.compare = None;
                    self.compare_ids.forget();
                    Effects::handled(true)
                }
                Action::ToggleHex => {
                    self.hex = !self.hex;
                    Effects::handled(true)
                }
                _ => Effects::handled(false),
            };
        }
        match action {
            Action::Expand => match self.focus {
                Focus::Topics => {
                    let topic = self.visible_topics().get(self.topic_cursor.selected).map(|t| (*t).to_owned());
                    match topic {
                        Some(topic) => {
                            self.filter.clear();
                            Effects::requests(self.open_topic(&topic, &clusters))
                        }
                        None => Effects::handled(false),
                    }
                }
                Focus::Messages if self.selected_message().is_some() => {
                    self.focus = Focus::Detail;
                    Effects::handled(true)
                }
                _ => Effects::handled(false),
            },
            Action::Escape => {
                self.focus = match self.focus {
                    Focus::Detail => Focus::Messages,
                    _ => Focus::Topics,
                };
                Effects::handled(true)
            }
            Action::Refresh => match self.topic.clone() {
                Some(topic) if self.focus != Focus::Topics => Effects::requests(self.open_topic(&topic, &clusters)),
                _ => Effects::request(self.request_topics(&clusters, now_ms)),
            },
            Action::SwitchCluster => {
                self.side = self.side.other();
                match self.topic.clone() {
                    Some(topic) if self.focus != Focus::Topics => Effects::requests(self.open_topic(&topic, &clusters)),
                    _ => Effects::request(self.request_topics(&clusters, now_ms)),
                }
            }
            Action::ToggleHex => {
                self.hex = !self.hex;
                Effects::handled(true)
            }
            other => {
                let moved = match self.focus {
                    Focus::Topics => {
                        let len = self.visible_topics().len();
                        self.topic_cursor.navigate(len, other, self.visible)
                    }
                    Focus::Messages => {
                        let len = self.visible_messages().len();
                        self.message_cursor.navigate(len, other, self.visible.saturating_sub(1))
                    }
                    Focus::Detail => false,
                };
                Effects::handled(moved)
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
        // The profile's security settings, secrets as $VARIABLES, so the copy works as it stands.
        let security = crate::cheatsheet::security::Security::from_cluster(cluster).kcat_flags();
        if !security.is_empty() {
            words.push(security.trim().to_owned());
        }
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
    format!("{} {}", key_summary(record), value_summary(record))
}

pub(super) fn decoded_key(record: &InspectedRecord) -> Option<&Result<DecodedField, String>> {
    record.decoded.as_ref().and_then(|d| d.key.as_ref())
}

pub(super) fn decoded_value(record: &InspectedRecord) -> Option<&Result<DecodedField, String>> {
    record.decoded.as_ref().and_then(|d| d.value.as_ref())
}

/// The decoded JSON when there is one, the bytes otherwise.
fn key_summary(record: &InspectedRecord) -> String {
    match decoded_key(record) {
        Some(Ok(field)) => field.json.clone(),
        _ => bytes_text(record.key.as_deref()),
    }
}

fn value_summary(record: &InspectedRecord) -> String {
    match decoded_value(record) {
        Some(Ok(field)) => field.json.clone(),
        _ => bytes_text(record.value.as_deref()),
    }
}

/// `AVRO · schema id 6 · orders-value`
pub(super) fn schema_text(field: &DecodedField) -> String {
    let subject = field.subject.as_deref().map(|s| format!(" · {s}")).unwrap_or_default();
    format!("{} · schema id {}{subject}", field.schema_type.wire_name(), field.schema_id)
}

pub fn render(frame: &mut Frame, area: Rect, pane: &InspectorPane, context: &PaneContext<'_>) {
    // Two records side by side need the width more than the topic list does.
    if let Some(view) = pane.compare.as_ref().filter(|_| pane.focus != Focus::Topics) {
        super::inspector_compare::render(frame, area, view, pane.hex, context);
        return;
    }
    let (theme, cluster) = (context.theme, context.pick(pane.side));
    let switch = context.key(&Action::SwitchCluster, ":switch");
    let [topics_area, messages_area] =
        Layout::horizontal([Constraint::Percentage(25), Constraint::Percentage(75)]).areas(area);
    let focused = theme.accent;
    let topic_block = Block::default()
        .borders(Borders::ALL)
        .title(format!(" {} topics · {switch} switch ", cluster.name))
        .border_style(if pane.focus == Focus::Topics { focused } else { Style::default() });
    match &pane.topics {
        Load::Ready(_) => {
            let names = pane.visible_topics();
            let rows = names.iter().map(|name| Row::new([*name]));
            let table = Table::new(rows, [Constraint::Fill(1)]).block(topic_block).row_highlight_style(theme.selected);
            let mut state = pane.topic_cursor.table_state(names.len());
            frame.render_stateful_widget(table, topics_area, &mut state);
        }
        other => frame.render_widget(status_text(other, "Loading topics…", theme).block(topic_block), topics_area),
    }

    let title = match &pane.topic {
        Some(topic) => {
            let partition = pane.partition.map_or_else(|| "all".to_owned(), |partition| partition.to_string());
            let reread = context.key(&Action::Refresh, ":refresh");
            format!(
                " {topic} @ {} · -p {partition} -o {} · :offset SPEC · {reread} reread ",
                cluster.name, pane.offsets
            )
        }
        None => format!(" Messages · pick a topic, {} ", context.key(&Action::Expand, "Enter")),
    };
    let message_block = Block::default()
        .borders(Borders::ALL)
        .title(title)
        .border_style(if pane.focus == Focus::Topics { Style::default() } else { focused });
    if pane.focus == Focus::Detail {
        if let Some(record) = pane.selected_message() {
            let paragraph = Paragraph::new(detail_lines(record, pane.hex, theme))
                .block(message_block.title_bottom(format!(
                    " {} back · {} raw bytes (hex)/decoded · {} compare ",
                    context.key(&Action::Escape, "Esc"),
                    context.key(&Action::ToggleHex, ":hex"),
                    context.key(&Action::Compare, ":compare"),
                )))
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
                    key_summary(record),
                    value_summary(record).replace('\n', " "),
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
            let mut state = pane.message_cursor.table_state(visible.len());
            frame.render_stateful_widget(table, messages_area, &mut state);
        }
        Load::NotAsked if pane.topic.is_none() => frame.render_widget(
            Paragraph::new(format!(
                "Choose a topic on the left and press {}, or type :goto inspector TOPIC.",
                context.key(&Action::Expand, ":goto inspector TOPIC")
            ))
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
        Line::from(format!("key       {}", if hex { bytes_text(record.key.as_deref()) } else { key_summary(record) })),
    ];
    if let (Some(Ok(field)), false) = (decoded_key(record), hex) {
        lines.push(Line::from(format!("          ({})", schema_text(field))).style(theme.quiet));
    }
    lines.push(Line::from("headers").bold());
    if record.headers.is_empty() {
        lines.push(Line::from("  (none)").style(theme.quiet));
    }
    for (name, value) in &record.headers {
        lines.push(Line::from(format!("  {name} = {}", bytes_text(value.as_deref()))));
    }
    match (decoded_value(record), hex) {
        (Some(Ok(field)), false) => {
            lines.push(Line::from(format!("value ({})", schema_text(field))).bold());
            lines.extend(pretty_json(&field.json).lines().map(|l| Line::from(l.to_owned())));
            return lines;
        }
        (Some(Err(reason)), false) => {
            lines.push(Line::from("value (raw: not decoded)").bold());
            lines.push(Line::from(reason.clone()).style(theme.bad));
        }
        (Some(_), true) => lines.push(Line::from("value (raw bytes, hex)").bold()),
        (None, hex) => lines.push(Line::from(if hex { "value (hex)" } else { "value" }).bold()),
    }
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

        let test = super::super::common::TestContext::new("source:9092", "destination:9092");
        let effects = pane.update(&Action::SwitchCluster, &test.context());
        assert!(
            matches!(effects.requests.as_slice(), [Request::Read { cluster, .. }] if cluster.name == "destination:9092")
        );
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

    #[test]
    fn copied_command_carries_the_profiles_security_with_secrets_as_variables() {
        let mut secured = cluster("pkc.example:9092");
        for (key, value) in [
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanisms", "PLAIN"),
            ("sasl.username", "ABCDEFGH"),
            ("sasl.password", "Inspector-Secret-1"),
        ] {
            secured.properties.set(key, value);
        }
        let clusters = Clusters { source: &secured, destination: &secured };
        let mut pane = InspectorPane::default();
        let _ = pane.open_topic("orders", &clusters);
        assert_eq!(
            pane.kcat_command(&clusters).as_deref(),
            Some("kcat -C -b pkc.example:9092 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=ABCDEFGH -X sasl.password=$KAFKA_API_SECRET -t orders -o -20 -e")
        );
    }
}
