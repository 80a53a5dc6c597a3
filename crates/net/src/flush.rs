//! Flushing the operating system's DNS cache: which fixed commands apply here ([`plan`], pure
//! and testable), and running them without a shell and without ever escalating ([`execute`]).

use std::{
    path::Path,
    process::{Command, Stdio},
};

use serde::Serialize;

/// Where a browser's own host cache is cleared: no extension can do it.
pub const BROWSER_CACHE_ADVICE: &str = "The browser keeps its own host cache, which no extension can clear: open \
chrome://net-internals/#dns and press \"Clear host cache\" (Firefox: about:networking#dns, \"Clear DNS Cache\").";

/// An operating system family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Os {
    /// Linux.
    Linux,
    /// macOS.
    Macos,
    /// Windows.
    Windows,
    /// Anything else: no known cache.
    Other,
}

impl Os {
    /// The OS this binary runs on.
    pub fn current() -> Os {
        match std::env::consts::OS {
            "linux" => Os::Linux,
            "macos" => Os::Macos,
            "windows" => Os::Windows,
            _ => Os::Other,
        }
    }
}

/// What the machine has, as far as the plan needs to know.
pub trait Machine {
    /// Whether `program` is found on `PATH`.
    fn has_program(&self, program: &str) -> bool;
    /// The contents of a small file, if it exists.
    fn read_file(&self, path: &str) -> Option<String>;
    /// Whether a path exists.
    fn exists(&self, path: &str) -> bool;
}

/// The machine this runs on.
pub struct ThisMachine;

impl Machine for ThisMachine {
    fn has_program(&self, program: &str) -> bool {
        let Some(path) = std::env::var_os("PATH") else {
            return false;
        };
        std::env::split_paths(&path).any(|dir| {
            let candidate = dir.join(program);
            candidate.is_file() || (cfg!(windows) && candidate.with_extension("exe").is_file())
        })
    }

    fn read_file(&self, path: &str) -> Option<String> {
        use std::io::Read;
        let mut text = String::new();
        std::fs::File::open(path)
            .ok()?
            .take(4096)
            .read_to_string(&mut text)
            .ok()?;
        Some(text)
    }

    fn exists(&self, path: &str) -> bool {
        Path::new(path).exists()
    }
}

/// One cache and the command that flushes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// The cache (`systemd-resolved`, `nscd`, `dnsmasq`, `dscacheutil`, `mDNSResponder`, `windows`).
    pub cache: &'static str,
    /// Whether it is present and running here.
    pub found: bool,
    /// Program and arguments, run without a shell.
    pub command: Vec<String>,
    /// Why it was not found.
    pub absent_because: Option<String>,
}

/// How a step ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum StepOutcome {
    /// The command succeeded.
    Flushed,
    /// The command was refused for lack of privileges.
    NeedsPrivileges,
    /// The command failed otherwise.
    Failed,
    /// No such cache here.
    NotFound,
    /// Dry run: would have been run.
    Planned,
}

/// One cache, after the run.
#[derive(Debug, Clone, Serialize)]
pub struct CacheResult {
    /// The cache.
    pub cache: &'static str,
    /// Whether it was found.
    pub found: bool,
    /// The command (run, or that would be run).
    pub command: Vec<String>,
    /// How it ended.
    pub outcome: StepOutcome,
    /// The command's error output, or why the cache was not found.
    pub detail: String,
}

/// The whole flush.
#[derive(Debug, Clone, Serialize)]
pub struct FlushReport {
    /// The OS.
    pub os: Os,
    /// One entry per cache this OS can have.
    pub caches: Vec<CacheResult>,
    /// Whether any cache was flushed.
    pub flushed_any: bool,
    /// Whether a cache was found but the command needs more privileges (run it as root /
    /// administrator yourself: this tool never escalates).
    pub needs_privileges: bool,
    /// How to clear the browser's own cache.
    pub browser_cache: &'static str,
}

