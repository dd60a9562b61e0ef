//! A lean HTTP/1.1 client for load generation.
//!
//! The bench and the programs it measures share the machine's cores, so
//! every microsecond the client spends per request is taken from the
//! target and caps the rate it can show. A general-purpose client parses
//! the URL, checks a pool out and builds headers for each request; here
//! each connection is opened once and kept alive, and a request is a
//! prepared body behind a fixed path and three headers.

use std::net::SocketAddr;

use anyhow::Context;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, CONTENT_TYPE, HOST};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;

/// One kept-alive connection.
pub struct Connection {
    sender: SendRequest<Full<Bytes>>,
    host: HeaderValue,
}

impl Connection {
    /// Connects to `addr` (`TCP_NODELAY`, as HTTP clients set it).
    pub async fn open(addr: SocketAddr) -> anyhow::Result<Self> {
        let stream = tokio::net::TcpStream::connect(addr)
            .await
            .with_context(|| format!("connecting to {addr}"))?;
        stream.set_nodelay(true)?;
        let (sender, connection) = http1::handshake(TokioIo::new(stream))
            .await
            .context("HTTP/1.1 handshake")?;
        tokio::spawn(async move {
            let _ = connection.await;
        });
        Ok(Self {
            sender,
            host: HeaderValue::from_str(&addr.to_string())?,
        })
    }

    /// POSTs a JSON body to `path`; the answer's status (its body is read
    /// and dropped, so the connection can be used again).
    pub async fn post_json(&mut self, path: &str, body: Bytes) -> anyhow::Result<StatusCode> {
        self.sender.ready().await.context("connection closed")?;
        let request = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(HOST, self.host.clone())
            .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
            .body(Full::new(body))?;
        let response = self.sender.send_request(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        Ok(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::post;

    #[tokio::test]
    async fn posts_go_out_on_one_connection_and_answers_come_back_in_order() {
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
                    StatusCode::OK
                } else {
                    StatusCode::BAD_REQUEST
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        let mut connection = Connection::open(addr).await.expect("connects");
        for _ in 0..3 {
            let ok = connection
                .post_json("/echo", Bytes::from_static(b"[1]"))
                .await;
            assert_eq!(ok.expect("answer"), StatusCode::OK);
        }
        let bad = connection
            .post_json("/echo", Bytes::from_static(b"[2]"))
            .await;
        assert_eq!(bad.expect("answer"), StatusCode::BAD_REQUEST);
        let missing = connection.post_json("/nowhere", Bytes::new()).await;
        assert_eq!(missing.expect("answer"), StatusCode::NOT_FOUND);
    }
}
