//! Request handling: authenticate, authorize, route by parsing the Kubernetes path, run the
//! verb against the store, render the answer (JSON object, list, Table, watch stream,
//! discovery), and record the exchange in the journal.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Frame, Incoming};
use hyper::header::{ACCEPT, CONTENT_TYPE, HeaderValue, USER_AGENT};
use hyper::{HeaderMap, Method, Request, Response};
use serde_json::{Map, Value, json};
use tokio::sync::{broadcast, mpsc};

use crate::api::discovery;
use crate::api::registry::{self, DeleteReturns, ResourceDef, Storage};
use crate::api::status::Status;
use crate::authn::identity::UserInfo;
use crate::authn::{AuthenticatorChain, AuthnRequest, ChainResult};
use crate::authz::{Authorizer, Decision};
use crate::hooks::{
    ImpersonationRequest, Impersonator, NonResourceHandler, VirtualRequest, VirtualResource,
    WriteAdmission,
};
use crate::http::background;
use crate::http::connection::ConnControl;
use crate::http::journal::{self, Journal, JournalEntry};
use crate::http::list_answer;
use crate::http::query::Query;
use crate::http::request_info::RequestInfo;
use crate::store::selectors::{FieldSelector, LabelSelector};
use crate::store::{DeleteOptions, ListOptions, Store, WatchEvent, WriteOptions};
use crate::stubs::{Fault, Outcome, Stage, StubRequest, StubSet};

/// The response body type: a full buffer or a stream (watch).
pub(crate) type Body = BoxBody<Bytes, Infallible>;

/// Request bodies larger than this are refused (kube's limit is 3 MiB).
const MAX_BODY: usize = 3 * 1024 * 1024;

/// How much of a refused body is still read (and dropped) so the client, still sending,
/// gets to read the 413 instead of a reset connection.
const MAX_DRAIN: usize = 64 * 1024 * 1024;

/// How long a watch without `timeoutSeconds` stays open.
const DEFAULT_WATCH_TIMEOUT: Duration = Duration::from_secs(1800);

/// Everything a request handler needs.
pub(crate) struct State {
    pub store: Arc<Store>,
    pub authn: AuthenticatorChain,
    pub authz: Arc<dyn Authorizer>,
    pub journal: Journal,
    pub version: Value,
    pub virtuals: Vec<(String, String, Arc<dyn VirtualResource>)>,
    pub non_resource: Vec<(String, Arc<dyn NonResourceHandler>)>,
    pub impersonator: Option<Arc<dyn Impersonator>>,
    pub admission: Vec<Arc<dyn WriteAdmission>>,
    pub server_address: String,
    pub stubs: Arc<StubSet>,
}

/// An answer before it becomes an HTTP response.
struct Reply {
    status: u16,
    content_type: String,
    body: Body,
    warnings: Vec<String>,
    headers: Vec<(String, String)>,
    /// A stub's fault: the connection is broken instead of (or after the head of) this answer.
    fault: Option<Fault>,
    /// The body of an answer the API serializer writes (objects, lists, Tables, Status,
    /// discovery), which `?pretty=true` or a curl User-Agent gets indented.
    negotiated_json: Option<Bytes>,
}

impl Reply {
    fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type: content_type.to_string(),
            body: Full::new(Bytes::from(body)).boxed(),
            warnings: Vec::new(),
            headers: Vec::new(),
            fault: None,
            negotiated_json: None,
        }
    }

    fn negotiated(status: u16, body: Vec<u8>) -> Reply {
        let body = Bytes::from(body);
        let mut r = Reply::bytes(status, "application/json", Vec::new());
        r.body = Full::new(body.clone()).boxed();
        r.negotiated_json = Some(body);
        r
    }

    /// Compact, HTML-escaped, newline-terminated: Go's `json.Encoder` as the apiserver uses it.
    fn json(status: u16, v: &Value) -> Reply {
        Reply::negotiated(status, crate::api::status::encode_json(v))
    }

    fn status(s: &Status) -> Reply {
        Reply::negotiated(s.code(), s.to_json())
    }

    /// A JSON answer written as the connection takes it (no `Content-Length`).
    fn streamed(body: list_answer::Streamed) -> Reply {
        let mut r = Reply::bytes(200, "application/json", Vec::new());
        r.body = body.boxed();
        r
    }

    fn text(status: u16, text: &str) -> Reply {
        Reply::bytes(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    fn page_not_found() -> Reply {
        Reply::text(404, "404 page not found\n")
    }
}

impl From<Status> for Reply {
    fn from(s: Status) -> Reply {
        Reply::status(&s)
    }
}

/// What a request handler sees.
struct Ctx<'a> {
    state: &'a State,
    method: &'a Method,
    headers: &'a HeaderMap,
    body: &'a Bytes,
    query: Query,
    query_raw: &'a str,
    user: &'a UserInfo,
    info: RequestInfo,
    /// The decoded body, kept for the journal.
    decoded: Option<Value>,
    /// Authenticated by the admin client certificate (the stub admin API requires it).
    cert_admin: bool,
}

