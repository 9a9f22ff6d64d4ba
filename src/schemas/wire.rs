//! How a serialized record says which schema wrote it, before any registry is
//! asked. Pure byte slicing: no I/O.
//!
//! - Confluent's wire format: magic byte 0, a 4-byte big-endian schema id, then
//!   the body (Avro binary, JSON text, or Protobuf after its message indexes).
//! - AWS Glue Schema Registry: header version byte 3, a compression byte
//!   (0 none, 5 zlib), a 16-byte schema version UUID, then the body. kdeck
//!   recognises it to say what it is; Glue's registry is not Confluent's API.

/// What the first bytes of a key or value say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing<'a> {
    Confluent {
        schema_id: u32,
        body: &'a [u8],
    },
    Glue {
        schema_version: [u8; 16],
        compressed: bool,
    },
    /// Not a registry-framed record: printed as it is.
    Unframed,
}

const CONFLUENT_MAGIC: u8 = 0;
const GLUE_HEADER_VERSION: u8 = 3;
const GLUE_COMPRESSION_NONE: u8 = 0;
const GLUE_COMPRESSION_ZLIB: u8 = 5;

pub fn framing(bytes: &[u8]) -> Framing<'_> {
    match bytes {
        [CONFLUENT_MAGIC, a, b, c, d, body @ ..] => {
            Framing::Confluent { schema_id: u32::from_be_bytes([*a, *b, *c, *d]), body }
        }
        [GLUE_HEADER_VERSION, compression @ (GLUE_COMPRESSION_NONE | GLUE_COMPRESSION_ZLIB), rest @ ..]
            if rest.len() >= 16 =>
        {
            let mut schema_version = [0u8; 16];
            schema_version.copy_from_slice(&rest[..16]);
            Framing::Glue { schema_version, compressed: *compression == GLUE_COMPRESSION_ZLIB }
        }
        _ => Framing::Unframed,
    }
}

/// A UUID in its usual 8-4-4-4-12 spelling.
pub fn uuid_text(bytes: &[u8; 16]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[0..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IndexError {
    #[error("the Protobuf message indexes end early")]
    Truncated,
    #[error("the Protobuf message indexes are not a valid varint")]
    Overlong,
    #[error("the Protobuf message index count {0} is not a count")]
    BadCount(i64),
}

/// Confluent's Protobuf body starts with the path of message indexes that names
/// the message type within the schema's file: a zigzag varint count, then that
/// many zigzag varints. A count of 0 is the common case `[0]` (the first message).
pub fn protobuf_message_indexes(body: &[u8]) -> Result<(Vec<usize>, &[u8]), IndexError> {
    let (count, mut rest) = zigzag_varint(body)?;
    if count == 0 {
        return Ok((vec![0], rest));
    }
    if count < 0 {
        return Err(IndexError::BadCount(count));
    }
    if count as usize > rest.len() {
        return Err(IndexError::Truncated);
    }
    let mut indexes = Vec::with_capacity(count as usize);
    for _ in 0..count {
        let (index, after) = zigzag_varint(rest)?;
        if index < 0 {
            return Err(IndexError::BadCount(index));
        }
        indexes.push(index as usize);
        rest = after;
    }
    Ok((indexes, rest))
}

fn zigzag_varint(bytes: &[u8]) -> Result<(i64, &[u8]), IndexError> {
    let mut value: u64 = 0;
    for (position, &byte) in bytes.iter().enumerate() {
        if position == 10 {
            return Err(IndexError::Overlong);
        }
        value |= u64::from(byte & 0x7f) << (7 * position);
        if byte & 0x80 == 0 {
            let decoded = ((value >> 1) as i64) ^ -((value & 1) as i64);
            return Ok((decoded, &bytes[position + 1..]));
        }
    }
    Err(IndexError::Truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn confluent_framing_reads_the_big_endian_id_and_keeps_the_body() {
        assert_eq!(framing(&[0, 0, 0, 1, 2, 0xAA, 0xBB]), Framing::Confluent { schema_id: 258, body: &[0xAA, 0xBB] });
        assert_eq!(framing(&[0, 0, 0, 0, 7]), Framing::Confluent { schema_id: 7, body: &[] });
    }

    #[test]
    fn short_or_other_magic_is_unframed() {
        assert_eq!(framing(&[]), Framing::Unframed);
        assert_eq!(framing(&[0, 0, 0, 1]), Framing::Unframed, "four bytes cannot hold magic and id");
        assert_eq!(framing(b"{\"a\":1}"), Framing::Unframed);
        assert_eq!(framing(&[1, 0, 0, 0, 1]), Framing::Unframed);
    }

    #[test]
    fn glue_framing_is_recognised_with_its_schema_version() {
        let mut bytes = vec![3, 0];
        bytes.extend(0u8..16);
        bytes.extend(b"body");
        let Framing::Glue { schema_version, compressed } = framing(&bytes) else { panic!("not Glue") };
        assert!(!compressed);
        assert_eq!(uuid_text(&schema_version), "00010203-0405-0607-0809-0a0b0c0d0e0f");
        bytes[1] = 5;
        assert!(matches!(framing(&bytes), Framing::Glue { compressed: true, .. }));
        bytes[1] = 9;
        assert_eq!(framing(&bytes), Framing::Unframed, "unknown compression byte");
        assert_eq!(framing(&[3, 0, 1, 2]), Framing::Unframed, "too short for the UUID");
    }

    #[test]
    fn protobuf_indexes_zero_count_means_the_first_message() {
        assert_eq!(protobuf_message_indexes(&[0, 8, 1]).unwrap(), (vec![0], &[8u8, 1][..]));
    }

    #[test]
    fn protobuf_indexes_are_zigzag_varints() {
        // count 2 (zigzag 4), indexes 1 (2) and 0 (0)
        assert_eq!(protobuf_message_indexes(&[4, 2, 0, 0x0a]).unwrap(), (vec![1, 0], &[0x0au8][..]));
        // index 64 is zigzag 128: two varint bytes
        assert_eq!(protobuf_message_indexes(&[2, 0x80, 0x01]).unwrap(), (vec![64], &[][..]));
    }

    #[test]
    fn protobuf_indexes_reject_garbage() {
        assert_eq!(protobuf_message_indexes(&[]), Err(IndexError::Truncated));
        assert_eq!(protobuf_message_indexes(&[4, 2]), Err(IndexError::Truncated));
        assert_eq!(protobuf_message_indexes(&[1]), Err(IndexError::BadCount(-1)));
        assert_eq!(protobuf_message_indexes(&[0xff; 12]), Err(IndexError::Overlong));
    }
}
