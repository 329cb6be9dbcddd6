//! The client's state as the script runs: the templates it defined, the operations
//! its fillings stand for, what it did with each response, and the variables it
//! holds. Statements run here; expressions are evaluated in `eval`.
//!
//! The client also keeps the blocks it is inside of (by indentation), and what
//! each block's opening line shows: a loop or `with` runs what it holds whenever the
//! lines around it run; `if x is not None:` runs it only where `x` is there, but then
//! reads `x`'s keys unconditionally; `if r.status_code == 200:` runs it for the very
//! response whose body the fields describe; any other condition (`'k' in x`,
//! `else:`, `try:`) may not run it. A read by key outside every such condition is
//! one a response without the key fails (a `KeyError`): the field is required.
//!
//! Invariants: one operation per distinct filled target (relative to the host, with
//! the literals that name query parameters put in); evidence about a response field
//! is only ever added to, and records the first line that shows it, so a field is
//! cited where the client first reads it; a field once required stays so.

use std::collections::BTreeMap;

use super::python::{ExprKind, Stmt};
use super::urls::{name_placeholders, placeholders, relative};
use crate::spec::{Kind, Method};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Val {
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
    /// What a condition shows about the lines it guards.
    Test(Guard),
}

/// What a block's opening line shows about the lines it holds.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Guard {
    /// They run whenever the opening line does: a loop (once per item), a `with`, a
    /// `finally:`.
    Always,
    /// `x is not None`, `x` a part of operation `op`'s body at `path`: they run only
    /// where `x` is there, and read its keys unconditionally.
    NotNone { op: usize, path: String },
    /// `r.status_code == 200`: they run for the successful response of `op`, the
    /// one its fields describe.
    Success { op: usize },
    /// Anything else (`'k' in x`, `else:`, `try:`): they may not run.
    Condition,
}

/// A block the client is inside of.
struct Block {
    /// Indentation of its opening line.
    indent: usize,
    guard: Guard,
    /// Why what it holds may not run, for descriptions: `only where `'k' in x``.
    why: String,
}

pub(super) struct Template {
    pub(super) name: String,
    pub(super) url: String,
    pub(super) line: usize,
    pub(super) operations: Vec<usize>,
}

/// What the client shows of one field path of a response.
#[derive(Default)]
pub(super) struct Evidence {
    /// First line the path is used on.
    pub(super) line: usize,
    /// Read by key from its parent (a field proper, not only an item).
    pub(super) read: bool,
    /// Source text of the first read.
    pub(super) read_as: String,
    pub(super) iterated: bool,
    pub(super) indexed: bool,
    pub(super) keyed: bool,
    pub(super) nullable: bool,
    /// Read by key outside every condition: a response without it fails the client.
    pub(super) required: bool,
    /// Why the first read that does not require the field does not (`only where
    /// `'k' in a``), for its description while no read requires it.
    pub(super) optional: Option<String>,
    /// How the client uses an item path (`v[0]`, `cell is not None`).
    pub(super) uses: Vec<String>,
    /// Literal kind of a variable the value is also assigned, and where.
    pub(super) literal: Option<(Kind, usize)>,
    /// Every line the client reads the path on (by key, iterating, indexing or
    /// testing it for null), in order, each once: the first is cited as the field's
    /// place, the others as its further reads.
    pub(super) reads: Vec<usize>,
}

impl Evidence {
    /// Records a read of the path on `line`.
    pub(super) fn read_on(&mut self, line: usize) -> &mut Self {
        if !self.reads.contains(&line) {
            self.reads.push(line);
        }
        self
    }
}

pub(super) struct Op {
    pub(super) template: usize,
    /// Path relative to the host, query string included.
    pub(super) target: String,
    pub(super) method: Option<Method>,
    pub(super) statuses: Vec<(u16, usize, String)>,
    pub(super) json_read: Option<usize>,
    pub(super) streamed: Option<usize>,
    pub(super) fields: Vec<(String, Evidence)>,
    /// Literal values the client passes, by placeholder.
    pub(super) literals: BTreeMap<String, Vec<String>>,
    /// What the client prints before the filled template (`'Image viewer link:'`).
    pub(super) label: Option<String>,
}

