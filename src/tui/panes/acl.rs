//! The ACL pane: may this principal do what this kind of app needs on the
//! destination? A ✓/✗ grid with the ACL that decided each row, and the commands
//! that add what is missing (`y` copies them). ACLs come live from the destination
//! (DescribeAcls, `r`) or from a file (`:acls FILE`); the principal, profile, group
//! and topics are set on the command line (`:principal`, `:as`, `:group`, `:topics`,
//! `:fix`); Enter steps through the destination's groups.

use std::path::PathBuf;

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, Wrap};
use ratatui::Frame;

use crate::acl::authorizer::AuthorizerConfig;
use crate::acl::check::{check, resource_label, Row as CheckRow};
use crate::acl::fix::{fix_commands, FixFormat};
use crate::acl::model::{check_principal, AclBinding};
use crate::acl::profiles::{requirements, Profile, ProfileInputs};
use crate::config::ResolvedCluster;

use crate::tui::action::Action;
pub use crate::tui::protocol::AclInput;
use crate::tui::protocol::{AclFetch, Request};

use super::common::{copied, Effects, ListCursor, Load, PaneContext, RequestIds};

#[derive(Debug, Clone)]
pub struct AclPane {
    pub principal: String,
    pub profile: Profile,
    pub topics: Vec<String>,
    /// Set by `:topics`; otherwise the plan's topics are used.
    pub topics_chosen: bool,
    pub group: Option<String>,
    pub transactional_id: Option<String>,
    /// The destination's groups, offered by Enter.
    pub offered_groups: Vec<String>,
    pub plan_name: String,
    /// Where the ACLs came from: a file, or `None` for live.
    pub file: Option<PathBuf>,
    pub acls: Load<Vec<AclBinding>>,
    pub fix: FixFormat,
    pub cursor: ListCursor,
    ids: RequestIds,
}

impl Default for AclPane {
    fn default() -> Self {
        AclPane {
            principal: String::new(),
            profile: Profile::Consumer,
            topics: Vec::new(),
            topics_chosen: false,
            group: None,
            transactional_id: None,
            offered_groups: Vec::new(),
            plan_name: String::new(),
            file: None,
            acls: Load::NotAsked,
            fix: FixFormat::KafkaAcls,
            cursor: ListCursor::default(),
            ids: RequestIds::default(),
        }
    }
}

impl AclPane {
    /// The plan's topics and the destination's groups, when the pane is shown.
    pub fn offer(&mut self, plan_name: &str, topics: Vec<String>, groups: Vec<String>) {
        self.plan_name = plan_name.to_owned();
        if !self.topics_chosen {
            self.topics = topics;
        }
        self.offered_groups = groups;
        if self.group.is_none() {
            self.group = self.offered_groups.first().cloned();
        }
    }

    /// Loads the ACLs: live from `destination`, or from the chosen file.
    pub fn load(&mut self, destination: &ResolvedCluster) -> Request {
        let id = self.ids.ask();
        self.acls = Load::Loading;
        let source = match &self.file {
            Some(path) => AclFetch::File(path.clone()),
            None => AclFetch::Live(destination.clone()),
        };
        Request::Acls { id, source }
    }

    pub fn on_acls(&mut self, id: u64, result: Result<Vec<AclBinding>, String>) -> bool {
        if !self.ids.answers(id) {
            return false;
        }
        self.acls = match result {
            Ok(acls) => Load::Ready(acls),
            Err(err) => Load::Failed(err),
        };
        true
    }

