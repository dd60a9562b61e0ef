//! Round trips of both push formats and robustness on arbitrary bytes.

use proptest::prelude::*;

use super::*;

fn sample_request() -> PushRequest {
    PushRequest {
        streams: vec![
            StreamAdapter {
                labels: r#"{job="varlogs", filename="/var/log/auth.log"}"#.into(),
                entries: vec![
                    EntryAdapter {
                        timestamp: Some(ProtoTimestamp {
                            seconds: 1_700_000_000,
                            nanos: 123_456_789,
                        }),
                        line: b"first line".to_vec(),
                        structured_metadata: vec![LabelPairAdapter {
                            name: "trace_id".into(),
                            value: "abc".into(),
                        }],
                    },
                    EntryAdapter {
                        timestamp: Some(ProtoTimestamp {
                            seconds: 1_700_000_001,
                            nanos: 0,
                        }),
                        line: vec![0xff, b'x'],
                        structured_metadata: vec![],
                    },
                ],
                hash: 42,
            },
            StreamAdapter {
                labels: "{bad".into(),
                entries: vec![EntryAdapter {
                    timestamp: None,
                    line: b"orphan".to_vec(),
                    structured_metadata: vec![],
                }],
                hash: 0,
            },
        ],
    }
}

#[test]
fn protobuf_round_trip_field_by_field() {
    let body = proto::encode_snappy(&sample_request());
    let push = decode_push(&body, Format::Protobuf, 1 << 20).unwrap();
    assert_eq!(push.streams.len(), 2);
    assert_eq!(push.entries(), 3);

    let s0 = &push.streams[0];
    assert_eq!(
        s0.labels,
        Ok(vec![
            ("job".to_owned(), "varlogs".to_owned()),
            ("filename".to_owned(), "/var/log/auth.log".to_owned())
        ])
    );
    assert_eq!(s0.entries[0].timestamp_ns, 1_700_000_000_123_456_789);
    assert_eq!(s0.entries[0].line, b"first line");
    assert_eq!(
        s0.entries[0].metadata,
        vec![("trace_id".to_owned(), "abc".to_owned())]
    );
    assert_eq!(s0.entries[1].timestamp_ns, 1_700_000_001_000_000_000);
    assert_eq!(s0.entries[1].line, vec![0xff, b'x'], "bytes kept as sent");
    assert!(s0.entries[1].metadata.is_empty());

    let s1 = &push.streams[1];
    let err = s1.labels.as_ref().unwrap_err();
    assert!(err.contains("at byte 4"), "{err}");
    assert_eq!(s1.entries[0].timestamp_ns, 0);
    assert_eq!(s1.entries[0].line, b"orphan");
}

