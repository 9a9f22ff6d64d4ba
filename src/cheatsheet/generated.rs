//! kdeck's own section, generated from its clap definitions and default keymap, so
//! it cannot drift from the binary: every leaf subcommand becomes one entry with its
//! required flags and the flags the context can fill.

use clap::CommandFactory;

use crate::cli::Cli;
use crate::tui::keymap::Keymap;

use super::{Entry, Group, Tool};

/// Flags the context fills, by clap argument id: (id, context variable).
const CONTEXT_ARGS: [(&str, &str); 6] = [
    ("cluster", "cluster"),
    ("topic", "topic"),
    ("topics", "topic"),
    ("queries", "topic"),
    ("group", "group"),
    ("principal", "principal"),
];

/// Required values no context holds get a readable example instead of `<VALUE>`.
const EXAMPLES: [(&str, &str); 4] = [("profile", "consumer"), ("to", "mm2"), ("plan", "plan.toml"), ("tasks", "4")];

pub fn kdeck_entries() -> Vec<Entry> {
    let mut entries = Vec::new();
    let root = Cli::command();
    collect(&root, &mut vec!["kdeck".to_string()], &mut entries);
    entries
}

/// Flags a parent command needs before its subcommand, which clap cannot mark
/// required (`kdeck connect -c NAME get` also takes `--url`): (command, flag, value).
const PARENT_FLAGS: [(&str, &str, &str); 1] = [("connect", "-c", "<connect-cluster>")];

fn collect(command: &clap::Command, path: &mut Vec<String>, entries: &mut Vec<Entry>) {
    let subcommands: Vec<&clap::Command> = command.get_subcommands().filter(|sub| sub.get_name() != "help").collect();
    if subcommands.is_empty() && path.len() > 1 {
        entries.push(entry(command, path));
        return;
    }
    let parent_flags = PARENT_FLAGS.iter().find(|(name, ..)| *name == command.get_name());
    for sub in subcommands {
        let mut words = vec![sub.get_name().to_string()];
        if let Some((_, flag, value)) = parent_flags {
            words.insert(0, format!("{flag} {value}"));
        }
        let pushed = words.len();
        path.extend(words);
        collect(sub, path, entries);
        path.truncate(path.len() - pushed);
    }
}

fn entry(command: &clap::Command, path: &[String]) -> Entry {
    let mut template = path.join(" ");
    for arg in command.get_arguments().filter(|arg| !arg.is_global_set()) {
        let id = arg.get_id().as_str();
        let context = CONTEXT_ARGS.iter().find(|(arg_id, _)| *arg_id == id).map(|(_, var)| *var);
        if context.is_none() && !arg.is_required_set() {
            continue;
        }
        let value = match context {
            Some(var) => format!("{{{var}}}"),
            None => match EXAMPLES.iter().find(|(arg_id, _)| *arg_id == id) {
                Some((_, example)) => example.to_string(),
                None => {
                    let name = arg.get_value_names().and_then(|names| names.first()).map(|n| n.to_string());
                    format!("<{}>", name.unwrap_or_else(|| id.to_uppercase()).to_lowercase())
                }
            },
        };
        let flag = match (arg.get_short(), arg.get_long()) {
            (Some(short), _) => format!("-{short}"),
            (None, Some(long)) => format!("--{long}"),
            (None, None) => String::new(),
        };
        template.push(' ');
        if !flag.is_empty() {
            template.push_str(&flag);
            template.push(' ');
        }
        template.push_str(&value);
    }
    let title = command.get_about().map(|about| about.to_string()).unwrap_or_else(|| path.join(" "));
    let id = path.iter().filter(|word| !word.starts_with('-')).cloned().collect::<Vec<_>>().join("-");
    Entry { id, group: Group::Kdeck, tool: Tool::Kdeck, title, template }
}

/// The cockpit's keys, one row per action: (keys, what they do).
pub fn key_rows() -> Vec<(String, String)> {
    Keymap::defaults().help_rows()
}
