//! The idr style: no tables, but an example client script. The contract is what the
//! client relies on (consumer-driven): the URL templates it defines and the fields
//! it reads from each response.
//!
//! The script is read statement by statement, line by line, by a small evaluator of
//! the Python it is written in. It follows values, not lines:
//! - `NAME = "https://host/path?k={v}"` defines a URL template;
//! - `NAME.format(**qs)` fills one (`qs` a dict, literal or bound earlier): a
//!   placeholder naming a query parameter (`{type}={screen_id}`) takes the dict's
//!   literal (`type: 'screen'` gives `screen={screen_id}`), so each distinct filling
//!   is an operation; the other placeholders stay parameters;
//! - `session.get(url)` (or `requests.Request('GET', url)` sent with `session.send`)
//!   requests it; `.json()` reads its body, `x['key']` a field of it, `for x in y`
//!   iterates an array, `x[0]` indexes one, `x is not None` shows a null;
//! - `r.status_code == 200` is a status the client expects;
//! - a field's value passed on into another template's dict is a [`Flow`]; a literal
//!   (`screen_id = 102`) makes the request an example with its target filled in.
//!
//! Field types are what the client's use shows: iterated is an array, subscripted
//! by key is an object, a variable also assigned an int literal is an int. Where use
//! shows nothing, names decide by convention: `id`, `…Id`, `…_id` and `…Count` are
//! ints, `name` and `…_url` strings; anything else is `any`.
//!
//! Operation paths are relative to the host and keep the template's query string,
//! with its fixed values (`/webclient/api/annotations/?type=map&screen={screen_id}`):
//! a parameter is a placeholder, filled where it stands (`in: query` when it stands
//! in the query string).

use std::collections::BTreeMap;
use std::ops::Range;

use super::text::Doc;
use super::{ExtractError, Extracted};
use crate::spec::{
    DocRef, Example, ExampleKind, Field, FieldType, Flow, Kind, Method, Operation, OperationKind,
    Param, ParamIn, Response, UrlTemplate,
};

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let mut client = Client::default();
    let mut headings: Vec<(usize, String)> = Vec::new();
    for (n, line) in doc.lines() {
        match statement(line) {
            Some(stmt) => client.run(n, line, &stmt),
            None => {
                if let Some(h) = heading(line) {
                    headings.push((n, h));
                }
            }
        }
        if line.trim_start().starts_with('#')
            && let Some(h) = heading(line)
        {
            headings.push((n, h));
        }
    }
    if client.templates.is_empty() {
        return Err(ExtractError {
            at: DocRef::line(doc.name, 1),
            message: "no URL template (`NAME = \"https://…\"`) in the client script".into(),
        });
    }
    Ok(client.finish(doc, &headings))
}

/// A prose line that introduces what follows: it ends with `:` (`Get PlateGrid:`),
/// or is a comment that does (`# For other images (non-HCS) use:`).
fn heading(line: &str) -> Option<String> {
    let t = line.trim();
    let t = t.strip_prefix('#').map_or(t, str::trim);
    let h = t.strip_suffix(':')?.trim();
    (!h.is_empty()).then(|| h.to_string())
}

// ---------------------------------------------------------------------------------
// Tokens and expressions: the small part of Python the script uses.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Name(String),
    Str(String),
    Num(i64),
    Punct(String),
}

/// Tokens of a line with their byte ranges; `None` when the line is not Python (an
/// unclosed quote in prose, a character Python has no use for).
fn tokens(line: &str) -> Option<Vec<(Tok, Range<usize>)>> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if c == b'#' {
            break;
        }
        if c == b'\'' || c == b'"' {
            i += 1;
            let mut s = String::new();
            loop {
                let &d = b.get(i)?;
                if d == c {
                    break;
                }
                if d == b'\\' {
                    i += 1;
                    s.push('\\');
                }
                let ch = line[i..].chars().next()?;
                s.push(ch);
                i += ch.len_utf8();
            }
            i += 1;
            out.push((Tok::Str(s), start..i));
        } else if c.is_ascii_digit() {
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push((Tok::Num(line[start..i].parse().ok()?), start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Name(line[start..i].to_string()), start..i));
        } else {
            let two = line.get(i..i + 2).unwrap_or("");
            let p = if ["==", "!=", "**", "<=", ">="].contains(&two) {
                two
            } else if "()[]{}.,:=%+-*/<>".contains(c as char) {
                &line[i..i + 1]
            } else {
                return None;
            };
            i += p.len();
            out.push((Tok::Punct(p.to_string()), start..i));
        }
    }
    Some(out)
}

#[derive(Debug, Clone)]
struct Expr {
    kind: ExprKind,
    span: Range<usize>,
}

