//! What verification compares: each record reduced to a few 64-bit hashes, so a
//! partition's comparison holds numbers, never payloads.
//!
//! The hash is a fixed, documented mix (not `std`'s `DefaultHasher`, whose
//! algorithm may change between Rust releases), so a checksum printed today
//! means the same thing after an upgrade. It is not cryptographic: it finds
//! accidents, not forgeries.

use crate::engine::provenance::{self, Provenance, HEADER_NAME};
use crate::record::RecordView;

const MULTIPLIER: u64 = 0x9E37_79B9_7F4A_7C15;
const SEED: u64 = 0x2545_F491_4F6C_DD1D;

/// An incremental 64-bit hash over bytes and numbers, 8 bytes per step.
#[derive(Clone, Copy, Debug)]
pub struct Hash64(u64);

impl Default for Hash64 {
    fn default() -> Self {
        Hash64(SEED)
    }
}

impl Hash64 {
    pub fn word(&mut self, word: u64) {
        let mixed = (self.0 ^ word).wrapping_mul(MULTIPLIER);
        self.0 = mixed ^ (mixed >> 29);
    }

    /// Length first, so ("ab", "c") and ("a", "bc") differ.
    pub fn bytes(&mut self, bytes: &[u8]) {
        self.word(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0u8; 8];
            word.copy_from_slice(chunk);
            self.word(u64::from_le_bytes(word));
        }
        let tail = chunks.remainder();
        if !tail.is_empty() {
            let mut word = [0u8; 8];
            word[..tail.len()].copy_from_slice(tail);
            self.word(u64::from_le_bytes(word));
        }
    }

    /// Null and empty differ: a tombstone is not an empty value.
    pub fn optional(&mut self, bytes: Option<&[u8]>) {
        match bytes {
            None => self.word(u64::MAX),
            Some(bytes) => self.bytes(bytes),
        }
    }

    pub fn finish(self) -> u64 {
        let mut h = self.0;
        h ^= h >> 33;
        h = h.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        h ^ (h >> 33)
    }
}

/// Which source partition a destination record may be a copy of: its provenance
/// header is recognised (and left out of the comparison) only when it names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceIdentity {
    /// Empty when the broker reports none; then any cluster id is accepted.
    pub cluster_id: String,
    pub topic: String,
    pub partition: i32,
}

impl SourceIdentity {
    fn names(&self, provenance: &Provenance) -> bool {
        provenance.topic == self.topic
            && provenance.partition == self.partition
            && (self.cluster_id.is_empty()
                || provenance.cluster_id.is_empty()
                || provenance.cluster_id == self.cluster_id)
    }
}

/// The compared parts of a record, hashed field by field so a mismatch can say
/// which field differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Fields {
    pub key: u64,
    pub value: u64,
    pub headers: u64,
    /// -1 when the broker reports none.
    pub timestamp: i64,
}

impl Fields {
    /// The whole record's content hash: equal contents, equal fingerprints.
    pub fn fingerprint(&self) -> u64 {
        let mut hash = Hash64::default();
        for word in [self.key, self.value, self.headers, self.timestamp as u64] {
            hash.word(word);
        }
        hash.finish()
    }

    /// The names of the fields that differ, in a fixed order.
    pub fn differences(&self, other: &Fields) -> Vec<Field> {
        let mut fields = Vec::new();
        if self.key != other.key {
            fields.push(Field::Key);
        }
        if self.value != other.value {
            fields.push(Field::Value);
        }
        if self.headers != other.headers {
            fields.push(Field::Headers);
        }
        if self.timestamp != other.timestamp {
            fields.push(Field::Timestamp);
        }
        fields
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Field {
    Key,
    Value,
    Headers,
    Timestamp,
}

impl Field {
    pub fn name(self) -> &'static str {
        match self {
            Field::Key => "key",
            Field::Value => "value",
            Field::Headers => "headers",
            Field::Timestamp => "timestamp",
        }
    }
}

/// One record as the reconciliation sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    pub offset: i64,
    /// The source offset this record is a copy of, from a provenance header that
    /// names the compared source partition. Always `None` on the source side.
    pub copy_of: Option<i64>,
    pub fields: Fields,
    pub fingerprint: u64,
}

impl Entry {
    pub fn new(offset: i64, copy_of: Option<i64>, fields: Fields) -> Self {
        Entry { offset, copy_of, fields, fingerprint: fields.fingerprint() }
    }

    /// A source record: every header counts.
    pub fn of_source(record: &RecordView<'_>) -> Self {
        Entry::new(record.offset, None, fields_of(record, None))
    }

    /// A destination record. The last provenance header, when it names `source`,
    /// is this hop's own mark: it gives the alignment and is not compared.
    pub fn of_destination(record: &RecordView<'_>, source: &SourceIdentity) -> Self {
        let last = record.headers.iter().rposition(|h| h.name == HEADER_NAME);
        let copy = last.and_then(|index| {
            let provenance = provenance::decode(record.headers[index].value?).ok()?;
            source.names(&provenance).then_some((index, provenance.offset))
        });
        match copy {
            Some((index, offset)) => Entry::new(record.offset, Some(offset), fields_of(record, Some(index))),
            None => Entry::new(record.offset, None, fields_of(record, None)),
        }
    }
}

