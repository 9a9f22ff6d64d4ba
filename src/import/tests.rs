use std::path::Path;

use super::*;

const REFERENCE_DAY: &str = include_str!("../../tests/fixtures/import/reference-day-replicator.json");

fn imported(inputs: &[(&str, &str)]) -> Imported {
    let inputs: Vec<(String, String)> =
        inputs.iter().map(|(name, text)| (name.to_string(), text.to_string())).collect();
    import(&inputs).unwrap_or_else(|err| panic!("{err}"))
}

fn profile<'a>(imported: &'a Imported, name: &str) -> &'a ImportedProfile {
    imported.profiles.iter().find(|profile| profile.name == name).unwrap_or_else(|| panic!("no profile {name}"))
}

fn props(profile: &ImportedProfile) -> Vec<(&str, &str)> {
    profile.properties.iter().map(|(key, value)| (key.as_str(), value.as_str())).collect()
}

#[test]
fn reference_day_replicator_becomes_two_profiles_and_a_plan() {
    let imported = imported(&[("replicator.json", REFERENCE_DAY)]);
    let msk = profile(&imported, "msk");
    assert!(msk.bootstrap.starts_with("b-1.prod-msk.abc123.c2.kafka.eu-west-1.amazonaws.com:9094,b-2"));
    assert_eq!(
        props(msk),
        [
            ("client.id", "replicator-msk"),
            ("security.protocol", "SSL"),
            ("ssl.key.password", "${file:/etc/kafka-connect/secrets/msk.properties:key_password}"),
            ("ssl.keystore.location", "/etc/kafka-connect/cert/keystore.jks"),
            ("ssl.keystore.password", "${file:/etc/kafka-connect/secrets/msk.properties:keystore_password}"),
            ("ssl.keystore.type", "JKS"),
            ("ssl.truststore.location", "/etc/kafka-connect/cert/truststore.jks"),
            ("ssl.truststore.password", "${env:KDECK_MSK_SSL_TRUSTSTORE_PASSWORD}"),
            ("ssl.truststore.type", "JKS"),
        ]
    );
    let ccloud = profile(&imported, "ccloud");
    assert_eq!(ccloud.bootstrap, "pkc-4r297.europe-west1.gcp.confluent.cloud:9092");
    assert_eq!(
        props(ccloud),
        [
            ("request.timeout.ms", "20000"),
            ("sasl.mechanisms", "PLAIN"),
            ("sasl.password", "${file:/etc/kafka-connect/secrets/ccloud.properties:api_secret}"),
            ("sasl.username", "ABCDEFGHIJKLMNOP"),
            ("security.protocol", "SASL_SSL"),
            ("ssl.endpoint.identification.algorithm", "https"),
        ]
    );
    assert_eq!(imported.variables, ["KDECK_MSK_SSL_TRUSTSTORE_PASSWORD (ssl.truststore.password of profile msk)"]);
    let mut untranslated: Vec<&str> =
        imported.untranslated.iter().map(|note| note.split_once(':').map_or(note.as_str(), |(key, _)| key)).collect();
    untranslated.sort();
    assert_eq!(
        untranslated,
        [
            "producer.override.compression.type",
            "producer.override.linger.ms",
            "src.consumer.max.poll.records",
            "src.kafka.ssl.enabled.protocols"
        ]
    );
    let not_needed: Vec<&str> = imported.not_needed.iter().map(|note| note.split(':').next().unwrap()).collect();
    assert_eq!(
        not_needed,
        [
            "confluent.license",
            "confluent.topic.bootstrap.servers",
            "confluent.topic.replication.factor",
            "offset.translator.tasks.max"
        ]
    );
    let plan = imported.plan.as_ref().unwrap();
    assert_eq!(
        plan,
        &ImportedPlan {
            name: "msk-to-ccloud-replicator".into(),
            source: "msk".into(),
            destination: "ccloud".into(),
            include: vec!["orders".into(), "payments".into(), r"customers\.v2".into()],
            rename: Some("{topic}".into()),
            lanes: Some(4),
            start: Some("earliest"),
            provenance: Some(true),
            sync_configs: Some(true),
            replication_factor: Some(3),
            ..ImportedPlan::default()
        }
    );
    // What is written parses as kdeck's own files, with no secret inline.
    let profiles_text = render_profiles(&imported.profiles);
    let config = crate::config::parse(&profiles_text, Path::new("profiles.toml")).unwrap();
    assert_eq!(config.profile_names().collect::<Vec<_>>(), ["ccloud", "msk"]);
    let plan_text = render_plan(plan);
    let parsed = crate::engine::plan::parse_plan(&plan_text, Path::new("plan.toml")).unwrap();
    assert!(parsed.topics.selects("customers.v2") && !parsed.topics.selects("customersXv2"));
    let everything = [profiles_text, plan_text, imported.untranslated.join("\n"), imported.not_needed.join("\n")];
    for text in everything {
        assert!(!text.contains("Tru5tstore-literal-RefDay"), "{text}");
    }
}

