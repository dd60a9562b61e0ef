//! The store's options from the configuration, shared by `serve`, `import`
//! and the query commands.

use vigie_config::{Config, FsyncPolicy};
use vigie_store::{Fsync, Location, S3Location, StoreOptions};

/// [`StoreOptions`] for `config`.
pub fn store_options(config: &Config) -> StoreOptions {
    let st = &config.store;
    let mut o = StoreOptions::local(&config.server.data_dir);
    if let Some((bucket, prefix)) = st.s3_location() {
        o.location = Location::S3(S3Location {
            bucket,
            prefix,
            endpoint: st.s3.endpoint.clone(),
            region: st.s3.region.clone(),
            access_key_id: st.s3.access_key_id.as_ref().map(|s| s.expose().to_owned()),
            secret_access_key: st
                .s3
                .secret_access_key
                .as_ref()
                .map(|s| s.expose().to_owned()),
        });
    }
    o.fsync = match st.wal.fsync {
        FsyncPolicy::Always => Fsync::Always,
        FsyncPolicy::Interval => Fsync::Interval(st.wal.fsync_interval.get()),
        FsyncPolicy::Never => Fsync::Never,
    };
    o.wal_segment_bytes = st.wal.segment_size.as_u64();
    o.flush_rows = st.flush_events;
    o.flush_interval = st.flush_interval.get();
    o.row_group_rows = st.row_group_events;
    o.compaction_min_files = st.compaction.min_files;
    o.compaction_target_rows = st.compaction.target_events;
    o.retention_max_age = Some(st.retention.max_age.get()).filter(|d| !d.is_zero());
    o.retention_max_bytes = Some(st.retention.max_size.as_u64()).filter(|n| *n > 0);
    o.query_timeout = st.query.timeout.get();
    o.query_memory_bytes = st.query.memory_limit.as_usize();
    o.query_max_rows = st.query.max_rows;
    o.max_memory_rows = (st.flush_events * 4).max(100_000);
    o
}
