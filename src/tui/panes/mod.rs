//! The cockpit's panes. Each has the same shape: a state struct, an `update`
//! that takes an [`Action`](super::action::Action) and a `render` that reads
//! state and draws, nothing else.

pub mod acl;
pub mod cheatsheet;
pub mod connect;
#[cfg(test)]
mod connect_snapshots;
pub mod connect_view;
pub mod cutover;
#[cfg(test)]
mod cutover_snapshots;
pub mod engine;
pub mod groups;
pub mod inspector;
pub mod lag;
pub mod record_text;
pub mod verify;

#[cfg(test)]
mod reference_snapshots;

use super::action::Action;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PaneId {
    Lag,
    Engine,
    Connect,
    Acl,
    Cheatsheet,
    Inspector,
    Verify,
}

impl PaneId {
    /// In tab order; `goto_pane_N` is the Nth.
    pub const ALL: [PaneId; 7] = [
        PaneId::Lag,
        PaneId::Engine,
        PaneId::Connect,
        PaneId::Acl,
        PaneId::Cheatsheet,
        PaneId::Inspector,
        PaneId::Verify,
    ];

    pub fn title(self) -> &'static str {
        match self {
            PaneId::Lag => "Lag",
            PaneId::Engine => "Engine",
            PaneId::Connect => "Connect",
            PaneId::Acl => "ACL",
            PaneId::Cheatsheet => "Cheatsheet",
            PaneId::Inspector => "Inspector",
            PaneId::Verify => "Verify",
        }
    }

    /// The name `:goto` takes, case-insensitive.
    pub fn from_name(name: &str) -> Option<PaneId> {
        PaneId::ALL.into_iter().find(|pane| pane.title().eq_ignore_ascii_case(name))
    }

    pub fn index(self) -> usize {
        PaneId::ALL.iter().position(|pane| *pane == self).unwrap_or(0)
    }

    pub fn offset(self, by: isize) -> PaneId {
        let count = PaneId::ALL.len() as isize;
        PaneId::ALL[(self.index() as isize + by).rem_euclid(count) as usize]
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

/// Case-insensitive substring match; an empty filter keeps everything.
pub fn matches_filter(text: &str, filter: &str) -> bool {
    filter.is_empty() || text.to_lowercase().contains(&filter.to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_by_name_and_offset() {
        assert_eq!(PaneId::from_name("inspector"), Some(PaneId::Inspector));
        assert_eq!(PaneId::from_name("ACL"), Some(PaneId::Acl));
        assert_eq!(PaneId::from_name("nope"), None);
        assert_eq!(PaneId::Lag.offset(-1), PaneId::Verify);
        assert_eq!(PaneId::Verify.offset(1), PaneId::Lag);
    }

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
}
