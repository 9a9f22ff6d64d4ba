//! The `:` command line: an action name, or one of the commands that take
//! arguments (`rescale 8`, `pause orders`, `goto inspector orders`, `offset -100`,
//! `partition 2`, `watch replicator replicator-2`).

use super::action::{Action, WatchTarget};
use super::panes::PaneId;

pub fn parse_command(line: &str) -> Result<Action, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&command, args)) = words.split_first() else { return Err("empty command".to_owned()) };
    let one_arg = |what: &str| match args {
        [only] => Ok(*only),
        _ => Err(format!(":{command} takes one {what}")),
    };
    let no_args =
        |action: Action| if args.is_empty() { Ok(action) } else { Err(format!(":{command} takes no arguments")) };
    match command {
        "q" | "quit" => no_args(Action::Quit),
        "start" => no_args(Action::Start),
        "stop" => no_args(Action::Stop),
        "rescale" | "lanes" => {
            let count = one_arg("lane count")?;
            match count.parse::<usize>() {
                Ok(lanes) if (1..=crate::engine::plan::MAX_LANES).contains(&lanes) => Ok(Action::Rescale(lanes)),
                _ => {
                    Err(format!(":rescale {count}: expected a lane count from 1 to {}", crate::engine::plan::MAX_LANES))
                }
            }
        }
        "tasks" => {
            let count = one_arg("task count")?;
            match count.parse::<u32>() {
                Ok(tasks) if (1..=crate::tui::panes::connect::MAX_TASKS).contains(&tasks) => {
                    Ok(Action::ConnectTasks(tasks))
                }
                _ => Err(format!(
                    ":tasks {count}: expected a tasks.max from 1 to {}",
                    crate::tui::panes::connect::MAX_TASKS
                )),
            }
        }
        "set-offset" => {
            let offset = one_arg("offset")?;
            offset
                .parse::<i64>()
                .map(Action::ConnectSetOffset)
                .map_err(|_| format!(":set-offset {offset}: expected a whole number"))
        }
        "reset-offsets" => no_args(Action::ConnectResetOffsets),
        "pause" if args.is_empty() => Ok(Action::Pause),
        "resume" if args.is_empty() => Ok(Action::Resume),
        "pause" => Ok(Action::PauseNamed(one_arg("topic")?.to_owned())),
        "resume" => Ok(Action::ResumeNamed(one_arg("topic")?.to_owned())),
        "goto" => {
            let (pane, topic) = match args {
                [pane] => (*pane, None),
                [pane, topic] => (*pane, Some((*topic).to_owned())),
                _ => return Err(":goto takes a pane and, for the inspector, a topic".to_owned()),
            };
            let names: Vec<&str> = PaneId::ALL.iter().map(|p| p.title()).collect();
            let pane = PaneId::from_name(pane)
                .ok_or_else(|| format!(":goto {pane}: expected one of {}", names.join(", ").to_lowercase()))?;
            Ok(Action::Goto(pane, topic))
        }
        "offset" | "offsets" | "o" if !args.is_empty() => Ok(Action::InspectOffsets(args.join(" "))),
        "offset" | "offsets" | "o" => Err(":offset takes a spec: beginning, end, N, -N, s@MS, e@MS".to_owned()),
        "partition" | "p" => match one_arg("partition number, or all")? {
            "all" | "*" => Ok(Action::InspectPartition(None)),
            number => match number.parse::<i32>() {
                Ok(partition) if partition >= 0 => Ok(Action::InspectPartition(Some(partition))),
                _ => Err(format!(":partition {number}: expected a partition number or all")),
            },
        },
        "cutover" => match args {
            [] => Ok(Action::CutoverGroup),
            [group] => Ok(Action::CutoverNamed((*group).to_owned())),
            _ => Err(":cutover takes a consumer group, or none for the one selected".to_owned()),
        },
        "watch" => parse_watch(args),
        "sort" => match one_arg("key (lag, name or rate)")? {
            "lag" => Ok(Action::SortLag),
            "name" => Ok(Action::SortName),
            "rate" => Ok(Action::SortRate),
            other => Err(format!(":sort {other}: expected lag, name or rate")),
        },
        "principal" | "as" | "profile" | "group" | "topics" | "acls" | "fix" | "transactional-id" => {
            super::panes::acl::parse_setting(command, args)
        }
        name => match Action::from_name(name) {
            Some(action) => no_args(action),
            None => Err(format!("unknown command :{name} (try :help)")),
        },
    }
}

const WATCH_USAGE: &str = ":watch takes replicator GROUP, mm2 SOURCE_ALIAS, connect CONNECTOR, kdeck or off";

