//! `setup -f accounts.yaml`, `teardown -f accounts.yaml`, and `setup`/`teardown` with
//! several contexts: many accounts on many clusters through
//! [`rawkube::workflow::bulk`], all clusters at once, a progress bar on a terminal, one
//! summary table, and one kubeconfig write at the end.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use rawkube::kubeconfig::{Batch, Kubeconfig, Overrides};
use rawkube::workflow::TokenMode;
use rawkube::workflow::bulk::{
    AccountReport, BulkOptions, BulkReport, BulkTarget, Outcome, bulk_setup, bulk_teardown,
};
use rawkube::workflow::manifest::{self, Account, Defaults};

use super::CliError;
use super::connect::block_on;
use super::globals::GlobalArgs;
use super::multi_context;
use super::progress::Progress;
use super::setup::{SetupArgs, workflow_error};
use super::table;
use super::teardown::TeardownArgs;

// Flags for many accounts at once (part of `setup` and `teardown`).
#[derive(Args, Debug, Clone, Default)]
pub struct BulkArgs {
    /// A manifest (YAML) with an `accounts:` list, each with name, and optionally
    /// namespace, verbs, resources, tokenMode: every account at once.
    #[arg(short = 'f', long = "file", value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// With -f or several contexts: accounts in flight at once, per cluster.
    #[arg(long, value_name = "N", default_value_t = 32)]
    pub concurrency: usize,
    /// With -f or several contexts: one standalone kubeconfig per account in DIR
    /// (NAME.kubeconfig) instead of entries in the kubeconfig.
    #[arg(long, value_name = "DIR")]
    pub kubeconfig_out_dir: Option<PathBuf>,
}

/// Whether `setup`/`teardown` take the many-accounts path.
pub fn wanted(bulk: &BulkArgs, contexts: &Option<Vec<String>>) -> bool {
    bulk.file.is_some() || contexts.is_some()
}

fn refuse(flag: &str, given: bool) -> Result<(), CliError> {
    if given {
        return Err(CliError::msg(format!(
            "{flag} cannot be used with -f or several contexts"
        )));
    }
    Ok(())
}

/// The single-account naming flags: with many accounts the manifest's names rule.
fn refuse_names(
    kubeconfig_out: &Option<PathBuf>,
    role: &Option<String>,
    binding: &Option<String>,
    context_name: &Option<String>,
) -> Result<(), CliError> {
    refuse(
        "--kubeconfig-out (use --kubeconfig-out-dir)",
        kubeconfig_out.is_some(),
    )?;
    refuse("--role", role.is_some())?;
    refuse("--binding", binding.is_some())?;
    refuse("--context-name", context_name.is_some())
}

/// One cluster's work, or why it could not start.
struct Cluster {
    context: String,
    target: Result<BulkTarget, CliError>,
}

/// The clusters: the selected context alone (names as in a single setup), or each of
/// `contexts` (kubeconfig names suffixed with `@CONTEXT`).
fn clusters(
    g: &GlobalArgs,
    kc: &Kubeconfig,
    contexts: &Option<Vec<String>>,
    out_dir: bool,
) -> Vec<Cluster> {
    let one = |context: Option<&str>| -> Result<BulkTarget, CliError> {
        let overrides = Overrides {
            context: context.map(str::to_string).or_else(|| g.context.clone()),
            ..g.overrides()
        };
        let conn = kc.resolve(&overrides).map_err(CliError::msg)?;
        let cluster_name = match (&conn.origin.cluster, out_dir) {
            (Some(c), _) => c.clone(),
            (None, true) => "cluster".into(),
            (None, false) => {
                return Err(CliError::msg(
                    "setup needs a kubeconfig cluster entry for the new contexts to reference; select a context with one, or use --kubeconfig-out-dir DIR",
                ));
            }
        };
        Ok(BulkTarget {
            admin: g.client_for(&conn)?,
            discovery_cache: g.discovery_cache(&conn.server),
            admin_conn: conn,
            cluster_name,
            entry_suffix: context.map(|c| format!("@{c}")).unwrap_or_default(),
        })
    };
    match contexts {
        None => vec![Cluster {
            context: g
                .context
                .clone()
                .or_else(|| kc.current_context().map(str::to_string))
                .unwrap_or_default(),
            target: one(None),
        }],
        Some(list) => list
            .iter()
            .map(|c| Cluster {
                context: c.clone(),
                target: one(Some(c)),
            })
            .collect(),
    }
}