#[derive(Debug, Clone)]
enum ExprKind {
    Name(String),
    Str(String),
    Num(i64),
    Attr(Box<Expr>, String),
    Call(Box<Expr>, Vec<Arg>),
    Index(Box<Expr>, Box<Expr>),
    Dict(Vec<(Expr, Expr)>),
    Seq(Vec<Expr>),
    Binary(Box<Expr>, String, Box<Expr>),
}

#[derive(Debug, Clone)]
enum Arg {
    Pos(Expr),
    Kw(String, Expr),
    Splat(Expr),
}

#[derive(Debug)]
enum Stmt {
    For(String, Expr),
    If(Expr),
    With(Expr, Option<String>),
    Assign(String, Expr),
    Exprs(Vec<Expr>),
    Nothing,
}

struct Parser<'t> {
    toks: &'t [(Tok, Range<usize>)],
    at: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.at).map(|(t, _)| t)
    }

    fn is(&self, p: &str) -> bool {
        matches!(self.peek(), Some(Tok::Punct(q)) | Some(Tok::Name(q)) if q == p)
    }

    fn eat(&mut self, p: &str) -> Option<()> {
        self.is(p).then(|| self.at += 1)
    }

    fn start(&self) -> usize {
        self.toks.get(self.at).map_or(usize::MAX, |(_, r)| r.start)
    }

    fn end(&self) -> usize {
        self.toks[self.at - 1].1.end
    }

    fn name(&mut self) -> Option<String> {
        match self.peek() {
            Some(Tok::Name(n)) => {
                let n = n.clone();
                self.at += 1;
                Some(n)
            }
            _ => None,
        }
    }

    fn done(&self) -> bool {
        self.at == self.toks.len()
    }

    fn expr(&mut self) -> Option<Expr> {
        let start = self.start();
        let left = self.arith()?;
        let op = if self.eat("==").is_some() {
            "=="
        } else if self.eat("!=").is_some() {
            "!="
        } else if self.eat("is").is_some() {
            if self.eat("not").is_some() {
                "is not"
            } else {
                "is"
            }
        } else if self.eat("in").is_some() {
            "in"
        } else {
            return Some(left);
        };
        let right = self.arith()?;
        Some(Expr {
            kind: ExprKind::Binary(Box::new(left), op.into(), Box::new(right)),
            span: start..self.end(),
        })
    }

    fn arith(&mut self) -> Option<Expr> {
        let start = self.start();
        let mut left = self.postfix()?;
        while let Some(Tok::Punct(p)) = self.peek() {
            if !["%", "+", "-", "*", "/"].contains(&p.as_str()) {
                break;
            }
            let op = p.clone();
            self.at += 1;
            let right = self.postfix()?;
            left = Expr {
                kind: ExprKind::Binary(Box::new(left), op, Box::new(right)),
                span: start..self.end(),
            };
        }
        Some(left)
    }

    fn postfix(&mut self) -> Option<Expr> {
        let start = self.start();
        let mut e = self.primary()?;
        loop {
            let kind = if self.eat(".").is_some() {
                ExprKind::Attr(Box::new(e), self.name()?)
            } else if self.eat("(").is_some() {
                let args = self.args()?;
                ExprKind::Call(Box::new(e), args)
            } else if self.eat("[").is_some() {
                let i = self.expr()?;
                self.eat("]")?;
                ExprKind::Index(Box::new(e), Box::new(i))
            } else {
                return Some(e);
            };
            e = Expr {
                kind,
                span: start..self.end(),
            };
        }
    }

    fn args(&mut self) -> Option<Vec<Arg>> {
        let mut args = Vec::new();
        while self.eat(")").is_none() {
            if self.eat("**").is_some() {
                args.push(Arg::Splat(self.expr()?));
            } else if matches!(self.peek(), Some(Tok::Name(_)))
                && matches!(self.toks.get(self.at + 1), Some((Tok::Punct(p), _)) if p == "=")
            {
                let k = self.name()?;
                self.at += 1;
                args.push(Arg::Kw(k, self.expr()?));
            } else {
                args.push(Arg::Pos(self.expr()?));
            }
            if self.eat(",").is_none() {
                self.eat(")")?;
                break;
            }
        }
        Some(args)
    }

    fn primary(&mut self) -> Option<Expr> {
        let start = self.start();
        let (tok, _) = self.toks.get(self.at)?.clone();
        self.at += 1;
        let kind = match tok {
            Tok::Name(n) => ExprKind::Name(n),
            Tok::Num(n) => ExprKind::Num(n),
            Tok::Str(mut s) => {
                // Adjacent literals are one string.
                while let Some(Tok::Str(t)) = self.peek() {
                    s.push_str(t);
                    self.at += 1;
                }
                ExprKind::Str(s)
            }
            Tok::Punct(p) if p == "-" => match self.peek() {
                Some(Tok::Num(n)) => {
                    let n = -*n;
                    self.at += 1;
                    ExprKind::Num(n)
                }
                _ => return None,
            },
            Tok::Punct(p) if p == "(" || p == "[" => {
                let close = if p == "(" { ")" } else { "]" };
                let mut items = Vec::new();
                while self.eat(close).is_none() {
                    items.push(self.expr()?);
                    if self.eat(",").is_none() {
                        self.eat(close)?;
                        break;
                    }
                }
                if p == "(" && items.len() == 1 {
                    items.pop()?.kind
                } else {
                    ExprKind::Seq(items)
                }
            }
            Tok::Punct(p) if p == "{" => {
                let mut entries = Vec::new();
                while self.eat("}").is_none() {
                    let k = self.expr()?;
                    self.eat(":")?;
                    entries.push((k, self.expr()?));
                    if self.eat(",").is_none() {
                        self.eat("}")?;
                        break;
                    }
                }
                ExprKind::Dict(entries)
            }
            _ => return None,
        };
        Some(Expr {
            kind,
            span: start..self.end(),
        })
    }

    fn exprs(&mut self) -> Option<Vec<Expr>> {
        let mut out = vec![self.expr()?];
        while self.eat(",").is_some() {
            out.push(self.expr()?);
        }
        Some(out)
    }
}

