//! Real DNS servers for tests (hickory-server, UDP and TCP) on 127.0.0.x, each on its own thread
//! and runtime, serving the zone `test.`; and a "dead" resolver that never answers.
//! Shared with native-host's tests through `#[path]`.

use std::{
    net::{SocketAddr, TcpListener, UdpSocket},
    str::FromStr,
    sync::{mpsc, Arc},
    time::Duration,
};

use hickory_server::{
    authority::{Catalog, ZoneType},
    proto::rr::{
        rdata::{A, AAAA, SOA},
        LowerName, Name, RData, Record,
    },
    store::in_memory::InMemoryAuthority,
    ServerFuture,
};

/// A running test DNS server; it lives until the test process ends.
pub struct TestDns {
    /// Where it listens (UDP and TCP).
    pub addr: SocketAddr,
}

/// Starts a server on `ip` (e.g. `127.0.0.2`), port chosen by the OS, answering `name → address`
/// records of the zone `test.` with the given TTL. Names not listed get NXDOMAIN.
pub fn start(ip: &str, records: &[(&str, &str, u32)]) -> TestDns {
    let origin = Name::from_str("test.").expect("zone name");
    let mut authority = InMemoryAuthority::empty(origin.clone(), ZoneType::Primary, false);
    let soa = SOA::new(
        Name::from_str("ns.test.").unwrap(),
        Name::from_str("admin.test.").unwrap(),
        1,
        3600,
        600,
        86400,
        60,
    );
    authority.upsert_mut(Record::from_rdata(origin.clone(), 3600, RData::SOA(soa)), 1);
    for (name, address, ttl) in records {
        let name = Name::from_str(&format!("{name}.")).expect("record name");
        let rdata = match address.parse::<std::net::IpAddr>().expect("record address") {
            std::net::IpAddr::V4(a) => RData::A(A(a)),
            std::net::IpAddr::V6(a) => RData::AAAA(AAAA(a)),
        };
        authority.upsert_mut(Record::from_rdata(name, *ttl, rdata), 1);
    }
    let mut catalog = Catalog::new();
    catalog.upsert(LowerName::from(&origin), vec![Arc::new(authority)]);

    let udp = UdpSocket::bind(format!("{ip}:0")).expect("bind UDP on loopback");
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).expect("bind TCP on the same port");
    udp.set_nonblocking(true).unwrap();
    tcp.set_nonblocking(true).unwrap();
    let (ready, started) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let mut server = ServerFuture::new(catalog);
            server.register_socket(tokio::net::UdpSocket::from_std(udp).unwrap());
            server.register_listener(
                tokio::net::TcpListener::from_std(tcp).unwrap(),
                Duration::from_secs(5),
            );
            ready.send(()).unwrap();
            let _ = server.block_until_done().await;
        });
    });
    started
        .recv_timeout(Duration::from_secs(10))
        .expect("DNS server started");
    TestDns { addr }
}

/// A resolver address that accepts queries (UDP and TCP) and never answers.
pub struct DeadDns {
    /// Where it "listens".
    pub addr: SocketAddr,
    _udp: UdpSocket,
    _tcp: TcpListener,
}

/// Binds a dead resolver on `ip`.
pub fn start_dead(ip: &str) -> DeadDns {
    let udp = UdpSocket::bind(format!("{ip}:0")).expect("bind UDP on loopback");
    let addr = udp.local_addr().unwrap();
    let tcp = TcpListener::bind(addr).expect("bind TCP on the same port");
    DeadDns {
        addr,
        _udp: udp,
        _tcp: tcp,
    }
}
