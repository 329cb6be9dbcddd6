//! Faults written blind: from the reference documents alone, by someone who has
//! not read the checks, each the way a real deployment of one API could break one
//! documented rule (often only on a later page, for some items, some filter values,
//! one direction or one kind of error). They are kept apart from the faults written
//! with the checks (`super::faults`), so that catching them means something.
//!
//! Mechanism: a layer in front of the clean mock. Each request passes through the
//! faults that are switched on, in order; a fault may rewrite the request, ask the
//! layers below (and at the bottom the clean mock) several times, and rewrite the
//! answer. A fault acts only in the mock of the API it was written for, and is
//! deterministic.

mod bip;
mod gentar;
mod idr;
mod impc_images;
mod omero;

use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::Value;

use super::routes::{self, Found, Params};
use super::serve;
use crate::spec::{Operation, Spec};

/// The faults written blind from the documents, one API each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Blind {
    BipPerPageCappedAt100,
    BipLaterPagesSkipFirst,
    BipFilterIgnoresCase,
    BipSearchIgnoresPage,
    BipFilteredTotalIsPageLength,
    BipOnlyMineIgnoredWithPage,
    BipIdFilterIgnored,
    BipSingleDatesDayFirst,
    BipSingleIdsDropLast,
    BipCreateDropsComments,
    BipBadReferenceErrorKeyed,
    BipGetByIdWithoutKey,
    BipNotOwnerDelete403,
    GentarSortDescIgnored,
    GentarFilterNamesIgnoreCase,
    GentarCommaListFirstOnly,
    GentarSelfLinkDropsFilters,
    GentarTotalPagesRoundedDown,
    GentarPageNumberOneBased,
    GentarHistorySkipsNestedFields,
    GentarHistoryDateDayFirst,
    GentarNestedRoutesTrustAnyToken,
    GentarSigninErrorSpringShape,
    GentarNestedListLeaksNextPlan,
    GentarUpdateLosesComment,
    OmeroLimitOverMaxEchoed,
    OmeroLaterPageTotalCount,
    OmeroChildCountZeroDownList,
    OmeroParentFilterLostWithOffset,
    OmeroNormalizePartial,
    OmeroErrorsWithoutVersionHeader,
    OmeroBadOffset500,
    OmeroDeleteNoBody,
    OmeroDeleteSkipsCsrf,
    IdrPlateChildCountText,
    IdrLastWellEmptyObject,
    IdrImageMapValuesObject,
    IdrThumbUrlJson,
    IdrFileAnnotationIdNested,
    IdrMaprScreenIdText,
    ImpcFilterIgnoresCase,
    ImpcNumFoundCountsToPageEnd,
    ImpcStartIgnoredWithFilter,
    ImpcSingleValuesUnwrapped,
    ImpcNumbersAsTextDownPage,
    ImpcDatesDayFirst,
}

/// What a blind fault is: its name, the API whose mock it breaks, what it does,
/// and the place of the document whose rule it breaks.
pub struct Info {
    pub name: &'static str,
    pub api: &'static str,
    pub describe: &'static str,
    pub doc: &'static str,
}

const fn info(
    name: &'static str,
    api: &'static str,
    describe: &'static str,
    doc: &'static str,
) -> Info {
    Info {
        name,
        api,
        describe,
        doc,
    }
}