/// A line as a statement, or `None` when it is not Python (prose).
fn statement(line: &str) -> Option<Stmt> {
    let toks = tokens(line)?;
    if toks.is_empty() {
        return Some(Stmt::Nothing);
    }
    let mut p = Parser { toks: &toks, at: 0 };
    let block_end = |p: &mut Parser| p.eat(":").filter(|_| p.done());
    let stmt = if p.eat("for").is_some() {
        let var = p.name()?;
        p.eat("in")?;
        let e = p.expr()?;
        block_end(&mut p)?;
        Stmt::For(var, e)
    } else if p.eat("if").is_some() || p.eat("elif").is_some() || p.eat("while").is_some() {
        let e = p.expr()?;
        block_end(&mut p)?;
        Stmt::If(e)
    } else if p.eat("with").is_some() {
        let e = p.expr()?;
        let var = if p.eat("as").is_some() {
            Some(p.name()?)
        } else {
            None
        };
        block_end(&mut p)?;
        Stmt::With(e, var)
    } else if p.eat("import").is_some() {
        p.name()?;
        Stmt::Nothing
    } else if p.is("print") && !matches!(toks.get(1), Some((Tok::Punct(q), _)) if q == "(") {
        // Python 2's print statement.
        p.at += 1;
        Stmt::Exprs(p.exprs()?)
    } else if matches!(toks.get(1), Some((Tok::Punct(q), _)) if q == "=") {
        let var = p.name()?;
        p.at += 1;
        Stmt::Assign(var, p.expr()?)
    } else {
        Stmt::Exprs(p.exprs()?)
    };
    p.done().then_some(stmt)
}

// ---------------------------------------------------------------------------------
// Evaluation: which operation each value comes from.

#[derive(Debug, Clone, PartialEq)]
enum Val {
    Unknown,
    Int(i64),
    Str(String),
    Dict(Vec<(String, Val)>),
    /// A URL template, by index.
    Template(usize),
    /// A filled template: the operation and the target, when every placeholder got a
    /// literal.
    Url {
        op: usize,
        target: Option<String>,
    },
    Request {
        op: usize,
        target: Option<String>,
        method: Method,
        line: usize,
    },
    Response(usize),
    /// A part of an operation's JSON body: `path` is a field path (`plates[].id`), ""
    /// the body itself.
    Json {
        op: usize,
        path: String,
    },
    Status(usize),
}

struct Template {
    name: String,
    url: String,
    line: usize,
    operations: Vec<usize>,
}

/// What the client shows of one field path of a response.
#[derive(Default)]
struct Evidence {
    /// First line the path is used on.
    line: usize,
    /// Read by key from its parent (a field proper, not only an item).
    read: bool,
    /// Source text of the first read.
    read_as: String,
    iterated: bool,
    indexed: bool,
    keyed: bool,
    nullable: bool,
    /// How the client uses an item path (`v[0]`, `cell is not None`).
    uses: Vec<String>,
    /// Literal kind of a variable the value is also assigned, and where.
    literal: Option<(Kind, usize)>,
}

struct Op {
    template: usize,
    /// Path relative to the host, query string included.
    target: String,
    method: Option<Method>,
    statuses: Vec<(u16, usize, String)>,
    json_read: Option<usize>,
    streamed: Option<usize>,
    fields: Vec<(String, Evidence)>,
    /// Literal values the client passes, by placeholder.
    literals: BTreeMap<String, Vec<String>>,
    /// What the client prints before the filled template (`'Image viewer link:'`).
    label: Option<String>,
}

