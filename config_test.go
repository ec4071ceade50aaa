package main

import (
	"fmt"
	"io"
	"testing"
)

// TestTrustedProxiesConfig: ATELIER_TRUST_PROXY=1 trusts a proxy on the
// same machine only (loopback), never the private ranges; the list of
// ATELIER_TRUSTED_PROXIES is trusted and nothing else; anything else is
// refused at start-up.
func TestTrustedProxiesConfig(t *testing.T) {
	for _, c := range []struct {
		list, trust, want string
	}{
		{"", "", "[]"},
		{"", "0", "[]"},
		{"", "1", "[127.0.0.0/8 ::1/128]"},
		{"10.0.0.5, 192.168.0.0/24", "", "[10.0.0.5/32 192.168.0.0/24]"},
		{"10.0.0.5 2001:db8::/32", "1", "[10.0.0.5/32 2001:db8::/32]"},
		{"10.0.0.77/24", "", "[10.0.0.0/24]"},
	} {
		cfg, err := loadConfig(nil, false, func(k string) string {
			return map[string]string{"ATELIER_TRUSTED_PROXIES": c.list, "ATELIER_TRUST_PROXY": c.trust}[k]
		}, io.Discard)
		if err != nil {
			t.Fatalf("%q, %q: %v", c.list, c.trust, err)
		}
		if got := fmt.Sprint(cfg.TrustedProxies); got != c.want {
			t.Errorf("ATELIER_TRUSTED_PROXIES=%q ATELIER_TRUST_PROXY=%q: trusted %s, want %s", c.list, c.trust, got, c.want)
		}
	}
	for _, bad := range [][2]string{{"10.0.0", ""}, {"proxy.local", ""}, {"", "yes"}} {
		if _, err := loadConfig(nil, false, func(k string) string {
			return map[string]string{"ATELIER_TRUSTED_PROXIES": bad[0], "ATELIER_TRUST_PROXY": bad[1]}[k]
		}, io.Discard); err == nil {
			t.Errorf("ATELIER_TRUSTED_PROXIES=%q ATELIER_TRUST_PROXY=%q was accepted", bad[0], bad[1])
		}
	}
}
