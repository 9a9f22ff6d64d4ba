//! `kdeck cheatsheet`: commands filled from a profile with secrets in it, never
//! showing them; the Markdown handout; one-line usage errors.

use crate::support::Kdeck;

const SECRET: &str = "it-literal-secret-4711";

fn config(kdeck: &Kdeck) -> String {
    let path = kdeck.home.path().join("config.toml");
    let text = format!(
        "[clusters.cloud]\nbootstrap = \"pkc-9.eu-west-1.aws.confluent.cloud:9092\"\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanisms\" = \"PLAIN\"\n\"sasl.username\" = \"APIKEY9\"\n\"sasl.password\" = \"{SECRET}\"\n\n[clusters.msk]\nbootstrap = \"b-1.msk.kafka.eu-west-1.amazonaws.com:9096\"\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanism\" = \"SCRAM-SHA-512\"\n\"sasl.username\" = \"migrator\"\n\"sasl.password\" = \"${{env:MSK_PASSWORD_UNSET_IN_TEST}}\"\n"
    );
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn cheatsheet_fills_a_profile_without_its_secrets() {
    let kdeck = Kdeck::new();
    let config = config(&kdeck);
    let run = kdeck
        .run(&["--config", &config, "cheatsheet", "kcat", "-b", "cloud", "-t", "orders", "-g", "orders-app"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let text = run.stdout_text();
    assert!(!text.contains(SECRET), "{text}");
    assert!(text.contains(
        "kcat -b pkc-9.eu-west-1.aws.confluent.cloud:9092 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=APIKEY9 -X sasl.password=$KAFKA_API_SECRET -C -t orders -o beginning -e"
    ), "{text}");
    // The SCRAM profile's variable need not be set: the profile is read, not resolved.
    let run = kdeck.run(&["--config", &config, "cheatsheet", "metadata", "-b", "msk"], None);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(run.stdout_text().contains(
        "-X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=migrator -X sasl.password=$MSK_PASSWORD_UNSET_IN_TEST -L"
    ));
}

#[test]
fn markdown_handout_goes_to_a_file() {
    let kdeck = Kdeck::new();
    let config = config(&kdeck);
    let out = kdeck.home.path().join("handout.md");
    let out_arg = out.to_str().unwrap();
    let run = kdeck.run(
        &["--config", &config, "cheatsheet", "-b", "cloud", "--markdown", "-o", out_arg, "--cluster-id", "lkc-9"],
        None,
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let handout = std::fs::read_to_string(&out).unwrap();
    assert!(handout.starts_with("# Kafka migration cheatsheet"));
    assert!(!handout.contains(SECRET));
    for section in [
        "## Inspect",
        "## Offsets and time travel",
        "## Groups and lag",
        "## ACLs",
        "## Connect",
        "## Cluster and API keys",
        "## kdeck",
        "## kdeck cockpit keys",
    ] {
        assert!(handout.contains(section), "{section}");
    }
    assert!(handout.contains("confluent kafka cluster describe lkc-9 -o json"));
    assert!(handout.contains("confluent api-key use APIKEY9"), "the profile's API key id fills {{api_key}}");
}

#[test]
fn cheatsheet_usage_errors_are_one_line_exit_2() {
    let kdeck = Kdeck::new();
    let config = config(&kdeck);
    for (args, expected) in [
        (vec!["cheatsheet", "--security", "iam"], "--security: unknown security preset \"iam\""),
        (vec!["cheatsheet", "-b", "nope"], "-b nope: no such profile (known: cloud, msk)"),
        (vec!["cheatsheet", "zzzqqq"], "no command matches \"zzzqqq\""),
        (vec!["cheatsheet", "--principal", "sa-1"], "--principal:"),
    ] {
        let mut full = vec!["--config", config.as_str()];
        full.extend(args);
        let run = kdeck.run(&full, None);
        assert_eq!(run.code, Some(2), "{full:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        assert!(run.stderr.contains(expected), "{full:?}: {}", run.stderr);
    }
}

/// The reference: Debian's kcat accepts every kcat command of the catalogue (its
/// option letters and librdkafka property names; `-X dump` stops before connecting).
#[test]
fn debians_kcat_accepts_every_kcat_template() {
    use kdeck::cheatsheet::kcat::{kcat_segment, shell_words};
    use kdeck::cheatsheet::{catalogue, render, Context, Preset, Security, Tool};

    let mut checked = 0;
    for preset in [Preset::Plaintext, Preset::ConfluentCloud, Preset::MskTls, Preset::MskScram] {
        let context = Context {
            cluster: Some("cloud".into()),
            bootstrap: Some("localhost:9".into()),
            topic: Some("orders".into()),
            partition: Some(1),
            group: Some("orders-app".into()),
            principal: Some("User:sa-1".into()),
            cluster_id: Some("lkc-1".into()),
            api_key: Some("KEY".into()),
            security: Security::from_preset(preset),
        };
        for entry in catalogue().into_iter().filter(|entry| entry.tool == Tool::Kcat) {
            let text = render(&entry.template, &context).unwrap().text;
            let words = shell_words(&text).unwrap();
            let mut args: Vec<&str> = kcat_segment(&words).unwrap().iter().map(String::as_str).collect();
            args.extend(["-X", "dump"]);
            let run = crate::support::kcat(&args, None);
            // Debian builds kcat without libserdes: its -s/-r templates are for
            // kcat builds with Avro (Confluent's image), and the entry says so.
            if args.windows(2).any(|pair| pair[0] == "-s" && pair[1].contains("avro")) {
                assert!(entry.title.contains("kcat built with Avro"), "{}: {}", entry.id, entry.title);
                assert!(run.stderr.contains("lacks Avro/Schema-Registry support"), "{}: {}", entry.id, run.stderr);
                checked += 1;
                continue;
            }
            assert_eq!(
                run.code,
                Some(0),
                "{}: kcat {}: {}",
                entry.id,
                args.join(" "),
                run.stderr.lines().last().unwrap_or("")
            );
            checked += 1;
        }
    }
    assert!(checked >= 60, "{checked}");
}
