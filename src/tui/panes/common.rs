//! What every pane shares: the context an `update` or a `render` reads, the
//! [`Effects`] an `update` returns, loading state, request-id tracking, list
//! cursors that keep their scroll offset, and the small text helpers.

use ratatui::widgets::TableState;

use crate::config::ResolvedCluster;
use crate::engine::status::EngineStatus;
use crate::tui::action::Action;
use crate::tui::keymap::Keymap;
use crate::tui::protocol::{BannerKind, Request};
use crate::tui::theme::Theme;

/// What a pane may read of the rest of the cockpit, in `update` and in `render`.
pub struct PaneContext<'a> {
    pub source: &'a ResolvedCluster,
    pub destination: &'a ResolvedCluster,
    pub status: &'a EngineStatus,
    pub keymap: &'a Keymap,
    pub theme: &'a Theme,
    pub now_ms: i64,
    /// The body's height on the terminal: how many rows a pane's list can show.
    pub body_rows: u16,
    pub read_only: bool,
}

impl PaneContext<'_> {
    /// The key bound to `action` as help shows it (`s`, `Ctrl-R`), or `:command`
    /// when the user's keymap binds none.
    pub fn key(&self, action: &Action, fallback: &str) -> String {
        self.keymap.keys_for(action).first().map_or_else(|| fallback.to_owned(), key_label)
    }

    pub fn pick(&self, side: ClusterSide) -> &ResolvedCluster {
        match side {
            ClusterSide::Source => self.source,
            ClusterSide::Destination => self.destination,
        }
    }
}

/// A key as a hint line shows it: `Enter`, `↑`, `C-r`, `s` (help's `<Enter>` without the brackets).
pub fn key_label(key: &crate::tui::keymap::Key) -> String {
    let text = key.to_string();
    let bare = text.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')).unwrap_or(&text);
    match bare {
        "Up" => "↑".to_owned(),
        "Down" => "↓".to_owned(),
        other => other.to_owned(),
    }
}

/// What a pane's `update` asks of the app: nothing is done behind its back.
#[derive(Default)]
pub struct Effects {
    /// Whether the pane took the action. When it did not, the app gives the action its
    /// cockpit-wide meaning (only the Connect pane is asked before the app).
    pub handled: bool,
    pub redraw: bool,
    pub requests: Vec<Request>,
    /// Text for the terminal's clipboard.
    pub clipboard: Option<String>,
    /// A line for the bottom bar.
    pub note: Option<(BannerKind, String)>,
    /// A write the pane built; it passes the app's read-only and confirmation gates first.
    pub mutation: Option<Action>,
}

impl Effects {
    /// Not the pane's action.
    pub fn ignored() -> Effects {
        Effects::default()
    }

    /// Taken; `redraw` says whether anything on screen changed.
    pub fn handled(redraw: bool) -> Effects {
        Effects { handled: true, redraw, ..Effects::default() }
    }

    pub fn request(request: Request) -> Effects {
        Effects { handled: true, redraw: true, requests: vec![request], ..Effects::default() }
    }

    pub fn requests(requests: impl IntoIterator<Item = Request>) -> Effects {
        Effects { handled: true, redraw: true, requests: requests.into_iter().collect(), ..Effects::default() }
    }

    pub fn note(kind: BannerKind, text: impl Into<String>) -> Effects {
        Effects { handled: true, redraw: true, note: Some((kind, text.into())), ..Effects::default() }
    }

    pub fn mutation(action: Action) -> Effects {
        Effects { handled: true, redraw: true, mutation: Some(action), ..Effects::default() }
    }
}

/// Puts `text` on the clipboard, saying so with its first line.
pub fn copied(text: String) -> Effects {
    let first = text.lines().next().unwrap_or_default().to_owned();
    let more = text.lines().count().saturating_sub(1);
    let suffix = if more > 0 { format!(" (+{more} lines)") } else { String::new() };
    let mut effects = Effects::note(BannerKind::Info, format!("copied: {first}{suffix}"));
    effects.clipboard = Some(text);
    effects
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Load<T> {
    #[default]
    NotAsked,
    Loading,
    Ready(T),
    Failed(String),
}

/// Request ids of one pane: answers to anything but the latest request are stale.
/// A pane that shows one of several clusters starts afresh on a switch
/// (`restart`): answers asked before it belong to the cluster left behind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RequestIds {
    last: u64,
    waiting: Option<u64>,
    asked_at_ms: i64,
    first_current: u64,
}