impl Blind {
    pub const ALL: &'static [Blind] = &[
        Blind::BipPerPageCappedAt100,
        Blind::BipLaterPagesSkipFirst,
        Blind::BipFilterIgnoresCase,
        Blind::BipSearchIgnoresPage,
        Blind::BipFilteredTotalIsPageLength,
        Blind::BipOnlyMineIgnoredWithPage,
        Blind::BipIdFilterIgnored,
        Blind::BipSingleDatesDayFirst,
        Blind::BipSingleIdsDropLast,
        Blind::BipCreateDropsComments,
        Blind::BipBadReferenceErrorKeyed,
        Blind::BipGetByIdWithoutKey,
        Blind::BipNotOwnerDelete403,
        Blind::GentarSortDescIgnored,
        Blind::GentarFilterNamesIgnoreCase,
        Blind::GentarCommaListFirstOnly,
        Blind::GentarSelfLinkDropsFilters,
        Blind::GentarTotalPagesRoundedDown,
        Blind::GentarPageNumberOneBased,
        Blind::GentarHistorySkipsNestedFields,
        Blind::GentarHistoryDateDayFirst,
        Blind::GentarNestedRoutesTrustAnyToken,
        Blind::GentarSigninErrorSpringShape,
        Blind::GentarNestedListLeaksNextPlan,
        Blind::GentarUpdateLosesComment,
        Blind::OmeroLimitOverMaxEchoed,
        Blind::OmeroLaterPageTotalCount,
        Blind::OmeroChildCountZeroDownList,
        Blind::OmeroParentFilterLostWithOffset,
        Blind::OmeroNormalizePartial,
        Blind::OmeroErrorsWithoutVersionHeader,
        Blind::OmeroBadOffset500,
        Blind::OmeroDeleteNoBody,
        Blind::OmeroDeleteSkipsCsrf,
        Blind::IdrPlateChildCountText,
        Blind::IdrLastWellEmptyObject,
        Blind::IdrImageMapValuesObject,
        Blind::IdrThumbUrlJson,
        Blind::IdrFileAnnotationIdNested,
        Blind::IdrMaprScreenIdText,
        Blind::ImpcFilterIgnoresCase,
        Blind::ImpcNumFoundCountsToPageEnd,
        Blind::ImpcStartIgnoredWithFilter,
        Blind::ImpcSingleValuesUnwrapped,
        Blind::ImpcNumbersAsTextDownPage,
        Blind::ImpcDatesDayFirst,
    ];

    pub fn info(self) -> Info {
        use Blind::*;
        match self {
            BipPerPageCappedAt100 => info(
                "bip-per-page-capped-at-100",
                "bip",
                "lists serve at most 100 items a page (meta.per_page says 100), not the documented maximum of 200",
                "bip.txt:75",
            ),
            BipLaterPagesSkipFirst => info(
                "bip-later-pages-skip-first",
                "bip",
                "from page 2 on, each page starts one record late: the first record of every later page is never served",
                "bip.txt:74",
            ),
            BipFilterIgnoresCase => info(
                "bip-filter-ignores-case",
                "bip",
                "RESOURCE[query][ATTRIBUTE] filters match values ignoring case, so `WINFRED` also returns `Winfred`",
                "bip.txt:104",
            ),
            BipSearchIgnoresPage => info(
                "bip-search-ignores-page",
                "bip",
                "a RESOURCE[fetch] search always serves its first page, though meta.page echoes the page asked for",
                "bip.txt:142",
            ),
            BipFilteredTotalIsPageLength => info(
                "bip-filtered-total-is-page-length",
                "bip",
                "with a [query] filter or a [fetch] search, meta.total_count is the number of items on the page, not of all matches",
                "bip.txt:139",
            ),
            BipOnlyMineIgnoredWithPage => info(
                "bip-only-mine-ignored-with-page",
                "bip",
                "only_mine=true is ignored when a page parameter is also given: everyone's records come back",
                "bip.txt:116",
            ),
            BipIdFilterIgnored => info(
                "bip-id-filter-ignored",
                "bip",
                "the RESOURCE[query][id] filter is ignored (every other attribute filters): traversing by id gets every record",
                "bip.txt:169",
            ),
            BipSingleDatesDayFirst => info(
                "bip-single-dates-day-first",
                "bip",
                "a record fetched by id serves its dates as DD/MM/YYYY (lists keep YYYY-MM-DD)",
                "bip.txt:227",
            ),
            BipSingleIdsDropLast => info(
                "bip-single-ids-drop-last",
                "bip",
                "a record fetched by id lists one related id too few in each *_ids array of two or more (lists are complete)",
                "bip.txt:157",
            ),
            BipCreateDropsComments => info(
                "bip-create-drops-comments",
                "bip",
                "a create stores the record without its `comments` (the 201 still echoes them; later reads lack them)",
                "bip.txt:277",
            ),
            BipBadReferenceErrorKeyed => info(
                "bip-bad-reference-error-keyed",
                "bip",
                "the 422 for a related id that does not exist has `errors` keyed by attribute ({attr: [message]}), not the documented array",
                "bip.txt:258",
            ),
            BipGetByIdWithoutKey => info(
                "bip-get-by-id-without-key",
                "bip",
                "fetching one record by id needs no X-BIP-Api-Key (lists and writes still refuse requests without it)",
                "bip.txt:5",
            ),
            BipNotOwnerDelete403 => info(
                "bip-not-owner-delete-403",
                "bip",
                "deleting a record of another user answers 403 instead of the documented 401 (owner mismatch)",
                "bip.txt:335",
            ),
            GentarSortDescIgnored => info(
                "gentar-sort-desc-ignored",
                "gentar",
                "sort=FIELD,DESC is served in ascending order (ASC works)",
                "gentar.txt:60",
            ),
            GentarFilterNamesIgnoreCase => info(
                "gentar-filter-names-ignore-case",
                "gentar",
                "filter names are matched ignoring case (`TPN=` filters like `tpn=`), though the document says they are case sensitive",
                "gentar.txt:944",
            ),
            GentarCommaListFirstOnly => info(
                "gentar-comma-list-first-only",
                "gentar",
                "a comma-separated filter value filters by its first value only",
                "gentar.txt:946",
            ),
            GentarSelfLinkDropsFilters => info(
                "gentar-self-link-drops-filters",
                "gentar",
                "the self link of a filtered list keeps page, size and sort but drops the filters",
                "gentar.txt:4588",
            ),
            GentarTotalPagesRoundedDown => info(
                "gentar-total-pages-rounded-down",
                "gentar",
                "page.totalPages is totalElements / size rounded down, one short when the last page is partial",
                "gentar.txt:1382",
            ),
            GentarPageNumberOneBased => info(
                "gentar-page-number-one-based",
                "gentar",
                "page.number counts from 1 when a page is asked for (page=1 reports number 2); the default page reports 0",
                "gentar.txt:44",
            ),
            GentarHistorySkipsNestedFields => info(
                "gentar-history-skips-nested-fields",
                "gentar",
                "change records leave out the details of nested fields (`summaryStatus.name`, `crisprAttempt.comment`)",
                "gentar.txt:1926",
            ),
            GentarHistoryDateDayFirst => info(
                "gentar-history-date-day-first",
                "gentar",
                "change records are dated `dd-MM-yyyy HH:mm:ss` (the error timestamps' format), not ISO 8601 as the examples",
                "gentar.txt:4621",
            ),
            GentarNestedRoutesTrustAnyToken => info(
                "gentar-nested-routes-trust-any-token",
                "gentar",
                "routes below a plan (/api/plans/PIN/...) accept any bearer token, forged or expired; top-level routes still check",
                "gentar.txt:72",
            ),
            GentarSigninErrorSpringShape => info(
                "gentar-signin-error-spring-shape",
                "gentar",
                "a refused sign-in answers Spring's default error body {timestamp, status, error, message, path}, not `apierror`",
                "gentar.txt:163",
            ),
            GentarNestedListLeaksNextPlan => info(
                "gentar-nested-list-leaks-next-plan",
                "gentar",
                "a plan's outcomes (and phenotyping stages) also list those of the next plan",
                "gentar.txt:5427",
            ),
            GentarUpdateLosesComment => info(
                "gentar-update-loses-comment",
                "gentar",
                "a PUT of a plan or project keeps the old `comment` whatever the body says, and records no change of it",
                "gentar.txt:4819",
            ),
            OmeroLimitOverMaxEchoed => info(
                "omero-limit-over-max-echoed",
                "omero",
                "a limit above maxLimit is capped, but meta.limit reports the limit asked for",
                "omero.txt:1:2950 (Pagination)",
            ),
            OmeroLaterPageTotalCount => info(
                "omero-later-page-total-count",
                "omero",
                "with an offset, meta.totalCount counts only the objects from the offset on",
                "omero.txt:1:2857 (Pagination)",
            ),
            OmeroChildCountZeroDownList => info(
                "omero-child-count-zero-down-list",
                "omero",
                "with childCount=true, containers from the fourth on in a page report omero:childCount 0",
                "omero.txt:1:5139 (Child counts)",
            ),
            OmeroParentFilterLostWithOffset => info(
                "omero-parent-filter-lost-with-offset",
                "omero",
                "a parent filter (?project=, ?dataset=, ?screen=, ?plate=, ?image=) is dropped when an offset is given",
                "omero.txt:1:13530 (List Datasets)",
            ),
            OmeroNormalizePartial => info(
                "omero-normalize-partial",
                "omero",
                "normalize=true leaves the owner nested in omero:details of the objects from the third on",
                "omero.txt:1:4424 (Normalizing Experimenters and Groups)",
            ),
            OmeroErrorsWithoutVersionHeader => info(
                "omero-errors-without-version-header",
                "omero",
                "error responses (4xx, 5xx) come without the X-OMERO-ApiVersion header",
                "omero.txt:1:1212 (Versioning)",
            ),
            OmeroBadOffset500 => info(
                "omero-bad-offset-500",
                "omero",
                "?offset=foo is an unhandled exception (500 with a stacktrace); ?limit=foo still gets 400",
                "omero.txt:1:6076 (Error handling)",
            ),
            OmeroDeleteNoBody => info(
                "omero-delete-no-body",
                "omero",
                "DELETE answers 204 without a body instead of returning the deleted object",
                "omero.txt:1:29712 (Deleting objects)",
            ),
            OmeroDeleteSkipsCsrf => info(
                "omero-delete-skips-csrf",
                "omero",
                "DELETE does not need the CSRF token (POST and PUT still do)",
                "omero.txt:1:8154 (Get CSRF token)",
            ),
            IdrPlateChildCountText => info(
                "idr-plate-child-count-text",
                "idr",
                "the plates of a screen give childCount as a string",
                "idr.txt:53",
            ),
            IdrLastWellEmptyObject => info(
                "idr-last-well-empty-object",
                "idr",
                "the plate grid serves the last well of each row as `{}`: neither null nor a cell with wellId, id, thumb_url, field",
                "idr.txt:66",
            ),
            IdrImageMapValuesObject => info(
                "idr-image-map-values-object",
                "idr",
                "an image's map annotations give `values` as an object {key: value}, not [key, value] pairs (a screen's are right)",
                "idr.txt:92",
            ),
            IdrThumbUrlJson => info(
                "idr-thumb-url-json",
                "idr",
                "the thumb_url of the plate grid answers 200 with a JSON error body instead of an image",
                "idr.txt:103",
            ),
            IdrFileAnnotationIdNested => info(
                "idr-file-annotation-id-nested",
                "idr",
                "file annotations carry their id only under `file` ({file: {id}}), not as `id`",
                "idr.txt:133",
            ),
            IdrMaprScreenIdText => info(
                "idr-mapr-screen-id-text",
                "idr",
                "the screens annotated with a gene give their id as a string",
                "idr.txt:147",
            ),
            ImpcFilterIgnoresCase => info(
                "impc-filter-ignores-case",
                "impc_images",
                "fq=FIELD:VALUE matches values ignoring case (`sex:\"male\"` finds `Male`)",
                "impc_images.txt:345",
            ),
            ImpcNumFoundCountsToPageEnd => info(
                "impc-numfound-counts-to-page-end",
                "impc_images",
                "when rows is given, numFound counts the documents up to the end of the page, not all that match",
                "impc_images.txt:327",
            ),
            ImpcStartIgnoredWithFilter => info(
                "impc-start-ignored-with-filter",
                "impc_images",
                "with an fq filter, start is ignored (the first documents are served) though response.start echoes it",
                "impc_images.txt:327",
            ),
            ImpcSingleValuesUnwrapped => info(
                "impc-single-values-unwrapped",
                "impc_images",
                "multi-valued fields holding one value are served as a bare value, not a one-element array",
                "impc_images.txt:390",
            ),
            ImpcNumbersAsTextDownPage => info(
                "impc-numbers-as-text-down-page",
                "impc_images",
                "numeric fields of every document after the first on a page are served as strings (\"20.5\")",
                "impc_images.txt:382",
            ),
            ImpcDatesDayFirst => info(
                "impc-dates-day-first",
                "impc_images",
                "dates are served as DD/MM/YYYY instead of the example's YYYY-MM-DD",
                "impc_images.txt:355",
            ),
        }
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }

    /// The spec name of the API whose mock it breaks.
    pub fn api(self) -> &'static str {
        self.info().api
    }

    pub fn describe(self) -> &'static str {
        self.info().describe
    }

    /// The document place whose rule it breaks.
    pub fn doc(self) -> &'static str {
        self.info().doc
    }

    pub fn from_name(name: &str) -> Option<Blind> {
        Blind::ALL.iter().copied().find(|b| b.name() == name)
    }
}

