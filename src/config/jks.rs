//! Java KeyStore (JKS) files, read into PEM for librdkafka, which cannot read them.
//!
//! The format (Sun's `JavaKeyStore`): magic `FEEDFEED`, version 2, entries (a private
//! key with its certificate chain, or a trusted certificate), then a SHA-1 of the
//! UTF-16 password, the text "Mighty Aphrodite" and everything before it. A private
//! key is encrypted with Sun's `KeyProtector`: a SHA-1 keystream seeded by a 20-byte
//! salt, then a SHA-1 check of the password and the plain key. About 150 lines,
//! so no crate (docs/ARCHITECTURE.md says why).

use base64::Engine as _;
use sha1::{Digest, Sha1};

const MAGIC: u32 = 0xFEED_FEED;
const JCEKS_MAGIC: u32 = 0xCECE_CECE;
const KEY_PROTECTOR_OID: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01, 0x01];

/// What a keystore holds, as PEM text. Debug shows no key.
#[derive(Default)]
pub struct PemStore {
    /// `-----BEGIN PRIVATE KEY-----` (PKCS#8) of the first private key entry.
    pub private_key: Option<String>,
    /// That key's certificate chain, leaf first.
    pub chain: Vec<String>,
    /// Every trusted certificate entry.
    pub trusted: Vec<String>,
}

/// Why a store could not be read; never quotes a password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JksError {
    NotJks,
    Jceks,
    Truncated,
    WrongStorePassword,
    WrongKeyPassword,
    UnknownKeyProtection,
}

impl std::fmt::Display for JksError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            JksError::NotJks => "not a Java keystore (JKS)",
            JksError::Jceks => "a JCEKS keystore: convert it to PKCS12 with keytool -importkeystore",
            JksError::Truncated => "truncated or corrupt keystore",
            JksError::WrongStorePassword => "wrong keystore password (the keystore's integrity check fails)",
            JksError::WrongKeyPassword => "wrong key password (the private key does not decrypt)",
            JksError::UnknownKeyProtection => "the private key is protected by an algorithm other than JKS's",
        })
    }
}

/// Reads a JKS file's bytes. `key_password` decrypts private keys (Java's default is
/// the store password).
pub fn read(bytes: &[u8], store_password: &str, key_password: &str) -> Result<PemStore, JksError> {
    let mut reader = Reader { bytes, at: 0 };
    match reader.u32()? {
        MAGIC => {}
        JCEKS_MAGIC => return Err(JksError::Jceks),
        _ => return Err(JksError::NotJks),
    }
    let version = reader.u32()?;
    if version != 1 && version != 2 {
        return Err(JksError::NotJks);
    }
    let body_end = bytes.len().checked_sub(20).ok_or(JksError::Truncated)?;
    let mut integrity = Sha1::new();
    integrity.update(utf16(store_password));
    integrity.update(b"Mighty Aphrodite");
    integrity.update(&bytes[..body_end]);
    if integrity.finalize().as_slice() != &bytes[body_end..] {
        return Err(JksError::WrongStorePassword);
    }
    let mut store = PemStore::default();
    for _ in 0..reader.u32()? {
        let tag = reader.u32()?;
        reader.utf()?; // alias
        reader.take(8)?; // creation time
        match tag {
            1 => {
                let length = reader.u32()? as usize;
                let protected = reader.take(length)?;
                let chain_length = reader.u32()?;
                let mut chain = Vec::new();
                for _ in 0..chain_length {
                    chain.push(reader.certificate(version)?);
                }
                if store.private_key.is_none() {
                    let key = unprotect(protected, key_password)?;
                    store.private_key = Some(pem("PRIVATE KEY", &key));
                    store.chain = chain;
                }
            }
            2 => store.trusted.push(reader.certificate(version)?),
            _ => return Err(JksError::Truncated),
        }
    }
    Ok(store)
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8], JksError> {
        let end = self.at.checked_add(count).filter(|end| *end <= self.bytes.len()).ok_or(JksError::Truncated)?;
        let taken = &self.bytes[self.at..end];
        self.at = end;
        Ok(taken)
    }

    fn u32(&mut self) -> Result<u32, JksError> {
        let bytes = self.take(4)?;
        Ok(u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]))
    }

    fn utf(&mut self) -> Result<&'a [u8], JksError> {
        let length = self.take(2)?;
        self.take(usize::from(u16::from_be_bytes([length[0], length[1]])))
    }

    fn certificate(&mut self, version: u32) -> Result<String, JksError> {
        if version == 2 {
            self.utf()?; // "X.509"
        }
        let length = self.u32()? as usize;
        Ok(pem("CERTIFICATE", self.take(length)?))
    }
}

/// Java chars as UTF-16 big-endian bytes, as both of JKS's digests take them.
fn utf16(password: &str) -> Vec<u8> {
    password.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// Sun's KeyProtector: the key is XORed with SHA-1(password || previous digest),
/// starting from the salt, and followed by SHA-1(password || plain key).
fn unprotect(encrypted_key_info: &[u8], password: &str) -> Result<Vec<u8>, JksError> {
    let (algorithm, protected) = encrypted_private_key_info(encrypted_key_info).ok_or(JksError::Truncated)?;
    if algorithm != KEY_PROTECTOR_OID {
        return Err(JksError::UnknownKeyProtection);
    }
    if protected.len() < 40 {
        return Err(JksError::Truncated);
    }
    let (salt, rest) = protected.split_at(20);
    let (encrypted, check) = rest.split_at(rest.len() - 20);
    let password = utf16(password);
    let mut digest = salt.to_vec();
    let mut plain = Vec::with_capacity(encrypted.len());
    for block in encrypted.chunks(20) {
        digest = Sha1::new().chain_update(&password).chain_update(&digest).finalize().to_vec();
        plain.extend(block.iter().zip(&digest).map(|(byte, key)| byte ^ key));
    }
    let expected = Sha1::new().chain_update(&password).chain_update(&plain).finalize();
    if expected.as_slice() != check {
        return Err(JksError::WrongKeyPassword);
    }
    Ok(plain)
}

/// `SEQUENCE { SEQUENCE { OID, params }, OCTET STRING }`: the OID's bytes and the octets.
fn encrypted_private_key_info(der: &[u8]) -> Option<(&[u8], &[u8])> {
    let (outer, _) = der_element(der, 0x30)?;
    let (algorithm, rest) = der_element(outer, 0x30)?;
    let (oid, _) = der_element(algorithm, 0x06)?;
    let (octets, _) = der_element(rest, 0x04)?;
    Some((oid, octets))
}

/// One DER element of the given tag: its contents and what follows it.
fn der_element(der: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&found, rest) = der.split_first()?;
    if found != tag {
        return None;
    }
    let (&first, mut rest) = rest.split_first()?;
    let length = if first < 0x80 {
        usize::from(first)
    } else {
        let count = usize::from(first & 0x7f);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count].iter().fold(0usize, |length, byte| (length << 8) | usize::from(*byte));
        rest = &rest[count..];
        length
    };
    (rest.len() >= length).then(|| rest.split_at(length))
}

fn pem(label: &str, der: &[u8]) -> String {
    let encoded = base64::engine::general_purpose::STANDARD.encode(der);
    let mut text = format!("-----BEGIN {label}-----\n");
    for line in encoded.as_bytes().chunks(64) {
        text.push_str(std::str::from_utf8(line).unwrap_or_default());
        text.push('\n');
    }
    text.push_str(&format!("-----END {label}-----\n"));
    text
}

#[cfg(test)]
#[path = "jks_tests.rs"]
mod tests;
