use super::*;

fn at(seconds: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(seconds)
}

fn credentials(token: Option<&str>) -> Credentials {
    Credentials {
        access_key_id: "AKIAIOSFODNN7EXAMPLE".into(),
        secret_access_key: SecretString::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"),
        session_token: token.map(SecretString::new),
    }
}

/// AWS's published SigV4 query-signing example (S3 "Authenticating Requests:
/// Using Query Parameters"), checking the signer itself.
#[test]
fn sigv4_presign_matches_aws_published_example() {
    let mut query = Vec::new();
    let signed = presign(
        &credentials(None),
        "us-east-1",
        "s3",
        &Request { host: "examplebucket.s3.amazonaws.com", path: "/test.txt", payload_hash: "UNSIGNED-PAYLOAD" },
        &mut query,
        Duration::from_secs(86_400),
        at(1_369_353_600), // 2013-05-24T00:00:00Z
    );
    assert_eq!(
        signed,
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
         &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
         &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404"
    );
}

/// The checks aws-msk-iam-sasl-signer-python's own tests make on a token.
#[test]
fn msk_token_has_the_signers_documented_shape() {
    let now = at(1_764_892_800); // 2025-12-05T00:00:00Z
    let (token, expiry_ms) = token(&credentials(Some("Msk-Session-Token-1")), "us-west-2", now);
    assert!(!token.contains('=') && !token.contains('+') && !token.contains('/'), "{token}");
    let url = String::from_utf8(base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(&token).unwrap()).unwrap();
    assert!(url.starts_with("https://kafka.us-west-2.amazonaws.com/?"), "{url}");
    let query: Vec<(&str, &str)> =
        url.split_once('?').unwrap().1.split('&').map(|pair| pair.split_once('=').unwrap()).collect();
    let keys: Vec<&str> = query.iter().map(|(key, _)| *key).collect();
    assert_eq!(
        keys,
        [
            "Action",
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-Expires",
            "X-Amz-Security-Token",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
            "User-Agent"
        ]
    );
    let value = |key: &str| query.iter().find(|(name, _)| *name == key).unwrap().1;
    assert_eq!(value("Action"), "kafka-cluster%3AConnect");
    assert_eq!(value("X-Amz-Credential"), "AKIAIOSFODNN7EXAMPLE%2F20251205%2Fus-west-2%2Fkafka-cluster%2Faws4_request");
    assert_eq!(value("X-Amz-Date"), "20251205T000000Z");
    assert_eq!(value("X-Amz-Expires"), "900");
    assert_eq!(value("X-Amz-Security-Token"), "Msk-Session-Token-1");
    assert_eq!(value("X-Amz-SignedHeaders"), "host");
    // botocore's SigV4QueryAuth (which aws-msk-iam-sasl-signer-python calls), run once
    // with these credentials and this time, signed the same request identically.
    assert_eq!(value("X-Amz-Signature"), "4aaa1a67a224118bdcd3d4dcfca71998c34c64012bbcc7734aabc0b2dfc031dc");
    assert!(value("User-Agent").starts_with("kdeck%2F"));
    assert_eq!(expiry_ms, (1_764_892_800 + 900) * 1000);
    // Deterministic, and the secret key is nowhere in it.
    assert_eq!(token, super::token(&credentials(Some("Msk-Session-Token-1")), "us-west-2", now).0);
    assert!(!url.contains("wJalrXUtnFEMI"));
}

#[test]
fn region_from_msk_bootstrap_hosts() {
    #[rustfmt::skip]
    let cases = [
        ("b-1.prod.abc123.c2.kafka.eu-west-1.amazonaws.com:9098", Some("eu-west-1")),
        ("b-1.prod.abc123.c2.kafka.eu-west-1.amazonaws.com:9098,b-2.x.kafka.eu-west-1.amazonaws.com:9098", Some("eu-west-1")),
        ("boot-abc.c2.kafka-serverless.us-east-1.amazonaws.com:9098", Some("us-east-1")),
        ("SASL_SSL://b-1.x.kafka.ap-south-1.amazonaws.com:9098", Some("ap-south-1")),
        ("pkc-4r297.europe-west1.gcp.confluent.cloud:9092", None),
        ("localhost:9092", None),
    ];
    for (bootstrap, expected) in cases {
        assert_eq!(region_from_bootstrap(bootstrap).as_deref(), expected, "{bootstrap}");
    }
}

#[test]
fn amz_dates() {
    assert_eq!(amz_date(at(0)), "19700101T000000Z");
    assert_eq!(amz_date(at(951_782_400)), "20000229T000000Z");
    assert_eq!(amz_date(at(1_369_353_600 + 3_723)), "20130524T010203Z");
}
