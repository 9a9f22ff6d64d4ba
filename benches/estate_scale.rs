//! The engine and `verify` on estates of 40, 1,000 and 3,000 partitions:
//! start, copy rate, CPU per record, peak RSS, restart after kill -9, the
//! pickup of a new topic, a live rescale, verify, and the engine's idle CPU.
//!
//! Run: `KDECK_BENCH_BROKER=noida cargo bench --bench estate_scale` (two
//! noida-db broker processes per estate) or without it on two in-process
//! mock clusters. `-- 40 3000` picks the estates. Each estate is topics of
//! 4 partitions, seeded with ~100-byte records before any clock starts.
//! Under `cargo test` it runs one 8-partition smoke pass. `KDECK_BENCH_ONLY=idle`
//! measures only the idle CPU after catch-up of `kdeck replicate` and of the
//! cockpit (each its own process; the cockpit in tmux, which must be installed).
//! `KDECK_BENCH_ONLY=verify` copies, then times only `kdeck verify`.
//! `KDECK_BENCH_ONLY=restart` only the first copy and the restart after kill -9
//! (`KDECK_BENCH_LOG_COPY=FILE` keeps kdeck's log of both runs).
//! `KDECK_BENCH_ONLY=copy` only the first copy to catch-up (start, rate, CPU,
//! peak RSS). `KDECK_BENCH_PERF=DIR` runs that copy under `perf record -g`
//! (Debian's linux-perf), writing `DIR/copy-PARTITIONS.data` (and the idle
//! cockpit's window to `DIR/perf-cockpit.data`); its CPU column
//! then includes perf's own; `KDECK_BENCH_PERF_CALL_GRAPH=dwarf` gives whole stacks
//! through librdkafka (frame pointers, the default, stop at it). `KDECK_BENCH_RECORDS=N` seeds N records in every estate.
//! `KDECK_BENCH_BIN=PATH` runs another kdeck binary (a before/after in one session).

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use kdeck::config::{self, ClusterArgs};
use kdeck::engine::plan::parse_plan;
use kdeck::engine::status::EngineStatus;
use kdeck::engine::EngineHandle;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::mocking::MockCluster;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};
use rdkafka::ClientConfig;

mod support;

const PER_TOPIC: i32 = 4;

enum Broker {
    Mock(MockCluster<'static, DefaultProducerContext>),
    Noida(support::NoidaProcess),
}

fn use_noida() -> bool {
    std::env::var("KDECK_BENCH_BROKER").is_ok_and(|b| b == "noida")
}

impl Broker {
    /// The broker process's CPU seconds so far; 0 for the in-process mock.
    fn cpu_seconds(&self) -> f64 {
        match self {
            Broker::Mock(_) => 0.0,
            Broker::Noida(noida) => noida.cpu_seconds(),
        }
    }

    fn start() -> Self {
        if !use_noida() {
            return Broker::Mock(MockCluster::new(3).unwrap());
        }
        Broker::Noida(support::NoidaProcess::start())
    }

    fn bootstrap(&self) -> String {
        match self {
            Broker::Mock(cluster) => cluster.bootstrap_servers(),
            Broker::Noida(noida) => noida.bootstrap(),
        }
    }

