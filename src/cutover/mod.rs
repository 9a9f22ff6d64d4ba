//! Moving consumer groups from the source cluster to the destination: their
//! committed source offsets translated to destination offsets (exact for
//! kdeck's copies), checked for lag and live members, then committed.

pub mod command;
pub mod plan_run;
pub mod translate;
