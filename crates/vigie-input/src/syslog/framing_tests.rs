//! Unit and property tests of the [`Framer`].

use proptest::prelude::*;

use super::*;

/// Feeds `chunks` one by one, then finishes; returns every result.
fn run(max: usize, chunks: &[&[u8]]) -> Vec<Result<Vec<u8>, FrameError>> {
    let mut f = Framer::new(max);
    let mut out = Vec::new();
    for c in chunks {
        f.feed(c);
        while let Some(r) = f.pop() {
            out.push(r);
        }
    }
    out.extend(f.finish());
    out
}

fn ok(s: &str) -> Result<Vec<u8>, FrameError> {
    Ok(s.as_bytes().to_vec())
}

#[test]
fn octet_counted_and_lines_mixed_on_one_stream() {
    let stream = b"5 <13>a<13>line one\r\n7 <13>bcd\n<13>line two\n\0<13>nul\0";
    assert_eq!(
        run(100, &[stream]),
        vec![
            ok("<13>a"),
            ok("<13>line one"),
            ok("<13>bcd"),
            ok("<13>line two"),
            ok("<13>nul"),
        ]
    );
}

#[test]
fn octet_counted_frame_keeps_embedded_newlines() {
    assert_eq!(run(100, &[b"9 <1>a\nb\r\nc"]), vec![ok("<1>a\nb\r\nc")]);
}

#[test]
fn frame_split_inside_the_count_and_the_body() {
    assert_eq!(
        run(100, &[b"1", b"0 <13>", b"abc", b"def<1", b"3>x\r", b"\n"]),
        vec![ok("<13>abcdef"), ok("<13>x")]
    );
}

#[test]
fn last_unterminated_line_is_delivered_at_eof() {
    assert_eq!(
        run(100, &[b"<1>a\n<1>last\r"]),
        vec![ok("<1>a"), ok("<1>last")]
    );
}

#[test]
fn truncated_octet_frame_at_eof_is_a_bad_frame() {
    let out = run(100, &[b"<1>a\n10 <1>b"]);
    assert_eq!(out[0], ok("<1>a"));
    let err = out[1].clone().unwrap_err();
    assert_eq!(
        err,
        FrameError::Truncated {
            expected: 10,
            got: 4,
            at: 5
        }
    );
    assert_eq!(err.reason(), "bad_frame");
}

#[test]
fn oversized_line_is_skipped_up_to_its_lf() {
    let big = [b'x'; 50];
    let out = run(
        20,
        &[b"<1>before\n", &big[..25], &big[25..], b"tail\n<1>after\n"],
    );
    assert_eq!(out.len(), 3, "{out:?}");
    assert_eq!(out[0], ok("<1>before"));
    let err = out[1].clone().unwrap_err();
    assert_eq!(err.reason(), "frame_too_large");
    assert!(matches!(
        err,
        FrameError::TooLarge {
            at: 10,
            limit: 20,
            ..
        }
    ));
    assert_eq!(out[2], ok("<1>after"));
}

#[test]
fn oversized_complete_line_is_reported_with_its_size() {
    let out = run(5, &[b"<1>abcdef\n<1>ok\n"]);
    assert_eq!(
        out,
        vec![
            Err(FrameError::TooLarge {
                size: 9,
                limit: 5,
                at: 0
            }),
            ok("<1>ok")
        ]
    );
}

#[test]
fn oversized_octet_frame_is_skipped_by_its_length() {
    // The 30-byte body contains a LF: skipping by length, not by line.
    let body = "<1>aaaaaaaa\nbbbbbbbbbbbbbbbbbb";
    let stream = format!("4 <1>x30 {body}3 <1>");
    let out = run(10, &[stream.as_bytes()]);
    assert_eq!(
        out,
        vec![
            ok("<1>x"),
            Err(FrameError::TooLarge {
                size: 30,
                limit: 10,
                at: 6
            }),
            ok("<1>")
        ]
    );
}

#[test]
fn bad_octet_count_breaks_the_stream() {
    let mut f = Framer::new(100);
    f.feed(b"12x <1>abc\n<1>more\n");
    let err = f.pop().unwrap().unwrap_err();
    assert_eq!(err.reason(), "bad_frame");
    assert!(!err.is_recoverable());
    assert!(f.is_broken());
    assert_eq!(f.pop(), None);
}

#[test]
fn zero_and_overlong_counts_are_bad() {
    assert!(matches!(
        run(100, &[b"0 x"])[0],
        Err(FrameError::BadCount { .. })
    ));
    let digits = vec![b'9'; 25];
    assert!(matches!(
        run(100, &[&digits])[0],
        Err(FrameError::BadCount { .. })
    ));
}

#[test]
fn blank_lines_are_skipped_without_recursion() {
    let blanks = vec![b'\n'; 1_000_000];
    let out = run(100, &[&blanks, b"<1>x\n"]);
    assert_eq!(out, vec![ok("<1>x")]);
}

#[test]
fn buffer_stays_bounded_while_skipping() {
    let mut f = Framer::new(64);
    let chunk = vec![b'y'; 4096];
    for _ in 0..100 {
        f.feed(&chunk);
        while f.pop().is_some() {}
        assert!(f.buffered() <= 64 + chunk.len());
    }
}

/// One message and how it is framed.
fn message() -> impl Strategy<Value = (Vec<u8>, bool)> {
    prop_oneof![
        // Octet-counted: any bytes.
        proptest::collection::vec(any::<u8>(), 1..80).prop_map(|m| (m, true)),
        // Line: starts with `<`, no LF or NUL, does not end with CR.
        proptest::collection::vec(
            any::<u8>().prop_filter("terminator", |b| *b != b'\n' && *b != 0),
            0..80
        )
        .prop_map(|mut m| {
            m.insert(0, b'<');
            while m.last() == Some(&b'\r') {
                m.pop();
            }
            if m.is_empty() {
                m.push(b'<');
            }
            (m, false)
        }),
    ]
}

proptest! {
    #[test]
    fn any_mix_split_anywhere_decodes_to_the_same_messages(
        messages in proptest::collection::vec(message(), 0..20),
        cuts in proptest::collection::vec(any::<prop::sample::Index>(), 0..10),
        crlf in any::<bool>(),
        last_unterminated in any::<bool>(),
    ) {
        let mut stream = Vec::new();
        for (i, (m, octet)) in messages.iter().enumerate() {
            if *octet {
                stream.extend_from_slice(format!("{} ", m.len()).as_bytes());
                stream.extend_from_slice(m);
            } else {
                stream.extend_from_slice(m);
                let last = i + 1 == messages.len();
                if !(last && last_unterminated) {
                    stream.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
            }
        }
        let mut points: Vec<usize> = cuts.iter().map(|c| c.index(stream.len() + 1)).collect();
        points.sort_unstable();
        let mut chunks = Vec::new();
        let mut prev = 0;
        for p in points {
            chunks.push(&stream[prev..p]);
            prev = p;
        }
        chunks.push(&stream[prev..]);
        let out = run(100, &chunks);
        let expected: Vec<Result<Vec<u8>, FrameError>> =
            messages.iter().map(|(m, _)| Ok(m.clone())).collect();
        prop_assert_eq!(out, expected);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_frames_stay_within_the_limit(
        data in proptest::collection::vec(any::<u8>(), 0..400),
        split in 0usize..400,
    ) {
        let split = split.min(data.len());
        for r in run(16, &[&data[..split], &data[split..]]).into_iter().flatten() {
            prop_assert!(r.len() <= 16);
        }
    }
}
