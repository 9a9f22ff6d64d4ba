//! One function per subcommand: turn parsed flags into a request, run it, print.

use std::io::{self, Write};
use std::time::Duration;

use crate::cli::{Cli, ClusterOpts, CockpitArgs, Command, ConsumeArgs, MetaArgs, OffsetsArgs, ProduceArgs};
use crate::config::{self, ClusterArgs, Config, ResolvedCluster};
use crate::error::{Failure, Outcome};
use crate::inspect::format::{decode_escapes, Format};
use crate::inspect::{consume, meta, offset_spec, offsets, produce, produce_input::InputRules, query_spec};
use crate::kafka::reader::PartitionReader;
use crate::{demo, replicate, signals};

pub fn run(cli: Cli) -> Outcome {
    let context = Context { config_path: cli.config.clone(), verbose: cli.verbose };
    let Some(command) = cli.command else { return run_cockpit(&context, cli.cockpit) };
    match command {
        Command::Meta(args) => run_meta(&context, args),
        Command::Consume(args) => run_consume(&context, args),
        Command::Produce(args) => run_produce(&context, args),
        Command::Offsets(args) => run_offsets(&context, args),
        Command::Demo(args) => demo::run(&args, &signals::stop_flag()),
        Command::Replicate(args) => replicate::run(context.config()?, args, &signals::stop_flag()),
        Command::Cockpit(args) => run_cockpit(&context, args),
        Command::Acl(args) => run_acl(&context, args),
        Command::Plan(args) => run_plan(&context, args),
        Command::Cheatsheet(args) => {
            let text = crate::cheatsheet::command::run(&args, || context.config())?;
            match &args.output {
                Some(path) => std::fs::write(path, text)
                    .map_err(|err| Failure::runtime(format!("cannot write {}: {err}", path.display()))),
                None => print(&text),
            }
        }
        Command::Connect(args) => crate::connect::command::run(&context.connect_config()?, args),
        Command::Verify(args) => {
            crate::verify::command::run(context.config()?, args, context.verbose, &signals::stop_flag())
        }
        Command::Cutover(args) => crate::cutover::command::run(context.config()?, args),
        Command::Report(args) => crate::report::command::run(context.config()?, args, &signals::stop_flag()),
        Command::Import(args) => crate::import::command::run(&args),
        Command::Schemas(args) => crate::schemas::command::run(context.config()?, args),
        Command::Watch(args) => crate::watch::command::run(context.config()?, args, &signals::stop_flag()),
    }
}

/// `kdeck --plan FILE`: the cockpit on a plan's source and destination profiles.
fn run_cockpit(context: &Context, args: CockpitArgs) -> Outcome {
    let config = context.config()?;
    // `[cockpit] plan = "FILE"` in the config, relative to the config file, stands in for --plan.
    let configured = config.other.get("cockpit").and_then(|section| section.get("plan")).and_then(|v| v.as_str());
    let configured = configured.map(|plan| config.path.parent().unwrap_or(std::path::Path::new(".")).join(plan));
    let Some(path) = args.plan.or(configured) else {
        return Err(Failure::usage(
            "no plan: kdeck --plan FILE (or [cockpit] plan = \"FILE\" in the config) opens the cockpit on a migration plan; kdeck demo opens it on demo clusters",
        ));
    };
    let plan_failure = |err: crate::engine::plan::PlanError| {
        if err.is_usage() {
            Failure::usage(err.to_string())
        } else {
            Failure::runtime(err.to_string())
        }
    };
    let plan = crate::engine::plan::load_plan(&path).map_err(plan_failure)?;
    plan.check_profiles(&config).map_err(plan_failure)?;
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).map_err(Failure::from)
    };
    let schemas = crate::schemas::plan::has_registries(&config, &plan)
        .then(|| crate::schemas::plan::registry_pair(&config, &plan))
        .transpose()?;
    let setup = crate::tui::CockpitSetup {
        source: resolve(&plan.source)?,
        destination: resolve(&plan.destination)?,
        plan: Some(plan),
        schemas,
        read_only: args.read_only,
        theme: crate::tui::theme::Theme::from_name(&args.theme).unwrap_or_default(),
        timeout: Duration::from_secs(10),
        connect: crate::connect::clusters::resolve_all(&config),
        engine_on_connect_pane: false,
        acl: None,
    };
    crate::tui::run(setup, &signals::stop_flag())
}

