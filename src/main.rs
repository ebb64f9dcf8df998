//! The `rawkube` binary: parse, run, print the error and exit.
//!
//! Exit codes, as kubectl: 0 on success; 1 for every failure (server errors,
//! transport errors, bad flags) and for `auth can-i` answering "no".

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let parsed = match cli::Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors exit 1 as kubectl's do.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli::run(parsed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let msg = e.to_string();
            if !msg.is_empty() {
                eprintln!("{msg}");
            }
            ExitCode::from(e.exit_code())
        }
    }
}
