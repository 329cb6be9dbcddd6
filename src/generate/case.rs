//! The case format: what `suites/*.yaml` hold, generated or written by hand.
//!
//! A case is a short list of steps. Each step sends one request (or, for a walk, a
//! series the runner derives from it), captures values for the steps after it, and
//! states expectations. Expectations are a closed catalogue the runner implements;
//! their parameters are plain data, so a reviewer reads in a suite diff exactly what
//! a spec change does to the tests. `{name}` in a path, query value or expectation
//! is filled from an earlier capture.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::spec::{DocRef, Method};

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_valid(a: &Credentials) -> bool {
    *a == Credentials::Valid
}

/// The cases of one spec.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Suite {
    /// The spec the cases test (its `name`).
    pub spec: String,
    pub cases: Vec<Case>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// Stable id: `spec/resource/operation/check/detail`.
    pub id: String,
    pub check: Check,
    pub severity: Severity,
    /// The sentence or table row of the document the case rests on.
    pub doc: DocRef,
    /// What the case asserts, in one line.
    pub title: String,
    /// The case changes data; it runs only with writes allowed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub writes: bool,
    pub steps: Vec<Step>,
}

impl Case {
    /// A case that only reads; `writing()` marks one that changes data.
    pub fn new(
        id: String,
        check: Check,
        severity: Severity,
        doc: &DocRef,
        title: impl Into<String>,
        steps: Vec<Step>,
    ) -> Self {
        Case {
            id,
            check,
            severity,
            doc: doc.clone(),
            title: title.into(),
            writes: false,
            steps,
        }
    }

    pub fn writing(mut self) -> Self {
        self.writes = true;
        self
    }
}

/// The check catalogue of the design, one name per family of cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    Status,
    ContentType,
    Schema,
    Pagination,
    Filters,
    Sorting,
    Identity,
    Auth,
    Writes,
    State,
    Methods,
    Links,
    References,
    Representation,
    /// A response as recorded earlier (`assay run --snapshots`); no generated case
    /// has it.
    Snapshot,
}

impl Check {
    pub const ALL: &[Check] = &[
        Check::Status,
        Check::ContentType,
        Check::Schema,
        Check::Pagination,
        Check::Filters,
        Check::Sorting,
        Check::Identity,
        Check::Auth,
        Check::Writes,
        Check::State,
        Check::Methods,
        Check::Links,
        Check::References,
        Check::Representation,
        Check::Snapshot,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Status => "status",
            Check::ContentType => "content_type",
            Check::Schema => "schema",
            Check::Pagination => "pagination",
            Check::Filters => "filters",
            Check::Sorting => "sorting",
            Check::Identity => "identity",
            Check::Auth => "auth",
            Check::Writes => "writes",
            Check::State => "state",
            Check::Methods => "methods",
            Check::Links => "links",
            Check::References => "references",
            Check::Representation => "representation",
            Check::Snapshot => "snapshot",
        }
    }
}

