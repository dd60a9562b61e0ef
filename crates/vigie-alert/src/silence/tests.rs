//! Unit tests of silences and the silence store.

use super::*;
use crate::matcher::parse_matchers;

const MINUTE: i64 = 60;

fn t(minutes: i64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000 + minutes * MINUTE).expect("in range")
}

fn silence(matchers: &str, starts: i64, ends: i64) -> Silence {
    Silence {
        id: String::new(),
        matchers: parse_matchers(matchers).expect("test matchers"),
        starts_at: t(starts),
        ends_at: t(ends),
        updated_at: t(0),
        created_by: "me".into(),
        comment: "maintenance".into(),
    }
}

fn labels(pairs: &[(&str, &str)]) -> LabelSet {
    pairs.iter().copied().collect()
}

#[test]
fn state_boundaries_are_inclusive_of_both_ends() {
    let s = silence("a=b", 10, 20);
    assert_eq!(s.state(t(9)), SilenceState::Pending);
    assert_eq!(s.state(t(10)), SilenceState::Active);
    assert_eq!(s.state(t(20)), SilenceState::Active);
    assert_eq!(s.state(t(21)), SilenceState::Expired);
}

#[test]
fn validation_follows_alertmanager() {
    let mut s = silence("a=b", 0, 10);
    assert_eq!(s.validate(), Err(SilenceError::MissingId));
    s.id = "x".into();
    assert_eq!(s.validate(), Ok(()));
    let with = |m: &str, start: i64, end: i64| Silence {
        id: "x".into(),
        ..silence(m, start, end)
    };
    assert_eq!(with("", 0, 1).validate(), Err(SilenceError::NoMatchers));
    assert_eq!(
        with("a=\"\", b=~\".*\"", 0, 1).validate(),
        Err(SilenceError::MatchesEverything)
    );
    // `!=` never counts as matching the empty string in Alertmanager.
    assert_eq!(with("a!=b", 0, 1).validate(), Ok(()));
    assert_eq!(
        with("a=b", 5, 1).validate(),
        Err(SilenceError::EndsBeforeStart)
    );
    assert!(matches!(
        with("a:b=c", 0, 1).validate(),
        Err(SilenceError::InvalidMatcher { index: 0, .. })
    ));
}

#[test]
fn creating_assigns_a_uuid_and_moves_a_past_start_to_now() {
    let mut store = Silences::default();
    let id = store.set(silence("a=b", -30, 60), t(0)).unwrap();
    assert_eq!(id.len(), 36);
    assert_eq!(&id[14..15], "4");
    assert!(matches!(&id[19..20], "8" | "9" | "a" | "b"));
    let stored = store.get(&id).unwrap();
    assert_eq!(stored.starts_at, t(0));
    assert_eq!(stored.updated_at, t(0));
    let other = store.set(silence("a=b", 0, 60), t(0)).unwrap();
    assert_ne!(id, other);
}

#[test]
fn updating_an_unknown_id_is_not_found() {
    let mut store = Silences::default();
    let mut s = silence("a=b", 0, 10);
    s.id = "nope".into();
    assert_eq!(store.set(s, t(0)), Err(SilenceError::NotFound));
    assert_eq!(store.expire("nope", t(0)), Err(SilenceError::NotFound));
}

#[test]
fn an_active_silence_can_be_extended_in_place() {
    let mut store = Silences::default();
    let id = store.set(silence("a=b", 0, 60), t(0)).unwrap();
    let mut longer = store.get(&id).unwrap().clone();
    longer.ends_at = t(120);
    longer.comment = "longer".into();
    assert_eq!(store.set(longer, t(5)).unwrap(), id);
    assert_eq!(store.get(&id).unwrap().ends_at, t(120));
    assert_eq!(store.get(&id).unwrap().updated_at, t(5));
    assert_eq!(store.len(), 1);
}

#[test]
fn changing_an_active_silences_matchers_or_start_expires_it_and_creates_another() {
    let mut store = Silences::default();
    let id = store.set(silence("a=b", 0, 60), t(0)).unwrap();
    let mut changed = store.get(&id).unwrap().clone();
    changed.matchers = parse_matchers("a=c").unwrap();
    let new_id = store.set(changed, t(5)).unwrap();
    assert_ne!(new_id, id);
    assert_eq!(store.get(&id).unwrap().ends_at, t(5));
    assert_eq!(store.get(&id).unwrap().state(t(6)), SilenceState::Expired);
    assert_eq!(store.get(&new_id).unwrap().starts_at, t(5));

    let mut moved = store.get(&new_id).unwrap().clone();
    moved.starts_at = t(10);
    let third = store.set(moved, t(6)).unwrap();
    assert_ne!(third, new_id);
    assert_eq!(store.get(&new_id).unwrap().ends_at, t(6));
    assert_eq!(store.len(), 3);
}

#[test]
fn a_pending_silence_changes_in_place_unless_moved_to_the_past() {
    let mut store = Silences::default();
    let id = store.set(silence("a=b", 10, 60), t(0)).unwrap();
    let mut later = store.get(&id).unwrap().clone();
    later.starts_at = t(20);
    assert_eq!(store.set(later, t(1)).unwrap(), id);
    assert_eq!(store.get(&id).unwrap().starts_at, t(20));
    let mut past = store.get(&id).unwrap().clone();
    past.starts_at = t(0);
    let replacement = store.set(past, t(2)).unwrap();
    assert_ne!(replacement, id);
    // The pending original is expired: it starts and ends at `now`.
    let old = store.get(&id).unwrap();
    assert_eq!((old.starts_at, old.ends_at), (t(2), t(2)));
}