impl std::fmt::Display for Blind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A fault named on the command line: one written with the checks, or one written
/// blind from the documents.
#[derive(Debug, Clone, Copy)]
pub enum FaultName {
    Written(super::Fault),
    Blind(Blind),
}

impl FaultName {
    /// The written faults and the blind ones, in the order given, each once.
    pub fn split(names: &[FaultName]) -> (Vec<super::Fault>, Vec<Blind>) {
        let mut written = Vec::new();
        let mut blind = Vec::new();
        for n in names {
            match n {
                FaultName::Written(f) => written.push(*f),
                FaultName::Blind(b) if !blind.contains(b) => blind.push(*b),
                FaultName::Blind(_) => {}
            }
        }
        (written, blind)
    }
}

impl FromStr for FaultName {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let written = match s.parse::<super::Fault>() {
            Ok(f) => return Ok(FaultName::Written(f)),
            Err(e) => e,
        };
        if let Some(b) = Blind::from_name(s) {
            return Ok(FaultName::Blind(b));
        }
        let close = Blind::ALL
            .iter()
            .map(|b| (crate::error::edit_distance(s, b.name()), b.name()))
            .filter(|(d, _)| *d <= 2)
            .min();
        Err(match close {
            Some((_, name)) if !written.contains("did you mean") => format!(
                "unknown fault `{s}`: did you mean `{name}`? (`assay mock --list-faults` lists every fault)"
            ),
            // The message already points to the list, which holds both kinds.
            _ if written.contains("--list-faults") => written,
            _ => format!(
                "{written} (`assay mock --list-faults` lists the faults written blind from the documents too)"
            ),
        })
    }
}