/// The steps for `os` on `machine`: every cache the OS can have, found or not.
pub fn plan(os: Os, machine: &dyn Machine) -> Vec<Step> {
    let step = |cache, found: Result<(), String>, command: &[&str]| Step {
        cache,
        found: found.is_ok(),
        command: command.iter().map(|s| s.to_string()).collect(),
        absent_because: found.err(),
    };
    let program = |name: &str| {
        if machine.has_program(name) {
            Ok(())
        } else {
            Err(format!("{name} is not installed"))
        }
    };
    match os {
        Os::Linux => {
            let resolved = program("resolvectl").and_then(|()| {
                if machine.exists("/run/systemd/resolve/io.systemd.Resolve")
                    || machine.exists("/run/systemd/resolve/stub-resolv.conf")
                {
                    Ok(())
                } else {
                    Err("systemd-resolved is not running".to_string())
                }
            });
            let nscd = program("nscd").and_then(|()| {
                if ["/var/run/nscd/socket", "/run/nscd/socket"]
                    .iter()
                    .any(|p| machine.exists(p))
                {
                    Ok(())
                } else {
                    Err("nscd is not running".to_string())
                }
            });
            let dnsmasq_pid = [
                "/run/dnsmasq/dnsmasq.pid",
                "/var/run/dnsmasq/dnsmasq.pid",
                "/run/dnsmasq.pid",
            ]
            .iter()
            .find_map(|p| machine.read_file(p))
            .and_then(|text| text.trim().parse::<u32>().ok());
            let kill = program("kill");
            let (dnsmasq, pid) = match (dnsmasq_pid, kill) {
                (Some(pid), Ok(())) => (Ok(()), pid.to_string()),
                (Some(pid), Err(e)) => (Err(e), pid.to_string()),
                (None, _) => (
                    Err("no running dnsmasq (no pid file)".to_string()),
                    "<pid>".to_string(),
                ),
            };
            vec![
                step(
                    "systemd-resolved",
                    resolved,
                    &["resolvectl", "--no-ask-password", "flush-caches"],
                ),
                step("nscd", nscd, &["nscd", "-i", "hosts"]),
                step("dnsmasq", dnsmasq, &["kill", "-HUP", pid.as_str()]),
            ]
        }
        Os::Macos => vec![
            step(
                "dscacheutil",
                program("dscacheutil"),
                &["dscacheutil", "-flushcache"],
            ),
            step(
                "mDNSResponder",
                program("killall"),
                &["killall", "-HUP", "mDNSResponder"],
            ),
        ],
        Os::Windows => vec![step(
            "windows",
            program("ipconfig"),
            &["ipconfig", "/flushdns"],
        )],
        Os::Other => Vec::new(),
    }
}

/// What running a command gave: success, and its error output.
pub type CommandResult = Result<(bool, String), String>;

/// Runs the found steps (or, with `dry_run`, only says what would run) with `run`, which
/// executes one program with its arguments; [`run_command`] is the real one.
pub fn execute(
    os: Os,
    steps: Vec<Step>,
    dry_run: bool,
    run: &dyn Fn(&[String]) -> CommandResult,
) -> FlushReport {
    let caches: Vec<CacheResult> = steps
        .into_iter()
        .map(|step| {
            let (outcome, detail) = if !step.found {
                (
                    StepOutcome::NotFound,
                    step.absent_because.unwrap_or_default(),
                )
            } else if dry_run {
                (StepOutcome::Planned, String::new())
            } else {
                match run(&step.command) {
                    Ok((true, _)) => (StepOutcome::Flushed, String::new()),
                    Ok((false, stderr)) if lacks_privileges(&stderr) => {
                        (StepOutcome::NeedsPrivileges, stderr)
                    }
                    Ok((false, stderr)) => (StepOutcome::Failed, stderr),
                    Err(e) => (StepOutcome::Failed, e),
                }
            };
            CacheResult {
                cache: step.cache,
                found: step.found,
                command: step.command,
                outcome,
                detail,
            }
        })
        .collect();
    FlushReport {
        os,
        flushed_any: caches.iter().any(|c| c.outcome == StepOutcome::Flushed),
        needs_privileges: caches
            .iter()
            .any(|c| c.outcome == StepOutcome::NeedsPrivileges),
        caches,
        browser_cache: BROWSER_CACHE_ADVICE,
    }
}

/// Runs one program without a shell, stdin closed, non-interactive, and collects its status and
/// error output (at most 2 KiB of it).
pub fn run_command(command: &[String]) -> CommandResult {
    let (program, args) = command.split_first().ok_or("empty command")?;
    let output = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {program}: {e}"))?;
    let mut stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    if stderr.is_empty() {
        stderr = String::from_utf8_lossy(&output.stdout).trim().to_string();
    }
    let mut end = stderr.len().min(2048);
    while !stderr.is_char_boundary(end) {
        end -= 1;
    }
    stderr.truncate(end);
    Ok((output.status.success(), stderr))
}

