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
//! - a field the client reads by key where no condition guards the read is required
//!   (a response without it fails the client with a `KeyError`); one read only under
//!   a condition (`if 'k' in x:`, `else:`, `try:`) or with `x.get('k')` is not. Testing
//!   `x is not None` guards nothing of `x`'s own keys: it says `x` may be null, and
//!   that where it is there, what the client reads of it is required;
//! - a value the client iterates, indexes or reads keys of fails it when null, so it
//!   may be null only where the client tests it first; any other field it reads (it
//!   prints it, or passes it on) may be null;
//! - `r.status_code == 200` is a status the client expects;
//! - a field's value passed on into another template's dict is a
//!   [`Flow`](crate::spec::Flow); a literal (`screen_id = 102`) makes the request an
//!   example with its target filled in.
//!
//! Operation paths are relative to the host and hold no query string: each of its
//! pairs is a query parameter, with the fixed `value` the template always sends
//! (`type=map`), as an ordinary parameter where its value is a placeholder alone
//! (`screen={screen_id}` is `screen`), or with a `value` template where text
//! surrounds placeholders (`query=Well-{well_id}`). Fillings that share a path stay
//! separate operations, told apart by those parameters. A flow names the parameter
//! it fills; one into a parameter with a `value` template fills that template's
//! placeholder (`show=image-{image_id}`). The URL templates themselves are kept as
//! the document writes them: they are citations.
//!
//! Every line the client reads a field on is cited: the field at its first read,
//! each further read in its `also`.
//!
//! Parts: `python` parses a line, `client` runs it (with `eval`), `urls` reads the
//! templates, `reads` turns what the client read into response fields and statuses,
//! and `operations` makes the spec items.

mod client;
mod eval;
mod operations;
mod python;
mod reads;
mod urls;

use super::text::Doc;
use super::{ExtractError, Extracted};
use crate::spec::DocRef;
use client::Client;
use python::statement;

