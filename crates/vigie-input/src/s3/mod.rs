//! S3 bucket poller for CloudTrail and VPC Flow Log deliveries (and any
//! bucket of files in a known format).
//!
//! Every `poll_interval` (and once at start) the poller lists the objects
//! under `prefix`, in key order, and processes each one it has not
//! processed yet: GET, gunzip ([`object`], bounded), normalize (the
//! configured dataset, or detection per record), admit with
//! [`vigie_pipeline::IngestQueue::admit_wait`], and only then record the
//! key in the checkpoint ([`state`]): delivery is at-least-once, a crash
//! between the admission and the checkpoint write reads that object again.
//! CloudTrail digest files (`CloudTrail-Digest/`) are skipped unread.
//!
//! An object that cannot be used (corrupt gzip, too large, no record in a
//! known format) is logged with its bucket and key, counted in
//! `vigie_input_errors_total{input="s3"}`, and recorded as done, so it is
//! not retried forever. Listing and GET failures (network, credentials)
//! are not: the object is tried again at the next poll, and the failure is
//! logged once per poll.

pub mod object;
pub mod state;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use futures_util::StreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, RetryConfig};
use vigie_config::S3Input;

use crate::{checkpoint, BoxFuture, InputError, Source, SourceContext};
use object::{is_digest, normalize_object};
use state::{Checkpoint, Walker};

const KIND: &str = "s3";
/// The checkpoint's file name under the input's state directory.
pub const CHECKPOINT_FILE: &str = "s3-checkpoint.json";

/// A built S3 poller.
struct S3Source {
    name: String,
    bucket: String,
    prefix: String,
    dataset: Option<String>,
    interval: Duration,
    store: Arc<dyn ObjectStore>,
}

/// Prepares the poller described by `config`: the client is configured,
/// nothing is sent yet.
pub fn build(config: &S3Input) -> Result<Box<dyn Source>, InputError> {
    let err = |message: String| InputError::Config {
        input: config.name.clone(),
        message,
    };
    let region = config
        .region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
        .unwrap_or_else(|| "us-east-1".to_owned());
    let mut builder = AmazonS3Builder::from_env()
        .with_bucket_name(&config.bucket)
        .with_region(region)
        .with_retry(RetryConfig {
            max_retries: 3,
            retry_timeout: Duration::from_secs(30),
            ..RetryConfig::default()
        });
    if let Some(endpoint) = &config.endpoint {
        builder = builder
            .with_endpoint(endpoint)
            .with_allow_http(endpoint.starts_with("http://"))
            .with_virtual_hosted_style_request(false);
    }
    match (&config.access_key_id, &config.secret_access_key) {
        (Some(id), Some(secret)) => {
            builder = builder
                .with_access_key_id(id.expose())
                .with_secret_access_key(secret.expose());
        }
        (None, None) => {}
        _ => {
            return Err(err(
                "set both access_key_id and secret_access_key, or neither".into(),
            ))
        }
    }
    let store = builder
        .build()
        .map_err(|e| err(format!("bucket `{}`: {e}", config.bucket)))?;
    Ok(Box::new(S3Source {
        name: config.name.clone(),
        bucket: config.bucket.clone(),
        prefix: config.prefix.clone(),
        dataset: config.dataset.clone(),
        interval: config.poll_interval.0.max(Duration::from_millis(100)),
        store: Arc::new(store),
    }))
}

impl Source for S3Source {
    fn name(&self) -> &str {
        &self.name
    }

    fn run(self: Box<Self>, ctx: SourceContext) -> BoxFuture<()> {
        Box::pin(async move {
            let Some((path, state)) = self.load_state(&ctx) else {
                return;
            };
            let mut poller = Poller {
                src: *self,
                ctx,
                path,
                state,
            };
            poller.run().await;
        })
    }
}

