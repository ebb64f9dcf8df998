//! Where the bearer token comes from on each request.
//!
//! A token file (kubeconfig `tokenFile`, the in-cluster
//! `/var/run/secrets/kubernetes.io/serviceaccount/token`) is re-read at most
//! once a minute, as client-go does, because the kubelet rotates projected
//! tokens in place. If both `token` and `tokenFile` are set, the last value
//! read from the file wins and the inline token is the fallback (client-go's
//! documented rule); a file that cannot be read is an error only when there is
//! nothing to fall back to.

use std::fmt;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{Error, Result};

/// How often a token file is re-read.
pub(crate) const TOKEN_FILE_REFRESH: Duration = Duration::from_secs(60);

pub(crate) enum TokenSource {
    None,
    Static(String),
    File {
        path: PathBuf,
        fallback: Option<String>,
        cache: Mutex<Option<(String, Instant)>>,
        refresh: Duration,
    },
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::None => f.write_str("None"),
            TokenSource::Static(_) => f.write_str("Static(<redacted>)"),
            TokenSource::File { path, .. } => write!(f, "File({})", path.display()),
        }
    }
}

impl TokenSource {
    pub(crate) fn new(token: Option<String>, file: Option<PathBuf>) -> Self {
        let token = token.filter(|t| !t.is_empty());
        match (token, file) {
            (token, Some(path)) => TokenSource::File {
                path,
                fallback: token,
                cache: Mutex::new(None),
                refresh: TOKEN_FILE_REFRESH,
            },
            (Some(t), None) => TokenSource::Static(t),
            (None, None) => TokenSource::None,
        }
    }

    /// The token to send now, if any.
    pub(crate) async fn token(&self) -> Result<Option<String>> {
        match self {
            TokenSource::None => Ok(None),
            TokenSource::Static(t) => Ok(Some(t.clone())),
            TokenSource::File {
                path,
                fallback,
                cache,
                refresh,
            } => {
                if let Some((t, at)) = lock(cache).as_ref()
                    && at.elapsed() < *refresh
                {
                    return Ok(Some(t.clone()));
                }
                let read = tokio::fs::read_to_string(path).await;
                let previous = lock(cache).as_ref().map(|(t, _)| t.clone());
                let last_good = previous.or_else(|| fallback.clone());
                match read {
                    Ok(s) if !s.trim().is_empty() => {
                        let t = s.trim().to_string();
                        *lock(cache) = Some((t.clone(), Instant::now()));
                        Ok(Some(t))
                    }
                    Ok(_) => last_good
                        .map(Some)
                        .ok_or_else(|| Error::EmptyTokenFile { path: path.clone() }),
                    Err(source) => last_good.map(Some).ok_or_else(|| Error::TokenFile {
                        path: path.clone(),
                        source,
                    }),
                }
            }
        }
    }

    #[cfg(test)]
    fn with_refresh(mut self, every: Duration) -> Self {
        if let TokenSource::File { refresh, .. } = &mut self {
            *refresh = every;
        }
        self
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere while holding this lock cannot leave a half-written token.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn file_is_reread_after_refresh_interval() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "first\n").unwrap();
        let src = TokenSource::new(None, Some(path.clone()));
        assert_eq!(src.token().await.unwrap().as_deref(), Some("first"));
        std::fs::write(&path, "second").unwrap();
        // Cached within the minute.
        assert_eq!(src.token().await.unwrap().as_deref(), Some("first"));

        let src = TokenSource::new(None, Some(path.clone())).with_refresh(Duration::ZERO);
        assert_eq!(src.token().await.unwrap().as_deref(), Some("second"));
        std::fs::write(&path, "third").unwrap();
        assert_eq!(src.token().await.unwrap().as_deref(), Some("third"));
    }

    #[tokio::test]
    async fn unreadable_file_names_the_path() {
        let src = TokenSource::new(None, Some("/nonexistent/rawkube/token".into()));
        let err = src.token().await.unwrap_err();
        assert!(matches!(err, Error::TokenFile { .. }), "{err:?}");
        assert!(
            err.to_string()
                .starts_with("cannot read the bearer token file /nonexistent/rawkube/token: "),
            "{err}"
        );
    }

    #[tokio::test]
    async fn inline_token_is_fallback_for_missing_file_and_last_read_value_survives() {
        let src = TokenSource::new(Some("inline".into()), Some("/nonexistent/t".into()));
        assert_eq!(src.token().await.unwrap().as_deref(), Some("inline"));

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "fromfile").unwrap();
        let src = TokenSource::new(Some("inline".into()), Some(path.clone()))
            .with_refresh(Duration::ZERO);
        assert_eq!(src.token().await.unwrap().as_deref(), Some("fromfile"));
        std::fs::remove_file(&path).unwrap();
        assert_eq!(src.token().await.unwrap().as_deref(), Some("fromfile"));
    }

    #[tokio::test]
    async fn empty_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("token");
        std::fs::write(&path, "  \n").unwrap();
        let err = TokenSource::new(None, Some(path))
            .token()
            .await
            .unwrap_err();
        assert!(matches!(err, Error::EmptyTokenFile { .. }), "{err:?}");
    }

    #[test]
    fn debug_never_shows_the_token() {
        let s = format!("{:?}", TokenSource::new(Some("s3cret".into()), None));
        assert!(!s.contains("s3cret"), "{s}");
    }
}
