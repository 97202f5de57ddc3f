package audit_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/sumdb/tlog"

	"github.com/steward-registry/steward/internal/audit"
	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/steward"
	"github.com/steward-registry/steward/internal/store/sqlstore"
	"github.com/steward-registry/steward/internal/store/storetest"
)

func TestLeafDataIsUnambiguous(t *testing.T) {
	// Moving a byte from one field to the next must change the encoding:
	// fields are length-prefixed, not separated.
	a := &events.Event{ActorID: "ab", ActorKind: "c", Outcome: "success"}
	b := &events.Event{ActorID: "a", ActorKind: "bc", Outcome: "success"}
	if audit.LeafHash(a, 0, tlog.Hash{}) == audit.LeafHash(b, 0, tlog.Hash{}) {
		t.Fatal("different events hash alike")
	}
	// Every covered field changes the hash; position and predecessor too.
	base := &events.Event{Workspace: "w", Time: 1, ActorID: "a", ActorKind: "user", Action: "x", ObjectType: "t", ObjectID: "i", Outcome: "success"}
	h := audit.LeafHash(base, 3, tlog.Hash{1})
	for name, change := range map[string]func(e *events.Event){
		"workspace": func(e *events.Event) { e.Workspace = "v" }, "time": func(e *events.Event) { e.Time = 2 },
		"actor": func(e *events.Event) { e.ActorID = "b" }, "auth": func(e *events.Event) { e.AuthMethod = "token" },
		"request": func(e *events.Event) { e.RequestID = "r" }, "ip": func(e *events.Event) { e.RemoteIP = "1.2.3.4" },
		"agent": func(e *events.Event) { e.UserAgent = "u" }, "action": func(e *events.Event) { e.Action = "y" },
		"object type": func(e *events.Event) { e.ObjectType = "u" }, "object": func(e *events.Event) { e.ObjectID = "j" },
		"outcome": func(e *events.Event) { e.Outcome = "denied" }, "before": func(e *events.Event) { e.BeforeDigest = "sha256:00" },
		"after": func(e *events.Event) { e.AfterDigest = "sha256:00" }, "changed": func(e *events.Event) { e.Changed = []string{"x"} },
	} {
		e := *base
		change(&e)
		if audit.LeafHash(&e, 3, tlog.Hash{1}) == h {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
	if audit.LeafHash(base, 4, tlog.Hash{1}) == h || audit.LeafHash(base, 3, tlog.Hash{2}) == h {
		t.Error("leaf index or previous hash not covered")
	}
}

func TestCanonicalImages(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"b": 1, "a": {"d": [1, 2.50, "x<y"], "c": null}}`, `{"a":{"c":null,"d":[1,2.50,"x<y"]},"b":1}`},
		{`"s"`, `"s"`},
		{`[3,1]`, `[3,1]`},
	} {
		got, err := events.Canonical([]byte(c.in))
		if err != nil || string(got) != c.want {
			t.Errorf("Canonical(%s) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{`{`, `{"a":1} {"b":2}`, ``} {
		if _, err := events.Canonical([]byte(bad)); err == nil {
			t.Errorf("Canonical(%q) accepted", bad)
		}
	}
	got := events.ChangedFields([]byte(`{"a":1,"b":2,"c":3}`), []byte(`{"a":1,"b":5,"d":4}`))
	if strings.Join(got, ",") != "b,c,d" {
		t.Errorf("changed fields %v, want b,c,d", got)
	}
}

func TestCheckpointNotes(t *testing.T) {
	dir := t.TempDir()
	key, created, err := audit.LoadOrCreateKey(filepath.Join(dir, "sub", "audit.key"), audit.DefaultKeyName)
	if err != nil || !created {
		t.Fatalf("create key: %v %v", created, err)
	}
	fi, err := os.Stat(filepath.Join(dir, "sub", "audit.key"))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, want 0600 (%v)", fi.Mode().Perm(), err)
	}
	again, created, err := audit.LoadOrCreateKey(filepath.Join(dir, "sub", "audit.key"), audit.DefaultKeyName)
	if err != nil || created || again.VerifierKey != key.VerifierKey {
		t.Fatalf("reload key: %v %v", created, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.key"), []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "bad.key"), audit.DefaultKeyName); err == nil {
		t.Fatal("garbage key accepted")
	}
	root := tlog.RecordHash([]byte("x"))
	cp, err := audit.SignCheckpoint(key.Signer, 42, root, time.UnixMilli(1_795_000_000_000))
	if err != nil {
		t.Fatal(err)
	}
	wantText := fmt.Sprintf("steward-audit\n42\n%s\ntime 1795000000000\n\n— steward-audit ", root)
	if !strings.HasPrefix(cp.Note, wantText) {
		t.Fatalf("note:\n%s\nwant prefix:\n%s", cp.Note, wantText)
	}
	keys, _, err := audit.ParseVerifierKeys([]string{key.VerifierKey})
	if err != nil {
		t.Fatal(err)
	}
	got, err := audit.OpenCheckpoint(cp.Note, keys)
	if err != nil || got.Size != 42 || got.Root != root || got.Time != 1_795_000_000_000 {
		t.Fatalf("open: %+v %v", got, err)
	}
	for name, c := range map[string]struct{ note, want string }{
		"edited size":  {strings.Replace(cp.Note, "\n42\n", "\n43\n", 1), "invalid signature"},
		"other key":    {mustSign(t, 42, root), "not signed by a trusted key"},
		"not a note":   {"hello", "unreadable"},
		"unsigned":     {"steward-audit\n42\n" + root.String() + "\n", "unreadable"},
		"bad size":     {mustSignText(t, key, "steward-audit\nx\n"+root.String()+"\n"), "bad tree size"},
		"wrong origin": {mustSignText(t, key, "elsewhere\n1\n"+root.String()+"\n"), "origin"},
	} {
		if _, err := audit.OpenCheckpoint(c.note, keys); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", name, err, c.want)
		}
	}
}

func mustSign(t *testing.T, size int64, root tlog.Hash) string {
	k, _, err := audit.LoadOrCreateKey(filepath.Join(t.TempDir(), "k"), audit.DefaultKeyName)
	if err != nil {
		t.Fatal(err)
	}
	cp, err := audit.SignCheckpoint(k.Signer, size, root, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return cp.Note
}

func mustSignText(t *testing.T, k *audit.Key, text string) string {
	cp, err := audit.SignText(k.Signer, text)
	if err != nil {
		t.Fatal(err)
	}
	return cp
}

func TestDirPublisher(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cps")
	p := audit.DirPublisher{Dir: dir}
	cp := audit.Checkpoint{Size: 7, Note: "note 7\n"}
	for range 2 { // publishing again is fine
		if err := p.Publish(context.Background(), cp); err != nil {
			t.Fatal(err)
		}
	}
	if err := p.Publish(context.Background(), audit.Checkpoint{Size: 7, Note: "other\n"}); err == nil || !strings.Contains(err.Error(), "not replacing") {
		t.Fatalf("conflicting checkpoint: %v", err)
	}
	if err := p.Publish(context.Background(), audit.Checkpoint{Size: 12, Note: "note 12\n"}); err != nil {
		t.Fatal(err)
	}
	notes, err := audit.ReadCheckpointDir(dir)
	if err != nil || len(notes) != 2 || notes[0] != "note 7\n" || notes[1] != "note 12\n" {
		t.Fatalf("read back: %q %v", notes, err)
	}
}

func TestWebhookPublisher(t *testing.T) {
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = append(got, r.Header.Get("Steward-Checkpoint-Size")+":"+string(b))
		if strings.Contains(string(b), "fail") {
			w.WriteHeader(500)
		}
	}))
	defer srv.Close()
	cp := audit.Checkpoint{Size: 3, Note: "note\n"}
	if err := audit.NewWebhookPublisher(srv.URL, false).Publish(context.Background(), cp); err == nil || !strings.Contains(err.Error(), "not a public address") {
		t.Fatalf("loopback target without permission: %v", err)
	}
	p := audit.NewWebhookPublisher(srv.URL, true)
	if err := p.Publish(context.Background(), cp); err != nil || len(got) != 1 || got[0] != "3:note\n" {
		t.Fatalf("publish: %v %q", err, got)
	}
	if err := p.Publish(context.Background(), audit.Checkpoint{Size: 4, Note: "fail\n"}); err == nil {
		t.Fatal("a 500 answer counted as published")
	}
	redirect := httptest.NewServer(http.RedirectHandler(srv.URL, http.StatusFound))
	defer redirect.Close()
	if err := audit.NewWebhookPublisher(redirect.URL, true).Publish(context.Background(), cp); err == nil {
		t.Fatal("a redirect was followed")
	}
}

// TestParallelSegments verifies logs split into segments (as large logs
// are) and checks that tampering anywhere, including at a segment boundary,
// is still caught, naming the first bad event.
func TestParallelSegments(t *testing.T) {
	defer audit.SetParallelFrom(2)()
	for name, open := range storetest.Backends() {
		t.Run(name, func(t *testing.T) {
			db := open(t)
			ctx := steward.WithPrincipal(context.Background(), steward.Anonymous)
			for i := range 41 {
				e, err := events.New(ctx, time.UnixMilli(int64(i)), "test.write", "test", fmt.Sprint(i), nil, map[string]int{"i": i})
				if err != nil {
					t.Fatal(err)
				}
				if err := db.RecordEvent(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.Seal(ctx); err != nil { // PostgreSQL seals after commit
				t.Fatal(err)
			}
			r, err := audit.VerifyLog(ctx, db, nil, nil)
			if err != nil || !r.OK || r.Events != 41 {
				t.Fatalf("%+v %v", r, err)
			}
			// 41 leaves in 2 segments: [0,20) and [20,41). Break leaf 19,
			// the last of the first segment, and leaf 30.
			tamperSQL(t, db, `UPDATE events SET object_id = 'x' WHERE leaf IN (19, 30)`)
			r, err = audit.VerifyLog(ctx, db, nil, nil)
			if err != nil || r.OK || r.First().Leaf != 19 || !strings.Contains(r.First().Reason, "leaf 19") {
				t.Fatalf("%+v %v", r, err)
			}
		})
	}
}

func tamperSQL(t *testing.T, db *sqlstore.DB, q string) {
	t.Helper()
	drop := `DROP TRIGGER events_append_only_update`
	if db.Dialect.Name == "postgres" {
		drop = `DROP TRIGGER events_append_only ON events`
	}
	for _, s := range []string{drop, q} {
		if _, err := db.Write.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}
