//! The App's side of the Cheatsheet and ACL panes: what they are told about the
//! rest of the cockpit (cluster, topic, group, the plan's topics), copying their
//! text to the clipboard, and running a cheatsheet command inside kdeck.

use super::{App, BannerKind};
use crate::tui::action::Action;
use crate::tui::group_fetch::GroupsSnapshot;
use crate::tui::panes::acl::AclInput;
use crate::tui::panes::cheatsheet::{in_kdeck, InKdeck, Selection};
use crate::tui::panes::groups::GroupLine;
use crate::tui::panes::inspector::{Clusters, DEFAULT_OFFSETS};
use crate::tui::panes::Load;
use crate::tui::protocol::PaneId;

impl App {
    /// The group selected in the Lag pane's groups view, if any.
    fn selected_group(&self) -> Option<&str> {
        let Load::Ready(snapshot) = &self.groups.groups else { return None };
        let index = match self.groups.lines().get(self.groups.cursor.selected)? {
            GroupLine::Group(index) | GroupLine::Partition(index, _) => *index,
        };
        snapshot.groups.get(index).map(|group| group.name.as_str())
    }

    /// What the cheatsheet fills its commands with: the Inspector's topic, else the
    /// Lag pane's; the selected group, else the ACL pane's.
    pub(crate) fn cheatsheet_selection(&self) -> Selection<'_> {
        Selection {
            source: &self.source,
            destination: &self.destination,
            topic: self.inspector.topic.as_deref().or_else(|| self.lag.selected_topic()),
            partition: self.inspector.partition,
            group: self.selected_group().or(self.acl.group.as_deref()),
            principal: Some(self.acl.principal.as_str()).filter(|p| !p.is_empty()),
        }
    }

    /// When the ACL pane is shown: offer the plan's topics and the destination's groups,
    /// and read what is not there yet.
    pub(super) fn offer_acl_resources(&mut self) {
        self.sync_acl_offer();
        // Before the engine reports the plan's topics, the Inspector's topic list stands in.
        if self.status.topics.is_empty() {
            let clusters = Clusters { source: &self.source, destination: &self.destination };
            if let Some(request) = self.inspector.on_shown(&clusters, self.now_ms) {
                self.outbox.push(request);
            }
        }
        if matches!(self.groups.groups, Load::NotAsked) {
            let request = self.groups.request(self.groups_query());
            self.outbox.push(request);
        }
        if matches!(self.acl.acls, Load::NotAsked) {
            let request = self.acl.load(&self.destination);
            self.outbox.push(request);
        }
    }

    /// The plan's topics and the destination's groups as the cockpit knows them now.
    pub(super) fn sync_acl_offer(&mut self) {
        let mut topics: Vec<String> = self.status.topics.iter().map(|topic| topic.destination_topic.clone()).collect();
        if let (true, Load::Ready(listed)) = (topics.is_empty(), &self.inspector.topics) {
            // Internal topics (`__consumer_offsets`, `_schemas`, kdeck's state) are no app's business.
            topics = listed.iter().filter(|name| !name.starts_with('_')).cloned().collect();
        }
        let groups = match &self.groups.groups {
            Load::Ready(GroupsSnapshot { groups, .. }) => {
                groups.iter().filter(|group| group.destination.is_some()).map(|group| group.name.clone()).collect()
            }
            _ => Vec::new(),
        };
        self.acl.offer(&self.plan_name.clone(), topics, groups);
        if self.destination.bootstrap().contains("confluent.cloud") && self.acl.principal.is_empty() {
            self.acl.fix = crate::acl::fix::FixFormat::Confluent;
        }
    }

    /// Opens the ACL pane on a file's ACLs and one app, as the demo does.
    pub fn preset_acl(&mut self, acl: crate::tui::AclSetup) {
        self.acl.file = Some(acl.file);
        self.acl.principal = acl.principal;
        self.acl.group = Some(acl.group);
        self.acl.topics = acl.topics;
        self.acl.topics_chosen = true;
    }

    pub(super) fn on_acl_input(&mut self, input: AclInput) {
        self.focus = PaneId::Acl;
        match self.acl.apply(input, &self.destination) {
            Ok(request) => self.outbox.extend(request),
            Err(reason) => self.warn(BannerKind::Warning, reason),
        }
    }

    /// `y` on the Cheatsheet: the selected command, filled.
    pub(super) fn copy_from_cheatsheet(&mut self) {
        let context = self.cheatsheet.context(&self.cheatsheet_selection());
        let text = match self.cheatsheet.filled(&context) {
            Some(result) => result,
            None => Err("nothing matches the search".to_owned()),
        };
        match text {
            Ok(text) => {
                let effects = crate::tui::panes::common::copied(text);
                self.apply(effects);
            }
            Err(reason) => self.warn(BannerKind::Warning, reason),
        }
    }

    /// Enter on the Cheatsheet: what the command reads, opened in kdeck's own pane.
    pub(super) fn run_cheatsheet_entry(&mut self) -> bool {
        self.run_selected_entry();
        true
    }

    fn run_selected_entry(&mut self) {
        let context = self.cheatsheet.context(&self.cheatsheet_selection());
        let Some(entry) = self.cheatsheet.selected_entry() else {
            return self.warn(BannerKind::Warning, "nothing to run".to_owned());
        };
        let filled = match crate::cheatsheet::render(&entry.template, &context) {
            Ok(filled) if filled.missing.is_empty() => filled.text,
            Ok(filled) => {
                let missing: Vec<String> = filled.missing.iter().map(|name| format!("<{name}>")).collect();
                return self.warn(
                    BannerKind::Warning,
                    format!(
                        "{} not known yet: open a topic in the Inspector or select one on the Lag pane",
                        missing.join(" ")
                    ),
                );
            }
            Err(err) => return self.warn(BannerKind::Warning, err.to_string()),
        };
        let copy = self.keymap.keys_for(&Action::CopyCommand).first().map(crate::tui::panes::common::key_label);
        match in_kdeck(entry.tool, &filled, &copy.unwrap_or_else(|| ":copy_command".to_owned())) {
            Ok(InKdeck::Read { topic, partition, offsets }) => {
                if self.inspector.side != self.cheatsheet.side {
                    self.inspector.side = self.cheatsheet.side;
                    self.inspector.topics = Load::NotAsked;
                }
                self.inspector.partition = partition;
                self.inspector.offsets =
                    if offsets.is_empty() { DEFAULT_OFFSETS.to_owned() } else { offsets.join(" ") };
                self.update(Action::Goto(PaneId::Inspector, Some(topic)));
            }
            Ok(InKdeck::Topics) => {
                if self.inspector.side != self.cheatsheet.side {
                    self.inspector.side = self.cheatsheet.side;
                    self.inspector.topics = Load::NotAsked;
                }
                self.update(Action::Goto(PaneId::Inspector, None));
            }
            Ok(InKdeck::Watermarks) => {
                self.update(Action::Goto(PaneId::Lag, None));
                let open = self.keymap.keys_for(&Action::Expand).first().map(crate::tui::panes::common::key_label);
                let open = open.unwrap_or_else(|| ":expand".to_owned());
                self.warn(
                    BannerKind::Info,
                    format!("the Lag pane shows each partition's watermarks ({open} opens a topic)"),
                );
            }
            Err(reason) => self.warn(BannerKind::Warning, reason),
        }
    }
}
