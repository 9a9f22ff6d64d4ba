//! The cheatsheet's acceptance: every template renders, every kcat template is a
//! command kdeck itself parses, and no secret a profile holds can be rendered.

use std::path::Path;

use clap::Parser;

use super::kcat::parse_kcat;
use super::*;
use crate::cli::{Cli, Command};
use crate::config::{parse, resolve_cluster, ClusterArgs};

fn sample_context(mut security: Security) -> Context {
    security.registry_url = Some("https://psrc-abc12.eu-west-1.aws.confluent.cloud".into());
    security.registry_auth = true;
    Context {
        cluster: Some("destination".into()),
        bootstrap: Some("pkc-abc12.eu-west-1.aws.confluent.cloud:9092".into()),
        topic: Some("orders".into()),
        partition: Some(0),
        group: Some("orders-app".into()),
        principal: Some("User:sa-55555".into()),
        cluster_id: Some("lkc-12345".into()),
        api_key: Some("KEYID123".into()),
        security,
    }
}

fn presets() -> Vec<Security> {
    [Preset::Plaintext, Preset::ConfluentCloud, Preset::MskTls, Preset::MskScram]
        .into_iter()
        .map(Security::from_preset)
        .collect()
}

#[test]
fn the_catalogue_has_forty_commands_in_every_group() {
    let entries = catalogue();
    let from_file = entries.iter().filter(|e| e.tool != Tool::Kdeck).count();
    assert!(from_file >= 40, "{from_file} catalogue commands");
    for group in Group::ALL {
        assert!(entries.iter().any(|e| e.group == group), "{group:?} is empty");
    }
    for tool in [Tool::Kcat, Tool::Confluent, Tool::KafkaTools, Tool::Kdeck] {
        assert!(entries.iter().filter(|e| e.tool == tool).count() >= 5, "{tool:?}");
    }
    let mut ids: Vec<&str> = entries.iter().map(|e| e.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), entries.len(), "ids are unique");
}

#[test]
fn every_template_renders_for_a_sample_context() {
    for security in presets() {
        let context = sample_context(security);
        for entry in catalogue() {
            let filled = render(&entry.template, &context).unwrap_or_else(|err| panic!("{}: {err}", entry.id));
            assert!(filled.missing.is_empty(), "{}: {:?} unfilled", entry.id, filled.missing);
            assert!(!filled.text.contains('{') || entry.template.contains("{{"), "{}", filled.text);
        }
    }
}

#[test]
fn every_kcat_template_parses_with_kdecks_own_parser() {
    let mut checked = 0;
    for security in presets() {
        let context = sample_context(security);
        for entry in catalogue().into_iter().filter(|e| e.tool == Tool::Kcat) {
            let text = render(&entry.template, &context).unwrap().text;
            let command = match parse_kcat(&text) {
                Ok(command) => command,
                Err(err) => panic!("{}: {text}: {err}", entry.id),
            };
            assert!(
                matches!(command, Command::Consume(_) | Command::Produce(_) | Command::Meta(_) | Command::Offsets(_)),
                "{}",
                entry.id
            );
            checked += 1;
        }
    }
    assert!(checked >= 4 * 15, "{checked}");
}

#[test]
fn every_kdeck_template_parses_with_kdecks_parser() {
    let context = sample_context(Security::default());
    for entry in catalogue().into_iter().filter(|e| e.tool == Tool::Kdeck) {
        let text = render(&entry.template, &context).unwrap().text;
        let argv = kcat::shell_words(&text).unwrap();
        if let Err(err) = Cli::try_parse_from(&argv) {
            panic!("{}: {text}: {}", entry.id, crate::cli::one_line(&err.to_string()));
        }
    }
}

#[test]
fn kdecks_section_follows_its_cli() {
    let entries = catalogue();
    let find = |id: &str| entries.iter().find(|e| e.id == id).unwrap_or_else(|| panic!("{id}"));
    assert_eq!(find("kdeck-consume").template, "kdeck consume -b {cluster} -t {topic}");
    assert_eq!(
        find("kdeck-acl-check").template,
        "kdeck acl check -b {cluster} --principal {principal} --as consumer -t {topic} -g {group}"
    );
    assert!(find("kdeck-meta").title.contains("kcat -L"));
    assert!(generated::key_rows().iter().any(|(keys, _)| keys.contains('q')));
}

