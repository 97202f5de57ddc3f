package steward

import "net"

// IsLoopbackHost reports whether host (a name or an address, without a
// port) can only be this machine: "localhost" or a loopback address.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
