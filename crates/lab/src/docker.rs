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

    /// Sends a request; the status code and the body.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> Result<(u16, String)> {
        let mut stream = UnixStream::connect(&self.socket)
            .map_err(|e| lab_error!("cannot reach the engine at {}: {e}", self.socket.display()))?;
        stream.set_read_timeout(Some(self.timeout))?;
        stream.set_write_timeout(Some(self.timeout))?;
        let body = body.unwrap_or("");
        let request = format!(
            "{method} {API}{path} HTTP/1.0\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        stream.write_all(request.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw).map_err(|e| {
            lab_error!(
                "the engine at {} did not answer: {e}",
                self.socket.display()
            )
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