/// A profile holding a literal secret, a secret from the environment and one from a file.
fn secret_profile(dir: &Path) -> (crate::config::ResolvedCluster, crate::config::Config, Vec<&'static str>) {
    let secrets_file = dir.join("secrets.properties");
    std::fs::write(&secrets_file, "user=file-user-secret-77\n").unwrap();
    std::env::set_var("KDECK_CHEATSHEET_TEST_SECRET", "env-secret-value-88");
    let text = format!(
        "[clusters.cloud]\nbootstrap = \"pkc-1:9092\"\n\"security.protocol\" = \"SASL_SSL\"\n\"sasl.mechanism\" = \"PLAIN\"\n\"sasl.username\" = \"${{file:{}:user}}\"\n\"sasl.password\" = \"${{env:KDECK_CHEATSHEET_TEST_SECRET}}\"\n\"ssl.key.password\" = \"literal-key-secret-99\"\n",
        secrets_file.display()
    );
    let config = parse(&text, &dir.join("config.toml")).unwrap();
    let args = ClusterArgs { cluster: "cloud".into(), ..ClusterArgs::default() };
    let cluster = resolve_cluster(&args, &config).unwrap();
    (cluster, config, vec!["file-user-secret-77", "env-secret-value-88", "literal-key-secret-99"])
}

#[test]
fn no_secret_value_can_be_rendered() {
    let dir = tempfile::tempdir().unwrap();
    let (cluster, config, secrets) = secret_profile(dir.path());
    let exposed: Vec<&str> = cluster.properties.iter_exposed().map(|(_, value)| value).collect();
    for secret in &secrets {
        assert!(exposed.contains(secret), "the profile really holds {secret}");
    }
    let security = Security::from_cluster(&cluster);
    let context = sample_context(security.clone());
    let entries = catalogue();
    let all: Vec<usize> = (0..entries.len()).collect();
    let mut outputs: Vec<String> = entries.iter().map(|e| render(&e.template, &context).unwrap().text).collect();
    outputs.push(handout::render_text(&entries, &all, &context));
    outputs.push(handout::render_markdown(&entries, &all, &context));
    outputs.push(format!("{security:?}"));
    for output in &outputs {
        for secret in &secrets {
            assert!(!output.contains(secret), "{secret} leaked into {output}");
        }
    }
    let kcat = render("{kcat_security}", &context).unwrap().text;
    assert_eq!(
        kcat,
        " -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=$KAFKA_API_KEY -X sasl.password=$KDECK_CHEATSHEET_TEST_SECRET -X ssl.key.password=$SSL_KEY_PASSWORD"
    );
    assert_eq!(handout::env_vars(&context), ["KAFKA_API_KEY", "KDECK_CHEATSHEET_TEST_SECRET", "SSL_KEY_PASSWORD"]);
    // The unresolved profile gives the same flags, without needing the variables set.
    let unresolved = Security::from_profile(config.profile("cloud").unwrap());
    assert_eq!(unresolved, security);
}

#[test]
fn a_plain_username_and_paths_show_as_they_are() {
    let mut properties = crate::config::ClientProperties::new();
    for (key, value) in [
        ("security.protocol", "ssl"),
        ("ssl.ca.location", "/etc/ca.pem"),
        ("ssl.certificate.location", "client.pem"),
        ("ssl.key.location", "client.key"),
    ] {
        properties.set(key, value);
    }
    let security = Security::from_properties(&properties);
    assert_eq!(
        security.kcat_flags(),
        " -X security.protocol=SSL -X ssl.ca.location=/etc/ca.pem -X ssl.certificate.location=client.pem -X ssl.key.location=client.key"
    );
    assert!(security.label.contains("MSK TLS"));
    assert!(security.java_lines().contains("ssl.truststore.location=/etc/ca.pem"));
    let raw = crate::config::ClusterProfile {
        bootstrap: "b:9094".into(),
        properties: [("security.protocol", "SSL"), ("ssl.ca.location", "${file:/etc/k.properties:ca}")]
            .into_iter()
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect(),
        ..Default::default()
    };
    assert_eq!(
        Security::from_profile(&raw).kcat_flags(),
        " -X security.protocol=SSL -X ssl.ca.location=$SSL_CA_LOCATION",
        "a referenced value is a placeholder named after its key"
    );
    let mut sasl = crate::config::ClientProperties::new();
    sasl.set("security.protocol", "SASL_SSL");
    sasl.set("sasl.mechanisms", "PLAIN");
    sasl.set("sasl.username", "APIKEY1");
    let security = Security::from_properties(&sasl);
    assert!(security.kcat_flags().contains("sasl.username=APIKEY1 -X sasl.password=$KAFKA_API_SECRET"));
    assert_eq!(security.api_key().as_deref(), Some("APIKEY1"), "a plain PLAIN user is the API key id");
    assert_eq!(Security::from_preset(Preset::ConfluentCloud).api_key(), None, "a $VAR is no key id");
    assert_eq!(Security::from_preset(Preset::MskScram).api_key(), None);
    assert!(security.label.contains("Confluent Cloud"));
}

#[test]
fn env_placeholders_never_echo_a_value() {
    use security::env_placeholder;
    assert_eq!(env_placeholder("${env:CC_SECRET}", "D"), "$CC_SECRET");
    for shown in ["[redacted]", "${file:/x:y}", "pre${env:A}", "${env:}", "${env:A B}", ""] {
        assert_eq!(env_placeholder(shown, "DEFAULT"), "$DEFAULT", "{shown}");
    }
}

