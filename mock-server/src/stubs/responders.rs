//! Turning a [`Respond`] into bytes: a Kubernetes `Status` for a code, worded as
//! kube-apiserver words it, a literal answer, or a scripted watch stream.
//!
//! The wording, by code (default reason, then message), from kube's sources:
//!
//! | code | reason | message (when none is given) | source |
//! |---|---|---|---|
//! | 400 | BadRequest | `the server rejected our request for an unknown reason` | `errors.NewBadRequest` |
//! | 401 | Unauthorized | `Unauthorized` | authentication filter |
//! | 403 | Forbidden | the RBAC denial text for this request and user | `responsewriters.ForbiddenStatusError` |
//! | 404 | NotFound | `<resource> "<name>" not found` | `errors.NewNotFound` |
//! | 409 | Conflict | `Operation cannot be fulfilled on <resource> "<name>": the object has been modified; please apply your changes to the latest version and try again` | `errors.NewConflict` |
//! | 410 | Expired | `The resourceVersion for the provided watch is too old.` (list: `... provided list ...`) | `storage/etcd3/errors.go` |
//! | 429 | TooManyRequests | `Too many requests, please try again later.`, `Retry-After: 1` | `filters/maxinflight.go` text, `errors.NewTooManyRequests` shape |
//! | 500 | InternalError | `Internal error occurred: etcdserver: request timed out` | `errors.NewInternalError` |
//! | 503 | ServiceUnavailable | `apiserver is shutting down`, `Retry-After: 1` | `filters/waitgroup.go` |
//! | 504 | Timeout | `Timeout: request did not complete within requested timeout - context deadline exceeded` | `filters/timeout.go`, `errors.NewTimeoutError` |
//!
//! `reason` picks another constructor (`AlreadyExists`, `ServerTimeout`, `Gone`, `Unknown` for
//! a plain Go error such as a raw etcd error, ...); the HTTP code is always the one given.

use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::Value;
use tokio::sync::mpsc;

use super::matching::StubRequest;
use super::model::{Respond, WatchEnd, WatchScript};
use crate::api::registry;
use crate::api::status::{Status, StatusDetails, qualified_resource};
use crate::authn::identity::UserInfo;
use crate::http::handler::{Body, ChannelBody, event_line};

/// An answer ready to send.
pub(crate) struct Answer {
    pub status: u16,
    pub content_type: String,
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Answer {
    fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Answer {
        Answer {
            status,
            content_type: content_type.into(),
            headers: Vec::new(),
            body: Full::new(Bytes::from(body)).boxed(),
        }
    }
}

/// The default `err` text of a 500 (`errors.NewInternalError(err)`): the classic etcd one.
const DEFAULT_INTERNAL_ERROR: &str = "etcdserver: request timed out";
/// `filters/maxinflight.go` and the priority-and-fairness filter.
const TOO_MANY_REQUESTS: &str = "Too many requests, please try again later.";
/// `filters/waitgroup.go`, during shutdown.
const SHUTTING_DOWN: &str = "apiserver is shutting down";
/// `filters/timeout.go`: `NewTimeoutError("request did not complete within requested timeout - " + ctx.Err())`.
const REQUEST_TIMEOUT: &str =
    "request did not complete within requested timeout - context deadline exceeded";
/// `storage/etcd3/errors.go`.
const WATCH_TOO_OLD: &str = "The resourceVersion for the provided watch is too old.";
const LIST_TOO_OLD: &str = "The resourceVersion for the provided list is too old.";

/// The reason kube uses for `code` when the stub names none.
fn default_reason(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        405 => "MethodNotAllowed",
        406 => "NotAcceptable",
        409 => "Conflict",
        410 => "Expired",
        413 => "RequestEntityTooLarge",
        415 => "UnsupportedMediaType",
        422 => "Invalid",
        429 => "TooManyRequests",
        503 => "ServiceUnavailable",
        504 => "Timeout",
        c if c >= 500 => "InternalError",
        _ => "Unknown",
    }
}

/// `errors.NewGenericServerResponse`'s text for a code without a body of its own.
fn generic_message(code: u16) -> String {
    match code {
        406 => {
            "the server was unable to respond with a content type that the client supports".into()
        }
        422 => "the server rejected our request due to an error in our request".into(),
        _ => format!(
            "the server responded with the status code {code} but did not return more information"
        ),
    }
}

