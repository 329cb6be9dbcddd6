//! The spec model: one API's documented contract, as data.
//!
//! These types are the single source of truth of the spec format: `specs/*.yaml`
//! deserialize into them and `assay spec-schema` prints their JSON Schema. Nothing in
//! the code downstream knows which API a spec describes; every difference between the
//! five documents is expressed here (auth scheme, pagination style, envelopes, error
//! bodies), so a sixth API needs a spec, not code.
//!
//! Every item carries `doc`, the place in the document it was read from. Facts the
//! document never states but that a spec needs are `assumptions`, each with its reason.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::docref::DocRef;
use super::types::FieldType;

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Short name of the API; prefixes every case id (`bip/...`).
    pub name: String,
    pub title: String,
    /// The document this spec was read from, relative to the documents folder.
    pub document: String,
    /// Path prefix of every operation (`/api/v1`). Operation paths include it.
    #[serde(default)]
    pub base_path: String,
    /// Facts the spec needs but the document does not state, each with its reason.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<Assumption>,
    pub auth: Auth,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pagination: Option<Pagination>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filtering: Option<Filtering>,
    pub representation: Representation,
    /// How single items and lists are wrapped in response bodies.
    pub envelope: Envelope,
    /// Error bodies, by name.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ErrorBody>,
    /// Change records the API keeps of each item, where it documents them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub history: Option<History>,
    /// Items hidden from everyone but their owner while a field has a value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visibility: Option<Visibility>,
    /// A state machine items carry, where writes may ask for a transition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_machine: Option<StateMachine>,
    /// What the document says about statuses that holds for every operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_rules: Vec<StatusRule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    /// Kinds of item of a resource that the document gives a field table each (a
    /// GenTaR plan is a crispr, ES cell, Cre allele modification or phenotyping plan),
    /// each table as the document states it. The resource's own `fields` are then
    /// the union of its variants' tables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<Variant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<Operation>,
    /// The URL templates a client document defines by name, each as it is written,
    /// with the operations it stands for (idr). A name may be defined again, and two
    /// names may stand for one operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub url_templates: Vec<UrlTemplate>,
    /// Values a client carries from one operation's response into a later request
    /// (idr: the plates' `id` fills the plate grid's `{plate_id}`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub flows: Vec<Flow>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub examples: Vec<Example>,
    /// Values of responses that change from one reading to the next (dates a
    /// server stamps, tokens, generated ids): recorded snapshots show a
    /// placeholder for them, so only real drift is reported.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redactions: Vec<Redaction>,
    /// Contradictions of the document that the spec knows of, with the reason they
    /// are accepted. Lint still lists them, marked acknowledged.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acknowledged: Vec<Acknowledgement>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assumption {
    /// What the spec takes as given.
    pub text: String,
    /// Why: what in the document (or outside it) supports it.
    pub reason: String,
    /// The place in the document the assumption completes, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocRef>,
}

/// How a client authenticates.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "scheme", rename_all = "snake_case", deny_unknown_fields)]
pub enum Auth {
    /// The API is open.
    None {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        doc: Option<DocRef>,
    },
    /// A key sent in a header on every request.
    ApiKeyHeader {
        header: String,
        /// Status and error body when the key is missing or wrong.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rejected: Option<Outcome>,
        doc: DocRef,
    },
    /// A sign-in endpoint exchanges credentials for a bearer token that expires.
    BearerSignin {
        /// Path of the sign-in endpoint (POST, JSON body).
        signin_path: String,
        username_field: String,
        password_field: String,
        /// Pointer to the token in the sign-in response (`/accessToken`).
        token_pointer: String,
        /// Header and prefix the token is sent with.
        header: String,
        prefix: String,
        /// Lifetime of a token, in minutes.
        expires_minutes: u32,
        /// Status and body for bad credentials, a missing, bad or expired token.
        rejected: Outcome,
        doc: DocRef,
    },
    /// Session login protected by a CSRF token (Django style).
    CsrfSession {
        /// Path returning a CSRF token.
        token_path: String,
        /// Pointer to the token in that response (`/data`).
        token_pointer: String,
        /// Cookie that also carries the token.
        cookie: String,
        /// Header that carries the token on writes.
        header: String,
        /// Form field that may carry the token instead of the header.
        form_field: String,
        /// Login path (POST, form parameters).
        login_path: String,
        /// Login form parameters.
        login_params: Vec<Param>,
        /// Methods that need the CSRF token.
        protected_methods: Vec<Method>,
        doc: DocRef,
    },
}