fn parse_watch(args: &[&str]) -> Result<Action, String> {
    let target = match args {
        ["off"] => WatchTarget::Off,
        ["kdeck"] => WatchTarget::Kdeck,
        ["replicator", group] => WatchTarget::Replicator((*group).to_owned()),
        ["mm2" | "mirrormaker2", alias] => WatchTarget::Mm2((*alias).to_owned()),
        ["connect", connector] => WatchTarget::Connect((*connector).to_owned()),
        [kind @ ("replicator" | "mm2" | "mirrormaker2" | "connect")] => {
            let what = match *kind {
                "replicator" => "the Replicator's consumer group (src.consumer.group.id)",
                "connect" => "a connector of the Connect pane's cluster",
                _ => "MirrorMaker 2's source cluster alias",
            };
            return Err(format!(":watch {kind} takes {what}"));
        }
        [] => return Err(WATCH_USAGE.to_owned()),
        [kind, ..] if !["off", "kdeck", "replicator", "mm2", "mirrormaker2", "connect"].contains(kind) => {
            return Err(format!(":watch {kind}: expected replicator, mm2, connect, kdeck or off"))
        }
        _ => return Err(WATCH_USAGE.to_owned()),
    };
    Ok(Action::Watch(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let cases: &[(&str, Result<Action, &str>)] = &[
            ("rescale 8", Ok(Action::Rescale(8))),
            ("  rescale   3 ", Ok(Action::Rescale(3))),
            ("rescale 0", Err(":rescale 0: expected a lane count from 1 to")),
            ("rescale x", Err(":rescale x:")),
            ("rescale", Err(":rescale takes one lane count")),
            ("pause orders", Ok(Action::PauseNamed("orders".into()))),
            ("resume orders", Ok(Action::ResumeNamed("orders".into()))),
            ("pause", Ok(Action::Pause)),
            ("pause a b", Err(":pause takes one topic")),
            ("goto inspector orders", Ok(Action::Goto(PaneId::Inspector, Some("orders".into())))),
            ("goto engine", Ok(Action::Goto(PaneId::Engine, None))),
            ("goto nowhere", Err(":goto nowhere: expected one of lag, engine")),
            ("offset -100", Ok(Action::InspectOffsets("-100".into()))),
            ("offset s@1 e@2", Ok(Action::InspectOffsets("s@1 e@2".into()))),
            ("offset", Err(":offset takes a spec")),
            ("partition 2", Ok(Action::InspectPartition(Some(2)))),
            ("p all", Ok(Action::InspectPartition(None))),
            ("partition -1", Err(":partition -1: expected a partition number or all")),
            ("partition", Err(":partition takes one partition number, or all")),
            ("sort rate", Ok(Action::SortRate)),
            ("sort size", Err(":sort size: expected")),
            ("start_engine", Ok(Action::Start)),
            ("start", Ok(Action::Start)),
            ("help", Ok(Action::Help)),
            ("quit now", Err(":quit takes no arguments")),
            ("", Err("empty command")),
            ("launch", Err("unknown command :launch")),
            ("watch replicator replicator-2", Ok(Action::Watch(WatchTarget::Replicator("replicator-2".into())))),
            ("watch mm2 msk", Ok(Action::Watch(WatchTarget::Mm2("msk".into())))),
            ("watch mirrormaker2 msk", Ok(Action::Watch(WatchTarget::Mm2("msk".into())))),
            ("watch connect mm2-source", Ok(Action::Watch(WatchTarget::Connect("mm2-source".into())))),
            ("watch kdeck", Ok(Action::Watch(WatchTarget::Kdeck))),
            ("watch  off ", Ok(Action::Watch(WatchTarget::Off))),
            ("watch", Err(":watch takes replicator GROUP, mm2 SOURCE_ALIAS")),
            ("watch replicator", Err(":watch replicator takes the Replicator's consumer group")),
            ("watch mm2", Err(":watch mm2 takes MirrorMaker 2's source cluster alias")),
            ("watch connect", Err(":watch connect takes a connector")),
            ("watch replicator a b", Err(":watch takes replicator GROUP")),
            ("watch off now", Err(":watch takes replicator GROUP")),
            ("watch jdbc x", Err(":watch jdbc: expected replicator, mm2, connect, kdeck or off")),
            ("watch_lag", Ok(Action::WatchLag)),
        ];
        for (line, expected) in cases {
            match (parse_command(line), expected) {
                (Ok(action), Ok(want)) => assert_eq!(&action, want, "{line}"),
                (Err(message), Err(prefix)) => assert!(message.starts_with(prefix), "{line}: {message}"),
                (got, want) => panic!("{line}: got {got:?}, expected {want:?}"),
            }
        }
    }
}