    /// Applies a `:` setting; `Err` is a one-line reason for the banner.
    pub fn apply(&mut self, input: AclInput, destination: &ResolvedCluster) -> Result<Option<Request>, String> {
        self.cursor = ListCursor::default();
        match input {
            AclInput::Principal(principal) => {
                check_principal(&principal).map_err(|err| format!(":principal {principal}: {err}"))?;
                self.principal = principal;
            }
            AclInput::Profile(name) => self.profile = Profile::parse(&name).map_err(|err| format!(":as {err}"))?,
            AclInput::Group(group) => self.group = Some(group),
            AclInput::Topics(topics) => {
                self.topics_chosen = !topics.is_empty();
                self.topics = topics;
            }
            AclInput::Fix(name) => self.fix = FixFormat::parse(&name).map_err(|err| format!(":fix {err}"))?,
            AclInput::TransactionalId(id) => self.transactional_id = Some(id),
            AclInput::Acls(file) => {
                self.file = file;
                return Ok(Some(self.load(destination)));
            }
        }
        Ok(None)
    }

    /// The requirement grid, or why there is none yet.
    pub fn rows(&self) -> Result<Vec<CheckRow>, String> {
        if self.principal.is_empty() {
            return Err("Set the app's principal: :principal User:sa-123".to_owned());
        }
        let acls = match &self.acls {
            Load::Ready(acls) => acls,
            Load::NotAsked => {
                return Err(
                    "the destination's ACLs are not read yet (DescribeAcls); :acls FILE loads a saved list".into()
                )
            }
            Load::Loading => return Err("reading ACLs…".to_owned()),
            Load::Failed(err) => return Err(format!("no ACLs: {err}")),
        };
        let inputs = ProfileInputs {
            topics: self.topics.clone(),
            group: self.group.clone(),
            transactional_id: self.transactional_id.clone(),
            plan_name: Some(self.plan_name.clone()).filter(|name| !name.is_empty()),
            ..ProfileInputs::default()
        };
        // The profiles name the CLI's flags; here the same inputs are `:` commands.
        let requirements = requirements(self.profile, &inputs).map_err(|err| {
            err.to_string().replace("--topic", ":topics").replace(" --", " :").replace("(or --", "(or :")
        })?;
        Ok(check(acls, &AuthorizerConfig::default(), &self.principal, "*", requirements))
    }

    /// The fix commands for what is denied, naming the destination's bootstrap and
    /// carrying its security settings (secrets as $VARIABLES).
    pub fn fix_lines(&self, destination: &crate::config::ResolvedCluster) -> Vec<String> {
        let security = crate::cheatsheet::security::Security::from_cluster(destination);
        match self.rows() {
            Ok(rows) => crate::acl::fix::with_client_config(
                self.fix,
                fix_commands(self.fix, &self.principal, &rows, destination.bootstrap()),
                &security,
            ),
            Err(_) => Vec::new(),
        }
    }

    pub fn update(&mut self, action: &Action, context: &PaneContext<'_>) -> Effects {
        match action {
            Action::Refresh => Effects::request(self.load(context.destination)),
            Action::Expand if !self.offered_groups.is_empty() => {
                let next = match self.group.as_ref().and_then(|g| self.offered_groups.iter().position(|o| o == g)) {
                    Some(index) => (index + 1) % self.offered_groups.len(),
                    None => 0,
                };
                self.group = self.offered_groups.get(next).cloned();
                Effects::handled(true)
            }
            Action::CopyCommand => {
                let lines = self.fix_lines(context.destination);
                if lines.is_empty() {
                    let reason = "nothing to fix: every requirement is allowed (or the grid is not ready)";
                    return Effects::note(crate::tui::protocol::BannerKind::Warning, reason);
                }
                copied(lines.join("\n"))
            }
            other => {
                let len = self.rows().map(|rows| rows.len()).unwrap_or(0);
                Effects::handled(self.cursor.navigate(len, other, usize::from(context.body_rows.saturating_sub(8))))
            }
        }
    }
}