/// A status and the error body that comes with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub status: u16,
    /// Name of an entry of `errors`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The document implies this outcome rather than stating it; cases resting on it
    /// are of severity `should`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub implied: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocRef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Patch => "PATCH",
            Method::Delete => "DELETE",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "GET" => Method::Get,
            "POST" => Method::Post,
            "PUT" => Method::Put,
            "PATCH" => Method::Patch,
            "DELETE" => Method::Delete,
            _ => return None,
        })
    }
}

/// How lists are paged: the request parameters and where the response states its
/// position. Pointers are JSON pointers into the list response body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Pagination {
    pub style: PageStyle,
    /// Parameter of the page number (page style) or of the offset (offset style).
    pub position_param: String,
    /// Parameter of the page size.
    pub size_param: String,
    /// Number of the first page (page style): 0 or 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_size: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size: Option<u32>,
    /// Pointer to the total number of items of the query.
    pub total_pointer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position_pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size_pointer: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_pages_pointer: Option<String>,
    /// Pointer to the maximum size the server allows, where the response states it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_size_pointer: Option<String>,
    /// Sorting, where the API offers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sort: Option<Sorting>,
    /// What a bad position or size value gets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bad_value: Option<Outcome>,
    /// The order of items when no sort is asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ordered_by: Option<Ordering>,
    /// The document's own rows about pagination parameters and counters, as stated.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub table: Vec<Field>,
    /// Whether the API documents a HAL `_links` object on list responses.
    #[serde(default, skip_serializing_if = "is_false")]
    pub hal_links: bool,
    pub doc: DocRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PageStyle {
    /// Page number and page size.
    Page,
    /// Item offset and page size (limit/offset, Solr start/rows).
    Offset,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Ordering {
    /// Field whose value increases along the list.
    pub field: String,
    pub doc: DocRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Sorting {
    pub param: String,
    /// Value template: `{field},{direction}`.
    pub format: String,
    pub directions: Vec<String>,
    pub doc: DocRef,
}

/// Conventions for filter parameters derived from fields marked filterable.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filtering {
    /// Parameter name template for a filterable field: `{resource}[query][{field}]`, `fq`.
    pub field_param: String,
    /// Value template: `{value}`, or `{field}:{value}` for Solr.
    #[serde(default = "default_value_template")]
    pub field_value: String,
    pub doc: DocRef,
}

fn default_value_template() -> String {
    "{value}".into()
}

/// Rules of representation that hold for every resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Representation {
    /// What happens to fields without a value.
    pub nulls: Nulls,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nulls_doc: Option<DocRef>,
    /// Content type of JSON responses.
    pub content_type: String,
    /// Response headers the document promises on every response (`X-OMERO-ApiVersion`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<Header>,
    /// Fields the server sets on every write, whatever the client sends.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub server_set: Vec<Field>,
    /// Prefix of keys holding URLs of related objects (`url:`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_prefix: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Nulls {
    /// A field may be null (the document is silent, or shows nulls).
    Allowed,
    /// Fields without a value are left out; a null never appears.
    Omitted,
    /// Each field says whether it may be null (`nullable`); the document states no
    /// rule for the API as a whole, so nothing is asserted beyond the fields.
    Declared,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Header {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The value the document shows (`0.1`): how a mock answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    pub doc: DocRef,
}

/// Where items sit in response and request bodies. Pointers may use `{name}` and
/// `{plural}`, filled from the resource.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Pointer to the item in a single-item response (`` for the body itself).
    pub single: String,
    /// Pointer to the array of items in a list response.
    pub list: String,
    /// Pointer to the item in a create/update request body.
    #[serde(default)]
    pub request: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocRef>,
}

/// An error body the API returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorBody {
    pub name: String,
    /// Statuses that carry this body.
    pub statuses: Vec<u16>,
    pub fields: Vec<Field>,
    /// The body as the API writes it, with `{message}`, `{attribute}`, `{status}`,
    /// `{reason}` (the status's reason phrase, `Not Found`), `{status_name}`
    /// (`NOT_FOUND`) and `{timestamp:%d-%m-%Y %H:%M:%S}` (now, UTC, strftime-style
    /// `%Y %m %d %H %M %S`) to fill in: how a mock answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<serde_json::Value>,
    /// Whether the document makes the body optional (`may include JSON content`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub optional: bool,
    pub doc: DocRef,
}

