//! Exit statuses, as documented in the README and `--help`.

use std::process::ExitCode;

use gwdoctor_core::Verdict;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The page is not an error (`logs`: no failure found).
    Healthy = 0,
    /// The verdict says error (`logs`: failures found).
    ErrorPage = 1,
    /// The input could not be read, is not an HTTP response, or the URL is invalid (`logs`: a
    /// file could not be read, or no line is in a known log format).
    BadInput = 3,
}

impl Exit {
    /// The status for a printed verdict.
    pub fn for_verdict(verdict: &Verdict) -> Exit {
        if verdict.error {
            Exit::ErrorPage
        } else {
            Exit::Healthy
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit as u8)
    }
}
