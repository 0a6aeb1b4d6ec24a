package throttle

import (
	"net/http"
	"net/netip"
)

// ClientAddress is the key of a per-address throttle: the peer's IP from
// r.RemoteAddr. An IPv6 address counts as its /64, since one subscriber
// usually gets a whole /64 and could otherwise rotate through it.
//
// X-Forwarded-For and Forwarded are ignored: anyone can send them, and
// trusting them would let an attacker pick a fresh "address" per attempt.
// Behind a load balancer this means every request shares the balancer's
// address, so the address limit must then be set high (or the balancer must
// throttle).
//
// TODO(gatehouse): a TrustedProxies option (CIDRs) that takes the rightmost
// untrusted hop from X-Forwarded-For when the peer is a trusted proxy.
func ClientAddress(r *http.Request) string { return ClientAddressOf(r.RemoteAddr) }

// ClientAddressOf is ClientAddress for a request's RemoteAddr, for callers
// that kept only that.
func ClientAddressOf(remoteAddr string) string {
	addr, err := netip.ParseAddrPort(remoteAddr)
	var ip netip.Addr
	if err == nil {
		ip = addr.Addr()
	} else if ip, err = netip.ParseAddr(remoteAddr); err != nil {
		// A Unix socket or a test without RemoteAddr: all such requests
		// share one bucket.
		return "unknown"
	}
	ip = ip.Unmap().WithZone("")
	if ip.Is6() {
		p, err := ip.Prefix(64)
		if err == nil {
			return p.String()
		}
	}
	return ip.String()
}
