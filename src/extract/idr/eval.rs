//! Evaluation of the script's expressions: which operation each value comes from,
//! and what the client's use of a response shows about its fields (`x['key']` reads
//! a field, and requires it where no condition guards the read; `x.get('key')`
//! reads one it does without; `x[0]` indexes an array, `x is not None` shows a null,
//! `r.status_code == 200` is a status the client expects). A condition evaluates to
//! what it tests (`Val::Test`), for the block it opens.
//!
//! Invariant: evaluation never fails; what the evaluator does not follow is
//! `Val::Unknown`, which shows nothing about any operation.

use super::client::{Client, Guard, Val, join};
use super::python::{Arg, Expr, ExprKind};
use crate::spec::Method;

impl Client {
    pub(super) fn eval(&mut self, n: usize, line: &str, e: &Expr) -> Val {
        match &e.kind {
            ExprKind::Name(name) => self.env.get(name).cloned().unwrap_or(Val::Unknown),
            ExprKind::Str(s) => Val::Str(s.clone()),
            ExprKind::Num(i) => Val::Int(*i),
            ExprKind::Seq(items) => {
                for i in items {
                    self.eval(n, line, i);
                }
                Val::Unknown
            }
            ExprKind::Dict(entries) => {
                let mut out = Vec::new();
                for (k, v) in entries {
                    let k = self.eval(n, line, k);
                    let v = self.eval(n, line, v);
                    if let Val::Str(k) = k {
                        out.push((k, v));
                    }
                }
                Val::Dict(out)
            }
            ExprKind::Attr(obj, attr) => match (self.eval(n, line, obj), attr.as_str()) {
                (Val::Response(op), "status_code") => Val::Status(op),
                _ => Val::Unknown,
            },
            ExprKind::Index(obj, index) => {
                let obj = self.eval(n, line, obj);
                let index = self.eval(n, line, index);
                let Val::Json { op, path } = obj else {
                    return Val::Unknown;
                };
                let text = line[e.span.clone()].to_string();
                match index {
                    Val::Str(key) => {
                        let why = self.condition(op, &path);
                        self.read_key(n, op, &path, &key, text, why)
                    }
                    Val::Int(_) => {
                        let ev = self.ops[op].evidence(&path, n).read_on(n);
                        ev.indexed = true;
                        if !ev.uses.contains(&text) {
                            ev.uses.push(text);
                        }
                        Val::Unknown
                    }
                    _ => Val::Unknown,
                }
            }
            ExprKind::Binary(l, op, r) => {
                let lv = self.eval(n, line, l);
                let rv = self.eval(n, line, r);
                let text = line[e.span.clone()].to_string();
                match (op.as_str(), lv, rv) {
                    (cmp @ ("==" | "!="), Val::Status(o), Val::Int(s))
                    | (cmp @ ("==" | "!="), Val::Int(s), Val::Status(o)) => {
                        let Ok(s) = u16::try_from(s) else {
                            return Val::Unknown;
                        };
                        self.ops[o].statuses.push((s, n, text));
                        if cmp == "==" && (200..300).contains(&s) {
                            return Val::Test(Guard::Success { op: o });
                        }
                    }
                    (test @ ("is" | "is not"), Val::Json { op: o, path }, _) if matches!(&r.kind, ExprKind::Name(x) if x == "None") =>
                    {
                        let ev = self.ops[o].evidence(&path, n).read_on(n);
                        ev.nullable = true;
                        if !ev.uses.contains(&text) {
                            ev.uses.push(text);
                        }
                        if test == "is not" {
                            return Val::Test(Guard::NotNone { op: o, path });
                        }
                    }
                    _ => {}
                }
                Val::Unknown
            }
            ExprKind::Call(callee, args) => {
                let text = line[e.span.clone()].to_string();
                self.call(n, line, &text, callee, args)
            }
        }
    }

    /// `x['key']` or `x.get('key')`, `x` the part of operation `op`'s body at `path`,
    /// written as `text`: the field `key` of it, read on line `n`; `optional` says why
    /// the read does not require it (a condition guards it, `.get` does without).
    fn read_key(
        &mut self,
        n: usize,
        op: usize,
        path: &str,
        key: &str,
        text: String,
        optional: Option<String>,
    ) -> Val {
        if !path.is_empty() {
            self.ops[op].evidence(path, n).keyed = true;
        }
        let child = join(path, key);
        let ev = self.ops[op].evidence(&child, n).read_on(n);
        if !ev.read {
            ev.read = true;
            ev.read_as = text;
        }
        match optional {
            None => ev.required = true,
            Some(why) => {
                ev.optional.get_or_insert(why);
            }
        }
        Val::Json { op, path: child }
    }

    fn call(&mut self, n: usize, line: &str, text: &str, callee: &Expr, args: &[Arg]) -> Val {
        let (receiver, function) = match &callee.kind {
            ExprKind::Attr(obj, f) => (Some(self.eval(n, line, obj)), f.as_str()),
            ExprKind::Name(f) => (None, f.as_str()),
            _ => (None, ""),
        };
        let mut positional = Vec::new();
        let mut dict = Vec::new();
        for a in args {
            match a {
                Arg::Pos(e) => positional.push(self.eval(n, line, e)),
                Arg::Kw(k, e) => {
                    let v = self.eval(n, line, e);
                    dict.push((k.clone(), v));
                }
                Arg::Splat(e) => {
                    if let Val::Dict(d) = self.eval(n, line, e) {
                        dict.extend(d);
                    }
                }
            }
        }
        self.label(&positional);
        let method = Method::parse(&function.to_uppercase());
        match (receiver, function) {
            (Some(Val::Template(t)), "format") => self.fill(n, t, &dict),
            (Some(Val::Json { op, path }), "get") => match positional.first() {
                Some(Val::Str(key)) => {
                    let why = "with `.get`, which does without it".to_string();
                    self.read_key(n, op, &path, key, text.to_string(), Some(why))
                }
                _ => Val::Unknown,
            },
            (Some(Val::Response(op)), "json") => {
                self.ops[op].json_read.get_or_insert(n);
                Val::Json {
                    op,
                    path: String::new(),
                }
            }
            (_, "Request") => {
                let (Some(Val::Str(m)), Some(url)) = (positional.first(), positional.get(1)) else {
                    return Val::Unknown;
                };
                let (Some(method), Some((op, target))) = (
                    Method::parse(&m.to_uppercase()),
                    self.url_of(n, &url.clone()),
                ) else {
                    return Val::Unknown;
                };
                Val::Request {
                    op,
                    target,
                    method,
                    line: n,
                }
            }
            (_, "prepare_request") => match positional.first() {
                Some(r @ Val::Request { .. }) => r.clone(),
                _ => Val::Unknown,
            },
            (_, "send") => match positional.first().cloned() {
                Some(Val::Request {
                    op,
                    target,
                    method,
                    line,
                }) => self.request(op, method, target, line),
                _ => Val::Unknown,
            },
            (Some(_), _) if method.is_some() => {
                let first = positional.first().cloned().unwrap_or(Val::Unknown);
                match self.url_of(n, &first) {
                    Some((op, target)) => self.request(op, method.expect("checked"), target, n),
                    None => Val::Unknown,
                }
            }
            _ => Val::Unknown,
        }
    }
}