#[test]
fn mirror_maker_connector_json() {
    let json = r#"{"name": "mm2", "config": {
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "source.cluster.alias": "onprem", "target.cluster.alias": "cloud",
        "source.cluster.bootstrap.servers": "kafka-1.corp:9092",
        "target.cluster.bootstrap.servers": "pkc.confluent.cloud:9092",
        "target.cluster.security.protocol": "SASL_SSL",
        "target.cluster.sasl.mechanism": "SCRAM-SHA-512",
        "target.cluster.sasl.jaas.config": "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"mm2\" password=\"Mm2-inline-Secret\";",
        "topics": "orders.*, payments", "topics.exclude": "orders\\.tmp",
        "replication.policy.class": "org.apache.kafka.connect.mirror.DefaultReplicationPolicy",
        "replication.policy.separator": "_",
        "sync.topic.configs.enabled": "false", "tasks.max": 2, "exactly.once.support": "required",
        "emit.checkpoints.enabled": "true", "fancy.setting": "x"}}"#;
    let imported = imported(&[("mm2.json", json)]);
    let cloud = profile(&imported, "cloud");
    assert_eq!(cloud.properties["sasl.password"], "${env:KDECK_CLOUD_SASL_PASSWORD}");
    assert_eq!(cloud.properties["sasl.mechanisms"], "SCRAM-SHA-512");
    assert_eq!(profile(&imported, "onprem").bootstrap, "kafka-1.corp:9092");
    let plan = imported.plan.unwrap();
    assert_eq!((plan.source.as_str(), plan.destination.as_str()), ("onprem", "cloud"));
    assert_eq!(plan.include, ["orders.*", "payments"]);
    assert_eq!(plan.exclude, [r"orders\.tmp"]);
    assert_eq!(plan.rename.as_deref(), Some("{source}_{topic}"));
    assert_eq!((plan.lanes, plan.mode, plan.sync_configs), (Some(2), Some("exactly-once"), Some(false)));
    assert_eq!(imported.untranslated, ["fancy.setting: no kdeck equivalent"]);
    assert!(imported.not_needed[0].starts_with("emit.checkpoints.enabled"));
}

#[test]
fn mirror_maker_properties_file() {
    let text = "clusters = A, B\nA.bootstrap.servers = a:9092\nB.bootstrap.servers = b:9092\n\
        B.security.protocol = SSL\nB.ssl.truststore.location = /ca.pem\nB.ssl.truststore.type = PEM\n\
        A->B.enabled = true\nA->B.topics = .*\nB->A.enabled = true\n\
        replication.policy.class = org.apache.kafka.connect.mirror.IdentityReplicationPolicy\n";
    let imported = imported(&[("connect-mirror-maker.properties", text)]);
    assert_eq!(profile(&imported, "B").properties["ssl.ca.location"], "/ca.pem");
    let plan = imported.plan.unwrap();
    assert_eq!(
        (plan.source.as_str(), plan.destination.as_str(), plan.name.as_str()),
        ("A", "B", "connect-mirror-maker")
    );
    assert_eq!(plan.rename.as_deref(), Some("{topic}"));
    assert_eq!(plan.include, [".*"]);
    assert_eq!(imported.untranslated.len(), 1, "{:?}", imported.untranslated);
    assert!(imported.untranslated[0].starts_with("B->A.enabled"));
}

#[test]
fn worker_and_client_files_become_profiles() {
    let worker = "bootstrap.servers=pkc.confluent.cloud:9092\nsecurity.protocol=SASL_SSL\nsasl.mechanism=PLAIN\n\
        sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"K\" password=\"${file:/s:secret}\";\n\
        group.id=connect\nconfig.storage.topic=_configs\noffset.storage.topic=_offsets\nkey.converter=x\nproducer.linger.ms=5\n";
    let client = "bootstrap.servers=b-1.msk.eu-west-1.amazonaws.com:9098\nsecurity.protocol=SASL_SSL\nsasl.mechanism=AWS_MSK_IAM\n\
        sasl.jaas.config=software.amazon.msk.auth.iam.IAMLoginModule required awsProfileName=\"migration\";\n\
        sasl.client.callback.handler.class=software.amazon.msk.auth.iam.IAMClientCallbackHandler\n";
    let imported = imported(&[
        ("/etc/kafka/worker.properties", worker),
        ("client.properties", client),
        ("client.properties", client),
    ]);
    let names: Vec<&str> = imported.profiles.iter().map(|profile| profile.name.as_str()).collect();
    assert_eq!(names, ["worker", "client", "client-2"]);
    assert_eq!(profile(&imported, "worker").properties["sasl.password"], "${file:/s:secret}");
    assert!(imported.plan.is_none());
    assert_eq!(imported.untranslated.len(), 1);
    assert!(imported.untranslated[0].starts_with("producer.linger.ms"));
    assert_eq!(
        props(profile(&imported, "client")),
        [("aws.profile", "migration"), ("sasl.mechanisms", "AWS_MSK_IAM"), ("security.protocol", "SASL_SSL")]
    );
}

#[test]
fn unknown_inputs_are_one_line_errors_naming_the_file() {
    let inputs = [
        ("a.json", "{not json", "a.json: not valid JSON"),
        (
            "b.json",
            r#"{"connector.class": "io.debezium.Postgres"}"#,
            "b.json: connector.class \"io.debezium.Postgres\" is neither",
        ),
        ("c.properties", "just some words\n", "c.properties:1: expected key=value"),
        ("d.properties", "linger.ms=5\n", "d.properties: expected a Replicator or MirrorMaker 2 connector"),
        ("e.properties", "clusters=A,B\nA->B.enabled=false\n", "e.properties: no enabled flow"),
        ("f.json", r#"{"config": {"x": [1]}}"#, "f.json: setting \"x\" is not a string"),
    ];
    for (name, text, expected) in inputs {
        let error = import(&[(name.to_string(), text.to_string())]).err().unwrap();
        assert!(error.starts_with(expected), "{error} vs {expected}");
        assert!(!error.contains('\n'), "{error:?}");
    }
}
