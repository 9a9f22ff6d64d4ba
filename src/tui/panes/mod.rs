//! The cockpit's panes. Each has the same shape (see docs/ARCHITECTURE.md):
//! a state struct; `update(&mut self, &Action, &PaneContext) -> Effects`, which
//! changes that state and returns what the app should do (worker requests, a
//! clipboard text, a note, a write to gate); and a `render` that only reads.
//! The shared pieces are in [`common`].

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
pub mod inspector_compare;
#[cfg(test)]
mod inspector_compare_snapshots;
pub mod lag;
pub mod record_text;
pub mod verify;

#[cfg(test)]
mod reference_snapshots;

pub mod common;

pub use crate::tui::protocol::PaneId;
pub use common::{matches_filter, move_cursor, ClusterSide, Effects, ListCursor, Load, PaneContext, RequestIds};

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
}