impl RequestIds {
    /// A fresh id, now the one awaited.
    pub fn ask(&mut self) -> u64 {
        self.last += 1;
        self.waiting = Some(self.last);
        self.last
    }

    /// A fresh awaited id, remembering when it left (see `in_flight`).
    pub fn ask_at(&mut self, now_ms: i64) -> u64 {
        self.asked_at_ms = now_ms;
        self.ask()
    }

    /// A fresh id for a write: its answer counts whatever is asked after it.
    pub fn issue(&mut self) -> u64 {
        self.last += 1;
        self.last
    }

    /// Whether `id` answers the latest request; the answer is then no longer awaited.
    pub fn answers(&mut self, id: u64) -> bool {
        if self.waiting == Some(id) {
            self.waiting = None;
            return true;
        }
        false
    }

    /// No answer is awaited any more (the view that asked has closed).
    pub fn forget(&mut self) {
        self.waiting = None;
    }

    /// Answers to every id issued so far belong to a view that was replaced.
    pub fn restart(&mut self) {
        self.waiting = None;
        self.first_current = self.last + 1;
    }

    /// Whether `id` was issued since the last `restart`.
    pub fn is_current(&self, id: u64) -> bool {
        id >= self.first_current
    }

    pub fn waiting(&self) -> bool {
        self.waiting.is_some()
    }

    /// The awaited id, if any.
    pub fn awaited(&self) -> Option<u64> {
        self.waiting
    }

    /// Whether an answer is awaited that left less than `give_up_ms` ago:
    /// a request never answered must not stop the pane asking again.
    pub fn in_flight(&self, now_ms: i64, give_up_ms: i64) -> bool {
        self.waiting.is_some() && now_ms - self.asked_at_ms < give_up_ms
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ClusterSide {
    #[default]
    Source,
    Destination,
}

impl ClusterSide {
    pub fn other(self) -> ClusterSide {
        match self {
            ClusterSide::Source => ClusterSide::Destination,
            ClusterSide::Destination => ClusterSide::Source,
        }
    }
}

/// `12s ago`-style age of an event against the app's clock.
pub fn ago(now_ms: i64, at_ms: i64) -> String {
    let secs = now_ms.saturating_sub(at_ms).max(0) / 1_000;
    match secs {
        s if s < 60 => format!("{s}s ago"),
        s if s < 3_600 => format!("{}m ago", s / 60),
        s => format!("{}h ago", s / 3_600),
    }
}

/// A selection in a list of `len` rows, moved by the navigation actions.
/// Returns whether the action was a navigation one.
pub fn move_cursor(selected: &mut usize, len: usize, action: &Action, page: usize) -> bool {
    let last = len.saturating_sub(1);
    let next = match action {
        Action::Up => selected.saturating_sub(1),
        Action::Down => (*selected + 1).min(last),
        Action::PageUp => selected.saturating_sub(page.max(1)),
        Action::PageDown => (*selected + page.max(1)).min(last),
        Action::Top => 0,
        Action::Bottom => last,
        _ => return false,
    };
    *selected = next;
    true
}

/// A list's selection and its first visible row, kept between frames so the
/// highlight moves within the view and the view only scrolls at its edges.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ListCursor {
    pub selected: usize,
    pub offset: usize,
}

impl ListCursor {
    /// Moves by a navigation action in a list of `len` rows of which `visible`
    /// fit; returns whether it was one.
    pub fn navigate(&mut self, len: usize, action: &Action, visible: usize) -> bool {
        let page = visible.saturating_sub(1).max(1);
        if !move_cursor(&mut self.selected, len, action, page) {
            return false;
        }
        self.follow(len, visible);
        true
    }

    /// Scrolls just enough to keep the selection in view; `visible` 0 is a view
    /// not drawn yet, which only keeps the offset from passing the selection.
    pub fn follow(&mut self, len: usize, visible: usize) {
        self.selected = self.selected.min(len.saturating_sub(1));
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if visible > 0 && self.selected >= self.offset + visible {
            self.offset = self.selected + 1 - visible;
        }
        if visible > 0 {
            self.offset = self.offset.min(len.saturating_sub(visible));
        }
    }

