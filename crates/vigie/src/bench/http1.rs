//! A lean HTTP/1.1 load generator.
//!
//! The bench and the programs it measures share the machine's cores, so
//! every microsecond the client spends per request is taken from the
//! target and caps the rate it can show. This client does what `wrk` and
//! `h2load` do: each connection is a blocking socket on its own thread,
//! opened before the clock starts and kept alive; each request is prepared
//! in full beforehand ([`post_request`]) and goes out in one `write`; the
//! answer is read with `httparse` into a buffer the connection keeps. No
//! async runtime, no task wake-ups, no allocation per request.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};

use anyhow::Context;

/// The bytes of `POST path` with a JSON body, as sent on the wire.
pub fn post_request(addr: SocketAddr, path: &str, body: &[u8]) -> Vec<u8> {
    let mut request = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    request.extend_from_slice(body);
    request
}

/// One kept-alive connection.
pub struct Connection {
    addr: SocketAddr,
    stream: Option<TcpStream>,
    buf: Vec<u8>,
}

/// Where the answer's body ends, once its head is parsed.
enum Framing {
    Length(usize),
    Chunked,
}

impl Connection {
    /// Connects to `addr` (`TCP_NODELAY`, as HTTP clients set it).
    pub fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let mut c = Self {
            addr,
            stream: None,
            buf: Vec::with_capacity(16 * 1024),
        };
        c.connect()?;
        Ok(c)
    }

    fn connect(&mut self) -> anyhow::Result<()> {
        let stream = TcpStream::connect(self.addr)
            .with_context(|| format!("connecting to {}", self.addr))?;
        stream.set_nodelay(true)?;
        self.stream = Some(stream);
        Ok(())
    }

    /// Sends one prepared request and reads its whole answer; the status.
    /// A server that closes the connection (`Connection: close`) gets a
    /// new one for the next request.
    pub fn send(&mut self, request: &[u8]) -> anyhow::Result<u16> {
        if self.stream.is_none() {
            self.connect()?;
        }
        let Self { stream, buf, .. } = self;
        let Some(stream) = stream.as_mut() else {
            anyhow::bail!("not connected to {}", self.addr);
        };
        stream.write_all(request).context("sending a request")?;
        buf.clear();
        let (status, head_len, framing, close) = loop {
            if let Some(head) = parse_head(buf)? {
                break head;
            }
            read_more(stream, buf)?;
        };
        match framing {
            Framing::Length(n) => {
                while buf.len() < head_len + n {
                    read_more(stream, buf)?;
                }
                anyhow::ensure!(
                    buf.len() == head_len + n,
                    "bytes after the answer's body (the client sends one request at a time)"
                );
            }
            Framing::Chunked => {
                let mut at = head_len;
                while !chunked_body_ends(buf, &mut at)? {
                    read_more(stream, buf)?;
                }
            }
        }
        if close {
            self.stream = None;
        }
        Ok(status)
    }
}

fn read_more(stream: &mut TcpStream, buf: &mut Vec<u8>) -> anyhow::Result<()> {
    let start = buf.len();
    buf.resize(start + 16 * 1024, 0);
    let n = stream
        .read(&mut buf[start..])
        .context("reading an answer")?;
    buf.truncate(start + n);
    anyhow::ensure!(n > 0, "the server closed the connection mid-answer");
    Ok(())
}

/// The status, head length, framing and `Connection: close` of a complete
/// answer head in `buf`; `None` while the head is incomplete.
fn parse_head(buf: &[u8]) -> anyhow::Result<Option<(u16, usize, Framing, bool)>> {
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut response = httparse::Response::new(&mut headers);
    let head_len = match response.parse(buf).context("parsing an answer's head")? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Ok(None),
    };
    let status = response.code.context("answer without a status")?;
    let mut framing = Framing::Length(0);
    let mut close = false;
    for h in response.headers.iter() {
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = std::str::from_utf8(h.value)
                .ok()
                .and_then(|v| v.trim().parse().ok())
                .context("bad Content-Length")?;
            framing = Framing::Length(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding")
            && h.value.eq_ignore_ascii_case(b"chunked")
        {
            framing = Framing::Chunked;
        } else if h.name.eq_ignore_ascii_case("connection")
            && h.value.eq_ignore_ascii_case(b"close")
        {
            close = true;
        }
    }
    Ok(Some((status, head_len, framing, close)))
}

