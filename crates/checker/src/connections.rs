//! The open client connections: how many each client holds, which are idle, and which one to shed
//! when the global bound is reached. A new connection is refused only when its client already
//! holds its share, or when every open connection is busy with a request; otherwise an idle
//! connection is closed to make room — the oldest of the client holding the most — so clients
//! holding idle connections cannot lock everyone else out, and pay for their own churn.

use std::{
    collections::{BTreeMap, HashMap},
    net::IpAddr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc, Mutex, MutexGuard,
    },
};

use gwdoctor_net::Cidr;
use tokio::sync::Notify;

use crate::limit::client_key;

/// Why a new connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Its client already holds `--max-connections-per-client`.
    ClientFull,
    /// All `--max-connections` are busy with a request; none is idle to shed.
    AllBusy,
}

/// Every open connection, shared by the accept loop and the connections' tasks.
pub struct Connections {
    state: Mutex<State>,
    max_total: usize,
    max_per_client: usize,
    trusted_proxies: Vec<Cidr>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    /// In accept order: the first idle one is the oldest.
    open: BTreeMap<u64, Open>,
    per_client: HashMap<IpAddr, usize>,
}

struct Open {
    client: Option<IpAddr>,
    activity: Arc<Activity>,
}

impl Connections {
    /// At most `max_total` connections, at most `max_per_client` per client (IPv4 address, IPv6
    /// /64). A peer in `trusted_proxies` carries many clients' requests, so its connections are
    /// bounded by `max_total` only.
    pub fn new(max_total: usize, max_per_client: usize, trusted_proxies: Vec<Cidr>) -> Arc<Self> {
        Arc::new(Connections {
            state: Mutex::default(),
            max_total: max_total.max(1),
            max_per_client: max_per_client.max(1),
            trusted_proxies,
        })
    }

    /// Admits a connection from `peer`, shedding the oldest idle one if all slots are taken.
    pub fn admit(self: &Arc<Self>, peer: IpAddr) -> Result<Slot, Refusal> {
        let trusted = self.trusted_proxies.iter().any(|net| net.contains(peer));
        let client = (!trusted).then(|| client_key(peer));
        let mut state = self.lock();
        if let Some(client) = client {
            if state.per_client.get(&client).copied().unwrap_or(0) >= self.max_per_client {
                return Err(Refusal::ClientFull);
            }
        }
        if state.open.len() >= self.max_total {
            let victim = state.victim().ok_or(Refusal::AllBusy)?;
            if let Some(shed) = state.remove(victim) {
                shed.activity.shed.notify_one();
            }
        }
        let id = state.next_id;
        state.next_id += 1;
        let activity = Arc::new(Activity::new());
        if let Some(client) = client {
            *state.per_client.entry(client).or_default() += 1;
        }
        state.open.insert(
            id,
            Open {
                client,
                activity: Arc::clone(&activity),
            },
        );
        Ok(Slot {
            id,
            connections: Arc::clone(self),
            activity,
        })
    }

