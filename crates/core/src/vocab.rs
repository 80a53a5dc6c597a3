//! The verdict's vocabulary: every id a verdict, a signature file or a shell may use for a
//! category, a role, a cause or a step — defined here once. The contract (`docs/verdict.md`) lists
//! the same ids, and `cargo test -p gwdoctor-core --test contract` compares the two.
//!
//! `build.rs` includes this file too (`#[path]`), so the signature files are checked against the
//! very enums the crate uses and packed by variant index: this file depends on `serde` only.

use serde::{Deserialize, Serialize};

/// Defines an enumeration whose values serialize as the given contract ids, with `ALL` (every
/// value in declaration order, which is also the order binary formats number them by) and `id`.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$variant_meta:meta])* $variant:ident = $id:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name {
            $( $(#[$variant_meta])* #[serde(rename = $id)] $variant, )+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The contract id.
            pub fn id(self) -> &'static str {
                match self {
                    $($name::$variant => $id,)+
                }
            }
        }
    };
}

vocabulary! {
    /// Where a layer sits in the delivery chain.
    pub enum Role {
        /// A proxy on the visitor's side (corporate or ISP proxy).
        ForwardProxy = "forward-proxy",
        /// A content delivery network edge.
        Cdn = "cdn",
        /// A web application firewall.
        Waf = "waf",
        /// A load balancer.
        LoadBalancer = "load-balancer",
        /// A platform's router in front of the app (Heroku, Vercel, Render …).
        Paas = "paas",
        /// A caching proxy.
        Cache = "cache",
        /// A reverse proxy in front of the application.
        ReverseProxy = "reverse-proxy",
        /// The application itself.
        Origin = "origin",
    }
}

vocabulary! {
    /// Why a hop failed.
    pub enum Cause {
        /// The next hop refused the connection.
        ConnectionRefused = "connection-refused",
        /// The next hop did not answer in time.
        Timeout = "timeout",
        /// The next hop answered with something that is not a valid HTTP response.
        InvalidResponse = "invalid-response",
        /// The next hop's response headers were too large for the gateway.
        HeaderTooLarge = "header-too-large",
        /// A TLS handshake failed.
        Tls = "tls",
        /// A name could not be resolved.
        Dns = "dns",
        /// The application failed and said so itself.
        AppError = "app-error",
        /// The site is down for maintenance.
        Maintenance = "maintenance",
        /// The site is overloaded or has no healthy backend.
        Overload = "overload",
        /// The evidence does not tell.
        Unknown = "unknown",
    }
}

vocabulary! {
    /// The broad kind of a failure.
    pub enum Category {
        /// 502: a gateway got no valid answer from the server behind it.
        BadGateway = "bad-gateway",
        /// 504 (and Cloudflare 524): a gateway timed out waiting for the server behind it.
        GatewayTimeout = "gateway-timeout",
        /// 503: the service said it cannot answer now (overload, maintenance, no healthy backend).
        ServiceUnavailable = "service-unavailable",
        /// 500: the server hit an internal error.
        InternalError = "internal-error",
        /// The origin refused the gateway's connection (Cloudflare 521).
        OriginDown = "origin-down",
        /// The origin could not be reached at all (Cloudflare 522/523/530, or no route from here).
        OriginUnreachable = "origin-unreachable",
        /// A TLS handshake failed (Cloudflare 525/526, or a certificate error from here).
        TlsError = "tls-error",
        /// Any other 5xx.
        Other5xx = "other-5xx",
        /// A page that is not an error.
        NotAnError = "not-an-error",
    }
}

vocabulary! {
    /// The visitor checklist steps advice can name.
    pub enum Step {
        /// Try again (the extension does it with backoff).
        Retry = "retry",
        /// Reload skipping every cache.
        BypassCache = "bypass-cache",
        /// Ask another vantage point whether the site is down for everyone.
        CheckElsewhere = "check-elsewhere",
        /// Compare resolvers / flush the DNS cache.
        CheckDns = "check-dns",
        /// Try from a private window (no cookies, no extensions).
        PrivateWindow = "private-window",
        /// Try from another network (e.g. mobile data instead of Wi-Fi).
        OtherNetwork = "other-network",
        /// Wait: the site says when it will be back.
        Wait = "wait",
        /// Read an archived copy of the page meanwhile.
        ArchivedCopy = "archived-copy",
        /// Only the site's operators can fix it.
        ContactSite = "contact-site",
    }
}
