//! Network addresses: IPv4, IPv6 (compressed, and with an embedded IPv4 tail)
//! validated by `std::net`, and MAC addresses.

use super::{Anchor, Boundary, Check, PatternRecognizer};
use crate::span::Entity;
use crate::validate::mac_valid;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Splits a CIDR prefix length off an address (`10.0.0.0/8`).
fn split_prefix(value: &str) -> (&str, Option<u32>) {
    match value.split_once('/') {
        Some((addr, len)) => (addr, Some(len.parse().unwrap_or(u32::MAX))),
        None => (value, None),
    }
}

fn ipv4_check(value: &str) -> Check {
    // "3.10.2.1-beta": a pre-release tag marks a version string.
    if value.contains('-') {
        return Check::Reject;
    }
    let (addr, prefix) = split_prefix(value);
    if prefix.is_some_and(|p| p > 32) {
        // The scan retries without the suffix ("1.2.3.4/33" is still an IP).
        return Check::Reject;
    }
    // std rejects octets over 255 and leading zeros ("01.02.03.04").
    match addr.parse::<Ipv4Addr>() {
        Ok(_) => Check::Valid,
        Err(_) => Check::Reject,
    }
}

fn ipv6_check(value: &str) -> Check {
    let (addr, prefix) = split_prefix(value);
    if prefix.is_some_and(|p| p > 128) {
        return Check::Reject;
    }
    // A zone index ("fe80::1%eth0") names the interface; it is part of the
    // written address.
    let addr = addr.split_once('%').map_or(addr, |(a, _)| a);
    // Words of hex letters joined by "::" ("Abc::add", a Rust path) parse as
    // IPv6; real addresses in text nearly always carry a decimal digit, and
    // one without must be written out in full (eight groups, no "::").
    let digit_free = !addr.bytes().any(|b| b.is_ascii_digit());
    if digit_free && (addr.contains("::") || addr.matches(':').count() != 7)
        || addr.starts_with(":::")
        || addr.ends_with(":::")
    {
        return Check::Reject;
    }
    match addr.parse::<Ipv6Addr>() {
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

fn mac(anchor: Anchor) -> PatternRecognizer {
    PatternRecognizer::builtin(
        "mac_address",
        Entity::MAC_ADDRESS,
        r"[0-9A-Fa-f]{2}(?:[:-][0-9A-Fa-f]{2}){5}|[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}",
        0.0,
        0.9,
        Some(mac_check),
        &["mac", "ether", "hwaddr", "bssid", "device"],
        Boundary::Address,
        anchor,
    )
}

fn ipv6(anchor: Anchor) -> PatternRecognizer {
    PatternRecognizer::builtin(
        "ipv6",
        Entity::IP_ADDRESS,
        r"(?:[0-9A-Fa-f:]{2,39}(?:\.[0-9]{1,3}){3}|[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?:%[0-9A-Za-z_]{1,32})?(?:/[0-9]{1,3})?",
        0.0,
        0.95,
        Some(ipv6_check),
        &["ip", "ipv6", "address", "host"],
        Boundary::Address,
        anchor,
    )
    .shrink(b":%/")
}

pub(super) fn recognizers() -> Vec<PatternRecognizer> {
    vec![
        PatternRecognizer::builtin(
            "ipv4",
            Entity::IP_ADDRESS,
            r"[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?:/[0-9]{1,3})?(?:-[A-Za-z][A-Za-z0-9]*)?",
            0.0,
            0.95,
            Some(ipv4_check),
            &["ip", "address", "host", "server", "client", "adresse"],
            Boundary::Number,
            Anchor::Digits,
        )
        .shrink(b"/"),
        // IPv6: on digit windows, and around its colons, since a group of
        // hex letters may run far from any digit ("abcd:...:1bcd") or hold
        // none at all.
        ipv6(Anchor::Digits),
        ipv6(Anchor::Byte(b':', 48)),
        // MAC addresses: the general recognizer on digit windows, and the
        // colon, dash and Cisco dot forms also around their separators,
        // since "AA:BB:CC:DD:EE:FF" or "aabb.ccdd.eeff" has no decimal digit.
        mac(Anchor::Digits),
        mac(Anchor::Byte(b':', 20)),
        mac(Anchor::Byte(b'-', 20)),
        mac(Anchor::Byte(b'.', 20)),
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
    fn cidr_prefix_and_zone_index_belong_to_the_address() {
        for (text, want) in [
            ("Route is 10.0.0.0/8.", "10.0.0.0/8"),
            ("Use 2001:db8::/32.", "2001:db8::/32"),
            ("fe80::1%eth0/64", "fe80::1%eth0/64"),
            ("gw fe80::1%eth0 up", "fe80::1%eth0"),
            // An impossible prefix length is left out, the address kept.
            ("10.0.0.0/123", "10.0.0.0"),
            ("2001:db8::/9999", "2001:db8::"),
        ] {
            assert_eq!(find(&Entity::IP_ADDRESS, text), vec![want], "{text}");
        }
    }

    #[test]
    fn pieces_of_malformed_ipv6_are_not_reported() {
        for text in [
            "2001::db8::1",
            "2001::25de::cade",
            "12345:db8::1",
            "text2001:db8::1",
            "::ffff:192.168.1",
            "2001:db8:85a3:0:0:8a2e:370:7334:1",
        ] {
            assert!(
                find(&Entity::IP_ADDRESS, text).is_empty(),
                "{text}: {:?}",
                find(&Entity::IP_ADDRESS, text)
            );
        }
        // The IPv4 tail of a malformed IPv6 prefix is still an address.
        assert_eq!(
            find(&Entity::IP_ADDRESS, "foo2001:db8::10.0.0.1"),
            vec!["10.0.0.1"]
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
            "3.10.2.1-beta",
            "v1.2.3.4",
            "took 1.234.567.890 ns",
        ] {
            assert!(find(&Entity::IP_ADDRESS, text).is_empty(), "{text}");
        }
    }

    #[test]
    fn finds_ipv6_far_from_any_digit() {
        for v in [
            "abcd:abcd:abcd:abcd:abcd:abcd:abcd:abcd",
            "abcd:abcd:abcd:abcd:abcd:abcd:abcd:1bcd",
        ] {
            assert_eq!(find(&Entity::IP_ADDRESS, &format!("host {v} up")), vec![v]);
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
        // All-letter hex groups carry no decimal digit.
        assert_eq!(
            find(&Entity::MAC_ADDRESS, "Device MAC: AA:BB:CC:DD:EE:FA"),
            vec!["AA:BB:CC:DD:EE:FA"]
        );
        // The all-letter Cisco form has no digit: found around its dots.
        assert_eq!(
            find(&Entity::MAC_ADDRESS, "is aabb.ccdd.eeaf"),
            vec!["aabb.ccdd.eeaf"]
        );
        for near in [
            "12:30:45:10:20:30.5",
            "ab:cd:ef:01:23",
            "10:2F:33-AC-29-C3",
            "de:ad:be:ef",
        ] {
            assert!(find(&Entity::MAC_ADDRESS, near).is_empty(), "{near}");
        }
    }
}
