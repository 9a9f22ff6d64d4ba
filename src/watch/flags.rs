//! A runner to watch named on the command line (`kdeck watch --source A
//! --destination B --replicator GROUP`) or the cockpit's `:watch`, instead of a
//! plan's `[runner]`: the same [`Plan`] the plan file would give, built from the
//! plan text those flags stand for, so topic selection and runner defaults are
//! the plan parser's own.

use std::path::Path;

use crate::engine::plan::{default_mm2_offsets_topic, parse_plan, Plan, Runner};

/// Without `--plan`: who copies, between which clusters, which topics.
#[derive(clap::Args, Clone, Default)]
pub struct RunnerFlags {
    /// Without --plan: the source profile (or broker list) the runner copies from
    #[arg(long, value_name = "PROFILE")]
    pub source: Option<String>,
    /// Without --plan: the destination profile (or broker list) it copies to
    #[arg(long, value_name = "PROFILE")]
    pub destination: Option<String>,
    /// Without --plan: a regular expression of source topics to watch (repeatable; default every topic)
    #[arg(long = "topics", value_name = "REGEX")]
    pub topics: Vec<String>,
    /// Watch Confluent Replicator: its src.consumer.group.id, committed on the source
    #[arg(long, value_name = "GROUP")]
    pub replicator: Option<String>,
    /// Watch MirrorMaker 2: the source cluster's alias in its config
    #[arg(long, value_name = "SOURCE_ALIAS")]
    pub mm2: Option<String>,
    /// With --mm2: its Connect offsets topic on the destination (default mm2-offsets.<alias>.internal)
    #[arg(long, value_name = "TOPIC")]
    pub mm2_offsets_topic: Option<String>,
    /// Watch a Connect source connector (KIP-875): the [connect.NAME] cluster it runs on
    #[arg(long, value_name = "NAME")]
    pub connect: Option<String>,
    /// With --connect: the connector's name
    #[arg(long, value_name = "CONNECTOR")]
    pub connector: Option<String>,
}

/// What the flags ask to watch: profiles as typed, and the plan built from them.
#[derive(Debug, Clone)]
pub struct FlagPlan {
    pub source: String,
    pub destination: String,
    pub plan: Plan,
}

const HOW: &str = "expected --plan FILE, or --source, --destination and one of --replicator GROUP, --mm2 SOURCE_ALIAS, --connect NAME --connector CONNECTOR";

impl RunnerFlags {
    /// The flags given, by name, in the order `--help` lists them.
    fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        let mut add = |name, present: bool| {
            if present {
                given.push(name);
            }
        };
        add("--source", self.source.is_some());
        add("--destination", self.destination.is_some());
        add("--topics", !self.topics.is_empty());
        add("--replicator", self.replicator.is_some());
        add("--mm2", self.mm2.is_some());
        add("--mm2-offsets-topic", self.mm2_offsets_topic.is_some());
        add("--connect", self.connect.is_some());
        add("--connector", self.connector.is_some());
        given
    }

    /// The runner the flags name, checked; `Err` is a one-line usage error.
    pub fn runner(&self) -> Result<Runner, String> {
        let kinds: Vec<&str> =
            self.given().into_iter().filter(|flag| matches!(*flag, "--replicator" | "--mm2" | "--connect")).collect();
        if kinds.len() > 1 {
            return Err(format!("{} cannot be used together: watch one runner at a time", kinds.join(" and ")));
        }
        if self.mm2_offsets_topic.is_some() && self.mm2.is_none() {
            return Err("--mm2-offsets-topic goes with --mm2 SOURCE_ALIAS".into());
        }
        if self.connector.is_some() && self.connect.is_none() {
            return Err("--connector goes with --connect NAME (the [connect.NAME] cluster it runs on)".into());
        }
        let named = |flag: &str, value: &str, what: &str| -> Result<String, String> {
            match value.trim() {
                "" => Err(format!("{flag} is empty: expected {what}")),
                trimmed if trimmed != value => Err(format!("{flag} \"{value}\": expected {what}, without spaces")),
                _ => Ok(value.to_string()),
            }
        };
        if let Some(group) = &self.replicator {
            return Ok(Runner::Replicator {
                group: named("--replicator", group, "the Replicator's src.consumer.group.id")?,
            });
        }
        if let Some(alias) = &self.mm2 {
            let source_alias = named("--mm2", alias, "the source cluster's alias in the MirrorMaker 2 config")?;
            let offsets_topic = match &self.mm2_offsets_topic {
                Some(topic) => named("--mm2-offsets-topic", topic, "MirrorMaker 2's offsets topic on the destination")?,
                None => default_mm2_offsets_topic(&source_alias),
            };
            return Ok(Runner::MirrorMaker2 { source_alias, offsets_topic });
        }
        if let Some(connect) = &self.connect {
            let connect = named("--connect", connect, "a [connect.NAME] cluster of the kdeck config")?;
            let Some(connector) = &self.connector else {
                return Err(format!("--connect {connect} needs --connector CONNECTOR: the source connector to watch"));
            };
            let connector = named("--connector", connector, "the source connector's name")?;
            return Ok(Runner::Connect { connect, connector });
        }
        Err("no runner to watch: expected one of --replicator GROUP, --mm2 SOURCE_ALIAS, --connect NAME --connector CONNECTOR".into())
    }

    /// `Ok(None)` with `--plan` and none of these flags; the plan the flags stand for without it.
    pub fn plan(&self, plan_file: Option<&Path>) -> Result<Option<FlagPlan>, String> {
        let given = self.given();
        match (plan_file, given.first()) {
            (Some(_), Some(flag)) => {
                return Err(format!(
                    "--plan and {flag} cannot be used together: the plan names the clusters, topics and runner"
                ))
            }
            (Some(_), None) => return Ok(None),
            (None, None) => return Err(format!("nothing to watch: {HOW}")),
            (None, Some(_)) => {}
        }
        let runner = self.runner()?;
        let profile = |flag: &str, value: &Option<String>, what: &str| match value.as_deref().map(str::trim) {
            Some(value) if !value.is_empty() => Ok(value.to_string()),
            Some(_) => Err(format!("{flag} is empty: expected the {what} profile (or broker list)")),
            None => Err(format!("{flag} PROFILE is missing: expected the {what} profile (or broker list)")),
        };
        let source = profile("--source", &self.source, "source")?;
        let destination = profile("--destination", &self.destination, "destination")?;
        check_patterns("--topics", &self.topics)?;
        let mut plan = plan_for(&runner, &self.topics, &[])?;
        plan.source.clone_from(&source);
        plan.destination.clone_from(&destination);
        Ok(Some(FlagPlan { source, destination, plan }))
    }
}

