//! [`Storage`]: where the Parquet files live — a local directory or an
//! S3-compatible bucket — behind one `object_store` interface.
//!
//! Local writes are made durable (file and directory fsync) before the write
//! returns, because the write-ahead log is truncated right after a flush; an
//! S3 PUT is durable once it answers.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use datafusion::execution::object_store::ObjectStoreUrl;
use futures_util::TryStreamExt;
use object_store::aws::AmazonS3Builder;
use object_store::local::LocalFileSystem;
use object_store::path::Path;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt, PutPayload, RetryConfig};

use crate::StoreError;

/// Where the files go, as configured.
#[derive(Debug, Clone, PartialEq)]
pub enum Location {
    /// A directory on this machine.
    Local(PathBuf),
    /// `s3://bucket/prefix` with its connection settings.
    S3(S3Location),
}

/// An S3-compatible bucket and prefix.
#[derive(Clone, PartialEq)]
pub struct S3Location {
    pub bucket: String,
    pub prefix: String,
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

impl std::fmt::Debug for S3Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Credentials never reach a log line.
        f.debug_struct("S3Location")
            .field("bucket", &self.bucket)
            .field("prefix", &self.prefix)
            .field("endpoint", &self.endpoint)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

impl S3Location {
    /// Parses `s3://bucket/prefix` (the prefix may be empty).
    pub fn parse_url(url: &str) -> Option<(String, String)> {
        let rest = url.strip_prefix("s3://")?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return None;
        }
        Some((bucket.to_owned(), prefix.trim_matches('/').to_owned()))
    }
}

/// The file store the event store writes to and reads from.
#[derive(Clone)]
pub struct Storage {
    store: Arc<dyn ObjectStore>,
    /// Set for local storage: the directory, for fsync.
    local_root: Option<PathBuf>,
    /// Where files of this store live inside `store`.
    prefix: Path,
    description: String,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.description)
    }
}

/// The URL DataFusion knows this store under.
pub fn object_store_url() -> ObjectStoreUrl {
    // A fixed, valid URL: parsing it cannot fail.
    ObjectStoreUrl::parse("vigie://store").unwrap_or_else(|_| ObjectStoreUrl::local_filesystem())
}

