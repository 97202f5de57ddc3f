package server

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/config"
)

// logBuffer collects log output safely across goroutines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) firstLine() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	line, _, _ := strings.Cut(l.b.String(), "\n")
	return line
}

// TestRefusesOpenServerWithoutAuth: a routable listen address with no
// accounts and no identity provider does not start, and says what to do.
func TestRefusesOpenServerWithoutAuth(t *testing.T) {
	for _, listen := range []string{"0.0.0.0:0", "[::]:0", "192.0.2.10:5000", ":5000"} {
		t.Run(listen, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Listen = listen
			s, err := New(context.Background(), cfg, slog.New(slog.DiscardHandler))
			if err == nil {
				s.Close()
				t.Fatalf("New on %s with no authentication succeeded", listen)
			}
			for _, want := range []string{"steward admin bootstrap", "--insecure-no-auth", listen} {
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("error %q does not mention %q", err, want)
				}
			}
		})
	}
}

func TestFirstLogLineSaysTheMode(t *testing.T) {
	for _, c := range []struct {
		name   string
		mutate func(*config.Config)
		want   string
	}{
		{"loopback, no accounts", nil, "single-user mode"},
		{"insecure", func(c *config.Config) { c.Listen = "0.0.0.0:0"; c.InsecureNoAuth = true }, "INSECURE"},
		{"bootstrap password", func(c *config.Config) {
			c.Listen = "0.0.0.0:0"
			c.BootstrapAdminPassword = "correct horse battery staple"
		}, "access control on"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.LogLevel = "info"
			if c.mutate != nil {
				c.mutate(&cfg)
			}
			var buf logBuffer
			s, err := New(context.Background(), cfg, slog.New(slog.NewTextHandler(&buf, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if line := buf.firstLine(); !strings.Contains(line, c.want) {
				t.Fatalf("first log line %q lacks %q", line, c.want)
			}
		})
	}
}

// TestInsecureNoAuth: the operator's explicit opt-in starts an open server.
func TestInsecureNoAuth(t *testing.T) {
	e := newAuthEnv(t, func(c *config.Config) { c.Listen = "0.0.0.0:0"; c.InsecureNoAuth = true })
	e.call("POST", "/api/v1/models", "", `{"name":"open"}`).want(t, "anonymous create", http.StatusCreated)
	if r := e.call("GET", "/api/v1/me", "", "").want(t, "whoami", 200); !strings.Contains(r.body, `"id":"anonymous"`) {
		t.Fatalf("anonymous is not the principal: %s", r.body)
	}
}

// TestSingleUserThenBootstrap: a loopback server with no accounts lets
// anyone act as the administrator; once the first administrator exists, the
// same running server demands credentials within a few seconds.
func TestSingleUserThenBootstrap(t *testing.T) {
	e := newAuthEnv(t, nil)
	e.call("POST", "/api/v1/models", "", `{"name":"local"}`).want(t, "anonymous create", http.StatusCreated)
	e.call("GET", "/api/v1/accounts", "", "").want(t, "anonymous administers", http.StatusOK)
	if r := e.call("GET", "/", "", "").want(t, "home page", 200); !strings.Contains(r.body, "Single-user mode") {
		t.Fatalf("home page does not say single-user mode: %s", r.body)
	}
	if evs := e.eventsOf("model.create"); len(evs) != 1 || evs[0].ActorID != "anonymous" || evs[0].AuthMethod != "single_user" {
		t.Fatalf("single-user change not attributed to anonymous: %+v", evs)
	}

	admin := e.enforce()
	deadline := time.Now().Add(10 * time.Second)
	for {
		r := e.call("GET", "/api/v1/models", "", "")
		if r.status == http.StatusUnauthorized {
			break
		}
		if r.status != http.StatusOK || time.Now().After(deadline) {
			t.Fatalf("anonymous after bootstrap: %d (single-user mode still on after 10s?): %s", r.status, r.body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	// Once off, it stays off, for every route that needs a principal.
	for _, p := range []string{"/api/v1/models/local", "/api/v1/accounts", "/api/2.0/mlflow/registered-models/search"} {
		e.call("GET", p, "", "").want(t, "anonymous "+p, http.StatusUnauthorized)
	}
	e.call("GET", "/api/v1/models/local", admin, "").want(t, "bootstrap token", http.StatusOK)
	if r := e.call("GET", "/", "", "").want(t, "home page", 200); strings.Contains(r.body, "Single-user mode") {
		t.Fatalf("home page still says single-user mode")
	}
	// Bootstrap is once only.
	if _, err := e.auth.Bootstrap(sysCtx, "mallory", "", time.Hour); err == nil {
		t.Fatalf("a second bootstrap succeeded")
	}
}

// TestBootstrapAdminPasswordConfig: the config value creates the first
// administrator at start; HTTP basic auth (the MLflow client's way) works
// with it at once, and a later start with another value changes nothing.
func TestBootstrapAdminPasswordConfig(t *testing.T) {
	home := t.TempDir()
	const pw = "correct horse battery staple"
	e := newAuthEnv(t, func(c *config.Config) {
		c.Home, c.Listen, c.BootstrapAdmin, c.BootstrapAdminPassword = home, "0.0.0.0:0", "root", pw
	})
	e.call("GET", "/api/v1/models", "", "").want(t, "anonymous", http.StatusUnauthorized)
	if r := e.call("GET", "/api/v1/me", "", "", "Authorization", basic("root", pw)).want(t, "basic auth", 200); !strings.Contains(r.body, `"id":"root"`) ||
		!strings.Contains(r.body, `"auth_method":"basic_password"`) {
		t.Fatalf("whoami with basic auth: %s", r.body)
	}
	e.call("GET", "/api/v1/accounts", "", "", "Authorization", basic("root", pw)).want(t, "bootstrap admin administers", 200)
	e.call("POST", "/api/2.0/mlflow/registered-models/create", "", `{"name":"via-mlflow"}`, "Authorization", basic("root", pw)).
		want(t, "MLflow client with basic auth", 200)
	e.call("GET", "/api/v1/me", "", "", "Authorization", basic("root", "wrong password!")).want(t, "wrong password", 401)
	e.srv.Close()

	// Restarting with another password neither resets nor adds anyone.
	e2 := newAuthEnv(t, func(c *config.Config) {
		c.Home, c.Listen, c.BootstrapAdmin, c.BootstrapAdminPassword = home, "0.0.0.0:0", "root", "another long password"
	})
	e2.call("GET", "/api/v1/me", "", "", "Authorization", basic("root", pw)).want(t, "old password after restart", 200)
	e2.call("GET", "/api/v1/me", "", "", "Authorization", basic("root", "another long password")).want(t, "new password after restart", 401)
	e2.srv.Close()

	// And with accounts in the database, a routable address needs no flag.
	e3 := newAuthEnv(t, func(c *config.Config) { c.Home, c.Listen = home, "0.0.0.0:0" })
	e3.call("GET", "/api/v1/models/via-mlflow", "", "", "Authorization", basic("root", pw)).want(t, "after restart without the flag", 200)
}
