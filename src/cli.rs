//! The command line. Flag letters follow kcat wherever kcat has one, so a kcat
//! user's fingers already know them: `kdeck consume` is `kcat -C`, `produce` is
//! `-P`, `meta` is `-L`, `offsets` is `-Q`.
//!
//! None of these types derive `Debug`: `-X sasl.password=...` lives in them.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "kdeck", version, about = "A terminal cockpit for Kafka cluster migrations")]
pub struct Cli {
    /// Config file (default: $KDECK_CONFIG, then ~/.config/kdeck/config.toml)
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Print what kdeck is about to do on stderr (secrets redacted)
    #[arg(short = 'v', long, global = true)]
    pub verbose: bool,

    /// Without a command: open the cockpit (`kdeck --plan FILE`)
    #[command(flatten)]
    pub cockpit: CockpitArgs,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand)]
pub enum Command {
    /// List brokers, topics and partitions (kcat -L)
    Meta(MetaArgs),
    /// Print records of a topic (kcat -C)
    Consume(ConsumeArgs),
    /// Write records to a topic from stdin or files (kcat -P)
    Produce(ProduceArgs),
    /// Watermarks, or offsets for timestamps (kcat -Q)
    Offsets(OffsetsArgs),
    /// Two embedded demo clusters with an MSK-shaped estate
    Demo(DemoArgs),
    /// Run a migration plan headless: copy its topics, exactly once
    Replicate(ReplicateArgs),
    /// The terminal cockpit on a migration plan (the default command)
    Cockpit(CockpitArgs),
    /// Check ACLs (a saved list or live): one request, or everything a kind of client needs
    Acl(AclArgs),
    /// Work with a migration plan without running it
    Plan(PlanArgs),
    /// kcat, confluent and kafka-* commands filled in for a cluster, topic and group (secrets as $VARS)
    Cheatsheet(CheatsheetArgs),
    /// Manage Kafka Connect clusters, and kdeck engines serving --rest, like kcctl
    Connect(crate::connect::command::ConnectArgs),
    /// Prove a migration: compare every partition record by record (exit 1 on a mismatch)
    Verify(crate::verify::command::VerifyArgs),
    /// Move a consumer group to the destination: translate its offsets exactly (dry run unless --apply)
    Cutover(crate::cutover::command::CutoverArgs),
    /// Write the migration report (Markdown): plan, verification, cutovers, engine history
    Report(crate::report::command::ReportArgs),
    /// Turn a client's Replicator/MM2 connector, worker or client properties into profiles and a plan
    Import(crate::import::command::ImportArgs),
    /// Schema Registry: compare the plan's subjects on both registries, copy them with their ids
    Schemas(crate::schemas::command::SchemasArgs),
    /// Watch the runner that copies a plan (kdeck, Replicator, MirrorMaker 2, a Connect connector): lag, rate, ETA, stalls
    Watch(crate::watch::command::WatchArgs),
}

#[derive(Args, Clone)]
pub struct CockpitArgs {
    /// The migration plan (TOML) the cockpit drives
    #[arg(long, value_name = "FILE")]
    pub plan: Option<PathBuf>,
    /// Refuse every action that would change a cluster
    #[arg(long)]
    pub read_only: bool,
    /// Colours: default or high-contrast (for projectors)
    #[arg(long, value_name = "THEME", default_value = "default", value_parser = ["default", "high-contrast"])]
    pub theme: String,
}

#[derive(Args)]
pub struct ReplicateArgs {
    /// The migration plan (TOML)
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Lanes (parallel transactional copiers), overriding the plan
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=256))]
    pub lanes: Option<u32>,
    /// exactly-once or at-least-once, overriding the plan
    #[arg(long, value_name = "MODE")]
    pub mode: Option<String>,
    /// Serve Prometheus metrics at http://ADDR/metrics
    #[arg(long, value_name = "ADDR")]
    pub metrics: Option<String>,
    /// Exit 0 once every partition's lag is zero (for scripts and tests)
    #[arg(long)]
    pub exit_when_caught_up: bool,
    /// Serve a Kafka Connect-compatible REST API at ADDR (loopback unless --rest-allow-remote)
    #[arg(long, value_name = "ADDR")]
    pub rest: Option<String>,
    /// Allow --rest on a non-loopback address; needs --rest-user and KDECK_REST_PASSWORD
    #[arg(long, requires = "rest")]
    pub rest_allow_remote: bool,
    /// Basic-auth user for --rest; the password comes from the KDECK_REST_PASSWORD environment variable
    #[arg(long, value_name = "USER", requires = "rest")]
    pub rest_user: Option<String>,
    /// Request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = seconds)]
    pub timeout_secs: u64,
}

