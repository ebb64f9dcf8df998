//! `--token-auth-file`: kube-apiserver's static token CSV (`token,user,uid[,"group1,group2"]`),
//! parsed as Go's `encoding/csv` with `FieldsPerRecord = -1` does (`tokenfile.go` `NewCSV`).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::authn::identity::UserInfo;

/// Why a token file was refused (kube-apiserver refuses to start on these).
#[derive(Debug, thiserror::Error)]
pub enum TokenFileError {
    /// The file could not be read.
    #[error("token file '{path}': {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// CSV syntax error, worded as Go's `csv.ParseError`.
    #[error("token file '{path}': parse error on line {line}, column {column}: {kind}")]
    Syntax {
        /// The file.
        path: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (in bytes, as Go counts since 1.17).
        column: usize,
        /// What is wrong.
        kind: CsvErrorKind,
    },
    /// A record with fewer than 3 fields.
    #[error(
        "token file '{path}' must have at least 3 columns (token, user name, user uid), found {found} (line {line})"
    )]
    TooFewColumns {
        /// The file.
        path: String,
        /// How many fields the record had.
        found: usize,
        /// 1-based line the record starts on.
        line: usize,
    },
}

/// The CSV errors Go's reader reports without `LazyQuotes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CsvErrorKind {
    /// `a"b` in an unquoted field.
    #[error("bare \" in non-quoted field")]
    BareQuote,
    /// `"a"b` or an unterminated quoted field.
    #[error("extraneous or missing \" in quoted-field")]
    Quote,
}

/// Parsed static tokens. Tokens are secrets: `Debug` shows only how many there are.
#[derive(Clone, Default)]
pub struct TokenFile {
    tokens: HashMap<String, UserInfo>,
}

impl std::fmt::Debug for TokenFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenFile")
            .field("tokens", &self.tokens.len())
            .finish()
    }
}

