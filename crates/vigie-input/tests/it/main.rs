//! Integration tests of vigie-input: real sockets, files and (for S3) the
//! moto server started by scripts/test.sh.

mod file;
mod s3;
mod syslog;