fn fields_of(record: &RecordView<'_>, skip_header: Option<usize>) -> Fields {
    let (mut key, mut value, mut headers) = (Hash64::default(), Hash64::default(), Hash64::default());
    key.optional(record.key);
    value.optional(record.payload);
    for (index, header) in record.headers.iter().enumerate() {
        if Some(index) != skip_header {
            headers.bytes(header.name.as_bytes());
            headers.optional(header.value);
        }
    }
    Fields {
        key: key.finish(),
        value: value.finish(),
        headers: headers.finish(),
        timestamp: record.timestamp_or_minus_one(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{Header, TimestampType};

    fn view<'a>(
        offset: i64,
        key: Option<&'a [u8]>,
        value: Option<&'a [u8]>,
        headers: &'a [Header<'a>],
    ) -> RecordView<'a> {
        RecordView {
            topic: "orders",
            partition: 2,
            offset,
            timestamp: Some(1_700_000_000_000),
            timestamp_type: TimestampType::CreateTime,
            broker: 1,
            key,
            payload: value,
            headers,
        }
    }

    fn source() -> SourceIdentity {
        SourceIdentity { cluster_id: "src".into(), topic: "orders".into(), partition: 2 }
    }

    #[test]
    fn hash_separates_lengths_nulls_and_empties() {
        let hash = |parts: &[Option<&[u8]>]| {
            let mut h = Hash64::default();
            parts.iter().for_each(|p| h.optional(*p));
            h.finish()
        };
        let cases: &[&[Option<&[u8]>]] = &[
            &[None],
            &[Some(b"")],
            &[Some(b"ab"), Some(b"c")],
            &[Some(b"a"), Some(b"bc")],
            &[Some(b"12345678")],
            &[Some(b"12345678\0")],
            &[Some(b"1234567")],
        ];
        let hashes: Vec<u64> = cases.iter().map(|c| hash(c)).collect();
        for (i, a) in hashes.iter().enumerate() {
            for b in &hashes[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert_eq!(hash(cases[2]), hash(cases[2]), "deterministic");
    }

    #[test]
    fn destination_provenance_is_not_compared_but_aligns() {
        let mark = Provenance::new("src", "orders", 2, 41).encode();
        let with = [Header { name: "trace", value: Some(b"t") }, Header { name: HEADER_NAME, value: Some(&mark) }];
        let without = [Header { name: "trace", value: Some(b"t") }];
        let src = Entry::of_source(&view(41, Some(b"k"), Some(b"v"), &without));
        let dst = Entry::of_destination(&view(7, Some(b"k"), Some(b"v"), &with), &source());
        assert_eq!(dst.copy_of, Some(41));
        assert_eq!(dst.fingerprint, src.fingerprint);
        assert_eq!(dst.offset, 7);
    }

    #[test]
    fn provenance_of_another_partition_or_cluster_is_content() {
        for other in [
            Provenance::new("src", "orders", 3, 41),
            Provenance::new("src", "payments", 2, 41),
            Provenance::new("elsewhere", "orders", 2, 41),
        ] {
            let mark = other.encode();
            let headers = [Header { name: HEADER_NAME, value: Some(&mark) }];
            let dst = Entry::of_destination(&view(7, None, Some(b"v"), &headers), &source());
            assert_eq!(dst.copy_of, None, "{other:?}");
            assert_ne!(dst.fields.headers, Entry::of_source(&view(41, None, Some(b"v"), &[])).fields.headers);
        }
        let anonymous = SourceIdentity { cluster_id: String::new(), ..source() };
        let mark = Provenance::new("whatever", "orders", 2, 9).encode();
        let headers = [Header { name: HEADER_NAME, value: Some(&mark) }];
        assert_eq!(Entry::of_destination(&view(1, None, None, &headers), &anonymous).copy_of, Some(9));
    }

    #[test]
    fn an_upstream_provenance_on_the_source_stays_compared() {
        let upstream = Provenance::new("first", "orders", 2, 5).encode();
        let ours = Provenance::new("src", "orders", 2, 41).encode();
        let src_headers = [Header { name: HEADER_NAME, value: Some(&upstream) }];
        let dst_headers =
            [Header { name: HEADER_NAME, value: Some(&upstream) }, Header { name: HEADER_NAME, value: Some(&ours) }];
        let src = Entry::of_source(&view(41, None, Some(b"v"), &src_headers));
        let dst = Entry::of_destination(&view(3, None, Some(b"v"), &dst_headers), &source());
        assert_eq!((dst.copy_of, dst.fingerprint), (Some(41), src.fingerprint));
    }

    #[test]
    fn differences_name_each_changed_field() {
        let base = Fields { key: 1, value: 2, headers: 3, timestamp: 4 };
        assert!(base.differences(&base).is_empty());
        let changed = Fields { headers: 9, timestamp: 5, ..base };
        assert_eq!(base.differences(&changed), vec![Field::Headers, Field::Timestamp]);
        assert_ne!(base.fingerprint(), changed.fingerprint());
        let key_value = Fields { key: 0, value: 0, ..base };
        assert_eq!(base.differences(&key_value), vec![Field::Key, Field::Value]);
    }

    #[test]
    fn header_order_and_timestamp_count() {
        let (a, b) = (Header { name: "a", value: Some(b"1") }, Header { name: "b", value: None });
        let one = Entry::of_source(&view(0, None, None, &[a, b]));
        let two = Entry::of_source(&view(0, None, None, &[b, a]));
        assert_ne!(one.fields.headers, two.fields.headers);
        let both = [a, b];
        let mut later = view(0, None, None, &both);
        later.timestamp = Some(1);
        assert_ne!(Entry::of_source(&later).fingerprint, one.fingerprint);
        later.timestamp_type = TimestampType::NotAvailable;
        assert_eq!(Entry::of_source(&later).fields.timestamp, -1);
    }
}
