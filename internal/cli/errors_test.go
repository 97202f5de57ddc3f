package cli

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

func TestErrorsAndExitCodes(t *testing.T) {
	e := newTestEnv(t)
	r := e.run("models", "get", "nope")
	if r.code != ExitFailure || r.stdout != "" || !strings.HasPrefix(r.stderr, "Error: ") || !strings.HasSuffix(r.stderr, "(not_found)\n") {
		t.Errorf("missing model: %+v", r)
	}
	r = e.run("versions", "list", "nope")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "(not_found)") {
		t.Errorf("versions of a missing model: %+v", r)
	}
	r = e.run("models", "get")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "Run 'steward models get --help' for usage.") {
		t.Errorf("missing argument: %+v", r)
	}
	r = e.run("models", "list", "--bogus")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "unknown flag") {
		t.Errorf("unknown flag: %+v", r)
	}
	r = e.run("models", "list", "-o", "yaml")
	if r.code != ExitFailure || !strings.Contains(r.stderr, "--output must be table or json") {
		t.Errorf("bad output: %+v", r)
	}
	r = e.run("versions", "create", "--model", "m")
	if r.code != ExitFailure || !strings.Contains(r.stderr, `required flag(s) "path"`) {
		t.Errorf("missing required flag: %+v", r)
	}
}

func TestServerErrorExitCode(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(500)
		w.Write([]byte(`{"error":{"code":"internal","message":"Internal error; quote request id abc to your administrator.","request_id":"abc"}}`))
	}))
	defer srv.Close()
	r := runCLI(t, srv.URL, nil, "models", "list")
	if r.code != ExitServer || r.stderr != "Error: Internal error; quote request id abc to your administrator. (internal)\n" {
		t.Errorf("5xx: %+v", r)
	}
}

func TestUnreachableServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	r := runCLI(t, url, nil, "models", "list")
	if r.code != ExitServer || !strings.Contains(r.stderr, "Is `steward serve` running at "+url+"?") {
		t.Errorf("unreachable: %+v", r)
	}
}

func TestEnvironmentSettings(t *testing.T) {
	e := newTestEnv(t)
	t.Setenv("STEWARD_SERVER", e.url)
	t.Setenv("STEWARD_WORKSPACE", "no-such-workspace")
	root := newRoot("test")
	var out, errb strings.Builder
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetArgs([]string{"models", "list", "--workspace", "default"})
	if code := Execute(root); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	if !strings.Contains(out.String(), "NAME") {
		t.Errorf("out = %q", out.String())
	}
	if e.count("GET /api/v1/models") != 1 {
		t.Error("STEWARD_SERVER was not used")
	}
}

func TestHelpTeaches(t *testing.T) {
	var all []*cobra.Command
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, s := range c.Commands() {
			walk(s)
		}
	}
	walk(NewRoot("test"))
	// The walk must reach the whole tree (at least the commands that existed
	// when governance landed); every one of them must teach.
	if len(all) < 110 {
		t.Errorf("only %d commands", len(all))
	}
	for _, c := range all {
		if c.Short == "" || c.Long == "" || c.Example == "" {
			t.Errorf("%q lacks Short, Long or Example", c.CommandPath())
		}
	}
}