/// Handles one request end to end.
pub(crate) async fn handle(
    state: Arc<State>,
    req: Request<Incoming>,
    cert_user: Option<Arc<UserInfo>>,
    conn: Arc<ConnControl>,
) -> Response<Body> {
    let start = Instant::now();
    let time = SystemTime::now();
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().to_string();
    let raw_query = parts.uri.query().unwrap_or("").to_string();
    let (user, decoded, mut reply) =
        match authenticate_request(&state, &parts, body, cert_user.as_deref()).await {
            Err((user, reply)) => (user, None, reply),
            Ok((user, authn_warnings, body)) => {
                let mut ctx = Ctx {
                    state: &state,
                    method: &parts.method,
                    headers: &parts.headers,
                    body: &body,
                    query: Query::parse(&raw_query),
                    query_raw: &raw_query,
                    user: &user,
                    info: RequestInfo::parse(parts.method.as_str(), &path, &raw_query),
                    decoded: None,
                    cert_admin: cert_user
                        .as_deref()
                        .is_some_and(|u| u.in_group(crate::ADMIN_GROUP)),
                };
                let mut reply = route(&mut ctx).await;
                reply.warnings.splice(0..0, authn_warnings);
                let decoded = ctx.decoded.take().or_else(|| raw_body_for_journal(&body));
                (user, decoded, reply)
            }
        };
    let fault = reply.fault.take();
    let response = finish(
        &state, &parts, &path, &raw_query, decoded, user, reply, start, time,
    );
    match fault {
        None => response,
        Some(f) => crate::stubs::faults::deliver(f, &conn, parts.version, response).await,
    }
}

/// The answer of the stubs of `stage` to `req`, if one answers it (a pass-through after its
/// delay is `None`: the request goes on).
async fn stub_reply(state: &State, stage: Stage, req: StubRequest) -> Option<Reply> {
    stub_turn(state, stage, req).await?.ok()
}

/// The stubs' turn: `Ok(answer)` ends the request here, `Err(fault)` lets it go on (a
/// pass-through), to be broken by `fault` once it has been carried out.
async fn stub_turn(
    state: &State,
    stage: Stage,
    req: StubRequest,
) -> Option<Result<Reply, Option<Fault>>> {
    Some(Ok(
        match crate::stubs::intercept(&state.stubs, stage, &req).await? {
            Outcome::PassThrough => return Some(Err(None)),
            Outcome::PassThroughThen(f) => return Some(Err(Some(f))),
            Outcome::Answer(a) => {
                let mut r = Reply::bytes(a.status, &a.content_type, Vec::new());
                r.body = a.body;
                r.headers = a.headers;
                r
            }
            Outcome::Fault(f) => {
                let mut r = Reply::bytes(
                    crate::stubs::faults::journal_status(f),
                    "application/json",
                    Vec::new(),
                );
                r.fault = Some(f);
                r
            }
        },
    ))
}

/// Reads the body, authenticates and applies `Impersonate-*`: the user the request acts as, the
/// authenticators' warnings and the body; or the user so far and the answer that ends the
/// request here (413, 401, or a refused impersonation).
async fn authenticate_request(
    state: &State,
    parts: &hyper::http::request::Parts,
    body: Incoming,
    cert_user: Option<&UserInfo>,
) -> Result<(UserInfo, Vec<String>, Bytes), (UserInfo, Reply)> {
    let body = match read_body(body).await {
        Ok(b) => b,
        Err(s) => return Err((UserInfo::default(), Reply::status(&s))),
    };
    // The admin API is never stubbed, so a catch-all stub cannot lock a test out of it.
    if state.stubs.is_active() && !parts.uri.path().starts_with("/__admin/") {
        let (method, path, query) = (parts.method.as_str(), parts.uri.path(), parts.uri.query());
        let req = StubRequest::new(
            method,
            path,
            query.unwrap_or(""),
            &parts.headers,
            body.clone(),
            None,
        );
        if let Some(reply) = stub_reply(state, Stage::BeforeAuth, req).await {
            return Err((UserInfo::default(), reply));
        }
    }
    let (user, warnings) = match state.authn.authenticate(&AuthnRequest {
        headers: &parts.headers,
        client_cert_user: cert_user,
    }) {
        ChainResult::User(u) => (u, Vec::new()),
        ChainResult::UserWithWarnings(u, w) => (u, w),
        ChainResult::Unauthorized(reason) => {
            tracing::info!(path = %parts.uri.path(), %reason, "unauthorized");
            return Err((UserInfo::default(), Status::unauthorized().into()));
        }
    };
    let Some(imp) = &state.impersonator else {
        return Ok((user, warnings, body));
    };
    match imp.impersonate(&ImpersonationRequest {
        user: &user,
        headers: &parts.headers,
        authorizer: state.authz.as_ref(),
    }) {
        Ok(None) => Ok((user, warnings, body)),
        Ok(Some(as_user)) => Ok((as_user, warnings, body)),
        Err(s) => Err((user, Reply::status(&s))),
    }
}

/// Reads a request body of at most [`MAX_BODY`] bytes; a longer one is drained (up to
/// [`MAX_DRAIN`]) and answered with kube's 413.
async fn read_body(mut body: Incoming) -> Result<Bytes, Status> {
    let mut buf = bytes::BytesMut::new();
    let mut seen = 0usize;
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => {
                tracing::debug!(error = %e, "reading the request body failed");
                break;
            }
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        seen += data.len();
        if seen <= MAX_BODY {
            buf.extend_from_slice(&data);
        } else if seen > MAX_BODY + MAX_DRAIN {
            break;
        }
    }
    if seen > MAX_BODY {
        return Err(Status::request_entity_too_large(MAX_BODY));
    }
    Ok(buf.freeze())
}