impl Op {
    fn evidence(&mut self, path: &str, line: usize) -> &mut Evidence {
        let i = match self.fields.iter().position(|(p, _)| p == path) {
            Some(i) => i,
            None => {
                self.fields.push((
                    path.to_string(),
                    Evidence {
                        line,
                        ..Default::default()
                    },
                ));
                self.fields.len() - 1
            }
        };
        &mut self.fields[i].1
    }
}

#[derive(Default)]
struct Client {
    templates: Vec<Template>,
    ops: Vec<Op>,
    env: BTreeMap<String, Val>,
    /// Variables assigned from a response field, and those assigned a literal.
    from_fields: Vec<(String, usize, String)>,
    literals: BTreeMap<String, (Kind, usize)>,
    flows: Vec<(usize, String, usize, String, usize)>,
    examples: Vec<(usize, Method, String, usize)>,
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// `{name}` placeholders of a template, in order, each once.
fn placeholders(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = s;
    while let Some(i) = rest.find('{') {
        let Some(j) = rest[i..].find('}') else { break };
        let name = rest[i + 1..i + j].to_string();
        if !out.contains(&name) {
            out.push(name);
        }
        rest = &rest[i + j + 1..];
    }
    out
}

fn literal_text(v: &Val) -> Option<String> {
    match v {
        Val::Int(n) => Some(n.to_string()),
        Val::Str(s) => Some(s.clone()),
        _ => None,
    }
}

/// The template without scheme and host.
fn relative(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let at = rest.find(['/', '{']).unwrap_or(rest.len());
    &rest[at..]
}

impl Client {
    fn run(&mut self, line_no: usize, line: &str, stmt: &Stmt) {
        let n = line_no;
        match stmt {
            Stmt::For(var, e) => {
                let v = self.eval(n, line, e);
                let item = match v {
                    Val::Json { op, path } => {
                        let ev = self.ops[op].evidence(&path, n);
                        ev.iterated = true;
                        let text = format!("for {var} in {}", &line[e.span.clone()]);
                        if !ev.uses.contains(&text) {
                            ev.uses.push(text);
                        }
                        let item = format!("{path}[]");
                        self.ops[op].evidence(&item, n);
                        Val::Json { op, path: item }
                    }
                    Val::Response(op) => {
                        self.ops[op].streamed.get_or_insert(n);
                        Val::Unknown
                    }
                    _ => Val::Unknown,
                };
                self.assign(n, var, item);
            }
            Stmt::If(e) => {
                self.eval(n, line, e);
            }
            Stmt::With(e, var) => {
                let v = self.eval(n, line, e);
                if let Some(var) = var {
                    self.assign(n, var, v);
                }
            }
            Stmt::Assign(var, e) => {
                if let ExprKind::Str(s) = &e.kind
                    && (s.starts_with("https://") || s.starts_with("http://"))
                {
                    self.define(n, var, s);
                    return;
                }
                let v = self.eval(n, line, e);
                self.assign(n, var, v);
            }
            Stmt::Exprs(es) => {
                let values: Vec<Val> = es.iter().map(|e| self.eval(n, line, e)).collect();
                self.label(&values);
            }
            Stmt::Nothing => {}
        }
    }

    fn assign(&mut self, n: usize, var: &str, v: Val) {
        match &v {
            Val::Json { op, path } if !path.is_empty() => {
                self.from_fields.push((var.to_string(), *op, path.clone()));
            }
            Val::Int(_) => {
                self.literals
                    .entry(var.to_string())
                    .or_insert((Kind::Int, n));
            }
            Val::Str(_) => {
                self.literals
                    .entry(var.to_string())
                    .or_insert((Kind::String, n));
            }
            _ => {}
        }
        self.env.insert(var.to_string(), v);
    }

    /// A template definition. One without placeholders in query parameter names is
    /// an operation at once; the others become operations as the client fills them.
    fn define(&mut self, n: usize, name: &str, url: &str) {
        let t = self.templates.len();
        self.templates.push(Template {
            name: name.to_string(),
            url: url.to_string(),
            line: n,
            operations: Vec::new(),
        });
        self.env.insert(name.to_string(), Val::Template(t));
        let target = relative(url).to_string();
        if !name_placeholders(&target).is_empty() {
            return;
        }
        let op = self.operation(t, target);
        self.templates[t].operations.push(op);
    }

    fn operation(&mut self, template: usize, target: String) -> usize {
        if let Some(i) = self.ops.iter().position(|o| o.target == target) {
            return i;
        }
        self.ops.push(Op {
            template,
            target,
            method: None,
            statuses: Vec::new(),
            json_read: None,
            streamed: None,
            fields: Vec::new(),
            literals: BTreeMap::new(),
            label: None,
        });
        self.ops.len() - 1
    }