/// `must`: the document states it. `should`: a convention the document implies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Must,
    Should,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Must => "must",
            Severity::Should => "should",
        }
    }

    pub fn implied(implied: bool) -> Self {
        if implied {
            Severity::Should
        } else {
            Severity::Must
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub request: Request,
    /// Values to keep for later steps: name → JSON pointer into the response body,
    /// where a `*` step takes the first array item that has a value there. When a
    /// pointer finds nothing, the case is skipped (the deployment has no data to
    /// test with), not failed.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub capture: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expect: Vec<Expect>,
    /// When the step creates an item (2xx), delete it afterwards at this path,
    /// whatever becomes of the case; `{created}` is the new item's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<Cleanup>,
    /// The step's list is read whole, every page: expectations on its items
    /// (matches, order, identity, references, nulls, links) hold over all of them,
    /// and those on the response (status, content type, schema, headers) on every
    /// page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pages: Option<Paging>,
    /// The step may read the deployment as the run found it (the answer the
    /// read-only phase got): a value a write refers to then names a record the
    /// run did not create, which no case running beside it deletes.
    #[serde(default, skip_serializing_if = "is_false")]
    pub as_found: bool,
}

impl Step {
    pub fn new(request: Request) -> Self {
        Step {
            request,
            capture: BTreeMap::new(),
            expect: Vec::new(),
            cleanup: None,
            pages: None,
            as_found: false,
        }
    }
}

/// How a list is read page by page: the parameters that move through it and the
/// pointers where each page states where it is.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Paging {
    /// Pointer to the items of a page.
    pub items: String,
    /// Pointer to the total number of items of the query.
    pub total: String,
    /// Pointer to the number of pages, where a page states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pages: Option<String>,
    pub position_param: String,
    /// `page` (numbers from `first`) or `offset`.
    pub style: crate::spec::PageStyle,
    #[serde(default)]
    pub first: u64,
    pub size_param: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u64>,
    /// Pointer to the maximum page size the server states (OMERO's `maxLimit`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_pointer: Option<String>,
    /// Pointer to the position a page states (its number or offset), which must
    /// be the one asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_pointer: Option<String>,
    /// Pointer to the page size a page states, which must be the one asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_pointer: Option<String>,
    /// Pages carry HAL navigation links (`_links.next`, `prev`…): where one is
    /// given it leads to that page of the same query.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hal_links: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cleanup {
    /// Pointer to the new item's id in the step's response, which `{created}`
    /// then stands for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// DELETE, or PUT to put back what an update changed.
    #[serde(default = "delete", skip_serializing_if = "is_delete")]
    pub method: Method,
    /// Path of the request, `{name}` filled from captures.
    pub path: String,
    /// Its body, `{name}` filled from captures (the item as read before).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
}

fn delete() -> Method {
    Method::Delete
}

fn is_delete(m: &Method) -> bool {
    *m == Method::Delete
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub method: Method,
    /// Path below the base URL, `{name}` filled from captures.
    pub path: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub query: BTreeMap<String, String>,
    /// Which credentials go with the request.
    #[serde(default, skip_serializing_if = "is_valid")]
    pub credentials: Credentials,
    /// Headers, `{name}` filled from captures.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub headers: BTreeMap<String, String>,
    /// A form body (`application/x-www-form-urlencoded`).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub form: BTreeMap<String, String>,
    /// A JSON body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<Value>,
    /// Values set into the JSON body after filling it: pointer → value (a read
    /// item sent back with one field changed).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub set: BTreeMap<String, Value>,
    /// A raw body sent as is (for malformed JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_body: Option<String>,
}

impl Request {
    pub fn get(path: impl Into<String>) -> Self {
        Request {
            method: Method::Get,
            path: path.into(),
            query: BTreeMap::new(),
            credentials: Credentials::Valid,
            headers: BTreeMap::new(),
            form: BTreeMap::new(),
            body: None,
            set: BTreeMap::new(),
            raw_body: None,
        }
    }