impl Storage {
    /// Opens the storage, creating a local directory if needed.
    pub fn open(location: &Location) -> Result<Self, StoreError> {
        match location {
            Location::Local(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir.display(), e))?;
                let store = LocalFileSystem::new_with_prefix(dir)
                    .map_err(|e| StoreError::storage(dir.display(), e))?;
                Ok(Self {
                    store: Arc::new(store),
                    local_root: Some(dir.clone()),
                    prefix: Path::default(),
                    description: format!("local directory {}", dir.display()),
                })
            }
            Location::S3(s3) => {
                let region = s3.region.clone().unwrap_or_else(|| "us-east-1".to_owned());
                let mut builder = AmazonS3Builder::from_env()
                    .with_bucket_name(&s3.bucket)
                    .with_region(region)
                    .with_retry(RetryConfig {
                        max_retries: 3,
                        retry_timeout: Duration::from_secs(30),
                        ..RetryConfig::default()
                    });
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_allow_http(endpoint.starts_with("http://"))
                        .with_virtual_hosted_style_request(false);
                }
                if let (Some(id), Some(secret)) = (&s3.access_key_id, &s3.secret_access_key) {
                    builder = builder
                        .with_access_key_id(id)
                        .with_secret_access_key(secret);
                }
                let description = format!("s3://{}/{}", s3.bucket, s3.prefix);
                let store = builder
                    .build()
                    .map_err(|e| StoreError::storage(&description, e))?;
                Ok(Self {
                    store: Arc::new(store),
                    local_root: None,
                    prefix: Path::from(s3.prefix.as_str()),
                    description,
                })
            }
        }
    }

    /// The object store rooted at this store's prefix, for DataFusion.
    pub fn rooted(&self) -> Arc<dyn ObjectStore> {
        if self.prefix.as_ref().is_empty() {
            self.store.clone()
        } else {
            Arc::new(object_store::prefix::PrefixStore::new(
                self.store.clone(),
                self.prefix.clone(),
            ))
        }
    }

    fn full(&self, path: &Path) -> Path {
        if self.prefix.as_ref().is_empty() {
            path.clone()
        } else {
            Path::from_iter(self.prefix.parts().chain(path.parts()))
        }
    }

    fn strip(&self, path: &Path) -> Path {
        match path.prefix_match(&self.prefix) {
            Some(rest) => Path::from_iter(rest),
            None => path.clone(),
        }
    }

    /// Writes `bytes` at `path`, durably.
    pub async fn put(&self, path: &Path, bytes: Bytes) -> Result<(), StoreError> {
        self.store
            .put(&self.full(path), PutPayload::from_bytes(bytes))
            .await
            .map_err(|e| StoreError::storage(path, e))?;
        if let Some(root) = &self.local_root {
            let file = root.join(path.as_ref());
            sync_local(&file).map_err(|e| StoreError::io(file.display(), e))?;
        }
        Ok(())
    }

    /// Reads a whole object.
    pub async fn get(&self, path: &Path) -> Result<Bytes, StoreError> {
        let res = self
            .store
            .get(&self.full(path))
            .await
            .map_err(|e| StoreError::storage(path, e))?;
        res.bytes().await.map_err(|e| StoreError::storage(path, e))
    }

    /// Lists every object under `dir` (relative to the store's prefix).
    pub async fn list(&self, dir: &Path) -> Result<Vec<ObjectMeta>, StoreError> {
        let full = self.full(dir);
        let mut out: Vec<ObjectMeta> = self
            .store
            .list(Some(&full))
            .try_collect()
            .await
            .map_err(|e| StoreError::storage(dir, e))?;
        for meta in &mut out {
            meta.location = self.strip(&meta.location);
        }
        Ok(out)
    }

    /// Deletes an object; a missing one is not an error.
    pub async fn delete(&self, path: &Path) -> Result<(), StoreError> {
        match self.store.delete(&self.full(path)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(StoreError::storage(path, e)),
        }
    }

    /// Moves an object (copy then delete on S3).
    pub async fn rename(&self, from: &Path, to: &Path) -> Result<(), StoreError> {
        self.store
            .rename(&self.full(from), &self.full(to))
            .await
            .map_err(|e| StoreError::storage(from, e))
    }

    /// A description for logs (no credentials).
    pub fn describe(&self) -> &str {
        &self.description
    }

    /// Whether this is local storage.
    pub fn is_local(&self) -> bool {
        self.local_root.is_some()
    }
}

fn sync_local(file: &std::path::Path) -> std::io::Result<()> {
    std::fs::File::open(file)?.sync_all()?;
    if let Some(dir) = file.parent() {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_url_parses_bucket_and_prefix() {
        assert_eq!(
            S3Location::parse_url("s3://logs/vigie/prod/"),
            Some(("logs".into(), "vigie/prod".into()))
        );
        assert_eq!(
            S3Location::parse_url("s3://logs"),
            Some(("logs".into(), String::new()))
        );
        assert_eq!(S3Location::parse_url("s3:///x"), None);
        assert_eq!(S3Location::parse_url("file:///x"), None);
    }

    #[test]
    fn debug_of_s3_location_hides_credentials() {
        let s3 = S3Location {
            bucket: "b".into(),
            prefix: String::new(),
            endpoint: None,
            region: None,
            access_key_id: Some("AKIDSECRET".into()),
            secret_access_key: Some("topsecret".into()),
        };
        let text = format!("{s3:?}");
        assert!(
            !text.contains("topsecret") && !text.contains("AKIDSECRET"),
            "{text}"
        );
    }
}
