package server

import (
	"html/template"
	"net/http"

	"github.com/steward-registry/steward/internal/auth"
)

// homePage is the landing page: who you are (from the session cookie), how
// to sign in and out, where the API is. The web UI builds on it.
var homePage = template.Must(template.New("home").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Steward</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem}code{background:#f3f3f3;padding:0 .2rem}</style>
</head><body>
<h1>Steward model registry</h1>
{{if .Principal}}<p>Signed in as <strong id="principal">{{.Principal}}</strong>.</p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrf_token" value="{{.CSRF}}"><button type="submit">Sign out</button></form>
{{else if .SingleUser}}<p>Single-user mode: this server has no accounts and listens on loopback only, so you act as its administrator.
Run <code>steward admin bootstrap</code> to turn on sign-in.</p>
{{else if .SSO}}<p><a id="login" href="/auth/login">Sign in</a> with your organisation's account.</p>
{{else}}<p>Sign in with an API token (<code>Authorization: Bearer stw_…</code>) or HTTP basic auth; see <code>steward login --help</code>.</p>{{end}}
<p>API: <a href="/api/v1/openapi.json">/api/v1</a> (OpenAPI) · MLflow clients: <code>MLFLOW_TRACKING_URI</code> = this address · health: <a href="/healthz">/healthz</a></p>
</body></html>
`))

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	data := struct {
		Principal, CSRF string
		SingleUser, SSO bool
	}{SSO: s.sso != nil && s.sso.rp != nil}
	if c, err := r.Cookie(auth.SessionCookie); err == nil {
		if p, err := s.auth.AuthenticateToken(r.Context(), c.Value); err == nil {
			data.Principal, data.CSRF = p.ID, auth.CSRFToken(c.Value)
		}
	}
	if data.Principal == "" {
		data.SingleUser, _ = s.single.on(r.Context())
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	w.Header().Set("Cache-Control", "no-store")
	if err := homePage.Execute(w, data); err != nil {
		s.log.Error("render home page", "err", err)
	}
}