fn options(
    b: &BulkArgs,
    force: bool,
    duration: Option<std::time::Duration>,
    timeout: std::time::Duration,
) -> BulkOptions {
    BulkOptions {
        concurrency: b.concurrency.max(1),
        force,
        duration,
        timeout,
        kubeconfig_out_dir: b.kubeconfig_out_dir.clone(),
    }
}

fn accounts(
    g: &GlobalArgs,
    file: Option<&PathBuf>,
    single: Option<&String>,
    defaults: Defaults,
) -> Result<Vec<Account>, CliError> {
    match (file, single) {
        (Some(_), Some(name)) => Err(CliError::msg(format!(
            "give a NAME ({name}) or -f FILE, not both"
        ))),
        (Some(f), None) => manifest::load(f, &defaults).map_err(CliError::msg),
        (None, Some(name)) => Ok(vec![Account {
            name: name.clone(),
            namespace: g.namespace.clone().unwrap_or(defaults.namespace),
            verbs: defaults.verbs,
            resources: defaults.resources,
            token_mode: defaults.token_mode,
        }]),
        (None, None) => Err(CliError::msg("give a NAME or -f FILE")),
    }
}

/// `setup -f` / `setup NAME --context a,b`.
pub fn setup(g: &GlobalArgs, a: SetupArgs, contexts: Option<Vec<String>>) -> Result<(), CliError> {
    refuse("--interactive", a.interactive)?;
    refuse_names(&a.kubeconfig_out, &a.role, &a.binding, &a.context_name)?;
    if a.verb.is_empty() || a.resource.is_empty() {
        return Err(CliError::msg("--verb and --resource must not be empty"));
    }
    let defaults = Defaults {
        namespace: g.namespace.clone().unwrap_or_else(|| "default".into()),
        verbs: a.verb.clone(),
        resources: a.resource.clone(),
        token_mode: a.token.token_mode.into(),
    };
    let accounts = accounts(g, a.bulk.file.as_ref(), a.name.as_ref(), defaults)?;
    let o = options(&a.bulk, a.force, a.token.duration, a.timeout);
    run(g, &accounts, &o, contexts, Verb::Setup)
}