/// The object a request names: the URL name, or `metadata.name` of a create's body.
fn object_name(req: &StubRequest) -> String {
    if !req.info.name.is_empty() {
        return req.info.name.clone();
    }
    req.body()
        .and_then(|b| b.pointer("/metadata/name"))
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string()
}

fn failure(code: u16, reason: &str, message: String, details: Option<StatusDetails>) -> Status {
    Status {
        status: "Failure".into(),
        message,
        reason: reason.into(),
        details: details.map(Box::new),
        code,
    }
}

/// The Status a stub answers with `code`, and whether kube sends `Retry-After` with it.
pub fn status_for(
    code: u16,
    message: Option<&str>,
    reason: Option<&str>,
    retry_after: Option<u32>,
    req: &StubRequest,
) -> (Status, Option<u32>) {
    let info = &req.info;
    let (group, resource) = (info.api_group.as_str(), info.resource.as_str());
    let name = object_name(req);
    let reason = reason.unwrap_or(default_reason(code));
    let retry = retry_after.unwrap_or(0);
    let with_retry = |mut d: StatusDetails| {
        d.retry_after_seconds = retry;
        Some(d)
    };
    let mut header_retry = retry_after;
    let mut status = match reason {
        "Unknown" | "" => failure(
            code,
            "",
            message.map_or_else(|| generic_message(code), str::to_string),
            None,
        ),
        "Unauthorized" => match message {
            Some(m) => failure(code, reason, m.into(), None),
            None => Status::unauthorized(),
        },
        "Forbidden" => match message {
            Some(m) => Status::forbidden_for(group, resource, &name, m),
            None => {
                let anonymous = UserInfo::anonymous();
                let user = req.user.as_ref().unwrap_or(&anonymous);
                Status::forbidden(&info.attributes(user), "")
            }
        },
        "NotFound" if !resource.is_empty() && !name.is_empty() && message.is_none() => {
            Status::not_found(group, resource, &name)
        }
        "NotFound" if message.is_none() => Status::not_found_path(),
        "AlreadyExists" if message.is_none() => Status::already_exists(group, resource, &name),
        "Conflict" => match message {
            Some(m) => Status::conflict(group, resource, &name, m),
            None => Status::conflict_modified(group, resource, &name),
        },
        "Expired" | "Gone" => {
            let default = if info.verb == "watch" {
                WATCH_TOO_OLD
            } else {
                LIST_TOO_OLD
            };
            failure(code, reason, message.unwrap_or(default).into(), None)
        }
        "MethodNotAllowed" if message.is_none() => Status::method_not_allowed(),
        "Invalid" if message.is_none() && !resource.is_empty() => {
            let kind = registry::find(group, &info.api_version, resource).map_or("", |d| d.kind);
            Status::invalid(group, kind, &name, &[])
        }
        "TooManyRequests" => {
            header_retry = Some(retry_after.unwrap_or(1));
            let d = StatusDetails {
                retry_after_seconds: header_retry.unwrap_or(0),
                ..Default::default()
            };
            failure(
                code,
                reason,
                message.unwrap_or(TOO_MANY_REQUESTS).into(),
                Some(d),
            )
        }
        "InternalError" => Status::internal_error(message.unwrap_or(DEFAULT_INTERNAL_ERROR)),
        "ServiceUnavailable" => {
            header_retry = Some(retry_after.unwrap_or(1));
            failure(code, reason, message.unwrap_or(SHUTTING_DOWN).into(), None)
        }
        "Timeout" => failure(
            code,
            reason,
            format!("Timeout: {}", message.unwrap_or(REQUEST_TIMEOUT)),
            with_retry(StatusDetails::default()),
        ),
        "ServerTimeout" => {
            let operation = info.verb.as_str();
            let d = StatusDetails {
                group: group.into(),
                kind: resource.into(),
                name: operation.into(),
                ..Default::default()
            };
            let text = format!(
                "The {operation} operation against {} could not be completed at this time, please try again.",
                qualified_resource(group, resource)
            );
            failure(
                code,
                reason,
                message.map_or(text, str::to_string),
                with_retry(d),
            )
        }
        other => failure(
            code,
            other,
            message.map_or_else(|| generic_message(code), str::to_string),
            None,
        ),
    };
    status.code = code;
    if code < 400 {
        status.status = "Success".into();
    }
    (status, header_retry)
}