/// A documented rule about a status, not tied to one operation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusRule {
    pub status: u16,
    /// When the status is returned, in the document's words.
    pub when: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub doc: DocRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Resource {
    /// The document's own name: the JSON root element for bip (`plant_line`).
    pub name: String,
    /// Collection name (`plant_lines`), used in envelopes and paths.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plural: Option<String>,
    /// Heading of the resource's section in the document.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Path of the field that identifies an item (`id`, `tpn`, `@id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_field: Option<String>,
    /// Whether a write with attributes not in the table is rejected.
    #[serde(default, skip_serializing_if = "is_false")]
    pub rejects_unknown: bool,
    pub fields: Vec<Field>,
    /// Constraints between fields, stated in prose.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    pub doc: DocRef,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// Nested path: `a.b`, `a[].b` for the items of array `a`.
    pub path: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    /// Must be sent when creating.
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Required unless the named condition holds, in the document's words
    /// (`no plant_variety_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_if: Option<String>,
    /// Set by the server; a client cannot set it.
    #[serde(default, skip_serializing_if = "is_false")]
    pub readonly: bool,
    /// Accepted in requests, never returned.
    #[serde(default, skip_serializing_if = "is_false")]
    pub writeonly: bool,
    /// Can be used as a filter.
    #[serde(default, skip_serializing_if = "is_false")]
    pub filterable: bool,
    /// May be null even where the API's representation omits nulls.
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// Regular expression identifiers follow (`^TPN:[0-9]{9}$`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    #[serde(default)]
    pub description: String,
    pub doc: DocRef,
    /// Where the type was read, when not from the same place as the description (the
    /// impc_images table has no types: they come from its example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub type_doc: Option<DocRef>,
    /// Further places the document states or uses the field, after `doc` (idr: every
    /// other line the client reads it on).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<DocRef>,
}

/// One kind of item of a resource, with the field table the document gives that
/// kind. Lists and single responses of the resource may hold items of any of its
/// kinds; the resource's `fields` are the union of the kinds' tables: a row several
/// tables state alike appears once there (citing the first table), and where the
/// tables disagree only in that some type a field `Null`, the union keeps the other
/// type (a null is admitted wherever the representation allows nulls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// The kind's name: its table's heading in snake_case (`crispr_plan`).
    pub name: String,
    /// The resource this is a kind of.
    pub resource: String,
    /// The heading of the kind's table (`Crispr plan`).
    pub title: String,
    /// How an item tells its kind, where the spec knows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<Discriminator>,
    /// The kind's table, row by row, as the document states it.
    pub fields: Vec<Field>,
    pub doc: DocRef,
}

/// A field whose value tells which variant an item is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Discriminator {
    /// Path of the field (`attemptTypeName`).
    pub field: String,
    /// The values that mean this variant.
    pub values: Vec<String>,
    pub doc: DocRef,
}

/// A constraint between fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "rule", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Exactly one of the fields must be given.
    OneOf { fields: Vec<String>, doc: DocRef },
    /// The combination of the fields identifies an item.
    UniqueTogether { fields: Vec<String>, doc: DocRef },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Operation {
    /// Stable id: `{resource}/{kind}` or a descriptive slug.
    pub id: String,
    pub kind: OperationKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<String>,
    pub method: Method,
    /// Path template with `{param}` placeholders, base path included.
    pub path: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub summary: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<Param>,
    /// Outcomes the document gives for this operation.
    pub responses: Vec<Response>,
    /// Whether the operation needs credentials.
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub auth: bool,
    /// Whether the list is paged per the spec's pagination.
    #[serde(default, skip_serializing_if = "is_false")]
    pub paginated: bool,
    /// What an action sets on its item (`{published: true}` to publish).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sets: Option<serde_json::Value>,
    /// Pointer to the items in the response, when not the spec's envelope.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_pointer: Option<String>,
    /// Fields of the response body, for operations whose body is no resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_fields: Vec<Field>,
    /// Fields of the request body, for operations whose body is no resource.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub request_fields: Vec<Field>,
    pub doc: DocRef,
}

fn yes() -> bool {
    true
}

