//! `kubectl config get-contexts`: the table (or `-o name` list) kubectl prints.

use super::load::Kubeconfig;

/// What `kubectl config get-contexts` prints: stdout, plus one error line per
/// requested context that does not exist (kubectl prints them as
/// `error: ...` on stderr and exits 1, after printing the ones it found).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ContextListing {
    /// Exactly kubectl's stdout.
    pub stdout: String,
    /// `context NAME not found`, one per missing name.
    pub errors: Vec<String>,
}

impl Kubeconfig {
    /// `kubectl config get-contexts [NAME...] [-o name] [--no-headers]`.
    ///
    /// ```no_run
    /// use rawkube::kubeconfig::{Kubeconfig, LoadOptions};
    /// let kc = Kubeconfig::load(&LoadOptions::from_env(None))?;
    /// print!("{}", kc.get_contexts(&[], false, false).stdout);
    /// # Ok::<(), rawkube::kubeconfig::KubeconfigError>(())
    /// ```
    pub fn get_contexts(
        &self,
        names: &[&str],
        name_only: bool,
        no_headers: bool,
    ) -> ContextListing {
        let merged = self.merged();
        let mut errors = vec![];
        // `merged()` is sorted by name, which is kubectl's order whatever the argument order.
        let shown: Vec<_> = if names.is_empty() {
            merged.contexts.iter().collect()
        } else {
            for n in names {
                if merged.context(n).is_none() {
                    errors.push(format!("context {n} not found"));
                }
            }
            merged
                .contexts
                .iter()
                .filter(|c| names.contains(&c.name.as_str()))
                .collect()
        };
        if name_only {
            let stdout = shown.iter().map(|c| format!("{}\n", c.name)).collect();
            return ContextListing { stdout, errors };
        }
        let mut rows: Vec<Vec<String>> = vec![];
        if !no_headers {
            rows.push(
                ["CURRENT", "NAME", "CLUSTER", "AUTHINFO", "NAMESPACE"]
                    .map(String::from)
                    .to_vec(),
            );
        }
        for c in shown {
            let current = if c.name == merged.current_context {
                "*"
            } else {
                ""
            };
            rows.push(vec![
                current.into(),
                c.name.clone(),
                c.context.cluster.clone(),
                c.context.user.clone(),
                c.context.namespace.clone().unwrap_or_default(),
            ]);
        }
        ContextListing {
            stdout: tabulate(&rows),
            errors,
        }
    }
}

/// Go's `text/tabwriter` as kubectl configures it (min width 6, padding 3,
/// spaces): every cell but the last in a row is padded to its column's width.
fn tabulate(rows: &[Vec<String>]) -> String {
    const MIN_WIDTH: usize = 6;
    const PADDING: usize = 3;
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns.saturating_sub(1))
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count() + PADDING)
                .max()
                .unwrap_or(0)
                .max(MIN_WIDTH)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            out.push_str(cell);
            if let Some(w) = widths.get(i).filter(|_| i + 1 < row.len()) {
                out.extend(std::iter::repeat_n(' ', w - cell.chars().count()));
            }
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kubeconfig::LoadOptions;

    fn kc(text: &str) -> (tempfile::TempDir, Kubeconfig) {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("config");
        std::fs::write(&p, text).unwrap();
        let kc = Kubeconfig::load(&LoadOptions::file(&p)).unwrap();
        (d, kc)
    }

    #[test]
    fn transcript_table() {
        let (_d, kc) = kc(
            "current-context: bearertokenauth-context\ncontexts:\n- name: bearertokenauth-context\n  context: {cluster: bearertoken-cluster, user: bearertokenauth, namespace: default}\n",
        );
        assert_eq!(
            kc.get_contexts(&[], false, false).stdout,
            "CURRENT   NAME                      CLUSTER               AUTHINFO          NAMESPACE\n*         bearertokenauth-context   bearertoken-cluster   bearertokenauth   default\n"
        );
    }

    #[test]
    fn names_sorted_missing_reported_and_min_width() {
        let (_d, kc) = kc(
            "contexts:\n- name: b\n  context: {cluster: c, user: u}\n- name: a\n  context: {cluster: c, user: ''}\n",
        );
        let l = kc.get_contexts(&["b", "zz", "a"], true, false);
        assert_eq!(l.stdout, "a\nb\n");
        assert_eq!(l.errors, ["context zz not found"]);
        let l = kc.get_contexts(&["a"], false, true);
        assert_eq!(l.stdout, "      a     c           \n");
    }

    #[test]
    fn empty_config_prints_only_the_header() {
        let (_d, kc) = kc("");
        assert_eq!(
            kc.get_contexts(&[], false, false).stdout,
            "CURRENT   NAME   CLUSTER   AUTHINFO   NAMESPACE\n"
        );
    }
}
