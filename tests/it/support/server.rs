//! An HTTP server on 127.0.0.1 started by a test: it answers with whatever the test's handler
//! says (discovery documents, key sets, redirects, stalls, huge bodies) and logs every request.

#![allow(dead_code)]

use std::io::Cursor;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use tiny_http::{Header, Response, Server};

#[derive(Debug, Clone)]
pub struct Request {
    /// `http://127.0.0.1:PORT`, the server's own origin.
    pub base: String,
    pub path: String,
    pub if_none_match: Option<String>,
    pub user_agent: Option<String>,
}

pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(String, String)>,
    /// Never answer (a server that hangs): the client's timeout must end the wait.
    pub stall: bool,
    /// Send the body chunked, without a Content-Length.
    pub chunked: bool,
}

impl Reply {
    pub fn json(value: &Value) -> Reply {
        Reply::with_type(200, "application/json", value.to_string().into_bytes())
    }

    pub fn with_type(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            body,
            headers: vec![("Content-Type".into(), content_type.into())],
            stall: false,
            chunked: false,
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::with_type(status, "text/plain", Vec::new())
    }

    pub fn redirect(to: &str) -> Reply {
        let mut reply = Reply::status(302);
        reply.headers.push(("Location".into(), to.into()));
        reply
    }

    pub fn stall() -> Reply {
        Reply {
            stall: true,
            ..Reply::status(200)
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The discovery document of an issuer served by this server.
pub fn discovery(base: &str, jwks_path: &str) -> Value {
    json!({
        "issuer": base,
        "jwks_uri": format!("{base}{jwks_path}"),
        "response_types_supported": ["id_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": ["RS256"],
    })
}

pub struct TestServer {
    pub base: String,
    server: Arc<Server>,
    log: Arc<Mutex<Vec<Request>>>,
}

impl TestServer {
    pub fn start(handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) -> TestServer {
        let server = Arc::new(Server::http("127.0.0.1:0").unwrap());
        let address = server.server_addr().to_ip().unwrap();
        let base = format!("http://{address}");
        let log = Arc::new(Mutex::new(Vec::new()));
        let handler = Arc::new(handler);
        {
            let server = Arc::clone(&server);
            let log = Arc::clone(&log);
            let base = base.clone();
            std::thread::spawn(move || {
                for incoming in server.incoming_requests() {
                    let header = |name: &'static str| {
                        incoming
                            .headers()
                            .iter()
                            .find(|h| h.field.equiv(name))
                            .map(|h| h.value.to_string())
                    };
                    let request = Request {
                        base: base.clone(),
                        path: incoming.url().to_owned(),
                        if_none_match: header("If-None-Match"),
                        user_agent: header("User-Agent"),
                    };
                    log.lock().unwrap().push(request.clone());
                    let handler = Arc::clone(&handler);
                    // One thread per request, so a stalling reply does not block the others.
                    std::thread::spawn(move || {
                        let reply = handler(&request);
                        if reply.stall {
                            std::thread::sleep(Duration::from_secs(120));
                            return;
                        }
                        let length = (!reply.chunked).then_some(reply.body.len());
                        let headers = reply
                            .headers
                            .iter()
                            .map(|(n, v)| Header::from_bytes(n.as_bytes(), v.as_bytes()).unwrap())
                            .collect();
                        let response = Response::new(
                            reply.status.into(),
                            headers,
                            Cursor::new(reply.body),
                            length,
                            None,
                        );
                        let _ = incoming.respond(response);
                    });
                }
            });
        }
        TestServer { base, server, log }
    }

    pub fn requests(&self) -> Vec<Request> {
        self.log.lock().unwrap().clone()
    }

    /// How many requests asked for `path`.
    pub fn count(&self, path: &str) -> usize {
        self.requests().iter().filter(|r| r.path == path).count()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// An issuer on 127.0.0.1 that answers its discovery document at once and then sends its key
/// set (`jwks`) one byte every `pause`, each byte flushed: a server that keeps every read short
/// and the whole response as long as it likes. tiny_http buffers what it writes, so this one
/// speaks HTTP/1.1 over a bare socket. Returns the issuer's origin.
pub fn dripping_issuer(jwks: Vec<u8>, pause: Duration) -> String {
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let origin = base.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let jwks = jwks.clone();
            let base = base.clone();
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                let _ = reader.read_line(&mut request_line);
                loop {
                    let mut line = String::new();
                    match reader.read_line(&mut line) {
                        Ok(0) | Err(_) => return,
                        Ok(_) if line == "\r\n" => break,
                        Ok(_) => {}
                    }
                }
                let path = request_line.split(' ').nth(1).unwrap_or("");
                let (body, drip) = if path == "/.well-known/openid-configuration" {
                    (discovery(&base, "/jwks").to_string().into_bytes(), false)
                } else {
                    (jwks, true)
                };
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                if stream.write_all(head.as_bytes()).is_err() {
                    return;
                }
                if !drip {
                    let _ = stream.write_all(&body);
                    return;
                }
                for byte in body {
                    std::thread::sleep(pause);
                    if stream
                        .write_all(&[byte])
                        .and_then(|()| stream.flush())
                        .is_err()
                    {
                        return;
                    }
                }
            });
        }
    });
    origin
}