    pub fn select(&mut self, selected: usize, len: usize, visible: usize) {
        self.selected = selected;
        self.follow(len, visible);
    }

    /// The table state to draw with; `None` selected when the list is empty.
    pub fn table_state(&self, len: usize) -> TableState {
        TableState::default().with_offset(self.offset).with_selected((len > 0).then_some(self.selected))
    }
}

/// Case-insensitive substring match; an empty filter keeps everything.
pub fn matches_filter(text: &str, filter: &str) -> bool {
    filter.is_empty() || text.to_lowercase().contains(&filter.to_lowercase())
}

/// What a pane's unit test needs to build a [`PaneContext`].
#[cfg(test)]
pub(crate) struct TestContext {
    pub source: ResolvedCluster,
    pub destination: ResolvedCluster,
    pub status: EngineStatus,
    pub keymap: Keymap,
    pub theme: Theme,
}

#[cfg(test)]
impl TestContext {
    pub fn new(source: &str, destination: &str) -> TestContext {
        let config = crate::config::parse("", std::path::Path::new("test")).expect("empty config");
        let resolve = |name: &str| {
            let args =
                crate::config::ClusterArgs { cluster: name.into(), properties_file: None, overrides: Vec::new() };
            crate::config::resolve_cluster(&args, &config).expect("broker list")
        };
        TestContext {
            source: resolve(source),
            destination: resolve(destination),
            status: EngineStatus::default(),
            keymap: Keymap::defaults(),
            theme: Theme::standard(),
        }
    }

    pub fn context(&self) -> PaneContext<'_> {
        PaneContext {
            source: &self.source,
            destination: &self.destination,
            status: &self.status,
            keymap: &self.keymap,
            theme: &self.theme,
            now_ms: 0,
            body_rows: 30,
            read_only: false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursor_moves_within_bounds() {
        let mut selected = 0;
        for (action, expected) in [
            (Action::Up, 0),
            (Action::Down, 1),
            (Action::PageDown, 4),
            (Action::Bottom, 4),
            (Action::PageUp, 0),
            (Action::Down, 1),
            (Action::Top, 0),
        ] {
            assert!(move_cursor(&mut selected, 5, &action, 10));
            assert_eq!(selected, expected, "{action:?}");
        }
        assert!(!move_cursor(&mut selected, 5, &Action::Quit, 10));
        let mut empty = 0;
        move_cursor(&mut empty, 0, &Action::Bottom, 10);
        assert_eq!(empty, 0);
    }

    #[test]
    fn a_list_scrolls_only_at_its_edges() {
        let mut cursor = ListCursor::default();
        cursor.navigate(50, &Action::Bottom, 10);
        assert_eq!((cursor.selected, cursor.offset), (49, 40));
        cursor.navigate(50, &Action::Up, 10);
        assert_eq!((cursor.selected, cursor.offset), (48, 40), "up moves the highlight, not the view");
        for _ in 0..9 {
            cursor.navigate(50, &Action::Up, 10);
        }
        assert_eq!((cursor.selected, cursor.offset), (39, 39), "the view scrolls at its top edge");
        cursor.navigate(50, &Action::Top, 10);
        assert_eq!((cursor.selected, cursor.offset), (0, 0));
        cursor.follow(3, 10);
        assert_eq!((cursor.selected, cursor.offset), (0, 0));
        let mut shrunk = ListCursor { selected: 40, offset: 35 };
        shrunk.follow(5, 10);
        assert_eq!((shrunk.selected, shrunk.offset), (4, 0), "a shorter list pulls both back");
    }

    #[test]
    fn only_the_latest_request_is_answered() {
        let mut ids = RequestIds::default();
        let first = ids.ask();
        let second = ids.ask();
        assert!(!ids.answers(first));
        assert!(ids.waiting());
        assert!(ids.answers(second));
        assert!(!ids.answers(second), "answered once");
        assert!(!ids.waiting());
    }

    #[test]
    fn ages() {
        assert_eq!(ago(10_000, 9_000), "1s ago");
        assert_eq!(ago(0, 5_000), "0s ago");
        assert_eq!(ago(200_000, 0), "3m ago");
        assert_eq!(ago(i64::MAX, i64::MIN), "2562047788015h ago");
    }
}
