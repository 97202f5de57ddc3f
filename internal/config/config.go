// Package config holds Steward's server configuration: one struct with
// defaults, filled from flags, STEWARD_* environment variables and an
// optional JSON config file, in that order of precedence.
package config

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Config is the server's configuration.
type Config struct {
	Home            string
	DB              string
	Artifacts       string
	Listen          string
	AllowedHosts    []string
	MaxArtifactSize int64
	PresignTTL      time.Duration
	LogFormat       string
	LogLevel        string
	ShutdownTimeout time.Duration
}

// Flags binds every setting to fs with its default and help text. The help
// text is the documentation users see in `steward serve --help`.
func (c *Config) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Home, "home", "./steward-data", "data directory for the default database, artifacts and uploads")
	fs.StringVar(&c.DB, "db", "", "metadata database: a SQLite file path, or a postgres:// DSN (default <home>/steward.db)")
	fs.StringVar(&c.Artifacts, "artifacts", "", "artifact store: a directory, or s3://bucket/prefix using AWS_ENDPOINT_URL, AWS_REGION,\nAWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (default <home>/artifacts)")
	fs.StringVar(&c.Listen, "listen", "127.0.0.1:5000", "address to listen on (use :0 for a free port)")
	fs.StringSliceVar(&c.AllowedHosts, "allowed-hosts", nil, "Host header values accepted besides localhost (DNS-rebinding guard), e.g. steward.example.com")
	fs.Int64Var(&c.MaxArtifactSize, "max-artifact-size", 1<<40, "largest single artifact file in bytes")
	fs.DurationVar(&c.PresignTTL, "presign-ttl", 0, "allow presigned S3 download URLs valid this long (0 = off)")
	fs.StringVar(&c.LogFormat, "log-format", "text", "log format: text or json")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	fs.DurationVar(&c.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long to let requests finish on SIGTERM")
}

// EnvName is the environment variable for a flag: STEWARD_ + upper snake.
func EnvName(flag string) string {
	return "STEWARD_" + strings.ToUpper(strings.ReplaceAll(flag, "-", "_"))
}

// Resolve fills every flag the user did not set on the command line from
// the environment, then from the config file (JSON object keyed by flag
// name). configPath "" means <home>/steward.json if it exists.
func Resolve(fs *pflag.FlagSet, getenv func(string) string, configPath string) error {
	var firstErr error
	set := func(f *pflag.Flag, v string, from string) {
		if err := fs.Set(f.Name, v); err != nil && firstErr == nil {
			firstErr = fmt.Errorf("%s: invalid value %q for --%s: %w", from, v, f.Name, err)
		}
	}
	// STEWARD_HOME decides where the default config file is, so it goes first.
	if h := fs.Lookup("home"); h != nil && !h.Changed {
		if v := getenv(EnvName("home")); v != "" {
			set(h, v, EnvName("home"))
		}
	}
	file, err := readFile(fs, configPath)
	if err != nil {
		return err
	}
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		if v := getenv(EnvName(f.Name)); v != "" {
			set(f, v, EnvName(f.Name))
		} else if v, ok := file[f.Name]; ok {
			set(f, v, "config file")
		}
	})
	return firstErr
}

func readFile(fs *pflag.FlagSet, path string) (map[string]string, error) {
	explicit := path != ""
	if !explicit {
		home := "./steward-data"
		if h := fs.Lookup("home"); h != nil {
			home = h.Value.String()
		}
		path = filepath.Join(home, "steward.json")
	}
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) && !explicit {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	var raw map[string]any
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		if fs.Lookup(k) == nil {
			return nil, fmt.Errorf("config file %s: unknown setting %q (settings are the flag names of `steward serve --help`)", path, k)
		}
		switch v := v.(type) {
		case string:
			out[k] = v
		case []any:
			parts := make([]string, len(v))
			for i, p := range v {
				parts[i] = fmt.Sprint(p)
			}
			out[k] = strings.Join(parts, ",")
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out, nil
}

// Finish fills derived defaults and validates.
func (c *Config) Finish() error {
	if c.DB == "" {
		c.DB = filepath.Join(c.Home, "steward.db")
	}
	if c.Artifacts == "" {
		c.Artifacts = filepath.Join(c.Home, "artifacts")
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		return fmt.Errorf("--listen %q: want host:port, e.g. 127.0.0.1:5000", c.Listen)
	}
	if c.MaxArtifactSize <= 0 {
		return fmt.Errorf("--max-artifact-size must be positive")
	}
	switch c.LogFormat {
	case "text", "json":
	default:
		return fmt.Errorf("--log-format must be text or json, got %q", c.LogFormat)
	}
	return nil
}

// UploadsDir is where resumable uploads are staged.
func (c *Config) UploadsDir() string { return filepath.Join(c.Home, "uploads") }

// IsLoopback reports whether the listen address is loopback only.
func (c *Config) IsLoopback() bool {
	host, _, _ := net.SplitHostPort(c.Listen)
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