struct Context {
    config_path: Option<std::path::PathBuf>,
    verbose: bool,
}

impl Context {
    /// The config, or an empty one when `kdeck connect --url` needs none and none exists.
    fn connect_config(&self) -> Result<Config, Failure> {
        match config::load(self.config_path.as_deref()) {
            Err(config::ConfigError::ConfigFileMissing { .. }) if self.config_path.is_none() => Ok(Config::default()),
            other => Ok(other?),
        }
    }

    pub(crate) fn config(&self) -> Result<Config, Failure> {
        Ok(config::load(self.config_path.as_deref())?)
    }

    /// Resolves `-b/-X/-F` and, with `--verbose`, shows the redacted result.
    fn cluster(&self, opts: &ClusterOpts) -> Result<ResolvedCluster, Failure> {
        let config = self.config()?;
        let args = ClusterArgs {
            cluster: opts.cluster.clone(),
            properties_file: opts.properties_file.clone(),
            overrides: opts.overrides.clone(),
        };
        let cluster = config::resolve_cluster(&args, &config)?;
        if self.verbose {
            let mut err = io::stderr().lock();
            let _ = writeln!(err, "% cluster {}", cluster.name);
            for (key, value) in cluster.properties.redacted() {
                // A secret pasted into a non-secret key is still a registered secret.
                let _ = writeln!(err, "%   {key} = {}", config::scrub(&value));
            }
        }
        tracing::info!(cluster = %cluster, "resolved cluster");
        Ok(cluster)
    }
}

fn timeout(opts: &ClusterOpts) -> Duration {
    Duration::from_secs(opts.timeout_secs)
}

fn print(text: &str) -> Outcome {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        Err(err) => Err(Failure::runtime(format!("cannot write to stdout: {err}"))),
    }
}

fn run_meta(context: &Context, args: MetaArgs) -> Outcome {
    crate::kafka::closer::leave_disposable_clients_open();
    let cluster = context.cluster(&args.cluster)?;
    let timeout = timeout(&args.cluster);
    let metadata = PartitionReader::connect(&cluster, timeout, false)?.metadata_with_origin(args.topic.as_deref())?;
    if metadata.brokers.is_empty() {
        return Err(Failure::runtime(format!("no brokers answered from {}", cluster.name)));
    }
    let text = if args.json {
        meta::render_json(&metadata, args.topic.as_deref())
    } else {
        meta::render_text(&metadata, args.topic.as_deref())
    };
    print(&text)
}

