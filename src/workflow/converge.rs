//! Writes that converge when their answer is lost.
//!
//! The client does not replay a create or a delete after a failure that may come after the
//! server acted (a 5xx, a connection lost after sending: see [`crate::client::retry`]).
//! These helpers read the object back instead and go on from what the server holds: a create
//! whose object is there was applied; one whose object is missing is sent once more; a
//! delete whose object is gone was applied. Whatever they cannot settle is returned as the
//! first error, for [`step`] to name.

use crate::api::{Api, PostParams, TypedResource};
use crate::error::Error;

use super::WorkflowError;

/// What [`create`] found out.
#[derive(Debug)]
pub(crate) enum Made<K> {
    /// The create succeeded (perhaps at its second try).
    Created(K),
    /// The create's answer was lost, and reading back found the object: probably ours (the
    /// caller compares it with what it wanted).
    Recovered(K),
    /// The server said AlreadyExists: someone made it between our read and our create.
    Exists(K),
}

impl<K> Made<K> {
    /// The object, however it was found.
    pub(crate) fn into_object(self) -> K {
        match self {
            Made::Created(k) | Made::Recovered(k) | Made::Exists(k) => k,
        }
    }

    /// Whether this run made it (at once, or by a try whose answer was lost).
    pub(crate) fn made_now(&self) -> bool {
        !matches!(self, Made::Exists(_))
    }
}

/// Creates `want`; on AlreadyExists, a 409 Conflict or a failure that leaves the outcome
/// unknown, reads the object back: present is [`Made::Recovered`] (or [`Made::Exists`]),
/// absent is created once more.
pub(crate) async fn create<K: TypedResource>(
    api: &Api<K>,
    want: &K,
    params: &PostParams,
) -> Result<Made<K>, Error> {
    let first = match api.create(want, params).await {
        Ok(k) => return Ok(Made::Created(k)),
        Err(e) => e,
    };
    let exists = first.is_already_exists();
    if !(exists || first.is_conflict() || first.outcome_unknown()) {
        return Err(first);
    }
    let name = &want.metadata().name;
    match api.get(name).await {
        Ok(k) if exists => Ok(Made::Exists(k)),
        Ok(k) => Ok(Made::Recovered(k)),
        Err(e) if e.is_not_found() && !exists => match api.create(want, params).await {
            Ok(k) => Ok(Made::Created(k)),
            // The first attempt landed after all, while we looked.
            Err(again) if again.is_already_exists() => {
                api.get(name).await.map(Made::Recovered).map_err(|_| again)
            }
            Err(again) => Err(again),
        },
        Err(_) => Err(first),
    }
}

/// What [`delete`] found out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Gone {
    /// Deleted now (perhaps at the second try, or by a first try whose answer was lost).
    Deleted,
    /// It was not there.
    Already,
}

/// Deletes `name`; on a 409 Conflict or a failure that leaves the outcome unknown, reads the
/// object back: absent (or terminating) was deleted, present is deleted once more.
pub(crate) async fn delete<K: TypedResource>(api: &Api<K>, name: &str) -> Result<Gone, Error> {
    let first = match api.delete(name).await {
        Ok(_) => return Ok(Gone::Deleted),
        Err(e) if e.is_not_found() => return Ok(Gone::Already),
        Err(e) => e,
    };
    if !(first.is_conflict() || first.outcome_unknown()) {
        return Err(first);
    }
    match api.get(name).await {
        Err(e) if e.is_not_found() => Ok(Gone::Deleted),
        Ok(k) if k.metadata().deletion_timestamp.is_some() => Ok(Gone::Deleted),
        Ok(_) => match api.delete(name).await {
            Ok(_) => Ok(Gone::Deleted),
            Err(e) if e.is_not_found() => Ok(Gone::Deleted),
            Err(again) => Err(again),
        },
        Err(_) => Err(first),
    }
}

/// Names the step a failed request belonged to: `step("setup", "create role default/x")`
/// turns the request's error into [`WorkflowError::Step`].
pub(crate) fn step(
    workflow: &'static str,
    what: impl Into<String>,
) -> impl FnOnce(Error) -> WorkflowError {
    let what = what.into();
    move |source| WorkflowError::Step {
        workflow,
        step: what,
        source,
    }
}

/// The error as kubectl words it, without the `error: ` some of its lines start with (the
/// step's own message already starts with it).
pub(crate) fn cause(source: &Error) -> String {
    let text = source.to_string();
    match text.strip_prefix("error: ") {
        Some(rest) => rest.to_string(),
        None => text,
    }
}

/// What to do after `source` failed a step of `workflow` (setup, teardown): the text after the
/// error, or empty when there is nothing useful to add.
pub(crate) fn advice(workflow: &str, source: &Error) -> String {
    let again = format!("run {workflow} again: it keeps what is done and does the rest");
    if source.is_unauthorized() {
        return format!(
            "\nthe credentials were rejected; if they are the ServiceAccount's token, it may have expired or been revoked: {again}, with a new token"
        );
    }
    if source.outcome_unknown() {
        return format!(
            "\nthe server may or may not have carried out this request; this is usually temporary: {again}"
        );
    }
    if source.is_transient() {
        return format!("\nthis is usually temporary: {again}");
    }
    String::new()
}