/// How to reach a cluster: the same flags for every command.
#[derive(Args, Clone)]
pub struct ClusterOpts {
    /// A profile name from the config, or a broker list host:port[,host:port]
    #[arg(short = 'b', long = "brokers", value_name = "CLUSTER")]
    pub cluster: String,

    /// Set a librdkafka property, overriding the profile (repeatable)
    #[arg(short = 'X', value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,

    /// Read librdkafka properties from a kcat-style key=value file
    #[arg(short = 'F', value_name = "FILE")]
    pub properties_file: Option<PathBuf>,

    /// Metadata and request timeout in seconds
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 5, allow_negative_numbers = true, value_parser = seconds)]
    pub timeout_secs: u64,
}

#[derive(Args)]
pub struct MetaArgs {
    #[command(flatten)]
    pub cluster: ClusterOpts,
    /// Only this topic
    #[arg(short = 't', long = "topic", value_parser = topic_name)]
    pub topic: Option<String>,
    /// JSON output, like kcat -L -J
    #[arg(short = 'J')]
    pub json: bool,
}

#[derive(Args)]
pub struct ConsumeArgs {
    #[command(flatten)]
    pub cluster: ClusterOpts,
    #[arg(short = 't', long = "topic", value_parser = topic_name)]
    pub topic: String,
    /// Only this partition
    #[arg(short = 'p', value_name = "PARTITION", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(0..))]
    pub partition: Option<i32>,
    /// Start (and end) position: beginning|end|stored|N|-N|s@TS|e@TS (repeatable)
    #[arg(short = 'o', value_name = "SPEC", allow_hyphen_values = true)]
    pub offsets: Vec<String>,
    /// Exit when every partition has reached its end
    #[arg(short = 'e')]
    pub exit_at_end: bool,
    /// Stop after this many records (0: no limit, as kcat)
    #[arg(short = 'c', value_name = "COUNT", allow_negative_numbers = true, value_parser = record_count)]
    pub count: Option<u64>,
    /// Output format string: %s %S %R %k %K %T %h %t %p %o %% \n \r \t \xXX
    #[arg(short = 'f', value_name = "FORMAT", conflicts_with = "json")]
    pub format: Option<String>,
    /// JSON envelope per record, like kcat -J
    #[arg(short = 'J')]
    pub json: bool,
    /// Record delimiter when no -f is given (default \n)
    #[arg(short = 'D', value_name = "DELIM", default_value = "\\n")]
    pub delimiter: String,
    /// Print keys, followed by this delimiter
    #[arg(short = 'K', value_name = "DELIM")]
    pub key_delimiter: Option<String>,
    /// Print offsets, followed by the -K delimiter
    #[arg(short = 'O')]
    pub print_offset: bool,
    /// Print null keys and values as NULL
    #[arg(short = 'Z')]
    pub null_as_text: bool,
    /// Flush after every record
    #[arg(short = 'u')]
    pub unbuffered: bool,
    /// No end-of-partition notices on stderr
    #[arg(short = 'q')]
    pub quiet: bool,
    /// Decode through a schema registry: [key=|value=]avro (Protobuf and JSON Schema too: the registry says which)
    #[arg(short = 's', value_name = "[key=|value=]avro")]
    pub serdes: Vec<String>,
    /// Schema Registry URL for -s (default: the profile's schema.registry.url)
    #[arg(short = 'r', value_name = "URL")]
    pub registry: Option<String>,
}

