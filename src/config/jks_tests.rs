use super::*;

const CLIENT_JKS: &[u8] = include_bytes!("../../tests/fixtures/tls/client.jks");
const TRUSTSTORE_JKS: &[u8] = include_bytes!("../../tests/fixtures/tls/truststore.jks");
const CLIENT_P12: &[u8] = include_bytes!("../../tests/fixtures/tls/client.p12");
const CLIENT_KEY: &str = include_str!("../../tests/fixtures/tls/client.key");
const CLIENT_PEM: &str = include_str!("../../tests/fixtures/tls/client.pem");
const CA_PEM: &str = include_str!("../../tests/fixtures/tls/ca.pem");

#[test]
fn keytool_keystore_reads_as_the_pem_it_was_made_from() {
    let store = read(CLIENT_JKS, "Jks-Store-Pa55", "Jks-Key-Pa55").unwrap();
    assert_eq!(store.private_key.as_deref(), Some(CLIENT_KEY));
    assert_eq!(store.chain, [CLIENT_PEM]);
    assert!(store.trusted.is_empty());
    let trust = read(TRUSTSTORE_JKS, "Jks-Trust-Pa55", "Jks-Trust-Pa55").unwrap();
    assert_eq!(trust.trusted, [CA_PEM]);
    assert!(trust.private_key.is_none());
}

#[test]
fn every_failure_says_what_is_wrong() {
    #[rustfmt::skip]
    let cases: &[(&[u8], &str, &str, JksError)] = &[
        (CLIENT_JKS, "wrong-store", "Jks-Key-Pa55", JksError::WrongStorePassword),
        (CLIENT_JKS, "Jks-Store-Pa55", "Jks-Store-Pa55", JksError::WrongKeyPassword),
        (CLIENT_P12, "P12-Store-Pa55", "P12-Store-Pa55", JksError::NotJks),
        (&CLIENT_JKS[..30], "Jks-Store-Pa55", "Jks-Key-Pa55", JksError::WrongStorePassword),
        (&[0xFE, 0xED], "x", "x", JksError::Truncated),
        (&[0xCE, 0xCE, 0xCE, 0xCE, 0, 0, 0, 2], "x", "x", JksError::Jceks),
    ];
    for (bytes, store, key, expected) in cases {
        let error = read(bytes, store, key).err().unwrap();
        assert_eq!(&error, expected);
        assert!(!error.to_string().contains("Pa55"));
    }
}

#[test]
fn der_lengths() {
    assert_eq!(der_element(&[0x04, 0x02, 1, 2, 9], 0x04), Some((&[1u8, 2][..], &[9u8][..])));
    assert_eq!(der_element(&[0x04, 0x81, 0x01, 7], 0x04), Some((&[7u8][..], &[][..])));
    assert_eq!(der_element(&[0x04, 0x03, 1], 0x04), None);
    assert_eq!(der_element(&[0x30, 0x00], 0x04), None);
    assert_eq!(der_element(&[0x04, 0x80], 0x04), None);
}