/// A body we did not decode, for the journal: JSON if it parses, else text.
fn raw_body_for_journal(body: &Bytes) -> Option<Value> {
    if body.is_empty() {
        return None;
    }
    serde_json::from_slice(body)
        .ok()
        .or_else(|| Some(Value::String(String::from_utf8_lossy(body).into_owned())))
}

#[allow(clippy::too_many_arguments)]
fn finish(
    state: &State,
    parts: &hyper::http::request::Parts,
    path: &str,
    query: &str,
    body: Option<Value>,
    user: UserInfo,
    reply: Reply,
    start: Instant,
    time: SystemTime,
) -> Response<Body> {
    let headers = parts
        .headers
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes());
            (
                k.as_str().to_string(),
                journal::redact_header(k.as_str(), &v),
            )
        })
        .collect();
    tracing::debug!(
        method = %parts.method,
        %path,
        status = reply.status,
        user = %user.username,
        "request"
    );
    state.journal.record(JournalEntry {
        method: parts.method.as_str().to_string(),
        path: path.to_string(),
        query: query.to_string(),
        headers,
        body: body.map(journal::redact_body),
        user,
        status: reply.status,
        latency: start.elapsed(),
        time,
    });
    let mut body = reply.body;
    if let Some(json) = &reply.negotiated_json
        && wants_pretty(
            &Query::parse(parts.uri.query().unwrap_or("")),
            &parts.headers,
        )
        && let Ok(v) = serde_json::from_slice::<Value>(json)
    {
        body = Full::new(Bytes::from(crate::api::status::encode_json_pretty(&v))).boxed();
    }
    let mut resp = Response::new(body);
    *resp.status_mut() = hyper::StatusCode::from_u16(reply.status)
        .unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&reply.content_type) {
        h.insert(CONTENT_TYPE, v);
    }
    h.insert(
        "cache-control",
        HeaderValue::from_static("no-cache, private"),
    );
    if let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string()) {
        h.insert("audit-id", v);
    }
    for (k, v) in reply.headers {
        if let (Ok(k), Ok(v)) = (
            hyper::header::HeaderName::from_bytes(k.as_bytes()),
            HeaderValue::from_str(&v),
        ) {
            h.insert(k, v);
        }
    }
    for w in reply.warnings {
        if let Ok(v) = HeaderValue::from_str(&format!("299 - \"{}\"", w.replace('"', "\\\""))) {
            h.append("warning", v);
        }
    }
    resp
}

async fn route(ctx: &mut Ctx<'_>) -> Reply {
    let attrs = ctx.info.attributes(ctx.user);
    if ctx.info.path.starts_with("/__admin/") {
        // The admin API is for the cluster admin only, whatever the authorizer says.
        if !ctx.user.in_group("system:masters") {
            return Status::forbidden(&attrs, "").into();
        }
        return admin(ctx);
    }
    match ctx.state.authz.authorize(&attrs) {
        Decision::Allow => {}
        Decision::Deny { reason } => return Status::forbidden(&attrs, &reason).into(),
        Decision::NoOpinion => return Status::forbidden(&attrs, "").into(),
    }
    if ctx.state.stubs.is_active() {
        let req = StubRequest::new(
            ctx.method.as_str(),
            &ctx.info.path,
            ctx.query_raw,
            ctx.headers,
            ctx.body.clone(),
            Some(ctx.user),
        );
        match stub_turn(ctx.state, Stage::Authorized, req).await {
            Some(Ok(reply)) => return reply,
            Some(Err(Some(fault))) => {
                // Carried out, then broken: the journal keeps the store's status.
                let mut reply = serve(ctx).await;
                reply.fault = Some(fault);
                return reply;
            }
            Some(Err(None)) | None => {}
        }
    }
    serve(ctx).await
}

/// The store's (or a hook's) answer to an authorized request.
async fn serve(ctx: &mut Ctx<'_>) -> Reply {
    if ctx.info.is_resource_request {
        match resource(ctx).await {
            Ok(r) => r,
            Err(s) => s.into(),
        }
    } else {
        non_resource(ctx)
    }
}

fn admin(ctx: &Ctx<'_>) -> Reply {
    match (ctx.method.as_str(), ctx.info.path.as_str()) {
        ("GET", "/__admin/requests") => Reply::json(200, &ctx.state.journal.to_json()),
        ("DELETE", "/__admin/requests") => {
            ctx.state.journal.clear();
            Reply::json(200, &json!({"cleared": true}))
        }
        (method, path) => {
            if !ctx.cert_admin {
                let attrs = ctx.info.attributes(ctx.user);
                let why = "the admin API for stubs, the clock and compaction requires the admin client certificate";
                return Status::forbidden(&attrs, why).into();
            }
            let target = crate::stubs::admin::AdminTarget {
                stubs: &ctx.state.stubs,
                store: &ctx.state.store,
                journal: &ctx.state.journal,
            };
            let req = crate::stubs::admin::AdminRequest {
                method,
                path,
                content_type: header(ctx.headers, CONTENT_TYPE),
                body: ctx.body,
            };
            match crate::stubs::admin::handle(&target, &req) {
                Some((status, body)) => Reply::json(status, &body),
                None => Reply::page_not_found(),
            }
        }
    }
}

