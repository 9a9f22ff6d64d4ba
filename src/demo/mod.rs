//! `kdeck demo`: two in-process librdkafka mock clusters, "source" and
//! "destination", with a seeded MSK-shaped estate on the source and a load
//! generator, opened in the cockpit with a demo plan. With `--serve` they run
//! headless instead; any Kafka client can connect (Debian's kcat does).

pub mod estate;

use std::io::Write;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::cli::{DemoArgs, Load};
use crate::config::{self, ClusterArgs, ResolvedCluster};
use crate::error::{Failure, Outcome};
use crate::kafka::embedded::EmbeddedCluster;
use crate::kafka::writer::{OutgoingRecord, RecordWriter};
use crate::record::Header;

use estate::{DemoTopic, Scale, DEMO_ACLS, DEMO_ACL_APP, ESTATE};

const BROKERS_PER_CLUSTER: i32 = 3;

pub fn run(args: &DemoArgs, stop: &Arc<AtomicBool>) -> Outcome {
    let started = Instant::now();
    let estate = Estate::start(args.scale)?;
    tracing::info!(scale = ?args.scale, elapsed_ms = started.elapsed().as_millis() as u64, "demo estate seeded");
    if let Some(path) = &args.profile_out {
        std::fs::write(path, estate.profiles_text())
            .map_err(|err| Failure::runtime(format!("cannot write profiles to {}: {err}", path.display())))?;
    }
    tracing::info!(source = %estate.source_bootstrap, destination = %estate.destination_bootstrap, load = ?args.load, "demo clusters up");
    if !args.serve {
        return run_cockpit(estate, args, stop);
    }
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "source={}", estate.source_bootstrap);
    let _ = writeln!(out, "destination={}", estate.destination_bootstrap);
    let _ = out.flush();
    drop(out);
    let Estate { source, destination, writer, topics, .. } = estate;
    produce_load(writer, &topics, args.load, stop)?;
    drop(destination);
    drop(source);
    Ok(())
}

/// The two clusters, seeded, and the writer that keeps loading the source.
struct Estate {
    source: EmbeddedCluster,
    destination: EmbeddedCluster,
    writer: RecordWriter,
    topics: Vec<DemoTopic>,
    source_bootstrap: String,
    destination_bootstrap: String,
}

impl Estate {
    fn start(scale: Scale) -> Result<Estate, Failure> {
        let topics = scale.estate();
        let source = EmbeddedCluster::start("source", BROKERS_PER_CLUSTER)?;
        let destination = EmbeddedCluster::start("destination", BROKERS_PER_CLUSTER)?;
        for topic in &topics {
            source.create_topic(topic.name, topic.partitions, BROKERS_PER_CLUSTER)?;
            // The mock broker has no CreateTopics, so the engine cannot create the
            // destination topics it copies into: they exist, empty, from the start.
            if topic.migrate {
                destination.create_topic(topic.name, topic.partitions, BROKERS_PER_CLUSTER)?;
            }
        }
        // The demo plan's state topic too: otherwise the engine's first start
        // waits out a CreateTopics request the mock never answers.
        destination.create_topic("_kdeck-demo-offsets", 1, BROKERS_PER_CLUSTER)?;
        let source_bootstrap = source.bootstrap().to_string();
        let destination_bootstrap = destination.bootstrap().to_string();
        let mut writer =
            RecordWriter::open(&as_cluster(&source_bootstrap)?, Duration::from_secs(30), &[("linger.ms", "5")])?;
        for topic in &topics {
            for n in 0..topic.seed {
                send(&mut writer, topic, n)?;
            }
        }
        // The destination is far away; the source is where the demo runs.
        if !scale.destination_round_trip().is_zero() {
            destination.set_round_trip(BROKERS_PER_CLUSTER, scale.destination_round_trip())?;
        }
        Ok(Estate { source, destination, writer, topics, source_bootstrap, destination_bootstrap })
    }

    fn profiles_text(&self) -> String {
        config::render_profiles(&[
            ("source".to_string(), self.source_bootstrap.clone(), Some("blue".to_string())),
            ("destination".to_string(), self.destination_bootstrap.clone(), Some("green".to_string())),
        ])
    }
}

/// The plan `kdeck demo` opens the cockpit with: the business topics, one lane.
pub const DEMO_PLAN: &str = r#"name = "demo"
source = "source"
destination = "destination"

[topics]
exclude = ["optr.*"]

[engine]
lanes = 1
"#;

/// The demo plan at a scale. Beyond the smallest, transactions are capped at 500
/// records: with the destination's round trip, one lane then spends its time
/// committing, as over a WAN, and more lanes visibly help.
pub fn demo_plan(scale: Scale) -> String {
    match scale {
        Scale::Small => DEMO_PLAN.to_owned(),
        _ => format!("{DEMO_PLAN}max_batch_records = 500\n"),
    }
}