/// The credentials the mock accepts, for faults that let a request in.
#[derive(Debug, Clone)]
pub struct Creds {
    pub api_key: String,
    pub username: String,
    pub password: String,
}

/// The blind faults switched on in one mock, in front of its clean handler.
pub struct Layer {
    state: Arc<serve::State>,
    faults: Vec<Blind>,
    creds: Creds,
}

/// The router of a mock whose answers pass through blind faults.
pub fn router(state: Arc<serve::State>, faults: Vec<Blind>, creds: Creds) -> axum::Router {
    let layer = Arc::new(Layer {
        state,
        faults,
        creds,
    });
    axum::Router::new().fallback(handle).with_state(layer)
}

async fn handle(
    axum::extract::State(layer): axum::extract::State<Arc<Layer>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Exchange {
        method,
        uri,
        headers,
        body,
    };
    let next = Next {
        layer: &layer,
        rest: &layer.faults,
    };
    next.call(req).await.into_response()
}

/// One request, owned, so a fault can change it or send variants of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Exchange {
    pub fn path(&self) -> &str {
        self.uri.path()
    }

    /// The path and query as sent (`/api/projects?tpn=X`).
    pub fn target(&self) -> String {
        self.uri
            .path_and_query()
            .map_or_else(|| self.path().to_string(), |pq| pq.as_str().to_string())
    }

    /// The query parameters, decoded, in order.
    pub fn query(&self) -> Vec<(String, String)> {
        self.uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default()
    }

    /// The first value of a query parameter.
    pub fn param(&self, name: &str) -> Option<String> {
        self.query()
            .into_iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// The same request with another query.
    pub fn with_query(&self, pairs: &[(String, String)]) -> Exchange {
        let mut out = self.clone();
        let mut target = self.path().to_string();
        if !pairs.is_empty() {
            let q = form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs)
                .finish();
            target.push('?');
            target.push_str(&q);
        }
        if let Ok(uri) = target.parse() {
            out.uri = uri;
        }
        out
    }

    /// The same request with its query changed by `edit`.
    pub fn edit_query(&self, edit: impl FnOnce(&mut Vec<(String, String)>)) -> Exchange {
        let mut q = self.query();
        edit(&mut q);
        self.with_query(&q)
    }

    /// The same request with one query parameter set (added at the end if absent).
    pub fn with_param(&self, name: &str, value: &str) -> Exchange {
        self.edit_query(|q| match q.iter_mut().find(|(k, _)| k == name) {
            Some(pair) => pair.1 = value.to_string(),
            None => q.push((name.to_string(), value.to_string())),
        })
    }

    /// A request for another target (path and query), same method, headers and body.
    pub fn to(&self, target: &str) -> Exchange {
        let mut out = self.clone();
        if let Ok(uri) = target.parse() {
            out.uri = uri;
        }
        out
    }

    /// A GET of `target` with the same headers (credentials) and no body.
    pub fn get(&self, target: &str) -> Exchange {
        let mut out = self.to(target);
        out.method = Method::GET;
        out.body = Bytes::new();
        out.headers.remove(header::CONTENT_TYPE);
        out.headers.remove(header::CONTENT_LENGTH);
        out
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// The same request with a JSON body.
    pub fn with_json(&self, v: &Value) -> Exchange {
        let mut out = self.clone();
        out.body = Bytes::from(serde_json::to_vec(v).expect("JSON values serialize"));
        out.headers.remove(header::CONTENT_LENGTH);
        out
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The same request with a header set.
    pub fn with_header(&self, name: &str, value: &str) -> Exchange {
        let mut out = self.clone();
        if let (Ok(n), Ok(v)) = (
            header::HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            out.headers.insert(n, v);
        }
        out
    }
}

/// One answer, its body read whole.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    async fn read(r: Response) -> Answer {
        let (parts, body) = r.into_parts();
        let body = axum::body::to_bytes(body, usize::MAX)
            .await
            .unwrap_or_default();
        Answer {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    fn into_response(self) -> Response {
        let mut r = Response::new(Body::from(self.body));
        *r.status_mut() = self.status;
        *r.headers_mut() = self.headers;
        r
    }

    pub fn status(&self) -> u16 {
        self.status.as_u16()
    }

    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }

    /// Replaces the body with a JSON value (the content type stays).
    pub fn set_json(&mut self, v: &Value) {
        self.body = Bytes::from(serde_json::to_vec(v).expect("JSON values serialize"));
        self.headers.remove(header::CONTENT_LENGTH);
    }

    /// Changes a JSON body in place; a body that is not JSON is left alone.
    pub fn edit(&mut self, f: impl FnOnce(&mut Value)) {
        if let Some(mut v) = self.json() {
            f(&mut v);
            self.set_json(&v);
        }
    }

    /// A JSON answer built from scratch.
    pub fn json_with(status: u16, content_type: &str, v: &Value) -> Answer {
        let mut headers = HeaderMap::new();
        if let Ok(t) = HeaderValue::from_str(content_type) {
            headers.insert(header::CONTENT_TYPE, t);
        }
        let mut a = Answer {
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            headers,
            body: Bytes::new(),
        };
        a.set_json(v);
        a
    }
}