#[derive(Args)]
pub struct ProduceArgs {
    #[command(flatten)]
    pub cluster: ClusterOpts,
    #[arg(short = 't', long = "topic", value_parser = topic_name)]
    pub topic: String,
    /// Partition (-1: the partitioner decides)
    #[arg(short = 'p', value_name = "PARTITION", allow_negative_numbers = true, value_parser = clap::value_parser!(i32).range(-1..))]
    pub partition: Option<i32>,
    /// Split each input record into key and value at this delimiter
    #[arg(short = 'K', value_name = "DELIM")]
    pub key_delimiter: Option<String>,
    /// Record delimiter in the input (default \n)
    #[arg(short = 'D', value_name = "DELIM", default_value = "\\n")]
    pub delimiter: String,
    /// One key for every record (a per-record -K key wins)
    #[arg(short = 'k', value_name = "KEY")]
    pub key: Option<String>,
    /// Header name=value on every record (repeatable)
    #[arg(short = 'H', value_name = "NAME=VALUE")]
    pub headers: Vec<String>,
    /// Send empty keys and values as null (tombstones)
    #[arg(short = 'Z')]
    pub empty_as_null: bool,
    /// Split the single FILE into records like stdin
    #[arg(short = 'l')]
    pub lines: bool,
    /// Stop after this many records (0: no limit, as kcat)
    #[arg(short = 'c', value_name = "COUNT", allow_negative_numbers = true, value_parser = record_count)]
    pub count: Option<u64>,
    /// Compression codec
    #[arg(short = 'z', value_name = "CODEC", value_parser = ["none", "gzip", "snappy", "lz4", "zstd"])]
    pub compression: Option<String>,
    /// Files to send; without -l each whole file is one record
    pub files: Vec<PathBuf>,
}

#[derive(Args)]
pub struct OffsetsArgs {
    #[command(flatten)]
    pub cluster: ClusterOpts,
    /// TOPIC[:PARTITION[:TIMESTAMP_MS]] (repeatable)
    #[arg(short = 't', long = "topic", value_name = "QUERY", required = true)]
    pub queries: Vec<String>,
    /// JSON output
    #[arg(short = 'J')]
    pub json: bool,
}