/// `teardown -f` / `teardown NAME --context a,b`.
pub fn teardown(
    g: &GlobalArgs,
    a: TeardownArgs,
    contexts: Option<Vec<String>>,
) -> Result<(), CliError> {
    refuse_names(&a.kubeconfig_out, &a.role, &a.binding, &a.context_name)?;
    let defaults = Defaults {
        namespace: g.namespace.clone().unwrap_or_else(|| "default".into()),
        verbs: vec!["get".into()],
        resources: vec!["pods".into()],
        token_mode: TokenMode::Auto,
    };
    let accounts = accounts(g, a.bulk.file.as_ref(), a.name.as_ref(), defaults)?;
    let o = options(&a.bulk, false, None, std::time::Duration::from_secs(30));
    run(g, &accounts, &o, contexts, Verb::Teardown)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Verb {
    Setup,
    Teardown,
}

fn run(
    g: &GlobalArgs,
    accounts: &[Account],
    o: &BulkOptions,
    contexts: Option<Vec<String>>,
    verb: Verb,
) -> Result<(), CliError> {
    if let Some(dir) = &o.kubeconfig_out_dir
        && verb == Verb::Setup
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| CliError::msg(format!("cannot create {}: {e}", dir.display())))?;
    }
    let mut kc = g.load_kubeconfig()?;
    let multi = contexts.is_some();
    let clusters = clusters(g, &kc, &contexts, o.kubeconfig_out_dir.is_some());
    let started = Instant::now();
    let progress = Progress::new(accounts.len() * clusters.len(), "accounts");
    let tick = |r: &AccountReport| progress.tick(matches!(r.outcome, Outcome::Failed(_)));
    let results: Vec<Result<BulkReport, CliError>> = block_on(async {
        let runs = clusters.iter().map(|c| {
            let (kc, tick) = (&kc, &tick);
            async move {
                let target = c
                    .target
                    .as_ref()
                    .map_err(|e| CliError::raw(e.to_string()))?;
                let r = match verb {
                    Verb::Setup => bulk_setup(target, kc, accounts, o, tick).await,
                    Verb::Teardown => bulk_teardown(target, kc, accounts, o, tick).await,
                };
                r.map_err(workflow_error)
            }
        });
        futures_util::future::join_all(runs).await
    })?;
    progress.finish();

    let mut batch = Batch::default();
    let mut rows = vec![];
    let mut failed_clusters = vec![];
    let mut counts = Counts::default();
    for (c, r) in clusters.iter().zip(&results) {
        match r {
            Ok(report) => {
                for a in &report.accounts {
                    counts.add(&a.outcome);
                    rows.push(row(multi.then_some(c.context.as_str()), a));
                }
                batch.extend(report.kubeconfig.clone());
            }
            Err(e) => failed_clusters.push((c.context.clone(), e.to_string())),
        }
    }
    if !multi && let Some((_, e)) = failed_clusters.first() {
        return Err(CliError::raw(e.clone()));
    }
    // Every cluster's kubeconfig edits, in one write.
    let written = kc.apply_batch(&batch).map_err(CliError::msg)?;

    let mut header = vec![];
    if multi {
        header.push("CLUSTER".to_string());
    }
    header.extend(["NAMESPACE", "NAME", "TOKEN", "KUBECONFIG", "RESULT"].map(String::from));
    if verb == Verb::Teardown {
        header.remove(header.len() - 3);
    }
    let rows: Vec<Vec<String>> = std::iter::once(header)
        .chain(rows.into_iter().map(|mut r| {
            if verb == Verb::Teardown {
                r.remove(r.len() - 3);
            }
            r
        }))
        .collect();
    if rows.len() > 1 {
        print!("{}", table::render(&rows));
    }
    for (ctx, e) in &failed_clusters {
        eprint!("{}", multi_context::prefixed(ctx, e));
    }
    for f in &written {
        println!("kubeconfig {} written ({} edits)", f.display(), batch.len());
    }
    println!(
        "{} on {} of {} cluster(s): {} ({:.1}s)",
        plural(accounts.len(), "account"),
        clusters.len() - failed_clusters.len(),
        clusters.len(),
        counts.describe(verb),
        started.elapsed().as_secs_f64()
    );
    if !failed_clusters.is_empty() {
        return multi_context::report(
            failed_clusters.iter().map(|(c, _)| c.as_str()),
            clusters.len(),
        );
    }
    let mut problems = vec![];
    if counts.failed > 0 {
        problems.push(format!("{} failed", plural(counts.failed, "account")));
    }
    if counts.differs > 0 {
        problems.push(format!(
            "{} from the manifest (re-run with --force to update them)",
            match counts.differs {
                1 => "1 account differs".to_string(),
                n => format!("{n} accounts differ"),
            }
        ));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CliError::msg(problems.join("; ")))
    }
}

fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn row(context: Option<&str>, a: &AccountReport) -> Vec<String> {
    let result = match &a.outcome {
        Outcome::Created => "created".to_string(),
        Outcome::Updated => format!("updated ({})", a.changed.join(", ")),
        Outcome::Removed => format!("removed ({})", a.changed.join(", ")),
        Outcome::Unchanged => "unchanged".to_string(),
        Outcome::Differs => format!(
            "differs ({}): left unchanged, use --force",
            a.differs.join(", ")
        ),
        Outcome::Failed(e) => format!("failed: {}", e.lines().next().unwrap_or("")),
    };
    let mut r: Vec<String> = context.map(str::to_string).into_iter().collect();
    r.extend([
        a.namespace.clone(),
        a.name.clone(),
        if a.token.is_empty() {
            "-".into()
        } else {
            a.token.clone()
        },
        a.context.clone(),
        result,
    ]);
    r
}

#[derive(Default)]
struct Counts {
    created: usize,
    updated: usize,
    removed: usize,
    unchanged: usize,
    differs: usize,
    failed: usize,
}

impl Counts {
    fn add(&mut self, o: &Outcome) {
        match o {
            Outcome::Created => self.created += 1,
            Outcome::Updated => self.updated += 1,
            Outcome::Removed => self.removed += 1,
            Outcome::Unchanged => self.unchanged += 1,
            Outcome::Differs => self.differs += 1,
            Outcome::Failed(_) => self.failed += 1,
        }
    }

    fn describe(&self, verb: Verb) -> String {
        match verb {
            Verb::Setup => format!(
                "{} created, {} updated, {} unchanged, {} differ, {} failed",
                self.created, self.updated, self.unchanged, self.differs, self.failed
            ),
            Verb::Teardown => format!(
                "{} removed, {} already gone, {} failed",
                self.removed, self.unchanged, self.failed
            ),
        }
    }
}
