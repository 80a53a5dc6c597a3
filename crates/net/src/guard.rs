//! Which addresses a fetch may connect to: the SSRF policy of a checker that fetches URLs given
//! by strangers. By default a public checker refuses every address that is not a public unicast
//! one — loopback, private, link-local, carrier-grade NAT, multicast, unspecified, broadcast,
//! documentation, benchmarking, reserved, the cloud metadata endpoints, IPv6 unique-local and
//! link-local — and looks inside IPv4-mapped, NAT64 and 6to4 IPv6 addresses for the IPv4 address
//! they carry. The policy is applied to the very address a connection is opened to, after name
//! resolution, so a name that resolves to a forbidden address (DNS rebinding) is refused too.

use std::{
    fmt,
    net::{IpAddr, Ipv4Addr, Ipv6Addr},
    str::FromStr,
};

/// Addresses a connection may (or may not) be opened to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddressPolicy {
    allow_private: bool,
    allowed: Vec<Cidr>,
}

impl Default for AddressPolicy {
    /// Everything is allowed (the CLI and the native host check what their user asks for).
    fn default() -> Self {
        AddressPolicy::allow_all()
    }
}

impl AddressPolicy {
    /// Public unicast addresses only: what a checker open to the internet must use.
    pub fn public_only() -> Self {
        AddressPolicy {
            allow_private: false,
            allowed: Vec::new(),
        }
    }

    /// Every address, private ones included (self-hosted checkers and tests).
    pub fn allow_all() -> Self {
        AddressPolicy {
            allow_private: true,
            allowed: Vec::new(),
        }
    }

    /// This policy with exceptions: addresses inside `networks` are allowed whatever their range.
    pub fn with_allowed(mut self, networks: impl IntoIterator<Item = Cidr>) -> Self {
        self.allowed.extend(networks);
        self
    }

    /// Whether every address is allowed.
    pub fn allows_private(&self) -> bool {
        self.allow_private
    }

    /// Allows `ip`, or says which forbidden range it is in.
    pub fn check(&self, ip: IpAddr) -> Result<(), Forbidden> {
        if self.allow_private || self.allowed.iter().any(|n| n.contains(ip)) {
            return Ok(());
        }
        match forbidden_range(ip) {
            Some(range) => Err(Forbidden { address: ip, range }),
            None => Ok(()),
        }
    }
}

/// An address the policy refuses, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Forbidden {
    /// The address.
    pub address: IpAddr,
    /// The range it is in, in words with its prefix ("loopback (127.0.0.0/8)").
    pub range: &'static str,
}

impl fmt::Display for Forbidden {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} is {}: refused by the address policy",
            self.address, self.range
        )
    }
}

impl std::error::Error for Forbidden {}

/// IPv4 ranges no public checker may reach, most specific first.
const IPV4_FORBIDDEN: &[(Ipv4Addr, u8, &str)] = &[
    (
        Ipv4Addr::new(169, 254, 169, 254),
        32,
        "a cloud metadata endpoint (169.254.169.254)",
    ),
    (
        Ipv4Addr::new(169, 254, 170, 2),
        32,
        "a cloud metadata endpoint (169.254.170.2, ECS)",
    ),
    (
        Ipv4Addr::new(100, 100, 100, 200),
        32,
        "a cloud metadata endpoint (100.100.100.200, Alibaba)",
    ),
    (
        Ipv4Addr::new(192, 0, 0, 192),
        32,
        "a cloud metadata endpoint (192.0.0.192, Oracle)",
    ),
    (
        Ipv4Addr::new(255, 255, 255, 255),
        32,
        "the broadcast address",
    ),
    (
        Ipv4Addr::new(0, 0, 0, 0),
        8,
        "unspecified / \"this network\" (0.0.0.0/8)",
    ),
    (Ipv4Addr::new(10, 0, 0, 0), 8, "private (10.0.0.0/8)"),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        "carrier-grade NAT (100.64.0.0/10)",
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, "loopback (127.0.0.0/8)"),
    (
        Ipv4Addr::new(169, 254, 0, 0),
        16,
        "link-local (169.254.0.0/16)",
    ),
    (Ipv4Addr::new(172, 16, 0, 0), 12, "private (172.16.0.0/12)"),
    (
        Ipv4Addr::new(192, 0, 0, 0),
        24,
        "IETF protocol assignments (192.0.0.0/24)",
    ),
    (
        Ipv4Addr::new(192, 0, 2, 0),
        24,
        "documentation (192.0.2.0/24)",
    ),
    (
        Ipv4Addr::new(192, 88, 99, 0),
        24,
        "the deprecated 6to4 relay anycast (192.88.99.0/24)",
    ),
    (
        Ipv4Addr::new(192, 168, 0, 0),
        16,
        "private (192.168.0.0/16)",
    ),
    (
        Ipv4Addr::new(198, 18, 0, 0),
        15,
        "benchmarking (198.18.0.0/15)",
    ),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        "documentation (198.51.100.0/24)",
    ),
    (
        Ipv4Addr::new(203, 0, 113, 0),
        24,
        "documentation (203.0.113.0/24)",
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, "multicast (224.0.0.0/4)"),
    (Ipv4Addr::new(240, 0, 0, 0), 4, "reserved (240.0.0.0/4)"),
];

