//! ACL checks: Kafka's authorizer as a pure function, ACL files, the ACLs each
//! kind of client needs, and the commands that add what is missing. See docs/ACL.md.

pub mod authorizer;
pub mod check;
pub mod command;
pub mod fix;
pub mod model;
pub mod probe;
pub mod profiles;
pub mod source;
