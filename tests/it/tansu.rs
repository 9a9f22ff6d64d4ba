//! The inspectors against tansu, a separate broker process: metadata, a
//! produce/consume round trip, and offsets. Counts come from consuming, never
//! from tansu's high watermark (wrong under batching).

use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::ClientConfig;

use crate::support::{Kdeck, Tansu};

pub fn create_topic(bootstrap: &str, name: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> =
        ClientConfig::new().set("bootstrap.servers", bootstrap).create().expect("admin client");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let results = runtime
        .block_on(admin.create_topics(
            &[NewTopic::new(name, partitions, TopicReplication::Fixed(1))],
            &AdminOptions::new().operation_timeout(Some(Duration::from_secs(10))),
        ))
        .expect("create topic on tansu");
    for result in results {
        result.expect("topic created");
    }
}

#[test]
fn inspectors_work_against_a_tansu_broker() {
    let tansu = Tansu::start();
    let bootstrap = tansu.bootstrap();
    create_topic(&bootstrap, "ledger", 2);
    let kdeck = Kdeck::new();

    let meta = kdeck.run(&["meta", "-b", &bootstrap, "-t", "ledger"], None);
    assert_eq!(meta.code, Some(0), "{}", meta.stderr);
    assert!(meta.stdout_text().contains("topic \"ledger\" with 2 partitions:"), "{}", meta.stdout_text());

    let input = b"k1:v1\nk2:v2\nk3:v3\n";
    let produced = kdeck
        .run(&["produce", "-b", &bootstrap, "-t", "ledger", "-p", "1", "-K", ":", "-H", "origin=test"], Some(input));
    assert_eq!(produced.code, Some(0), "{}", produced.stderr);

    let consumed = kdeck.run(
        &[
            "consume",
            "-b",
            &bootstrap,
            "-t",
            "ledger",
            "-p",
            "1",
            "-o",
            "beginning",
            "-c",
            "3",
            "-f",
            "%p %o %k=%s %h\\n",
        ],
        None,
    );
    assert_eq!(consumed.code, Some(0), "{}", consumed.stderr);
    assert_eq!(consumed.stdout_text(), "1 0 k1=v1 origin=test\n1 1 k2=v2 origin=test\n1 2 k3=v3 origin=test\n");

    let offsets = kdeck.run(&["offsets", "-b", &bootstrap, "-t", "ledger:0"], None);
    assert_eq!(offsets.code, Some(0), "{}", offsets.stderr);
    assert_eq!(offsets.stdout_text(), "ledger [0] low 0 high 0\n");
}
