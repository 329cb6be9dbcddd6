//! Filters as relations over the whole list: for values taken from several of
//! its items, a filter answers exactly the items that match (sound and complete,
//! its total agreeing), a comma list answers the union of its values' answers,
//! and filters sent together the items matching all of them.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::Ctx;
use super::Problem;
use super::collection::{self, Collection, Purpose};
use super::expect::{text, values_at};
use super::http::Outgoing;
use super::walk::{identity, shown};
use crate::generate::{Credentials, Filtered, MatchRule, Paging};

/// One set of values tried: one for each filter, from the same item.
type Tuple = Vec<String>;

pub(super) async fn check(
    ctx: &Ctx,
    f: &Filtered,
    p: &Paging,
    whole: &Collection,
    out: &Outgoing,
    mode: Credentials,
) -> Vec<Problem> {
    let tuples = pick(f, whole);
    if tuples.is_empty() {
        return vec![];
    }
    let key = |item: &Value| match &f.id {
        Some(id) => identity(item, id),
        None => item.to_string(),
    };
    let mut problems = Vec::new();
    let mut answers: Vec<(Tuple, BTreeSet<String>)> = Vec::new();
    for t in &tuples {
        let req = filtered(out, f, std::slice::from_ref(t));
        let answer = match collection::read(ctx, &req, p, mode, Purpose::Split).await {
            Ok(c) => c,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let shown_as = describe(f, std::slice::from_ref(t));
        for mut problem in super::walk::pages(ctx, p, &answer, &req) {
            problem.message = format!("{shown_as}: {}", problem.message);
            problems.push(problem);
        }
        let got: BTreeSet<String> = answer.items.iter().map(|(i, _)| key(i)).collect();
        // Sound: every item answered matches. A search may also match what the
        // item only refers to (bip: "some related resource attributes are
        // checked"); what it answers is sound, and a term nothing holds tells.
        let strays: Vec<String> = answer
            .items
            .iter()
            .filter(|_| f.rule == MatchRule::Exact)
            .filter(|(i, _)| !matches_all(f, i, t, Loose))
            .map(|(i, k)| format!("{} (page {k})", key(i)))
            .collect();
        if !strays.is_empty() {
            problems.push(Problem::msg(format!(
                "{shown_as} answers {} items that do not match it: {}",
                strays.len(),
                shown(&strays)
            )));
        }
        // Complete: every item of the whole list that matches is answered.
        let missed: Vec<String> = whole
            .items
            .iter()
            .filter(|(i, _)| matches_all(f, i, t, Strict))
            .filter(|(i, _)| !got.contains(&key(i)))
            .map(|(i, k)| format!("{} (page {k} of the whole list)", key(i)))
            .collect();
        if !missed.is_empty() {
            let sampled = if whole.whole() {
                String::new()
            } else {
                " (of the pages the walk budget allowed)".into()
            };
            problems.push(Problem::msg(format!(
                "{shown_as} leaves out {} items of the whole list{sampled} that match it: {}",
                missed.len(),
                shown(&missed)
            )));
        }
        if let Some(field) = &f.ordered_by
            && let Some(p) = out_of_order(&answer, field)
        {
            problems.push(Problem::msg(format!("{shown_as}: {p}")));
        }
        if answer.whole() && answer.items.len() as u64 != answer.total {
            problems.push(Problem::msg(format!(
                "{shown_as} states a total of {}, yet its pages hold {} items",
                answer.total,
                answer.items.len()
            )));
        }
        answers.push((t.clone(), got));
    }
    if f.list {
        problems.extend(unions(ctx, f, p, out, mode, &answers, key).await);
    }
    if f.rule == MatchRule::Contains {
        problems.extend(nowhere(ctx, f, p, out, mode).await);
    }
    problems
}

/// A term no item holds, in any field or relation.
const NOWHERE: &str = "zqx-assay-no-such-term";

/// A search for a term nothing holds finds nothing.
async fn nowhere(
    ctx: &Ctx,
    f: &Filtered,
    p: &Paging,
    out: &Outgoing,
    mode: Credentials,
) -> Vec<Problem> {
    let t: Tuple = f.filters.iter().map(|_| NOWHERE.to_string()).collect();
    let req = filtered(out, f, std::slice::from_ref(&t));
    match collection::read(ctx, &req, p, mode, Purpose::Items).await {
        Ok(c) if c.items.is_empty() && c.total == 0 => vec![],
        Ok(c) => vec![Problem::msg(format!(
            "{} finds {} items (a total of {}), though no item holds the term",
            describe(f, &[t]),
            c.items.len(),
            c.total
        ))],
        Err(e) => vec![e],
    }
}

/// The first pair of items of an answer out of ascending order by `field`.
fn out_of_order(answer: &Collection, field: &str) -> Option<String> {
    let keys: Vec<(Option<&Value>, u64)> = answer
        .items
        .iter()
        .map(|(i, k)| (values_at(i, field).into_iter().next(), *k))
        .collect();
    keys.windows(2).enumerate().find_map(|(i, pair)| {
        let ((a, _), (b, page)) = (pair[0], pair[1]);
        (crate::value::order(a, b) == std::cmp::Ordering::Greater).then(|| {
            let show = |v: Option<&Value>| v.map_or("nothing".into(), text);
            format!(
                "item {} (page {page}, {field} = {}) comes after one with {}, out of the documented ascending order",
                i + 1,
                show(b),
                show(a)
            )
        })
    })
}

/// `a,b` answers what `a` and `b` answer together.
async fn unions(
    ctx: &Ctx,
    f: &Filtered,
    p: &Paging,
    out: &Outgoing,
    mode: Credentials,
    answers: &[(Tuple, BTreeSet<String>)],
    key: impl Fn(&Value) -> String,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for pair in answers.windows(2) {
        let ((a, in_a), (b, in_b)) = (&pair[0], &pair[1]);
        let req = filtered(out, f, &[a.clone(), b.clone()]);
        let answer = match collection::read(ctx, &req, p, mode, Purpose::Items).await {
            Ok(c) => c,
            Err(e) => {
                problems.push(e);
                continue;
            }
        };
        let got: BTreeSet<String> = answer.items.iter().map(|(i, _)| key(i)).collect();
        let want: BTreeSet<String> = in_a.union(in_b).cloned().collect();
        if got != want {
            let missing: Vec<String> = want.difference(&got).cloned().collect();
            let extra: Vec<String> = got.difference(&want).cloned().collect();
            let mut lines = Vec::new();
            if !missing.is_empty() {
                lines.push(format!("missing: {}", shown(&missing)));
            }
            if !extra.is_empty() {
                lines.push(format!("not in either answer: {}", shown(&extra)));
            }
            problems.push(Problem::msg(format!(
                "{} is not the union of the answers to each value ({})",
                describe(f, &[a.clone(), b.clone()]),
                lines.join("; ")
            )));
        }
    }
    problems
}

/// How strictly a value is matched. Where the document leaves the rule open
/// (case, partial matches), an item answered is sound under the loosest reading
/// and an item left out is missed only under the strictest one.
#[derive(Clone, Copy)]
enum Reading {
    Loose,
    Strict,
}
use Reading::{Loose, Strict};

fn matches_all(f: &Filtered, item: &Value, t: &Tuple, reading: Reading) -> bool {
    f.filters.iter().zip(t).all(|(filter, want)| {
        filter.fields.iter().any(|field| {
            values_at(item, field)
                .iter()
                .any(|v| holds(f.rule, reading, &text(v), want))
        })
    })
}

fn holds(rule: MatchRule, reading: Reading, value: &str, want: &str) -> bool {
    match (rule, reading) {
        (MatchRule::Exact, _) => value == want,
        (MatchRule::Contains, Strict) => value.contains(want),
        (MatchRule::Contains, Loose) => value.to_lowercase().contains(&want.to_lowercase()),
    }
}

/// The values to try: from items spread over the whole list (first, last and
/// between), and those that tell the rules apart: a value another item holds in
/// another case, or as part of a longer value.
fn pick(f: &Filtered, whole: &Collection) -> Vec<Tuple> {
    let mut distinct: Vec<Tuple> = Vec::new();
    let mut seen: HashSet<Tuple> = HashSet::new();
    for (item, _) in &whole.items {
        let tuple: Option<Tuple> = f
            .filters
            .iter()
            .map(|filter| {
                let field = filter.fields.first()?;
                let v = values_at(item, field).into_iter().find(|v| !v.is_null())?;
                let t = text(v);
                // A comma would split the value into two.
                (!t.is_empty() && !t.contains(',') && t.len() <= 200).then_some(t)
            })
            .collect();
        if let Some(t) = tuple
            && seen.insert(t.clone())
        {
            distinct.push(t);
        }
    }
    let n = distinct.len();
    let want = f.values.max(1);
    let mut chosen: Vec<Tuple> = Vec::new();
    let take = |t: &Tuple, chosen: &mut Vec<Tuple>| {
        if !chosen.contains(t) {
            chosen.push(t.clone());
        }
    };
    for i in 0..want.min(n) {
        let at = if want == 1 {
            0
        } else {
            i * (n - 1) / (want - 1)
        };
        take(&distinct[at], &mut chosen);
    }
    // One value that only the right rule answers correctly.
    let telling = distinct.iter().find(|t| {
        distinct.iter().any(|o| {
            o != *t
                && o.iter().zip(t.iter()).any(|(a, b)| {
                    a != b
                        && (a.eq_ignore_ascii_case(b)
                            || (f.rule == MatchRule::Exact && a.contains(b.as_str())))
                })
        })
    });
    if let Some(t) = telling {
        take(t, &mut chosen);
    }
    chosen
}

/// The request with each filter set to its value (several tuples: a comma list).
fn filtered(out: &Outgoing, f: &Filtered, tuples: &[Tuple]) -> Outgoing {
    let mut req = out.clone();
    {
        let mut q = req.url.query_pairs_mut();
        for (i, filter) in f.filters.iter().enumerate() {
            let values: Vec<&str> = tuples.iter().map(|t| t[i].as_str()).collect();
            q.append_pair(
                &filter.param,
                &filter.value.replace("{value}", &values.join(",")),
            );
        }
    }
    req
}

fn describe(f: &Filtered, tuples: &[Tuple]) -> String {
    f.filters
        .iter()
        .enumerate()
        .map(|(i, filter)| {
            let values: Vec<&str> = tuples.iter().map(|t| t[i].as_str()).collect();
            format!(
                "`{}={}`",
                filter.param,
                filter.value.replace("{value}", &values.join(","))
            )
        })
        .collect::<Vec<_>>()
        .join(" with ")
}
