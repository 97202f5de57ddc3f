package server

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/auth"
	"github.com/steward-registry/steward/internal/cli"
	"github.com/steward-registry/steward/internal/oidctest"
)

// The CLI's sign-in against a real server and provider: `steward login`
// (device flow, then token exchange), `steward login --with-token` and
// `steward whoami`, run in-process through cli.NewRoot the way
// cmd/steward runs them.

// notifyBuffer is a goroutine-safe buffer that signals each write.
type notifyBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes chan struct{}
}

func newNotifyBuffer() *notifyBuffer { return &notifyBuffer{writes: make(chan struct{}, 64)} }

func (n *notifyBuffer) Write(p []byte) (int, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	select {
	case n.writes <- struct{}{}:
	default:
	}
	return n.b.Write(p)
}

func (n *notifyBuffer) String() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.b.String()
}

// cliRun is one finished CLI invocation.
type cliRun struct {
	code           int
	stdout, stderr string
}

// startCLI runs `steward --server <e.url> args...` in the background with
// stdin; wait for the result on the returned channel. stderr is readable
// while it runs.
func (e *ssoEnv) startCLI(stdin string, args ...string) (*notifyBuffer, <-chan cliRun) {
	e.t.Helper()
	root := cli.NewRoot("test")
	var out bytes.Buffer
	errb := newNotifyBuffer()
	root.SetOut(&out)
	root.SetErr(errb)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(append([]string{"--server", e.url}, args...))
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	root.SetContext(ctx)
	done := make(chan cliRun, 1)
	go func() {
		defer cancel()
		code := cli.Execute(root)
		done <- cliRun{code: code, stdout: out.String(), stderr: errb.String()}
	}()
	return errb, done
}

// cli runs a command to completion.
func (e *ssoEnv) cli(stdin string, args ...string) cliRun {
	e.t.Helper()
	_, done := e.startCLI(stdin, args...)
	select {
	case r := <-done:
		return r
	case <-time.After(90 * time.Second):
		e.t.Fatalf("steward %s did not finish", strings.Join(args, " "))
	}
	return cliRun{}
}

// cliEnv points the CLI at a fresh credentials file and clears the
// variables that would override it.
func cliEnv(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config", "steward", "credentials.json")
	t.Setenv("STEWARD_CREDENTIALS", path)
	t.Setenv("STEWARD_TOKEN", "")
	t.Setenv("STEWARD_SERVER", "")
	t.Setenv("STEWARD_WORKSPACE", "")
	return path
}