    /// Asks every open connection to close (at shutdown).
    pub fn shed_all(&self) {
        for open in self.lock().open.values() {
            open.activity.shed.notify_one();
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl State {
    /// The connection to shed: the oldest idle one of the client holding the most connections
    /// (so a client that keeps opening connections sheds its own), else the oldest idle one.
    fn victim(&self) -> Option<u64> {
        let oldest_idle_of = |client: Option<IpAddr>| {
            self.open
                .iter()
                .find(|(_, open)| {
                    (client.is_none() || open.client == client) && open.activity.is_idle()
                })
                .map(|(id, _)| *id)
        };
        let heaviest = self
            .per_client
            .iter()
            .max_by_key(|(_, count)| **count)
            .map(|(client, _)| *client);
        heaviest
            .and_then(|client| oldest_idle_of(Some(client)))
            .or_else(|| oldest_idle_of(None))
    }

    fn remove(&mut self, id: u64) -> Option<Open> {
        let open = self.open.remove(&id)?;
        if let Some(client) = open.client {
            if let Some(count) = self.per_client.get_mut(&client) {
                *count -= 1;
                if *count == 0 {
                    self.per_client.remove(&client);
                }
            }
        }
        Some(open)
    }
}

/// One admitted connection's place; dropping it frees the place.
pub struct Slot {
    id: u64,
    connections: Arc<Connections>,
    activity: Arc<Activity>,
}

impl Slot {
    /// What the connection is doing, for its task and its requests.
    pub fn activity(&self) -> &Arc<Activity> {
        &self.activity
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.lock().remove(self.id);
    }
}

/// A connection's requests in flight, and the signal to close it.
pub struct Activity {
    in_flight: AtomicUsize,
    /// Notified when the connection is to close (shed for a newer one, or shutdown).
    pub shed: Notify,
}

impl Activity {
    fn new() -> Self {
        Activity {
            in_flight: AtomicUsize::new(0),
            shed: Notify::new(),
        }
    }

    /// Marks a request in flight until the returned guard is dropped.
    pub fn begin_request(self: &Arc<Self>) -> RequestGuard {
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        RequestGuard(Arc::clone(self))
    }

    /// No request is in flight.
    pub fn is_idle(&self) -> bool {
        self.in_flight.load(Ordering::SeqCst) == 0
    }
}

/// A request in flight on a connection.
pub struct RequestGuard(Arc<Activity>);

impl Drop for RequestGuard {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_client_gets_its_share_and_no_more() {
        let connections = Connections::new(10, 2, Vec::new());
        let _a = connections.admit(ip("192.0.2.1")).unwrap();
        let _b = connections.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(
            connections.admit(ip("192.0.2.1")).err(),
            Some(Refusal::ClientFull)
        );
        // The same IPv6 /64 is one client; another address is not.
        let _c = connections.admit(ip("2001:db8::1")).unwrap();
        let _d = connections.admit(ip("2001:db8::2")).unwrap();
        assert!(connections.admit(ip("2001:db8::3")).is_err());
        assert!(connections.admit(ip("192.0.2.2")).is_ok());
    }

    #[test]
    fn the_oldest_idle_connection_is_shed_and_busy_ones_are_kept() {
        let connections = Connections::new(2, 10, Vec::new());
        let first = connections.admit(ip("192.0.2.1")).unwrap();
        let second = connections.admit(ip("192.0.2.1")).unwrap();
        let _busy = second.activity().begin_request();
        let third = connections.admit(ip("192.0.2.2")).unwrap();
        assert!(
            Arc::strong_count(first.activity()) == 1,
            "the first was let go"
        );
        let _busy_too = third.activity().begin_request();
        assert_eq!(
            connections.admit(ip("192.0.2.3")).err(),
            Some(Refusal::AllBusy)
        );
    }

    #[test]
    fn the_client_holding_the_most_sheds_its_own_first() {
        let connections = Connections::new(3, 10, Vec::new());
        let light = connections.admit(ip("192.0.2.1")).unwrap();
        let heavy_old = connections.admit(ip("192.0.2.2")).unwrap();
        let _heavy_new = connections.admit(ip("192.0.2.2")).unwrap();
        let _newcomer = connections.admit(ip("192.0.2.3")).unwrap();
        assert_eq!(
            Arc::strong_count(heavy_old.activity()),
            1,
            "the heavy client's oldest went"
        );
        assert_eq!(
            Arc::strong_count(light.activity()),
            2,
            "the light client's one stays"
        );
    }

    #[test]
    fn a_trusted_proxy_is_bounded_by_the_total_only() {
        let connections = Connections::new(5, 1, vec!["127.0.0.1/32".parse().unwrap()]);
        let held: Vec<Slot> = (0..3)
            .map(|_| connections.admit(ip("127.0.0.1")).unwrap())
            .collect();
        assert_eq!(held.len(), 3);
    }
}
