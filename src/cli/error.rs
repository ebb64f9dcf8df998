//! How a failed command reports itself: the message kubectl would print and the exit code.

use std::fmt;

/// A command failure. `Display` is the exact stderr line(s); [`CliError::exit_code`] the status.
#[derive(Debug)]
pub enum CliError {
    /// Printed verbatim (already formatted as kubectl does, e.g. `error: ...` or
    /// `Error from server (Forbidden): ...`), exit code 1.
    Message(String),
    /// Nothing more to print (the command already wrote its answer, as `auth can-i` does
    /// for "no"); exit with this code.
    Silent(u8),
}

impl CliError {
    /// A kubectl-style `error: <msg>` failure.
    pub fn msg(message: impl fmt::Display) -> Self {
        CliError::Message(format!("error: {message}"))
    }

    /// A failure whose text is already complete.
    pub fn raw(message: impl Into<String>) -> Self {
        CliError::Message(message.into())
    }

    /// The process exit status for this failure (kubectl uses 1 throughout).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Message(_) => 1,
            CliError::Silent(code) => *code,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Message(m) => f.write_str(m),
            CliError::Silent(_) => Ok(()),
        }
    }
}

impl std::error::Error for CliError {}
