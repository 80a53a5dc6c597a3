//! The accept loop: every connection is admitted by [`Connections`] (a per-client share and a
//! global bound that sheds the oldest idle connection), then served by hyper's HTTP/1 server with
//! a timer, so a client must send each request head within the header timeout: hyper starts that
//! timer when it waits for a request, on a new connection and after each answer on a kept-alive
//! one, so it is the idle keep-alive timeout too. Whatever one client does, the others keep being
//! served.

use std::{future::Future, net::SocketAddr, sync::Arc, time::Duration};

use axum::{extract::ConnectInfo, Router};
use hyper::{body::Incoming, server::conn::http1, service::service_fn, Request};
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::{net::TcpListener, task::JoinSet};
use tower::ServiceExt;

use crate::connections::{Connections, Slot};

/// How long a connection being closed may take to finish the answer it is writing.
const CLOSING_GRACE: Duration = Duration::from_secs(2);

/// How long shutdown waits for open connections to finish.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// The client's address, as the rate limiter sees it.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

/// Serves `router` on `tcp` until `shutdown` resolves.
pub async fn serve(
    tcp: TcpListener,
    router: Router,
    connections: Arc<Connections>,
    header_timeout: Duration,
    shutdown: impl Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(header_timeout)
        .keep_alive(true);
    let mut tasks = JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = tcp.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(_) => {
                    // Out of descriptors or a connection reset before accept: try again shortly.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        while tasks.try_join_next().is_some() {}
        // A refused connection is closed at once by dropping it.
        let Ok(slot) = connections.admit(peer.ip()) else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        let http = http.clone();
        let router = router.clone();
        tasks.spawn(serve_connection(
            http,
            TokioIo::new(stream),
            peer,
            router,
            slot,
        ));
    }
    connections.shed_all();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
}

/// Serves one connection until either side closes it, or it is shed.
async fn serve_connection(
    http: http1::Builder,
    io: TokioIo<tokio::net::TcpStream>,
    peer: SocketAddr,
    router: Router,
    slot: Slot,
) {
    let activity = Arc::clone(slot.activity());
    let service = {
        let activity = Arc::clone(&activity);
        service_fn(move |mut request: Request<Incoming>| {
            request
                .extensions_mut()
                .insert(ConnectInfo(ClientAddr(peer)));
            let in_flight = activity.begin_request();
            let answer = router.clone().oneshot(request);
            async move {
                let response = answer.await;
                drop(in_flight);
                response
            }
        })
    };
    let connection = http.serve_connection(io, service);
    tokio::pin!(connection);
    tokio::select! {
        _ = connection.as_mut() => return,
        () = activity.shed.notified() => {}
    }
    connection.as_mut().graceful_shutdown();
    let _ = tokio::time::timeout(CLOSING_GRACE, connection).await;
}