#[derive(Args)]
pub struct DemoArgs {
    /// Serve the demo clusters headless and print their addresses
    #[arg(long)]
    pub serve: bool,
    /// Background produce rate
    #[arg(long, value_enum, default_value_t = Load::Low)]
    pub load: Load,
    /// Write a config file with the "source" and "destination" profiles
    #[arg(long, value_name = "FILE")]
    pub profile_out: Option<PathBuf>,
    /// Open the cockpit read-only (without --serve)
    #[arg(long)]
    pub read_only: bool,
    /// How big the estate is: small starts at once; large is hundreds of partitions and
    /// a backlog that takes minutes to copy with one lane (see docs/BENCHMARKS.md)
    #[arg(long, value_enum, default_value_t = crate::demo::estate::Scale::Small)]
    pub scale: crate::demo::estate::Scale,
    /// Cockpit colours: default or high-contrast (without --serve)
    #[arg(long, value_name = "THEME", default_value = "default", value_parser = ["default", "high-contrast"])]
    pub theme: String,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
pub enum Load {
    None,
    Low,
    High,
}

#[derive(Args)]
pub struct AclArgs {
    #[command(subcommand)]
    pub command: AclCommand,
}

#[derive(Subcommand)]
pub enum AclCommand {
    /// Decide one request as Kafka's StandardAuthorizer would (exit 0 allowed, 1 denied)
    Eval(AclEvalArgs),
    /// Check everything a kind of client needs; --fix prints the commands that add what is missing
    Check(Box<AclCheckArgs>),
    /// Harmless calls with the app's own credentials: which are refused, on which resource
    Probe(AclProbeArgs),
}

#[derive(Args)]
pub struct AclProbeArgs {
    /// The application's profile: its credentials are the ones probed
    #[command(flatten)]
    pub cluster: ClusterOpts,
    /// What the app is: consumer, producer, ... (decides which calls are made)
    #[arg(long = "as", value_name = "PROFILE")]
    pub profile: String,
    /// Topics the app reads or writes (repeatable)
    #[arg(short = 't', long = "topic", value_name = "TOPIC", required = true, value_parser = topic_name)]
    pub topics: Vec<String>,
    /// The app's consumer group
    #[arg(short = 'g', long, value_name = "GROUP")]
    pub group: Option<String>,
}

/// The ACLs and the broker settings that decide.
#[derive(Args)]
pub struct AclAuthorizerOpts {
    /// ACLs: `confluent kafka acl list -o json` output, or `kafka-acls --list` output
    #[arg(long = "acls", value_name = "FILE", required_unless_present = "cluster", conflicts_with = "cluster")]
    pub acls: Option<PathBuf>,
    /// Read the ACLs live from a cluster (DescribeAcls; needs DESCRIBE on the cluster)
    #[arg(short = 'b', long = "brokers", value_name = "CLUSTER")]
    pub cluster: Option<String>,
    /// Request timeout in seconds for -b
    #[arg(short = 'm', value_name = "SECONDS", default_value_t = 10, allow_negative_numbers = true, value_parser = seconds)]
    pub timeout_secs: u64,
    /// The broker's super.users: Type:name entries separated by `;`
    #[arg(long, value_name = "LIST")]
    pub super_users: Option<String>,
    /// The broker sets allow.everyone.if.no.acl.found=true
    #[arg(long)]
    pub allow_everyone_if_no_acl_found: bool,
}

#[derive(Args)]
pub struct AclEvalArgs {
    #[command(flatten)]
    pub authorizer: AclAuthorizerOpts,
    /// Type:name, e.g. User:sa-123
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: String,
    /// The client's IP address as the broker sees it (`*` matches only host-* ACLs)
    #[arg(long, value_name = "HOST", value_parser = non_empty)]
    pub host: String,
    /// READ, WRITE, DESCRIBE, DESCRIBE_CONFIGS, ... (any case, - or _)
    #[arg(long, value_name = "OPERATION")]
    pub operation: String,
    /// TOPIC, GROUP, CLUSTER, TRANSACTIONAL_ID, DELEGATION_TOKEN or USER
    #[arg(long, value_name = "TYPE")]
    pub resource_type: String,
    /// The resource name (kafka-cluster for CLUSTER)
    #[arg(long, value_name = "NAME", value_parser = non_empty)]
    pub resource_name: String,
}

#[derive(Args)]
pub struct AclCheckArgs {
    #[command(flatten)]
    pub authorizer: AclAuthorizerOpts,
    /// Type:name, e.g. User:sa-123
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: String,
    /// The client's IP address as the broker sees it
    #[arg(long, value_name = "HOST", default_value = "*", value_parser = non_empty)]
    pub host: String,
    /// producer, idempotent-producer, transactional-producer, consumer, streams, connect-worker,
    /// kdeck-source, kdeck-destination, mirrormaker2-source, mirrormaker2-target,
    /// replicator-source, replicator-destination
    #[arg(long = "as", value_name = "PROFILE")]
    pub profile: String,
    /// Topics the client reads or writes (repeatable)
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topics: Vec<String>,
    /// Output topics of a Streams app (repeatable)
    #[arg(long = "output-topic", value_name = "TOPIC")]
    pub output_topics: Vec<String>,
    /// Consumer group (Connect: group.id; Streams: the application.id)
    #[arg(short = 'g', long, value_name = "GROUP")]
    pub group: Option<String>,
    #[arg(long, value_name = "ID")]
    pub transactional_id: Option<String>,
    /// Kafka Streams application.id
    #[arg(long, value_name = "ID")]
    pub application_id: Option<String>,
    /// Streams with processing.guarantee=exactly_once_v2
    #[arg(long)]
    pub exactly_once: bool,
    /// The kdeck plan's name (kdeck-destination)
    #[arg(long, value_name = "NAME")]
    pub plan_name: Option<String>,
    /// Connect storage topics (repeatable; default connect-configs, connect-offsets, connect-status)
    #[arg(long = "internal-topic", value_name = "TOPIC")]
    pub internal_topics: Vec<String>,
    /// The client creates its topics (adds CREATE)
    #[arg(long)]
    pub create_topics: bool,
    /// MirrorMaker 2 alias of the source cluster (default: source)
    #[arg(long, value_name = "ALIAS")]
    pub source_alias: Option<String>,
    /// MirrorMaker 2 alias of the target cluster (default: target)
    #[arg(long, value_name = "ALIAS")]
    pub target_alias: Option<String>,
    /// Print the commands that add what is missing: kafka-acls or confluent
    #[arg(long, value_name = "FORMAT", value_parser = ["kafka-acls", "confluent"])]
    pub fix: Option<String>,
    /// The cluster the fix commands name: a profile (its bootstrap, never its secrets) or host:port
    #[arg(long, value_name = "CLUSTER")]
    pub bootstrap: Option<String>,
}

#[derive(Args)]
pub struct CheatsheetArgs {
    /// Only commands matching these words (fuzzy: tool, group, title, command)
    #[arg(value_name = "QUERY")]
    pub query: Vec<String>,
    /// A profile (its bootstrap and security settings, never its secrets) or host:port
    #[arg(short = 'b', long = "brokers", value_name = "CLUSTER")]
    pub cluster: Option<String>,
    #[arg(short = 't', long = "topic", value_name = "TOPIC")]
    pub topic: Option<String>,
    #[arg(short = 'p', long = "partition", value_name = "PARTITION", value_parser = clap::value_parser!(i32).range(0..))]
    pub partition: Option<i32>,
    #[arg(short = 'g', long = "group", value_name = "GROUP")]
    pub group: Option<String>,
    /// Type:name, e.g. User:sa-123
    #[arg(long, value_name = "PRINCIPAL")]
    pub principal: Option<String>,
    /// Confluent Cloud cluster id (lkc-...)
    #[arg(long, value_name = "ID")]
    pub cluster_id: Option<String>,
    /// Confluent Cloud API key id (never its secret)
    #[arg(long, value_name = "KEY")]
    pub api_key: Option<String>,
    /// Security flags for a bare broker list: plaintext, confluent-cloud, msk-tls, msk-scram
    #[arg(long, value_name = "PRESET")]
    pub security: Option<String>,
    /// A Markdown handout for the client's team instead of plain commands
    #[arg(long)]
    pub markdown: bool,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Args)]
