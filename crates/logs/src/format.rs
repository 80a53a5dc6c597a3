//! The log formats the reader recognises, each detected from the lines themselves.

use serde::Serialize;

macro_rules! formats {
    ($( $(#[$meta:meta])* $variant:ident = $id:literal, $name:literal; )+) => {
        /// A log format, detected from a line (never from a file name).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Format {
            $( $(#[$meta])* #[serde(rename = $id)] $variant, )+
        }

        impl Format {
            /// Every format, in declaration order.
            pub const ALL: &'static [Format] = &[$(Format::$variant),+];

            /// The format's id (`nginx-error`, `haproxy` …).
            pub fn id(self) -> &'static str {
                match self { $(Format::$variant => $id,)+ }
            }

            /// The format's name as a person reads it.
            pub fn name(self) -> &'static str {
                match self { $(Format::$variant => $name,)+ }
            }
        }
    };
}

formats! {
    /// nginx's error log.
    NginxError = "nginx-error", "nginx error log";
    /// Apache httpd's error log (2.4 format).
    ApacheError = "apache-error", "Apache error log";
    /// HAProxy's HTTP log (`option httplog`).
    Haproxy = "haproxy", "HAProxy log";
    /// Caddy's JSON logs other than the access log (its error logger is `http.log.error`).
    CaddyError = "caddy-error", "Caddy log";
    /// Caddy's JSON access log (`http.log.access`).
    CaddyAccess = "caddy-access", "Caddy access log";
    /// Traefik's JSON access log.
    TraefikJson = "traefik-json", "Traefik access log (JSON)";
    /// Envoy's access log in its default format.
    Envoy = "envoy", "Envoy access log";
    /// lighttpd's error log.
    LighttpdError = "lighttpd-error", "lighttpd error log";
    /// Squid's native access log.
    SquidAccess = "squid-access", "Squid access log";
    /// The common or combined access log format (nginx, Apache, lighttpd, Traefik …).
    AccessClf = "access-clf", "common/combined access log";
}