    /// `TEMPLATE.format(**dict)`: the operation the filling stands for.
    fn fill(&mut self, n: usize, t: usize, dict: &[(String, Val)]) -> Val {
        let mut target = relative(&self.templates[t].url).to_string();
        for key in name_placeholders(&target) {
            if let Some(text) = dict
                .iter()
                .find(|(k, _)| *k == key)
                .and_then(|(_, v)| literal_text(v))
            {
                target = target.replace(&format!("{{{key}}}"), &text);
            }
        }
        let op = self.operation(t, target.clone());
        if !self.templates[t].operations.contains(&op) {
            self.templates[t].operations.push(op);
        }
        let mut filled = Some(target.clone());
        for p in placeholders(&target) {
            let value = dict.iter().find(|(k, _)| *k == p).map(|(_, v)| v.clone());
            match &value {
                Some(Val::Json { op: from, path }) if !path.is_empty() => {
                    self.flows.push((*from, path.clone(), op, p.clone(), n));
                    filled = None;
                }
                Some(v @ (Val::Int(_) | Val::Str(_))) => {
                    let text = literal_text(v).unwrap_or_default();
                    let seen = self.ops[op].literals.entry(p.clone()).or_default();
                    if !seen.contains(&text) {
                        seen.push(text.clone());
                    }
                    filled = filled.map(|f| f.replace(&format!("{{{p}}}"), &text));
                }
                _ => filled = None,
            }
        }
        Val::Url { op, target: filled }
    }

    /// A string printed right before a filled template labels its operation.
    fn label(&mut self, values: &[Val]) {
        for pair in values.windows(2) {
            if let [Val::Str(label), Val::Url { op, .. }] = pair {
                let label = label.trim().trim_end_matches(':').trim();
                if !label.is_empty() {
                    self.ops[*op].label.get_or_insert_with(|| label.to_string());
                }
            }
        }
    }

    fn url_of(&mut self, n: usize, v: &Val) -> Option<(usize, Option<String>)> {
        match v {
            Val::Url { op, target } => Some((*op, target.clone())),
            Val::Template(t) => match self.fill(n, *t, &[]) {
                Val::Url { op, target } => Some((op, target)),
                _ => None,
            },
            _ => None,
        }
    }

    fn request(&mut self, op: usize, method: Method, target: Option<String>, line: usize) -> Val {
        self.ops[op].method.get_or_insert(method);
        if let Some(target) = target
            && !self.examples.iter().any(|e| e.3 == line)
        {
            self.examples.push((op, method, target, line));
        }
        Val::Response(op)
    }

