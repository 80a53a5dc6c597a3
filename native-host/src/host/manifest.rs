//! Where each browser looks for native messaging host manifests, per user, and what they hold.
//!
//! | browser | Linux (`$XDG_CONFIG_HOME` or `~/.config`) | macOS (`~/Library/Application Support`) | Windows (registry, `HKCU\Software\…\NativeMessagingHosts\<name>`) |
//! |---|---|---|---|
//! | Chrome | `google-chrome/NativeMessagingHosts` | `Google/Chrome/NativeMessagingHosts` | `Google\Chrome` |
//! | Chromium | `chromium/NativeMessagingHosts` | `Chromium/NativeMessagingHosts` | `Chromium` |
//! | Edge | `microsoft-edge/NativeMessagingHosts` | `Microsoft Edge/NativeMessagingHosts` | `Microsoft\Edge` |
//! | Brave | `BraveSoftware/Brave-Browser/NativeMessagingHosts` | `BraveSoftware/Brave-Browser/NativeMessagingHosts` | `BraveSoftware\Brave-Browser` |
//! | Vivaldi | `vivaldi/NativeMessagingHosts` | `Vivaldi/NativeMessagingHosts` | `Vivaldi` |
//! | Firefox | `~/.mozilla/native-messaging-hosts` | `Mozilla/NativeMessagingHosts` | `Mozilla` |
//!
//! On Windows the manifest files live in `%LOCALAPPDATA%\gwdoctor\<browser>\` and the registry
//! key's default value holds their path.

use std::path::{Path, PathBuf};

use serde_json::json;

use gwdoctor_wire::native::{DEFAULT_EXTENSION_IDS, HOST_NAME};

/// A supported browser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum Browser {
    /// Google Chrome.
    Chrome,
    /// Chromium.
    Chromium,
    /// Microsoft Edge.
    Edge,
    /// Brave.
    Brave,
    /// Vivaldi.
    Vivaldi,
    /// Mozilla Firefox.
    Firefox,
}

/// Every supported browser.
pub const BROWSERS: [Browser; 6] = [
    Browser::Chrome,
    Browser::Chromium,
    Browser::Edge,
    Browser::Brave,
    Browser::Vivaldi,
    Browser::Firefox,
];

/// A platform with known locations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Platform {
    /// Linux (and other free Unixes using XDG directories).
    Linux,
    /// macOS.
    Macos,
    /// Windows.
    Windows,
}

impl Platform {
    /// The platform this binary runs on.
    pub fn current() -> Platform {
        if cfg!(windows) {
            Platform::Windows
        } else if cfg!(target_os = "macos") {
            Platform::Macos
        } else {
            Platform::Linux
        }
    }
}

/// The user's directories the locations derive from.
#[derive(Debug, Clone)]
pub struct Home {
    /// `$HOME` (`%USERPROFILE%`).
    pub home: PathBuf,
    /// `$XDG_CONFIG_HOME` when set to an absolute path.
    pub xdg_config: Option<PathBuf>,
    /// `%LOCALAPPDATA%`.
    pub local_app_data: Option<PathBuf>,
    /// `%APPDATA%`.
    pub app_data: Option<PathBuf>,
}

impl Home {
    /// From the environment; `None` without a home directory.
    pub fn from_env() -> Option<Home> {
        let var = |name| {
            std::env::var_os(name)
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
        };
        Some(Home {
            home: var("HOME").or_else(|| var("USERPROFILE"))?,
            xdg_config: var("XDG_CONFIG_HOME"),
            local_app_data: var("LOCALAPPDATA"),
            app_data: var("APPDATA"),
        })
    }

    fn config(&self) -> PathBuf {
        self.xdg_config
            .clone()
            .unwrap_or_else(|| self.home.join(".config"))
    }

    fn mac_support(&self) -> PathBuf {
        self.home.join("Library/Application Support")
    }

    fn local_app_data(&self) -> PathBuf {
        self.local_app_data
            .clone()
            .unwrap_or_else(|| self.home.join("AppData/Local"))
    }