/// Whether an error output says "not allowed" (the wording of resolvectl/polkit, nscd, kill,
/// killall, dscacheutil and ipconfig).
fn lacks_privileges(stderr: &str) -> bool {
    let text = stderr.to_lowercase();
    [
        "access denied",
        "permission denied",
        "operation not permitted",
        "only root",
        "must be root",
        "interactive authentication required",
        "requires elevation",
        "not authorized",
        "run as administrator",
    ]
    .iter()
    .any(|needle| text.contains(needle))
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    struct Fake {
        programs: HashSet<&'static str>,
        paths: HashSet<&'static str>,
        pid_file: Option<&'static str>,
    }

    impl Machine for Fake {
        fn has_program(&self, program: &str) -> bool {
            self.programs.contains(program)
        }
        fn read_file(&self, path: &str) -> Option<String> {
            (path == "/run/dnsmasq/dnsmasq.pid").then_some(self.pid_file?.to_string())
        }
        fn exists(&self, path: &str) -> bool {
            self.paths.contains(path)
        }
    }

    fn linux(
        programs: &[&'static str],
        paths: &[&'static str],
        pid_file: Option<&'static str>,
    ) -> Vec<Step> {
        let fake = Fake {
            programs: programs.iter().copied().collect(),
            paths: paths.iter().copied().collect(),
            pid_file,
        };
        plan(Os::Linux, &fake)
    }

    #[test]
    fn linux_finds_only_running_caches() {
        let steps = linux(
            &["resolvectl", "nscd", "kill"],
            &["/run/systemd/resolve/stub-resolv.conf"],
            Some("4242\n"),
        );
        let found: Vec<_> = steps.iter().map(|s| (s.cache, s.found)).collect();
        assert_eq!(
            found,
            [
                ("systemd-resolved", true),
                ("nscd", false),
                ("dnsmasq", true)
            ]
        );
        assert_eq!(
            steps[0].command,
            ["resolvectl", "--no-ask-password", "flush-caches"]
        );
        assert_eq!(
            steps[1].absent_because.as_deref(),
            Some("nscd is not running")
        );
        assert_eq!(steps[2].command, ["kill", "-HUP", "4242"]);

        let steps = linux(
            &[],
            &["/run/systemd/resolve/stub-resolv.conf"],
            Some("garbage"),
        );
        assert!(steps.iter().all(|s| !s.found));
        assert_eq!(
            steps[0].absent_because.as_deref(),
            Some("resolvectl is not installed")
        );
    }

    #[test]
    fn other_systems_have_their_fixed_commands() {
        let all = Fake {
            programs: ["dscacheutil", "killall", "ipconfig"].into(),
            paths: HashSet::new(),
            pid_file: None,
        };
        let mac: Vec<_> = plan(Os::Macos, &all)
            .into_iter()
            .map(|s| s.command.join(" "))
            .collect();
        assert_eq!(
            mac,
            ["dscacheutil -flushcache", "killall -HUP mDNSResponder"]
        );
        assert_eq!(
            plan(Os::Windows, &all)[0].command,
            ["ipconfig", "/flushdns"]
        );
        assert!(plan(Os::Other, &all).is_empty());
    }

    #[test]
    fn outcomes_come_from_the_command_result() {
        let steps = linux(
            &["resolvectl", "nscd", "kill"],
            &["/run/systemd/resolve/stub-resolv.conf", "/run/nscd/socket"],
            Some("7"),
        );
        let run = |command: &[String]| -> CommandResult {
            match command[0].as_str() {
                "resolvectl" => Ok((false, "Failed to flush caches: Access denied".into())),
                "nscd" => Ok((true, String::new())),
                _ => Err("cannot run kill: No such file".into()),
            }
        };
        let report = execute(Os::Linux, steps.clone(), false, &run);
        let outcomes: Vec<_> = report.caches.iter().map(|c| c.outcome).collect();
        assert_eq!(
            outcomes,
            [
                StepOutcome::NeedsPrivileges,
                StepOutcome::Flushed,
                StepOutcome::Failed
            ]
        );
        assert!(report.flushed_any && report.needs_privileges);

        let never = |_: &[String]| -> CommandResult { panic!("a dry run runs nothing") };
        let dry = execute(Os::Linux, steps, true, &never);
        assert!(dry.caches.iter().all(|c| c.outcome == StepOutcome::Planned));
        assert!(!dry.flushed_any);
    }
}
