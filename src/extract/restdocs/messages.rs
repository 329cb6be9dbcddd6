//! Messages: the raw HTTP the shared reader finds, the curl commands REST Docs
//! prints for the same requests, and the captions (`Example Response`) printed
//! between a request and its response.
//!
//! A curl command is a message like any other: its offset is the `$ curl` line, its
//! end is past the command's last word, and its body's offset is where the quoted
//! `-d` text starts, so examples cite the document as for raw HTTP.

use crate::extract::http::{Message, Start, messages};
use crate::extract::text::Doc;
use crate::spec::{Example, ExampleKind, Method};

use super::sections::heading;

/// Raw HTTP and curl messages, in document order.
pub(super) fn all_messages(doc: &Doc) -> Vec<Message> {
    let mut out = messages(doc);
    out.extend(curl_messages(doc));
    out.sort_by_key(|m| m.offset);
    out
}

/// `$ curl 'http://localhost:8080/api/x' -i -X POST -H 'Content-Type: …' -d '{…}'`,
/// continued over lines ending in `\`.
fn curl_messages(doc: &Doc) -> Vec<Message> {
    let mut out = Vec::new();
    for (n, line) in doc.lines() {
        if !line.starts_with("$ curl ") {
            continue;
        }
        let offset = doc.line_start(n);
        let (words, end) = shell_words(doc.text, offset + "$ curl ".len());
        let mut words = words.into_iter();
        let Some((url, _)) = words.next() else {
            continue;
        };
        let mut method = None;
        let mut headers = Vec::new();
        let mut body = None;
        while let Some((w, _)) = words.next() {
            match w.as_str() {
                "-X" | "--request" => method = words.next().and_then(|(m, _)| Method::parse(&m)),
                "-H" | "--header" => {
                    if let Some((h, _)) = words.next()
                        && let Some((name, value)) = h.split_once(':')
                    {
                        headers.push((name.trim().to_string(), value.trim().to_string()));
                    }
                }
                "-d" | "--data" | "--data-raw" => body = words.next(),
                _ => {}
            }
        }
        let method = method.unwrap_or(if body.is_some() {
            Method::Post
        } else {
            Method::Get
        });
        out.push(Message {
            start: Start::Request {
                method,
                target: target_of(&url),
            },
            offset,
            headers,
            body,
            end,
        });
    }
    out
}

/// The path and query of a URL.
fn target_of(url: &str) -> String {
    match url.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]).to_string(),
        None => url.to_string(),
    }
}

/// Shell words from `start` to the end of the command, with the offset each word's
/// text starts at: single quotes (which may span lines) and `\` line continuations.
fn shell_words(text: &str, start: usize) -> (Vec<(String, usize)>, usize) {
    let bytes = text.as_bytes();
    let mut words = Vec::new();
    let mut i = start;
    loop {
        while i < bytes.len() && matches!(bytes[i], b' ' | b'\t') {
            i += 1;
        }
        if i >= bytes.len() || bytes[i] == b'\n' {
            break;
        }
        if bytes[i] == b'\\' && bytes.get(i + 1) == Some(&b'\n') {
            i += 2;
            continue;
        }
        let mut word = String::new();
        let mut at = None;
        while i < bytes.len() && !matches!(bytes[i], b' ' | b'\t' | b'\n') {
            if bytes[i] == b'\'' {
                let close = text[i + 1..].find('\'').map_or(text.len(), |j| i + 1 + j);
                at.get_or_insert(i + 1);
                word.push_str(&text[i + 1..close]);
                i = (close + 1).min(text.len());
            } else {
                let run_end = text[i..]
                    .find([' ', '\t', '\n', '\''])
                    .map_or(text.len(), |j| i + j);
                at.get_or_insert(i);
                word.push_str(&text[i..run_end]);
                i = run_end;
            }
        }
        words.push((word, at.unwrap_or(i)));
    }
    (words, i)
}

/// Responses illustrate the request printed right before them, captions such as
/// `Example Response` between them.
pub(super) fn link_across_captions(doc: &Doc, msgs: &[Message], examples: &mut [Example]) {
    for i in 1..msgs.len().min(examples.len()) {
        if examples[i].kind != ExampleKind::Response || examples[i].operation.is_some() {
            continue;
        }
        if matches!(msgs[i - 1].start, Start::Request { .. })
            && only_captions(doc, msgs[i - 1].end, msgs[i].offset)
        {
            examples[i].operation = examples[i - 1].operation.clone();
        }
    }
}

/// A short label line: `Example Request`, `Curl:`, `Response Structure`.
pub(super) fn is_caption(line: &str) -> bool {
    let t = line.trim();
    !t.is_empty()
        && t.split_whitespace().count() <= 4
        && !t.ends_with('.')
        && heading(t).is_none()
        && !t.starts_with(['{', '[', '"', '$', '-', '•'])
}

/// Whether the text from `from` to `to` is only blank lines and captions.
pub(super) fn only_captions(doc: &Doc, from: usize, to: usize) -> bool {
    from <= to
        && doc.text[from..to]
            .lines()
            .all(|l| l.trim().is_empty() || is_caption(l))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_curl_commands() {
        let text = "\
Curl:

$ curl 'http://localhost:8080/api/people/x@y.org' -i -X PUT \\
    -H 'Content-Type: application/json' \\
    -H 'Authorization: Bearer abc' \\
    -d '{
  \"name\" : \"N\"
}'
Example Response
HTTP/1.1 200 OK
";
        let d = Doc::new("t.txt", text);
        let msgs = all_messages(&d);
        assert_eq!(msgs.len(), 2);
        let m = &msgs[0];
        assert_eq!(
            m.start,
            Start::Request {
                method: Method::Put,
                target: "/api/people/x@y.org".into()
            }
        );
        assert_eq!(d.position(m.offset).0, 3);
        assert_eq!(m.content_type().as_deref(), Some("application/json"));
        assert!(m.header("Authorization").is_some());
        let (body, at) = m.body.as_ref().unwrap();
        assert_eq!(body, "{\n  \"name\" : \"N\"\n}");
        assert_eq!(&text[*at..*at + 1], "{");
        assert!(only_captions(&d, m.end, msgs[1].offset));
    }

    #[test]
    fn targets_are_path_and_query() {
        assert_eq!(target_of("http://h:8080/api/x?a=b"), "/api/x?a=b");
    }
}