// savedLogins reads the credentials file and checks its mode is 0600.
func savedLogins(t *testing.T, path string) map[string]struct {
	Token     string `json:"token"`
	Principal string `json:"principal"`
} {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatalf("credentials file: %v", err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("credentials file mode = %v, want 0600", st.Mode().Perm())
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Servers map[string]struct {
			Token     string `json:"token"`
			Principal string `json:"principal"`
		} `json:"servers"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		t.Fatalf("credentials file: %v\n%s", err, b)
	}
	return c.Servers
}

var deviceLine = regexp.MustCompile(`open (\S+) and enter the code (\S+)`)

// waitForDeviceCode waits until the CLI prints the verification URL and
// user code on stderr.
func waitForDeviceCode(t *testing.T, errb *notifyBuffer, done <-chan cliRun) (uri, code string) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if m := deviceLine.FindStringSubmatch(errb.String()); m != nil {
			return m[1], m[2]
		}
		select {
		case <-errb.writes:
		case r := <-done:
			t.Fatalf("steward login exited (%d) before showing a code:\n%s", r.code, r.stderr)
		case <-deadline:
			t.Fatalf("steward login showed no code within 30s; stderr:\n%s", errb.String())
		}
	}
}

// TestCLIDeviceLogin: `steward login` prints a URL and a code, the person
// signs in on the provider's verification page, and the CLI saves a token
// that `steward whoami` then uses.
func TestCLIDeviceLogin(t *testing.T) {
	e := newSSOEnv(t, nil)
	creds := cliEnv(t)
	alice := oidctest.Alice()

	// Not signed in yet: whoami is refused and says how to sign in.
	if r := e.cli("", "whoami"); r.code != cli.ExitFailure || !strings.Contains(r.stderr, "sign in") {
		t.Fatalf("whoami before login: exit %d\n%s", r.code, r.stderr)
	}

	errb, done := e.startCLI("", "login")
	uri, code := waitForDeviceCode(t, errb, done)
	if !strings.HasPrefix(uri, e.p.Issuer()+"/") {
		t.Errorf("verification URL %q is not the provider's", uri)
	}
	// The person opens the URL in a browser and signs in there.
	if err := e.p.SubmitDevice(context.Background(), http.DefaultClient, uri, code, formOf(alice)); err != nil {
		t.Fatal(err)
	}
	var r cliRun
	select {
	case r = <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("steward login did not finish after approval; stderr:\n%s", errb.String())
	}
	if r.code != cli.ExitOK || !strings.Contains(r.stderr, "Signed in to "+e.url+" as "+alice.Email) {
		t.Fatalf("steward login: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}

	saved := savedLogins(t, creds)[e.url]
	if !auth.LooksLikeToken(saved.Token) || saved.Principal != alice.Email {
		t.Fatalf("saved login = principal %q, token looks valid: %v", saved.Principal, auth.LooksLikeToken(saved.Token))
	}
	// The saved token is a short-lived exchanged token of alice's account.
	me := e.me(nil, "Bearer "+saved.Token)
	if me.Principal.ID != alice.Email || me.Principal.AuthMethod != "oidc" {
		t.Errorf("saved token is %+v", me.Principal)
	}

	r = e.cli("", "whoami", "-o", "json")
	if r.code != cli.ExitOK {
		t.Fatalf("whoami: exit %d: %s", r.code, r.stderr)
	}
	var who ssoMe
	if err := json.Unmarshal([]byte(r.stdout), &who); err != nil {
		t.Fatalf("whoami -o json: %v\n%s", err, r.stdout)
	}
	if who.Principal.ID != alice.Email || who.Principal.Kind != "user" || who.Principal.AuthMethod != "oidc" ||
		strings.Join(who.Principal.Groups, ",") != strings.Join(alice.Groups, ",") {
		t.Errorf("whoami = %+v, want alice with her groups", who.Principal)
	}

	// logout forgets the token; whoami is refused again.
	if r := e.cli("", "logout"); r.code != cli.ExitOK {
		t.Fatalf("logout: exit %d: %s", r.code, r.stderr)
	}
	if _, ok := savedLogins(t, creds)[e.url]; ok {
		t.Error("logout left the token in the credentials file")
	}
	if r := e.cli("", "whoami"); r.code != cli.ExitFailure {
		t.Errorf("whoami after logout: exit %d", r.code)
	}
}

// TestCLIDeviceLoginDenied: the person presses "Deny" on the provider's page.
func TestCLIDeviceLoginDenied(t *testing.T) {
	e := newSSOEnv(t, nil)
	creds := cliEnv(t)
	errb, done := e.startCLI("", "login")
	uri, code := waitForDeviceCode(t, errb, done)
	if err := e.p.SubmitDevice(context.Background(), http.DefaultClient, uri, code, oidctest.LoginForm{Deny: true}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "not approved (access_denied)") {
		t.Fatalf("denied login: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(creds); !os.IsNotExist(err) {
		t.Errorf("a denied login wrote the credentials file (%v)", err)
	}
}

// TestCLILoginWithToken: `steward login --with-token` reads a token from
// standard input, checks it with the server and saves it.
func TestCLILoginWithToken(t *testing.T) {
	e := newSSOEnv(t, nil)
	creds := cliEnv(t)
	// A service account with an API token, as an admin hands one to CI.
	e.mustJSON(http.StatusCreated, nil, "POST", "/api/v1/accounts", e.adminToken, `{"id":"deploy-bot","kind":"service_account"}`)
	var tok struct {
		Token string `json:"token"`
	}
	e.mustJSON(http.StatusCreated, &tok, "POST", "/api/v1/tokens", e.adminToken, `{"principal":"deploy-bot","name":"ci","scope":"read"}`)

	t.Run("refused token is not saved", func(t *testing.T) {
		bogus := "stw_0000000000000000_" + strings.Repeat("A", 43)
		r := e.cli(bogus+"\n", "login", "--with-token")
		if r.code != cli.ExitFailure || !strings.Contains(r.stderr, "did not accept") || strings.Contains(r.stderr, bogus) {
			t.Fatalf("bogus token: exit %d\n%s", r.code, r.stderr)
		}
		if _, err := os.Stat(creds); !os.IsNotExist(err) {
			t.Fatalf("a refused token was saved (%v)", err)
		}
		if r := e.cli("", "login", "--with-token"); r.code != cli.ExitFailure {
			t.Fatalf("empty stdin: exit %d\n%s", r.code, r.stderr)
		}
	})

	r := e.cli(tok.Token+"\n", "login", "--with-token")
	if r.code != cli.ExitOK || !strings.Contains(r.stderr, "as deploy-bot") {
		t.Fatalf("login --with-token: exit %d\n%s", r.code, r.stderr)
	}
	if saved := savedLogins(t, creds)[e.url]; saved.Token != tok.Token || saved.Principal != "deploy-bot" {
		t.Fatalf("saved = %+v", saved)
	}
	r = e.cli("", "whoami", "-o", "json")
	var who ssoMe
	if r.code != cli.ExitOK || json.Unmarshal([]byte(r.stdout), &who) != nil {
		t.Fatalf("whoami: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if who.Principal.ID != "deploy-bot" || who.Principal.Kind != "service_account" || who.Scope != "read" {
		t.Errorf("whoami = %+v scope %q", who.Principal, who.Scope)
	}
	// STEWARD_TOKEN wins over the saved login.
	t.Setenv("STEWARD_TOKEN", strings.TrimPrefix(e.adminToken, "Bearer "))
	if r := e.cli("", "whoami", "-o", "json"); !strings.Contains(r.stdout, `"id": "admin"`) && !strings.Contains(r.stdout, `"id":"admin"`) {
		t.Errorf("whoami with STEWARD_TOKEN: %s%s", r.stdout, r.stderr)
	}
}