    fn eval(&mut self, n: usize, line: &str, e: &Expr) -> Val {
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
                        if !path.is_empty() {
                            self.ops[op].evidence(&path, n).keyed = true;
                        }
                        let child = join(&path, &key);
                        let ev = self.ops[op].evidence(&child, n);
                        if !ev.read {
                            ev.read = true;
                            ev.read_as = text;
                        }
                        Val::Json { op, path: child }
                    }
                    Val::Int(_) => {
                        let ev = self.ops[op].evidence(&path, n);
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
                    ("==" | "!=", Val::Status(o), Val::Int(s))
                    | ("==" | "!=", Val::Int(s), Val::Status(o)) => {
                        if let Ok(s) = u16::try_from(s) {
                            self.ops[o].statuses.push((s, n, text));
                        }
                    }
                    ("is" | "is not", Val::Json { op: o, path }, _) if matches!(&r.kind, ExprKind::Name(x) if x == "None") =>
                    {
                        let ev = self.ops[o].evidence(&path, n);
                        ev.nullable = true;
                        if !ev.uses.contains(&text) {
                            ev.uses.push(text);
                        }
                    }
                    _ => {}
                }
                Val::Unknown
            }
            ExprKind::Call(callee, args) => self.call(n, line, callee, args),
        }
    }

    fn call(&mut self, n: usize, line: &str, callee: &Expr, args: &[Arg]) -> Val {
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

    // -----------------------------------------------------------------------------
    // From what the client did to spec items.

    fn finish(mut self, doc: &Doc, headings: &[(usize, String)]) -> Extracted {
        // A variable given both a literal and a field's value shows the field's type.
        for (var, op, path) in std::mem::take(&mut self.from_fields) {
            if let Some(lit) = self.literals.get(&var).copied() {
                let ev = self.ops[op].evidence(&path, lit.1);
                ev.literal.get_or_insert(lit);
            }
        }
        let ids = self.ids();
        let at = |line: usize| DocRef::line(doc.name, line as u32);

        // A heading names the first template after it, and only that one.
        let template_lines: Vec<usize> = self.templates.iter().map(|t| t.line).collect();
        let summary = |line: usize| -> String {
            headings
                .iter()
                .rev()
                .find(|(h, _)| *h < line)
                .filter(|(h, _)| !template_lines.iter().any(|t| *h < *t && *t < line))
                .map(|(_, s)| s.clone())
                .unwrap_or_default()
        };

        let mut order: Vec<usize> = (0..self.ops.len()).collect();
        order.sort_by_key(|&i| self.templates[self.ops[i].template].line);
        let mut operations = Vec::new();
        for &i in &order {
            let op = &self.ops[i];
            let template = &self.templates[op.template];
            let types = |path: &str| field_type(op, path);
            let mut response_fields = Vec::new();
            for (path, ev) in &op.fields {
                if path.is_empty() {
                    continue;
                }
                let item = path.ends_with("[]");
                if !(ev.read || (item && (ev.iterated || ev.indexed || ev.nullable))) {
                    continue;
                }
                let (ty, type_line) = types(path);
                let description = if item {
                    format!(
                        "An item of `{}`, used in {}.",
                        &path[..path.len() - 2],
                        quoted(&ev.uses)
                    )
                } else {
                    format!("Read by the client as `{}`.", ev.read_as)
                };
                response_fields.push(Field {
                    path: path.clone(),
                    ty,
                    required: false,
                    required_if: None,
                    readonly: false,
                    writeonly: false,
                    filterable: false,
                    nullable: ev.nullable,
                    values: Vec::new(),
                    pattern: None,
                    description,
                    doc: at(ev.line),
                    type_doc: type_line.filter(|l| *l != ev.line).map(at),
                });
            }
            // The list's items: the first top-level array whose items are objects.
            let items_pointer = op
                .fields
                .iter()
                .filter(|(p, ev)| !p.contains(['.', '[']) && ev.iterated)
                .find(|(p, _)| {
                    op.fields
                        .iter()
                        .any(|(q, e)| *q == format!("{p}[]") && e.keyed)
                })
                .map(|(p, _)| format!("/{p}"));
            let mut responses: Vec<Response> = Vec::new();
            for (status, line, text) in &op.statuses {
                if responses.iter().any(|r| r.status == *status) {
                    continue;
                }
                responses.push(Response {
                    status: *status,
                    when: format!("the client checks `{text}`"),
                    content_type: None,
                    error: None,
                    body: None,
                    implied: false,
                    doc: at(*line),
                });
            }
            let read = match (op.json_read, op.streamed) {
                (Some(l), _) => Some((l, "the client reads the JSON body")),
                (None, Some(l)) => Some((l, "the client streams the body to a file")),
                _ => None,
            };
            if let (true, Some((line, when))) = (responses.is_empty(), read) {
                responses.push(Response {
                    status: 200,
                    when: when.to_string(),
                    content_type: None,
                    error: None,
                    body: None,
                    implied: true,
                    doc: at(line),
                });
            }
            let kind = if items_pointer.is_some() {
                OperationKind::List
            } else if op.json_read.is_some() {
                OperationKind::Get
            } else {
                OperationKind::Other
            };
            let query_at = op.target.find('?').unwrap_or(op.target.len());
            let params = placeholders(&op.target)
                .into_iter()
                .map(|p| {
                    let position = op.target.find(&format!("{{{p}}}")).unwrap_or(0);
                    let location = if position > query_at {
                        ParamIn::Query
                    } else {
                        ParamIn::Path
                    };
                    let literals = op.literals.get(&p).cloned().unwrap_or_default();
                    let ty = self.param_type(i, &p, &literals);
                    let mut description = Vec::new();
                    if !literals.is_empty() {
                        description.push(format!("The client sends {}.", quoted(&literals)));
                    }
                    let mut sources: Vec<String> = Vec::new();
                    for (from, field, to, param, _) in &self.flows {
                        let source = format!("`{field}` of `{}`", ids[*from]);
                        if *to == i && *param == p && !sources.contains(&source) {
                            sources.push(source);
                        }
                    }
                    if !sources.is_empty() {
                        description.push(format!(
                            "The client takes it from {} (see `flows`).",
                            sources.join(", ")
                        ));
                    }
                    let description = description.join(" ");
                    Param {
                        name: p,
                        location,
                        ty,
                        required: true,
                        list: false,
                        values: Vec::new(),
                        role: None,
                        matches: Vec::new(),
                        same_as: None,
                        value: None,
                        description,
                        doc: at(template.line),
                    }
                })
                .collect();
            operations.push(Operation {
                id: ids[i].clone(),
                kind,
                resource: None,
                method: op.method.unwrap_or(Method::Get),
                path: op.target.clone(),
                summary: Some(summary(template.line))
                    .filter(|s| !s.is_empty())
                    .or_else(|| op.label.clone())
                    .unwrap_or_default(),
                params,
                responses,
                // The client sends no credentials: its session only visits a page.
                auth: false,
                paginated: false,
                items_pointer,
                response_fields,
                request_fields: Vec::new(),
                doc: at(template.line),
            });
        }

        let url_templates = self
            .templates
            .iter()
            .map(|t| UrlTemplate {
                name: t.name.clone(),
                url: t.url.clone(),
                operations: t.operations.iter().map(|&o| ids[o].clone()).collect(),
                doc: at(t.line),
            })
            .collect();
        let mut flows: Vec<Flow> = Vec::new();
        for (from, field, to, param, line) in &self.flows {
            let flow = Flow {
                from: ids[*from].clone(),
                field: field.clone(),
                to: ids[*to].clone(),
                param: param.clone(),
                doc: at(*line),
            };
            if !flows.contains(&flow) {
                flows.push(flow);
            }
        }
        let examples = self
            .examples
            .iter()
            .map(|(op, method, target, line)| Example {
                id: at(*line).to_string(),
                kind: ExampleKind::Request,
                operation: Some(ids[*op].clone()),
                method: Some(*method),
                target: Some(target.clone()),
                status: None,
                content_type: None,
                shape: None,
                body: None,
                body_doc: None,
                doc: at(*line),
            })
            .collect();
        Extracted {
            document: doc.name.to_string(),
            operations,
            url_templates,
            flows,
            examples,
            ..Default::default()
        }
    }

    /// The type of a placeholder (of the value filled in, even where it is part of a
    /// longer one, `Well-{well_id}`): that of the literals the client sends, else of
    /// the fields it takes the value from, else by its name.
    fn param_type(&self, op: usize, p: &str, literals: &[String]) -> FieldType {
        if let Some(first) = literals.first() {
            let kind = if first.parse::<i64>().is_ok()
                && literals.iter().all(|l| l.parse::<i64>().is_ok())
            {
                Kind::Int
            } else {
                Kind::String
            };
            return FieldType::scalar(kind);
        }
        for (from, path, to, param, _) in &self.flows {
            if *to == op && param == p {
                let (ty, _) = field_type(&self.ops[*from], path);
                if ty.kind != Kind::Any {
                    return ty;
                }
            }
        }
        FieldType::scalar(by_name(p).unwrap_or(Kind::Any))
    }

    /// Operation ids: the template's name without `_URL`, lowercase; templates of
    /// one name that stand for several operations add what tells them apart.
    fn ids(&self) -> Vec<String> {
        let base = |op: &Op| {
            let name = self.templates[op.template].name.to_lowercase();
            name.strip_suffix("_url").unwrap_or(&name).to_string()
        };
        let signature = |op: &Op| -> Vec<String> {
            let (path, query) = op.target.split_once('?').unwrap_or((&op.target, ""));
            path.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_matches(['{', '}']).to_string())
                .chain(
                    query
                        .split('&')
                        .filter(|s| !s.is_empty())
                        .map(|kv| kv.split('=').next().unwrap_or(kv).to_string()),
                )
                .collect()
        };
        let mut ids: Vec<String> = self.ops.iter().map(base).collect();
        for i in 0..self.ops.len() {
            let group: Vec<usize> = (0..self.ops.len())
                .filter(|&j| base(&self.ops[j]) == base(&self.ops[i]))
                .collect();
            if group.len() < 2 {
                continue;
            }
            let sigs: Vec<Vec<String>> = group.iter().map(|&j| signature(&self.ops[j])).collect();
            let longest = sigs.iter().map(Vec::len).max().unwrap_or(0);
            let at = (0..longest)
                .find(|&k| {
                    let first = sigs[0].get(k);
                    sigs.iter().any(|s| s.get(k) != first)
                })
                .unwrap_or(0);
            let mine = &sigs[group.iter().position(|&j| j == i).expect("in its group")];
            let qualifier = mine.get(at).cloned().unwrap_or_else(|| "root".into());
            ids[i] = format!("{}/{qualifier}", base(&self.ops[i]));
        }
        // Still alike (should two fillings differ only in fixed values): number them.
        for i in 0..ids.len() {
            let twins: Vec<usize> = (0..ids.len()).filter(|&j| ids[j] == ids[i]).collect();
            if twins.len() > 1 {
                for (k, &j) in twins.iter().enumerate() {
                    ids[j] = format!("{}_{}", ids[j], k + 1);
                }
            }
        }
        ids
    }
}