pub struct PlanArgs {
    #[command(subcommand)]
    pub command: PlanCommand,
}

#[derive(Subcommand)]
pub enum PlanCommand {
    /// Print the plan as a Kafka Connect connector (POST /connectors body), secrets as references
    Export(PlanExportArgs),
}

#[derive(Args)]
pub struct PlanExportArgs {
    /// The migration plan (TOML)
    #[arg(long, value_name = "FILE")]
    pub plan: PathBuf,
    /// Which connector: MirrorMaker 2's MirrorSourceConnector or Confluent Replicator
    #[arg(long = "to", value_enum)]
    pub to: ExportTarget,
    /// tasks.max (default: the plan's engine.lanes)
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub tasks: Option<u16>,
    /// Also PUT the connector config to this Connect cluster ([connect.NAME])
    #[arg(long, value_name = "CONNECT_NAME")]
    pub apply: Option<String>,
    /// The connector's name on the Connect cluster (default: the plan's name)
    #[arg(long, value_name = "N", requires = "apply")]
    pub name: Option<String>,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum ExportTarget {
    Mm2,
    Replicator,
}

/// `-m SECONDS`: a timeout from 1 s to an hour.
pub fn seconds(text: &str) -> Result<u64, String> {
    match text.parse::<i64>() {
        Ok(value @ 1..=3600) => Ok(value as u64),
        _ => Err("expected whole seconds from 1 to 3600".to_string()),
    }
}

/// `-c N`: kcat's record count, where 0 means no limit.
fn record_count(text: &str) -> Result<u64, String> {
    text.parse::<u64>().map_err(|_| "expected a count from 0 (no limit) to 18446744073709551615".to_string())
}

/// A Kafka topic name, checked before any broker is asked: a bad one is a usage error.
fn topic_name(text: &str) -> Result<String, String> {
    if crate::inspect::query_spec::is_legal_topic_name(text) {
        Ok(text.to_string())
    } else {
        Err("expected a topic name of 1 to 249 characters from [a-zA-Z0-9._-], not \".\" or \"..\"".to_string())
    }
}

fn non_empty(text: &str) -> Result<String, String> {
    match text.trim().is_empty() {
        true => Err("expected a non-empty value".to_string()),
        false => Ok(text.to_string()),
    }
}

/// Folds clap's multi-line error into one line: the message and its details,
/// without the usage block and the "--help" hint.
pub fn one_line(rendered: &str) -> String {
    rendered
        .lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more information"))
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_errors_fold_into_one_line() {
        let rendered = "error: the following required arguments were not provided:\n  --topic <TOPIC>\n\nUsage: kdeck consume --brokers <CLUSTER> --topic <TOPIC>\n\nFor more information, try '--help'.\n";
        assert_eq!(one_line(rendered), "error: the following required arguments were not provided: --topic <TOPIC>");
    }

    #[test]
    fn cli_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