/// Walks the chunks of a chunked body from `*at`; true once the last
/// (empty) chunk and the blank line after it are in `buf`. `*at` keeps the
/// start of the first chunk not yet complete.
fn chunked_body_ends(buf: &[u8], at: &mut usize) -> anyhow::Result<bool> {
    loop {
        let (size_len, size) = match httparse::parse_chunk_size(&buf[*at..]) {
            Ok(httparse::Status::Complete(c)) => c,
            Ok(httparse::Status::Partial) => return Ok(false),
            Err(_) => anyhow::bail!("bad chunk size at byte {}", *at),
        };
        let size = usize::try_from(size).context("chunk too large")?;
        let end = *at + size_len + size + 2;
        if buf.len() < end {
            return Ok(false);
        }
        *at = end;
        if size == 0 {
            // No trailers from the servers measured: the last chunk's CRLF
            // ends the body.
            return Ok(true);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use axum::routing::post;
    use bytes::Bytes;

    async fn axum_server() -> SocketAddr {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("address");
        let app = axum::Router::new().route(
            "/echo",
            post(|headers: axum::http::HeaderMap, body: Bytes| async move {
                let json = headers
                    .get("content-type")
                    .is_some_and(|v| v == "application/json");
                if json && body.as_ref() == b"[1]" {
                    (StatusCode::OK, "accepted")
                } else {
                    (StatusCode::BAD_REQUEST, "no")
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn answers_come_back_in_order_on_one_connection() {
        let addr = axum_server().await;
        tokio::task::spawn_blocking(move || {
            let mut c = Connection::open(addr).expect("connects");
            let good = post_request(addr, "/echo", b"[1]");
            for _ in 0..3 {
                assert_eq!(c.send(&good).expect("answer"), 200);
                assert!(c.buf.ends_with(b"accepted"), "the body is read");
            }
            let bad = post_request(addr, "/echo", b"[2]");
            assert_eq!(c.send(&bad).expect("answer"), 400);
            let missing = post_request(addr, "/nowhere", b"");
            assert_eq!(c.send(&missing).expect("answer"), 404);
            assert_eq!(c.send(&good).expect("answer"), 200);
        })
        .await
        .expect("client thread");
    }

    /// A server that answers each request on a connection with the next
    /// of `answers`, written in two parts to split heads and bodies.
    fn scripted_server(answers: Vec<&'static [u8]>) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("address");
        std::thread::spawn(move || {
            let mut answers = answers.into_iter();
            while let Ok((mut s, _)) = listener.accept() {
                let mut buf = [0u8; 4096];
                while let Ok(n) = s.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    let Some(a) = answers.next() else { return };
                    let (head, rest) = a.split_at(a.len() / 2);
                    let _ = s.write_all(head);
                    std::thread::sleep(std::time::Duration::from_millis(5));
                    let _ = s.write_all(rest);
                    if a.windows(17).any(|w| w == b"Connection: close") {
                        break;
                    }
                }
            }
        });
        addr
    }

    #[test]
    fn chunked_answers_and_closed_connections_are_followed() {
        let addr = scripted_server(vec![
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\none\r\n3\r\ntwo\r\n0\r\n\r\n",
            b"HTTP/1.1 503 Busy\r\nContent-Length: 4\r\nConnection: close\r\n\r\nbusy",
            b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
        ]);
        let mut c = Connection::open(addr).expect("connects");
        let r = post_request(addr, "/x", b"[]");
        assert_eq!(c.send(&r).expect("chunked"), 200);
        assert!(c.buf.ends_with(b"0\r\n\r\n"), "the whole chunked body read");
        assert_eq!(c.send(&r).expect("closing"), 503);
        assert!(c.stream.is_none(), "a closed connection is dropped");
        assert_eq!(c.send(&r).expect("on a new connection"), 200);
        assert!(c.buf.ends_with(b"ok"));
    }

    #[test]
    fn a_request_is_prepared_whole() {
        let addr: SocketAddr = "127.0.0.1:9093".parse().expect("addr");
        let r = post_request(addr, "/api/v2/alerts", b"[]");
        assert_eq!(
            r,
            b"POST /api/v2/alerts HTTP/1.1\r\nHost: 127.0.0.1:9093\r\n\
              Content-Type: application/json\r\nContent-Length: 2\r\n\r\n[]"
        );
    }

    #[test]
    fn chunked_bodies_end_only_after_the_last_chunk() {
        let mut at = 0;
        assert!(!chunked_body_ends(b"3\r\none\r\n", &mut at).expect("ok"));
        assert_eq!(at, 8);
        let mut at = 0;
        assert!(chunked_body_ends(b"3\r\none\r\n0\r\n\r\n", &mut at).expect("ok"));
        let mut at = 0;
        assert!(chunked_body_ends(b"zz\r\n", &mut at).is_err());
    }
}
