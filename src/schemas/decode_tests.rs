use super::*;
use crate::schemas::registry::Reference;

fn registered(schema_type: SchemaType, schema: &str) -> RegisteredSchema {
    RegisteredSchema { schema: schema.to_string(), schema_type, references: Vec::new() }
}

fn decoded(parsed: &ParsedSchema, body: &[u8]) -> String {
    let mut out = Vec::new();
    parsed.decode_into(body, &mut out).unwrap();
    String::from_utf8(out).unwrap()
}

const ORDER: &str = r#"{"type":"record","name":"Order","namespace":"shop","fields":[
    {"name":"id","type":"long"},
    {"name":"customer","type":"string"},
    {"name":"note","type":["null","string"],"default":null},
    {"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","PAID"]}},
    {"name":"lines","type":{"type":"array","items":"int"}},
    {"name":"tags","type":{"type":"map","values":"double"}},
    {"name":"paid","type":"boolean"},
    {"name":"raw","type":"bytes"}
]}"#;

#[test]
fn avro_records_print_in_field_order_with_unions_unwrapped() {
    let parsed = ParsedSchema::parse(&registered(SchemaType::Avro, ORDER), &[]).unwrap();
    let ParsedSchema::Avro { schema, .. } = &parsed else { panic!("not Avro") };
    let value = AvroValue::Record(vec![
        ("id".into(), AvroValue::Long(42)),
        ("customer".into(), AvroValue::String("Zoë \"Z\"".into())),
        ("note".into(), AvroValue::Union(1, Box::new(AvroValue::String("fragile".into())))),
        ("status".into(), AvroValue::Enum(1, "PAID".into())),
        ("lines".into(), AvroValue::Array(vec![AvroValue::Int(1), AvroValue::Int(-2)])),
        (
            "tags".into(),
            AvroValue::Map([("b".to_string(), AvroValue::Double(2.5)), ("a".into(), AvroValue::Double(1.0))].into()),
        ),
        ("paid".into(), AvroValue::Boolean(true)),
        ("raw".into(), AvroValue::Bytes(vec![0, 0xff])),
    ]);
    let body = apache_avro::to_avro_datum(schema, value).unwrap();
    assert_eq!(
        decoded(&parsed, &body),
        r#"{"id":42,"customer":"Zoë \"Z\"","note":"fragile","status":"PAID","lines":[1,-2],"tags":{"a":1.0,"b":2.5},"paid":true,"raw":"\u0000ÿ"}"#
    );
}

#[test]
fn avro_null_union_branch_is_null() {
    let schema = r#"["null","string"]"#;
    let parsed = ParsedSchema::parse(&registered(SchemaType::Avro, schema), &[]).unwrap();
    assert_eq!(decoded(&parsed, &[0]), "null");
    assert_eq!(decoded(&parsed, &[2, 4, b'h', b'i']), "\"hi\"");
}

#[test]
fn avro_body_that_does_not_fit_the_schema_is_an_error_not_a_panic() {
    let parsed = ParsedSchema::parse(&registered(SchemaType::Avro, ORDER), &[]).unwrap();
    let mut out = Vec::new();
    let err = parsed.decode_into(&[0x80], &mut out).unwrap_err();
    assert!(err.starts_with("the Avro body does not match its schema"), "{err}");
}

