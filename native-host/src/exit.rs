//! Exit statuses, as documented in the README and `--help`.

use std::process::ExitCode;

use gwdoctor_core::Verdict;

/// How a command ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The page is not an error.
    Healthy = 0,
    /// The verdict says error.
    ErrorPage = 1,
    /// The input could not be read, is not an HTTP response, or the URL is invalid.
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