fn run_consume(context: &Context, args: ConsumeArgs) -> Outcome {
    crate::kafka::closer::leave_disposable_clients_open();
    // Parse every user-supplied spec before touching the network: a typo is a usage error, fast.
    let spec = offset_spec::parse_offset_specs(&args.offsets).map_err(|e| Failure::usage(e.to_string()))?;
    let output = if args.json {
        let terminator = decode_escapes(&args.delimiter).map_err(|e| Failure::usage(e.to_string()))?;
        consume::Output::Json { terminator }
    } else if let Some(f) = &args.format {
        consume::Output::Format(Format::parse(f).map_err(|e| Failure::usage(e.to_string()))?)
    } else {
        let format = Format::from_delimiters(args.key_delimiter.as_deref(), &args.delimiter, args.print_offset)
            .map_err(|e| Failure::usage(e.to_string()))?;
        consume::Output::Format(format)
    };
    let fields = crate::inspect::decoded::parse_serdes(&args.serdes).map_err(Failure::usage)?;
    let cluster = context.cluster(&args.cluster)?;
    let decode = if fields == Default::default() {
        if args.registry.is_some() {
            return Err(Failure::usage("-r URL needs -s [key=|value=]avro: say which fields to decode"));
        }
        None
    } else {
        let settings = match &args.registry {
            Some(url) => crate::schemas::RegistrySettings::from_url(url),
            None => crate::schemas::RegistrySettings::from_cluster(&cluster).ok_or_else(|| {
                Failure::usage(format!(
                    "-s needs a schema registry: -r URL, or schema.registry.url in the profile of {}",
                    cluster.name
                ))
            })?,
        };
        Some((settings, fields))
    };
    let request = consume::ConsumeRequest {
        topic: args.topic,
        partition: args.partition,
        spec,
        exit_at_end: args.exit_at_end,
        // kcat: -c 0 is no limit.
        count: args.count.filter(|&count| count > 0),
        output,
        null_text: args.null_as_text.then(|| b"NULL".to_vec()),
        unbuffered: args.unbuffered,
        quiet: args.quiet,
        timeout: timeout(&args.cluster),
        decode,
    };
    let stop = signals::stop_flag();
    consume::run(&cluster, &request, &mut io::stdout().lock(), &mut io::stderr().lock(), &stop)
}

fn run_produce(context: &Context, args: ProduceArgs) -> Outcome {
    let rules =
        InputRules::new(&args.delimiter, args.key_delimiter.as_deref(), args.key.as_deref(), args.empty_as_null)
            .map_err(|e| Failure::usage(e.to_string()))?;
    let headers = args.headers.iter().map(|h| produce::parse_header(h)).collect::<Result<Vec<_>, _>>()?;
    if args.lines && args.files.len() != 1 {
        return Err(Failure::usage("-l takes exactly one FILE"));
    }
    let cluster = context.cluster(&args.cluster)?;
    let request = produce::ProduceRequest {
        topic: args.topic,
        partition: args.partition.filter(|&p| p >= 0),
        rules,
        headers,
        files: args.files,
        split_files: args.lines,
        // kcat: -c 0 is no limit.
        count: args.count.filter(|&count| count > 0),
        compression: args.compression,
        timeout: timeout(&args.cluster),
    };
    let sent = produce::run(&cluster, &request, &signals::stop_flag())?;
    tracing::info!(sent, topic = %request.topic, "produced");
    if context.verbose {
        let _ = writeln!(io::stderr(), "% {sent} records produced to {}", request.topic);
    }
    Ok(())
}

fn run_offsets(context: &Context, args: OffsetsArgs) -> Outcome {
    crate::kafka::closer::leave_disposable_clients_open();
    let queries = args
        .queries
        .iter()
        .map(|q| query_spec::parse_topic_query(q).map_err(|e| Failure::usage(e.to_string())))
        .collect::<Result<Vec<_>, _>>()?;
    let cluster = context.cluster(&args.cluster)?;
    let answers = offsets::query(&cluster, &queries, timeout(&args.cluster))?;
    let text = if args.json { offsets::render_json(&answers) } else { offsets::render_text(&answers) };
    print(&text)
}