/// IPv6 ranges no public checker may reach, most specific first (embedded IPv4 forms are
/// handled before this table).
const IPV6_FORBIDDEN: &[(Ipv6Addr, u8, &str)] = &[
    (Ipv6Addr::UNSPECIFIED, 128, "unspecified (::)"),
    (Ipv6Addr::LOCALHOST, 128, "loopback (::1)"),
    (
        Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254),
        128,
        "a cloud metadata endpoint (fd00:ec2::254)",
    ),
    (
        Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0),
        96,
        "IPv4-compatible, deprecated (::/96)",
    ),
    (
        Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0),
        48,
        "local-use NAT64 (64:ff9b:1::/48)",
    ),
    (
        Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0),
        64,
        "discard-only (100::/64)",
    ),
    (
        Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0),
        32,
        "documentation (2001:db8::/32)",
    ),
    (
        Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0),
        23,
        "IETF protocol assignments, Teredo included (2001::/23)",
    ),
    (
        Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0),
        20,
        "documentation (3fff::/20)",
    ),
    (
        Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0),
        7,
        "unique local (fc00::/7)",
    ),
    (
        Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0),
        10,
        "link-local (fe80::/10)",
    ),
    (
        Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0),
        10,
        "site-local, deprecated (fec0::/10)",
    ),
    (
        Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0),
        8,
        "multicast (ff00::/8)",
    ),
];

/// The forbidden range `ip` is in, or `None` for a public unicast address.
pub fn forbidden_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => forbidden_v6(v6),
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> Option<&'static str> {
    IPV4_FORBIDDEN
        .iter()
        .find(|(net, len, _)| v4_in(ip, *net, *len))
        .map(|(_, _, name)| *name)
}

fn forbidden_v6(ip: Ipv6Addr) -> Option<&'static str> {
    if let Some(v4) = embedded_v4(ip) {
        return forbidden_v4(v4);
    }
    if let Some((_, _, name)) = IPV6_FORBIDDEN
        .iter()
        .find(|(net, len, _)| v6_in(ip, *net, *len))
    {
        return Some(name);
    }
    // Only 2000::/3 is global unicast; everything else is unassigned or special.
    (!v6_in(ip, Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3))
        .then_some("not global unicast (outside 2000::/3)")
}

/// The IPv4 address carried by an IPv4-mapped (`::ffff:0:0/96`), NAT64 (`64:ff9b::/96`) or 6to4
/// (`2002::/16`) address: that one is what the packets reach.
fn embedded_v4(ip: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(ip);
    let low32 = Ipv4Addr::from(bits as u32);
    if v6_in(ip, Ipv6Addr::new(0, 0, 0, 0, 0, 0xffff, 0, 0), 96)
        || v6_in(ip, Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0), 96)
    {
        return Some(low32);
    }
    if v6_in(ip, Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0), 16) {
        return Some(Ipv4Addr::from((bits >> 80) as u32));
    }
    None
}

fn v4_in(ip: Ipv4Addr, net: Ipv4Addr, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    u32::from(ip) & mask == u32::from(net) & mask
}

fn v6_in(ip: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    u128::from(ip) & mask == u128::from(net) & mask
}

/// A network, `address/prefix` (a bare address is a single-address network).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cidr {
    network: IpAddr,
    prefix: u8,
}