    fn create_topics(&self, names: &[String], partitions: i32) {
        match self {
            Broker::Mock(cluster) => names.iter().for_each(|n| cluster.create_topic(n, partitions, 1).unwrap()),
            Broker::Noida(_) => {
                use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
                let admin: AdminClient<rdkafka::client::DefaultClientContext> =
                    ClientConfig::new().set("bootstrap.servers", self.bootstrap()).create().unwrap();
                let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                for chunk in names.chunks(500) {
                    let topics: Vec<NewTopic> =
                        chunk.iter().map(|n| NewTopic::new(n, partitions, TopicReplication::Fixed(1))).collect();
                    let options = AdminOptions::new().operation_timeout(Some(Duration::from_secs(60)));
                    for result in runtime.block_on(admin.create_topics(&topics, &options)).unwrap() {
                        result.unwrap();
                    }
                }
            }
        }
    }
}

fn topic_names(prefix: &str, partitions: i32) -> Vec<String> {
    (0..(partitions / PER_TOPIC).max(1)).map(|t| format!("{prefix}-{t:04}")).collect()
}

/// ~100-byte records spread evenly over every partition of `topics`.
fn produce(bootstrap: &str, topics: &[String], records: u64, from: u64) {
    let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("linger.ms", "20")
        .set("batch.num.messages", "10000")
        .set("queue.buffering.max.messages", "500000")
        .create()
        .unwrap();
    let slots = topics.len() as u64 * PER_TOPIC as u64;
    for n in from..from + records {
        let slot = n % slots;
        let topic = &topics[(slot / PER_TOPIC as u64) as usize];
        let (key, value) = (format!("key-{n:08}"), format!("{{\"n\":{n:08},\"payload\":\"{:0>60}\"}}", n % 1000));
        support::send(
            &producer,
            BaseRecord::to(topic).key(&key).payload(&value).partition((slot % PER_TOPIC as u64) as i32),
        );
    }
    producer.flush(Duration::from_secs(600)).unwrap();
}

/// What one kdeck process cost: wall time, CPU seconds, peak RSS (MB), stdout.
struct Measured {
    wall: Duration,
    cpu: f64,
    peak_mb: f64,
    stdout: String,
    success: bool,
}

/// Waits for `child` with wait4, so its own CPU time and peak RSS are known.
fn measure(mut child: Child, started: Instant) -> Measured {
    let mut out = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = out.read_to_string(&mut text);
        text
    });
    let mut status = 0;
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    Measured {
        wall,
        cpu: time(usage.ru_utime) + time(usage.ru_stime),
        peak_mb: usage.ru_maxrss as f64 / 1024.0,
        stdout: reader.join().unwrap_or_default(),
        success: libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
    }
}

struct Estate {
    partitions: i32,
    records: u64,
    source: Broker,
    destination: Broker,
    topics: Vec<String>,
    dir: tempfile::TempDir,
}

impl Estate {
    fn seeded(partitions: i32, records: u64) -> Self {
        let (source, destination) = (Broker::start(), Broker::start());
        let topics = topic_names("estate", partitions);
        source.create_topics(&topics, PER_TOPIC);
        if let Broker::Mock(cluster) = &destination {
            // The mock has no CreateTopics: the destination is made up front.
            destination.create_topics(&topics, PER_TOPIC);
            cluster.create_topic("_kdeck-estate-offsets", 1, 1).unwrap();
        }
        produce(&source.bootstrap(), &topics, records, 0);
        let dir = tempfile::tempdir().unwrap();
        let config = format!(
            "[clusters.source]\nbootstrap = \"{}\"\n[clusters.destination]\nbootstrap = \"{}\"\n",
            source.bootstrap(),
            destination.bootstrap()
        );
        std::fs::write(dir.path().join("config.toml"), config).unwrap();
        std::fs::write(dir.path().join("plan.toml"), plan_text()).unwrap();
        Estate { partitions, records, source, destination, topics, dir }
    }

