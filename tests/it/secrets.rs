//! A profile's password never reaches stdout, stderr, the log or --verbose,
//! whatever the subcommand and whether it succeeds or fails.

use crate::support::{Kdeck, MockKafka, Run};

const PASSWORD: &str = "hunter2-Sup3rSecret-pw";
const FILE_SECRET: &str = "key-pass-From-File-77";
const LITERAL_SECRET: &str = "literal-X-Secret-99";

fn assert_clean(kdeck: &Kdeck, what: &str, run: &Run) {
    let log = std::fs::read_to_string(kdeck.log_path()).unwrap_or_default();
    for secret in [PASSWORD, FILE_SECRET, LITERAL_SECRET] {
        assert!(!run.stdout_text().contains(secret), "{what}: stdout shows a secret:\n{}", run.stdout_text());
        assert!(!run.stderr.contains(secret), "{what}: stderr shows a secret:\n{}", run.stderr);
        assert!(!log.contains(secret), "{what}: the log shows a secret");
    }
}

#[test]
fn secrets_never_reach_any_output() {
    let kafka = MockKafka::new(1);
    kafka.create_topic("orders", 2);
    let kdeck = Kdeck::new();
    let dir = kdeck.home.path();
    let secrets = dir.join("secrets.properties");
    std::fs::write(&secrets, format!("# test secrets\nssl_key_password = {FILE_SECRET}\n")).unwrap();
    let props = dir.join("client.properties");
    std::fs::write(&props, format!("sasl.password={LITERAL_SECRET}\n")).unwrap();
    let config = dir.join("config.toml");
    // "ok" connects (the secrets are valid properties PLAINTEXT ignores);
    // "sasl" cannot authenticate against the mock, so every command fails.
    std::fs::write(
        &config,
        format!(
            "[clusters.ok]\nbootstrap = \"{b}\"\n\"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"${{env:KDECK_TEST_PASSWORD}}\"\n\"ssl.key.password\" = \"${{file:{s}:ssl_key_password}}\"\n\n\
             [clusters.sasl]\nbootstrap = \"{b}\"\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"PLAIN\"\n\"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"${{env:KDECK_TEST_PASSWORD}}\"\n",
            b = kafka.bootstrap(),
            s = secrets.display()
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap();
    let props = props.to_str().unwrap();
    let literal = format!("sasl.password={LITERAL_SECRET}");
    let invalid = format!("sasl.mechanisms={PASSWORD}");
    let commands: Vec<Vec<&str>> = vec![
        vec!["-v", "meta", "-b", "ok"],
        vec!["-v", "meta", "-b", "ok", "-J"],
        vec!["-v", "meta", "-b", "ok", "-F", props],
        vec!["-v", "meta", "-b", "ok", "-X", &literal],
        vec!["-v", "consume", "-b", "ok", "-t", "orders", "-o", "beginning", "-e", "-J"],
        vec!["-v", "offsets", "-b", "ok", "-t", "orders"],
        vec!["-v", "meta", "-b", "sasl", "-m", "2"],
        vec!["-v", "consume", "-b", "sasl", "-m", "2", "-t", "orders", "-e"],
        vec!["-v", "offsets", "-b", "sasl", "-m", "2", "-t", "orders"],
        vec!["-v", "meta", "-b", "ok", "-X", &invalid],
        vec!["-v", "meta", "-b", "ok", "-X", "sasl.mechanisms=${env:KDECK_TEST_PASSWORD}"],
    ];
    for args in commands {
        let mut cmd = kdeck.command();
        cmd.env("KDECK_TEST_PASSWORD", PASSWORD).args(["--config", config]).args(&args);
        let run = crate::support::run(cmd, None);
        assert_clean(&kdeck, &args.join(" "), &run);
    }
    let mut cmd = kdeck.command();
    cmd.env("KDECK_TEST_PASSWORD", PASSWORD)
        .args(["--config", config, "-v", "produce", "-b", "sasl", "-m", "2", "-t", "orders"]);
    let run = crate::support::run(cmd, Some(b"a\nb\n"));
    assert_ne!(run.code, Some(0), "producing without authentication should fail");
    assert_clean(&kdeck, "produce to sasl", &run);

    // The verbose listing does show that a password is configured, and where it comes from.
    let mut cmd = kdeck.command();
    cmd.env("KDECK_TEST_PASSWORD", PASSWORD).args(["--config", config, "-v", "meta", "-b", "ok"]);
    let run = crate::support::run(cmd, None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stderr.contains("sasl.password"), "{}", run.stderr);
}

/// Every secret the sweep plants, each distinctive enough that any hit is a leak.
struct Planted {
    /// (where it is planted, the secret)
    secrets: Vec<(&'static str, String)>,
}

impl Planted {
    fn new() -> Self {
        let names = [
            "sasl.password",
            "ssl.key.password",
            "ssl.keystore.password",
            "sasl.oauthbearer.client.secret",
            "sasl.oauthbearer.client.credentials.client.secret",
            "sasl.oauthbearer.config",
            "sasl.oauthbearer.assertion.private.key.pem",
            "sasl.oauthbearer.assertion.private.key.passphrase",
            "sasl.oauthbearer.extensions",
            "sasl.kerberos.kinit.cmd",
            "token endpoint URL",
            "unknown property sasl.pass",
            "unknown property apikey",
            "-X sasl.password",
            "-X unknown",
            "-X private key",
            "-F sasl.password",
            "-F unknown",
            "environment variable",
            "Connect password",
            "Connect URL",
            "--url",
            "REST password",
            // issue 17: keystores, MSK IAM, and kdeck import
            "ssl.truststore.password",
            "JKS keystore password",
            "AWS secret access key",
            "import JAAS password",
            "import truststore password",
            "import keystore password",
        ];
        let secrets =
            names.iter().enumerate().map(|(i, name)| (*name, format!("Sw33p{i}-qZx{}-Lk", i * 7 + 3))).collect();
        Planted { secrets }
    }

    fn get(&self, name: &str) -> &str {
        &self.secrets.iter().find(|(n, _)| *n == name).unwrap_or_else(|| panic!("no secret for {name}")).1
    }

    /// Every hit of a planted secret in `text`, named by where it was planted.
    fn hits(&self, text: &str) -> Vec<&'static str> {
        self.secrets.iter().filter(|(_, secret)| text.contains(secret.as_str())).map(|(name, _)| *name).collect()
    }
}

/// Profile lines for the secret-bearing librdkafka properties this build accepts.
fn secret_properties(planted: &Planted) -> String {
    let mut text = String::new();
    for key in ["sasl.password", "ssl.key.password", "ssl.keystore.password", "sasl.kerberos.kinit.cmd"] {
        text.push_str(&format!("\"{key}\" = \"{}\"\n", planted.get(key)));
    }
    text.push_str(&format!("\"sasl.oauthbearer.config\" = \"principal={}\"\n", planted.get("sasl.oauthbearer.config")));
    text.push_str("\"sasl.username\" = \"migrator\"\n");
    text
}

/// Profile lines for the OAuth/OIDC properties, which this librdkafka build (without
/// libcurl) refuses: commands on such a profile fail, and must fail without a leak.
fn oidc_properties(planted: &Planted) -> String {
    let mut text = String::new();
    for key in [
        "sasl.oauthbearer.client.secret",
        "sasl.oauthbearer.client.credentials.client.secret",
        "sasl.oauthbearer.assertion.private.key.pem",
        "sasl.oauthbearer.assertion.private.key.passphrase",
    ] {
        text.push_str(&format!("\"{key}\" = \"{}\"\n", planted.get(key)));
    }
    text.push_str(&format!(
        "\"sasl.oauthbearer.extensions\" = \"ext={}\"\n",
        planted.get("sasl.oauthbearer.extensions")
    ));
    text.push_str(&format!(
        "\"sasl.oauthbearer.token.endpoint.url\" = \"https://client:{}@idp.invalid/token\"\n",
        planted.get("token endpoint URL")
    ));
    text
}

/// The Done-when sweep of issue 14: a distinctive secret in every secret-bearing
/// property (librdkafka's, Connect's, kdeck's own), in unknown properties, -X, -F,
/// URLs and an environment variable; every command with -v, against brokers that
/// work and brokers that fail; then stdout, stderr, the log and every file kdeck
/// wrote (journal, report, exports, cheatsheets) are searched: no hit.
#[test]
fn secret_sweep_finds_no_planted_secret_anywhere() {
    let planted = Planted::new();
    let source = MockKafka::new(1);
    let destination = MockKafka::new(1);
    for kafka in [&source, &destination] {
        kafka.create_topic("orders", 2);
    }
    source.produce("orders", &[crate::support::TestRecord::new(0, Some(b"k"), Some(b"v"))]);
    let kdeck = Kdeck::new();
    let dir = kdeck.home.path().to_path_buf();
    let inputs = dir.join("inputs");
    std::fs::create_dir_all(&inputs).unwrap();
    let closed = format!("127.0.0.1:{}", crate::support::free_port());
    let props = secret_properties(&planted);
    let env_line = "\"ssl.key.pem\" = \"${env:SWEEP_ENV_SECRET}\"\n";
    let config = inputs.join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[clusters.ok]\nbootstrap = \"{s}\"\n{props}\n\
             [clusters.dest]\nbootstrap = \"{d}\"\n{props}{env_line}\n\
             [clusters.down]\nbootstrap = \"{closed}\"\n{props}\n\
             [clusters.sasl]\nbootstrap = \"{s}\"\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"PLAIN\"\n{props}\n\
             [clusters.typo]\nbootstrap = \"{s}\"\n\"sasl.pass\" = \"{typo}\"\n\"apikey\" = \"{apikey}\"\n\n\
             [clusters.oidc]\nbootstrap = \"{s}\"\n\"security.protocol\" = \"SASL_PLAINTEXT\"\n\"sasl.mechanisms\" = \"OAUTHBEARER\"\n{oidc}\n\
             [clusters.jks]\nbootstrap = \"{s}\"\n\"security.protocol\" = \"SSL\"\n\"ssl.keystore.location\" = \"{jks}\"\n\"ssl.keystore.password\" = \"{jks_pw}\"\n\"ssl.truststore.location\" = \"{trust}\"\n\"ssl.truststore.password\" = \"{trust_pw}\"\n\n\
             [clusters.iam]\nbootstrap = \"b-1.x.kafka.eu-west-1.amazonaws.com:9098\"\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanisms\" = \"AWS_MSK_IAM\"\n\n\
             [connect.c]\nurl = \"http://ops:{curl}@{closed}\"\nusername = \"ops\"\npassword = \"${{env:SWEEP_CONNECT_PW}}\"\n",
            s = source.bootstrap(),
            d = destination.bootstrap(),
            typo = planted.get("unknown property sasl.pass"),
            apikey = planted.get("unknown property apikey"),
            curl = planted.get("Connect URL"),
            oidc = oidc_properties(&planted),
            jks = crate::support::tls::fixture("client.jks"),
            jks_pw = planted.get("JKS keystore password"),
            trust = crate::support::tls::fixture("truststore.jks"),
            trust_pw = planted.get("ssl.truststore.password"),
        ),
    )
    .unwrap();
    let properties_file = inputs.join("client.properties");
    std::fs::write(
        &properties_file,
        format!("sasl.password={}\nno.such.key={}\n", planted.get("-F sasl.password"), planted.get("-F unknown")),
    )
    .unwrap();
    let plan_body = "[topics]\ninclude = [\"orders\"]\n";
    let plan = inputs.join("plan.toml");
    std::fs::write(&plan, format!("name = \"sweep\"\nsource = \"ok\"\ndestination = \"dest\"\n{plan_body}")).unwrap();
    let oidc_plan = inputs.join("oidc-plan.toml");
    std::fs::write(&oidc_plan, format!("name = \"sweepoidc\"\nsource = \"oidc\"\ndestination = \"dest\"\n{plan_body}"))
        .unwrap();
    let oidc_plan = oidc_plan.to_str().unwrap().to_string();
    let down_plan = inputs.join("down-plan.toml");
    std::fs::write(&down_plan, format!("name = \"sweepdown\"\nsource = \"sasl\"\ndestination = \"down\"\n{plan_body}"))
        .unwrap();
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let acls = inputs.join("acls.txt");
    std::fs::write(&acls, "").unwrap();

    let (config, plan, down_plan, acls) =
        (config.to_str().unwrap(), plan.to_str().unwrap(), down_plan.to_str().unwrap(), acls.to_str().unwrap());
    let f_file = properties_file.to_str().unwrap();
    let out_file = |name: &str| out.join(name).to_str().unwrap().to_string();
    let (cheats, cheats_md, report, down_report) =
        (out_file("cheats.txt"), out_file("cheats.md"), out_file("report.md"), out_file("down-report.md"));
    let x_password = format!("sasl.password={}", planted.get("-X sasl.password"));
    let x_unknown = format!("apikey={}", planted.get("-X unknown"));
    let x_key = format!("sasl.oauthbearer.assertion.private.key.pem={}", planted.get("-X private key"));
    let url = format!("http://u:{}@{closed}", planted.get("--url"));

    let mut commands: Vec<Vec<&str>> = Vec::new();
    // A client's Replicator config with every secret inline, for kdeck import.
    let connector = inputs.join("replicator.json");
    let jaas = format!(
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\\"K\\\" password=\\\"{}\\\";",
        planted.get("import JAAS password")
    );
    std::fs::write(
        &connector,
        format!(
            r#"{{"name": "r", "config": {{"connector.class": "io.confluent.connect.replicator.ReplicatorSourceConnector",
            "src.kafka.bootstrap.servers": "b-1.x.kafka.eu-west-1.amazonaws.com:9094", "src.kafka.security.protocol": "SSL",
            "src.kafka.ssl.keystore.location": "/k.jks", "src.kafka.ssl.keystore.password": "{}",
            "src.kafka.ssl.truststore.location": "/t.jks", "src.kafka.ssl.truststore.password": "{}",
            "dest.kafka.bootstrap.servers": "pkc.confluent.cloud:9092", "dest.kafka.security.protocol": "SASL_SSL",
            "dest.kafka.sasl.mechanism": "PLAIN", "dest.kafka.sasl.jaas.config": "{jaas}", "topic.whitelist": "orders"}}}}"#,
            planted.get("import keystore password"),
            planted.get("import truststore password"),
        ),
    )
    .unwrap();
    let connector = connector.to_str().unwrap().to_string();
    let (imported_profiles, imported_plan) = (out_file("imported.toml"), out_file("imported-plan.toml"));

    for cluster in ["ok", "down", "sasl", "typo", "oidc", "jks", "iam"] {
        commands.extend([
            vec!["meta", "-b", cluster, "-m", "1"],
            vec!["meta", "-b", cluster, "-m", "1", "-J", "-X", &x_password, "-X", &x_key],
            vec!["meta", "-b", cluster, "-m", "1", "-X", &x_unknown],
            vec!["meta", "-b", cluster, "-m", "1", "-F", f_file],
            vec!["consume", "-b", cluster, "-m", "1", "-t", "orders", "-e", "-J"],
            vec!["offsets", "-b", cluster, "-m", "1", "-t", "orders"],
            vec!["offsets", "-b", cluster, "-m", "1", "-t", "orders:0:-1"],
            vec!["acl", "probe", "-b", cluster, "-m", "1", "--as", "consumer", "-t", "orders", "-g", "g"],
            vec![
                "acl",
                "check",
                "-b",
                cluster,
                "-m",
                "1",
                "--principal",
                "User:app",
                "--as",
                "consumer",
                "-t",
                "orders",
                "--fix",
                "kafka-acls",
            ],
            vec!["cheatsheet", "-b", cluster],
        ]);
    }
    commands.extend([
        vec!["cheatsheet", "-b", "sasl", "-t", "orders", "-g", "g", "-o", &cheats],
        vec!["cheatsheet", "-b", "ok", "--markdown", "-o", &cheats_md],
        vec![
            "acl",
            "eval",
            "--acls",
            acls,
            "--principal",
            "User:a",
            "--host",
            "*",
            "--operation",
            "READ",
            "--resource-type",
            "TOPIC",
            "--resource-name",
            "orders",
        ],
        vec!["plan", "export", "--plan", plan, "--to", "mm2"],
        vec!["plan", "export", "--plan", plan, "--to", "replicator"],
        vec!["plan", "export", "--plan", down_plan, "--to", "mm2"],
        vec!["plan", "export", "--plan", &oidc_plan, "--to", "mm2"],
        vec!["verify", "--plan", &oidc_plan],
        vec!["plan", "export", "--plan", plan, "--to", "mm2", "--apply", "c"],
        vec!["connect", "-c", "c", "-m", "1", "get"],
        vec!["connect", "--url", &url, "-m", "1", "get"],
        vec!["connect", "--url", &url[7..], "get"],
        vec!["verify", "--plan", plan],
        vec!["verify", "--plan", down_plan],
        vec!["cutover", "--plan", plan, "--group", "g"],
        vec!["cutover", "--plan", down_plan, "--group", "g"],
        vec!["report", "--plan", plan, "--out", &report],
        vec!["report", "--plan", down_plan, "--out", &down_report],
        vec!["import", &connector],
        vec!["import", &connector, "--profiles-out", &imported_profiles, "--plan-out", &imported_plan],
    ]);
    let mut leaks = Vec::new();
    let mut succeeded = 0;
    for args in &commands {
        let mut cmd = kdeck.command();
        cmd.env("SWEEP_ENV_SECRET", planted.get("environment variable"))
            .env("SWEEP_CONNECT_PW", planted.get("Connect password"))
            .env("KDECK_REST_PASSWORD", planted.get("REST password"))
            .env("AWS_ACCESS_KEY_ID", "AKIDSWEEP")
            .env("AWS_SECRET_ACCESS_KEY", planted.get("AWS secret access key"))
            .args(["--config", config, "-v"])
            .args(args);
        let run = crate::support::run(cmd, Some(b"a\nb\n"));
        succeeded += usize::from(run.code == Some(0));
        for (stream, text) in [("stdout", run.stdout_text()), ("stderr", run.stderr.clone())] {
            for hit in planted.hits(&text) {
                leaks.push(format!("kdeck {}: {stream} shows the {hit} secret", args.join(" ")));
            }
        }
        // produce reads stdin, so it runs with it; the rest ignore it.
        if args[0] == "meta" && args.len() == 5 {
            let mut cmd = kdeck.command();
            cmd.env("SWEEP_ENV_SECRET", planted.get("environment variable")).args([
                "--config",
                config,
                "-v",
                "produce",
                "-b",
                args[2],
                "-m",
                "1",
                "-t",
                "orders",
                "-X",
                &x_password,
            ]);
            let run = crate::support::run(cmd, Some(b"a\nb\n"));
            for hit in planted.hits(&format!("{}{}", run.stdout_text(), run.stderr)) {
                leaks.push(format!("kdeck produce -b {}: output shows the {hit} secret", args[2]));
            }
        }
    }
    // The engine, with its REST API (kdeck's own password), until it has copied the
    // record; then SIGTERM.
    {
        use std::process::Stdio;
        let stdout_path = out.join("replicate.stdout");
        let stderr_path = out.join("replicate.stderr");
        let mut child = kdeck
            .command()
            .env("SWEEP_ENV_SECRET", planted.get("environment variable"))
            .env("KDECK_REST_PASSWORD", planted.get("REST password"))
            .args([
                "--config",
                config,
                "-v",
                "replicate",
                "--plan",
                plan,
                "--rest",
                "127.0.0.1:0",
                "--rest-user",
                "ops",
            ])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&stdout_path).unwrap())
            .stderr(std::fs::File::create(&stderr_path).unwrap())
            .spawn()
            .expect("spawn kdeck replicate");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        loop {
            let copied = crate::support::kcat(
                &["-C", "-b", destination.bootstrap(), "-t", "orders", "-o", "beginning", "-e", "-q"],
                None,
            );
            if !copied.stdout.is_empty() {
                break;
            }
            if std::time::Instant::now() > deadline || child.try_wait().unwrap().is_some() {
                let _ = child.kill();
                panic!("kdeck replicate copied nothing: {}", std::fs::read_to_string(&stderr_path).unwrap_or_default());
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        // SAFETY: signals the process this test started; no memory is involved.
        assert_eq!(unsafe { libc::kill(child.id() as i32, libc::SIGTERM) }, 0);
        let status = child.wait().unwrap();
        assert_eq!(status.code(), Some(0), "replicate: {}", std::fs::read_to_string(&stderr_path).unwrap_or_default());
    }
    // Every file kdeck wrote: the log, the journal, reports, exports, cheatsheets.
    let mut written = Vec::new();
    let mut pending = vec![dir.clone()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() && path != inputs {
                pending.push(path);
            } else if path.is_file() {
                written.push(path);
            }
        }
    }
    for path in &written {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        for hit in planted.hits(&text) {
            leaks.push(format!("{} shows the {hit} secret", path.display()));
        }
    }
    assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
    // The sweep must have exercised working commands, not only refusals.
    assert!(succeeded >= 10, "only {succeeded} of {} commands succeeded", commands.len());
    for expected in [&cheats, &cheats_md, &report, &down_report, &imported_profiles, &imported_plan] {
        assert!(written.iter().any(|p| p.to_str() == Some(expected.as_str())), "{expected} was not written");
    }
    assert!(written.iter().any(|p| p.ends_with("kdeck.log")), "no log was written");
}