#[test]
fn snappy_length_is_checked_before_decompressing() {
    let body = proto::encode_snappy(&sample_request());
    let declared = snap::raw::decompress_len(&body).unwrap();
    let err = decode_push(&body, Format::Protobuf, declared - 1).unwrap_err();
    assert_eq!(
        err,
        LokiError::TooLarge {
            declared,
            limit: declared - 1
        }
    );
    assert_eq!(err.kind(), "decompressed_too_large");

    // A header that claims 2 GiB for a 2-byte body.
    let lying = [0x80, 0x80, 0x80, 0x80, 0x08, 0x00, b'a'];
    let err = decode_push(&lying, Format::Protobuf, 128 << 20).unwrap_err();
    assert!(
        matches!(
            err,
            LokiError::TooLarge {
                declared: 2147483648,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn corrupt_snappy_and_broken_protobuf_are_named() {
    // Header says 10 bytes, then a copy op before any literal.
    let err = decode_push(&[0x0a, 0x01, 0x00], Format::Protobuf, 1 << 20).unwrap_err();
    assert_eq!(err.kind(), "corrupt_snappy", "{err}");
    assert!(
        err.to_string().starts_with("corrupt snappy body: "),
        "{err}"
    );

    // Valid snappy around bytes that are not a PushRequest (field 1 says
    // a 100-byte message follows; 1 byte does).
    let body = snap::raw::Encoder::new()
        .compress_vec(&[0x0a, 100, 1])
        .unwrap();
    let err = decode_push(&body, Format::Protobuf, 1 << 20).unwrap_err();
    assert_eq!(err.kind(), "protobuf", "{err}");
    assert!(
        err.to_string().contains("invalid protobuf PushRequest"),
        "{err}"
    );
}

#[test]
fn timestamp_overflow_names_stream_and_entry() {
    let mut req = sample_request();
    req.streams[0].entries[1].timestamp = Some(ProtoTimestamp {
        seconds: i64::MAX,
        nanos: 0,
    });
    let err = decode_push(&proto::encode_snappy(&req), Format::Protobuf, 1 << 20).unwrap_err();
    assert_eq!(err.kind(), "invalid_entry");
    assert!(
        err.to_string().starts_with("stream 0, entry 1: timestamp"),
        "{err}"
    );
}

#[test]
fn json_decodes_labels_values_and_metadata() {
    let body = br#"{"streams":[
        {"stream":{"job":"api","host":"web-1"},
         "values":[["1700000000000000001","hello"],
                   ["1700000000000000002","with meta",{"trace_id":"t1","user":"bob"}],
                   [1700000000000000003,"numeric ts"]]},
        {"stream":{"bad-name":"x"},"values":[["5","y"]]},
        {"values":[]}
    ]}"#;
    let push = decode_push(body, Format::Json, 0).unwrap();
    assert_eq!(push.streams.len(), 3);
    let s0 = &push.streams[0];
    assert_eq!(
        s0.labels,
        Ok(vec![
            ("job".to_owned(), "api".to_owned()),
            ("host".to_owned(), "web-1".to_owned())
        ])
    );
    let ts: Vec<i64> = s0.entries.iter().map(|e| e.timestamp_ns).collect();
    assert_eq!(
        ts,
        [
            1_700_000_000_000_000_001,
            1_700_000_000_000_000_002,
            1_700_000_000_000_000_003
        ]
    );
    assert_eq!(s0.entries[0].line, b"hello");
    assert!(s0.entries[0].metadata.is_empty());
    assert_eq!(
        s0.entries[1].metadata,
        vec![
            ("trace_id".to_owned(), "t1".to_owned()),
            ("user".to_owned(), "bob".to_owned())
        ]
    );
    assert_eq!(
        push.streams[1].labels,
        Err("invalid label name `bad-name`".to_owned())
    );
    assert_eq!(push.streams[1].entries[0].line, b"y");
    assert_eq!(push.streams[2].labels, Ok(vec![]));
    assert!(push.streams[2].entries.is_empty());
}

#[test]
fn json_errors_are_named() {
    let cases: &[(&[u8], &str, &str)] = &[
        (b"{", "json", "EOF"),
        (
            br#"{"streams":[{"values":[["1"]]}]}"#,
            "json",
            "invalid length 1",
        ),
        (
            br#"{"streams":[{"values":[["1","a",{},"x"]]}]}"#,
            "json",
            "invalid length 4",
        ),
        (
            br#"{"streams":[{"stream":{"a":1}}]}"#,
            "json",
            "expected a string",
        ),
        (
            br#"{"streams":[{"values":[["1","a"]]},{"values":[["soon","b"]]}]}"#,
            "invalid_entry",
            "stream 1, entry 0: timestamp \"soon\" is not epoch nanoseconds",
        ),
    ];
    for (body, kind, text) in cases {
        let err = decode_push(body, Format::Json, 0).unwrap_err();
        assert_eq!(err.kind(), *kind, "{err}");
        assert!(err.to_string().contains(text), "{err}");
    }
}

#[test]
fn content_types_choose_the_format() {
    let f = Format::from_content_type;
    assert_eq!(f(Some("application/json")), Some(Format::Json));
    assert_eq!(
        f(Some("Application/JSON; charset=utf-8")),
        Some(Format::Json)
    );
    assert_eq!(f(Some("application/x-protobuf")), Some(Format::Protobuf));
    assert_eq!(f(None), Some(Format::Protobuf));
    assert_eq!(f(Some("text/plain")), None);
    assert_eq!(f(Some("application/x-ndjson")), None);
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = decode_push(&bytes, Format::Json, 1 << 16);
        let _ = decode_push(&bytes, Format::Protobuf, 1 << 16);
        // The same bytes as a valid snappy block reach the protobuf decoder.
        let wrapped = snap::raw::Encoder::new().compress_vec(&bytes).unwrap();
        let _ = decode_push(&wrapped, Format::Protobuf, 1 << 16);
    }

    #[test]
    fn mutated_valid_bodies_never_panic(pos in 0usize..512, byte in any::<u8>()) {
        let body = proto::encode_snappy(&sample_request());
        let raw = snap::raw::Decoder::new().decompress_vec(&body).unwrap();
        let mut m = raw.clone();
        let i = pos % m.len();
        m[i] = byte;
        let wrapped = snap::raw::Encoder::new().compress_vec(&m).unwrap();
        let _ = decode_push(&wrapped, Format::Protobuf, 1 << 16);
        let mut b = body.clone();
        let j = pos % b.len();
        b[j] = byte;
        let _ = decode_push(&b, Format::Protobuf, 1 << 16);
    }
}