fn header(headers: &HeaderMap, name: hyper::header::HeaderName) -> &str {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

fn non_resource(ctx: &Ctx<'_>) -> Reply {
    if !matches!(*ctx.method, Method::GET | Method::HEAD) {
        return Reply::page_not_found();
    }
    let accept = header(ctx.headers, ACCEPT);
    let path = ctx.info.path.as_str();
    if let Some((_, h)) = ctx.state.non_resource.iter().find(|(p, _)| p == path) {
        let raw = h.get(path, ctx.query_raw);
        let mut r = Reply::bytes(raw.status, &raw.content_type, raw.body);
        r.headers = raw.headers;
        return r;
    }
    match path {
        // `routes/version.go` writes it with `WriteRawJSON`: always indented, no newline.
        "/version" | "/version/" => Reply::bytes(
            200,
            "application/json",
            crate::api::status::encode_json_pretty(&ctx.state.version),
        ),
        "/healthz" | "/livez" | "/readyz" => Reply::text(200, "ok"),
        "/api" | "/api/" => match discovery::aggregated_version(accept) {
            Some(v) => aggregated(discovery::aggregated_api(v), v),
            None => Reply::json(200, &discovery::legacy_api(&ctx.state.server_address)),
        },
        "/apis" | "/apis/" => match discovery::aggregated_version(accept) {
            Some(v) => aggregated(discovery::aggregated_apis(v), v),
            None => Reply::json(200, &discovery::legacy_apis()),
        },
        _ => {
            let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
            match parts.as_slice() {
                ["api", version] => discovery::resource_list("", version)
                    .map(|v| Reply::json(200, &v))
                    .unwrap_or_else(Reply::page_not_found),
                ["apis", group] if registry::GROUPS.contains(group) => {
                    Reply::json(200, &discovery::legacy_group_document(group))
                }
                ["apis", group, version] => discovery::resource_list(group, version)
                    .map(|v| Reply::json(200, &v))
                    .unwrap_or_else(Reply::page_not_found),
                _ => Reply::page_not_found(),
            }
        }
    }
}

/// `negotiation.isPrettyPrint` (and a `pretty=1` Accept parameter): whether the apiserver
/// answers with indented JSON.
fn wants_pretty(query: &Query, headers: &HeaderMap) -> bool {
    let accept = header(headers, ACCEPT);
    let accept_pretty = accept
        .split(',')
        .next()
        .is_some_and(|first| first.split(';').any(|p| p.trim() == "pretty=1"));
    accept_pretty || crate::api::status::is_pretty(query.get("pretty"), header(headers, USER_AGENT))
}

fn aggregated(doc: Value, version: &str) -> Reply {
    let mut r = Reply::json(200, &doc);
    r.content_type = if version == "v2" {
        discovery::AGGREGATED_V2.into()
    } else {
        discovery::AGGREGATED_V2BETA1.into()
    };
    r
}

fn wants_table(accept: &str) -> bool {
    accept
        .split(',')
        .next()
        .is_some_and(|first| first.split(';').any(|p| p.trim() == "as=Table"))
}

/// `dryRun` must be `All` if given (the only value kube accepts); `options_kind` names the
/// options type in the 422 (`CreateOptions`, `UpdateOptions`, `PatchOptions`, `DeleteOptions`).
fn dry_run(ctx: &Ctx<'_>, options_kind: &str) -> Result<bool, Status> {
    match ctx.query.get("dryRun") {
        None => Ok(false),
        Some("All") => Ok(true),
        Some(other) => Err(Status::invalid(
            "meta.k8s.io",
            options_kind,
            "",
            &[crate::api::status::FieldError::not_supported(
                "dryRun",
                crate::api::status::BadValue::Raw(format!(
                    "[]string{{{}}}",
                    crate::api::status::go_quote(other)
                )),
                &["All"],
            )],
        )),
    }
}

/// Options of create/update/patch: `dryRun` and `fieldManager` (default: the User-Agent
/// up to its first `/`, as kube's `managerOrUserAgent`).
fn write_options(ctx: &Ctx<'_>, options_kind: &str) -> Result<WriteOptions, Status> {
    let manager = crate::api::managed_fields::manager_name(
        ctx.query.get("fieldManager"),
        header(ctx.headers, USER_AGENT),
    );
    // An empty name is recorded as `unknown` (an empty one marks the mock's own writes).
    let field_manager = if manager.is_empty() {
        "unknown".to_string()
    } else {
        manager
    };
    Ok(WriteOptions {
        dry_run: dry_run(ctx, options_kind)?,
        field_manager,
    })
}

async fn resource(ctx: &mut Ctx<'_>) -> Result<Reply, Status> {
    let info = ctx.info.clone();
    if !registry::serves_group_version(&info.api_group, &info.api_version) {
        return Ok(Reply::page_not_found());
    }
    let Some(def) = registry::find(&info.api_group, &info.api_version, &info.resource) else {
        return Err(Status::not_found_path());
    };
    // `/api/v1/namespaces/<ns>` names the namespace itself; any other use of the
    // namespace prefix with a cluster-scoped resource is not a route.
    let in_ns_path =
        !info.namespace.is_empty() && (def.plural != "namespaces" || info.name != info.namespace);
    if (in_ns_path && !def.namespaced) || info.extra_parts {
        return Err(Status::not_found_path());
    }
    let ns = if def.namespaced {
        info.namespace.as_str()
    } else {
        ""
    };

    if !info.subresource.is_empty() {
        if !def.has_subresource(&info.subresource) {
            return Err(Status::not_found_path());
        }
        if def.plural == "pods" && info.subresource == "log" && *ctx.method == Method::GET {
            // No container ever runs here, so an existing pod has an empty log.
            ctx.state.store.get(def, ns, &info.name)?;
            return Ok(Reply::text(200, ""));
        }
        if *ctx.method != Method::POST {
            return Err(Status::method_not_allowed());
        }
        let key = format!("{}/{}", def.plural, info.subresource);
        return virtual_create(ctx, def, &key, ns, &info.name).map(|v| Reply::json(201, &v));
    }
    match def.storage {
        Storage::DiscoveryOnly => return Err(Status::not_found_path()),
        Storage::Virtual => {
            if *ctx.method != Method::POST || !info.name.is_empty() {
                return Err(Status::method_not_allowed());
            }
            return virtual_create(ctx, def, def.plural, ns, "").map(|v| Reply::json(201, &v));
        }
        Storage::Stored => {}
    }

    let store = ctx.state.store.clone();
    let accept = header(ctx.headers, ACCEPT).to_string();
    match info.verb.as_str() {
        "get" => {
            let obj = store.get(def, ns, &info.name)?;
            render_object(ctx, def, obj, &accept)
        }
        "list" => {
            let opts = list_options(ctx, def)?;
            let scope = (def.namespaced && !info.namespace.is_empty()).then(|| ns.to_string());
            let table = wants_table(&accept);
            let pretty = wants_pretty(&ctx.query, ctx.headers);
            let token = opts.continue_token.clone();
            // Picking a large list's items under the store's read lock takes a while
            // (100,000 objects: milliseconds): on a blocking thread, so the runtime's workers
            // keep serving other clients. Its answer is built without the lock: a large
            // JSON one streamed as the client takes it (see `list_answer`), a large Table or
            // indented one (which need every item decoded) at background priority (see
            // `background`).
            let picked = tokio::task::spawn_blocking(move || {
                store.list_shared(def, scope.as_deref(), &opts)
            })
            .await
            .map_err(|e| Status::internal_error(&format!("list: {e}")))?;
            let listed = match picked {
                Ok(list) if list.items_len() >= background::HEAVY_BYTES => {
                    if !table && !pretty {
                        return Ok(Reply::streamed(list_answer::Streamed::new(def, list)));
                    }
                    Ok(background::run(move || list_body(def, list, table))
                        .await
                        .map_err(|e| Status::internal_error(&format!("list: {e}")))?)
                }
                picked => picked.map(|list| list_body(def, list, table)),
            };
            let (items, meta) = match (listed, token) {
                (Err(s), Some(token)) if s.code() == 410 => {
                    let body = crate::store::compaction::expired_continue_body(&s, &token);
                    return Ok(Reply::json(410, &body));
                }
                (listed, _) => match listed? {
                    ListBody::Encoded(r) => return Ok(r),
                    ListBody::ForTable(items, meta) => (items, meta),
                },
            };
            render_table_list(ctx, def, items, meta)
        }
        "watch" => watch(ctx, def, ns),
        "create" => {
            if !info.name.is_empty() || (def.namespaced && info.namespace.is_empty()) {
                return Err(Status::method_not_allowed());
            }
            let (mut body, warnings) = decode_object(ctx, def)?;
            if def.plural == "pods" {
                // The pod strategy's PrepareForCreate; only for creates through the API, so
                // tests can still put kubelet-style status straight into the store.
                crate::api::qos::reset_pod_status_for_create(&mut body);
            }
            admit(ctx, def, ns, &body)?;
            let obj = store.create(def, ns, body, &write_options(ctx, "CreateOptions")?)?;
            let mut r = Reply::json(201, &obj);
            r.warnings = warnings;
            Ok(r)
        }
        "update" => {
            if info.name.is_empty() || (def.namespaced && info.namespace.is_empty()) {
                return Err(Status::method_not_allowed());
            }
            let (body, warnings) = decode_object(ctx, def)?;
            admit(ctx, def, ns, &body)?;
            let (obj, created) = store.update(
                def,
                ns,
                &info.name,
                body,
                &write_options(ctx, "UpdateOptions")?,
            )?;
            let mut r = Reply::json(if created { 201 } else { 200 }, &obj);
            r.warnings = warnings;
            Ok(r)
        }
        "patch" => {
            if info.name.is_empty() || (def.namespaced && info.namespace.is_empty()) {
                return Err(Status::method_not_allowed());
            }
            patch(ctx, def, ns, &info.name)
        }
        "delete" => {
            crate::api::namespace_lifecycle::admit_delete(def.plural, &info.name)?;
            let opts = delete_options(ctx)?;
            let gone = store.delete(def, ns, &info.name, &opts)?;
            Ok(match def.delete_returns {
                DeleteReturns::Object => Reply::json(200, &gone),
                DeleteReturns::Status => {
                    let uid = gone["metadata"]["uid"].as_str().unwrap_or("");
                    Reply::status(&Status::deleted(def.group, def.plural, &info.name, uid))
                }
            })
        }
        "deletecollection" => {
            if !def.verbs.contains(&"deletecollection") {
                return Err(Status::method_not_allowed());
            }
            let opts = list_options(ctx, def)?;
            let del = delete_options(ctx)?;
            let scope = (def.namespaced && !info.namespace.is_empty()).then_some(ns);
            let list = store.list(def, scope, &opts)?;
            let mut items = Vec::new();
            for item in list.items {
                let name = item["metadata"]["name"].as_str().unwrap_or("").to_string();
                let item_ns = item["metadata"]["namespace"]
                    .as_str()
                    .unwrap_or("")
                    .to_string();
                if let Ok(mut gone) = store.delete(def, &item_ns, &name, &del) {
                    if let Value::Object(m) = &mut gone {
                        m.remove("kind");
                        m.remove("apiVersion");
                    }
                    items.push(gone);
                }
            }
            Ok(Reply::json(
                200,
                &json!({
                    "kind": def.list_kind(),
                    "apiVersion": def.api_version(),
                    "metadata": {"resourceVersion": store.resource_version().to_string()},
                    "items": items,
                }),
            ))
        }
        _ => Err(Status::method_not_allowed()),
    }
}

/// A list answer: the encoded `XList` object, or its items and list metadata for a Table.
enum ListBody {
    Encoded(Reply),
    ForTable(Vec<Value>, Map<String, Value>),
}

/// Encodes a list as the apiserver does, straight from the store's shared objects.
fn list_body(def: &ResourceDef, list: crate::store::SharedList, table: bool) -> ListBody {
    if table {
        let meta = list_answer::metadata(&list);
        return ListBody::ForTable(list.into_list().items, meta);
    }
    ListBody::Encoded(Reply::negotiated(200, list_answer::whole(def, &list)))
}

fn virtual_create(
    ctx: &mut Ctx<'_>,
    def: &ResourceDef,
    key: &str,
    ns: &str,
    name: &str,
) -> Result<Value, Status> {
    let handler = ctx
        .state
        .virtuals
        .iter()
        .find(|(g, k, _)| g == def.group && k == key)
        .map(|(_, _, h)| h.clone());
    let Some(handler) = handler else {
        return Err(Status::not_found_path());
    };
    let dry_run = dry_run(ctx, "CreateOptions")?;
    // A subresource has its own type (serviceaccounts/token takes a TokenRequest).
    let (kind, version) = def
        .subresources
        .iter()
        .find(|s| {
            key.strip_prefix(def.plural)
                .and_then(|k| k.strip_prefix('/'))
                == Some(s.name)
        })
        .map(|s| {
            (
                s.kind,
                if s.version.is_empty() {
                    def.version
                } else {
                    s.version
                },
            )
        })
        .unwrap_or((def.kind, def.version));
    let body = decode_body(ctx, kind, version)?;
    ctx.decoded = Some(body.clone());
    let mut answer = handler.create(VirtualRequest {
        user: ctx.user,
        namespace: ns,
        name,
        body: body.clone(),
        objects: ctx.state.store.as_ref(),
        authorizer: ctx.state.authz.as_ref(),
        dry_run,
    })?;
    // The answer is the request object the field manager has seen (apiVersion set by the REST
    // storage's kind), so it carries the request's managedFields entry.
    let manager = write_options(ctx, "CreateOptions")?.field_manager;
    let api_version = answer["apiVersion"].as_str().unwrap_or("").to_string();
    crate::api::managed_fields::record_answer(
        &crate::api::managed_fields::Write {
            api_version: &api_version,
            kind,
            manager: &manager,
            subresource: key.split_once('/').map_or("", |(_, s)| s),
            now: &crate::store::now_rfc3339(),
        },
        &body,
        &mut answer,
    );
    // Before 1.34 a zero creationTimestamp serialized as `null` (apimachinery 503b9897 made it
    // `omitzero`): the reviews' answers show it.
    if server_minor(ctx) < 34
        && let Some(meta) = answer.get_mut("metadata")
        && meta.get("creationTimestamp").is_none()
        && let Some(m) = meta.as_object_mut()
    {
        m.insert("creationTimestamp".into(), Value::Null);
        *meta = crate::api::table::go_order_metadata(meta);
    }
    Ok(answer)
}

fn media_type(headers: &HeaderMap) -> String {
    header(headers, CONTENT_TYPE)
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Decodes a POST/PUT body by its Content-Type (JSON, YAML or Kubernetes protobuf).
/// `kind`/`version` name the expected type in the 400 for an undecodable body.
fn decode_body(ctx: &Ctx<'_>, kind: &str, version: &str) -> Result<Value, Status> {
    let cannot = |e: &dyn std::fmt::Display| {
        Status::bad_request(format!(
            "{kind} in version \"{version}\" cannot be handled as a {kind}: {e}"
        ))
    };
    match media_type(ctx.headers).as_str() {
        "" | "application/json" => {
            if let Some(s) = crate::api::decode_errors::unreadable_json(ctx.body, kind) {
                return Err(s);
            }
            serde_json::from_slice(ctx.body).map_err(|e| cannot(&e))
        }
        "application/yaml" => serde_yaml::from_slice(ctx.body).map_err(|e| cannot(&e)),
        "application/vnd.kubernetes.protobuf" => {
            crate::http::protobuf::decode(ctx.body).map_err(|e| cannot(&e))
        }
        _ => Err(Status::unsupported_media_type()),
    }
}

/// Decodes a body for create/update and applies `fieldValidation` (Strict: 400, Warn: a
/// `Warning` header per unknown field, Ignore: nothing).
fn decode_object(ctx: &mut Ctx<'_>, def: &ResourceDef) -> Result<(Value, Vec<String>), Status> {
    let body = decode_body(ctx, def.kind, def.version)?;
    ctx.decoded = Some(body.clone());
    match ctx.query.get("fieldValidation").unwrap_or("Warn") {
        "Strict" => {
            crate::api::validation::check_strict(def.plural, &body)?;
            Ok((body, Vec::new()))
        }
        "Ignore" => Ok((body, Vec::new())),
        _ => {
            let warnings = crate::api::validation::unknown_field_warnings(def.plural, &body);
            Ok((body, warnings))
        }
    }
}

fn patch(
    ctx: &mut Ctx<'_>,
    def: &'static ResourceDef,
    ns: &str,
    name: &str,
) -> Result<Reply, Status> {
    let kind = media_type(ctx.headers);
    // Server-side apply (`application/apply-patch+yaml`) stays a 415 here although the real
    // server accepts it (it creates missing objects, tracks managedFields and needs
    // `fieldManager`): the mock does not model field ownership, and a 415 is an honest "not
    // supported" rather than a wrong merge.
    if !matches!(
        kind.as_str(),
        "application/merge-patch+json"
            | "application/json-patch+json"
            | "application/strategic-merge-patch+json"
    ) {
        return Err(Status::unsupported_patch_media_type());
    }
    let patch: Value = serde_json::from_slice(ctx.body)
        .map_err(|e| Status::bad_request(format!("error decoding patch: {e}")))?;
    ctx.decoded = Some(patch.clone());
    let opts = write_options(ctx, "PatchOptions")?;
    let apply = |current: &Value| -> Result<Value, Status> {
        let mut doc = current.clone();
        if kind == "application/merge-patch+json" {
            json_patch::merge(&mut doc, &patch);
        } else if kind == "application/strategic-merge-patch+json" {
            doc = crate::api::strategic_merge::apply(def.plural, current, &patch)?;
        } else {
            let ops: json_patch::Patch = serde_json::from_value(patch.clone())
                .map_err(|e| Status::bad_request(format!("error decoding patch: {e}")))?;
            json_patch::patch(&mut doc, &ops).map_err(|e| {
                Status::unknown_error(
                    422,
                    format!("the server rejected our request due to an error in our request: {e}"),
                )
            })?;
        }
        Ok(doc)
    };
    if !ctx.state.admission.is_empty() {
        // Admission reads the store, so it runs on a preview of the result, outside the
        // store's write lock that `Store::patch` holds while applying.
        let preview = apply(&ctx.state.store.get(def, ns, name)?)?;
        admit(ctx, def, ns, &preview)?;
    }
    let obj = ctx.state.store.patch(def, ns, name, apply, &opts)?;
    Ok(Reply::json(200, &obj))
}

/// Runs the write admission hooks (RBAC escalation prevention) on an object about to be written.
fn admit(ctx: &Ctx<'_>, def: &ResourceDef, ns: &str, object: &Value) -> Result<(), Status> {
    for a in &ctx.state.admission {
        a.admit(ctx.user, def.plural, ns, object)?;
    }
    Ok(())
}

fn list_options(ctx: &Ctx<'_>, def: &ResourceDef) -> Result<ListOptions, Status> {
    // `storage.ValidateListOptions`: a continued list reads at the token's resourceVersion.
    if ctx.query.get("continue").is_some_and(|c| !c.is_empty())
        && ctx
            .query
            .get("resourceVersion")
            .is_some_and(|rv| !rv.is_empty() && rv != "0")
    {
        return Err(Status::bad_request(
            "specifying resource version is not allowed when using continue",
        ));
    }
    let limit = match ctx.query.get("limit") {
        Some(l) if !l.is_empty() => l
            .parse::<usize>()
            .map_err(|_| Status::bad_request(format!("invalid limit: {l:?}")))?,
        _ => 0,
    };
    Ok(ListOptions {
        label_selector: LabelSelector::parse(ctx.query.get("labelSelector").unwrap_or(""))?,
        field_selector: FieldSelector::parse(
            ctx.query.get("fieldSelector").unwrap_or(""),
            def.plural,
        )?,
        limit,
        continue_token: ctx
            .query
            .get("continue")
            .filter(|c| !c.is_empty())
            .map(str::to_string),
    })
}

fn delete_options(ctx: &Ctx<'_>) -> Result<DeleteOptions, Status> {
    let mut opts = DeleteOptions {
        dry_run: dry_run(ctx, "DeleteOptions")?,
        ..Default::default()
    };
    if ctx.body.is_empty() {
        return Ok(opts);
    }
    let body: Value = serde_json::from_slice(ctx.body).map_err(|e| {
        Status::bad_request(format!("couldn't get version/kind; json parse error: {e}"))
    })?;
    if let Some(p) = body.get("preconditions") {
        opts.precondition_uid = p.get("uid").and_then(Value::as_str).map(str::to_string);
        opts.precondition_resource_version = p
            .get("resourceVersion")
            .and_then(Value::as_str)
            .map(str::to_string);
    }
    if let Some(Value::Array(d)) = body.get("dryRun")
        && d.iter().any(|x| x == "All")
    {
        opts.dry_run = true;
    }
    Ok(opts)
}

/// `GET` of one object: the object, or a Table when the Accept header asks for one.
fn render_object(
    ctx: &Ctx<'_>,
    def: &ResourceDef,
    obj: Value,
    accept: &str,
) -> Result<Reply, Status> {
    if wants_table(accept) {
        let include = crate::api::table::IncludeObject::from_query(ctx.query.get("includeObject"))?;
        let now = ctx.state.store.clock().now();
        let mut t = crate::api::table::object_to_table(def.plural, &obj, include, now);
        crate::api::table::for_server_minor(&mut t, def.plural, server_minor(ctx));
        return Ok(Reply::json(200, &t));
    }
    Ok(Reply::json(200, &obj))
}

/// The minor version the server reports (`--server-version`), for version-dependent answers.
fn server_minor(ctx: &Ctx<'_>) -> u32 {
    discovery::minor_version(&ctx.state.version)
}

/// A list as a `meta.k8s.io/v1` Table.
fn render_table_list(
    ctx: &Ctx<'_>,
    def: &ResourceDef,
    items: Vec<Value>,
    meta: Map<String, Value>,
) -> Result<Reply, Status> {
    let include = crate::api::table::IncludeObject::from_query(ctx.query.get("includeObject"))?;
    let mut t = crate::api::table::to_table(
        def.plural,
        &items,
        &Value::Object(meta),
        include,
        ctx.state.store.clock().now(),
    );
    crate::api::table::for_server_minor(&mut t, def.plural, server_minor(ctx));
    Ok(Reply::json(200, &t))
}

/// A body fed by a channel: each message is one chunk (one watch event line).
pub(crate) struct ChannelBody(pub(crate) mpsc::Receiver<Bytes>);

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|m| m.map(|b| Ok(Frame::data(b))))
    }
}