impl S3Source {
    /// Loads the checkpoint; `None` (after logging and counting) when it
    /// cannot be read: running on would read the whole bucket again.
    fn load_state(&self, ctx: &SourceContext) -> Option<(PathBuf, Checkpoint)> {
        let fail = |message: String| {
            tracing::error!(input = %self.name, bucket = %self.bucket, "{message}; the S3 input does not run");
            ctx.metrics.input_error(KIND, &self.name, "checkpoint");
            None
        };
        let dir = match ctx.state_dir_for(&self.name) {
            Ok(d) => d,
            Err(e) => return fail(format!("cannot create the state directory: {e}")),
        };
        let path = dir.join(CHECKPOINT_FILE);
        match checkpoint::load::<Checkpoint>(&path) {
            Ok(Some(c)) if c.bucket == self.bucket && c.prefix == self.prefix => Some((path, c)),
            Ok(Some(c)) => {
                tracing::warn!(input = %self.name, old_bucket = %c.bucket, old_prefix = %c.prefix,
                    bucket = %self.bucket, prefix = %self.prefix,
                    "the checkpoint is for another bucket or prefix: starting afresh");
                Some((path, Checkpoint::new(&self.bucket, &self.prefix)))
            }
            Ok(None) => Some((path, Checkpoint::new(&self.bucket, &self.prefix))),
            Err(e) => fail(e),
        }
    }
}

/// A running poller.
struct Poller {
    src: S3Source,
    ctx: SourceContext,
    path: PathBuf,
    state: Checkpoint,
}

/// How one object went.
enum Outcome {
    /// Processed (or given up on): record it.
    Done,
    /// A transient failure: try again next poll.
    Retry,
    /// Shutting down, or the pipeline stopped.
    Stop,
}

impl Poller {
    async fn run(&mut self) {
        loop {
            if !self.poll().await {
                break;
            }
            tokio::select! {
                _ = self.ctx.shutdown.cancelled() => break,
                _ = tokio::time::sleep(self.src.interval) => {}
            }
        }
        self.save();
    }

    /// One listing pass. Returns `false` when the poller must stop.
    async fn poll(&mut self) -> bool {
        let prefix = Path::from(self.src.prefix.as_str());
        let prefix = (!prefix.as_ref().is_empty()).then_some(prefix);
        let mut listing = match &self.state.start_after {
            Some(after) => {
                let offset = Path::parse(after).unwrap_or_else(|_| Path::from(after.as_str()));
                self.src.store.list_with_offset(prefix.as_ref(), &offset)
            }
            None => self.src.store.list(prefix.as_ref()),
        };
        let now = SystemTime::now();
        let mut walker = Walker::default();
        let mut get_errors = 0usize;
        let mut keep_going = true;
        loop {
            let next = tokio::select! {
                biased;
                _ = self.ctx.shutdown.cancelled() => { keep_going = false; break; }
                next = listing.next() => next,
            };
            let meta = match next {
                None => break,
                Some(Ok(meta)) => meta,
                Some(Err(e)) => {
                    tracing::warn!(input = %self.src.name, bucket = %self.src.bucket,
                        prefix = %self.src.prefix, error = %e,
                        "cannot list the bucket; retrying at the next poll");
                    self.ctx.metrics.input_error(KIND, &self.src.name, "list");
                    break;
                }
            };
            let key = meta.location.as_ref().to_owned();
            let age = now
                .duration_since(SystemTime::from(meta.last_modified))
                .unwrap_or_default();
            if is_digest(&key) || self.state.is_done(&key) {
                walker.observe(&key, true, age);
                continue;
            }
            match self.process(&meta, &key, get_errors == 0).await {
                Outcome::Done => {
                    self.state.mark_done(&key, meta.e_tag.clone(), meta.size);
                    self.save();
                    walker.observe(&key, true, age);
                }
                Outcome::Retry => {
                    get_errors += 1;
                    walker.observe(&key, false, age);
                }
                Outcome::Stop => {
                    keep_going = false;
                    break;
                }
            }
        }
        if get_errors > 1 {
            tracing::warn!(input = %self.src.name, bucket = %self.src.bucket, objects = get_errors,
                "objects could not be downloaded; retrying them at the next poll");
        }
        if let Some(mark) = walker.watermark() {
            if self.state.start_after.as_deref() != Some(mark) {
                self.state.advance(mark);
                self.save();
            }
        }
        keep_going
    }