impl Cidr {
    /// Whether `ip` is inside (IPv4-mapped IPv6 addresses count as their IPv4 address).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        match (self.network, ip) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => v4_in(ip, net, self.prefix),
            (IpAddr::V6(net), IpAddr::V6(ip)) => v6_in(ip, net, self.prefix),
            _ => false,
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

/// Why a network could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("bad network `{0}`: expected ADDRESS or ADDRESS/PREFIX, e.g. 10.1.2.0/24 or fd00::/8")]
pub struct CidrError(String);

impl FromStr for Cidr {
    type Err = CidrError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let error = || CidrError(s.to_string());
        let (address, prefix) = match s.trim().split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| error())?;
        let max = if network.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(error)?,
            None => max,
        };
        Ok(Cidr { network, prefix })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(address: &str) -> bool {
        AddressPolicy::public_only()
            .check(address.parse().unwrap())
            .is_err()
    }

    #[test]
    fn refuses_every_special_ipv4_range() {
        for address in [
            "0.0.0.0",
            "0.1.2.3",
            "10.0.0.1",
            "10.255.255.255",
            "100.64.0.1",
            "100.127.255.254",
            "127.0.0.1",
            "127.255.0.9",
            "169.254.0.1",
            "169.254.169.254",
            "172.16.0.1",
            "172.31.255.255",
            "192.0.0.192",
            "192.0.2.10",
            "192.88.99.1",
            "192.168.1.1",
            "198.18.0.1",
            "198.19.255.255",
            "198.51.100.7",
            "203.0.113.9",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
        ] {
            assert!(refused(address), "{address} must be refused");
        }
    }

    #[test]
    fn allows_public_ipv4_next_to_the_ranges() {
        for address in [
            "1.1.1.1",
            "9.255.255.255",
            "11.0.0.0",
            "100.63.255.255",
            "100.128.0.0",
            "126.255.255.255",
            "128.0.0.0",
            "172.15.255.255",
            "172.32.0.0",
            "192.0.3.0",
            "192.167.255.255",
            "192.169.0.0",
            "198.17.255.255",
            "198.20.0.0",
            "223.255.255.255",
        ] {
            assert!(!refused(address), "{address} is public");
        }
    }

    #[test]
    fn refuses_special_ipv6_and_embedded_forbidden_ipv4() {
        for address in [
            "::",
            "::1",
            "::127.0.0.1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a00:1",
            "64:ff9b::7f00:1",
            "64:ff9b:1::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
            "100::1",
            "2001::1",
            "2001:db8::1",
            "3fff::1",
            "fc00::1",
            "fd00:ec2::254",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "4000::1",
        ] {
            assert!(refused(address), "{address} must be refused");
        }
    }

    #[test]
    fn allows_public_ipv6_and_embedded_public_ipv4() {
        for address in [
            "2606:4700::1111",
            "2a00:1450:4001::1",
            "::ffff:1.1.1.1",
            "64:ff9b::808:808",
            "2002:0101:0101::1",
        ] {
            assert!(!refused(address), "{address} is public");
        }
    }

    #[test]
    fn names_the_range() {
        let error = AddressPolicy::public_only()
            .check("169.254.169.254".parse().unwrap())
            .unwrap_err();
        assert!(error.range.contains("cloud metadata"), "{error}");
        assert!(error.to_string().starts_with("169.254.169.254 is a cloud"));
        let error = AddressPolicy::public_only()
            .check("::ffff:127.0.0.1".parse().unwrap())
            .unwrap_err();
        assert_eq!(error.range, "loopback (127.0.0.0/8)");
    }

    #[test]
    fn allow_all_and_exceptions() {
        let all = AddressPolicy::allow_all();
        assert!(all.check("127.0.0.1".parse().unwrap()).is_ok());
        assert!(all.check("169.254.169.254".parse().unwrap()).is_ok());
        let some = AddressPolicy::public_only().with_allowed(["127.0.0.2/32".parse().unwrap()]);
        assert!(some.check("127.0.0.2".parse().unwrap()).is_ok());
        assert!(some.check("::ffff:127.0.0.2".parse().unwrap()).is_ok());
        assert!(some.check("127.0.0.1".parse().unwrap()).is_err());
        assert!(some.check("10.0.0.1".parse().unwrap()).is_err());
    }

    #[test]
    fn parses_networks() {
        let net: Cidr = "10.1.2.0/24".parse().unwrap();
        assert!(net.contains("10.1.2.200".parse().unwrap()));
        assert!(!net.contains("10.1.3.1".parse().unwrap()));
        assert_eq!(net.to_string(), "10.1.2.0/24");
        let one: Cidr = "fd00::5".parse().unwrap();
        assert_eq!(one.to_string(), "fd00::5/128");
        let everything: Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(everything.contains("8.8.8.8".parse().unwrap()));
        for bad in ["", "10.0.0.0/33", "fd00::/129", "example.com", "10.0.0.0/x"] {
            assert!(bad.parse::<Cidr>().is_err(), "{bad}");
        }
    }
}
