//! Where the client's address comes from: the socket peer, or one header that the operator's
//! own proxy sets, read at a configured depth.
//!
//! Throttles key on this address, so a client must not be able to choose it. A proxy appends
//! the address it saw to `X-Forwarded-For` (or overwrites it); anything to the left of what
//! the trusted proxies wrote is the client's own claim. So the address is the `hops`-th from
//! the right of the named header, and no other header (RFC 7239 `Forwarded` included) is read
//! unless it is the one configured.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use actix_web::HttpRequest;

/// How the client address of a request is found.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum ClientIpSource {
    /// The TCP peer (no proxy in front).
    #[default]
    Peer,
    /// A header set by `hops` proxies of ours in a row (1: one nginx in front).
    Header { name: String, hops: usize },
}

impl ClientIpSource {
    /// `header` (lower-cased) read `hops` from the right; None: the peer.
    pub fn new(header: Option<&str>, hops: usize) -> Result<ClientIpSource, String> {
        let Some(name) = header.map(str::trim).filter(|h| !h.is_empty()) else {
            return Ok(ClientIpSource::Peer);
        };
        let name = name.to_ascii_lowercase();
        if actix_web::http::header::HeaderName::from_bytes(name.as_bytes()).is_err() {
            return Err(format!("{name:?} is not a header name"));
        }
        if hops == 0 {
            return Err("the number of trusted proxy hops must be at least 1".into());
        }
        Ok(ClientIpSource::Header { name, hops })
    }

    /// The address that throttles and logs use for `req` (see [`throttle_key`]).
    pub fn client_ip(&self, req: &HttpRequest) -> IpAddr {
        let peer = req
            .peer_addr()
            .map(|a| a.ip())
            .unwrap_or(IpAddr::from([0, 0, 0, 0]));
        let found = match self {
            ClientIpSource::Peer => None,
            ClientIpSource::Header { name, hops } => from_header(req, name, *hops),
        };
        throttle_key(found.unwrap_or(peer))
    }
}

/// The `hops`-th address from the right over every line of header `name`.
fn from_header(req: &HttpRequest, name: &str, hops: usize) -> Option<IpAddr> {
    let mut entries: Vec<&str> = Vec::new();
    for value in req.headers().get_all(name) {
        // a header that is not visible ASCII was not written by our proxy
        let value = value.to_str().ok()?;
        entries.extend(value.split(',').map(str::trim));
    }
    let index = entries.len().checked_sub(hops)?;
    let entry = entries.get(index)?;
    if name == "forwarded" {
        forwarded_for(entry)
    } else {
        parse_ip(entry)
    }
}

/// The `for=` node of one RFC 7239 element (`for=192.0.2.1;proto=https`, `for="[2001:db8::1]:80"`).
fn forwarded_for(element: &str) -> Option<IpAddr> {
    element.split(';').find_map(|pair| {
        let (key, value) = pair.split_once('=')?;
        if !key.trim().eq_ignore_ascii_case("for") {
            return None;
        }
        let value = value.trim().trim_matches('"');
        parse_ip(value).or_else(|| {
            let inner = value.strip_prefix('[')?.split(']').next()?;
            inner.parse().ok()
        })
    })
}

fn parse_ip(value: &str) -> Option<IpAddr> {
    value
        .parse::<IpAddr>()
        .ok()
        .or_else(|| value.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// One throttling identity per client: an IPv4 address, or an IPv6 /64 (one household or
/// host gets a whole /64, so its addresses are one client). IPv4-mapped IPv6 is IPv4.
pub fn throttle_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let s = v6.segments();
                IpAddr::V6(Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0))
            }
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn xff(hops: usize) -> ClientIpSource {
        ClientIpSource::new(Some("X-Forwarded-For"), hops).unwrap()
    }

    #[test]
    fn reads_the_address_our_proxy_wrote() {
        let req = TestRequest::default()
            .peer_addr("10.0.0.9:1234".parse().unwrap())
            .insert_header(("x-forwarded-for", "6.6.6.6, 203.0.113.7"))
            .insert_header(("forwarded", "for=9.9.9.9"))
            .to_http_request();
        assert_eq!(
            xff(1).client_ip(&req),
            "203.0.113.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(xff(2).client_ip(&req), "6.6.6.6".parse::<IpAddr>().unwrap());
        // more hops than entries: the peer, never a guess
        assert_eq!(
            xff(3).client_ip(&req),
            "10.0.0.9".parse::<IpAddr>().unwrap()
        );
        assert_eq!(
            ClientIpSource::Peer.client_ip(&req),
            "10.0.0.9".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn forwarded_only_when_named() {
        let req = TestRequest::default()
            .insert_header((
                "forwarded",
                "for=6.6.6.6, for=\"[2001:db8:1:2::9]:443\";proto=https",
            ))
            .to_http_request();
        let source = ClientIpSource::new(Some("Forwarded"), 1).unwrap();
        assert_eq!(
            source.client_ip(&req),
            "2001:db8:1:2::".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn ipv6_is_keyed_by_its_64() {
        let a = throttle_key("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = throttle_key("2001:db8:1:2:bbbb::2".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(
            throttle_key("::ffff:192.0.2.1".parse().unwrap()),
            "192.0.2.1".parse::<IpAddr>().unwrap()
        );
    }

    #[test]
    fn refuses_zero_hops_and_bad_names() {
        assert!(ClientIpSource::new(Some("x-forwarded-for"), 0).is_err());
        assert!(ClientIpSource::new(Some("bad header"), 1).is_err());
        assert_eq!(ClientIpSource::new(None, 1), Ok(ClientIpSource::Peer));
    }
}