    /// Downloads, normalizes and admits one object.
    async fn process(&mut self, meta: &ObjectMeta, key: &str, log_get: bool) -> Outcome {
        let (name, bucket) = (&self.src.name, &self.src.bucket);
        let max = self.ctx.max_decompressed_bytes;
        if meta.size > max as u64 {
            tracing::warn!(input = %name, bucket = %bucket, key = %key, size = meta.size,
                limit = max, "object larger than ingest.max_decompressed_bytes; skipped");
            self.ctx.metrics.input_error(KIND, name, "too_large");
            return Outcome::Done;
        }
        let fetch = async { self.src.store.get(&meta.location).await?.bytes().await };
        let bytes = tokio::select! {
            biased;
            _ = self.ctx.shutdown.cancelled() => return Outcome::Stop,
            r = fetch => r,
        };
        let bytes = match bytes {
            Ok(b) => b,
            Err(e) => {
                if log_get {
                    tracing::warn!(input = %name, bucket = %bucket, key = %key, error = %e,
                        "cannot download the object; retrying at the next poll");
                }
                self.ctx.metrics.input_error(KIND, name, "get");
                return Outcome::Retry;
            }
        };
        self.ctx
            .metrics
            .input_read(KIND, name, 1, bytes.len() as u64);
        let ctx = &self.ctx;
        // Gunzip and normalizing are CPU work: off the async workers.
        let (registry, dataset, limits, max) = (
            ctx.registry.clone(),
            self.src.dataset.clone(),
            ctx.limits,
            ctx.max_decompressed_bytes,
        );
        let (b, k) = (bucket.clone(), key.to_owned());
        let work = tokio::task::spawn_blocking(move || {
            let normalizer = dataset
                .as_deref()
                .filter(|d| *d != "auto")
                .and_then(|d| registry.get(d));
            normalize_object(&registry, normalizer, &limits, &b, &k, &bytes, max)
        });
        let (mut out, error) = match work.await {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(input = %name, bucket = %bucket, key = %key, error = %e,
                    "normalizing the object failed; skipped");
                ctx.metrics.input_error(KIND, name, "decode");
                return Outcome::Done;
            }
        };
        if let Some(e) = &error {
            tracing::warn!(input = %name, bucket = %bucket, key = %key, reason = %e,
                "object not ingested; skipped");
            ctx.metrics.input_error(KIND, name, e.reason());
        }
        for r in out.rejected.iter().take(3) {
            tracing::debug!(input = %name, bucket = %bucket, key = %key, line = r.line,
                error = %r.error, "record rejected");
        }
        match ctx
            .queue
            .admit_wait(self.src.dataset.as_deref(), &mut out)
            .await
        {
            Ok(admitted) => match admitted.ack.durable().await {
                // The key is recorded only once its events are durable.
                Ok(()) => Outcome::Done,
                Err(e) => {
                    tracing::warn!(input = %name, bucket = %bucket, key = %key, error = %e,
                        "events not stored; the object will be read again");
                    Outcome::Stop
                }
            },
            Err(e) => {
                tracing::warn!(input = %name, bucket = %bucket, key = %key, error = %e,
                    "events not admitted; the object will be read again");
                Outcome::Stop
            }
        }
    }

    fn save(&self) {
        if let Err(e) = checkpoint::store(&self.path, &self.state) {
            tracing::error!(input = %self.src.name, path = %self.path.display(), error = %e,
                "cannot write the S3 checkpoint");
            self.ctx
                .metrics
                .input_error(KIND, &self.src.name, "checkpoint");
        }
    }
}