fn is_true(b: &bool) -> bool {
    *b
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum OperationKind {
    List,
    Get,
    Create,
    Update,
    Delete,
    /// A state change on one item (publish, revoke, a state-machine transition).
    Action,
    /// Change history of one item.
    History,
    /// Exchange of credentials for a token or session.
    Signin,
    /// Anything else: discovery documents, tokens, binary content.
    Other,
}

impl OperationKind {
    /// The kind as operation ids name it (`plant_lines/list`).
    pub fn as_str(self) -> &'static str {
        match self {
            OperationKind::List => "list",
            OperationKind::Get => "get",
            OperationKind::Create => "create",
            OperationKind::Update => "update",
            OperationKind::Delete => "delete",
            OperationKind::Action => "action",
            OperationKind::History => "history",
            OperationKind::Signin => "signin",
            OperationKind::Other => "other",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Param {
    pub name: String,
    #[serde(rename = "in")]
    pub location: ParamIn,
    #[serde(rename = "type")]
    pub ty: FieldType,
    #[serde(default, skip_serializing_if = "is_false")]
    pub required: bool,
    /// Values may be given as a comma-separated list (a union).
    #[serde(default, skip_serializing_if = "is_false")]
    pub list: bool,
    #[serde(default, rename = "enum", skip_serializing_if = "Vec::is_empty")]
    pub values: Vec<String>,
    /// What the parameter does, for the cases that exercise it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<ParamRole>,
    /// Field paths of the resource a filter value is matched against.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub matches: Vec<String>,
    /// For a filter on a relation the items do not carry (a parent's id): the id of
    /// an operation that lists exactly the items the filter keeps, the filter's value
    /// filling that operation's one path parameter (OMERO: `/m/datasets/?project=ID`
    /// lists what `/m/projects/{project_id}/datasets/` lists).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub same_as: Option<String>,
    /// For a shape parameter: what it moves out of each item into a list of the
    /// response (`normalize` moves `omero:details.owner` to `/experimenters`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moves: Vec<Move>,
    /// The value the document always sends (`type=map`), or a template of it filled
    /// from other parameters (`query=Well-{well_id}`). A parameter with a fixed value
    /// also tells apart operations that share a path.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A value the document's own examples send (idr: `screen_id = 102`), for
    /// cases to use where nothing in the deployment gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    #[serde(default)]
    pub description: String,
    pub doc: DocRef,
}

/// A value a shape parameter takes out of each item (`from`, a field path) and
/// gathers, once per distinct value, in a list of the response (`to`, a pointer).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Move {
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamRole {
    /// Keeps the items whose `matches` fields equal the value.
    Filter,
    /// Keeps the items where some searchable field contains the term.
    Search,
    /// Keeps only the caller's own items.
    Mine,
    /// Adds or changes what each item carries (`childCount`, `normalize`).
    Shape,
    /// Keeps only the items in no parent container (`orphaned=true`).
    Orphans,
    /// A query in the filtering template's value form (`field:value`); a wildcard
    /// on both sides (`*:*`) keeps everything.
    Query,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamIn {
    Path,
    Query,
    Form,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Response {
    pub status: u16,
    /// When, in the document's words.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub when: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// Name of an entry of `errors` for the body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The circumstance the outcome answers, for the mock to reproduce and the
    /// cases to provoke; `when` says it in the document's words.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition: Option<Condition>,
    /// The body text, where the document fixes it (`{"reason": "Resource not found"}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// The document implies this outcome rather than stating it; cases resting on it
    /// are of severity `should`.
    #[serde(default, skip_serializing_if = "is_false")]
    pub implied: bool,
    pub doc: DocRef,
}

/// A change record: the names of its fields, and the notes that say what kind of
/// change a detail is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct History {
    pub id: String,
    pub user: String,
    pub date: String,
    pub comment: String,
    /// The list of changed fields of a record.
    pub details: String,
    pub field: String,
    pub old_value: String,
    pub new_value: String,
    pub note: String,
    /// The note of a changed, an added and a deleted value.
    pub changed: String,
    pub added: String,
    pub deleted: String,
    pub doc: DocRef,
}

/// Private items: while `field` holds `hidden`, only the item's owner sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Visibility {
    pub field: String,
    pub hidden: serde_json::Value,
    /// How long after publishing an item can still be revoked or deleted; after
    /// that it is permanent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocable_days: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocable_doc: Option<DocRef>,
    pub doc: DocRef,
}

/// A state machine carried in an item: its current status, the transitions it
/// offers, and the field a write names a transition in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StateMachine {
    /// The object holding the machine (`statusTransition`).
    pub field: String,
    pub current: String,
    pub transitions: String,
    /// Within a transition: its name, whether a user may trigger it, whether it is
    /// available now, and the status it leads to.
    pub action: String,
    pub by_user: String,
    pub available: String,
    pub next: String,
    /// Where a write names the transition to execute.
    pub execute: String,
    pub doc: DocRef,
}

/// Circumstances documents give outcomes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The request is valid and the item exists.
    Ok,
    /// No item has the id.
    NotFound,
    /// A write leaves out an attribute the table marks required.
    MissingRequired,
    /// A write carries an attribute the table does not list.
    UnknownAttribute,
    /// A write sets an attribute the table marks readonly.
    ReadonlyAttribute,
    /// A write names a related item that does not exist.
    BadReference,
    /// The caller does not own the item.
    NotOwner,
    /// The item can no longer be changed (published past its revocation period).
    Irrevocable,
    /// A query parameter has a value of the wrong kind (`?limit=foo`).
    BadParameter,
    /// The body is not valid JSON or not what the operation takes.
    BadBody,
    /// The credentials are missing, wrong or expired.
    Unauthenticated,
}

/// A request or response the document shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Example {
    /// Stable id: the document place it starts at.
    pub id: String,
    pub kind: ExampleKind,
    /// The operation it illustrates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    /// Request target as shown (path and query).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    /// What the body is: a resource item, a list of one, an error body, or a field
    /// table of the operation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shape: Option<Shape>,
    /// The body exactly as the document prints it; it may not be valid JSON.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    /// Where the body starts, so places inside it can be cited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_doc: Option<DocRef>,
    pub doc: DocRef,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExampleKind {
    Request,
    Response,
    /// A body printed on its own, without the request or response it belongs to.
    Fragment,
}

/// What an example body is an instance of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Shape {
    /// One item of the resource, in its single envelope.
    Item(String),
    /// A list response of the resource.
    List(String),
    /// A create or update body of the resource.
    Write(String),
    /// An error body.
    Error(String),
    /// The body described by the operation's own field tables.
    Operation(String),
}

