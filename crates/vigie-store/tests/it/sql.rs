//! SQL over `events`: JSON functions, and the sandbox (read-only, no files
//! or URLs, limits on time and memory), with positioned errors.

use std::time::Duration;

use vigie_store::QueryError;

use crate::support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_functions_read_the_original_record() {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    write(&mut writer, &events(30), 30);
    let out = store
        .sql("SELECT json_get_str(original, 'userIdentity', 'userName') AS u, count(*) AS n FROM events GROUP BY 1 ORDER BY 1")
        .await
        .unwrap();
    assert_eq!(out.columns, vec!["u", "n"]);
    assert_eq!(out.rows.len(), 5);
    assert_eq!(out.rows[0][0], "user0");
    assert_eq!(out.rows[0][1], 6);
    let out = store
        .sql("SELECT \"event.action\", count(*) FROM events WHERE \"@timestamp\" < TIMESTAMP '2024-05-01T00:00:03Z' GROUP BY 1 ORDER BY 1")
        .await
        .unwrap();
    assert_eq!(out.rows.len(), 3);
}

async fn refused(sql: &str) -> QueryError {
    let dir = tempfile::tempdir().unwrap();
    let (store, mut writer) = open(options(dir.path())).await;
    write(&mut writer, &events(5), 5);
    let err = store.sql(sql).await.expect_err(sql);
    // Nothing changed either way.
    assert_eq!(count(&store, "true").await, 5, "{sql}");
    err
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statements_that_write_or_reach_files_are_refused() {
    for sql in [
        "CREATE TABLE t AS SELECT 1",
        "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'",
        "INSERT INTO events SELECT * FROM events",
        "DELETE FROM events",
        "DROP TABLE events",
        "COPY events TO '/tmp/vigie-leak.csv'",
        "SET datafusion.execution.batch_size = 1",
        "SELECT * FROM '/etc/passwd'",
        "SELECT * FROM 'file:///etc/passwd'",
    ] {
        let err = refused(sql).await;
        assert!(matches!(err, QueryError::Invalid { .. }), "{sql}: {err:?}");
    }
    assert!(!std::path::Path::new("/tmp/vigie-leak.csv").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_syntax_error_answers_with_its_line_and_column() {
    let err = refused("SELECT count(*)\nFROM events WHERE (").await;
    let pos = err
        .position()
        .unwrap_or_else(|| panic!("no position: {err:?}"));
    assert_eq!(pos.line, 2, "{err}");
    // A planning error points at the unknown name too.
    let err = refused("SELECT count(*)\nFROM events WHERE nosuch = 1").await;
    let pos = err
        .position()
        .unwrap_or_else(|| panic!("no position: {err:?}"));
    assert_eq!((pos.line, pos.column), (2, 19), "{err}");
    let err = refused("SELECT nosuchcolumn FROM events").await;
    assert!(matches!(err, QueryError::Invalid { .. }), "{err:?}");
    assert!(err.to_string().contains("nosuchcolumn"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_over_its_memory_limit_stops_with_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(dir.path());
    o.query_memory_bytes = 4 << 20;
    let (store, mut writer) = open(o).await;
    write(&mut writer, &events(20_000), 5000);
    let err = store
        .sql("SELECT original, count(*) FROM events GROUP BY original ORDER BY 2 DESC")
        .await
        .expect_err("over the limit");
    assert!(matches!(err, QueryError::Memory { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_over_its_time_limit_is_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(dir.path());
    o.query_timeout = Duration::from_millis(300);
    o.query_memory_bytes = 1 << 30;
    let (store, mut writer) = open(o).await;
    write(&mut writer, &events(3000), 3000);
    let started = std::time::Instant::now();
    let err = store
        .sql("SELECT count(*) FROM events a, events b, events c WHERE a.original <> b.original AND b.original <> c.original")
        .await
        .expect_err("over the time limit");
    assert!(matches!(err, QueryError::Timeout(_)), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "stopped promptly"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_are_cut_at_the_row_limit_and_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let mut o = options(dir.path());
    o.query_max_rows = 7;
    let (store, mut writer) = open(o).await;
    write(&mut writer, &events(20), 20);
    let out = store.sql("SELECT _id FROM events").await.unwrap();
    assert_eq!(out.rows.len(), 7);
    assert!(out.truncated);
    let out = store.sql("SELECT _id FROM events LIMIT 3").await.unwrap();
    assert_eq!(out.rows.len(), 3);
    assert!(!out.truncated);
}
