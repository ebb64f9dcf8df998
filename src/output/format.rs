//! The `-o/--output` flag: which printer to use, parsed as kubectl parses it.

use super::OutputError;
use super::jsonpath::JsonPath;
use std::path::PathBuf;
use std::str::FromStr;
use thiserror::Error;

/// The formats kubectl lists for commands without a table (`create`, `config view`, ...).
const KUBECTL_FORMATS: &str = "go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml";

/// A parsed `-o` value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputFormat {
    /// `-o json`.
    Json,
    /// `-o yaml`.
    Yaml,
    /// `-o name`.
    Name,
    /// `-o jsonpath=TEMPLATE`.
    JsonPath(String),
    /// `-o jsonpath-as-json=TEMPLATE`.
    JsonPathAsJson(String),
    /// `-o jsonpath-file=FILE` (the template is read from FILE, trailing newline included).
    JsonPathFile(PathBuf),
}

/// A bad `-o` value; `Display` is kubectl's message (printed after `error: `).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FormatError {
    /// Not a format kubectl knows.
    #[error(
        "unable to match a printer suitable for the output format \"{0}\", allowed formats are: {KUBECTL_FORMATS}"
    )]
    Unknown(String),
    /// `-o jsonpath` or `-o jsonpath=` with nothing after it.
    #[error("template format specified but no template given")]
    NoTemplate,
    /// A format kubectl has but rawkube does not implement (Go templates).
    #[error(
        "output format \"{0}\" is not supported by rawkube; use json, yaml, name, jsonpath=..., jsonpath-as-json=... or jsonpath-file=..."
    )]
    Unsupported(String),
    /// The `jsonpath-file=` template could not be read.
    #[error("error reading --template {}, open {}: {message}", path.display(), path.display())]
    TemplateFile {
        /// The file named in the flag.
        path: PathBuf,
        /// Why it could not be read, worded as Go's os errors are.
        message: String,
    },
}

impl FromStr for OutputFormat {
    type Err = FormatError;

    fn from_str(s: &str) -> Result<Self, FormatError> {
        // kubectl lower-cases the plain formats (`-o JSON` works) but matches template
        // formats exactly (`-o JSONPATH=...` is unknown).
        match s.to_ascii_lowercase().as_str() {
            "json" => return Ok(OutputFormat::Json),
            "yaml" => return Ok(OutputFormat::Yaml),
            "name" => return Ok(OutputFormat::Name),
            _ => {}
        }
        let (kind, template) = match s.split_once('=') {
            Some((kind, template)) => (kind, template),
            None => (s, ""),
        };
        let known = matches!(
            kind,
            "jsonpath"
                | "jsonpath-as-json"
                | "jsonpath-file"
                | "go-template"
                | "go-template-file"
                | "template"
                | "templatefile"
        );
        if !known {
            return Err(FormatError::Unknown(s.to_string()));
        }
        if template.is_empty() {
            return Err(FormatError::NoTemplate);
        }
        match kind {
            "jsonpath" => Ok(OutputFormat::JsonPath(template.to_string())),
            "jsonpath-as-json" => Ok(OutputFormat::JsonPathAsJson(template.to_string())),
            "jsonpath-file" => Ok(OutputFormat::JsonPathFile(PathBuf::from(template))),
            other => Err(FormatError::Unsupported(other.to_string())),
        }
    }
}

impl OutputFormat {
    /// Combines `-o/--output` with kubectl's `--template` flag: `-o jsonpath --template
    /// '{.kind}'` is the same as `-o jsonpath={.kind}`, `--template` is ignored for json,
    /// yaml and name, and `--template` alone means a Go template (which rawkube does not
    /// implement). `Ok(None)` means no output flag at all: the command's default output.
    pub fn from_flags(
        output: Option<&str>,
        template: Option<&str>,
    ) -> Result<Option<Self>, FormatError> {
        let template = template.filter(|t| !t.is_empty());
        let (output, template) = match (output, template) {
            (None, None) => return Ok(None),
            (None, Some(_)) => return Err(FormatError::Unsupported("go-template".into())),
            (Some(output), None) => return output.parse().map(Some),
            (Some(output), Some(template)) => (output, template),
        };
        match output.to_ascii_lowercase().as_str() {
            "json" => return Ok(Some(OutputFormat::Json)),
            "yaml" => return Ok(Some(OutputFormat::Yaml)),
            "name" => return Ok(Some(OutputFormat::Name)),
            _ => {}
        }
        match output {
            "jsonpath" => Ok(Some(OutputFormat::JsonPath(template.to_string()))),
            "jsonpath-as-json" => Ok(Some(OutputFormat::JsonPathAsJson(template.to_string()))),
            "jsonpath-file" => Ok(Some(OutputFormat::JsonPathFile(PathBuf::from(template)))),
            "go-template" | "go-template-file" | "template" | "templatefile" => {
                Err(FormatError::Unsupported(output.to_string()))
            }
            // With --template given, `jsonpath=...` is no longer a recognised format.
            other => Err(FormatError::Unknown(other.to_string())),
        }
    }