/// The answer of a `status` stub: a Status (or its message as text with `plain`), or the
/// literal `body`/`bodyText`, plus the stub's headers.
pub(crate) fn status_answer(r: &Respond, code: u16, req: &StubRequest) -> Answer {
    let mut retry_header = r.retry_after_seconds;
    let mut answer = if let Some(body) = &r.body {
        let mut bytes = serde_json::to_vec(body).unwrap_or_default();
        bytes.push(b'\n');
        Answer::bytes(code, "application/json", bytes)
    } else if let Some(text) = &r.body_text {
        Answer::bytes(code, "text/plain; charset=utf-8", text.clone().into_bytes())
    } else {
        let (status, retry) = status_for(
            code,
            r.message.as_deref(),
            r.reason.as_deref(),
            r.retry_after_seconds,
            req,
        );
        retry_header = retry;
        if r.plain {
            // Go's `http.Error`: the text plus a newline, and `nosniff`.
            let mut a = Answer::bytes(
                code,
                "text/plain; charset=utf-8",
                format!("{}\n", status.message).into_bytes(),
            );
            a.headers
                .push(("x-content-type-options".into(), "nosniff".into()));
            a
        } else {
            Answer::bytes(code, "application/json", status.to_json())
        }
    };
    if let Some(s) = retry_header {
        answer.headers.push(("retry-after".into(), s.to_string()));
    }
    for (k, v) in &r.headers {
        if k.eq_ignore_ascii_case("content-type") {
            answer.content_type = v.clone();
        } else {
            answer.headers.push((k.to_ascii_lowercase(), v.clone()));
        }
    }
    answer
}