    fn kdeck(&self, args: &[&str]) -> Command {
        let binary = std::env::var_os("KDECK_BENCH_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_kdeck").into());
        let mut command = Command::new(binary);
        command
            .env("KDECK_LOG", self.dir.path().join("kdeck.log"))
            .env("HOME", self.dir.path())
            .args(["--config", self.dir.path().join("config.toml").to_str().unwrap()])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        command
    }

    fn plan(&self) -> String {
        self.dir.path().join("plan.toml").to_str().unwrap().to_string()
    }

    fn replicate_to_catch_up(&self) -> Measured {
        let plan = self.plan();
        let started = Instant::now();
        let child = self.kdeck(&["replicate", "--plan", &plan, "--exit-when-caught-up"]).spawn().unwrap();
        let measured = measure(child, started);
        assert!(measured.success, "kdeck replicate failed");
        measured
    }

    /// The first copy, under `perf record -g` when `KDECK_BENCH_PERF` names a directory.
    fn first_copy(&self) -> Measured {
        let Some(dir) = std::env::var_os("KDECK_BENCH_PERF") else { return self.replicate_to_catch_up() };
        let plan = self.plan();
        let kdeck = self.kdeck(&["replicate", "--plan", &plan, "--exit-when-caught-up"]);
        let output = std::path::Path::new(&dir).join(format!("copy-{}.data", self.partitions));
        let mut command = Command::new("perf");
        command
            .args(["record", "-o", output.to_str().unwrap()])
            .arg(format!("--call-graph={}", std::env::var("KDECK_BENCH_PERF_CALL_GRAPH").unwrap_or("fp".into())))
            .arg("--")
            .arg(kdeck.get_program())
            .args(kdeck.get_args())
            .envs(kdeck.get_envs().filter_map(|(k, v)| v.map(|v| (k, v))))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let started = Instant::now();
        let child = command.spawn().unwrap();
        let measured = measure(child, started);
        assert!(measured.success, "kdeck replicate failed");
        measured
    }

    /// kill -9 mid-copy, then a second run to catch-up: its start is the restart time.
    fn restart_after_kill(&self) -> Measured {
        let more = self.records / 5;
        produce(&self.source.bootstrap(), &self.topics, more, self.records);
        let plan = self.plan();
        let mut first = self.kdeck(&["replicate", "--plan", &plan]).spawn().unwrap();
        let started = Instant::now();
        while destination_total(&self.destination.bootstrap(), &self.topics) < self.records as i64 + more as i64 / 4 {
            assert!(started.elapsed() < Duration::from_secs(600), "the first run did not copy");
            std::thread::sleep(Duration::from_millis(100));
        }
        first.kill().unwrap();
        first.wait().unwrap();
        self.replicate_to_catch_up()
    }

    fn verify(&self) -> Measured {
        let plan = self.plan();
        let started = Instant::now();
        let measured = measure(self.kdeck(&["verify", "--plan", &plan]).spawn().unwrap(), started);
        assert!(measured.success, "kdeck verify failed: {}", measured.stdout);
        measured
    }

    /// `kdeck replicate` in its own process (so the mock brokers of this
    /// process are not counted): caught up, then its CPU over 10 s of nothing
    /// arriving, as a share of one core.
    fn idle_cpu_of_replicate(&self) -> f64 {
        let plan = self.plan();
        let mut child = self.kdeck(&["replicate", "--plan", &plan]).spawn().unwrap();
        let pid = child.id();
        let mut stdout = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // Progress lines come every 5 s; lag=0 with nothing copied since is caught up.
        loop {
            line.clear();
            let read = std::io::BufRead::read_line(&mut stdout, &mut line).unwrap();
            assert!(read > 0, "kdeck replicate ended");
            if line.starts_with("running") && line.contains(" lag=0 ") {
                break;
            }
        }
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        std::thread::sleep(Duration::from_secs(3));
        let (before, clock) = (process_ticks(pid), Instant::now());
        std::thread::sleep(Duration::from_secs(10));
        let idle = (process_ticks(pid) - before) / 100.0 / clock.elapsed().as_secs_f64();
        child.kill().unwrap();
        child.wait().unwrap();
        idle
    }

    /// The cockpit on the plan, in a 120x40 tmux session: `s` starts its
    /// embedded engine; once the Lag pane shows a total of 0 and the start
    /// banner is gone, its CPU over 10 s of nothing arriving. Also checks
    /// what issue 15 asks of the cockpit at scale: the status line after the
    /// start, and PageDown moving the Lag pane by a page.
    fn idle_cpu_of_cockpit(&self) -> f64 {
        let socket = self.dir.path().join("tmux.sock");
        let tmux = |args: &[&str]| {
            let output = Command::new("tmux").arg("-S").arg(&socket).args(args).output().expect("tmux");
            assert!(output.status.success(), "tmux {args:?} failed");
            String::from_utf8_lossy(&output.stdout).into_owned()
        };
        let command = format!(
            "KDECK_LOG={} HOME={} {} --config {} --plan {}",
            self.dir.path().join("cockpit.log").display(),
            self.dir.path().display(),
            env!("CARGO_BIN_EXE_kdeck"),
            self.dir.path().join("config.toml").display(),
            self.plan()
        );
        tmux(&["new-session", "-d", "-s", "bench", "-x", "120", "-y", "40", &command]);
        let wait_for = |what: &str, done: &dyn Fn(&str) -> bool| -> String {
            let deadline = Instant::now() + Duration::from_secs(600);
            loop {
                let screen = tmux(&["capture-pane", "-p", "-t", "bench"]);
                if done(&screen) {
                    return screen;
                }
                assert!(Instant::now() < deadline, "timed out waiting for {what}:\n{screen}");
                std::thread::sleep(Duration::from_millis(250));
            }
        };
        wait_for("the cockpit", &|screen| screen.contains("engine stopped"));
        tmux(&["send-keys", "-t", "bench", "s"]);
        let caught_up = wait_for("the cockpit's engine to catch up", &|screen| {
            screen.contains("Lag · total 0 ·") && screen.contains("engine running") && !screen.contains("starting")
        });
        let first_row = |screen: &str| screen.lines().find(|l| l.contains("estate-")).map(str::to_owned);
        let top = first_row(&caught_up);
        // The first PageDown takes the cursor to the page's last row, the second scrolls a page.
        tmux(&["send-keys", "-t", "bench", "PageDown"]);
        tmux(&["send-keys", "-t", "bench", "PageDown"]);
        std::thread::sleep(Duration::from_millis(500));
        let paged = tmux(&["capture-pane", "-p", "-t", "bench"]);
        eprintln!("cockpit caught up:\n{caught_up}\nafter PageDown twice:\n{paged}");
        if self.topics.len() > 40 {
            assert_ne!(top, first_row(&paged), "PageDown did not move the Lag pane");
        }
        let pane = tmux(&["display-message", "-p", "-t", "bench", "#{pane_pid}"]);
        let pid: u32 = pane.trim().parse().unwrap();
        std::thread::sleep(Duration::from_secs(3));
        let (before, threads_before, clock) = (process_ticks(pid), thread_ticks(pid), Instant::now());
        sleep_or_profile(pid, "cockpit");
        let idle = (process_ticks(pid) - before) / 100.0 / clock.elapsed().as_secs_f64();
        let mut threads: Vec<(String, f64)> = thread_ticks(pid)
            .into_iter()
            .map(|(name, ticks)| {
                let was = threads_before.iter().find(|(n, _)| *n == name).map_or(0.0, |(_, t)| *t);
                (name, ticks - was)
            })
            .filter(|(_, ticks)| *ticks > 0.0)
            .collect();
        threads.sort_by(|a, b| b.1.total_cmp(&a.1));
        eprintln!("cockpit CPU ticks per thread over 10 s: {threads:?}");
        tmux(&["kill-server"]);
        idle
    }

    /// In-process: the time until a new topic's records are copied while 4
    /// lanes run, whether an untouched lane was restarted (its commit counter
    /// would fall back), a live rescale 4 -> 8, and the engine's idle CPU.
    fn engine_in_process(&self) -> (Duration, bool, u64, f64) {
        let cluster = |bootstrap: String| {
            let empty = config::parse("", std::path::Path::new("bench")).unwrap();
            let args = ClusterArgs { cluster: bootstrap, properties_file: None, overrides: Vec::new() };
            config::resolve_cluster(&args, &empty).unwrap()
        };
        let plan = parse_plan(&plan_text().replace("lanes = 4", "lanes = 4\nrefresh_interval = \"1s\""), "p".as_ref())
            .unwrap();
        let handle = EngineHandle::spawn(
            plan,
            cluster(self.source.bootstrap()),
            cluster(self.destination.bootstrap()),
            Duration::from_secs(10),
        );
        handle.start();
        let status = handle.status();
        let wait = |what: &str, done: &dyn Fn(&EngineStatus) -> bool| {
            let deadline = Instant::now() + Duration::from_secs(600);
            loop {
                let snapshot = status.borrow().clone();
                if done(&snapshot) {
                    return snapshot;
                }
                assert!(Instant::now() < deadline, "{what}: {:?}", snapshot.state);
                std::thread::sleep(Duration::from_millis(5));
            }
        };
        let all_copying = |s: &EngineStatus| {
            s.lanes.len() == s.lanes_target
                && s.lanes.iter().all(|l| l.state == kdeck::engine::status::LaneState::Copying)
        };
        wait("lanes copying", &all_copying);
        let late = vec!["late-topic".to_string()];
        self.source.create_topics(&late, PER_TOPIC);
        if matches!(self.destination, Broker::Mock(_)) {
            self.destination.create_topics(&late, PER_TOPIC);
        }
        produce(&self.source.bootstrap(), &late, 10, 0);
        let before: Vec<u64> = status.borrow().lanes.iter().map(|l| l.commits).collect();
        let created = Instant::now();
        let mut restarted = false;
        wait("the new topic copied", &|s: &EngineStatus| {
            s.partitions.iter().filter(|p| p.source.topic == "late-topic").map(|p| p.records_copied).sum::<u64>() == 10
        });
        let pickup = created.elapsed();
        for (lane, commits) in status.borrow().lanes.iter().zip(&before) {
            restarted |= lane.commits < *commits;
        }
        handle.rescale(8);
        let rescaled = wait("the rescale", &|s: &EngineStatus| {
            s.last_rescale.as_ref().is_some_and(|r| r.all_copying_after_ms.is_some())
        });
        let rescale_ms = rescaled.last_rescale.and_then(|r| r.all_copying_after_ms).unwrap_or_default();
        // Idle: caught up, nothing arriving.
        std::thread::sleep(Duration::from_secs(3));
        let cpu_before = process_cpu();
        let clock = Instant::now();
        std::thread::sleep(Duration::from_secs(10));
        let idle = (process_cpu() - cpu_before) / clock.elapsed().as_secs_f64();
        handle.shutdown();
        (pickup, restarted, rescale_ms, idle)
    }
}