impl Op {
    pub(super) fn evidence(&mut self, path: &str, line: usize) -> &mut Evidence {
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
pub(super) struct Client {
    pub(super) templates: Vec<Template>,
    pub(super) ops: Vec<Op>,
    pub(super) env: BTreeMap<String, Val>,
    /// Variables assigned from a response field, and those assigned a literal.
    pub(super) from_fields: Vec<(String, usize, String)>,
    pub(super) literals: BTreeMap<String, (Kind, usize)>,
    pub(super) flows: Vec<(usize, String, usize, String, usize)>,
    pub(super) examples: Vec<(usize, Method, String, usize)>,
    /// The blocks the current line is inside of, outermost first.
    blocks: Vec<Block>,
}

pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// Whether `path` is `outer` or a part of it (`a[].b` is within `a[]` and ``).
fn within(path: &str, outer: &str) -> bool {
    outer.is_empty()
        || path
            .strip_prefix(outer)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['.', '[']))
}

pub(super) fn literal_text(v: &Val) -> Option<String> {
    match v {
        Val::Int(n) => Some(n.to_string()),
        Val::Str(s) => Some(s.clone()),
        _ => None,
    }
}

impl Client {
    pub(super) fn run(&mut self, line_no: usize, line: &str, stmt: &Stmt) {
        let n = line_no;
        match stmt {
            Stmt::For(var, e) => {
                let v = self.eval(n, line, e);
                let item = match v {
                    Val::Json { op, path } => {
                        let ev = self.ops[op].evidence(&path, n).read_on(n);
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
                self.open(line, Guard::Always, String::new());
            }
            Stmt::If(e) => {
                let guard = match self.eval(n, line, e) {
                    Val::Test(g) => g,
                    _ => Guard::Condition,
                };
                let why = format!("only where `{}`", &line[e.span.clone()]);
                self.open(line, guard, why);
            }
            Stmt::With(e, var) => {
                let v = self.eval(n, line, e);
                if let Some(var) = var {
                    self.assign(n, var, v);
                }
                self.open(line, Guard::Always, String::new());
            }
            Stmt::Block { conditional } => {
                let guard = if *conditional {
                    Guard::Condition
                } else {
                    Guard::Always
                };
                let why = format!("only inside `{}`", line.trim());
                self.open(line, guard, why);
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

    /// Closes the blocks a line indented by `indent` is not inside of: a line of code
    /// or prose at their opening line's indentation or less.
    pub(super) fn dedent(&mut self, indent: usize) {
        while self.blocks.last().is_some_and(|b| b.indent >= indent) {
            self.blocks.pop();
        }
    }

    fn open(&mut self, line: &str, guard: Guard, why: String) {
        self.blocks.push(Block {
            indent: line.len() - line.trim_start().len(),
            guard,
            why,
        });
    }

    /// Why a read of a key of `parent` (a part of operation `op`'s body) may not run,
    /// from the first condition it runs under; `None` when nothing guards it but
    /// tests that `parent` (or what holds it) is there, or that the response
    /// succeeded.
    pub(super) fn condition(&self, op: usize, parent: &str) -> Option<String> {
        self.blocks.iter().find_map(|b| match &b.guard {
            Guard::Always => None,
            Guard::NotNone { op: o, path } if *o == op && within(parent, path) => None,
            Guard::Success { op: o } if *o == op => None,
            _ => Some(b.why.clone()),
        })
    }

    pub(super) fn assign(&mut self, n: usize, var: &str, v: Val) {
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
    pub(super) fn fill(&mut self, n: usize, t: usize, dict: &[(String, Val)]) -> Val {
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
    pub(super) fn label(&mut self, values: &[Val]) {
        for pair in values.windows(2) {
            if let [Val::Str(label), Val::Url { op, .. }] = pair {
                let label = label.trim().trim_end_matches(':').trim();
                if !label.is_empty() {
                    self.ops[*op].label.get_or_insert_with(|| label.to_string());
                }
            }
        }
    }

    pub(super) fn url_of(&mut self, n: usize, v: &Val) -> Option<(usize, Option<String>)> {
        match v {
            Val::Url { op, target } => Some((*op, target.clone())),
            Val::Template(t) => match self.fill(n, *t, &[]) {
                Val::Url { op, target } => Some((op, target)),
                _ => None,
            },
            _ => None,
        }
    }

    pub(super) fn request(
        &mut self,
        op: usize,
        method: Method,
        target: Option<String>,
        line: usize,
    ) -> Val {
        self.ops[op].method.get_or_insert(method);
        if let Some(target) = target
            && !self.examples.iter().any(|e| e.3 == line)
        {
            self.examples.push((op, method, target, line));
        }
        Val::Response(op)
    }
}
