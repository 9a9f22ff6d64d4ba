use super::*;

fn translated(java: &[(&str, &str)]) -> (Vec<(String, String)>, Imported) {
    let java: BTreeMap<String, String> = java.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect();
    let mut out = Imported::default();
    let profile = translate("prod", "x.", &java, &mut out);
    (profile.properties.into_iter().collect(), out)
}

fn pairs(expected: &[(&str, &str)]) -> Vec<(String, String)> {
    expected.iter().map(|(key, value)| (key.to_string(), value.to_string())).collect()
}

type Pairs<'a> = &'a [(&'a str, &'a str)];

#[test]
fn java_settings_become_librdkafka_ones() {
    #[rustfmt::skip]
    let cases: &[(Pairs, Pairs)] = &[
        (&[("security.protocol", "sasl_ssl")], &[("security.protocol", "SASL_SSL")]),
        (&[("sasl.mechanism", "SCRAM-SHA-512")], &[("sasl.mechanisms", "SCRAM-SHA-512")]),
        (&[("ssl.endpoint.identification.algorithm", "")], &[("ssl.endpoint.identification.algorithm", "none")]),
        (&[("ssl.endpoint.identification.algorithm", "https")], &[("ssl.endpoint.identification.algorithm", "https")]),
        // truststores: PEM is a CA file, JKS is converted by kdeck when it connects
        (&[("ssl.truststore.location", "/ca.pem"), ("ssl.truststore.type", "PEM")], &[("ssl.ca.location", "/ca.pem")]),
        (&[("ssl.truststore.location", "/t.jks"), ("ssl.truststore.password", "${env:TS}")],
         &[("ssl.truststore.location", "/t.jks"), ("ssl.truststore.password", "${env:TS}"), ("ssl.truststore.type", "JKS")]),
        (&[("ssl.truststore.certificates", "-----BEGIN CERTIFICATE-----")], &[("ssl.ca.pem", "-----BEGIN CERTIFICATE-----")]),
        // keystores: JKS converted by kdeck, PKCS12 passed through, PEM split
        (&[("ssl.keystore.location", "/k.jks"), ("ssl.keystore.password", "${env:KS}")],
         &[("ssl.keystore.location", "/k.jks"), ("ssl.keystore.password", "${env:KS}"), ("ssl.keystore.type", "JKS")]),
        (&[("ssl.keystore.location", "/k.p12"), ("ssl.keystore.password", "${env:KS}")],
         &[("ssl.keystore.location", "/k.p12"), ("ssl.keystore.password", "${env:KS}")]),
        (&[("ssl.keystore.location", "/k"), ("ssl.keystore.type", "pkcs12")], &[("ssl.keystore.location", "/k")]),
        (&[("ssl.keystore.location", "/both.pem"), ("ssl.keystore.type", "PEM"), ("ssl.key.password", "${env:KP}")],
         &[("ssl.certificate.location", "/both.pem"), ("ssl.key.location", "/both.pem"), ("ssl.key.password", "${env:KP}")]),
        // same-named librdkafka properties pass, Java-only ones are listed
        (&[("client.id", "c"), ("request.timeout.ms", "1000")], &[("client.id", "c"), ("request.timeout.ms", "1000")]),
        (&[("max.poll.records", "5")], &[]),
        // OAUTHBEARER (OIDC) from the JAAS options and the login handler
        (&[("sasl.mechanism", "OAUTHBEARER"),
           ("sasl.login.callback.handler.class", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginCallbackHandler"),
           ("sasl.oauthbearer.token.endpoint.url", "https://idp/token"),
           ("sasl.jaas.config", "org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required clientId=\"app\" clientSecret=\"${file:/s:cs}\" scope=\"kafka\" extension_logicalCluster=\"lkc-1\" extension_identityPoolId=\"pool-2\";")],
         &[("sasl.mechanisms", "OAUTHBEARER"), ("sasl.oauthbearer.client.id", "app"), ("sasl.oauthbearer.client.secret", "${file:/s:cs}"),
           ("sasl.oauthbearer.extensions", "${env:KDECK_PROD_SASL_OAUTHBEARER_EXTENSIONS}"), ("sasl.oauthbearer.method", "oidc"),
           ("sasl.oauthbearer.scope", "kafka"), ("sasl.oauthbearer.token.endpoint.url", "https://idp/token")]),
        // MSK IAM
        (&[("sasl.mechanism", "AWS_MSK_IAM"), ("sasl.jaas.config", "software.amazon.msk.auth.iam.IAMLoginModule required;"),
           ("sasl.client.callback.handler.class", "software.amazon.msk.auth.iam.IAMClientCallbackHandler")],
         &[("sasl.mechanisms", "AWS_MSK_IAM")]),
    ];
    for (java, expected) in cases {
        let (properties, _) = translated(java);
        assert_eq!(properties, pairs(expected), "{java:?}");
    }
}

#[test]
fn literal_secrets_become_environment_variables() {
    let (properties, out) = translated(&[
        ("sasl.mechanism", "PLAIN"),
        ("sasl.jaas.config", "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"Java-inline-Pw-1\";"),
        ("ssl.keystore.location", "/k.p12"),
        ("ssl.keystore.password", "Java-inline-Pw-2"),
        ("ssl.key.password", "${directory:/run/secrets:key}"),
    ]);
    let text = format!("{properties:?} {:?} {:?}", out.untranslated, out.variables);
    assert!(!text.contains("Java-inline") && !text.contains("/run/secrets"), "{text}");
    assert_eq!(
        properties,
        pairs(&[
            ("sasl.mechanisms", "PLAIN"),
            ("sasl.password", "${env:KDECK_PROD_SASL_PASSWORD}"),
            ("sasl.username", "u"),
            ("ssl.key.password", "${env:KDECK_PROD_SSL_KEY_PASSWORD}"),
            ("ssl.keystore.location", "/k.p12"),
            ("ssl.keystore.password", "${env:KDECK_PROD_SSL_KEYSTORE_PASSWORD}"),
        ])
    );
    assert_eq!(out.variables.len(), 3);
    assert_eq!(out.untranslated.len(), 2, "{:?}", out.untranslated);
    assert!(out.untranslated[1].contains("a config provider kdeck does not read"), "{:?}", out.untranslated);
}

#[test]
fn what_cannot_be_translated_is_listed_by_key() {
    let (_, out) = translated(&[
        ("bootstrap.servers", "b:9092"),
        ("ssl.enabled.protocols", "TLSv1.3"),
        ("ssl.protocol", "TLSv1.3"),
        ("ssl.truststore.location", "/t.p12"),
        ("ssl.truststore.password", "Java-unlisted-3"),
        ("sasl.jaas.config", "com.sun.security.auth.module.Krb5LoginModule required useKeyTab=true keyTab=\"/k\";"),
        ("sasl.jaas.config.bad", "x"),
    ]);
    let keys: Vec<&str> = out.untranslated.iter().map(|note| note.split(':').next().unwrap()).collect();
    assert_eq!(
        keys,
        [
            "x.sasl.jaas.config.bad",
            "x.ssl.enabled.protocols",
            "x.ssl.truststore.location",
            "x.sasl.jaas.config option (login module)"
        ]
    );
    assert!(!format!("{:?}", out.untranslated).contains("Java-unlisted"));
    let (_, missing) = translated(&[("security.protocol", "SSL")]);
    assert_eq!(missing.untranslated, ["x.bootstrap.servers: missing; fill in the profile's bootstrap"]);
}
