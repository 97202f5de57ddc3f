package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// credentials is the file `steward login` writes: a token per server URL,
// readable by its owner only.
type credentials struct {
	Servers map[string]savedLogin `json:"servers"`
}

type savedLogin struct {
	Token     string `json:"token"`
	Principal string `json:"principal,omitempty"`
	ExpiresAt int64  `json:"expires_at,omitempty"` // ms; 0 = unknown or never
}

// credentialsPath is $STEWARD_CREDENTIALS, else <user config dir>/steward/credentials.json.
func credentialsPath() (string, error) {
	if p := os.Getenv("STEWARD_CREDENTIALS"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("find the configuration directory for saved logins: %w (set STEWARD_CREDENTIALS)", err)
	}
	return filepath.Join(dir, "steward", "credentials.json"), nil
}

func serverKey(u string) string { return strings.TrimRight(u, "/") }

func loadCredentials() (*credentials, string, error) {
	p, err := credentialsPath()
	if err != nil {
		return nil, "", err
	}
	c := &credentials{Servers: map[string]savedLogin{}}
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return c, p, nil
	}
	if err != nil {
		return nil, p, err
	}
	if err := json.Unmarshal(b, c); err != nil {
		return nil, p, fmt.Errorf("%s is not valid JSON: %w (delete it and log in again)", p, err)
	}
	if c.Servers == nil {
		c.Servers = map[string]savedLogin{}
	}
	return c, p, nil
}

// save writes the file atomically with mode 0600.
func (c *credentials) save(p string) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".credentials-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), p)
}

// savedToken returns the token saved for server, if any.
func savedToken(server string) string {
	c, _, err := loadCredentials()
	if err != nil {
		return ""
	}
	return c.Servers[serverKey(server)].Token
}