/// A URL template a client document defines by name (`MAP_URL = "https://…"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UrlTemplate {
    /// The name the document gives it (`MAP_URL`).
    pub name: String,
    /// The template as the document writes it, host included.
    pub url: String,
    /// Ids of the operations it stands for: one for each way the client fills the
    /// placeholders that name query parameters (`{type}={screen_id}`).
    pub operations: Vec<String>,
    pub doc: DocRef,
}

/// A value a client takes from a field of one operation's response and sends as a
/// parameter of another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Flow {
    /// The operation whose response gives the value.
    pub from: String,
    /// Path of the field in that response (`plates[].id`).
    pub field: String,
    /// The operation the value is sent to.
    pub to: String,
    /// The parameter of `to` it fills.
    pub param: String,
    /// Where the client passes the value on.
    pub doc: DocRef,
}

/// A volatile value of responses, by where it sits in a body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Redaction {
    /// JSON pointer; `*` stands for any one key or index, `**` for any number of
    /// levels (`/**/timestamp` is every `timestamp`).
    pub pointer: String,
    /// What the snapshot shows instead (`[timestamp]`).
    #[serde(default = "default_redaction")]
    pub with: String,
    /// Why the value changes.
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub doc: Option<DocRef>,
}

fn default_redaction() -> String {
    "[redacted]".into()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// The lint's code (`duplicate-field`, `example-not-json`…).
    pub lint: String,
    /// The place the contradiction is reported at.
    pub at: DocRef,
    pub reason: String,
}

impl Spec {
    pub fn resource(&self, name: &str) -> Option<&Resource> {
        self.resources.iter().find(|r| r.name == name)
    }

    pub fn error(&self, name: &str) -> Option<&ErrorBody> {
        self.errors.iter().find(|e| e.name == name)
    }

    pub fn operation(&self, id: &str) -> Option<&Operation> {
        self.operations.iter().find(|o| o.id == id)
    }

    /// The first operation of kind `kind` on resource `resource`, in document order.
    pub fn operation_of(&self, resource: &str, kind: OperationKind) -> Option<&Operation> {
        self.operations
            .iter()
            .find(|o| o.kind == kind && o.resource.as_deref() == Some(resource))
    }
}

impl Field {
    /// A field as a table states it: its path, type, description and place, no flags.
    pub fn new(path: &str, ty: FieldType, description: &str, doc: DocRef) -> Self {
        Field {
            path: path.to_string(),
            ty,
            required: false,
            required_if: None,
            readonly: false,
            writeonly: false,
            filterable: false,
            nullable: false,
            values: Vec::new(),
            pattern: None,
            description: description.to_string(),
            doc,
            type_doc: None,
            also: Vec::new(),
        }
    }

    /// The document calls the field's value unique ("Unique name of this Plant
    /// Line"): two records may not share it, so a client must choose a new one
    /// for every record it creates.
    pub fn unique(&self) -> bool {
        self.description
            .trim_start()
            .get(..6)
            .is_some_and(|w| w.eq_ignore_ascii_case("unique"))
    }
}

impl Resource {
    pub fn plural(&self) -> &str {
        self.plural.as_deref().unwrap_or(&self.name)
    }

    pub fn field(&self, path: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.path == path)
    }

    /// Fill `{name}` and `{plural}` of an envelope pointer.
    pub fn pointer(&self, template: &str) -> String {
        template
            .replace("{name}", &self.name)
            .replace("{plural}", self.plural())
    }
}
