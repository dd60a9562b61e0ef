use super::*;

fn set(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().copied().collect()
}

#[test]
fn fingerprint_matches_prometheus_test_values() {
    assert_eq!(LabelSet::new().fingerprint().0, 14_695_981_039_346_656_037);
    let ls = set(&[("name", "garland, briggs"), ("fear", "love is not enough")]);
    assert_eq!(ls.fingerprint().0, 5_799_056_148_416_392_346);
}

#[test]
fn fingerprint_of_a_single_label_follows_fnv1a_by_hand() {
    // a, 0xFF, b, 0xFF folded one byte at a time.
    let mut h = FNV_OFFSET_BASIS;
    for b in [b'a', 0xFF, b'b', 0xFF] {
        h = (h ^ u64::from(b)).wrapping_mul(FNV_PRIME);
    }
    assert_eq!(set(&[("a", "b")]).fingerprint().0, h);
}

#[test]
fn fingerprint_separates_name_from_value() {
    assert_ne!(
        set(&[("ab", "c")]).fingerprint(),
        set(&[("a", "bc")]).fingerprint()
    );
}

#[test]
fn fingerprint_displays_as_sixteen_hex_digits_and_parses_back() {
    let fp = Fingerprint(0xab);
    assert_eq!(fp.to_string(), "00000000000000ab");
    assert_eq!("00000000000000ab".parse::<Fingerprint>(), Ok(fp));
    let ls = set(&[("name", "garland, briggs"), ("fear", "love is not enough")]);
    assert_eq!(ls.fingerprint().to_string(), "507a62d79ee76c9a");
    assert!("xyz".parse::<Fingerprint>().is_err());
    assert!("12345678901234567".parse::<Fingerprint>().is_err());
    assert!("".parse::<Fingerprint>().is_err());
}

#[test]
fn label_names_follow_the_prometheus_pattern() {
    for good in ["a", "_", "_a1", "Alert_Name", "a9"] {
        assert!(is_valid_label_name(good), "{good}");
    }
    for bad in ["", "1a", "a-b", "a:b", "é", "a b"] {
        assert!(!is_valid_label_name(bad), "{bad}");
    }
}

#[test]
fn alert_label_validation_reports_bad_names_then_emptiness() {
    assert_eq!(
        set(&[("ok", "1"), ("bad-name", "x")]).validate_for_alert(),
        Err(LabelError::InvalidName("bad-name".into()))
    );
    assert_eq!(LabelSet::new().validate_for_alert(), Err(LabelError::Empty));
    assert_eq!(set(&[("a", "")]).validate_for_alert(), Ok(()));
}

#[test]
fn empty_values_are_removed_and_missing_reads_as_empty() {
    let mut ls = set(&[("a", ""), ("b", "x")]);
    ls.remove_empty_values();
    assert_eq!(ls.len(), 1);
    assert_eq!(ls.value_or_empty("a"), "");
    assert_eq!(ls.value_or_empty("b"), "x");
}

#[test]
fn display_and_subset_and_serde() {
    let ls = set(&[("b", "2"), ("a", "1\"")]);
    assert_eq!(ls.to_string(), r#"{a="1\"", b="2"}"#);
    assert_eq!(ls.subset(["b", "zz"]), set(&[("b", "2")]));
    let json = serde_json::to_string(&ls).unwrap();
    assert_eq!(json, r#"{"a":"1\"","b":"2"}"#);
    assert_eq!(serde_json::from_str::<LabelSet>(&json).unwrap(), ls);
}

#[test]
fn a_repeated_name_keeps_the_last_value_as_a_map_would() {
    let ls = set(&[("b", "1"), ("a", "x"), ("b", "2")]);
    assert_eq!(ls.len(), 2);
    assert_eq!(ls.get("b"), Some("2"));
    assert_eq!(ls.iter().collect::<Vec<_>>(), vec![("a", "x"), ("b", "2")]);
}

#[test]
fn insert_replaces_or_adds_in_name_order_and_updates_the_fingerprint() {
    let mut ls = set(&[("b", "1")]);
    assert_eq!(ls.insert("a", "0"), None);
    assert_eq!(ls.insert("b", "2"), Some("1".to_string()));
    assert_eq!(ls.insert("c", ""), None);
    assert_eq!(ls, set(&[("a", "0"), ("b", "2"), ("c", "")]));
    assert_eq!(
        ls.fingerprint(),
        set(&[("c", ""), ("b", "2"), ("a", "0")]).fingerprint()
    );
    ls.remove_empty_values();
    assert_eq!(ls, set(&[("a", "0"), ("b", "2")]));
    assert!(!ls.contains("c"));
}

#[test]
fn lookups_find_every_label_and_only_those() {
    let pairs: Vec<(String, String)> = (0..37)
        .map(|i| (format!("n{i:02}"), format!("v{i}")))
        .collect();
    let ls: LabelSet = pairs.iter().rev().cloned().collect();
    for (k, v) in &pairs {
        assert_eq!(ls.get(k), Some(v.as_str()), "{k}");
    }
    for missing in ["", "n", "n0", "n37", "n99", "zz", "a"] {
        assert_eq!(ls.get(missing), None, "{missing}");
    }
    assert_eq!(ls.iter().len(), 37);
}

#[test]
fn ordering_is_the_one_of_maps_compared_pair_by_pair() {
    let sets = [
        set(&[]),
        set(&[("a", "1")]),
        set(&[("a", "1"), ("b", "1")]),
        set(&[("a", "2")]),
        set(&[("b", "0")]),
    ];
    for (i, x) in sets.iter().enumerate() {
        for (j, y) in sets.iter().enumerate() {
            assert_eq!(x.cmp(y), i.cmp(&j), "{x} vs {y}");
            assert_eq!(x == y, i == j);
        }
    }
}

#[test]
fn a_subset_fingerprint_is_the_fingerprint_of_the_subset() {
    let ls = set(&[("alertname", "Down"), ("job", "api"), ("zone", "eu")]);
    for names in [
        vec![],
        vec!["job"],
        vec!["alertname", "zone"],
        vec!["missing", "zone"],
    ] {
        assert_eq!(
            ls.subset_fingerprint(names.iter().copied()),
            ls.subset(names.iter().copied()).fingerprint(),
            "{names:?}"
        );
    }
}

#[test]
fn deserialization_reads_escapes_and_keeps_the_last_duplicate() {
    let ls: LabelSet =
        serde_json::from_str(r#"{"b":"tab\there","a":"\u00e9","b":"last"}"#).unwrap();
    assert_eq!(ls.get("a"), Some("é"));
    assert_eq!(ls.get("b"), Some("last"));
    assert!(serde_json::from_str::<LabelSet>(r#"{"a":1}"#).is_err());
    assert!(serde_json::from_str::<LabelSet>(r#"["a"]"#).is_err());
    let empty: LabelSet = serde_json::from_str("{}").unwrap();
    assert!(empty.is_empty());
    assert_eq!(empty.fingerprint().0, FNV_OFFSET_BASIS);
}

#[test]
fn clones_share_their_labels() {
    let ls = set(&[("a", "1"), ("b", "2")]);
    let copy = ls.clone();
    assert_eq!(copy, ls);
    let (Some(a), Some(b)) = (&ls.0, &copy.0) else {
        panic!("non-empty sets are packed");
    };
    assert!(Arc::ptr_eq(a, b));
    assert!(ls.heap_bytes() > 0);
}
