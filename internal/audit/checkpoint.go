package audit

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

// Checkpoint is a signed statement of the log's state: the first Size events
// have Merkle root Root, as of Time (ms since epoch).
//
// Its text follows the C2SP tlog-checkpoint layout (origin, size, base64
// root, then extension lines) with one extension line "time <ms>", and it
// is signed as a Go signed note (golang.org/x/mod/sumdb/note, Ed25519):
//
//	steward-audit
//	1042
//	Zm9vYmFy...=
//	time 1795000000000
//
//	— steward-audit AbCd...=
type Checkpoint struct {
	Origin string    `json:"origin"`
	Size   int64     `json:"size"`
	Root   tlog.Hash `json:"root"`
	Time   int64     `json:"time"`
	// Note is the signed note, exactly as signed and published.
	Note string `json:"note"`
	// Published says when a copy was first written outside the database
	// (0: not yet). Not signed; informational.
	Published int64 `json:"published_at,omitempty"`
}

// FormatCheckpointText is the text a checkpoint's signature covers.
func FormatCheckpointText(origin string, size int64, root tlog.Hash, t int64) string {
	return fmt.Sprintf("%s\n%d\n%s\ntime %d\n", origin, size, root, t)
}

// ParseCheckpointText reads the text of a checkpoint (without signatures).
func ParseCheckpointText(text string) (Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 || !strings.HasSuffix(text, "\n") {
		return Checkpoint{}, errors.New("malformed checkpoint: want origin, size and root lines")
	}
	cp := Checkpoint{Origin: lines[0]}
	var err error
	if cp.Size, err = strconv.ParseInt(lines[1], 10, 64); err != nil || cp.Size < 0 || lines[1] != strconv.FormatInt(cp.Size, 10) {
		return Checkpoint{}, fmt.Errorf("malformed checkpoint: bad tree size %q", lines[1])
	}
	if cp.Root, err = tlog.ParseHash(lines[2]); err != nil {
		return Checkpoint{}, fmt.Errorf("malformed checkpoint: bad root hash %q", lines[2])
	}
	for _, l := range lines[3:] {
		if v, ok := strings.CutPrefix(l, "time "); ok {
			if cp.Time, err = strconv.ParseInt(v, 10, 64); err != nil {
				return Checkpoint{}, fmt.Errorf("malformed checkpoint: bad time %q", v)
			}
		}
	}
	return cp, nil
}

// SignCheckpoint makes a checkpoint of the given tree and signs it.
func SignCheckpoint(signer note.Signer, size int64, root tlog.Hash, t time.Time) (Checkpoint, error) {
	ms := t.UnixMilli()
	msg, err := note.Sign(&note.Note{Text: FormatCheckpointText(signer.Name(), size, root, ms)}, signer)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("sign checkpoint: %w", err)
	}
	return Checkpoint{Origin: signer.Name(), Size: size, Root: root, Time: ms, Note: string(msg)}, nil
}

// OpenCheckpoint checks a signed checkpoint against the trusted keys and
// parses it. The error says why a checkpoint is not acceptable.
func OpenCheckpoint(msg string, keys note.Verifiers) (Checkpoint, error) {
	n, err := note.Open([]byte(msg), keys)
	if err != nil {
		var unverified *note.UnverifiedNoteError
		var invalid *note.InvalidSignatureError
		switch {
		case errors.As(err, &unverified):
			var by []string
			for _, s := range unverified.Note.UnverifiedSigs {
				by = append(by, fmt.Sprintf("%s+%08x", s.Name, s.Hash))
			}
			return Checkpoint{}, fmt.Errorf("not signed by a trusted key (signed by %s)", strings.Join(by, ", "))
		case errors.As(err, &invalid):
			return Checkpoint{}, fmt.Errorf("invalid signature by key %s+%08x: the text was changed after signing", invalid.Name, invalid.Hash)
		}
		return Checkpoint{}, fmt.Errorf("unreadable checkpoint: %w", err)
	}
	cp, err := ParseCheckpointText(n.Text)
	if err != nil {
		return Checkpoint{}, err
	}
	if cp.Origin != n.Sigs[0].Name {
		return Checkpoint{}, fmt.Errorf("checkpoint origin %q is not the signing key's name %q", cp.Origin, n.Sigs[0].Name)
	}
	cp.Note = msg
	return cp, nil
}