    fn app_data(&self) -> PathBuf {
        self.app_data
            .clone()
            .unwrap_or_else(|| self.home.join("AppData/Roaming"))
    }
}

impl Browser {
    /// The name used on the command line and in reports.
    pub fn id(self) -> &'static str {
        match self {
            Browser::Chrome => "chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "edge",
            Browser::Brave => "brave",
            Browser::Vivaldi => "vivaldi",
            Browser::Firefox => "firefox",
        }
    }

    /// Whether the manifest uses Firefox's format (`allowed_extensions`).
    pub fn is_firefox(self) -> bool {
        self == Browser::Firefox
    }

    /// The directory whose existence says the browser has been used by this user.
    pub fn profile_dir(self, platform: Platform, home: &Home) -> PathBuf {
        match platform {
            Platform::Linux => match self {
                Browser::Firefox => home.home.join(".mozilla"),
                _ => home.config().join(self.linux_dir()),
            },
            Platform::Macos => home.mac_support().join(match self {
                Browser::Firefox => "Firefox",
                _ => self.mac_dir(),
            }),
            Platform::Windows => match self {
                Browser::Firefox => home.app_data().join("Mozilla/Firefox"),
                _ => home
                    .local_app_data()
                    .join(self.windows_dir())
                    .join("User Data"),
            },
        }
    }

    /// Where the host manifest goes.
    pub fn manifest_path(self, platform: Platform, home: &Home) -> PathBuf {
        let dir = match platform {
            Platform::Linux => match self {
                Browser::Firefox => home.home.join(".mozilla/native-messaging-hosts"),
                _ => home
                    .config()
                    .join(self.linux_dir())
                    .join("NativeMessagingHosts"),
            },
            Platform::Macos => home
                .mac_support()
                .join(match self {
                    Browser::Firefox => "Mozilla",
                    _ => self.mac_dir(),
                })
                .join("NativeMessagingHosts"),
            Platform::Windows => home.local_app_data().join("gwdoctor").join(self.id()),
        };
        dir.join(format!("{HOST_NAME}.json"))
    }

    /// The Windows registry key (under `HKEY_CURRENT_USER`) whose default value is the
    /// manifest's path.
    pub fn registry_key(self) -> String {
        let vendor = match self {
            Browser::Firefox => "Mozilla",
            _ => self.windows_dir(),
        };
        format!(
            r"HKCU\Software\{}\NativeMessagingHosts\{HOST_NAME}",
            vendor.replace('/', r"\")
        )
    }

    fn linux_dir(self) -> &'static str {
        match self {
            Browser::Chrome => "google-chrome",
            Browser::Chromium => "chromium",
            Browser::Edge => "microsoft-edge",
            Browser::Brave => "BraveSoftware/Brave-Browser",
            Browser::Vivaldi | Browser::Firefox => "vivaldi",
        }
    }

    fn mac_dir(self) -> &'static str {
        match self {
            Browser::Chrome => "Google/Chrome",
            Browser::Chromium => "Chromium",
            Browser::Edge => "Microsoft Edge",
            Browser::Brave => "BraveSoftware/Brave-Browser",
            Browser::Vivaldi | Browser::Firefox => "Vivaldi",
        }
    }

    fn windows_dir(self) -> &'static str {
        match self {
            Browser::Chrome => "Google/Chrome",
            Browser::Chromium => "Chromium",
            Browser::Edge => "Microsoft/Edge",
            Browser::Brave => "BraveSoftware/Brave-Browser",
            Browser::Vivaldi | Browser::Firefox => "Vivaldi",
        }
    }
}

/// Every manifest location of every browser on `platform` (where the host looks for the ids
/// `install` allowed).
pub fn all_locations(platform: Platform, home: &Home) -> Vec<PathBuf> {
    BROWSERS
        .iter()
        .map(|b| b.manifest_path(platform, home))
        .collect()
}