    pub fn with(mut self, name: &str, value: impl Into<String>) -> Self {
        self.query.insert(name.to_string(), value.into());
        self
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Credentials {
    /// The credentials the runner was given (none needed for an open API).
    #[default]
    Valid,
    /// No credentials at all.
    None,
    /// Credentials of the right form that the server cannot know.
    Wrong,
    /// A token the server issued that has expired (given to the run).
    Expired,
}

/// One expectation on a step's response. Pointers are JSON pointers into the body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Expect {
    /// The status is one of these.
    Status(Vec<u16>),
    /// Whatever the status, it is not a 5xx.
    NoServerError,
    /// The media type of `Content-Type`, parameters aside.
    ContentType(String),
    /// The body validates against a schema `assay schema` generates (by name).
    Schema(String),
    /// The body is the named error body (its schema), or empty where the document
    /// makes the body optional.
    ErrorBody(String),
    /// A response header is present and matches a pattern.
    Header(HeaderMatch),
    /// The value at a pointer equals this (after filling `{name}`).
    Equals(PointerValue),
    /// The array at a pointer holds (or the number at it is) at most / exactly so
    /// many. A 4xx answer passes an `at_most`: refusing the request keeps the bound.
    Count(Count),
    /// The array at `pointer` holds at most as many items as the number at `bound`.
    AtMostPointer(Bound),
    /// Every item of the array at `items` has a value at one of `fields` among
    /// `values`.
    EachMatches(EachMatches),
    /// Every item of the array at `items` contains `term` in one of `fields`.
    EachContains(EachContains),
    /// The items of the array at `items` are ordered by `field`.
    Ordered(Ordered),
    /// Over the step's whole list (`pages`): exactly `total` items, no duplicates,
    /// no gaps, every page stating the position and size asked for, navigation
    /// links that lead where they say, the same order as a second reading of the
    /// first page.
    Walk(Walk),
    /// Over the step's whole list (`pages`), for several values its items hold:
    /// the filter answers exactly the items of the whole list that match, and its
    /// total says so.
    Filtered(Filtered),
    /// Each item of the list (up to `limit`) is retrievable at `path` and agrees with
    /// its list form on every field both carry.
    Retrievable(Retrievable),
    /// The items at `items` are, by id, those another path lists (a filter on a
    /// parent against the parent's own list of children).
    SameItems(SameItems),
    /// The ids each listed item names in `field` resolve; with `back`, the item
    /// referred to names the listing item in return.
    ReferencesResolve(References),
    /// No null anywhere in the body, but in these fields.
    NoNulls(NoNulls),
    /// Every link in the body resolves (status 200).
    LinksResolve(Links),
    /// The body mentions this text (an attribute name in an error).
    Mentions(String),
    /// A value other than null is at the pointer (a field the server sets).
    Present(String),
    /// The object at `pointer` holds every field of `value` with the same value
    /// (what a write sent is what a read returns).
    Agrees(PointerValue),
    /// The value at `pointer` is not `value`: a write that tried to set it was
    /// refused (4xx) or ignored.
    NotSet(PointerValue),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct HeaderMatch {
    pub name: String,
    pub pattern: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointerValue {
    pub pointer: String,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Count {
    pub pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exactly: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EachMatches {
    pub items: String,
    /// Field paths (`a[].b` steps into arrays).
    pub fields: Vec<String>,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EachContains {
    pub items: String,
    pub fields: Vec<String>,
    pub term: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ordered {
    pub items: String,
    pub field: String,
    pub descending: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Walk {
    /// Field path of an item's identity.
    pub id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filtered {
    /// Field path of an item's identity; without one, items are told apart by
    /// their whole value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The filters sent together; the values tried for them are taken from one
    /// item of the list each time, so together they still match it.
    pub filters: Vec<Filter>,
    /// How a value matches a field.
    pub rule: MatchRule,
    /// A comma list of two values is the union of their answers.
    #[serde(default, skip_serializing_if = "is_false")]
    pub list: bool,
    /// How many items (distinct values) to take values from, spread over the list.
    pub values: usize,
    /// The field each answer is documented to be ordered by, ascending (bip's
    /// search results, by internal id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filter {
    /// The query parameter.
    pub param: String,
    /// Its value, `{value}` filled with the value tried.
    pub value: String,
    /// Field paths the value is matched against; it is taken from the first.
    pub fields: Vec<String>,
}

/// How a filter value matches an item's field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchRule {
    /// The field's value is the value, as text.
    Exact,
    /// The field's value contains the term, at least partially: an item holding
    /// it with the same case must be found; what else matches is the server's.
    Contains,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bound {
    pub pointer: String,
    pub bound: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retrievable {
    pub items: String,
    /// Field path of an item's identity.
    pub id: String,
    /// Path of the single item, `{id}` filled from each item.
    pub path: String,
    /// Pointer to the item in the single response.
    pub single: String,
    /// At most so many items; every item of the list when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SameItems {
    pub items: String,
    /// Field path of an item's identity.
    pub id: String,
    /// The other list's path, `{name}` filled from captures.
    pub path: String,
    /// Pointer to the items in its response.
    pub other_items: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct References {
    pub items: String,
    /// Field path of the listed item's identity.
    pub id: String,
    /// The field holding one id (`_id`) or a list of them (`_ids`).
    pub field: String,
    /// Path of the item referred to, `{.ref}` filled with each id.
    pub path: String,
    /// Pointer to the item in that path's response.
    pub single: String,
    /// The field of the item referred to that names the listing item back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub back: Option<String>,
    /// At most so many items; every item of the list when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoNulls {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub except: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Links {
    /// Keys holding links: HAL `_links` objects, and keys with this prefix.
    #[serde(default)]
    pub hal: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    pub limit: usize,
}
