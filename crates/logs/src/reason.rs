//! Why an upstream failed, finer than the contract's cause: each reason names its cause, what it
//! means in a few words, and the likely fix in one sentence.

use gwdoctor_core::Cause;
use serde::Serialize;

macro_rules! reasons {
    ($( $(#[$meta:meta])* $variant:ident = $id:literal, $cause:ident, $what:literal, $fix:literal; )+) => {
        /// The detail of a failure, next to its contract [`Cause`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
        pub enum Reason {
            $( $(#[$meta])* #[serde(rename = $id)] $variant, )+
        }

        impl Reason {
            /// Every reason, in declaration order.
            pub const ALL: &'static [Reason] = &[$(Reason::$variant),+];

            /// The reason's id (`refused`, `reset`, `socket-permission` …).
            pub fn id(self) -> &'static str {
                match self { $(Reason::$variant => $id,)+ }
            }

            /// The contract cause this reason is a case of.
            pub fn cause(self) -> Cause {
                match self { $(Reason::$variant => Cause::$cause,)+ }
            }

            /// What happened, in a few words.
            pub fn what(self) -> &'static str {
                match self { $(Reason::$variant => $what,)+ }
            }

            /// The likely fix, in one sentence.
            pub fn fix(self) -> &'static str {
                match self { $(Reason::$variant => $fix,)+ }
            }
        }
    };
}

reasons! {
    /// Nothing accepted the connection (TCP refused).
    Refused = "refused", ConnectionRefused,
        "the upstream refused the connection",
        "Nothing listens there: start the application server (or find out why it stopped), or point the gateway at the port or socket the application really listens on.";
    /// The connection could not be made; the log does not say why.
    ConnectFailed = "connect-failed", ConnectionRefused,
        "the connection to the upstream failed",
        "The gateway could not connect: check that the application server is running and listens on the address the gateway uses.";
    /// A Unix socket path that does not exist.
    SocketMissing = "socket-missing", ConnectionRefused,
        "the upstream's socket file does not exist",
        "The socket file is missing: start the application server (e.g. PHP-FPM), or make the gateway's socket path the one the application creates.";
    /// A Unix socket the gateway's user may not open.
    SocketPermission = "socket-permission", ConnectionRefused,
        "the gateway may not open the upstream's socket",
        "The gateway's user may not open the socket: set the socket's owner, group or mode so that user can (PHP-FPM: listen.owner, listen.group, listen.mode).";
    /// No route to the upstream's address.
    Unreachable = "unreachable", ConnectionRefused,
        "there is no route to the upstream",
        "The upstream's address cannot be reached: check the address and the network or firewall between the gateway and it.";
    /// The connection was not accepted in time.
    ConnectTimeout = "connect-timeout", Timeout,
        "the upstream did not accept the connection in time",
        "The upstream did not accept the connection in time: check that it is up and reachable (firewall, route) and that its accept queue is not full.";
    /// The upstream accepted but did not answer in time.
    ReadTimeout = "read-timeout", Timeout,
        "the upstream did not answer in time",
        "The upstream accepted the request but answered too late: find the slow requests in the application, and make the timeouts agree between layers (e.g. nginx proxy_read_timeout, the app server's worker timeout, any load balancer in front).";
    /// The upstream reset the connection.
    Reset = "reset", InvalidResponse,
        "the upstream reset the connection",
        "The upstream reset the connection: the application server probably crashed or restarted (see its log), or it closes idle keep-alive connections before the gateway does.";
    /// The upstream closed the connection before the response was complete.
    PrematureClose = "premature-close", InvalidResponse,
        "the upstream closed the connection before its response was complete",
        "The upstream closed the connection mid-response: the application probably crashes while answering (see its log for a crash, or a worker killed by a timeout or memory limit).";
    /// The upstream's answer is not valid HTTP (or not valid FastCGI).
    InvalidHeader = "invalid-header", InvalidResponse,
        "the upstream's answer is not a valid response",
        "The upstream's answer is not valid HTTP: check that the gateway speaks the upstream's protocol (HTTP or FastCGI/uwsgi, HTTP or HTTPS) and that the port is the application's.";
    /// The upstream's response headers are larger than the gateway's buffer.
    HeaderTooLarge = "header-too-large", HeaderTooLarge,
        "the upstream's response headers are too large for the gateway",
        "The response headers are larger than the gateway's buffer: raise it (nginx proxy_buffer_size and proxy_buffers, or fastcgi_buffer_size; Apache ResponseFieldSize) or send smaller headers (large cookies).";
    /// Every upstream server is marked down.
    NoLiveUpstreams = "no-live-upstreams", Overload,
        "no upstream server was available",
        "Every upstream server is marked down after earlier failures: fix those failures (listed with them); the gateway tries the servers again after a while (nginx fail_timeout, Apache retry).";
    /// A queue or connection limit was full.
    QueueFull = "queue-full", Overload,
        "the request waited too long for a free upstream connection",
        "The upstream's queue or connection limit is full: add capacity or raise the limit (HAProxy maxconn, a circuit breaker), and find what makes the requests slow.";
    /// The upstream's name did not resolve.
    Dns = "dns", Dns,
        "the upstream's name did not resolve",
        "The upstream's name does not resolve: fix the name in the gateway's configuration or the resolver the gateway uses.";
    /// TLS to the upstream failed.
    Tls = "tls", Tls,
        "TLS to the upstream failed",
        "TLS to the upstream failed: check that the upstream speaks TLS on that port, its certificate (name, chain, expiry), and the gateway's TLS settings (e.g. nginx proxy_ssl_server_name on for SNI).";
    /// The gateway gave up after its retries.
    RetryLimit = "retry-limit", Unknown,
        "the gateway gave up after its retries",
        "The gateway gave up after retrying: look at the upstream's own failures (connection errors, resets) and its health.";
    /// The application answered with this error itself.
    AppStatus = "app-status", AppError,
        "the application answered with an error itself",
        "The application sent this error itself and the gateway passed it on: read the application's log for these requests.";
    /// The application wrote an error the gateway logged (FastCGI stderr).
    AppStderr = "app-stderr", AppError,
        "the application reported an error",
        "The application reported this error (quoted in the gateway's log): fix it in the application.";
    /// The gateway logged a failure without its cause.
    GatewayError = "gateway-error", Unknown,
        "the gateway failed to get an answer; its log does not say why",
        "This log records the failure without its cause: read the gateway's error log at the same time for the reason.";
    /// An access log's 5xx status: the log tells no cause.
    StatusOnly = "status-only", Unknown,
        "an error status in the access log",
        "An access log shows the status only: the same gateway's error log says why (give both files).";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_every_fix_is_one_sentence() {
        for (i, a) in Reason::ALL.iter().enumerate() {
            for b in &Reason::ALL[i + 1..] {
                assert_ne!(a.id(), b.id());
            }
            let fix = a.fix();
            assert!(fix.ends_with('.'), "{fix}");
            assert_eq!(
                fix.replace("e.g. ", "").matches(". ").count(),
                0,
                "two sentences: {fix}"
            );
            assert_eq!(serde_json::to_value(a).unwrap(), a.id());
        }
    }
}
