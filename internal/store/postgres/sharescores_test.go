package postgres

import "testing"

func TestSharesCores(t *testing.T) {
	for _, c := range []struct {
		host string
		want bool
	}{
		{"127.0.0.1", true},
		{"127.0.0.53", true},
		{"::1", true},
		{"localhost", true},
		{"/var/run/postgresql", true},
		{"10.0.0.5", false},
		{"db.example.com", false},
		{"localhost.example.com", false},
		{"", false},
	} {
		if got := sharesCores(c.host); got != c.want {
			t.Errorf("sharesCores(%q) = %v, want %v", c.host, got, c.want)
		}
	}
}
