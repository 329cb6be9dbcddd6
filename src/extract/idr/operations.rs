//! From what the client did to spec items: one operation per distinct filling of a
//! template, its parameters, the URL templates as written, the flows of values
//! from responses into later requests, and the requests the client sends with every
//! placeholder filled by a literal, as examples.
//!
//! Invariants: operations are in the order of the templates that define them; an
//! operation id is the template's name without `_URL`, qualified only where one name
//! stands for several operations.

use super::client::{Client, Op};
use super::reads::{by_name, field_type, quoted};
use super::urls::{QueryValue, param_of, placeholders, query_pairs, split_target};
use crate::extract::Extracted;
use crate::extract::text::Doc;
use crate::spec::{
    DocRef, Example, ExampleKind, FieldType, Flow, Kind, Method, Operation, OperationKind, Param,
    ParamIn, UrlTemplate,
};

impl Client {
    pub(super) fn finish(mut self, doc: &Doc, headings: &[(usize, String)]) -> Extracted {
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
            let items_pointer = op.items_pointer();
            let kind = if items_pointer.is_some() {
                OperationKind::List
            } else if op.json_read.is_some() {
                OperationKind::Get
            } else {
                OperationKind::Other
            };
            operations.push(Operation {
                id: ids[i].clone(),
                kind,
                resource: None,
                method: op.method.unwrap_or(Method::Get),
                // The path alone: the query string is in `params`. A target that is a
                // placeholder alone (`{thumb_url}`, a URL some response hands out)
                // keeps it as its path, which starts with no `/`: routers skip it,
                // and a client reaches it only by following its flow.
                path: split_target(&op.target).0.to_string(),
                summary: Some(summary(template.line))
                    .filter(|s| !s.is_empty())
                    .or_else(|| op.label.clone())
                    .unwrap_or_default(),
                params: self.params(i, &ids, at(template.line)),
                responses: op.responses(at),
                // The client sends no credentials: its session only visits a page.
                auth: false,
                paginated: false,
                sets: None,
                items_pointer,
                response_fields: op.response_fields(at),
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
        for (from, field, to, placeholder, line) in &self.flows {
            let flow = Flow {
                from: ids[*from].clone(),
                field: field.clone(),
                to: ids[*to].clone(),
                param: param_of(&self.ops[*to].target, placeholder),
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
                // The target as sent, query string included.
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

    /// The parameters of operation `op`: the placeholders of its path, then the pairs
    /// of its query string. A query value with no placeholder is the parameter's fixed
    /// `value` (`type=map`); a placeholder alone makes an ordinary parameter
    /// (`screen={screen_id}` is `screen`, which takes the screen id); text around
    /// placeholders is a `value` template (`query=Well-{well_id}`). All are required:
    /// the client sends every one, every time. Each is cited at its template.
    fn params(&self, op: usize, ids: &[String], doc: DocRef) -> Vec<Param> {
        let (path, query) = split_target(&self.ops[op].target);
        let path_params = placeholders(path);
        let param =
            |name: &str, location, ty, value: Option<&str>, description: Vec<String>| Param {
                name: name.to_string(),
                location,
                ty,
                required: true,
                list: false,
                values: Vec::new(),
                role: None,
                matches: Vec::new(),
                same_as: None,
                moves: Vec::new(),
                value: value.map(str::to_string),
                example: None,
                description: description.join(" "),
                doc: doc.clone(),
            };
        let mut params: Vec<Param> = path_params
            .iter()
            .map(|p| {
                let ty = self.param_type(op, p);
                param(p, ParamIn::Path, ty, None, self.origin(op, p, ids))
            })
            .collect();
        for (name, value) in query_pairs(query) {
            params.push(match value {
                QueryValue::Fixed(v) => param(
                    name,
                    ParamIn::Query,
                    literal_type(&[v.to_string()]),
                    Some(v),
                    vec![format!("Always `{v}`: the template fixes it.")],
                ),
                QueryValue::Placeholder(p) => {
                    let mut description = Vec::new();
                    if name != p {
                        description.push(format!(
                            "Takes the {} (`{{{p}}}` in the template).",
                            words(&p)
                        ));
                    }
                    description.extend(self.origin(op, &p, ids));
                    param(
                        name,
                        ParamIn::Query,
                        self.param_type(op, &p),
                        None,
                        description,
                    )
                }
                QueryValue::Template(t) => {
                    let mut description = vec![format!("Always `{t}`.")];
                    for p in placeholders(t) {
                        if path_params.contains(&p) {
                            description.push(format!(
                                "`{{{p}}}` is the {} (the path parameter `{p}`).",
                                words(&p)
                            ));
                        } else {
                            // No parameter of its own: what flows in fills it here.
                            description.push(format!("`{{{p}}}` is the {}.", words(&p)));
                            description.extend(self.origin(op, &p, ids));
                        }
                    }
                    param(
                        name,
                        ParamIn::Query,
                        FieldType::scalar(Kind::String),
                        Some(t),
                        description,
                    )
                }
            });
        }
        params
    }

    /// Where the client gets the value of placeholder `p` of operation `op`: the
    /// literals it sends, and the response fields it takes it from.
    fn origin(&self, op: usize, p: &str, ids: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(literals) = self.ops[op].literals.get(p) {
            out.push(format!("The client sends {}.", quoted(literals)));
        }
        let mut sources: Vec<String> = Vec::new();
        for (from, field, to, param, _) in &self.flows {
            let source = format!("`{field}` of `{}`", ids[*from]);
            if *to == op && param == p && !sources.contains(&source) {
                sources.push(source);
            }
        }
        if !sources.is_empty() {
            out.push(format!(
                "The client takes it from {} (see `flows`).",
                sources.join(", ")
            ));
        }
        out
    }

    /// The type of a placeholder (of the value filled in, even where it is part of a
    /// longer one, `Well-{well_id}`): that of the literals the client sends, else of
    /// the fields it takes the value from, else by its name.
    fn param_type(&self, op: usize, p: &str) -> FieldType {
        if let Some(literals) = self.ops[op].literals.get(p).filter(|l| !l.is_empty()) {
            return literal_type(literals);
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
            let (path, query) = split_target(&op.target);
            path.split('/')
                .filter(|s| !s.is_empty())
                .map(|s| s.trim_matches(['{', '}']).to_string())
                .chain(query_pairs(query).into_iter().map(|(k, _)| k.to_string()))
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

/// The type literals show: int when every one is an integer, else string.
fn literal_type(literals: &[String]) -> FieldType {
    let int = !literals.is_empty() && literals.iter().all(|l| l.parse::<i64>().is_ok());
    FieldType::scalar(if int { Kind::Int } else { Kind::String })
}

/// `screen_id` → `screen id`: a placeholder's name as words.
fn words(placeholder: &str) -> String {
    placeholder.replace('_', " ")
}