fn plan_text() -> String {
    "name = \"estate\"\nsource = \"source\"\ndestination = \"destination\"\n[engine]\nlanes = 4\n".to_string()
}

/// CPU seconds of this process so far (the engine's threads; on the mock, the brokers' too).
/// utime + stime of a process, in clock ticks (100 per second).
fn process_ticks(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split_whitespace().collect();
    fields[11].parse::<f64>().unwrap() + fields[12].parse::<f64>().unwrap()
}

/// 10 s of the idle window; with `KDECK_BENCH_PERF=DIR`, `perf record -g`
/// of the process over it, into DIR/perf-WHAT.data.
fn sleep_or_profile(pid: u32, what: &str) {
    let Some(dir) = std::env::var_os("KDECK_BENCH_PERF") else {
        std::thread::sleep(Duration::from_secs(10));
        return;
    };
    let output = std::path::Path::new(&dir).join(format!("perf-{what}.data"));
    let status = Command::new("perf")
        .args(["record", "-g", "-p", &pid.to_string(), "-o"])
        .arg(&output)
        .args(["--", "sleep", "10"])
        .stdout(Stdio::null())
        .status()
        .expect("perf (Debian's linux-perf)");
    assert!(status.success(), "perf record failed");
}

/// utime + stime per thread name (threads of one name summed), in clock ticks.
fn thread_ticks(pid: u32) -> Vec<(String, f64)> {
    let mut ticks: Vec<(String, f64)> = Vec::new();
    for task in std::fs::read_dir(format!("/proc/{pid}/task")).into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else { continue };
        let (Some(open), Some(close)) = (stat.find('('), stat.rfind(')')) else { continue };
        let name = stat[open + 1..close].to_string();
        let fields: Vec<&str> = stat[close + 2..].split_whitespace().collect();
        let used = fields[11].parse::<f64>().unwrap_or(0.0) + fields[12].parse::<f64>().unwrap_or(0.0);
        match ticks.iter_mut().find(|(n, _)| *n == name) {
            Some((_, total)) => *total += used,
            None => ticks.push((name, used)),
        }
    }
    ticks
}