#[test]
fn presets_parse_by_name() {
    assert_eq!(Preset::parse("confluent-cloud"), Ok(Preset::ConfluentCloud));
    assert_eq!(Preset::parse("MSK_SCRAM"), Ok(Preset::MskScram));
    assert_eq!(Preset::parse("msk-tls"), Ok(Preset::MskTls));
    assert_eq!(Preset::parse("plaintext"), Ok(Preset::Plaintext));
    assert!(Preset::parse("iam").unwrap_err().contains("msk-scram"));
    assert!(Security::from_preset(Preset::Plaintext).is_plaintext());
}

#[test]
fn bad_catalogues_are_refused() {
    let entry = |id: &str, template: &str| {
        format!("[[command]]\nid = \"{id}\"\ngroup = \"inspect\"\ntool = \"kcat\"\ntitle = \"t\"\ntemplate = \"{template}\"\n")
    };
    assert!(parse_catalogue(&format!("{}{}", entry("a", "x"), entry("a", "y"))).unwrap_err().contains("twice"));
    assert!(parse_catalogue(&entry("a", "{nope}")).unwrap_err().contains("a: unknown variable {nope}"));
    assert!(parse_catalogue("[[command]]\nid = \"a\"\n").unwrap_err().starts_with("catalogue:"));
    assert_eq!(parse_catalogue(&entry("a", "{topic}")).unwrap().len(), 1);
}

#[test]
fn handouts_group_commands_and_list_the_variables_to_set() {
    let context = sample_context(Security::from_preset(Preset::ConfluentCloud));
    let entries = catalogue();
    // Without kdeck's own commands ("lag" also matches "flags" in their help).
    let lag: Vec<usize> =
        search::search(&entries, "lag").into_iter().filter(|&i| entries[i].tool != Tool::Kdeck).collect();
    let text = handout::render_text(&entries, &lag, &context);
    assert!(text.starts_with("# secrets come from the environment: $KAFKA_API_KEY $KAFKA_API_SECRET\n"), "{text}");
    assert!(text.contains("## Groups and lag\n"));
    assert!(text.contains("confluent kafka consumer group lag list orders-app --cluster lkc-12345"));
    let markdown = handout::render_markdown(&entries, &lag, &context);
    assert!(markdown.contains("read -rs KAFKA_API_SECRET && export KAFKA_API_SECRET"));
    assert!(markdown.contains("| topic | `orders` |"));
    assert!(markdown.contains("## kdeck cockpit keys"));
    assert!(markdown.contains("(kafka-\\*)"), "markdown escapes the tool's star");
    assert!(!text.contains("cockpit keys"), "keys only come with kdeck's section");
    let kdeck = search::search(&entries, "kdeck consume");
    assert!(handout::render_text(&entries, &kdeck, &context).contains("## kdeck cockpit keys\n# q <C-c>"));
}

#[test]
fn keystores_reach_kcat_flags_and_jks_ones_say_how_to_convert() {
    let mut pkcs12 = crate::config::ClientProperties::new();
    for (key, value) in [
        ("security.protocol", "SSL"),
        ("ssl.keystore.location", "/certs/client.p12"),
        ("ssl.keystore.password", "Cheat-P12-Secret"),
    ] {
        pkcs12.set(key, value);
    }
    let flags = Security::from_properties(&pkcs12).kcat_flags();
    assert_eq!(
        flags,
        " -X security.protocol=SSL -X ssl.keystore.location=/certs/client.p12 -X ssl.keystore.password=$SSL_KEYSTORE_PASSWORD"
    );
    let mut jks = pkcs12.clone();
    jks.set("ssl.keystore.location", "/certs/client.jks");
    let security = Security::from_properties(&jks);
    assert_eq!(security.kcat_flags(), " -X security.protocol=SSL");
    assert!(security.label.contains("keytool -importkeystore"), "{}", security.label);
    assert!(!security.label.contains("Cheat-P12-Secret"));
}

#[test]
fn a_profile_with_a_registry_fills_the_schema_commands_with_its_secret_as_variables() {
    let text = "[clusters.cc]\nbootstrap = \"pkc:9092\"\n\"schema.registry.url\" = \"https://psrc-1.confluent.cloud\"\n\"schema.registry.basic.auth.user.info\" = \"SRKEY:sr-hunter2\"\n";
    let config = parse(text, std::path::Path::new("test.toml")).unwrap();
    let security = Security::from_profile(config.profile("cc").unwrap());
    let context = Context { topic: Some("orders".into()), security, ..Context::default() };
    let entry = catalogue().into_iter().find(|e| e.id == "sr-curl-latest").unwrap();
    let filled = render(&entry.template, &context).unwrap();
    assert_eq!(
        filled.text,
        "curl -s -u \"$SCHEMA_REGISTRY_API_KEY:$SCHEMA_REGISTRY_API_SECRET\" https://psrc-1.confluent.cloud/subjects/orders-value/versions/latest"
    );
    assert!(!filled.text.contains("hunter2"));
}