/// The layers below a fault: the faults after it, then the clean mock.
pub struct Next<'a> {
    layer: &'a Layer,
    rest: &'a [Blind],
}

impl<'a> Next<'a> {
    /// Sends a request on, through the faults below, to the clean mock.
    pub fn call(&self, req: Exchange) -> Pin<Box<dyn Future<Output = Answer> + Send + 'a>> {
        let (layer, rest) = (self.layer, self.rest);
        Box::pin(async move {
            match rest.split_first() {
                None => layer.clean(req).await,
                Some((f, rest)) => {
                    let next = Next { layer, rest };
                    dispatch(*f, &next, req).await
                }
            }
        })
    }

    /// Asks the clean mock directly, past every other blind fault.
    pub async fn clean(&self, req: Exchange) -> Answer {
        self.layer.clean(req).await
    }

    pub fn spec(&self) -> &Spec {
        &self.layer.state.spec
    }

    pub fn creds(&self) -> &Creds {
        &self.layer.creds
    }

    /// The operation a request is routed to, with its path parameters.
    pub fn operation(&self, req: &Exchange) -> Option<(&Operation, Params)> {
        let method = crate::spec::Method::parse(req.method.as_str())?;
        let spec = self.spec();
        match routes::find(
            spec,
            &self.layer.state.routes,
            method,
            req.path(),
            &req.query(),
        ) {
            Found::Operation(op, params) => Some((&spec.operations[op], params)),
            _ => None,
        }
    }

    /// The pointer to a list operation's items in its response.
    pub fn items_pointer(&self, op: &Operation) -> Option<String> {
        if let Some(p) = &op.items_pointer {
            return Some(p.clone());
        }
        let spec = self.spec();
        let r = spec.resource(op.resource.as_deref()?)?;
        Some(r.pointer(&spec.envelope.list))
    }
}

