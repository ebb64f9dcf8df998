//! How workflows talk: the Step 9 script's banners, kubectl's result lines, and
//! "Press enter to continue" pauses.

use std::io::{BufRead, Write};

/// The script's separator line (107 `=` characters, as in the tutorial).
pub const RULE: &str = "===========================================================================================================";

/// Where a workflow writes its narration.
pub struct Narrator<'a> {
    out: &'a mut dyn Write,
    pause: Option<&'a mut dyn BufRead>,
}

impl<'a> Narrator<'a> {
    /// Narrates to `out`, without pauses.
    pub fn new(out: &'a mut dyn Write) -> Self {
        Narrator { out, pause: None }
    }

    /// Pauses after each step until a line is read from `input` (the script's `read -p`).
    pub fn with_pauses(mut self, input: &'a mut dyn BufRead) -> Self {
        self.pause = Some(input);
        self
    }

    /// Whether it pauses between steps (then nothing of a later step may start early).
    pub fn pauses(&self) -> bool {
        self.pause.is_some()
    }

    /// A step banner: the kubectl commands the step stands for, between separators.
    pub fn banner(&mut self, commands: &[String]) -> std::io::Result<()> {
        writeln!(self.out, "{RULE}")?;
        for c in commands {
            writeln!(self.out, "{c}")?;
        }
        writeln!(self.out, "{RULE}")?;
        self.out.flush()
    }

    /// One result line.
    pub fn line(&mut self, text: &str) -> std::io::Result<()> {
        writeln!(self.out, "{text}")?;
        self.out.flush()
    }

    /// Text without a newline (progress dots).
    pub fn partial(&mut self, text: &str) -> std::io::Result<()> {
        write!(self.out, "{text}")?;
        self.out.flush()
    }

    /// The script's `read -p "Press enter to continue"`, when pauses are on.
    pub fn pause(&mut self) -> std::io::Result<()> {
        if let Some(input) = self.pause.as_mut() {
            write!(self.out, "Press enter to continue")?;
            self.out.flush()?;
            let mut line = String::new();
            input.read_line(&mut line)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn banner_matches_the_script() {
        let mut buf = Vec::new();
        Narrator::new(&mut buf)
            .banner(&["kubectl create sa x".into()])
            .unwrap();
        let s = String::from_utf8(buf).unwrap();
        assert_eq!(s, format!("{RULE}\nkubectl create sa x\n{RULE}\n"));
        assert_eq!(RULE.len(), 107);
    }

    #[test]
    fn pauses_read_a_line_only_when_enabled() {
        let mut buf = Vec::new();
        let mut input: &[u8] = b"\nrest";
        Narrator::new(&mut buf)
            .with_pauses(&mut input)
            .pause()
            .unwrap();
        assert_eq!(String::from_utf8(buf).unwrap(), "Press enter to continue");
        assert_eq!(input, b"rest");
    }
}