pub fn extract(doc: &Doc) -> Result<Extracted, ExtractError> {
    let mut client = Client::default();
    let mut headings: Vec<(usize, String)> = Vec::new();
    for (n, line) in doc.lines() {
        // A line of code or prose closes the blocks it is not indented into; blank
        // lines and comments close none.
        let code = line.trim_start();
        if !code.is_empty() && !code.starts_with('#') {
            client.dedent(line.len() - code.len());
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{OperationKind, ParamIn};

    fn run(script: &str) -> Extracted {
        extract(&Doc::new("t.txt", script)).unwrap()
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
            "    print(a['id'])\n",
            "B_URL = \"https://h.org/b/{tid}/?q=T-{tid}&show=t-{x}\"\n",
            "r = session.get(B_URL.format(**{'tid': tid, 'x': tid}), stream=True)\n",
            "if r.status_code == 200:\n",
            "    for chunk in r:\n",
            "        pass\n",
        ));
        let a = &x.operations[0];
        assert_eq!(a.id, "a");
        assert_eq!(a.path, "/api/{kind}/");
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
        // Each further read is cited too.
        let also =
            |i: usize| -> Vec<u32> { a.response_fields[i].also.iter().map(|d| d.line).collect() };
        assert_eq!((a.response_fields[1].doc.line, also(1)), (6, vec![9]));
        assert_eq!((a.response_fields[3].doc.line, also(3)), (7, vec![8]));
        // The query string is parameters: a fixed value, and a placeholder alone
        // named by its pair.
        let params: Vec<(&str, ParamIn, Option<&str>, String)> = a
            .params
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.location,
                    p.value.as_deref(),
                    p.ty.to_string(),
                )
            })
            .collect();
        assert_eq!(
            params,
            [
                ("kind", ParamIn::Path, None, "string".into()),
                ("type", ParamIn::Query, Some("map"), "string".into()),
                ("screen", ParamIn::Query, None, "int".into()),
            ]
        );
        assert!(
            a.params[2]
                .description
                .starts_with("Takes the sid (`{sid}`")
        );
        assert_eq!(a.responses[0].status, 200);
        assert!(a.responses[0].implied);
        let b = &x.operations[1];
        assert_eq!(b.kind, OperationKind::Other);
        assert!(!b.responses[0].implied);
        assert_eq!(b.responses[0].doc.line, 12);
        assert_eq!(b.path, "/b/{tid}/");
        let values: Vec<(&str, Option<&str>)> = b
            .params
            .iter()
            .map(|p| (p.name.as_str(), p.value.as_deref()))
            .collect();
        assert_eq!(
            values,
            [
                ("tid", None),
                ("q", Some("T-{tid}")),
                ("show", Some("t-{x}"))
            ]
        );
        // A flow names the parameter it fills: `{x}` stands only in `show`.
        let flows: Vec<(&str, &str, &str)> = x
            .flows
            .iter()
            .map(|f| (f.from.as_str(), f.field.as_str(), f.param.as_str()))
            .collect();
        assert_eq!(
            flows,
            [("a", "things[].id", "tid"), ("a", "things[].id", "show")]
        );
        assert_eq!(x.examples.len(), 1);
        assert_eq!(
            x.examples[0].target.as_deref(),
            Some("/api/k/?type=map&screen=7")
        );
    }

    #[test]
    fn a_read_is_required_unless_a_condition_guards_it() {
        let x = run(concat!(
            "G_URL = \"https://h.org/grid/\"\n",
            "g = session.get(G_URL).json()\n",
            "for row in g['rows']:\n",
            "    for cell in row:\n",
            "        if cell is not None:\n",
            "            print(cell['id'])\n",
            "if 'extra' in g:\n",
            "    print(g['extra'])\n",
            "else:\n",
            "    print(g['other'])\n",
            "note = g.get('note')\n",
            "try:\n",
            "    print(g['maybe'])\n",
            "except KeyError:\n",
            "    pass\n",
            "print(g['title'])\n",
            "S_URL = \"https://h.org/s/\"\n",
            "r = session.get(S_URL)\n",
            "if r.status_code == 200:\n",
            "    print(r.json()['ok'])\n",
        ));
        let fields = |op: usize| -> Vec<(String, bool, bool, String)> {
            x.operations[op]
                .response_fields
                .iter()
                .map(|f| {
                    let (r, n) = (f.required, f.nullable);
                    (f.path.clone(), r, n, f.description.clone())
                })
                .collect()
        };
        let read = |s: &str| format!("Read by the client as `{s}`.");
        let item = |s: &str| s.to_string();
        assert_eq!(
            fields(0),
            [
                // Iterated unguarded: required, and an array, never null.
                ("rows".into(), true, false, read("g['rows']")),
                (
                    "rows[]".into(),
                    false,
                    false,
                    item("An item of `rows`, used in `for cell in row`.")
                ),
                // A cell may be null; where it is not, its keys are required.
                (
                    "rows[][]".into(),
                    false,
                    true,
                    item("An item of `rows[]`, used in `cell is not None`.")
                ),
                ("rows[][].id".into(), true, true, read("cell['id']")),
                (
                    "extra".into(),
                    false,
                    true,
                    item("Read by the client as `g['extra']`, only where `'extra' in g`.")
                ),
                (
                    "other".into(),
                    false,
                    true,
                    item("Read by the client as `g['other']`, only inside `else:`.")
                ),
                (
                    "note".into(),
                    false,
                    true,
                    item(
                        "Read by the client as `g.get('note')`, with `.get`, which does without it."
                    )
                ),
                (
                    "maybe".into(),
                    false,
                    true,
                    item("Read by the client as `g['maybe']`, only inside `try:`.")
                ),
                // After the blocks close, a read is unconditional again.
                ("title".into(), true, true, read("g['title']")),
            ]
        );
        // Checking the response succeeded guards nothing of its body.
        assert_eq!(
            fields(1),
            [("ok".into(), true, true, read("r.json()['ok']"))]
        );
    }
}
