//! The `inputs` section: listeners and pollers that `vigie serve` runs
//! beside the HTTP API: syslog over UDP, TCP or TLS, tailed files, and S3
//! buckets that receive CloudTrail or VPC Flow Log deliveries.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::model::socket_addr;
use crate::{ByteSize, HumanDuration, Secret};

/// `inputs`.
#[derive(Debug, Clone, PartialEq, Default, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct InputsConfig {
    /// `inputs.syslog`: syslog listeners.
    pub syslog: Vec<SyslogInput>,
    /// `inputs.files`: files to tail.
    pub files: Vec<FileInput>,
    /// `inputs.s3`: buckets to poll.
    pub s3: Vec<S3Input>,
}

/// How a syslog listener receives messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SyslogProtocol {
    /// One message per datagram (RFC 5426).
    Udp,
    /// A stream with octet-counting (RFC 6587 3.4.1) or newline framing,
    /// told apart per message.
    Tcp,
    /// TCP inside TLS (RFC 5425).
    Tls,
}

impl SyslogProtocol {
    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Udp => "udp",
            Self::Tcp => "tcp",
            Self::Tls => "tls",
        }
    }
}

/// One entry of `inputs.syslog`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyslogInput {
    /// Unique input name, used in logs and metrics (required).
    pub name: String,
    /// `udp`, `tcp` or `tls` (required).
    pub protocol: SyslogProtocol,
    /// Address to listen on, e.g. `0.0.0.0:5514` (required).
    #[serde(deserialize_with = "socket_addr")]
    pub listen: SocketAddr,
    /// The dataset messages are normalized as: `syslog` (default), or any
    /// other dataset, or `auto` to detect each message's format.
    #[serde(default = "default_syslog_dataset")]
    pub dataset: String,
    /// Largest message accepted; a longer frame is cut off and counted.
    #[serde(default = "default_max_frame")]
    pub max_frame_bytes: ByteSize,
    /// Most concurrent TCP/TLS connections.
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Certificate and key, required for `tls`.
    #[serde(default)]
    pub tls: Option<TlsConfig>,
}

fn default_syslog_dataset() -> String {
    "syslog".into()
}

fn default_max_frame() -> ByteSize {
    ByteSize::kib(64)
}

fn default_max_connections() -> usize {
    1024
}

/// `tls` of a listener.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// PEM file with the certificate chain, leaf first.
    pub cert: PathBuf,
    /// PEM file with the private key (PKCS#8, PKCS#1 or SEC1).
    pub key: PathBuf,
    /// PEM file of CA certificates: when set, clients must present a
    /// certificate signed by one of them (mutual TLS).
    #[serde(default)]
    pub client_ca: Option<PathBuf>,
}

/// Where a tailed file starts when vigie first sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StartAt {
    /// Read what the file already holds.
    Beginning,
    /// Only lines written from now on (the default, like `tail -F`).
    #[default]
    End,
}

impl StartAt {
    /// The name as written in the file.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Beginning => "beginning",
            Self::End => "end",
        }
    }
}

/// One entry of `inputs.files`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileInput {
    /// Unique input name; positions are kept under it (required).
    pub name: String,
    /// Paths or glob patterns (`*`, `?`, `[...]` in the file name part)
    /// of the files to follow (required, not empty).
    pub paths: Vec<String>,
    /// Dataset of every line; absent means detect each line's format.
    #[serde(default)]
    pub dataset: Option<String>,
    /// Where a newly seen file starts: `end` (default) or `beginning`.
    /// Files created after start-up are always read from the beginning.
    #[serde(default)]
    pub start_at: StartAt,
    /// How often files are checked for new lines, rotation and new matches.
    #[serde(default = "default_file_poll")]
    pub poll_interval: HumanDuration,
}

fn default_file_poll() -> HumanDuration {
    HumanDuration::millis(250)
}

/// One entry of `inputs.s3`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Input {
    /// Unique input name; the checkpoint is kept under it (required).
    pub name: String,
    /// Bucket name (required).
    pub bucket: String,
    /// Key prefix to list, e.g. `AWSLogs/123456789012/CloudTrail/`.
    #[serde(default)]
    pub prefix: String,
    /// AWS region; `AWS_REGION` or `us-east-1` when absent.
    #[serde(default)]
    pub region: Option<String>,
    /// S3-compatible endpoint URL (MinIO, moto, Ceph); AWS when absent.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Dataset of every object; absent means detect per record.
    #[serde(default)]
    pub dataset: Option<String>,
    /// How often the bucket is listed for new objects.
    #[serde(default = "default_s3_poll")]
    pub poll_interval: HumanDuration,
    /// Access key; the standard AWS environment and instance credentials
    /// are used when absent.
    #[serde(default)]
    pub access_key_id: Option<Secret>,
    /// Secret key, with `access_key_id`.
    #[serde(default)]
    pub secret_access_key: Option<Secret>,
}

fn default_s3_poll() -> HumanDuration {
    HumanDuration::secs(60)
}