/// One watch event as its JSON line.
pub(crate) fn event_line(event_type: &str, object: &Value) -> Bytes {
    let mut line =
        serde_json::to_vec(&json!({"type": event_type, "object": object})).unwrap_or_default();
    line.push(b'\n');
    Bytes::from(line)
}

fn watch(ctx: &Ctx<'_>, def: &'static ResourceDef, ns: &str) -> Result<Reply, Status> {
    let opts = list_options(ctx, def)?;
    let from = match ctx.query.get("resourceVersion") {
        None | Some("") => None,
        Some(rv) => Some(
            rv.parse::<u64>()
                .map_err(|_| Status::bad_request(format!("invalid resource version: {rv:?}")))?,
        ),
    };
    let timeout = match ctx.query.get("timeoutSeconds") {
        Some(t) => Duration::from_secs(
            t.parse()
                .map_err(|_| Status::bad_request(format!("invalid timeoutSeconds: {t:?}")))?,
        ),
        None => DEFAULT_WATCH_TIMEOUT,
    };
    let scope = (def.namespaced && !ctx.info.namespace.is_empty()).then(|| ns.to_string());
    let (initial, mut rx) = match ctx.state.store.watch(def, scope.as_deref(), from) {
        Ok(w) => w,
        // Past the resourceVersion parse, the real server reports a too old version as the
        // one ERROR event of a 200 stream (cacher.go's `newErrWatcher`), not as a 410.
        Err(s) if s.code() == 410 => {
            let mut r = Reply::bytes(200, "application/json", Vec::new());
            r.body = Full::new(event_line("ERROR", &s.to_value())).boxed();
            return Ok(r);
        }
        Err(s) => return Err(s),
    };
    let wanted = move |e: &WatchEvent| {
        e.resource == def.plural
            && scope.as_deref().is_none_or(|n| n == e.namespace)
            && opts.label_selector.matches(&e.object)
            && opts.field_selector.matches(&e.object)
    };
    // `kubectl get -w` asks for Tables: each event's object is then a one-row Table, with the
    // column definitions only in the first (later ones are `NoHeaders`).
    let table = if wants_table(header(ctx.headers, ACCEPT)) {
        Some(crate::api::table::IncludeObject::from_query(
            ctx.query.get("includeObject"),
        )?)
    } else {
        None
    };
    let mut first = true;
    let clock = ctx.state.store.clock().clone();
    let minor = server_minor(ctx);
    let mut render = move |e: &WatchEvent| -> Bytes {
        let Some(include) = table else {
            return event_line(e.event_type.as_str(), &e.object);
        };
        let mut t = crate::api::table::object_to_table(def.plural, &e.object, include, clock.now());
        if !first {
            t["columnDefinitions"] = Value::Null;
        }
        crate::api::table::for_server_minor(&mut t, def.plural, minor);
        first = false;
        event_line(e.event_type.as_str(), &t)
    };
    let (tx, body_rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(async move {
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        for e in initial.iter().filter(|e| wanted(e)) {
            if tx.send(render(e)).await.is_err() {
                return;
            }
        }
        loop {
            tokio::select! {
                _ = &mut deadline => return,
                _ = tx.closed() => return,
                ev = rx.recv() => match ev {
                    Ok(e) if wanted(&e) => {
                        if tx.send(render(&e)).await.is_err() {
                            return;
                        }
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        let s = Status::expired("too old resource version: the watch fell behind");
                        let _ = tx.send(event_line("ERROR", &s.to_value())).await;
                        return;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        }
    });
    Ok(Reply {
        status: 200,
        content_type: "application/json".into(),
        body: ChannelBody(body_rx).boxed(),
        warnings: Vec::new(),
        headers: Vec::new(),
        fault: None,
        negotiated_json: None,
    })
}