/// A watch stream playing `script`, then closing, stalling or sending an `ERROR` event.
pub(crate) fn watch_answer(script: &WatchScript, req: &StubRequest) -> Answer {
    let mut lines: Vec<Bytes> = script
        .events
        .iter()
        .map(|e| event_line(&e.event_type, &e.object))
        .collect();
    if let WatchEnd::Error {
        status,
        message,
        reason,
    } = &script.then
    {
        let (s, _) = status_for(*status, message.as_deref(), reason.as_deref(), None, req);
        lines.push(event_line("ERROR", &s.to_value()));
    }
    let stall = script.then == WatchEnd::Stall;
    let interval = script.interval_ms.map(Duration::from_millis);
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    tokio::spawn(async move {
        for line in lines {
            if let Some(pause) = interval {
                tokio::time::sleep(pause).await;
            }
            if tx.send(line).await.is_err() {
                return;
            }
        }
        if stall {
            tx.closed().await;
        }
    });
    Answer {
        status: 200,
        content_type: "application/json".into(),
        headers: Vec::new(),
        body: BodyExt::boxed(ChannelBody(rx)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hyper::HeaderMap;

    fn req(method: &str, path: &str, query: &str, body: &str) -> StubRequest {
        let user = UserInfo {
            username: "jane".into(),
            groups: vec!["system:authenticated".into()],
            ..Default::default()
        };
        StubRequest::new(
            method,
            path,
            query,
            &HeaderMap::new(),
            Bytes::from(body.to_string()),
            Some(&user),
        )
    }

    fn body(code: u16, message: Option<&str>, reason: Option<&str>, r: &StubRequest) -> String {
        let (s, _) = status_for(code, message, reason, None, r);
        String::from_utf8(s.to_json()).unwrap()
    }

    #[test]
    fn codes_are_worded_as_kube_apiserver_words_them() {
        let create = req(
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            "",
            r#"{"metadata":{"name":"robot"}}"#,
        );
        let get = req(
            "GET",
            "/api/v1/namespaces/default/serviceaccounts/robot",
            "",
            "",
        );
        let (s, retry) = status_for(429, None, None, None, &create);
        assert_eq!(
            String::from_utf8(s.to_json()).unwrap(),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Too many requests, please try again later.\",\"reason\":\"TooManyRequests\",\"details\":{\"retryAfterSeconds\":1},\"code\":429}\n"
        );
        assert_eq!(retry, Some(1));
        let (s, retry) = status_for(429, None, None, Some(7), &create);
        assert_eq!(
            (s.details.unwrap().retry_after_seconds, retry),
            (7, Some(7))
        );
        assert_eq!(
            body(409, None, None, &create),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Operation cannot be fulfilled on serviceaccounts \\\"robot\\\": the object has been modified; please apply your changes to the latest version and try again\",\"reason\":\"Conflict\",\"details\":{\"name\":\"robot\",\"kind\":\"serviceaccounts\"},\"code\":409}\n"
        );
        assert_eq!(
            body(409, None, Some("AlreadyExists"), &create),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"robot\\\" already exists\",\"reason\":\"AlreadyExists\",\"details\":{\"name\":\"robot\",\"kind\":\"serviceaccounts\"},\"code\":409}\n"
        );
        assert_eq!(
            body(500, None, None, &get),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Internal error occurred: etcdserver: request timed out\",\"reason\":\"InternalError\",\"details\":{\"causes\":[{\"message\":\"etcdserver: request timed out\"}]},\"code\":500}\n"
        );
        assert_eq!(
            body(
                500,
                Some("etcdserver: request timed out"),
                Some("Unknown"),
                &get
            ),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"etcdserver: request timed out\",\"code\":500}\n"
        );
        let (s, retry) = status_for(503, None, None, None, &get);
        assert_eq!(
            String::from_utf8(s.to_json()).unwrap(),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"apiserver is shutting down\",\"reason\":\"ServiceUnavailable\",\"code\":503}\n"
        );
        assert_eq!(retry, Some(1));
        assert_eq!(
            body(504, None, None, &get),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"Timeout: request did not complete within requested timeout - context deadline exceeded\",\"reason\":\"Timeout\",\"details\":{},\"code\":504}\n"
        );
        let watch = req("GET", "/api/v1/namespaces/default/pods", "watch=true", "");
        assert_eq!(
            body(410, None, None, &watch),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"The resourceVersion for the provided watch is too old.\",\"reason\":\"Expired\",\"code\":410}\n"
        );
        assert!(body(410, None, None, &get).contains("provided list is too old"));
        assert!(body(410, Some("gone"), Some("Gone"), &get).contains("\"reason\":\"Gone\""));
        assert_eq!(
            body(404, None, None, &get),
            String::from_utf8(Status::not_found("", "serviceaccounts", "robot").to_json()).unwrap()
        );
        assert_eq!(
            body(403, None, None, &get),
            "{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\"serviceaccounts \\\"robot\\\" is forbidden: User \\\"jane\\\" cannot get resource \\\"serviceaccounts\\\" in API group \\\"\\\" in the namespace \\\"default\\\"\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"robot\",\"kind\":\"serviceaccounts\"},\"code\":403}\n"
        );
        assert_eq!(
            body(401, None, None, &get),
            String::from_utf8(Status::unauthorized().to_json()).unwrap()
        );
        assert!(body(500, None, Some("ServerTimeout"), &get).contains(
            "The get operation against serviceaccounts could not be completed at this time, please try again."
        ));
        assert!(body(418, None, None, &get).contains(
            "the server responded with the status code 418 but did not return more information"
        ));
        assert!(body(422, None, None, &create).contains("ServiceAccount \\\"robot\\\" is invalid"));
    }

    #[test]
    fn plain_literal_and_header_answers() {
        let r = req("GET", "/api/v1/pods", "", "");
        let a = status_answer(&Respond::status(429).plain(), 429, &r);
        assert_eq!(a.content_type, "text/plain; charset=utf-8");
        assert!(a.headers.contains(&("retry-after".into(), "1".into())));
        assert!(
            a.headers
                .contains(&("x-content-type-options".into(), "nosniff".into()))
        );
        let a = status_answer(
            &Respond::json(200, serde_json::json!({"a": 1}))
                .header("Content-Type", "application/x"),
            200,
            &r,
        );
        assert_eq!((a.status, a.content_type.as_str()), (200, "application/x"));
        assert!(a.headers.is_empty());
    }
}
