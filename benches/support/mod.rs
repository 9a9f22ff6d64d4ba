//! What several benches share: a noida-db broker process, topic creation, and
//! a send that waits out a full producer queue. Each bench is its own crate and
//! uses only part of it.
#![allow(dead_code)]

use std::process::{Command, Stdio};
use std::time::Duration;

use rdkafka::message::ToBytes;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, ThreadedProducer};
use rdkafka::ClientConfig;

/// Sends `record`, waiting while the producer's queue is full.
pub fn send<K: ToBytes + ?Sized, P: ToBytes + ?Sized>(
    producer: &ThreadedProducer<DefaultProducerContext>,
    mut record: BaseRecord<'_, K, P>,
) {
    loop {
        match producer.send(record) {
            Ok(()) => return,
            Err((_, back)) => {
                record = back;
                std::thread::sleep(Duration::from_millis(1));
            }
        }
    }
}

pub struct NoidaProcess {
    child: std::process::Child,
    port: u16,
    _data: tempfile::TempDir,
}

impl NoidaProcess {
    pub fn start() -> Self {
        let binary = std::env::var_os("KDECK_NOIDA_DB").map(std::path::PathBuf::from).unwrap_or_else(|| {
            std::path::Path::new(&std::env::var_os("HOME").unwrap())
                .join(".cache/kdeck-test-tools/noida-db-0.2.3/noida_db/noida-db")
        });
        let data = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new(&binary)
            .arg("start")
            .arg("--data-dir")
            .arg(data.path())
            .args(["--only", "kafka", "--kafka-port", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|err| panic!("{}: {err} (tests/run.sh installs noida-db)", binary.display()));
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            std::thread::sleep(Duration::from_millis(10));
        }
        NoidaProcess { child, port, _data: data }
    }

    pub fn bootstrap(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub fn cpu_seconds(&self) -> f64 {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id())).unwrap_or_default();
        // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
        let fields: Vec<&str> = stat.rsplit(')').next().unwrap_or_default().split_whitespace().collect();
        let ticks: f64 = fields.get(11..13).map_or(0.0, |f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum());
        ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64
    }
}

impl Drop for NoidaProcess {
    fn drop(&mut self) {
        // noida ignores SIGTERM.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn create_topic(bootstrap: &str, topic: &str, partitions: i32) {
    use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
    let admin: AdminClient<rdkafka::client::DefaultClientContext> =
        ClientConfig::new().set("bootstrap.servers", bootstrap).create().unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let new_topic = NewTopic::new(topic, partitions, TopicReplication::Fixed(1));
    for result in runtime.block_on(admin.create_topics([&new_topic], &AdminOptions::new())).unwrap() {
        result.unwrap();
    }
}