impl TokenFile {
    /// Read and parse `path`.
    pub fn load(path: &Path) -> Result<Self, TokenFileError> {
        let text = std::fs::read_to_string(path).map_err(|source| TokenFileError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(&text, &path.display().to_string())
    }

    /// Parse CSV text; `path` is only used in error messages.
    pub fn parse(text: &str, path: &str) -> Result<Self, TokenFileError> {
        let mut tokens = HashMap::new();
        for (line, record) in
            parse_csv(text).map_err(|(line, column, kind)| TokenFileError::Syntax {
                path: path.to_string(),
                line,
                column,
                kind,
            })?
        {
            if record.len() < 3 {
                return Err(TokenFileError::TooFewColumns {
                    path: path.to_string(),
                    found: record.len(),
                    line,
                });
            }
            // An empty token is skipped with a warning, a duplicate overrides the earlier one (tokenfile.go).
            if record[0].is_empty() {
                tracing::warn!(path, line, "empty token has been found in token file");
                continue;
            }
            if tokens.contains_key(&record[0]) {
                tracing::warn!(path, line, "duplicate token has been found in token file");
            }
            let groups = match record.get(3) {
                // strings.Split("", ",") is [""]: the real server keeps that empty group too.
                Some(g) => g.split(',').map(str::to_string).collect(),
                None => Vec::new(),
            };
            tokens.insert(
                record[0].clone(),
                UserInfo {
                    username: record[1].clone(),
                    uid: record[2].clone(),
                    groups,
                    extra: Default::default(),
                },
            );
        }
        Ok(TokenFile { tokens })
    }

    /// The user for `token`, with `system:authenticated` added as the authenticator chain does;
    /// `None` if the token is not in the file.
    pub fn authenticate(&self, token: &str) -> Option<UserInfo> {
        let mut user = self.tokens.get(token)?.clone();
        super::add_authenticated_group(&mut user);
        Some(user)
    }

    /// How many tokens the file defines.
    pub fn len(&self) -> usize {
        self.tokens.len()
    }

    /// Whether the file defined no tokens.
    pub fn is_empty(&self) -> bool {
        self.tokens.is_empty()
    }
}

type CsvError = (usize, usize, CsvErrorKind);

/// RFC 4180 as Go reads it: `""` escapes inside quotes, quoted fields may span lines, `\r\n`
/// is a line end, blank lines are skipped, spaces are kept. Returns `(start line, fields)`.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>, CsvError> {
    let text = text.replace("\r\n", "\n");
    let lines: Vec<&str> = text.split('\n').collect();
    let mut records = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let start_line = i + 1;
        if lines[i].is_empty() {
            i += 1;
            continue;
        }
        let mut fields = Vec::new();
        let mut line = lines[i];
        let mut pos = 0usize; // byte offset in `line`
        loop {
            if line[pos..].starts_with('"') {
                // Quoted field, possibly spanning lines.
                let mut value = String::new();
                pos += 1;
                loop {
                    match line[pos..].find('"') {
                        Some(q) => {
                            value.push_str(&line[pos..pos + q]);
                            pos += q + 1;
                            let rest = &line[pos..];
                            if rest.starts_with('"') {
                                value.push('"');
                                pos += 1;
                            } else if rest.is_empty() || rest.starts_with(',') {
                                break;
                            } else {
                                return Err((i + 1, pos + 1, CsvErrorKind::Quote));
                            }
                        }
                        None => {
                            value.push_str(&line[pos..]);
                            value.push('\n');
                            i += 1;
                            if i >= lines.len() || (i == lines.len() - 1 && lines[i].is_empty()) {
                                return Err((
                                    i.min(lines.len()),
                                    line.len() + 1,
                                    CsvErrorKind::Quote,
                                ));
                            }
                            line = lines[i];
                            pos = 0;
                        }
                    }
                }
                fields.push(value);
            } else {
                let end = line[pos..].find(',').map_or(line.len(), |e| pos + e);
                let value = &line[pos..end];
                if let Some(q) = value.find('"') {
                    return Err((i + 1, pos + q + 1, CsvErrorKind::BareQuote));
                }
                fields.push(value.to_string());
                pos = end;
            }
            if line[pos..].starts_with(',') {
                pos += 1;
                continue;
            }
            break;
        }
        records.push((start_line, fields));
        i += 1;
    }
    Ok(records)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_users_uids_groups_and_adds_authenticated() {
        let f = TokenFile::parse(
            "abc123,alice,1001,\"dev,ops\"\nxyz,bob,1002\n\n\"q,\"\"t\",carol,1003,system:masters\n",
            "t.csv",
        )
        .unwrap();
        assert_eq!(f.len(), 3);
        let a = f.authenticate("abc123").unwrap();
        assert_eq!(a.username, "alice");
        assert_eq!(a.uid, "1001");
        assert_eq!(a.groups, ["dev", "ops", "system:authenticated"]);
        assert_eq!(
            f.authenticate("xyz").unwrap().groups,
            ["system:authenticated"]
        );
        assert_eq!(f.authenticate("q,\"t").unwrap().username, "carol");
        assert!(f.authenticate("nope").is_none());
        assert!(f.authenticate("").is_none());
    }

    #[test]
    fn crlf_multiline_quotes_empty_and_duplicate_tokens() {
        let f = TokenFile::parse(
            ",skipped,1\r\ntok,first,1\r\ntok,second,2,\"a\nb\"\r\n",
            "t.csv",
        )
        .unwrap();
        assert_eq!(f.len(), 1);
        let u = f.authenticate("tok").unwrap();
        assert_eq!(u.username, "second");
        assert_eq!(u.groups, ["a\nb", "system:authenticated"]);
    }

    #[test]
    fn empty_group_column_is_kept_like_strings_split() {
        let f = TokenFile::parse("t,u,1,\n", "t.csv").unwrap();
        assert_eq!(
            f.authenticate("t").unwrap().groups,
            ["", "system:authenticated"]
        );
    }

    #[test]
    fn spaces_are_significant() {
        let f = TokenFile::parse("t, u ,1\n", "t.csv").unwrap();
        assert_eq!(f.authenticate("t").unwrap().username, " u ");
    }

    #[test]
    fn errors_name_file_and_line() {
        let e = TokenFile::parse("a,b,c\nonly,two\n", "/etc/tokens.csv").unwrap_err();
        assert_eq!(
            e.to_string(),
            "token file '/etc/tokens.csv' must have at least 3 columns (token, user name, user uid), found 2 (line 2)"
        );
        let e = TokenFile::parse("a,b,c\nx,y\"z,1\n", "f").unwrap_err();
        assert_eq!(
            e.to_string(),
            "token file 'f': parse error on line 2, column 4: bare \" in non-quoted field"
        );
        let e = TokenFile::parse("\"a\"b,c,d\n", "f").unwrap_err();
        assert!(
            matches!(
                e,
                TokenFileError::Syntax {
                    line: 1,
                    kind: CsvErrorKind::Quote,
                    ..
                }
            ),
            "{e}"
        );
        let e = TokenFile::parse("\"unterminated,c,d\n", "f").unwrap_err();
        assert!(
            matches!(
                e,
                TokenFileError::Syntax {
                    kind: CsvErrorKind::Quote,
                    ..
                }
            ),
            "{e}"
        );
        let e = TokenFile::load(Path::new("/nonexistent/tokens.csv")).unwrap_err();
        assert!(e.to_string().contains("/nonexistent/tokens.csv"));
    }

    #[test]
    fn debug_hides_tokens() {
        let f = TokenFile::parse("supersecret,u,1\n", "t").unwrap();
        assert!(!format!("{f:?}").contains("supersecret"));
    }
}