/// `kdeck acl eval|check`: ACL decisions from a file or live ACLs; exit 1 when anything is denied.
fn run_acl(context: &Context, args: crate::cli::AclArgs) -> Outcome {
    use crate::acl::command;
    let acls_of = |opts: &crate::cli::AclAuthorizerOpts| match &opts.cluster {
        Some(name) => {
            let opts = ClusterOpts {
                cluster: name.clone(),
                overrides: Vec::new(),
                properties_file: None,
                timeout_secs: opts.timeout_secs,
            };
            let cluster = context.cluster(&opts)?;
            crate::kafka::acls::describe_acls(&cluster, timeout(&opts))
        }
        None => command::load_file(opts),
    };
    let report = match args.command {
        crate::cli::AclCommand::Eval(args) => command::eval(&args, || acls_of(&args.authorizer))?,
        crate::cli::AclCommand::Check(args) => {
            // A profile lends its bootstrap (as displayable text, never a secret); anything else is used as given.
            // Live ACLs come from a cluster the fix commands can name too.
            let (bootstrap, security) = match args.bootstrap.as_ref().or(args.authorizer.cluster.as_ref()) {
                Some(name) => match context.config().ok().filter(|config| config.clusters.contains_key(name)) {
                    Some(config) => {
                        let cluster_args =
                            ClusterArgs { cluster: name.clone(), properties_file: None, overrides: Vec::new() };
                        let cluster = config::resolve_cluster(&cluster_args, &config)?;
                        let security = crate::cheatsheet::security::Security::from_cluster(&cluster);
                        (Some(cluster.bootstrap().to_string()), Some(security))
                    }
                    None => (Some(name.clone()), None),
                },
                None => (None, None),
            };
            command::check_profile(&args, bootstrap, security.as_ref(), || acls_of(&args.authorizer))?
        }
        crate::cli::AclCommand::Probe(args) => {
            use crate::acl::probe;
            let plan = probe::ProbePlan::from_args(&args)?;
            let cluster = context.cluster(&args.cluster)?;
            let prober = crate::kafka::probe::Prober::new(&cluster, timeout(&args.cluster));
            probe::report(&cluster, &probe::run_probes(&plan, &prober)?)
        }
    };
    print(&report.text)?;
    match report.denied {
        Some(reason) => Err(Failure::runtime(reason)),
        None => Ok(()),
    }
}

/// `kdeck plan export`: the plan as a Connect connector on stdout, caveats on stderr.
fn run_plan(context: &Context, args: crate::cli::PlanArgs) -> Outcome {
    use crate::cli::{ExportTarget, PlanCommand};
    use crate::connect::export;
    let PlanCommand::Export(args) = args.command;
    let config = context.config()?;
    let plan_failure = |err: crate::engine::plan::PlanError| match err.is_usage() {
        true => Failure::usage(err.to_string()),
        false => Failure::runtime(err.to_string()),
    };
    let plan = crate::engine::plan::load_plan(&args.plan).map_err(plan_failure)?;
    plan.check_profiles(&config).map_err(plan_failure)?;
    let resolve = |name: &str| {
        let args = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&args, &config).map_err(Failure::from)
    };
    let (source, destination) = (resolve(&plan.source)?, resolve(&plan.destination)?);
    let tasks = args.tasks.map_or(plan.engine.lanes, usize::from);
    let (connector, caveats) = match args.to {
        ExportTarget::Mm2 => {
            if export::mm2_naming(&plan).is_none() {
                return Err(Failure::usage(format!(
                    "{}: rename = \"{}\" cannot be exported to MirrorMaker 2, which only keeps names (\"{{topic}}\") or prefixes the source (\"{{source}}.{{topic}}\"); Replicator can: --to replicator",
                    plan.path.display(),
                    plan.topics.rename_template()
                )));
            }
            export::mm2_pattern_lists(&plan)
                .map_err(|reason| Failure::usage(format!("{}: {reason}", plan.path.display())))?;
            let caveats = export::mm2_caveats(&plan, &source, &destination);
            (export::to_mirror_maker2(&plan, &source, &destination, tasks), caveats)
        }
        ExportTarget::Replicator => {
            let caveats = export::replicator_caveats(&plan, &source, &destination);
            (export::to_replicator(&plan, &source, &destination, tasks), caveats)
        }
    };
    for caveat in caveats {
        let _ = writeln!(io::stderr(), "kdeck: note: {caveat}");
    }
    let text = serde_json::to_string_pretty(&connector).map_err(|err| Failure::runtime(err.to_string()))?;
    print(&format!("{text}\n"))?;
    match &args.apply {
        Some(target) => crate::connect::apply::apply(&config, target, args.name.as_deref(), &connector),
        None => Ok(()),
    }
}
