//! From what the markup gives to spec items: resources named by their collections,
//! one operation per distinct request, its parameters from the tables of its section,
//! and fields from the example bodies.
//!
//! Invariants: within a section, the tables and parameter lists belong to the
//! section's first request; a parameter a list names (`offset, limit, owner`) is
//! cited at the row of the table that defines it; a resource's fields are the union
//! of what its list, get and save bodies show, each cited where first printed.

use std::collections::HashMap;

use super::Reading;
use super::lenient::{J, collect_fields, items};
use super::markup::label_before;
use super::tables::Row;
use super::targets::{resource_of, slug, snake_case};
use crate::extract::ExtractError;
use crate::spec::{FieldType, Kind, Method, Operation, OperationKind, Param, ParamIn, Resource};

impl Reading<'_> {
    /// Resources: named after the `@type` their examples show, where one agrees with
    /// the collection's name; otherwise after the collection.
    pub(super) fn resources(&self) -> Vec<Resource> {
        let mut resources: Vec<Resource> = Vec::new();
        for plural in &self.collections {
            let singular = plural.strip_suffix('s').unwrap_or(plural);
            let mut types: Vec<String> = Vec::new();
            for b in self.bodies.iter().filter(|b| !b.content) {
                let Some(r) = b.request else { continue };
                let target = &self.targets[r];
                if target.plural.as_deref() != Some(plural.as_str())
                    || !matches!(target.kind, OperationKind::List | OperationKind::Get)
                {
                    continue;
                }
                for item in items(&b.value) {
                    if let Some(J::Str(t)) = item.get("@type")
                        && let Some((_, name)) = t.rsplit_once('#')
                    {
                        types.push(name.to_string());
                    }
                }
            }
            let title = types
                .iter()
                .find(|t| t.to_lowercase() == singular.to_lowercase())
                .cloned();
            let first = self
                .requests
                .iter()
                .zip(&self.targets)
                .find(|(_, t)| t.plural.as_deref() == Some(plural.as_str()))
                .map(|(r, _)| r.at)
                .unwrap_or(0);
            let at = self.section(first).map_or(first, |s| self.heads[s].start);
            resources.push(Resource {
                name: title.as_deref().map_or(singular.to_string(), snake_case),
                plural: Some(plural.clone()),
                title,
                description: String::new(),
                id_field: None,
                rejects_unknown: false,
                fields: Vec::new(),
                rules: Vec::new(),
                doc: self.doc.at(at),
            });
        }
        resources
    }

    /// Saves name their resource by the `@type` of their body.
    pub(super) fn name_saves(&mut self, resources: &[Resource]) -> Result<(), ExtractError> {
        for i in 0..self.requests.len() {
            if !self.targets[i].by_body {
                continue;
            }
            let r = &self.requests[i];
            let ty = r
                .content
                .and_then(|b| match self.bodies[b].value.get("@type") {
                    Some(J::Str(s)) => s.rsplit_once('#').map(|(_, n)| n.to_string()),
                    _ => None,
                })
                .ok_or_else(|| {
                    self.fail(
                        r.at,
                        "a save request without a body naming its `@type`".into(),
                    )
                })?;
            let res = resources
                .iter()
                .find(|res| res.title.as_deref() == Some(ty.as_str()))
                .ok_or_else(|| {
                    self.fail(r.at, format!("the body saves a `{ty}`, which no URL lists"))
                })?;
            self.targets[i].plural = res.plural.clone();
        }
        Ok(())
    }

    /// Operations, in the order the document first shows them, and the id of the
    /// operation of each request.
    pub(super) fn operations(
        &self,
        resources: &[Resource],
    ) -> Result<(Vec<Operation>, Vec<String>), ExtractError> {
        let (doc, text) = (&self.doc, self.doc.text);
        // Shared parameters: tables in sections without a request.
        let mut shared: HashMap<String, Row> = HashMap::new();
        for t in &self.tables {
            let s = self.section(t.at);
            if !self.requests.iter().any(|r| r.section == s) {
                for row in &t.rows {
                    shared.insert(row.name.clone(), row.clone());
                }
            }
        }

        let mut operations: Vec<Operation> = Vec::new();
        let mut op_of_request: Vec<String> = Vec::new();
        for (i, (r, t)) in self.requests.iter().zip(&self.targets).enumerate() {
            let id = match &t.plural {
                Some(plural) => {
                    let parents: Vec<String> = t
                        .parents
                        .iter()
                        .map(|p| {
                            resource_of(resources, p).map_or(p.clone(), |res| res.name.clone())
                        })
                        .collect();
                    let kind = t.kind.as_str();
                    if parents.is_empty() {
                        format!("{plural}/{kind}")
                    } else {
                        format!("{plural}/{kind}_by_{}", parents.join("_"))
                    }
                }
                // Named after the section that first shows the request.
                None => self
                    .requests
                    .iter()
                    .find(|q| q.method == r.method && q.path == r.path)
                    .and_then(|q| q.section)
                    .map_or_else(String::new, |s| slug(&self.heads[s].title)),
            };
            op_of_request.push(id.clone());
            if operations.iter().any(|o| o.id == id) {
                continue;
            }
            let mut params = Vec::new();
            let first_in_section =
                self.requests.iter().position(|q| q.section == r.section) == Some(i);
            if first_in_section && r.section.is_some() {
                let location = if r.method == Method::Get {
                    ParamIn::Query
                } else {
                    ParamIn::Form
                };
                let mut own: Vec<(usize, Param)> = Vec::new();
                for t in self
                    .tables
                    .iter()
                    .filter(|t| self.section(t.at) == r.section)
                {
                    for row in &t.rows {
                        own.push((row.at, row.param(doc, location)));
                    }
                }
                for (at, names) in self
                    .lists
                    .iter()
                    .filter(|(at, _)| self.section(*at) == r.section)
                {
                    for (name, name_at) in names {
                        let row = shared.get(name).ok_or_else(|| {
                            self.fail(
                                *at,
                                format!(
                                    "the list names parameter `{name}`, which no table defines"
                                ),
                            )
                        })?;
                        // Cited at its row, which states it; listed where the list names it.
                        own.push((*name_at, row.param(doc, location)));
                    }
                }
                own.sort_by_key(|(at, _)| *at);
                params.extend(own.into_iter().map(|(_, p)| p));
            }
            // Query parameters of the URL template itself (`?group={group_id}`): typed
            // as the shared table types them, cited where the template names them.
            if let Some((_, query)) = r.target.split_once('?') {
                let query_at = r.at + r.target.find('?').unwrap_or(0);
                for pair in query.split('&') {
                    let name = pair.split('=').next().unwrap_or(pair);
                    let at = text[query_at..]
                        .find(pair)
                        .map_or(query_at, |i| query_at + i);
                    let row = Row {
                        name: name.to_string(),
                        at,
                        ty: shared
                            .get(name)
                            .map_or(FieldType::scalar(Kind::String), |row| row.ty),
                        description: String::new(),
                    };
                    params.push(Param {
                        required: true,
                        ..row.param(doc, ParamIn::Query)
                    });
                }
            }
            let summary = label_before(&self.heads, &self.bolds, r.at);
            operations.push(Operation {
                id,
                kind: t.kind,
                resource: t
                    .plural
                    .as_deref()
                    .and_then(|p| resource_of(resources, p))
                    .map(|res| res.name.clone()),
                method: r.method,
                path: r.path.clone(),
                summary,
                params,
                responses: Vec::new(),
                auth: true,
                paginated: t.kind == OperationKind::List,
                sets: None,
                items_pointer: None,
                response_fields: Vec::new(),
                request_fields: Vec::new(),
                doc: doc.at(r.at),
            });
        }
        Ok((operations, op_of_request))
    }

    /// Fields: what the examples of each resource show of its items; response fields
    /// of the other operations.
    pub(super) fn add_fields(
        &self,
        op_of_request: &[String],
        resources: &mut [Resource],
        operations: &mut [Operation],
    ) {
        for b in &self.bodies {
            let Some(r) = b.request else { continue };
            // A request body is the item itself; a response holds items under `data`.
            let root = b.content;
            let op_id = &op_of_request[r];
            match &self.targets[r].plural {
                Some(plural) => {
                    let res = resources
                        .iter_mut()
                        .find(|res| res.plural() == plural)
                        .expect("targets name known collections");
                    if root {
                        collect_fields(&self.doc, &b.value, "", &mut res.fields);
                    } else {
                        for item in items(&b.value) {
                            collect_fields(&self.doc, item, "", &mut res.fields);
                        }
                    }
                }
                None => {
                    let op = operations
                        .iter_mut()
                        .find(|o| &o.id == op_id)
                        .expect("every request has an operation");
                    let fields = if root {
                        &mut op.request_fields
                    } else {
                        &mut op.response_fields
                    };
                    collect_fields(&self.doc, &b.value, "", fields);
                }
            }
        }
    }
}
