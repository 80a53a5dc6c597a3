//! `gwdoctor install` / `gwdoctor uninstall`: the native messaging host manifest for every
//! browser found (locations in `host::manifest`), and on Windows the registry keys pointing at
//! them (set with `reg.exe`, no shell). Idempotent; prints what it did.

use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use gwdoctor_host::host::manifest::{manifest_json, Browser, Home, Platform, BROWSERS};
use gwdoctor_wire::native::HOST_NAME;

use crate::exit::Exit;

/// Arguments of `install` and `uninstall`.
#[derive(clap::Args)]
pub struct Args {
    /// Only this browser (repeatable). Default: every browser whose profile directory exists
    /// (install), or that has the manifest (uninstall).
    #[arg(long = "browser", value_enum, value_name = "BROWSER")]
    browsers: Vec<Browser>,
    /// Say what would be done, change nothing.
    #[arg(long)]
    dry_run: bool,
    /// Allow one more extension id besides Gateway Doctor's own (repeatable; install only).
    #[arg(long = "extension-id", value_name = "ID")]
    extension_ids: Vec<String>,
    /// A Chromium-family profile started with --user-data-dir DIR: the manifest goes to
    /// DIR/NativeMessagingHosts/ instead of the default profile's place.
    #[arg(long, value_name = "DIR")]
    user_data_dir: Option<PathBuf>,
    /// Plan for another platform (only with --dry-run): linux, macos, windows.
    #[arg(long, value_enum, hide = true)]
    platform: Option<Platform>,
}

/// One manifest (and on Windows its registry key) for one browser.
struct Placement {
    browser: Browser,
    manifest: PathBuf,
    registry_key: Option<String>,
}

/// Runs `install`.
pub fn install(args: Args) -> Result<Exit> {
    let (platform, placements) = placements(&args, true)?;
    let exe = std::env::current_exe()
        .and_then(|p| p.canonicalize())
        .context("cannot tell where this gwdoctor binary is")?;
    for id in &args.extension_ids {
        if id.is_empty() || id.contains(['/', '"', ' ']) {
            bail!("`{id}` is not an extension id");
        }
    }
    for place in placements {
        let content = manifest_json(place.browser, &exe, &args.extension_ids);
        let current = std::fs::read_to_string(&place.manifest).ok();
        let name = place.browser.id();
        let shown = place.manifest.display();
        match (current.as_deref() == Some(content.as_str()), args.dry_run) {
            (true, _) => println!("{name}: unchanged {shown}"),
            (false, true) => println!("{name}: would write {shown}"),
            (false, false) => {
                write(&place.manifest, &content)?;
                println!(
                    "{name}: {} {shown}",
                    if current.is_some() {
                        "updated"
                    } else {
                        "wrote"
                    }
                );
            }
        }
        if let Some(key) = &place.registry_key {
            let command = [
                "reg",
                "add",
                key,
                "/ve",
                "/t",
                "REG_SZ",
                "/d",
                &place.manifest.to_string_lossy(),
                "/f",
            ];
            registry(platform, &command, args.dry_run, name)?;
        }
    }
    Ok(Exit::Healthy)
}

/// Runs `uninstall`.
pub fn uninstall(args: Args) -> Result<Exit> {
    let (platform, placements) = placements(&args, false)?;
    for place in placements {
        let name = place.browser.id();
        let shown = place.manifest.display();
        match (place.manifest.exists(), args.dry_run) {
            (false, _) => println!("{name}: absent {shown}"),
            (true, true) => println!("{name}: would remove {shown}"),
            (true, false) => {
                std::fs::remove_file(&place.manifest)
                    .with_context(|| format!("cannot remove {shown}"))?;
                println!("{name}: removed {shown}");
            }
        }
        if let Some(key) = &place.registry_key {
            registry(platform, &["reg", "delete", key, "/f"], args.dry_run, name)?;
        }
    }
    Ok(Exit::Healthy)
}

fn placements(args: &Args, installing: bool) -> Result<(Platform, Vec<Placement>)> {
    let platform = args.platform.unwrap_or_else(Platform::current);
    if platform != Platform::current() && !args.dry_run {
        bail!("--platform other than this machine's only goes with --dry-run");
    }
    let home = Home::from_env()
        .ok_or_else(|| anyhow!("no home directory (HOME is not set to an absolute path)"))?;
    if let Some(dir) = &args.user_data_dir {
        let browser = match args.browsers.as_slice() {
            [] => Browser::Chromium,
            [one] if !one.is_firefox() => *one,
            _ => bail!("--user-data-dir goes with at most one Chromium-family --browser"),
        };
        let manifest = dir
            .join("NativeMessagingHosts")
            .join(format!("{HOST_NAME}.json"));
        return Ok((
            platform,
            vec![Placement {
                browser,
                manifest,
                registry_key: None,
            }],
        ));
    }
    let chosen: Vec<Browser> = if args.browsers.is_empty() {
        BROWSERS
            .into_iter()
            .filter(|b| {
                if installing {
                    b.profile_dir(platform, &home).is_dir()
                } else {
                    b.manifest_path(platform, &home).exists() || platform == Platform::Windows
                }
            })
            .collect()
    } else {
        let mut list = args.browsers.clone();
        list.sort();
        list.dedup();
        list
    };
    if chosen.is_empty() && installing {
        bail!(
            "no supported browser found for this user (looked for Chrome, Chromium, Edge, Brave, Vivaldi and Firefox \
             profiles under {}); name one with --browser to install anyway",
            home.home.display()
        );
    }
    let placements = chosen
        .into_iter()
        .map(|browser| Placement {
            browser,
            manifest: browser.manifest_path(platform, &home),
            registry_key: (platform == Platform::Windows).then(|| browser.registry_key()),
        })
        .collect();
    Ok((platform, placements))
}

fn write(path: &Path, content: &str) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, content)
        .with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("cannot write {}", path.display()))
}

/// Runs (or, dry, shows) one `reg.exe` command; only ever run on Windows.
fn registry(platform: Platform, command: &[&str], dry_run: bool, name: &str) -> Result<()> {
    let shown = command.join(" ");
    if dry_run || platform != Platform::Windows {
        println!("{name}: would run {shown}");
        return Ok(());
    }
    let output = std::process::Command::new(command[0])
        .args(&command[1..])
        .stdin(std::process::Stdio::null())
        .output()
        .with_context(|| format!("cannot run {shown}"))?;
    let deleting_absent = command[1] == "delete" && !output.status.success();
    if output.status.success() || deleting_absent {
        println!(
            "{name}: {} {}",
            if deleting_absent {
                "no registry key"
            } else {
                "ran"
            },
            shown
        );
        Ok(())
    } else {
        bail!(
            "{shown} failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )
    }
}
