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

	"github.com/steward-registry/steward/internal/steward"
)

// DefaultCheckpointEvery is how many new events trigger an audit checkpoint.
const DefaultCheckpointEvery = 1000

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

	// Access control (see docs/security.md).
	InsecureNoAuth         bool
	BootstrapAdmin         string
	BootstrapAdminPassword string
	TrustedProxies         []string
	MetricsPublic          bool
	PublicURL              string
	SessionTTL             time.Duration
	AuthCacheTTL           time.Duration
	OIDCIssuer             string
	OIDCClientID           string
	OIDCClientSecret       string
	OIDCCLIClientID        string
	OIDCGroupsClaim        string
	WorkloadIdentities     []string
	// Audit log (docs/audit.md).
	AuditKey                 string
	AuditTrustedKeys         []string
	AuditCheckpointEvery     int64
	AuditCheckpointInterval  time.Duration
	AuditPublish             []string
	AuditWebhookAllowPrivate bool
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

	fs.BoolVar(&c.InsecureNoAuth, "insecure-no-auth", false, "allow listening on a non-loopback address with no accounts and no identity provider\n(everyone who can connect is an administrator)")
	fs.StringVar(&c.BootstrapAdmin, "bootstrap-admin", "admin", "account name of the first administrator created by --bootstrap-admin-password")
	fs.StringVar(&c.BootstrapAdminPassword, "bootstrap-admin-password", "", "create the first administrator with this password at start if none exists\n(prefer the environment: STEWARD_BOOTSTRAP_ADMIN_PASSWORD)")
	fs.StringSliceVar(&c.TrustedProxies, "trusted-proxies", nil, "CIDRs of reverse proxies whose X-Forwarded-For is believed, e.g. 10.0.0.0/8")
	fs.BoolVar(&c.MetricsPublic, "metrics-public", false, "serve /metrics without authentication")
	fs.StringVar(&c.PublicURL, "public-url", "", "URL users reach Steward at, e.g. https://steward.example.com\n(OIDC redirect URL; cookies are Secure when it is https)")
	fs.DurationVar(&c.SessionTTL, "session-ttl", 12*time.Hour, "lifetime of a web session")
	fs.DurationVar(&c.AuthCacheTTL, "auth-cache-ttl", 5*time.Second, "how long tokens and role bindings are cached; another replica's revocation\ntakes effect here within this time")
	fs.StringVar(&c.OIDCIssuer, "oidc-issuer", "", "OpenID Connect issuer URL for single sign-on, e.g. https://login.example.com")
	fs.StringVar(&c.OIDCClientID, "oidc-client-id", "", "OIDC client id of the web login (authorization code + PKCE)")
	fs.StringVar(&c.OIDCClientSecret, "oidc-client-secret", "", "OIDC client secret of the web login (empty for a public client;\nprefer STEWARD_OIDC_CLIENT_SECRET)")
	fs.StringVar(&c.OIDCCLIClientID, "oidc-cli-client-id", "", "OIDC public client id `steward login` uses for the device flow\n(default: --oidc-client-id)")
	fs.StringVar(&c.OIDCGroupsClaim, "oidc-groups-claim", "groups", "ID token claim holding the user's groups")
	fs.StringArrayVar(&c.WorkloadIdentities, "workload-identity", nil, "trust a workload's OIDC token (CI job, Kubernetes service account) for a service\naccount: \"account=ci-bot;issuer=https://token.example;audience=steward;subject=repo:org/x:*\"\n(repeatable; subject is a glob)")
	fs.StringVar(&c.AuditKey, "audit-key", "", "file holding the Ed25519 key that signs audit checkpoints (note format);\ncreated with mode 0600 if missing (default <home>/audit.key). Replicas should share one")
	fs.StringSliceVar(&c.AuditTrustedKeys, "audit-trusted-keys", nil, "extra public keys (<name>+<hash>+<key>, or files of them) whose checkpoints verify accepts,\ne.g. a previous key or other replicas' keys")
	fs.Int64Var(&c.AuditCheckpointEvery, "audit-checkpoint-every", DefaultCheckpointEvery, "sign an audit checkpoint after this many new events")
	fs.DurationVar(&c.AuditCheckpointInterval, "audit-checkpoint-interval", time.Minute, "sign an audit checkpoint at least this often while there are new events (0 = only by count)")
	fs.StringSliceVar(&c.AuditPublish, "audit-publish", nil, "where checkpoints are copied outside the database: directories, s3://bucket/prefix (AWS_* variables\nas for --artifacts), or http(s):// webhook URLs; \"none\" for nowhere (default <home>/checkpoints)")
	fs.BoolVar(&c.AuditWebhookAllowPrivate, "audit-webhook-allow-private", false, "let checkpoint webhooks reach loopback and private addresses")
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
		} else if vs, ok := file[f.Name]; ok {
			// One Set per array element: slice flags append after the first.
			for _, v := range vs {
				set(f, v, "config file")
			}
		}
	})
	return firstErr
}

func readFile(fs *pflag.FlagSet, path string) (map[string][]string, error) {
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
	out := make(map[string][]string, len(raw))
	for k, v := range raw {
		if fs.Lookup(k) == nil {
			return nil, fmt.Errorf("config file %s: unknown setting %q (settings are the flag names of `steward serve --help`)", path, k)
		}
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []any:
			for _, p := range v {
				out[k] = append(out[k], fmt.Sprint(p))
			}
		default:
			out[k] = []string{fmt.Sprint(v)}
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
	if c.AuditKey == "" {
		c.AuditKey = filepath.Join(c.Home, "audit.key")
	}
	if len(c.AuditPublish) == 0 {
		c.AuditPublish = []string{filepath.Join(c.Home, "checkpoints")}
	}
	if c.AuditCheckpointEvery <= 0 {
		c.AuditCheckpointEvery = DefaultCheckpointEvery
	}
	if c.AuditCheckpointInterval < 0 {
		return fmt.Errorf("--audit-checkpoint-interval must not be negative")
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
	return steward.IsLoopbackHost(host)
}
