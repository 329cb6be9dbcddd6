//! Reading an example body that is not valid JSON the way its author meant it, so
//! what it does show can still be checked against the tables.
//!
//! Documents elide (`...`, `…`), comment (`# omitted for brevity`), write Python
//! literals (`False`, `None`), leave trailing or missing commas and stray colons.
//! This reader skips elisions and comments, maps Python literals, and tolerates
//! punctuation mistakes. It never guesses values: what it cannot read is left out,
//! and `elided` says that something was, so absence proves nothing.

use serde_json::{Map, Number, Value};

pub struct Reading {
    pub value: Value,
    /// Whether anything was elided or skipped: missing keys are then no evidence.
    pub elided: bool,
}

/// A lenient reading of `text`, or `None` when not even that finds a value.
pub fn read(text: &str) -> Option<Reading> {
    let tokens = tokens(text);
    let mut p = Parser {
        tokens: &tokens,
        at: 0,
        elided: false,
    };
    let value = p.value()?;
    Some(Reading {
        value,
        elided: p.elided,
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Open(char),
    Close(char),
    Colon,
    Comma,
    Str(String),
    Num(Number),
    Lit(Value),
    Ellipsis,
    /// Anything else: a word the reader does not know.
    Junk,
}

fn tokens(text: &str) -> Vec<Tok> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '{' | '[' => out.push(Tok::Open(c)),
            '}' | ']' => out.push(Tok::Close(c)),
            ':' => out.push(Tok::Colon),
            ',' => out.push(Tok::Comma),
            // A comment runs to the end of its line or, in documents flattened to one
            // line, to the next bracket, comma or quote.
            '#' => {
                while i < chars.len() && !"\n{}[],\"".contains(chars[i]) {
                    i += 1;
                }
                continue;
            }
            '…' => out.push(Tok::Ellipsis),
            '.' if chars[i..].starts_with(&['.', '.', '.']) => {
                out.push(Tok::Ellipsis);
                i += 3;
                continue;
            }
            '"' => {
                let mut s = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' && chars[i] != '\n' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                        s.push(match chars[i] {
                            'n' => '\n',
                            't' => '\t',
                            other => other,
                        });
                    } else {
                        s.push(chars[i]);
                    }
                    i += 1;
                }
                out.push(Tok::Str(s));
            }
            c if c.is_whitespace() => {}
            _ => {
                let start = i;
                while i < chars.len()
                    && !chars[i].is_whitespace()
                    && !"{}[]:,\"#".contains(chars[i])
                {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                out.push(word_token(&word));
                continue;
            }
        }
        i += 1;
    }
    out
}

fn word_token(word: &str) -> Tok {
    match word {
        "true" | "True" => Tok::Lit(Value::Bool(true)),
        "false" | "False" => Tok::Lit(Value::Bool(false)),
        "null" | "None" => Tok::Lit(Value::Null),
        w => match serde_json::from_str::<Number>(w) {
            Ok(n) => Tok::Num(n),
            Err(_) if w.chars().all(|c| c == '.') => Tok::Ellipsis,
            Err(_) => Tok::Junk,
        },
    }
}

struct Parser<'t> {
    tokens: &'t [Tok],
    at: usize,
    elided: bool,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.at)
    }

    fn next(&mut self) -> Option<Tok> {
        let t = self.tokens.get(self.at).cloned();
        self.at += 1;
        t
    }

    /// Skips what separates entries, noting elisions and junk.
    fn skip_separators(&mut self) {
        while let Some(t) = self.peek() {
            match t {
                Tok::Comma | Tok::Colon => {}
                Tok::Ellipsis | Tok::Junk => self.elided = true,
                _ => return,
            }
            self.at += 1;
        }
    }

    fn value(&mut self) -> Option<Value> {
        self.skip_separators();
        match self.next()? {
            Tok::Str(s) => Some(Value::String(s)),
            Tok::Num(n) => Some(Value::Number(n)),
            Tok::Lit(v) => Some(v),
            Tok::Open('{') => Some(self.object()),
            Tok::Open(_) => Some(self.array()),
            _ => None,
        }
    }

    fn object(&mut self) -> Value {
        let mut m = Map::new();
        loop {
            self.skip_separators();
            match self.peek() {
                None => break,
                Some(Tok::Close(_)) => {
                    self.at += 1;
                    break;
                }
                Some(Tok::Str(_)) => {
                    let Some(Tok::Str(key)) = self.next() else {
                        unreachable!("peeked a string")
                    };
                    // A key without its colon or value is as good as elided.
                    match self.value() {
                        Some(v) => {
                            m.insert(key, v);
                        }
                        None => self.elided = true,
                    }
                }
                Some(_) => {
                    self.elided = true;
                    self.at += 1;
                }
            }
        }
        Value::Object(m)
    }

    fn array(&mut self) -> Value {
        let mut items = Vec::new();
        loop {
            self.skip_separators();
            match self.peek() {
                None => break,
                Some(Tok::Close(_)) => {
                    self.at += 1;
                    break;
                }
                _ => match self.value() {
                    Some(v) => items.push(v),
                    None => self.elided = true,
                },
            }
        }
        Value::Array(items)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_what_documents_print() {
        let r = read(
            "{\n\"plant_lines\": [\n{\n\"id\": 6,\n...\n},\n...\n],\n\"meta\": {\"page\": 2}\n}",
        )
        .unwrap();
        assert_eq!(
            r.value,
            json!({"plant_lines": [{"id": 6}], "meta": {"page": 2}})
        );
        assert!(r.elided);
        let r = read(
            r#"{ "isAdmin": False, "d": { # omitted for brevity
 }, "x": [1, 2,], "a": "b" "c": None }"#,
        )
        .unwrap();
        assert_eq!(
            r.value,
            json!({"isAdmin": false, "d": {}, "x": [1, 2], "a": "b", "c": null})
        );
        assert!(!r.elided, "comments and punctuation elide nothing");
        let r = read(r#"{ "d": { # omitted for brevity }, "e": 1 }"#).unwrap();
        assert_eq!(
            r.value,
            json!({"d": {}, "e": 1}),
            "a comment inside one line"
        );
        let r = read(r#"{ "id": :84208, "ids": [98413,98412] }"#).unwrap();
        assert_eq!(r.value, json!({"id": 84208, "ids": [98413, 98412]}));
    }

    #[test]
    fn unreadable_text_gives_nothing() {
        assert!(read("gentar_test_user1@gentar.org").is_none());
    }
}
