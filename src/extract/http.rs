//! HTTP messages printed in documents: `GET /path HTTP/1.1` request lines and
//! `HTTP/1.1 200 OK` status lines, with their headers and JSON body. The documents
//! print them on several lines or squeezed onto one, sometimes glued to the prose
//! before them (`Taxonomy TermGET /api/...`); both read the same here.

use super::text::{Doc, balanced_end};
use crate::spec::Method;

#[derive(Debug, Clone)]
pub struct Message {
    pub start: Start,
    /// Byte offset of the message's first character.
    pub offset: usize,
    pub headers: Vec<(String, String)>,
    /// Body text and its byte offset.
    pub body: Option<(String, usize)>,
    /// Byte offset just past the message.
    pub end: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    Request { method: Method, target: String },
    Response { status: u16 },
}

impl Message {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Content type without parameters (`; charset=utf-8`).
    pub fn content_type(&self) -> Option<String> {
        self.header("Content-Type")
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string())
            .filter(|v| !v.is_empty())
    }
}

const MARK: &str = "HTTP/1.1";

/// Every request and response message of the document, in order.
pub fn messages(doc: &Doc) -> Vec<Message> {
    let text = doc.text;
    let mut out = Vec::new();
    for (at, _) in text.match_indices(MARK) {
        let after = at + MARK.len();
        let line_end = text[after..].find('\n').map_or(text.len(), |i| after + i);
        if let Some(status) = status_after(&text[after..line_end]) {
            let rest_start = after + 5; // " NNN"
            out.push(finish(
                text,
                Start::Response { status },
                at,
                rest_start,
                line_end,
            ));
        } else if let Some((method, target, start)) = request_before(text, at) {
            out.push(finish(
                text,
                Start::Request { method, target },
                start,
                after,
                line_end,
            ));
        }
    }
    out
}

fn status_after(s: &str) -> Option<u16> {
    let code = s.strip_prefix(' ')?.get(..3)?;
    code.parse().ok().filter(|c| (100..600).contains(c))
}

/// `METHOD TARGET ` right before `at`; the method may be glued to prose before it.
fn request_before(text: &str, at: usize) -> Option<(Method, String, usize)> {
    let before = text[..at].strip_suffix(' ')?;
    let target_start = before.rfind([' ', '\n']).map_or(0, |i| i + 1);
    let target = &before[target_start..];
    if !target.starts_with('/') {
        return None;
    }
    let before_target = before[..target_start].strip_suffix(' ')?;
    for m in ["GET", "POST", "PUT", "PATCH", "DELETE"] {
        if before_target.ends_with(m) {
            let start = before_target.len() - m.len();
            return Some((Method::parse(m)?, target.to_string(), start));
        }
    }
    None
}

/// Reads headers and the body after a start line. `rest` is where the start line's
/// own text ends (a squeezed message continues on the same line).
fn finish(text: &str, start: Start, offset: usize, rest: usize, line_end: usize) -> Message {
    let mut headers = Vec::new();
    let inline = &text[rest..line_end];
    let brace = inline.find(['{', '[']);
    let inline_headers = &inline[..brace.unwrap_or(inline.len())];
    if let Some(i) = inline_headers.find("Content-Type:") {
        let v = inline_headers[i + 13..]
            .split_whitespace()
            .next()
            .unwrap_or("");
        headers.push(("Content-Type".to_string(), v.to_string()));
    }
    if let Some(b) = brace {
        let body_at = rest + b;
        let body_end = balanced_end(text, body_at);
        let body = body_end.map(|end| (text[body_at..end].to_string(), body_at));
        return Message {
            start,
            offset,
            headers,
            body,
            end: body_end.unwrap_or(line_end),
        };
    }
    // Headers on their own lines, then an optional blank line, then the body.
    let mut pos = (line_end + 1).min(text.len());
    let mut last_end = line_end;
    let mut blank_seen = false;
    while pos < text.len() {
        let end = text[pos..].find('\n').map_or(text.len(), |i| pos + i);
        let line = text[pos..end].trim_end_matches('\r');
        let trimmed = line.trim_start();
        if trimmed.starts_with('{') || trimmed.starts_with('[') {
            let body_at = pos + (line.len() - trimmed.len());
            let body_end = balanced_end(text, body_at);
            let body = body_end.map(|e| (text[body_at..e].to_string(), body_at));
            return Message {
                start,
                offset,
                headers,
                body,
                end: body_end.unwrap_or(end),
            };
        }
        if line.trim().is_empty() {
            if blank_seen {
                break;
            }
            blank_seen = true;
        } else if let Some((name, value)) = header(line).filter(|_| !blank_seen) {
            headers.push((name.to_string(), value.trim().to_string()));
            last_end = end;
        } else {
            break;
        }
        pos = end + 1;
    }
    Message {
        start,
        offset,
        headers,
        body: None,
        end: last_end,
    }
}

fn header(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once(':')?;
    let ok = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    ok.then_some((name, value))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_multiline_and_squeezed_messages() {
        let text = "Example\nGET /api/v1/x?per_page=3 HTTP/1.1\nAccept: application/json\nHTTP/1.1 200 OK\nContent-Type: application/json; charset=utf-8\n{\n\"a\": [1]\n}\nsee TermGET /api/v1/y HTTP/1.1 Accept: x\n- HTTP/1.1 404 Not Found Content-Type: application/json { \"reason\": \"Resource not found\" }\n";
        let doc = Doc::new("t.txt", text);
        let m = messages(&doc);
        assert_eq!(m.len(), 4);
        assert_eq!(
            m[0].start,
            Start::Request {
                method: Method::Get,
                target: "/api/v1/x?per_page=3".into()
            }
        );
        assert_eq!(doc.position(m[0].offset).0, 2);
        assert!(m[0].body.is_none());
        assert_eq!(m[1].start, Start::Response { status: 200 });
        assert_eq!(m[1].content_type().as_deref(), Some("application/json"));
        assert_eq!(m[1].body.as_ref().unwrap().0, "{\n\"a\": [1]\n}");
        assert!(matches!(&m[2].start, Start::Request { target, .. } if target == "/api/v1/y"));
        assert_eq!(m[3].start, Start::Response { status: 404 });
        assert_eq!(
            m[3].body.as_ref().unwrap().0,
            "{ \"reason\": \"Resource not found\" }"
        );
    }
}