/// Each of `patterns` is a regular expression; else a one-line error naming `what` and the pattern.
pub fn check_patterns(what: &str, patterns: &[String]) -> Result<(), String> {
    for pattern in patterns {
        if let Err(err) = regex::Regex::new(pattern) {
            let reason = err.to_string();
            let reason = reason.lines().last().unwrap_or_default().trim().trim_start_matches("error: ");
            return Err(format!("{what} {pattern}: expected a regular expression ({reason})"));
        }
    }
    Ok(())
}

/// The plan for `runner` over the topics `include` selects less those `exclude`
/// drops (regular expressions; no include: every topic), between placeholder
/// profiles the caller replaces: a plan's profile names only matter to the plan
/// file's own checks.
pub fn plan_for(runner: &Runner, include: &[String], exclude: &[String]) -> Result<Plan, String> {
    check_patterns("topic pattern", include)?;
    check_patterns("topic pattern", exclude)?;
    let quoted = |text: &str| serde_json::to_string(text).unwrap_or_default();
    let mut text = String::from("name = \"watch\"\nsource = \"source\"\ndestination = \"destination\"\n");
    let list = |patterns: &[String]| patterns.iter().map(|t| quoted(t)).collect::<Vec<_>>().join(", ");
    if !include.is_empty() || !exclude.is_empty() {
        text.push_str("[topics]\n");
    }
    if !include.is_empty() {
        text.push_str(&format!("include = [{}]\n", list(include)));
    }
    if !exclude.is_empty() {
        text.push_str(&format!("exclude = [{}]\n", list(exclude)));
    }
    text.push_str("[runner]\n");
    match runner {
        Runner::Kdeck => text.push_str("kind = \"kdeck\"\n"),
        Runner::Replicator { group } => text.push_str(&format!("kind = \"replicator\"\ngroup = {}\n", quoted(group))),
        Runner::MirrorMaker2 { source_alias, offsets_topic } => text.push_str(&format!(
            "kind = \"mirrormaker2\"\nsource_alias = {}\noffsets_topic = {}\n",
            quoted(source_alias),
            quoted(offsets_topic)
        )),
        Runner::Connect { connect, connector } => text.push_str(&format!(
            "kind = \"connect\"\nconnect = {}\nconnector = {}\n",
            quoted(connect),
            quoted(connector)
        )),
    }
    parse_plan(&text, Path::new("(command line)")).map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flags(args: &[&str]) -> RunnerFlags {
        #[derive(clap::Parser)]
        struct Cli {
            #[command(flatten)]
            flags: RunnerFlags,
        }
        let mut all = vec!["watch"];
        all.extend_from_slice(args);
        <Cli as clap::Parser>::try_parse_from(all).expect("flags parse").flags
    }

    #[test]
    fn each_runner_from_its_flags() {
        let cases: &[(&[&str], Runner)] = &[
            (&["--replicator", "replicator-2"], Runner::Replicator { group: "replicator-2".into() }),
            (
                &["--mm2", "msk"],
                Runner::MirrorMaker2 { source_alias: "msk".into(), offsets_topic: "mm2-offsets.msk.internal".into() },
            ),
            (
                &["--mm2", "msk", "--mm2-offsets-topic", "offs"],
                Runner::MirrorMaker2 { source_alias: "msk".into(), offsets_topic: "offs".into() },
            ),
            (
                &["--connect", "prod", "--connector", "replicator"],
                Runner::Connect { connect: "prod".into(), connector: "replicator".into() },
            ),
        ];
        for (args, runner) in cases {
            let mut all = vec!["--source", "msk", "--destination", "cc", "--topics", "orders.*"];
            all.extend_from_slice(args);
            let built = flags(&all).plan(None).expect("a plan").expect("from the flags");
            assert_eq!(&built.plan.runner, runner, "{args:?}");
            assert_eq!((built.source.as_str(), built.destination.as_str()), ("msk", "cc"));
            assert_eq!((built.plan.source.as_str(), built.plan.destination.as_str()), ("msk", "cc"));
            assert!(built.plan.topics.selects("orders.eu") && !built.plan.topics.selects("payments"));
        }
    }

    #[test]
    fn every_topic_but_the_built_in_excludes_without_topics() {
        let built = flags(&["--source", "a", "--destination", "a", "--replicator", "g"]).plan(None).unwrap().unwrap();
        assert!(built.plan.topics.selects("orders") && !built.plan.topics.selects("__consumer_offsets"));
        assert!(!built.plan.topics.selects("mm2-offsets.a.internal"));
    }

    #[test]
    fn a_plan_file_alone_builds_nothing() {
        assert!(flags(&[]).plan(Some(Path::new("p.toml"))).unwrap().is_none());
    }

    #[test]
    fn bad_combinations_are_one_line_errors_naming_the_flags() {
        let plan = Some(Path::new("p.toml"));
        let cases: &[(&[&str], Option<&Path>, &str)] = &[
            (&[], None, "nothing to watch: expected --plan FILE, or --source"),
            (&["--replicator", "g"], plan, "--plan and --replicator cannot be used together"),
            (&["--source", "a", "--destination", "b"], None, "no runner to watch: expected"),
            (
                &["--source", "a", "--destination", "b", "--replicator", "g", "--mm2", "a"],
                None,
                "--replicator and --mm2 cannot be used together",
            ),
            (&["--destination", "b", "--replicator", "g"], None, "--source PROFILE is missing"),
            (&["--source", "a", "--replicator", "g"], None, "--destination PROFILE is missing"),
            (&["--source", " ", "--destination", "b", "--replicator", "g"], None, "--source is empty"),
            (&["--source", "a", "--destination", "b", "--connect", "c"], None, "--connect c needs --connector"),
            (&["--source", "a", "--destination", "b", "--connector", "c"], None, "--connector goes with --connect"),
            (&["--source", "a", "--destination", "b", "--replicator", ""], None, "--replicator is empty"),
            (&["--source", "a", "--destination", "b", "--replicator", "g "], None, "--replicator \"g \": expected"),
            (
                &["--source", "a", "--destination", "b", "--replicator", "g", "--mm2-offsets-topic", "t"],
                None,
                "--mm2-offsets-topic goes with --mm2",
            ),
            (
                &["--source", "a", "--destination", "b", "--replicator", "g", "--topics", "orders["],
                None,
                "--topics orders[: expected a regular expression (unclosed character class)",
            ),
        ];
        for (args, plan, expected) in cases {
            let error = flags(args).plan(*plan).err().unwrap_or_else(|| panic!("{args:?} was accepted"));
            assert!(error.starts_with(expected), "{args:?}: {error}");
            assert_eq!(error.lines().count(), 1, "{error}");
        }
    }

    #[test]
    fn names_with_quotes_survive_the_plan_text() {
        let runner = Runner::Connect { connect: "a\"b".into(), connector: "c\\d".into() };
        let plan = plan_for(&runner, &["or\"ders".into()], &["x\\.y".into()]).unwrap();
        assert_eq!(plan.runner, runner);
        assert!(plan.topics.selects("or\"ders") && !plan.topics.selects("orders"));
    }
}