    /// The parsed template for the JSONPath formats (reading `jsonpath-file=`), or `None`
    /// for json, yaml and name.
    pub fn jsonpath(&self) -> Result<Option<JsonPath>, OutputError> {
        let (template, as_json) = match self {
            OutputFormat::JsonPath(t) => (t.clone(), false),
            OutputFormat::JsonPathAsJson(t) => (t.clone(), true),
            OutputFormat::JsonPathFile(path) => {
                let text =
                    std::fs::read_to_string(path).map_err(|e| FormatError::TemplateFile {
                        path: path.clone(),
                        message: match e.kind() {
                            std::io::ErrorKind::NotFound => "no such file or directory".into(),
                            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
                            _ => e.to_string(),
                        },
                    })?;
                (text, false)
            }
            OutputFormat::Json | OutputFormat::Yaml | OutputFormat::Name => return Ok(None),
        };
        Ok(Some(JsonPath::parse(&template)?.json_output(as_json)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_formats_ignore_case() {
        assert_eq!("JSON".parse::<OutputFormat>(), Ok(OutputFormat::Json));
        assert_eq!("Yaml".parse::<OutputFormat>(), Ok(OutputFormat::Yaml));
        assert_eq!("NAME".parse::<OutputFormat>(), Ok(OutputFormat::Name));
    }

    #[test]
    fn template_formats() {
        assert_eq!(
            "jsonpath={.a}=b".parse::<OutputFormat>(),
            Ok(OutputFormat::JsonPath("{.a}=b".into()))
        );
        assert_eq!(
            "jsonpath-as-json={.a}".parse::<OutputFormat>(),
            Ok(OutputFormat::JsonPathAsJson("{.a}".into()))
        );
        assert_eq!(
            "jsonpath".parse::<OutputFormat>(),
            Err(FormatError::NoTemplate)
        );
        assert_eq!(
            "jsonpath=".parse::<OutputFormat>(),
            Err(FormatError::NoTemplate)
        );
        assert_eq!(
            "go-template={{.a}}".parse::<OutputFormat>(),
            Err(FormatError::Unsupported("go-template".into()))
        );
    }

    #[test]
    fn template_flag_combines_with_output() {
        assert_eq!(OutputFormat::from_flags(None, None), Ok(None));
        assert_eq!(
            OutputFormat::from_flags(Some("jsonpath"), Some("{.kind}")),
            Ok(Some(OutputFormat::JsonPath("{.kind}".into())))
        );
        assert_eq!(
            OutputFormat::from_flags(Some("json"), Some("{.kind}")),
            Ok(Some(OutputFormat::Json))
        );
        assert_eq!(
            OutputFormat::from_flags(Some("jsonpath={.a}"), Some("{.kind}")),
            Err(FormatError::Unknown("jsonpath={.a}".into()))
        );
        assert_eq!(
            OutputFormat::from_flags(None, Some("{{.kind}}")),
            Err(FormatError::Unsupported("go-template".into()))
        );
        assert_eq!(
            OutputFormat::from_flags(Some("jsonpath"), Some("")),
            Err(FormatError::NoTemplate)
        );
    }

    #[test]
    fn unknown_formats_get_kubectls_message() {
        let err = "JSONPATH={.a}".parse::<OutputFormat>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unable to match a printer suitable for the output format \"JSONPATH={.a}\", allowed formats are: go-template,go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,templatefile,yaml"
        );
    }

    #[test]
    fn missing_template_file_is_named() {
        let f = OutputFormat::JsonPathFile("/nonexistent/t.txt".into());
        let err = f.jsonpath().unwrap_err();
        assert_eq!(
            err.to_string(),
            "error reading --template /nonexistent/t.txt, open /nonexistent/t.txt: no such file or directory"
        );
    }
}
