//! An HTTPS server on 127.0.0.1 with a certificate from the test-only CA in `tests/fixtures/tls`.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/tls")
        .join(name)
}

/// Serves `body` as JSON over TLS for every path; returns the server's https origin.
pub fn https_server(body: String) -> String {
    https_router(move |_path| HttpsReply::Json(body.clone()))
}

pub enum HttpsReply {
    Json(String),
    Redirect(String),
}

/// An HTTPS server answering each request path with `route`; returns its origin.
pub fn https_router(route: impl Fn(&str) -> HttpsReply + Send + Sync + 'static) -> String {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(fixture("server.pem"))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let key = PrivateKeyDer::from_pem_file(fixture("server-key.pem")).unwrap();
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = Arc::new(
        rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap(),
    );
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let route = Arc::new(route);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let config = Arc::clone(&config);
            let route = Arc::clone(&route);
            std::thread::spawn(move || {
                let connection = rustls::ServerConnection::new(config).unwrap();
                let mut tls = rustls::StreamOwned::new(connection, stream);
                // A client that refuses the certificate ends the handshake here: nothing to serve.
                let mut reader = BufReader::new(&mut tls);
                let mut line = String::new();
                let mut path = String::new();
                while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
                    if path.is_empty() {
                        path = line.split(' ').nth(1).unwrap_or("/").to_owned();
                    }
                    if line == "\r\n" {
                        let response = match route(&path) {
                            HttpsReply::Json(body) => format!(
                                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                                body.len()
                            ),
                            HttpsReply::Redirect(to) => format!(
                                "HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                            ),
                        };
                        let _ = tls.write_all(response.as_bytes());
                        let _ = tls.flush();
                        return;
                    }
                    line.clear();
                }
            });
        }
    });
    format!("https://127.0.0.1:{port}")
}