pub fn render(frame: &mut Frame, area: Rect, pane: &AclPane, context: &PaneContext<'_>) {
    let (destination, theme) = (context.destination, context.theme);
    let reload = context.key(&Action::Refresh, ":acls");
    let source = match (&pane.file, &pane.acls) {
        (Some(path), _) => format!("file {}", path.display()),
        (None, Load::Ready(acls)) => format!("live from {} ({} ACLs)", destination.name, acls.len()),
        (None, _) => format!("live from {}", destination.name),
    };
    let principal = if pane.principal.is_empty() { "?" } else { pane.principal.as_str() };
    let title = format!(" ACL · {principal} as {} · {source} ", pane.profile.name());
    let rows = match (&pane.acls, pane.principal.is_empty()) {
        (Load::NotAsked, false) => {
            Err(format!("{reload} reads the destination's ACLs (DescribeAcls); :acls FILE loads a saved list"))
        }
        _ => pane.rows(),
    };
    let fixes = pane.fix_lines(destination);
    // Fix commands are long: count the lines they wrap to, so none is cut off.
    let inner_width = usize::from(area.width.saturating_sub(2)).max(1);
    let wrapped: usize = fixes.iter().map(|line| line.chars().count().div_ceil(inner_width).max(1)).sum();
    let fix_height =
        if fixes.is_empty() { 0 } else { u16::try_from(wrapped + 2).unwrap_or(u16::MAX).min(area.height / 2) };
    let [inputs_area, grid_area, fix_area] =
        Layout::vertical([Constraint::Length(3), Constraint::Fill(1), Constraint::Length(fix_height)]).areas(area);

    let group = pane.group.clone().unwrap_or_else(|| "-".to_owned());
    let topics = if pane.topics.is_empty() { "-".to_owned() } else { pane.topics.join(", ") };
    let inputs = Paragraph::new(Line::from(vec![
        Span::raw(format!("topics {topics} · group {group} ")),
        Span::styled(
            match pane.offered_groups.len() {
                0 => "(the destination lists no groups: :group NAME picks one)".to_owned(),
                offered => format!("({}: next of {offered} destination groups)", context.key(&Action::Expand, "Enter")),
            },
            theme.quiet,
        ),
    ]))
    .block(Block::default().borders(Borders::ALL).title(title).title_bottom(Line::styled(
        format!(" :principal :as :group :topics :acls :fix · {reload} reload "),
        theme.quiet,
    )));
    frame.render_widget(inputs, inputs_area);

    let grid_block = Block::default().borders(Borders::ALL).title(" requirements · ✓ allowed ✗ denied · deciding ACL ");
    match rows {
        Err(reason) => {
            frame.render_widget(Paragraph::new(reason).wrap(Wrap { trim: true }).block(grid_block), grid_area)
        }
        Ok(rows) => {
            let wide = area.width >= 110;
            let mut titles = vec!["", "operation", "resource", "decided by"];
            if wide {
                titles.push("needed for");
            }
            let header = Row::new(titles).style(Style::default().add_modifier(Modifier::BOLD));
            let resource_width =
                rows.iter().map(|row| resource_label(&row.requirement).chars().count()).max().unwrap_or(8);
            let lines = rows.iter().map(|row| {
                let (mark, style) = if row.decision.allowed { ("✓", theme.good) } else { ("✗", theme.bad) };
                let mut cells = vec![
                    Span::styled(mark, style),
                    Span::raw(row.requirement.operation.kafka_name()),
                    Span::raw(resource_label(&row.requirement)),
                    Span::raw(row.decision.reason.to_string()),
                ];
                if wide {
                    cells.push(Span::styled(row.requirement.why, theme.quiet));
                }
                Row::new(cells)
            });
            let mut widths = vec![
                Constraint::Length(1),
                Constraint::Length(16),
                Constraint::Length(u16::try_from(resource_width.min(40)).unwrap_or(40)),
                Constraint::Fill(3),
            ];
            if wide {
                widths.push(Constraint::Fill(1));
            }
            let table = Table::new(lines, widths).header(header).block(grid_block).row_highlight_style(theme.selected);
            let mut state = pane.cursor.table_state(rows.len());
            frame.render_stateful_widget(table, grid_area, &mut state);
        }
    }
    if !fixes.is_empty() {
        let format = match pane.fix {
            FixFormat::KafkaAcls => "kafka-acls",
            FixFormat::Confluent => "confluent",
        };
        let text: Vec<Line> = fixes.iter().map(|line| Line::styled(line.clone(), theme.warn)).collect();
        let block = Block::default().borders(Borders::ALL).title(format!(
            " fix ({format}) · {} copies · :fix kafka-acls|confluent ",
            context.key(&Action::CopyCommand, ":copy")
        ));
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), fix_area);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acl::source::parse;

    fn destination() -> ResolvedCluster {
        let config = crate::config::parse("", std::path::Path::new("t")).unwrap();
        let args = crate::config::ClusterArgs { cluster: "pkc:9092".into(), ..Default::default() };
        crate::config::resolve_cluster(&args, &config).unwrap()
    }

    /// The reference day: READ on the topic, nothing on the group.
    pub(crate) fn reference_day_acls() -> Vec<AclBinding> {
        parse("Current ACLs for resource `ResourcePattern(resourceType=TOPIC, name=orders, patternType=LITERAL)`:\n\t(principal=User:sa-app, host=*, operation=READ, permissionType=ALLOW)\n").unwrap()
    }

    #[test]
    fn the_grid_finds_the_missing_group_read_and_its_fix() {
        let mut pane = AclPane::default();
        pane.offer("plan", vec!["orders".into()], vec!["orders-app".into(), "other".into()]);
        assert_eq!(pane.rows().unwrap_err(), "Set the app's principal: :principal User:sa-123");
        assert!(pane
            .apply(AclInput::Principal("sa-app".into()), &destination())
            .err()
            .unwrap()
            .contains(":principal sa-app"));
        assert!(matches!(pane.apply(AclInput::Principal("User:sa-app".into()), &destination()), Ok(None)));
        assert!(pane.rows().unwrap_err().starts_with("the destination's ACLs are not read yet"));
        let test = super::super::common::TestContext::new("source:9092", "pkc:9092");
        let request = pane.update(&Action::Refresh, &test.context()).requests.pop();
        let Some(Request::Acls { id, source: AclFetch::Live(_) }) = request else { panic!("live request") };
        assert!(!pane.on_acls(id + 1, Ok(vec![])), "stale answers are dropped");
        assert!(pane.on_acls(id, Ok(reference_day_acls())));
        let rows = pane.rows().unwrap();
        let denied: Vec<String> = rows
            .iter()
            .filter(|r| !r.decision.allowed)
            .map(|r| format!("{} {}", r.requirement.operation, resource_label(&r.requirement)))
            .collect();
        assert_eq!(denied, ["READ GROUP orders-app", "DESCRIBE GROUP orders-app"]);
        assert_eq!(pane.fix_lines(&destination()), ["kafka-acls --bootstrap-server pkc:9092 --add --allow-principal User:sa-app --operation Read --group orders-app"]);
        pane.apply(AclInput::Fix("confluent".into()), &destination()).unwrap();
        assert_eq!(pane.fix_lines(&destination()), ["confluent kafka acl create --allow --service-account sa-app --operations read --consumer-group orders-app"]);
    }

    #[test]
    fn settings_groups_and_files() {
        let mut pane = AclPane::default();
        pane.offer("plan", vec!["a".into()], vec!["g1".into(), "g2".into()]);
        assert_eq!(pane.group.as_deref(), Some("g1"));
        let test = super::super::common::TestContext::new("source:9092", "pkc:9092");
        assert!(pane.update(&Action::Expand, &test.context()).redraw);
        assert_eq!(pane.group.as_deref(), Some("g2"));
        pane.update(&Action::Expand, &test.context());
        assert_eq!(pane.group.as_deref(), Some("g1"));
        pane.apply(AclInput::Topics(vec!["x".into(), "y".into()]), &destination()).unwrap();
        pane.offer("plan", vec!["a".into()], vec![]);
        assert_eq!(pane.topics, ["x", "y"], "chosen topics survive a refresh of the plan's");
        assert!(pane
            .apply(AclInput::Profile("nope".into()), &destination())
            .err()
            .unwrap()
            .starts_with(":as unknown profile"));
        pane.apply(AclInput::Profile("producer".into()), &destination()).unwrap();
        assert_eq!(pane.profile, Profile::Producer);
        pane.apply(AclInput::Principal("User:app".into()), &destination()).unwrap();
        pane.acls = Load::Ready(Vec::new());
        pane.apply(AclInput::Profile("transactional-producer".into()), &destination()).unwrap();
        assert_eq!(pane.rows().err().unwrap(), "profile transactional-producer needs :transactional-id");
        pane.apply(AclInput::TransactionalId("tx-1".into()), &destination()).unwrap();
        assert!(pane.rows().unwrap().iter().any(|row| row.requirement.name == "tx-1"));
        pane.apply(AclInput::Topics(Vec::new()), &destination()).unwrap();
        pane.topics.clear();
        assert_eq!(pane.rows().err().unwrap(), "profile transactional-producer needs at least one :topics");
        assert!(pane.apply(AclInput::Fix("x".into()), &destination()).is_err());
        let request = pane.apply(AclInput::Acls(Some("/tmp/acls.json".into())), &destination()).unwrap();
        assert!(matches!(request, Some(Request::Acls { source: AclFetch::File(_), .. })));
    }
}

