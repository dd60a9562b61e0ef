//! Integration tests of vigie-input: real sockets, files and (for S3) the
//! moto server each S3 test starts on a free port (scripts/test.sh installs it).

mod file;
mod s3;
mod support;
mod syslog;
mod syslog_tls;
