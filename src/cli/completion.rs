//! `rawkube completion bash|zsh|fish`.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use super::{Cli, CliError};

// Arguments of `rawkube completion`.
#[derive(Args, Debug)]
#[command(after_help = "Examples:
  # Load completions into the current bash session
  source <(rawkube completion bash)

  # Install for zsh
  rawkube completion zsh > \"${fpath[1]}/_rawkube\"

  # Install for fish
  rawkube completion fish > ~/.config/fish/completions/rawkube.fish")]
pub struct CompletionArgs {
    /// The shell to write a completion script for.
    #[arg(value_parser = ["bash", "zsh", "fish"])]
    pub shell: String,
}

/// Writes the completion script to stdout.
pub fn run(args: CompletionArgs) -> Result<(), CliError> {
    let shell = match args.shell.as_str() {
        "bash" => Shell::Bash,
        "zsh" => Shell::Zsh,
        _ => Shell::Fish,
    };
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "rawkube", &mut std::io::stdout());
    Ok(())
}