/// The ACL pane's `:` commands: `principal P`, `as PROFILE`, `group G`, `topics A,B`,
/// `acls FILE|live`, `fix kafka-acls|confluent`, `transactional-id ID`.
pub fn parse_setting(command: &str, args: &[&str]) -> Result<Action, String> {
    let [value] = args else { return Err(format!(":{command} takes one value")) };
    let value = (*value).to_owned();
    Ok(Action::AclInput(match command {
        "principal" => AclInput::Principal(value),
        "as" | "profile" => AclInput::Profile(value),
        "group" => AclInput::Group(value),
        "topics" => AclInput::Topics(value.split(',').filter(|t| !t.is_empty()).map(str::to_owned).collect()),
        "acls" if value == "live" => AclInput::Acls(None),
        "acls" => AclInput::Acls(Some(PathBuf::from(value))),
        "fix" => AclInput::Fix(value),
        "transactional-id" => AclInput::TransactionalId(value),
        other => return Err(format!("unknown command :{other}")),
    }))
}

#[cfg(test)]
mod command_tests {
    use super::*;
    use crate::tui::command::parse_command;

    #[test]
    fn acl_commands_parse() {
        let input = |line: &str| match parse_command(line) {
            Ok(Action::AclInput(input)) => Ok(input),
            Ok(other) => panic!("{other:?}"),
            Err(err) => Err(err),
        };
        assert_eq!(input("principal User:sa-1"), Ok(AclInput::Principal("User:sa-1".into())));
        assert_eq!(input("as consumer"), Ok(AclInput::Profile("consumer".into())));
        assert_eq!(input("group app"), Ok(AclInput::Group("app".into())));
        assert_eq!(input("topics a,b,"), Ok(AclInput::Topics(vec!["a".into(), "b".into()])));
        assert_eq!(input("acls live"), Ok(AclInput::Acls(None)));
        assert_eq!(input("acls /x.json"), Ok(AclInput::Acls(Some("/x.json".into()))));
        assert_eq!(input("fix confluent"), Ok(AclInput::Fix("confluent".into())));
        assert_eq!(input("transactional-id tx-1"), Ok(AclInput::TransactionalId("tx-1".into())));
        assert_eq!(input("principal"), Err(":principal takes one value".into()));
        assert_eq!(input("group a b"), Err(":group takes one value".into()));
    }
}