#[test]
fn avro_references_resolve_named_types() {
    let address = registered(
        SchemaType::Avro,
        r#"{"type":"record","name":"Address","namespace":"shop","fields":[{"name":"city","type":"string"}]}"#,
    );
    let mut root = registered(
        SchemaType::Avro,
        r#"{"type":"record","name":"Customer","namespace":"shop","fields":[{"name":"home","type":"shop.Address"}]}"#,
    );
    root.references = vec![Reference { name: "shop.Address".into(), subject: "address".into(), version: 1 }];
    let parsed = ParsedSchema::parse(&root, &[("shop.Address".into(), address)]).unwrap();
    assert_eq!(decoded(&parsed, &[6, b'O', b's', b'l']), r#"{"home":{"city":"Osl"}}"#);
}

#[test]
fn an_avro_schema_that_does_not_parse_says_so() {
    let err = ParsedSchema::parse(&registered(SchemaType::Avro, "{\"type\":\"recor\"}"), &[]).unwrap_err();
    assert!(err.starts_with("the Avro schema does not parse"), "{err}");
}

#[test]
fn json_schema_bodies_print_as_written_when_they_are_json() {
    let parsed = ParsedSchema::parse(&registered(SchemaType::Json, "{\"type\":\"object\"}"), &[]).unwrap();
    assert_eq!(decoded(&parsed, b"{\"a\": 1, \"b\": [true]}\n"), "{\"a\": 1, \"b\": [true]}");
    assert!(parsed.decode_into(b"{not json", &mut Vec::new()).unwrap_err().contains("is not JSON"));
}

const PROTO: &str = r#"
syntax = "proto3";
package shop;
message Header { string source = 1; }
message Order {
  int64 id = 1;
  string customer_name = 2;
  repeated int32 lines = 3;
  message Line { string sku = 1; }
  Line first = 4;
}
"#;

#[test]
fn protobuf_uses_the_message_indexes_and_the_proto3_json_mapping() {
    let parsed = ParsedSchema::parse(&registered(SchemaType::Protobuf, PROTO), &[]).unwrap();
    // indexes [1] (count 1 = zigzag 2, index 1 = zigzag 2): shop.Order
    // id=7 (field 1 varint), customer_name="Al", lines=[1,2] packed, first.sku="x"
    let mut body = vec![2, 2];
    body.extend([0x08, 7, 0x12, 2, b'A', b'l', 0x1a, 2, 1, 2, 0x22, 3, 0x0a, 1, b'x']);
    assert_eq!(decoded(&parsed, &body), r#"{"id":"7","customerName":"Al","lines":[1,2],"first":{"sku":"x"}}"#);
    // [0] is written as the single byte 0: shop.Header
    assert_eq!(decoded(&parsed, &[0, 0x0a, 1, b's']), r#"{"source":"s"}"#);
    // nested: [1, 0] is shop.Order.Line
    assert_eq!(decoded(&parsed, &[4, 2, 0, 0x0a, 1, b'y']), r#"{"sku":"y"}"#);
}

#[test]
fn protobuf_indexes_past_the_schema_are_an_error() {
    let parsed = ParsedSchema::parse(&registered(SchemaType::Protobuf, PROTO), &[]).unwrap();
    let err = parsed.decode_into(&[2, 10], &mut Vec::new()).unwrap_err();
    assert_eq!(err, "the Protobuf schema has no message at indexes [5]");
}

#[test]
fn protobuf_schemas_registered_as_base64_descriptors_are_read() {
    use base64::Engine as _;
    use prost_reflect::prost::Message as _;
    let pool = match ParsedSchema::parse(&registered(SchemaType::Protobuf, PROTO), &[]).unwrap() {
        ParsedSchema::Protobuf { pool } => pool,
        _ => unreachable!(),
    };
    let file = pool.get_file_by_name(ROOT_PROTO).unwrap();
    let encoded = base64::engine::general_purpose::STANDARD.encode(file.file_descriptor_proto().encode_to_vec());
    let parsed = ParsedSchema::parse(&registered(SchemaType::Protobuf, &encoded), &[]).unwrap();
    assert_eq!(decoded(&parsed, &[0, 0x0a, 1, b's']), r#"{"source":"s"}"#);
}

#[test]
fn protobuf_imports_come_from_the_references() {
    let common =
        registered(SchemaType::Protobuf, "syntax = \"proto3\"; package common; message Money { int64 cents = 1; }");
    let mut root = registered(
        SchemaType::Protobuf,
        "syntax = \"proto3\"; import \"common/money.proto\"; message Price { common.Money amount = 1; }",
    );
    root.references = vec![Reference { name: "common/money.proto".into(), subject: "money".into(), version: 1 }];
    let parsed = ParsedSchema::parse(&root, &[("common/money.proto".into(), common)]).unwrap();
    assert_eq!(decoded(&parsed, &[0, 0x0a, 2, 0x08, 5]), r#"{"amount":{"cents":"5"}}"#);
}