#[test]
fn an_expired_silence_is_never_changed_a_new_one_is_made() {
    let mut store = Silences::default();
    let id = store.set(silence("a=b", 0, 10), t(0)).unwrap();
    let mut revived = store.get(&id).unwrap().clone();
    revived.ends_at = t(100);
    let new_id = store.set(revived, t(20)).unwrap();
    assert_ne!(new_id, id);
    assert_eq!(store.get(&id).unwrap().ends_at, t(10));
    assert_eq!(store.get(&new_id).unwrap().starts_at, t(20));
}

#[test]
fn regression_an_invalid_update_leaves_the_old_silence_untouched() {
    let mut store = Silences::default();
    let id = store.set(silence("a=b", 0, 60), t(0)).unwrap();
    let mut bad = store.get(&id).unwrap().clone();
    bad.matchers = parse_matchers("a=\"\"").unwrap();
    assert_eq!(store.set(bad, t(5)), Err(SilenceError::MatchesEverything));
    assert_eq!(store.get(&id).unwrap().ends_at, t(60));
    assert_eq!(store.len(), 1);
}

#[test]
fn expiring_ends_active_and_pending_silences_now() {
    let mut store = Silences::default();
    let active = store.set(silence("a=b", 0, 60), t(0)).unwrap();
    let pending = store.set(silence("a=b", 30, 60), t(0)).unwrap();
    store.expire(&active, t(10)).unwrap();
    store.expire(&pending, t(10)).unwrap();
    assert_eq!(store.get(&active).unwrap().ends_at, t(10));
    let p = store.get(&pending).unwrap();
    assert_eq!((p.starts_at, p.ends_at), (t(10), t(10)));
    // Expiring again changes nothing.
    store.expire(&active, t(20)).unwrap();
    assert_eq!(store.get(&active).unwrap().ends_at, t(10));
}

#[test]
fn mutes_lists_active_matching_silences_only() {
    let mut store = Silences::default();
    let web = store.set(silence("job=web", 0, 60), t(0)).unwrap();
    let any_env = store
        .set(silence("env=~\"prod|staging\"", 0, 60), t(0))
        .unwrap();
    store.set(silence("job=web", 30, 60), t(0)).unwrap();
    let alert = labels(&[("job", "web"), ("env", "prod")]);
    let mut expected = vec![web.clone(), any_env];
    expected.sort();
    assert_eq!(store.mutes(&alert, t(10)), expected);
    assert_eq!(
        store.mutes(&labels(&[("job", "db")]), t(10)),
        Vec::<String>::new()
    );
    assert_eq!(store.mutes(&alert, t(61)), Vec::<String>::new());
}

#[test]
fn queries_filter_by_id_labels_and_state() {
    let mut store = Silences::default();
    let a = store.set(silence("job=web", 0, 60), t(0)).unwrap();
    let b = store.set(silence("job=db", 30, 60), t(0)).unwrap();
    let ids = |q: SilenceQuery| -> Vec<String> {
        store
            .query(&q, t(10))
            .iter()
            .map(|s| s.id.clone())
            .collect()
    };
    assert_eq!(ids(SilenceQuery::default()).len(), 2);
    assert_eq!(
        ids(SilenceQuery {
            states: Some(vec![SilenceState::Pending]),
            ..SilenceQuery::default()
        }),
        std::slice::from_ref(&b)
    );
    assert_eq!(
        ids(SilenceQuery {
            matching: Some(labels(&[("job", "web")])),
            ..SilenceQuery::default()
        }),
        std::slice::from_ref(&a)
    );
    assert_eq!(
        ids(SilenceQuery {
            ids: Some(vec![b.clone()]),
            states: Some(vec![SilenceState::Active]),
            ..SilenceQuery::default()
        }),
        Vec::<String>::new()
    );
}

#[test]
fn gc_drops_silences_once_their_retention_ran_out() {
    let mut store = Silences::new(Duration::from_secs(60 * 60));
    let id = store.set(silence("a=b", 0, 10), t(0)).unwrap();
    assert_eq!(store.gc(t(69)), 0);
    assert_eq!(store.gc(t(70)), 1);
    assert!(store.get(&id).is_none());
    assert!(store.is_empty());
}

#[test]
fn the_store_round_trips_through_json() {
    let mut store = Silences::default();
    let id = store.set(silence("a=~\"b.*\"", 0, 10), t(0)).unwrap();
    let json = serde_json::to_string(&store).unwrap();
    assert!(json.contains("\"retention\":\"5d\""), "{json}");
    assert!(json.contains("\"isRegex\":true"), "{json}");
    let back: Silences = serde_json::from_str(&json).unwrap();
    assert_eq!(back, store);
    assert_eq!(
        serde_json::to_value(back.get(&id).unwrap()).unwrap()["startsAt"],
        "2023-11-14T22:13:20.000Z"
    );
}
