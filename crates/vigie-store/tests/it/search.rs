//! The search API: the syntax's forms against known data, newest-first
//! pagination, token-filter pruning, aggregations, and positioned errors.

use std::time::Duration;

use vigie_store::{AggregateRequest, AggregateResult, QueryError, SearchRequest, Store};

use crate::support::*;

async fn hits(store: &Store, q: &str) -> Vec<i64> {
    let page = store
        .search(&SearchRequest {
            query: q.into(),
            size: 10_000,
            ..Default::default()
        })
        .await
        .unwrap_or_else(|e| panic!("{q}: {e}"));
    let mut v: Vec<i64> = page
        .hits
        .iter()
        .map(|h| h.fields["aws.cloudtrail.request_number"].as_i64().unwrap())
        .collect();
    v.sort_unstable();
    v
}

fn expected(n: usize, f: impl Fn(usize) -> bool) -> Vec<i64> {
    (0..n).filter(|i| f(*i)).map(|i| i as i64).collect()
}

/// Events on disk (half) and in memory (half), so every form is checked
/// over both.
async fn fixture(dir: &std::path::Path) -> (Store, vigie_store::StoreWriter) {
    let (store, mut writer) = open(options(dir)).await;
    let all = events(600);
    write(&mut writer, &all[..300], 100);
    store.flush().await.unwrap();
    write(&mut writer, &all[300..], 100);
    (store, writer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_form_of_the_syntax_finds_what_it_should() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _w) = fixture(dir.path()).await;
    let n = 600;
    assert_eq!(
        hits(&store, "event.action:GetObject").await,
        expected(n, |i| i % 3 == 1)
    );
    assert_eq!(
        hits(&store, "event.action:getobject").await,
        expected(n, |i| i % 3 == 1),
        "case-insensitive"
    );
    assert_eq!(
        hits(&store, "source.ip:10.0.0.7").await,
        expected(n, |i| i % 10 == 7)
    );
    assert_eq!(
        hits(&store, "user.name:user3 AND source.ip:10.0.0.8").await,
        expected(n, |i| i % 5 == 3 && i % 10 == 8)
    );
    assert_eq!(
        hits(&store, "user.name:user3 OR user.name:user4").await,
        expected(n, |i| i % 5 >= 3)
    );
    assert_eq!(
        hits(&store, "user.name:user3 NOT event.action:ConsoleLogin").await,
        expected(n, |i| i % 5 == 3 && i % 3 != 0)
    );
    assert_eq!(
        hits(&store, "-event.action:ConsoleLogin -event.action:GetObject").await,
        expected(n, |i| i % 3 == 2)
    );
    // A field without a column of its own.
    assert_eq!(
        hits(&store, "aws.cloudtrail.request_number:42").await,
        vec![42]
    );
    assert_eq!(
        hits(&store, "aws.cloudtrail.request_number:[10 TO 12]").await,
        vec![10, 11, 12]
    );
    assert_eq!(
        hits(&store, "aws.cloudtrail.request_number:{10 TO 12]").await,
        vec![11, 12]
    );
    assert_eq!(
        hits(&store, "aws.cloudtrail.request_number:>=598").await,
        vec![598, 599]
    );
    assert_eq!(
        hits(&store, "source.port:>=40598 AND source.port:<40600").await,
        vec![598, 599]
    );
    // Bare words and phrases match anywhere (here, in the original record).
    assert_eq!(hits(&store, "\"request number 77 from\"").await, vec![77]);
    assert_eq!(
        hits(&store, "\"number 77 request\"").await,
        Vec::<i64>::new(),
        "a phrase keeps its order"
    );
    assert_eq!(
        hits(&store, "10.0.0.3 user3").await,
        expected(n, |i| i % 10 == 3 && i % 5 == 3)
    );
    // Wildcards, existence.
    assert_eq!(
        hits(&store, "event.action:Put*").await,
        expected(n, |i| i % 3 == 2)
    );
    assert_eq!(
        hits(&store, "user.name:us?r1").await,
        expected(n, |i| i % 5 == 1)
    );
    assert_eq!(hits(&store, "user.name:*").await.len(), n);
    assert_eq!(hits(&store, "process.name:*").await.len(), 0);
    assert_eq!(hits(&store, "NOT process.name:*").await.len(), n);
    // Time ranges.
    assert_eq!(
        hits(
            &store,
            "@timestamp:[2024-05-01T00:00:05Z TO 2024-05-01T00:00:07Z]"
        )
        .await,
        vec![5, 6, 7]
    );
    assert_eq!(hits(&store, "*").await.len(), n);
    assert_eq!(
        hits(
            &store,
            "(user.name:user1 OR user.name:user2) AND event.action:(GetObject OR PutObject)"
        )
        .await,
        expected(n, |i| (i % 5 == 1 || i % 5 == 2) && i % 3 != 0)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_are_newest_first_and_the_cursor_walks_everything_once() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _w) = fixture(dir.path()).await;
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = store
            .search(&SearchRequest {
                query: "user.name:user2".into(),
                size: 17,
                cursor: cursor.clone(),
                ..Default::default()
            })
            .await
            .unwrap();
        let times: Vec<&str> = page.hits.iter().map(|h| h.timestamp.as_str()).collect();
        let mut sorted = times.clone();
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(times, sorted, "newest first within a page");
        seen.extend(
            page.hits
                .iter()
                .map(|h| h.fields["aws.cloudtrail.request_number"].as_i64().unwrap()),
        );
        match page.next {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    let expected: Vec<i64> = (0..600).rev().filter(|i| i % 5 == 2).collect();
    assert_eq!(seen, expected, "every hit once, newest first across pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn from_and_to_bound_the_search() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _w) = fixture(dir.path()).await;
    let page = store
        .search(&SearchRequest {
            query: "*".into(),
            from: Some(T0 + 100 * SEC),
            to: Some(T0 + 110 * SEC),
            size: 100,
            cursor: None,
        })
        .await
        .unwrap();
    assert_eq!(page.hits.len(), 10);
    assert_eq!(page.hits[0].timestamp, "2024-05-01T00:01:49.000Z");
    assert!(page.next.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_needle_reads_only_the_row_groups_whose_token_filter_matches() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    let mut all = events(5000);
    all[4321] = event(4321, "GetObject", "203.0.113.77", "needle-user");
    write(&mut writer, &all, 1000);
    store.flush().await.unwrap();
    let snapshot = store.snapshot();
    let groups: usize = snapshot
        .files
        .iter()
        .map(|f| f.tokens.as_ref().unwrap().row_groups.len())
        .sum();
    assert!(groups >= 5, "{groups} row groups");
    let query = vigie_search::parse("203.0.113.77").unwrap();
    let hash_hits: usize = snapshot
        .files
        .iter()
        .flat_map(|f| f.tokens.as_ref().unwrap().row_groups.iter())
        .filter(|g| vigie_search::might_match(&query, &mut |h| g.might_contain(h)))
        .count();
    assert_eq!(
        hash_hits, 1,
        "only the row group holding the needle can match"
    );
    assert_eq!(hits(&store, "203.0.113.77").await, vec![4321]);
    assert_eq!(hits(&store, "source.ip:203.0.113.77").await, vec![4321]);
    assert_eq!(hits(&store, "user.name:needle-user").await, vec![4321]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aggregations_count_per_bucket_and_rank_top_values() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _w) = fixture(dir.path()).await;
    let res = store
        .aggregate(&AggregateRequest {
            query: "*".into(),
            interval: Some(Duration::from_secs(60)),
            top: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    let AggregateResult::Buckets { buckets, .. } = res else {
        panic!("buckets")
    };
    assert_eq!(buckets.len(), 10, "600 s in 1-minute buckets");
    assert!(buckets.iter().all(|b| b.count == 60));
    assert_eq!(buckets[0].time, "2024-05-01T00:00:00.000Z");

    let res = store
        .aggregate(&AggregateRequest {
            query: "NOT user.name:user0".into(),
            interval: Some(Duration::from_secs(300)),
            by: Some("event.action".into()),
            top: 2,
            ..Default::default()
        })
        .await
        .unwrap();
    let AggregateResult::Buckets { buckets, .. } = res else {
        panic!("buckets")
    };
    assert_eq!(buckets.len(), 4, "2 buckets x the top 2 actions");
    let total: u64 = buckets.iter().map(|b| b.count).sum();
    assert_eq!(
        total, 320,
        "480 events without user0, of which two actions out of three"
    );

    let res = store
        .aggregate(&AggregateRequest {
            query: "event.action:GetObject".into(),
            field: Some("source.ip".into()),
            top: 3,
            ..Default::default()
        })
        .await
        .unwrap();
    let AggregateResult::Top { values, .. } = res else {
        panic!("top")
    };
    assert_eq!(values.len(), 3);
    assert!(values.iter().all(|v| v.count == 20), "{values:?}");
    // A field outside the columns ranks too.
    let res = store
        .aggregate(&AggregateRequest {
            query: "*".into(),
            field: Some("aws.cloudtrail.request_number".into()),
            top: 1,
            ..Default::default()
        })
        .await
        .unwrap();
    let AggregateResult::Top { values, .. } = res else {
        panic!("top")
    };
    assert_eq!(values[0].count, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_names_its_column() {
    let dir = tempfile::tempdir().unwrap();
    let (store, _w) = fixture(dir.path()).await;
    let err = store
        .search(&SearchRequest {
            query: "user.name:a AND (b OR".into(),
            size: 10,
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(matches!(err, QueryError::Invalid { .. }), "{err}");
    let pos = err.position().expect("a position");
    assert_eq!(pos.line, 1);
    assert!(pos.column > 1, "{pos:?}: {err}");
}
