//! The small part of Python the client script is written in: tokens, expressions
//! and one-line statements (`for`, `if`, `with`, the other block openers `else:`,
//! `try:`, `except …:` and `finally:`, assignments, calls, Python 2's `print`).
//!
//! Invariant: a line that is not wholly such a statement (prose, a heading, an
//! unclosed quote in `it's`) parses to `None`, never to a partial statement, so
//! prose between the script's lines is never evaluated.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Tok {
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
pub(super) struct Expr {
    pub(super) kind: ExprKind,
    pub(super) span: Range<usize>,
}

#[derive(Debug, Clone)]
pub(super) enum ExprKind {
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
pub(super) enum Arg {
    Pos(Expr),
    Kw(String, Expr),
    Splat(Expr),
}

#[derive(Debug)]
pub(super) enum Stmt {
    For(String, Expr),
    If(Expr),
    With(Expr, Option<String>),
    /// `else:`, `try:`, `except …:` (`conditional`: what they open may not run, or
    /// is there to survive an error) or `finally:` (runs whenever the `try` does).
    Block {
        conditional: bool,
    },
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
pub(super) fn statement(line: &str) -> Option<Stmt> {
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
    } else if p.eat("else").is_some() || p.eat("try").is_some() {
        block_end(&mut p)?;
        Stmt::Block { conditional: true }
    } else if p.eat("finally").is_some() {
        block_end(&mut p)?;
        Stmt::Block { conditional: false }
    } else if p.eat("except").is_some() {
        // `except KeyError as e:`: what it catches does not matter here, only the
        // colon that ends the line.
        p.at = p.at.max(toks.len() - 1);
        block_end(&mut p)?;
        Stmt::Block { conditional: true }
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

#[cfg(test)]
mod tests {
    use super::*;

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
        assert!(matches!(
            statement("else:"),
            Some(Stmt::Block { conditional: true })
        ));
        assert!(matches!(
            statement("except (KeyError, TypeError) as e:"),
            Some(Stmt::Block { conditional: true })
        ));
        assert!(matches!(
            statement("finally:"),
            Some(Stmt::Block { conditional: false })
        ));
        assert!(statement("Get Study map annotation:").is_none());
        assert!(statement("it's prose").is_none());
        assert!(statement("Attributes (e.g. Gene, Phenotype…)").is_none());
    }
}
