//! `--context a,b,c` and `--all-contexts`: the same command against several clusters at
//! once, one result per cluster, a failed cluster reported without stopping the others,
//! exit 1 if any failed.
//!
//! `get` and `access` run as one child `rawkube --context NAME ...` per context (the
//! same binary and arguments), concurrently, their output captured and printed in the
//! order given: each under a `=== context NAME ===` header, their stderr lines prefixed
//! with `[NAME] `; with `-o json` a JSON list of `{"context", "result"}` or
//! `{"context", "error"}`. `setup` and `teardown` run in this process instead
//! ([`super::bulk`]), so that the kubeconfig is written once for all clusters.

use std::ffi::OsString;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

use super::CliError;
use super::globals::GlobalArgs;

/// The contexts asked for, or `None` for the usual one-context run: `--all-contexts`
/// (every context of the kubeconfig, in file order), or a `--context` value with a comma
/// that is not itself the name of a context.
pub fn requested(g: &GlobalArgs) -> Result<Option<Vec<String>>, CliError> {
    let list = g.context.as_deref().filter(|c| c.contains(','));
    if !g.all_contexts && list.is_none() {
        return Ok(None);
    }
    if g.all_contexts && g.context.is_some() {
        return Err(CliError::msg(
            "--all-contexts and --context cannot be used together",
        ));
    }
    let kc = g.load_kubeconfig()?;
    let names: Vec<String> = if g.all_contexts {
        kc.merged().contexts.into_iter().map(|c| c.name).collect()
    } else {
        let value = list.unwrap_or_default();
        if kc.context(value).is_some() {
            return Ok(None);
        }
        let mut names: Vec<String> = Vec::new();
        for n in value.split(',').map(str::trim) {
            if n.is_empty() {
                return Err(CliError::msg(format!(
                    "--context {value:?}: an empty context name"
                )));
            }
            if !names.iter().any(|x| x == n) {
                names.push(n.to_string());
            }
        }
        names
    };
    if names.is_empty() {
        return Err(CliError::msg(format!(
            "--all-contexts: no contexts in {}",
            kc.searched()
        )));
    }
    Ok(Some(names))
}

/// This process's arguments without `--context`, its value and `--all-contexts`.
fn arguments_without_context(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut out = Vec::new();
    let mut args = args.peekable();
    while let Some(a) = args.next() {
        match a.to_str() {
            Some("--") => {
                out.push(a);
                out.extend(args);
                break;
            }
            Some("--context") => {
                args.next();
            }
            Some(s) if s.starts_with("--context=") || s == "--all-contexts" => {}
            _ => out.push(a),
        }
    }
    out
}

/// One child's outcome.
struct Child {
    context: String,
    ok: bool,
    stdout: String,
    stderr: String,
}

/// Runs this command once per context, concurrently, and prints each result.
pub fn run_each(contexts: &[String], json_output: bool) -> Result<(), CliError> {
    let exe = std::env::current_exe()
        .map_err(|e| CliError::msg(format!("cannot find the rawkube binary to run: {e}")))?;
    let args = arguments_without_context(std::env::args_os().skip(1));
    let children: Vec<Child> = std::thread::scope(|s| {
        let handles: Vec<_> = contexts
            .iter()
            .map(|ctx| {
                let (exe, args) = (&exe, &args);
                s.spawn(move || {
                    let out = Command::new(exe)
                        .arg("--context")
                        .arg(ctx)
                        .args(args)
                        .stdin(Stdio::null())
                        .output();
                    match out {
                        Ok(o) => Child {
                            context: ctx.clone(),
                            ok: o.status.success(),
                            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
                            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
                        },
                        Err(e) => Child {
                            context: ctx.clone(),
                            ok: false,
                            stdout: String::new(),
                            stderr: format!("error: cannot run {}: {e}\n", exe.display()),
                        },
                    }
                })
            })
            .collect();
        handles
            .into_iter()
            .zip(contexts)
            .map(|(h, ctx)| {
                h.join().unwrap_or_else(|_| Child {
                    context: ctx.clone(),
                    ok: false,
                    stdout: String::new(),
                    stderr: "error: the child runner panicked\n".into(),
                })
            })
            .collect()
    });
    if json_output {
        println!("{}", super::access::pretty(&as_json(&children)));
    } else {
        print!("{}", sections(&children));
    }
    for c in &children {
        eprint!("{}", prefixed(&c.context, &c.stderr));
    }
    report(
        children
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.context.as_str()),
        contexts.len(),
    )
}

/// `=== context NAME ===` then the child's stdout, a blank line between sections.
fn sections(children: &[Child]) -> String {
    let mut out = String::new();
    for (i, c) in children.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&format!("=== context {} ===\n", c.context));
        out.push_str(&c.stdout);
        if !c.stdout.is_empty() && !c.stdout.ends_with('\n') {
            out.push('\n');
        }
    }
    out
}

/// Each line of `text` prefixed with `[context] `.
pub fn prefixed(context: &str, text: &str) -> String {
    text.lines().map(|l| format!("[{context}] {l}\n")).collect()
}

fn as_json(children: &[Child]) -> Value {
    Value::Array(
        children
            .iter()
            .map(|c| {
                if c.ok {
                    let result = serde_json::from_str::<Value>(&c.stdout)
                        .unwrap_or_else(|_| Value::String(c.stdout.clone()));
                    json!({"context": c.context, "result": result})
                } else {
                    json!({"context": c.context, "error": c.stderr.trim_end()})
                }
            })
            .collect(),
    )
}

/// The exit: `error: N of M contexts failed: a, b` (exit 1) if any failed.
pub fn report<'a>(failed: impl Iterator<Item = &'a str>, total: usize) -> Result<(), CliError> {
    let failed: Vec<&str> = failed.collect();
    if failed.is_empty() {
        Ok(())
    } else {
        Err(CliError::msg(format!(
            "{} of {total} contexts failed: {}",
            failed.len(),
            failed.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn context_flags_are_dropped_and_everything_else_kept() {
        let got = arguments_without_context(
            os(&[
                "--kubeconfig",
                "k",
                "--context",
                "a,b",
                "get",
                "pods",
                "--context=x",
                "--all-contexts",
                "-o",
                "json",
                "--",
                "--context",
                "y",
            ])
            .into_iter(),
        );
        assert_eq!(
            got,
            os(&[
                "--kubeconfig",
                "k",
                "get",
                "pods",
                "-o",
                "json",
                "--",
                "--context",
                "y"
            ])
        );
    }

    #[test]
    fn results_are_sectioned_or_a_json_list() {
        let children = vec![
            Child {
                context: "a".into(),
                ok: true,
                stdout: "{\"x\": 1}\n".into(),
                stderr: String::new(),
            },
            Child {
                context: "c".into(),
                ok: false,
                stdout: String::new(),
                stderr: "error: refused\n".into(),
            },
        ];
        assert_eq!(
            sections(&children),
            "=== context a ===\n{\"x\": 1}\n\n=== context c ===\n"
        );
        assert_eq!(
            as_json(&children),
            json!([{"context": "a", "result": {"x": 1}}, {"context": "c", "error": "error: refused"}])
        );
        assert_eq!(prefixed("c", "one\ntwo\n"), "[c] one\n[c] two\n");
        assert_eq!(
            report(["c"].into_iter(), 3).unwrap_err().to_string(),
            "error: 1 of 3 contexts failed: c"
        );
    }
}