/// `kdeck demo`: the cockpit on the demo clusters, engine stopped, load running
/// on its own thread until the cockpit closes.
fn run_cockpit(estate: Estate, args: &DemoArgs, stop: &Arc<AtomicBool>) -> Outcome {
    let profiles = config::parse(&estate.profiles_text(), std::path::Path::new("(demo)"))?;
    let resolve = |name: &str| {
        let cluster = ClusterArgs { cluster: name.to_string(), properties_file: None, overrides: Vec::new() };
        config::resolve_cluster(&cluster, &profiles).map_err(Failure::from)
    };
    let plan = crate::engine::plan::parse_plan(&demo_plan(args.scale), std::path::Path::new("demo.toml"))
        .map_err(|err| Failure::runtime(err.to_string()))?;
    let setup = crate::tui::CockpitSetup {
        source: resolve("source")?,
        destination: resolve("destination")?,
        plan: Some(plan),
        schemas: None,
        read_only: args.read_only,
        theme: crate::tui::theme::Theme::from_name(&args.theme).unwrap_or_default(),
        timeout: Duration::from_secs(10),
        connect: (Vec::new(), Vec::new()),
        engine_on_connect_pane: true,
        acl: Some(acl_setup(&std::env::temp_dir().join(format!("kdeck-demo-{}", std::process::id())))?),
    };
    let Estate { source, destination, writer, topics, .. } = estate;
    let load_stop = Arc::new(AtomicBool::new(false));
    let load = {
        let (load_stop, rate) = (load_stop.clone(), args.load);
        std::thread::Builder::new()
            .name("kdeck-demo-load".into())
            .spawn(move || produce_load(writer, &topics, rate, &load_stop))
            .map_err(|err| Failure::runtime(format!("cannot start the demo load: {err}")))?
    };
    let outcome = crate::tui::run(setup, stop);
    load_stop.store(true, Ordering::Relaxed);
    let loaded = load.join().unwrap_or_else(|_| Err(Failure::runtime("the demo load thread panicked")));
    drop(destination);
    drop(source);
    outcome.and(loaded)
}

/// The mock broker has no ACL API, so the ACL pane opens on the reference day's
/// destination ACLs, written to `dir`: `orders-app` lacks READ on its group.
pub fn acl_setup(dir: &std::path::Path) -> Result<crate::tui::AclSetup, Failure> {
    let file = dir.join("destination-acls.txt");
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&file, DEMO_ACLS))
        .map_err(|err| Failure::runtime(format!("cannot write the demo's ACLs to {}: {err}", file.display())))?;
    let (principal, group, topic) = DEMO_ACL_APP;
    Ok(crate::tui::AclSetup { file, principal: principal.into(), group: group.into(), topics: vec![topic.into()] })
}

/// Produces the background load until `stop`, then flushes.
fn produce_load(mut writer: RecordWriter, topics: &[DemoTopic], load: Load, stop: &AtomicBool) -> Outcome {
    let mut next = topics.iter().map(|t| t.seed).collect::<Vec<_>>();
    let rate = records_per_second(load);
    let started = Instant::now();
    let mut produced: u64 = 0;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(Duration::from_millis(50));
        if rate == 0 {
            continue;
        }
        let due = (started.elapsed().as_secs_f64() * rate as f64) as u64;
        while produced < due {
            let index = pick_topic(produced);
            send(&mut writer, &topics[index], next[index])?;
            next[index] += 1;
            produced += 1;
        }
    }
    tracing::info!(produced, "demo stopping");
    writer.finish()?;
    Ok(())
}

fn records_per_second(load: Load) -> u64 {
    match load {
        Load::None => 0,
        Load::Low => 20,
        Load::High => 2_000,
    }
}

/// Spreads the load by each topic's weight, deterministically.
fn pick_topic(n: u64) -> usize {
    let total: u64 = ESTATE.iter().map(|t| t.load_weight).sum();
    let mut slot = n % total;
    for (index, topic) in ESTATE.iter().enumerate() {
        if slot < topic.load_weight {
            return index;
        }
        slot -= topic.load_weight;
    }
    0
}

/// The demo's own clusters are plain broker lists: no profile, no secrets.
fn as_cluster(bootstrap: &str) -> Result<ResolvedCluster, Failure> {
    let empty = config::parse("", std::path::Path::new("(demo)"))?;
    let args = ClusterArgs { cluster: bootstrap.to_string(), properties_file: None, overrides: Vec::new() };
    Ok(config::resolve_cluster(&args, &empty)?)
}

fn send(writer: &mut RecordWriter, topic: &DemoTopic, n: u64) -> Outcome {
    let record = estate::record(topic.shape, n);
    let headers: Vec<Header<'_>> =
        record.headers.iter().map(|(name, value)| Header { name, value: Some(value.as_bytes()) }).collect();
    // Keyed records go to the partition the default partitioner picks, as in production.
    writer.send(&OutgoingRecord {
        topic: topic.name,
        partition: None,
        key: record.key.as_deref().map(str::as_bytes),
        value: record.value.as_deref().map(str::as_bytes),
        headers: &headers,
        timestamp: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn load_spreads_over_weighted_topics_only() {
        let mut hits = vec![0u64; ESTATE.len()];
        for n in 0..1000 {
            hits[pick_topic(n)] += 1;
        }
        for (topic, count) in ESTATE.iter().zip(hits) {
            assert_eq!(count == 0, topic.load_weight == 0, "{}", topic.name);
        }
    }
}
