use super::*;
use crate::cheatsheet::security::{Preset, Security};

fn context() -> Context {
    Context {
        cluster: Some("prod".into()),
        bootstrap: Some("b-1:9092".into()),
        topic: Some("orders".into()),
        partition: Some(3),
        group: Some("orders-app".into()),
        principal: Some("User:sa-123".into()),
        cluster_id: Some("lkc-1".into()),
        api_key: Some("ABCKEY".into()),
        security: Security::default(),
    }
}

#[test]
fn variables_fill_and_quote() {
    #[rustfmt::skip]
    let cases = [
        ("kcat -b {bootstrap} -t {topic}", "kcat -b b-1:9092 -t orders"),
        ("-p {partition} -g {group}", "-p 3 -g orders-app"),
        ("{principal} {service_account}", "User:sa-123 sa-123"),
        ("{cluster_id}/{api_key}/{cluster}", "lkc-1/ABCKEY/prod"),
        ("awk '{{print $1}}'", "awk '{print $1}'"),
        ("no variables", "no variables"),
        ("", ""),
        ("{kcat_security}{command_config}", ""),
        ("{client_properties}", "security.protocol=PLAINTEXT"),
    ];
    for (template, expected) in cases {
        let filled = render(template, &context()).unwrap();
        assert_eq!(filled.text, expected, "{template}");
        assert!(filled.missing.is_empty());
    }
}

#[test]
fn values_are_shell_quoted() {
    let context = Context { topic: Some("my topic's".into()), group: Some("$(rm -rf)".into()), ..context() };
    let filled = render("-t {topic} -g {group}", &context).unwrap();
    assert_eq!(filled.text, "-t 'my topic'\\''s' -g '$(rm -rf)'");
}

#[test]
fn missing_values_show_as_placeholders_once() {
    let filled = render("{topic} {group} {topic} {cluster}", &Context::default()).unwrap();
    assert_eq!(filled.text, "<topic> <group> <topic> <cluster>");
    assert_eq!(filled.missing, ["topic", "group", "cluster"]);
    let bootstrap_only = Context { bootstrap: Some("h:1".into()), ..Context::default() };
    assert_eq!(render("{cluster}", &bootstrap_only).unwrap().text, "h:1", "kdeck -b takes a broker list too");
    let not_a_service_account = Context { principal: Some("Group:x".into()), ..Context::default() };
    assert_eq!(render("{service_account}", &not_a_service_account).unwrap().missing, ["service_account"]);
}

#[test]
fn malformed_templates_name_the_problem() {
    #[rustfmt::skip]
    let cases = [
        ("{nope}", TemplateError::UnknownVariable("nope".into())),
        ("a {topic", TemplateError::Unclosed(2)),
        ("a } b", TemplateError::StrayBrace(2)),
        ("{}", TemplateError::UnknownVariable(String::new())),
    ];
    for (template, expected) in cases {
        assert_eq!(render(template, &context()), Err(expected.clone()), "{template}");
        assert_eq!(variables(template), Err(expected), "{template}");
    }
    assert!(TemplateError::UnknownVariable("x".into()).to_string().contains("{bootstrap}"));
    assert!(TemplateError::StrayBrace(4).to_string().contains("byte 4"));
}

#[test]
fn variables_list_each_name_once_in_order() {
    assert_eq!(variables("{topic} {group} {topic}").unwrap(), ["topic", "group"]);
    assert!(variables("{{literal}}").unwrap().is_empty());
}

#[test]
fn security_fragments_follow_the_profile() {
    let cloud = Context { security: Security::from_preset(Preset::ConfluentCloud), ..context() };
    assert_eq!(
        render("kcat -b {bootstrap}{kcat_security} -L", &cloud).unwrap().text,
        "kcat -b b-1:9092 -X security.protocol=SASL_SSL -X sasl.mechanisms=PLAIN -X sasl.username=$KAFKA_API_KEY -X sasl.password=$KAFKA_API_SECRET -L"
    );
    assert_eq!(render("x{command_config}", &cloud).unwrap().text, "x --command-config client.properties");
    assert_eq!(render("x{consumer_config}", &cloud).unwrap().text, "x --consumer.config client.properties");
    assert_eq!(render("x{producer_config}", &cloud).unwrap().text, "x --producer.config client.properties");
    let tls = Context { security: Security::from_preset(Preset::MskTls), ..context() };
    assert_eq!(render("{kcat_security}", &tls).unwrap().text, " -X security.protocol=SSL");
    let scram = Context { security: Security::from_preset(Preset::MskScram), ..context() };
    assert_eq!(
        render("{kcat_security}", &scram).unwrap().text,
        " -X security.protocol=SASL_SSL -X sasl.mechanisms=SCRAM-SHA-512 -X sasl.username=$KAFKA_USERNAME -X sasl.password=$KAFKA_PASSWORD"
    );
    assert_eq!(
        render("{client_properties}", &scram).unwrap().text,
        "security.protocol=SASL_SSL\nsasl.mechanism=SCRAM-SHA-512\nsasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username='$KAFKA_USERNAME' password='$KAFKA_PASSWORD';"
    );
}