/// The manifest for `browser`: the host at `exe`, the default ids plus `extra_ids`.
pub fn manifest_json(browser: Browser, exe: &Path, extra_ids: &[String]) -> String {
    let mut ids: Vec<String> = DEFAULT_EXTENSION_IDS
        .iter()
        .map(|s| s.to_string())
        .collect();
    for id in extra_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    let is_firefox_id = |id: &String| id.contains('@') || id.starts_with('{');
    let mut manifest = json!({
        "name": HOST_NAME,
        "description": "Gateway Doctor: DNS, probes and cache flush for the Gateway Doctor extension",
        "path": exe,
        "type": "stdio",
    });
    if browser.is_firefox() {
        let ids: Vec<&String> = ids.iter().filter(|id| is_firefox_id(id)).collect();
        manifest["allowed_extensions"] = json!(ids);
    } else {
        let origins: Vec<String> = ids
            .iter()
            .filter(|id| !is_firefox_id(id))
            .map(|id| format!("chrome-extension://{id}/"))
            .collect();
        manifest["allowed_origins"] = json!(origins);
    }
    let mut text = serde_json::to_string_pretty(&manifest).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home() -> Home {
        Home {
            home: "/home/u".into(),
            xdg_config: None,
            local_app_data: Some("C:/Users/u/AppData/Local".into()),
            app_data: None,
        }
    }

    #[test]
    fn locations_per_platform() {
        let h = home();
        let name = format!("{HOST_NAME}.json");
        assert_eq!(
            Browser::Brave.manifest_path(Platform::Linux, &h),
            PathBuf::from("/home/u/.config/BraveSoftware/Brave-Browser/NativeMessagingHosts")
                .join(&name)
        );
        assert_eq!(
            Browser::Firefox.manifest_path(Platform::Linux, &h),
            PathBuf::from("/home/u/.mozilla/native-messaging-hosts").join(&name)
        );
        assert_eq!(
            Browser::Edge.manifest_path(Platform::Macos, &h),
            PathBuf::from(
                "/home/u/Library/Application Support/Microsoft Edge/NativeMessagingHosts"
            )
            .join(&name)
        );
        assert_eq!(
            Browser::Firefox.manifest_path(Platform::Macos, &h),
            PathBuf::from("/home/u/Library/Application Support/Mozilla/NativeMessagingHosts")
                .join(&name)
        );
        assert_eq!(
            Browser::Chrome.registry_key(),
            format!(r"HKCU\Software\Google\Chrome\NativeMessagingHosts\{HOST_NAME}")
        );
        assert_eq!(
            Browser::Firefox.registry_key(),
            format!(r"HKCU\Software\Mozilla\NativeMessagingHosts\{HOST_NAME}")
        );
        let xdg = Home {
            xdg_config: Some("/x".into()),
            ..home()
        };
        assert_eq!(
            Browser::Vivaldi.profile_dir(Platform::Linux, &xdg),
            PathBuf::from("/x/vivaldi")
        );
    }

    #[test]
    fn manifests_use_each_browsers_format() {
        let extra = vec![
            "abcdefghijklmnopabcdefghijklmnop".to_string(),
            "me@test".to_string(),
        ];
        let chrome: serde_json::Value = serde_json::from_str(&manifest_json(
            Browser::Chrome,
            Path::new("/bin/gwdoctor"),
            &extra,
        ))
        .unwrap();
        assert_eq!(chrome["name"], HOST_NAME);
        assert_eq!(chrome["type"], "stdio");
        assert_eq!(chrome["path"], "/bin/gwdoctor");
        let origins = chrome["allowed_origins"].as_array().unwrap();
        assert!(origins.contains(&json!(
            "chrome-extension://abcdefghijklmnopabcdefghijklmnop/"
        )));
        assert!(origins.contains(&json!(format!(
            "chrome-extension://{}/",
            DEFAULT_EXTENSION_IDS[0]
        ))));
        assert!(chrome.get("allowed_extensions").is_none());
        let firefox: serde_json::Value = serde_json::from_str(&manifest_json(
            Browser::Firefox,
            Path::new("/bin/gwdoctor"),
            &extra,
        ))
        .unwrap();
        assert_eq!(
            firefox["allowed_extensions"],
            json!([DEFAULT_EXTENSION_IDS[1], "me@test"])
        );
    }
}
