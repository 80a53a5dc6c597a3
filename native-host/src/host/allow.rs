//! Who launched the host, and whether that extension may use it.

use std::{collections::BTreeSet, ffi::OsString, path::PathBuf};

use gwdoctor_wire::native::{DEFAULT_EXTENSION_IDS, HOST_NAME};

use super::manifest::{self, Home, Platform};

/// Environment variable naming one more host manifest whose allowed extensions count (for
/// browsers started with a custom profile directory).
pub const MANIFEST_ENV: &str = "GWDOCTOR_HOST_MANIFEST";

/// The extension that launched the host, as the browser said on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// Chromium family: `argv[1] = chrome-extension://<id>/`.
    Chromium {
        /// The origin as passed.
        origin: String,
        /// The extension id.
        id: String,
    },
    /// Firefox: `argv[1]` = the host manifest's path, `argv[2]` = the extension id.
    Firefox {
        /// The manifest the browser used.
        manifest: PathBuf,
        /// The extension id.
        id: String,
    },
}

impl Caller {
    /// Recognises a browser launch from the arguments (program name first); `None` for a
    /// command-line use.
    pub fn detect(args: &[OsString]) -> Option<Caller> {
        let first = args.get(1)?.to_str()?;
        if let Some(rest) = first.strip_prefix("chrome-extension://") {
            let id = rest.trim_end_matches('/');
            return Some(Caller::Chromium {
                origin: first.to_string(),
                id: id.to_string(),
            });
        }
        let id = args.get(2)?.to_str()?;
        if args.len() == 3 && first.ends_with(".json") && !id.is_empty() && !id.starts_with('-') {
            return Some(Caller::Firefox {
                manifest: PathBuf::from(first),
                id: id.to_string(),
            });
        }
        None
    }

    /// The extension id.
    pub fn id(&self) -> &str {
        match self {
            Caller::Chromium { id, .. } | Caller::Firefox { id, .. } => id,
        }
    }

    /// How the caller is shown (`chrome-extension://…/` or the Firefox id).
    pub fn display(&self) -> String {
        match self {
            Caller::Chromium { origin, .. } => origin.clone(),
            Caller::Firefox { id, .. } => id.clone(),
        }
    }

    /// Whether the caller may use the host: its id is a default, or listed in one of the host's
    /// manifests (per-user locations, the Firefox manifest passed, `GWDOCTOR_HOST_MANIFEST`).
    pub fn is_allowed(&self) -> bool {
        if DEFAULT_EXTENSION_IDS.contains(&self.id()) {
            return true;
        }
        let mut manifests: Vec<PathBuf> = Home::from_env()
            .map(|home| manifest::all_locations(Platform::current(), &home))
            .unwrap_or_default();
        if let Caller::Firefox { manifest, .. } = self {
            manifests.push(manifest.clone());
        }
        if let Some(extra) = std::env::var_os(MANIFEST_ENV) {
            manifests.push(PathBuf::from(extra));
        }
        manifests
            .iter()
            .any(|path| allowed_in(path).contains(self.id()))
    }
}

/// The extension ids a host manifest allows (`allowed_origins` and `allowed_extensions`);
/// empty if the file is missing, not ours or unreadable.
pub fn allowed_in(path: &std::path::Path) -> BTreeSet<String> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return BTreeSet::new();
    };
    let Ok(manifest) = serde_json::from_str::<serde_json::Value>(&text) else {
        return BTreeSet::new();
    };
    if manifest["name"] != HOST_NAME {
        return BTreeSet::new();
    }
    let origins = manifest["allowed_origins"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|o| {
            o.as_str()?
                .strip_prefix("chrome-extension://")
                .map(|id| id.trim_end_matches('/').to_string())
        });
    let extensions = manifest["allowed_extensions"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e.as_str().map(str::to_string));
    origins.chain(extensions).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn recognises_browser_launches_only() {
        let chrome = Caller::detect(&args(&[
            "gwdoctor",
            "chrome-extension://abc/",
            "--parent-window=0",
        ]))
        .unwrap();
        assert_eq!(chrome.id(), "abc");
        let firefox = Caller::detect(&args(&[
            "gwdoctor",
            "/x/org.gatewaydoctor.gwdoctor.json",
            "a@b",
        ]))
        .unwrap();
        assert_eq!(
            firefox,
            Caller::Firefox {
                manifest: "/x/org.gatewaydoctor.gwdoctor.json".into(),
                id: "a@b".into()
            }
        );
        for cli in [
            &["gwdoctor", "check", "x"][..],
            &["gwdoctor"],
            &["gwdoctor", "a.json", "--json"],
            &["gwdoctor", "dns", "x.json", "y"],
        ] {
            assert_eq!(Caller::detect(&args(cli)), None, "{cli:?}");
        }
    }

    #[test]
    fn reads_allowed_ids_from_our_manifests_only() {
        let dir = tempfile::tempdir().unwrap();
        let ours = dir.path().join("a.json");
        std::fs::write(&ours, format!(r#"{{"name":"{HOST_NAME}","allowed_origins":["chrome-extension://xyz/"],"allowed_extensions":["f@x"]}}"#)).unwrap();
        assert_eq!(
            allowed_in(&ours),
            ["f@x".to_string(), "xyz".to_string()].into()
        );
        let other = dir.path().join("b.json");
        std::fs::write(
            &other,
            r#"{"name":"other","allowed_origins":["chrome-extension://xyz/"]}"#,
        )
        .unwrap();
        assert!(allowed_in(&other).is_empty());
        assert!(allowed_in(&dir.path().join("missing.json")).is_empty());
        let firefox = Caller::Firefox {
            manifest: ours,
            id: "f@x".into(),
        };
        assert!(firefox.is_allowed());
        let stranger = Caller::Firefox {
            manifest: other,
            id: "evil@x".into(),
        };
        assert!(!stranger.is_allowed());
    }
}