/// Placeholders that stand where a query parameter's name goes (`{type}=…`).
fn name_placeholders(target: &str) -> Vec<String> {
    let Some((_, query)) = target.split_once('?') else {
        return Vec::new();
    };
    query
        .split('&')
        .filter_map(|kv| kv.split('=').next())
        .flat_map(placeholders)
        .collect()
}

fn quoted(items: &[String]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Types by name, where the client's use shows none: identifiers and counts are
/// ints, names and URLs strings.
fn by_name(name: &str) -> Option<Kind> {
    if name == "id" || name.ends_with("Id") || name.ends_with("_id") || name.ends_with("Count") {
        Some(Kind::Int)
    } else if name == "name" || name.ends_with("_url") || name.ends_with("Url") {
        Some(Kind::String)
    } else {
        None
    }
}

/// The type of a response field path, and the line its type was read from when
/// that is not where the field is first used.
fn field_type(op: &Op, path: &str) -> (FieldType, Option<usize>) {
    let ev = |p: &str| op.fields.iter().find(|(q, _)| q == p).map(|(_, e)| e);
    let Some(e) = ev(path) else {
        return (FieldType::scalar(Kind::Any), None);
    };
    if e.iterated || e.indexed {
        let items = ev(&format!("{path}[]"));
        return match items {
            Some(i) if i.keyed && !i.nullable => (FieldType::array_of(Kind::Object), None),
            Some(i) if i.literal.is_some() => {
                let (k, l) = i.literal.expect("checked");
                (FieldType::array_of(k), Some(l))
            }
            _ => (FieldType::array_of(Kind::Any), None),
        };
    }
    if e.keyed {
        return (FieldType::scalar(Kind::Object), None);
    }
    if let Some((k, l)) = e.literal {
        return (FieldType::scalar(k), Some(l));
    }
    let name = path.rsplit(['.', '[']).next().unwrap_or(path);
    (FieldType::scalar(by_name(name).unwrap_or(Kind::Any)), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(script: &str) -> Extracted {
        extract(&Doc::new("t.txt", script)).unwrap()
    }

    #[test]
    fn parses_the_statements_the_script_uses() {
        assert!(matches!(
            statement("for a in session.get(url).json()['x']:"),
            Some(Stmt::For(..))
        ));
        assert!(matches!(
            statement("    if cell is not None:"),
            Some(Stmt::If(..))
        ));
        assert!(
            matches!(statement("print 'Link:', U.format(**{'a': b})"), Some(Stmt::Exprs(e)) if e.len() == 2)
        );
        assert!(matches!(
            statement("qs = {'k': 'gene', 'v': 1}"),
            Some(Stmt::Assign(..))
        ));
        assert!(statement("Get Study map annotation:").is_none());
        assert!(statement("it's prose").is_none());
        assert!(statement("Attributes (e.g. Gene, Phenotype…)").is_none());
    }

    #[test]
    fn follows_values_from_templates_to_fields() {
        let x = run(concat!(
            "Get things:\n",
            "sid = 7\n",
            "A_URL = \"https://h.org/api/{kind}/?type=map&{type}={sid}\"\n",
            "qs = {'type': 'screen', 'sid': sid, 'kind': 'k'}\n",
            "for a in session.get(A_URL.format(**qs)).json()['things']:\n",
            "    tid = a['id']\n",
            "    for v in a['values']:\n",
            "        print(v[0])\n",
            "B_URL = \"https://h.org/b/{tid}/\"\n",
            "r = session.get(B_URL.format(**{'tid': tid}), stream=True)\n",
            "if r.status_code == 200:\n",
            "    for chunk in r:\n",
            "        pass\n",
        ));
        let a = &x.operations[0];
        assert_eq!(a.id, "a");
        assert_eq!(a.path, "/api/{kind}/?type=map&screen={sid}");
        assert_eq!(a.summary, "Get things");
        assert_eq!(a.kind, OperationKind::List);
        assert_eq!(a.items_pointer.as_deref(), Some("/things"));
        let fields: Vec<String> = a
            .response_fields
            .iter()
            .map(|f| format!("{} {}", f.path, f.ty))
            .collect();
        assert_eq!(
            fields,
            [
                "things object[]",
                "things[].id int",
                "things[].values array",
                "things[].values[] array"
            ]
        );
        assert_eq!(a.params[0].location, ParamIn::Path);
        assert_eq!(a.params[1].location, ParamIn::Query);
        assert_eq!(a.params[1].ty.to_string(), "int");
        assert_eq!(a.responses[0].status, 200);
        assert!(a.responses[0].implied);
        let b = &x.operations[1];
        assert_eq!(b.kind, OperationKind::Other);
        assert!(!b.responses[0].implied);
        assert_eq!(b.responses[0].doc.line, 11);
        assert_eq!(x.flows.len(), 1);
        assert_eq!(
            (x.flows[0].from.as_str(), x.flows[0].field.as_str()),
            ("a", "things[].id")
        );
        assert_eq!(x.examples.len(), 1);
        assert_eq!(
            x.examples[0].target.as_deref(),
            Some("/api/k/?type=map&screen=7")
        );
    }
}