impl Layer {
    async fn clean(&self, req: Exchange) -> Answer {
        let r = serve::handle(
            axum::extract::State(self.state.clone()),
            req.method,
            req.uri,
            req.headers,
            req.body,
        )
        .await;
        Answer::read(r).await
    }
}

async fn dispatch(f: Blind, next: &Next<'_>, req: Exchange) -> Answer {
    match f.api() {
        "bip" => bip::apply(f, next, req).await,
        "gentar" => gentar::apply(f, next, req).await,
        "omero" => omero::apply(f, next, req).await,
        "idr" => idr::apply(f, next, req).await,
        "impc_images" => impc_images::apply(f, next, req).await,
        _ => next.call(req).await,
    }
}

/// The items array at a pointer of a body.
fn items_mut<'v>(body: &'v mut Value, pointer: &str) -> Option<&'v mut Vec<Value>> {
    body.pointer_mut(pointer).and_then(Value::as_array_mut)
}

/// `2015-07-18` as `18/07/2015`; `None` for anything that is not such a date.
fn day_first(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| b[r].iter().all(u8::is_ascii_digit);
    (b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10))
        .then(|| format!("{}/{}/{}", &s[8..10], &s[5..7], &s[0..4]))
}

/// A non-negative integer parameter value.
fn number(v: Option<&str>) -> Option<u64> {
    v?.trim().parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_registered() {
        let mut names: Vec<&str> = Blind::ALL.iter().map(|b| b.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Blind::ALL.len());
        for b in Blind::ALL {
            assert_eq!(Blind::from_name(b.name()), Some(*b));
            assert!(b.doc().starts_with(b.api()), "{b}: {}", b.doc());
        }
    }

    #[test]
    fn dates_turn_day_first() {
        assert_eq!(day_first("2015-07-18").as_deref(), Some("18/07/2015"));
        assert_eq!(day_first("2015-07-18T00:00:00"), None);
        assert_eq!(day_first("date_of_birth 2"), None);
    }

    #[test]
    fn distance_counts_edits() {
        assert_eq!(crate::error::edit_distance("kitten", "sitting"), 3);
        assert_eq!(crate::error::edit_distance("abc", "abc"), 0);
    }
}
