//! A small client of the Docker Engine API over a node's unix socket: HTTP/1.0, one request per
//! connection, JSON answers. The lab asks many engines every second; the API costs the machine
//! far less than starting the docker CLI each time.
//!
//! API version 1.41 is what Docker 20.10 speaks; Docker 26.1 answers it too.

use crate::{lab_error, Result};
use serde_json::Value;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::time::Duration;

const API: &str = "/v1.41";

/// What a ping learns of an engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Probe {
    /// It answered.
    Answers,
    /// It took the connection and has not answered yet: it runs.
    Busy,
    /// Nothing takes the connection, or it was dropped: the engine is stopped.
    Down,
}

impl Probe {
    pub fn runs(self) -> bool {
        self != Probe::Down
    }
}

/// Where a request failed.
enum Failed {
    Connect(std::io::Error),
    Answer(std::io::Error),
}

#[derive(Debug, Clone)]
pub struct Docker {
    socket: PathBuf,
    timeout: Duration,
}

impl Docker {
    pub fn new(socket: impl AsRef<Path>) -> Docker {
        Docker {
            socket: socket.as_ref().to_path_buf(),
            timeout: Duration::from_secs(5),
        }
    }

    pub fn socket(&self) -> &PathBuf {
        &self.socket
    }

    pub fn with_timeout(mut self, timeout: Duration) -> Docker {
        self.timeout = timeout;
        self
    }

    /// Sends a request and reads the whole answer.
    fn exchange(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
    ) -> std::result::Result<Vec<u8>, Failed> {
        let mut stream = UnixStream::connect(&self.socket).map_err(Failed::Connect)?;
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {API}{path} HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        let mut raw = Vec::new();
        stream
            .set_read_timeout(Some(self.timeout))
            .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
            .and_then(|()| stream.write_all(request.as_bytes()))
            .and_then(|()| stream.read_to_end(&mut raw))
            .map_err(Failed::Answer)?;
        Ok(raw)
    }

    /// Sends a request; the status code and the body.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String)> {
        let raw = self.exchange(method, path, body).map_err(|e| match e {
            Failed::Connect(e) => {
                lab_error!("cannot reach the engine at {}: {e}", self.socket.display())
            }
            Failed::Answer(e) => lab_error!(
                "the engine at {} did not answer: {e}",
                self.socket.display()
            ),
        })?;
        let text = String::from_utf8_lossy(&raw);
        let (head, body) = text.split_once("\r\n\r\n").ok_or_else(|| {
            lab_error!("the engine at {} answered no HTTP", self.socket.display())
        })?;
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| lab_error!("the engine answered no status"))?;
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_owned()
        };
        Ok((status, body))
    }

    /// GETs JSON; an error holds the engine's own message.
    pub fn get(&self, path: &str) -> Result<Value> {
        let (status, body) = self.request("GET", path, None)?;
        if status >= 400 {
            return Err(lab_error!("{}", message(&body)));
        }
        serde_json::from_str(&body)
            .map_err(|e| lab_error!("the engine's answer to {path} is not JSON: {e}"))
    }

    pub fn ping(&self) -> bool {
        matches!(self.request("GET", "/_ping", None), Ok((200, _)))
    }

    /// Whether the engine runs, which is what a manager's Raft vote rests on. An engine that
    /// takes the connection but does not answer within the timeout runs: Docker answers
    /// `/_ping` under the swarm's lock, which a loaded machine or a swarm operation can hold
    /// for seconds. Only an engine that refuses the connection, or drops it, is down.
    pub fn probe(&self) -> Probe {
        match self.exchange("GET", "/_ping", None) {
            Ok(raw) if raw.starts_with(b"HTTP/1.0 200") || raw.starts_with(b"HTTP/1.1 200") => {
                Probe::Answers
            }
            Ok(_) => Probe::Busy,
            Err(Failed::Answer(e))
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                Probe::Busy
            }
            Err(_) => Probe::Down,
        }
    }

    pub fn info(&self) -> Result<Value> {
        self.get("/info")
    }

    pub fn nodes(&self) -> Result<Vec<Value>> {
        as_list(self.get("/nodes")?)
    }

    pub fn services(&self) -> Result<Vec<Value>> {
        as_list(self.get("/services")?)
    }

    pub fn tasks(&self) -> Result<Vec<Value>> {
        as_list(self.get("/tasks")?)
    }

    pub fn networks(&self) -> Result<Vec<Value>> {
        as_list(self.get("/networks")?)
    }

    pub fn network(&self, id: &str, verbose: bool) -> Result<Value> {
        self.get(&format!(
            "/networks/{id}{}",
            if verbose { "?verbose=true" } else { "" }
        ))
    }

    pub fn containers(&self) -> Result<Vec<Value>> {
        as_list(self.get("/containers/json")?)
    }

    pub fn container(&self, id: &str) -> Result<Value> {
        self.get(&format!("/containers/{id}/json"))
    }

    pub fn node(&self, id: &str) -> Result<Value> {
        self.get(&format!("/nodes/{id}"))
    }

    pub fn service(&self, id: &str) -> Result<Value> {
        self.get(&format!("/services/{id}"))
    }
}

fn as_list(value: Value) -> Result<Vec<Value>> {
    match value {
        Value::Array(items) => Ok(items),
        Value::Null => Ok(Vec::new()),
        other => Err(lab_error!("expected a list from the engine, got {other}")),
    }
}

/// The engine's error message in a body (`{"message": "..."}`), or the body.
fn message(body: &str) -> String {
    serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_else(|| body.trim().to_owned())
}

fn dechunk(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some((size, tail)) = rest.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || tail.len() < size {
            break;
        }
        out.push_str(&tail[..size]);
        rest = tail[size..].trim_start_matches("\r\n");
    }
    out
}

/// A string field down a path of keys.
pub fn text<'v>(value: &'v Value, path: &[&str]) -> &'v str {
    let mut v = value;
    for key in path {
        match v.get(key) {
            Some(next) => v = next,
            None => return "",
        }
    }
    v.as_str().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::{Docker, Probe};
    use std::io::{Read, Write};
    use std::os::unix::net::UnixListener;
    use std::time::Duration;

    /// An engine on a socket that reads a request and then answers with `answer`, or holds the
    /// connection open without a word when it is `None`.
    fn engine(dir: &std::path::Path, answer: Option<&'static str>) -> std::path::PathBuf {
        let socket = dir.join(format!("{}.sock", answer.map_or(0, str::len)));
        let listener = UnixListener::bind(&socket).expect("a socket");
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("a connection");
            let mut buf = [0u8; 512];
            let _ = stream.read(&mut buf);
            match answer {
                Some(text) => {
                    let _ = stream.write_all(text.as_bytes());
                }
                None => std::thread::sleep(Duration::from_secs(2)),
            }
        });
        socket
    }

    #[test]
    fn an_engine_that_takes_the_connection_and_answers_late_still_runs() {
        let dir = std::env::temp_dir().join(format!("swarmplan-probe-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("a folder");
        let quick = Docker::new(engine(
            &dir,
            Some("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nOK"),
        ));
        assert_eq!(quick.probe(), Probe::Answers);
        let busy = Docker::new(engine(&dir, None)).with_timeout(Duration::from_millis(200));
        assert_eq!(busy.probe(), Probe::Busy);
        assert!(Probe::Busy.runs());
        let none = Docker::new(dir.join("stopped.sock"));
        assert_eq!(none.probe(), Probe::Down);
        assert!(!Probe::Down.runs());
        std::fs::remove_dir_all(&dir).expect("the folder removed");
    }
}
