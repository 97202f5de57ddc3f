package audit

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/mod/sumdb/note"
)

// DefaultKeyName names a generated checkpoint key; it is also the origin
// line of the checkpoints it signs.
const DefaultKeyName = "steward-audit"

// Key is the checkpoint signing key.
type Key struct {
	Signer note.Signer
	// VerifierKey is the public key in note format ("<name>+<hash>+<base64>"),
	// what verifiers must be given to trust the checkpoints.
	VerifierKey string
}

// LoadOrCreateKey reads the signer key (note format "PRIVATE+KEY+...") at
// path; if the file does not exist it generates an Ed25519 key named name
// and writes it with mode 0600 (the directory is created 0700).
func LoadOrCreateKey(path, name string) (*Key, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		skey, _, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, false, fmt.Errorf("generate audit key: %w", err)
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) { // another process won the race: use its key
			return LoadOrCreateKey(path, name)
		}
		if err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
		_, err = f.WriteString(skey + "\n")
		if err == nil {
			err = f.Sync()
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, false, fmt.Errorf("write audit key %s: %w", path, err)
		}
		k, err := ParseSignerKey(skey)
		return k, true, err
	}
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	k, err := ParseSignerKey(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, false, fmt.Errorf("audit key %s: %w", path, err)
	}
	return k, false, nil
}

// ParseSignerKey parses a note signer key and derives its verifier key.
func ParseSignerKey(skey string) (*Key, error) {
	signer, err := note.NewSigner(skey)
	if err != nil {
		return nil, fmt.Errorf("not a signer key (want PRIVATE+KEY+<name>+<hash>+<key>): %w", err)
	}
	// PRIVATE+KEY+<name>+<hash>+<base64(alg ‖ seed)>
	parts := strings.SplitN(skey, "+", 5) // base64 may contain '+'
	raw, err := base64.StdEncoding.DecodeString(parts[len(parts)-1])
	if err != nil || len(raw) != 1+ed25519.SeedSize {
		return nil, errors.New("signer key: want an Ed25519 seed")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	vkey, err := note.NewEd25519VerifierKey(signer.Name(), pub)
	if err != nil {
		return nil, err
	}
	return &Key{Signer: signer, VerifierKey: vkey}, nil
}

// ParseVerifierKeys reads trusted public keys: each entry is a verifier key
// ("<name>+<hash>+<base64>"), or a file holding verifier keys (one a line)
// or a signer key, whose public half is then trusted.
func ParseVerifierKeys(entries []string) (note.Verifiers, []string, error) {
	var vs []note.Verifier
	var names []string
	add := func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" || strings.HasPrefix(s, "#") {
			return nil
		}
		if strings.HasPrefix(s, "PRIVATE+KEY+") {
			k, err := ParseSignerKey(s)
			if err != nil {
				return err
			}
			s = k.VerifierKey
		}
		v, err := note.NewVerifier(s)
		if err != nil {
			return fmt.Errorf("verifier key %q: %w", s, err)
		}
		vs = append(vs, v)
		names = append(names, s)
		return nil
	}
	for _, e := range entries {
		if _, err := note.NewVerifier(e); err == nil {
			if err := add(e); err != nil {
				return nil, nil, err
			}
			continue
		}
		b, err := os.ReadFile(e)
		if err != nil {
			return nil, nil, fmt.Errorf("key %q is neither a verifier key nor a readable file: %w", e, err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if err := add(line); err != nil {
				return nil, nil, fmt.Errorf("key file %s: %w", e, err)
			}
		}
	}
	return note.VerifierList(vs...), names, nil
}
