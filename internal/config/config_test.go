package config

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/spf13/pflag"
)

func TestResolvePrecedence(t *testing.T) {
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "steward.json"), []byte(`{"listen": "127.0.0.1:7000", "db": "/from/file.db", "log-level": "debug", "allowed-hosts": ["a.example", "b.example"]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"STEWARD_HOME": home, "STEWARD_DB": "/from/env.db", "STEWARD_LISTEN": "127.0.0.1:6000"}
	var c Config
	fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse([]string{"--listen", "127.0.0.1:5555"}); err != nil {
		t.Fatal(err)
	}
	if err := Resolve(fs, func(k string) string { return env[k] }, ""); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, got, want string }{
		{"flag beats env", c.Listen, "127.0.0.1:5555"},
		{"env beats file", c.DB, "/from/env.db"},
		{"file beats default", c.LogLevel, "debug"},
		{"home from env", c.Home, home},
		{"default stays", c.LogFormat, "text"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	if len(c.AllowedHosts) != 2 || c.AllowedHosts[1] != "b.example" {
		t.Errorf("allowed hosts from file: %v", c.AllowedHosts)
	}
}

func TestResolveErrors(t *testing.T) {
	for _, tc := range []struct {
		name, file string
		env        map[string]string
	}{
		{"unknown key in file", `{"dbb": "x"}`, nil},
		{"malformed file", `{"db": `, nil},
		{"bad env value", `{}`, map[string]string{"STEWARD_MAX_ARTIFACT_SIZE": "lots"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "c.json")
			if err := os.WriteFile(p, []byte(tc.file), 0o600); err != nil {
				t.Fatal(err)
			}
			var c Config
			fs := pflag.NewFlagSet("serve", pflag.ContinueOnError)
			c.Flags(fs)
			if err := Resolve(fs, func(k string) string { return tc.env[k] }, p); err == nil {
				t.Fatal("want error")
			}
		})
	}
}

func TestFinish(t *testing.T) {
	c := Config{Home: "/data", Listen: "127.0.0.1:5000", MaxArtifactSize: 1, LogFormat: "text"}
	if err := c.Finish(); err != nil {
		t.Fatal(err)
	}
	if c.DB != "/data/steward.db" || c.Artifacts != "/data/artifacts" || !c.IsLoopback() || c.AuditKey != "/data/audit.key" ||
		len(c.AuditPublish) != 1 || c.AuditPublish[0] != "/data/checkpoints" || c.AuditCheckpointEvery != DefaultCheckpointEvery {
		t.Fatalf("derived: %+v", c)
	}
	bad := Config{Home: "/d", Listen: "nonsense", MaxArtifactSize: 1, LogFormat: "text"}
	if err := bad.Finish(); err == nil {
		t.Fatal("bad listen accepted")
	}
}