fn process_cpu() -> f64 {
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut usage) };
    let time = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The destination's high watermarks summed (markers included: a progress sign, not a count).
fn destination_total(bootstrap: &str, topics: &[String]) -> i64 {
    let consumer: BaseConsumer = ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap();
    let mut list = rdkafka::TopicPartitionList::new();
    for topic in topics {
        for p in 0..PER_TOPIC {
            list.add_partition_offset(topic, p, rdkafka::Offset::End).unwrap();
        }
    }
    let Ok(answer) = consumer.offsets_for_times(list, Duration::from_secs(10)) else { return 0 };
    answer
        .elements()
        .iter()
        .map(|e| match e.offset() {
            rdkafka::Offset::Offset(o) => o,
            _ => 0,
        })
        .sum()
}

fn field<'a>(line: &'a str, name: &str) -> &'a str {
    line.split_whitespace().find_map(|f| f.strip_prefix(name)).unwrap_or("?")
}

fn main() {
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let mut sizes: Vec<i32> =
        std::env::args().skip(1).filter(|a| !a.starts_with("--")).filter_map(|a| a.parse().ok()).collect();
    if sizes.is_empty() {
        sizes = if benchmarking { vec![40, 1_000, 3_000] } else { vec![8] };
    }
    // KDECK_BENCH_RECORDS=N seeds N records in every estate: the same records
    // per partition at two estate sizes separates per-partition from per-record cost.
    let records_override: Option<u64> = std::env::var("KDECK_BENCH_RECORDS").ok().and_then(|n| n.parse().ok());
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let brokers = if use_noida() { "two noida-db processes" } else { "two in-process mock clusters" };
    println!("brokers: {brokers}; exactly-once, 4 lanes; load before: {}", load.trim());
    println!();
    println!("| partitions (records) | start_s | copy rate | CPU µs/record | peak RSS | restart start_s | new topic copied after | other lanes restarted | rescale 4→8 | verify | verify peak RSS | idle CPU (engine, in-process) |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    for partitions in sizes {
        // The mock keeps at most 100k records per partition: stay well under it.
        let records = match partitions {
            _ if records_override.is_some() => records_override.unwrap_or_default(),
            p if p <= 8 => 4_000,
            p if p <= 40 => 200_000,
            p if p <= 1_000 => 300_000,
            _ => 600_000,
        };
        let estate = Estate::seeded(partitions, records);
        if std::env::var("KDECK_BENCH_ONLY").is_ok_and(|o| o == "verify") {
            let copy = estate.replicate_to_catch_up();
            let line = copy.stdout.lines().find(|l| l.starts_with("caught-up")).unwrap_or_default().to_string();
            let verify = estate.verify();
            println!(
                "| {partitions} ({records}) | {} | {} | verify {:.1} s, peak RSS {:.0} MB: {} |",
                field(&line, "start_s="),
                field(&line, "copy_rate="),
                verify.wall.as_secs_f64(),
                verify.peak_mb,
                verify.stdout.lines().last().unwrap_or("")
            );
            continue;
        }
        if std::env::var("KDECK_BENCH_ONLY").is_ok_and(|o| o == "idle") {
            let idle = estate.idle_cpu_of_replicate();
            let cockpit = estate.idle_cpu_of_cockpit();
            println!(
                "| {partitions} ({records}) | idle CPU after catch-up: kdeck replicate {:.1}%, the cockpit {:.1}% of a core |",
                idle * 100.0,
                cockpit * 100.0
            );
            continue;
        }
        if std::env::var("KDECK_BENCH_ONLY").is_ok_and(|o| o == "restart") {
            let copy = estate.replicate_to_catch_up();
            let line = copy.stdout.lines().find(|l| l.starts_with("caught-up")).unwrap_or_default().to_string();
            let restart = estate.restart_after_kill();
            let restart_line =
                restart.stdout.lines().find(|l| l.starts_with("caught-up")).unwrap_or_default().to_string();
            println!(
                "| {partitions} ({records}) | start_s {} | restart after kill -9: start_s {} (wall {:.2} s) |",
                field(&line, "start_s="),
                field(&restart_line, "start_s="),
                restart.wall.as_secs_f64()
            );
            if let Some(copy_to) = std::env::var_os("KDECK_BENCH_LOG_COPY") {
                let _ = std::fs::copy(estate.dir.path().join("kdeck.log"), copy_to);
            }
            continue;
        }
        let brokers_cpu = || (estate.source.cpu_seconds(), estate.destination.cpu_seconds());
        let brokers_before = brokers_cpu();
        let copy = estate.first_copy();
        let brokers_after = brokers_cpu();
        let line = copy.stdout.lines().find(|l| l.starts_with("caught-up")).unwrap_or_default().to_string();
        if std::env::var("KDECK_BENCH_ONLY").is_ok_and(|o| o == "copy") {
            let per_record = |seconds: f64| seconds * 1e6 / records as f64;
            println!(
                "| {partitions} ({records}) | {} | {} | {:.1} | {:.0} MB | copy only; broker µs/record: source {:.1}, destination {:.1} |",
                field(&line, "start_s="),
                field(&line, "copy_rate="),
                per_record(copy.cpu),
                copy.peak_mb,
                per_record(brokers_after.0 - brokers_before.0),
                per_record(brokers_after.1 - brokers_before.1),
            );
            eprintln!("{partitions}: {line}");
            continue;
        }
        let restart = estate.restart_after_kill();
        let restart_line = restart.stdout.lines().find(|l| l.starts_with("caught-up")).unwrap_or_default().to_string();
        let verify = estate.verify();
        let (pickup, restarted, rescale_ms, idle) = estate.engine_in_process();
        println!(
            "| {} ({}) | {} | {} | {:.1} | {:.0} MB | {} | {:.2} s | {} | {} ms | {:.1} s | {:.0} MB | {:.1}% of a core |",
            estate.partitions,
            estate.records,
            field(&line, "start_s="),
            field(&line, "copy_rate="),
            copy.cpu * 1e6 / estate.records as f64,
            copy.peak_mb,
            field(&restart_line, "start_s="),
            pickup.as_secs_f64(),
            if restarted { "yes" } else { "no" },
            rescale_ms,
            verify.wall.as_secs_f64(),
            verify.peak_mb,
            idle * 100.0,
        );
        eprintln!(
            "{partitions}: {line} | restart: {restart_line} | verify: {}",
            verify.stdout.lines().last().unwrap_or("")
        );
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    println!();
    println!("load after: {}", load.trim());
}
