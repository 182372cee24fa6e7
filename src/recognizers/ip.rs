//! Network addresses: IPv4, IPv6 (compressed, and with an embedded IPv4 tail)
//! validated by `std::net`, and MAC addresses.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;
use crate::validate::mac_valid;
use std::net::{Ipv4Addr, Ipv6Addr};

fn ipv4_check(value: &str) -> Check {
    // std rejects octets over 255 and leading zeros ("01.02.03.04").
    match value.parse::<Ipv4Addr>() {
        Ok(_) => Check::Valid,
        Err(_) => Check::Reject,
    }
}

fn ipv6_check(value: &str) -> Check {
    // Words of hex letters joined by "::" ("Abc::add", a Rust path) parse as
    // IPv6; real addresses in text nearly always carry a decimal digit.
    if !value.bytes().any(|b| b.is_ascii_digit())
        || value.starts_with(":::")
        || value.ends_with(":::")
    {
        return Check::Reject;
    }
    match value.parse::<Ipv6Addr>() {
        Ok(a) if !a.is_unspecified() => Check::Valid,
        _ => Check::Reject,
    }
}

fn mac_check(value: &str) -> Check {
    if mac_valid(value) {
        Check::Valid
    } else {
        Check::Reject
    }
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![
        PatternRecognizer::builtin(
            "ipv4",
            Entity::IP_ADDRESS,
            r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}",
            0.0,
            0.95,
            Some(ipv4_check),
            &["ip", "address", "host", "server", "client", "adresse"],
            Boundary::Number,
            Anchor::Digits,
        ),
        PatternRecognizer::builtin(
            "ipv6",
            Entity::IP_ADDRESS,
            r"[0-9A-Fa-f:]{2,39}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}",
            0.0,
            0.95,
            Some(ipv6_check),
            &["ip", "ipv6", "address", "host"],
            Boundary::Word,
            Anchor::Digits,
        )
        .shrink(b":"),
        PatternRecognizer::builtin(
            "mac_address",
            Entity::MAC_ADDRESS,
            r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}",
            0.0,
            0.9,
            Some(mac_check),
            &["mac", "ether", "hwaddr", "bssid", "device"],
            Boundary::Word,
            Anchor::Digits,
        ),
    ]
}

#[cfg(test)]
mod tests {
    use crate::recognizers::testutil::find;
    use crate::span::Entity;

    #[test]
    fn finds_ipv4_and_ipv6_forms() {
        assert_eq!(
            find(&Entity::IP_ADDRESS, "from 192.168.1.20, port 22"),
            vec!["192.168.1.20"]
        );
        assert_eq!(
            find(&Entity::IP_ADDRESS, "host 10.0.0.1:8080"),
            vec!["10.0.0.1"]
        );
        assert_eq!(
            find(&Entity::IP_ADDRESS, "addr 2001:db8::8a2e:370:7334 up"),
            vec!["2001:db8::8a2e:370:7334"]
        );
        assert_eq!(find(&Entity::IP_ADDRESS, "fe80::1"), vec!["fe80::1"]);
        assert_eq!(
            find(&Entity::IP_ADDRESS, "::ffff:192.0.2.128"),
            vec!["::ffff:192.0.2.128"]
        );
        assert_eq!(
            find(
                &Entity::IP_ADDRESS,
                "2001:0db8:0000:0000:0000:ff00:0042:8329"
            ),
            vec!["2001:0db8:0000:0000:0000:ff00:0042:8329"]
        );
        assert_eq!(
            find(&Entity::IP_ADDRESS, "at 2001:db8::1: failed"),
            vec!["2001:db8::1"]
        );
    }

    #[test]
    fn rejects_versions_times_and_paths() {
        for text in [
            "version 1.2.3.4.5",
            "256.1.1.1",
            "12:30:45",
            "std::io::Result",
            "Abc::add",
            "1.2.3",
            "01.02.03.04",
        ] {
            assert!(find(&Entity::IP_ADDRESS, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn finds_mac_addresses() {
        assert_eq!(
            find(&Entity::MAC_ADDRESS, "ether 3c:22:fb:0a:1b:2c up"),
            vec!["3c:22:fb:0a:1b:2c"]
        );
        assert_eq!(
            find(&Entity::MAC_ADDRESS, "0a1b.2c3d.4e5f"),
            vec!["0a1b.2c3d.4e5f"]
        );
        assert!(find(&Entity::MAC_ADDRESS, "3c:22:fb:0a:1b").is_empty());
    }
}
