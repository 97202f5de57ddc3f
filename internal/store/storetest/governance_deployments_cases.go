package storetest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/steward-registry/steward/internal/events"
	"github.com/steward-registry/steward/internal/governance"
	"github.com/steward-registry/steward/internal/lineage"
	"github.com/steward-registry/steward/internal/registry"
	"github.com/steward-registry/steward/internal/steward"
)

// depClock is a settable clock for the governance service, so moves can
// share a millisecond or sit at chosen moments.
type depClock struct{ ms atomic.Int64 }

func (c *depClock) now() time.Time { return time.UnixMilli(c.ms.Load()) }
func (c *depClock) at(ms int64)    { c.ms.Store(ms) }

// deployEnv adds the governance service (installed as the registry's
// lifecycle hook, so every move is kept in the history) over e, with a
// settable clock, and a model "m" with n versions.
func deployEnv(t *testing.T, e *Env, n int) (*governance.Service, *depClock) {
	t.Helper()
	clk := &depClock{}
	clk.at(1_000)
	gov := governance.NewService(e.DB.Governance(), e.Registry, nil, clk.now)
	createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
	for range n {
		createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
	}
	return gov, clk
}

// depCountRows counts the rows of governance tables (snapshot covers the
// others).
func depCountRows(t *testing.T, e *Env, tables ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, tb := range tables {
		var n int
		must(t, e.DB.Read.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+tb).Scan(&n))
		out[tb] = n
	}
	return out
}

var depTables = []string{"deployments", "version_retirements", "lifecycle_moves", "model_profiles", "events", "lineage_nodes", "lineage_edges"}

func depWantSameRows(t *testing.T, e *Env, before map[string]int) {
	t.Helper()
	after := depCountRows(t, e, depTables...)
	for _, tb := range depTables {
		if after[tb] != before[tb] {
			t.Errorf("table %s: %d rows, want %d (a refused call wrote)", tb, after[tb], before[tb])
		}
	}
}

// stageHolders renders a state's stages as "Stage:v1,v2" sorted, and its
// aliases as "@alias:v".
func depStateString(st *governance.State) []string {
	var out []string
	for stage, hs := range st.Stages {
		s := stage + ":"
		for i, h := range hs {
			if i > 0 {
				s += ","
			}
			s += fmt.Sprint(h.Version)
		}
		out = append(out, s)
	}
	for a, h := range st.Aliases {
		out = append(out, fmt.Sprintf("@%s:%d", a, h.Version))
	}
	slices.Sort(out)
	return out
}

func depLive(t *testing.T, gov *governance.Service, ctx context.Context, env string) []string {
	t.Helper()
	ds, err := gov.ListDeployments(ctx, "m", governance.DeploymentQuery{Environment: env, LiveOnly: true})
	must(t, err)
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("v%d/%s/%s/%g", d.Version, d.Role, d.Endpoint, d.Traffic))
	}
	slices.Sort(out)
	return out
}

var governanceDeploymentCases = []Case{
	{"governance deployments store: create, filter, end once, workspace scope", func(t *testing.T, e *Env) {
		createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		v1 := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		v2 := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		st := e.DB.Governance()
		ep := "https://serve/m"
		d1 := &governance.Deployment{ID: "d1", ModelID: v1.ModelID, VersionID: v1.ID, Version: 1, Environment: "production", Endpoint: ep, Traffic: 90, Role: governance.RoleChampion, StartedAt: 10, CreatedBy: "ann"}
		d2 := &governance.Deployment{ID: "d2", ModelID: v1.ModelID, VersionID: v2.ID, Version: 2, Environment: "production", Endpoint: ep, Traffic: 10, Role: governance.RoleCanary, StartedAt: 20, CreatedBy: "ann"}
		d3 := &governance.Deployment{ID: "d3", ModelID: v1.ModelID, VersionID: v2.ID, Version: 2, Environment: "staging", Traffic: 100, Role: governance.RoleChampion, StartedAt: 30, CreatedBy: "bob"}
		must(t, st.Update(e.Ctx, func(r governance.Repo) error {
			for _, d := range []*governance.Deployment{d1, d2, d3} {
				if err := r.CreateDeployment(e.Ctx, d); err != nil {
					return err
				}
			}
			return nil
		}))
		err := st.Update(e.Ctx, func(r governance.Repo) error {
			return r.CreateDeployment(e.Ctx, &governance.Deployment{ID: "d1", ModelID: v1.ModelID, VersionID: v1.ID, Version: 1, Environment: "x", Role: "champion", CreatedBy: "a"})
		})
		wantCode(t, err, steward.CodeAlreadyExists)

		got, err := st.GetDeployment(e.Ctx, v1.ModelID, "d2")
		must(t, err)
		if got.ModelName != "m" || got.Version != 2 || got.Traffic != 10 || got.Role != "canary" || got.Endpoint != ep || got.EndedAt != nil || got.Revision != 1 {
			t.Fatalf("get d2 = %+v", got)
		}
		ids := func(f governance.DeploymentFilter) []string {
			t.Helper()
			ds, err := st.ListDeployments(e.Ctx, f)
			must(t, err)
			var out []string
			for _, d := range ds {
				out = append(out, d.ID)
			}
			return out
		}
		none := ""
		for _, c := range []struct {
			name string
			f    governance.DeploymentFilter
			want []string
		}{
			{"all, newest first", governance.DeploymentFilter{ModelID: v1.ModelID}, []string{"d3", "d2", "d1"}},
			{"environment", governance.DeploymentFilter{ModelID: v1.ModelID, Environment: "production"}, []string{"d2", "d1"}},
			{"endpoint", governance.DeploymentFilter{ModelID: v1.ModelID, Endpoint: &ep}, []string{"d2", "d1"}},
			{"empty endpoint", governance.DeploymentFilter{ModelID: v1.ModelID, Endpoint: &none}, []string{"d3"}},
			{"version", governance.DeploymentFilter{VersionID: v2.ID}, []string{"d3", "d2"}},
			{"role", governance.DeploymentFilter{ModelID: v1.ModelID, Role: "champion"}, []string{"d3", "d1"}},
		} {
			wantStrings(t, c.name, ids(c.f), c.want)
		}

		end := func(d *governance.Deployment, prev int64) error {
			return st.Update(e.Ctx, func(r governance.Repo) error {
				now := int64(40)
				d.EndedAt, d.EndReason = &now, "done"
				return r.EndDeployment(e.Ctx, d, prev)
			})
		}
		must(t, end(d1, 1))
		wantCode(t, end(d1, 1), steward.CodePreconditionFailed) // stale revision
		wantCode(t, end(d1, 2), steward.CodePreconditionFailed) // ended already
		got, err = st.GetDeployment(e.Ctx, v1.ModelID, "d1")
		must(t, err)
		if got.EndedAt == nil || *got.EndedAt != 40 || got.EndReason != "done" || got.Revision != 2 {
			t.Fatalf("ended d1 = %+v", got)
		}
		wantStrings(t, "live", ids(governance.DeploymentFilter{ModelID: v1.ModelID, LiveOnly: true}), []string{"d3", "d2"})

		other := createWorkspace(t, e, "other")
		_, err = st.GetDeployment(other, v1.ModelID, "d1")
		wantCode(t, err, steward.CodeNotFound)
		wantStrings(t, "other workspace", ids(governance.DeploymentFilter{ModelID: v1.ModelID}), []string{"d3", "d2", "d1"})
		ds, err := st.ListDeployments(other, governance.DeploymentFilter{})
		must(t, err)
		if len(ds) != 0 {
			t.Fatalf("other workspace lists %d deployments", len(ds))
		}
	}},

	{"governance retirements store: once per version, model profile upsert", func(t *testing.T, e *Env) {
		m := createModel(t, e, e.Ctx, registry.ModelCreate{Name: "m"})
		v1 := createVersion(t, e, e.Ctx, "m", registry.VersionCreate{})
		st := e.DB.Governance()
		_, err := st.GetRetirement(e.Ctx, v1.ID)
		wantCode(t, err, steward.CodeNotFound)
		add := func() error {
			return st.Update(e.Ctx, func(r governance.Repo) error {
				return r.AddRetirement(e.Ctx, &governance.Retirement{VersionID: v1.ID, Model: "m", Version: 1, Reason: "bias", RetiredBy: "ann", RetiredAt: 5})
			})
		}
		must(t, add())
		wantCode(t, add(), steward.CodeAlreadyExists)
		got, err := st.GetRetirement(e.Ctx, v1.ID)
		must(t, err)
		if got.Model != "m" || got.Version != 1 || got.Reason != "bias" || got.RetiredBy != "ann" || got.RetiredAt != 5 {
			t.Fatalf("retirement = %+v", got)
		}

		at, _, err := st.ModelRetired(e.Ctx, m.ID)
		must(t, err)
		if at != nil {
			t.Fatalf("model retired before RetireModel: %d", *at)
		}
		for i, reason := range []string{"first", "second"} {
			must(t, st.Update(e.Ctx, func(r governance.Repo) error { return r.RetireModel(e.Ctx, m.ID, int64(100+i), reason, "ann") }))
			at, why, err := st.ModelRetired(e.Ctx, m.ID)
			must(t, err)
			if at == nil || *at != int64(100+i) || why != reason {
				t.Fatalf("after retire %d: at %v reason %q", i, at, why)
			}
			var rev int64
			var tier string
			must(t, e.DB.Read.QueryRowContext(context.Background(), `SELECT revision, risk_tier FROM model_profiles WHERE model_id = '`+m.ID+`'`).Scan(&rev, &tier))
			if rev != int64(i+1) || tier != "" {
				t.Fatalf("after retire %d: revision %d tier %q, want %d and the default tier", i, rev, tier, i+1)
			}
		}
	}},

	{"governance history: state at tricky moments and diff", func(t *testing.T, e *Env) {
		gov, clk := deployEnv(t, e, 3)
		ctx := e.Ctx
		stage := func(v int64, st string, archive bool, reason string) {
			t.Helper()
			_, err := e.Registry.SetStage(registry.WithReason(ctx, reason), "m", v, st, archive, 0)
			must(t, err)
		}
		clk.at(1_000)
		stage(1, "Production", false, "first release")
		clk.at(2_000) // v2 replaces v1 with archive_existing: two moves in one millisecond
		stage(2, "Production", true, "better auc")
		_, err := e.Registry.SetAlias(ctx, "m", "champion", 2)
		must(t, err)
		clk.at(3_000) // the alias removed and set again in one millisecond
		must(t, e.Registry.DeleteAlias(ctx, "m", "champion"))
		_, err = e.Registry.SetAlias(ctx, "m", "champion", 1)
		must(t, err)
		clk.at(4_000)
		_, err = e.Registry.SetAlias(ctx, "m", "champion", 2)
		must(t, err)
		clk.at(5_000) // v3 through Staging to Production in one millisecond
		stage(3, "Staging", false, "")
		stage(3, "Production", false, "hotfix")
		clk.at(6_000)
		must(t, e.Registry.DeleteAlias(ctx, "m", "champion"))
		clk.at(7_000) // v3 holds the alias, then is deleted: it leaves Production and the alias
		_, err = e.Registry.SetAlias(ctx, "m", "champion", 3)
		must(t, err)
		clk.at(8_000)
		must(t, e.Registry.DeleteVersion(ctx, "m", 3, 0))

		for _, c := range []struct {
			at   int64
			want []string
		}{
			{999, nil},
			{1_000, []string{"Production:1"}},
			{1_999, []string{"Production:1"}},
			{2_000, []string{"@champion:2", "Archived:1", "Production:2"}},
			{3_000, []string{"@champion:1", "Archived:1", "Production:2"}},
			{3_500, []string{"@champion:1", "Archived:1", "Production:2"}},
			{4_000, []string{"@champion:2", "Archived:1", "Production:2"}},
			{5_000, []string{"@champion:2", "Archived:1", "Production:2,3"}},
			{6_000, []string{"Archived:1", "Production:2,3"}},
			{7_000, []string{"@champion:3", "Archived:1", "Production:2,3"}},
			{8_000, []string{"Archived:1", "Production:2"}},
		} {
			st, err := gov.StateAt(ctx, "m", c.at)
			must(t, err)
			wantStrings(t, fmt.Sprintf("state at %d", c.at), depStateString(st), c.want)
		}
		st, err := gov.StateAt(ctx, "m", 1_500)
		must(t, err)
		h := st.Stages["Production"][0]
		if h.Since != 1_000 || h.Actor != steward.Anonymous.ID || h.Reason != "first release" {
			t.Fatalf("holder at 1500 = %+v", h)
		}
		st, err = gov.StateAt(ctx, "m", 3_500)
		must(t, err)
		if a := st.Aliases["champion"]; a.Since != 3_000 {
			t.Fatalf("champion at 3500 since %d, want 3000 (re-added)", a.Since)
		}
		if a := st.Stages["Archived"][0]; a.Since != 2_000 || a.Reason != "better auc" {
			t.Fatalf("cascade archive holder = %+v, want since 2000 with the promotion's reason", a)
		}

		d, err := gov.Diff(ctx, "m", 1_000, 3_000)
		must(t, err)
		if len(d.Stages) != 2 || d.Stages[0].Stage != "Archived" || !slices.Equal(d.Stages[0].Added, []int64{1}) ||
			d.Stages[1].Stage != "Production" || !slices.Equal(d.Stages[1].Added, []int64{2}) || !slices.Equal(d.Stages[1].Removed, []int64{1}) {
			t.Fatalf("diff stages = %+v", d.Stages)
		}
		if len(d.Aliases) != 1 || d.Aliases[0].From != nil || d.Aliases[0].To == nil || *d.Aliases[0].To != 1 {
			t.Fatalf("diff aliases = %+v", d.Aliases)
		}
		if len(d.Moves) != 5 { // v2 prod, v1 archived, champion→2, champion removed, champion→1
			t.Fatalf("diff moves = %d, want 5", len(d.Moves))
		}
		d, err = gov.Diff(ctx, "m", 3_000, 4_000)
		must(t, err)
		if len(d.Stages) != 0 || len(d.Aliases) != 1 || *d.Aliases[0].From != 1 || *d.Aliases[0].To != 2 {
			t.Fatalf("diff 3000..4000 = %+v %+v", d.Stages, d.Aliases)
		}

		moves, err := gov.History(ctx, "m", 2_000, 3_000)
		must(t, err)
		var got []string
		for _, mv := range moves {
			v := "-"
			if mv.Version != nil {
				v = fmt.Sprint(*mv.Version)
			}
			got = append(got, fmt.Sprintf("%d %s %s %s from %s", mv.At, mv.Kind, mv.Target, v, mv.From))
		}
		wantStrings(t, "history 2000..3000", got, []string{
			"2000 stage Production 2 from None", "2000 stage Archived 1 from Production", "2000 alias champion 2 from ",
			"3000 alias champion - from 2", "3000 alias champion 1 from ",
		})
		_, err = gov.History(ctx, "m", 3_000, 2_000)
		wantCode(t, err, steward.CodeInvalid)
		_, err = gov.StateAt(ctx, "nope", 1)
		wantCode(t, err, steward.CodeNotFound)
	}},

	{"governance deployments service: champion replaced, traffic cap, nothing half-written", func(t *testing.T, e *Env) {
		gov, clk := deployEnv(t, e, 3)
		ctx := e.Ctx
		rec := func(v int64, role string, traffic *float64, endpoint string) (*governance.Deployment, error) {
			return gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: v, Environment: "production", Endpoint: endpoint, Traffic: traffic, Role: role})
		}
		pct := func(f float64) *float64 { return &f }
		d1, err := rec(1, "", nil, "ep")
		must(t, err)
		if d1.Role != "champion" || d1.Traffic != 100 || d1.Environment != "production" || d1.StartedAt != 1_000 {
			t.Fatalf("defaults: %+v", d1)
		}
		before := depCountRows(t, e, depTables...)
		_, err = rec(2, "canary", pct(10), "ep") // 100 + 10 > 100
		wantCode(t, err, steward.CodeConflict)
		_, err = rec(2, "challenger", nil, "ep")
		wantCode(t, err, steward.CodeInvalid)
		depWantSameRows(t, e, before)
		_, err = rec(2, "shadow", nil, "ep") // shadows get copies, not a share
		must(t, err)
		_, err = rec(2, "canary", pct(10), "other-endpoint")
		must(t, err)

		clk.at(2_000)
		d3, err := rec(3, "champion", pct(100), "ep")
		must(t, err)
		old, err := gov.GetDeployment(ctx, "m", d1.ID)
		must(t, err)
		if old.EndedAt == nil || *old.EndedAt != 2_000 || old.EndReason != fmt.Sprintf("replaced by version 3 (deployment %s)", d3.ID) {
			t.Fatalf("replaced champion = %+v", old)
		}
		wantStrings(t, "live", depLive(t, gov, ctx, "production"), []string{"v2/canary/other-endpoint/10", "v2/shadow/ep/0", "v3/champion/ep/100"})
		if n := len(depEvents(t, e, "deployment.end")); n != 1 {
			t.Fatalf("deployment.end events = %d, want 1", n)
		}
		if n := len(depEvents(t, e, "deployment.create")); n != 4 {
			t.Fatalf("deployment.create events = %d, want 4", n)
		}
		// The lineage graph: a deployment node served by the version.
		imp, err := e.Lineage.Trace(ctx, depTrace("deployment:"+d3.ID))
		must(t, err)
		if len(imp.Nodes) < 2 {
			t.Fatalf("deployment %s in the graph: %+v", d3.ID, imp.Nodes)
		}

		_, err = gov.EndDeployment(ctx, "m", d3.ID, " ")
		wantCode(t, err, steward.CodeInvalid)
		ended, err := gov.EndDeployment(ctx, "m", d3.ID, "traffic moved to the new cluster")
		must(t, err)
		if ended.EndedAt == nil || ended.EndReason != "traffic moved to the new cluster" {
			t.Fatalf("ended = %+v", ended)
		}
		_, err = gov.EndDeployment(ctx, "m", d3.ID, "again")
		wantCode(t, err, steward.CodeConflict)
		_, err = gov.EndDeployment(ctx, "m", "nope", "x")
		wantCode(t, err, steward.CodeNotFound)

		for _, bad := range []governance.DeploymentCreate{
			{Version: 1, Environment: "Prod Env", Role: "champion"},
			{Version: 1, Role: "king"},
			{Version: 1, Traffic: pct(150)},
			{Version: 1, Traffic: pct(-1)},
			{Version: 0},
			{Version: 1, Endpoint: "a\nb"},
		} {
			_, err := gov.RecordDeployment(ctx, "m", bad)
			wantCode(t, err, steward.CodeInvalid)
		}
		_, err = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: 9})
		wantCode(t, err, steward.CodeNotFound)
	}},

	{"governance deployments: concurrent writers keep one champion and at most 100 percent", func(t *testing.T, e *Env) {
		gov, _ := deployEnv(t, e, 3)
		ctx := e.Ctx
		const n = 6
		var wg sync.WaitGroup
		errs := make([]error, 2*n)
		for i := range n {
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, errs[i] = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: int64(i%3 + 1), Endpoint: "ep", Traffic: ptr(40.0)})
			}()
			go func() {
				defer wg.Done()
				_, errs[n+i] = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: 1, Endpoint: "ep", Role: "canary", Traffic: ptr(20.0)})
			}()
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil && !steward.IsCode(err, steward.CodeConflict) {
				t.Fatalf("writer %d: %v", i, err)
			}
		}
		ds, err := gov.ListDeployments(ctx, "m", governance.DeploymentQuery{LiveOnly: true})
		must(t, err)
		champions, total := 0, 0.0
		for _, d := range ds {
			total += d.Traffic
			if d.Role == governance.RoleChampion {
				champions++
			}
		}
		// Which writers win depends on the interleaving: five canaries at
		// 20 % that all come first leave no room for a champion, which is
		// right. What no interleaving may give is two champions or more
		// than 100 %.
		if champions > 1 || total > 100 || len(ds) == 0 {
			t.Fatalf("after concurrent writers: %d live champions, %g%% live traffic: %+v", champions, total, ds)
		}
	}},

	{"governance rollback: previous production version back, champion and deployment follow, one transaction", func(t *testing.T, e *Env) {
		gov, clk := deployEnv(t, e, 3)
		ctx := e.Ctx
		stage := func(v int64, st string) {
			t.Helper()
			_, err := e.Registry.SetStage(ctx, "m", v, st, true, 0)
			must(t, err)
		}
		_, err := gov.Rollback(ctx, "m", governance.RollbackRequest{Reason: "x"})
		wantCode(t, err, steward.CodeConflict) // nothing in Production
		clk.at(1_000)
		stage(1, "Production")
		_, err = e.Registry.SetAlias(ctx, "m", "champion", 1)
		must(t, err)
		_, err = gov.Rollback(ctx, "m", governance.RollbackRequest{Reason: "x"})
		wantCode(t, err, steward.CodeConflict) // no earlier version
		_, err = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: 1, Endpoint: "ep"})
		must(t, err)
		clk.at(2_000)
		stage(2, "Production")
		_, err = e.Registry.SetAlias(ctx, "m", "champion", 2)
		must(t, err)
		cap := 60.0
		_, err = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: 2, Endpoint: "ep", Traffic: &cap})
		must(t, err)
		_, err = gov.Rollback(ctx, "m", governance.RollbackRequest{})
		wantCode(t, err, steward.CodeInvalid) // reason required

		clk.at(3_000)
		res, err := gov.Rollback(ctx, "m", governance.RollbackRequest{Reason: "drift in v2"})
		must(t, err)
		if res.From != 2 || res.To != 1 || !slices.Equal(res.AliasesMoved, []string{"champion"}) || len(res.DeploymentsEnded) != 1 || len(res.DeploymentsStarted) != 1 {
			t.Fatalf("rollback = %+v", res)
		}
		for v, want := range map[int64]registry.Stage{1: registry.StageProduction, 2: registry.StageArchived, 3: registry.StageNone} {
			got, err := e.Registry.GetVersion(ctx, "m", v)
			must(t, err)
			if got.Stage != want {
				t.Fatalf("version %d in %s, want %s", v, got.Stage, want)
			}
		}
		wantAliases(t, e, "m", map[string]int64{"champion": 1})
		wantStrings(t, "live after rollback", depLive(t, gov, ctx, "production"), []string{"v1/champion/ep/60"})
		st, err := gov.StateAt(ctx, "m", 3_000)
		must(t, err)
		if h := st.Stages["Production"]; len(h) != 1 || h[0].Version != 1 || h[0].Reason != "rollback: drift in v2" {
			t.Fatalf("production after rollback = %+v", h)
		}
		if evs := depEvents(t, e, "model.rollback"); len(evs) != 1 {
			t.Fatalf("model.rollback events = %d", len(evs))
		}

		// Rolling back again undoes the rollback (as kubectl rollout undo
		// does): v2 held Production before v1's return.
		res, err = gov.Rollback(ctx, "m", governance.RollbackRequest{Reason: "false alarm"})
		must(t, err)
		if res.From != 1 || res.To != 2 {
			t.Fatalf("second rollback = %d -> %d", res.From, res.To)
		}

		// A retired version is never rolled back to.
		_, err = gov.RetireVersion(ctx, "m", 1, "leaks a feature")
		must(t, err)
		before := depCountRows(t, e, depTables...)
		_, err = gov.Rollback(ctx, "m", governance.RollbackRequest{Reason: "again"})
		wantCode(t, err, steward.CodeConflict)
		depWantSameRows(t, e, before)
		_, err = gov.Rollback(ctx, "m", governance.RollbackRequest{Reason: "x", Environment: "Bad Env"})
		wantCode(t, err, steward.CodeInvalid)
	}},

	{"governance retire: version and model", func(t *testing.T, e *Env) {
		gov, _ := deployEnv(t, e, 3)
		ctx := e.Ctx
		_, err := e.Registry.SetStage(ctx, "m", 2, "Production", false, 0)
		must(t, err)
		for _, a := range []string{"champion", "stable"} {
			_, err = e.Registry.SetAlias(ctx, "m", a, 2)
			must(t, err)
		}
		_, err = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: 2})
		must(t, err)
		_, err = gov.RetireVersion(ctx, "m", 2, "")
		wantCode(t, err, steward.CodeInvalid)

		res, err := gov.RetireVersion(ctx, "m", 2, "uses a revoked data licence")
		must(t, err)
		wantStrings(t, "aliases removed", res.AliasesRemoved, []string{"champion@2", "stable@2"})
		if len(res.DeploymentsEnded) != 1 || res.DeploymentsEnded[0].EndReason != "retired: uses a revoked data licence" || len(res.Versions) != 1 {
			t.Fatalf("retire = %+v", res)
		}
		v, err := e.Registry.GetVersion(ctx, "m", 2)
		must(t, err)
		if v.Stage != registry.StageArchived {
			t.Fatalf("retired version in %s", v.Stage)
		}
		wantAliases(t, e, "m", map[string]int64{})
		_, err = gov.RetireVersion(ctx, "m", 2, "again")
		wantCode(t, err, steward.CodeConflict)
		_, err = gov.RecordDeployment(ctx, "m", governance.DeploymentCreate{Version: 2})
		wantCode(t, err, steward.CodeConflict)

		res, err = gov.RetireModel(ctx, "m", "product discontinued")
		must(t, err)
		if len(res.Versions) != 2 || res.Versions[0].Version != 1 || res.Versions[1].Version != 3 || res.RetiredAt == nil {
			t.Fatalf("retire model = %+v", res)
		}
		m, err := e.Registry.GetModel(ctx, "m")
		must(t, err)
		at, why, err := e.DB.Governance().ModelRetired(ctx, m.ID)
		must(t, err)
		if at == nil || why != "product discontinued" {
			t.Fatalf("model retired %v %q", at, why)
		}
		_, err = gov.RetireModel(ctx, "m", "again")
		wantCode(t, err, steward.CodeConflict)
		if n := len(depEvents(t, e, "model_version.retire")); n != 3 {
			t.Fatalf("model_version.retire events = %d, want 3", n)
		}
		if n := len(depEvents(t, e, "model.retire")); n != 1 {
			t.Fatalf("model.retire events = %d, want 1", n)
		}
	}},
}

func depTrace(node string) lineage.TraceRequest {
	return lineage.TraceRequest{Node: node, Direction: lineage.Upstream, Depth: 1, Limit: 10}
}

func depEvents(t *testing.T, e *Env, action string) []*events.Event {
	t.Helper()
	evs, err := e.DB.ListEvents(e.Ctx, events.Filter{Action: action})
	must(t, err)
	return evs
}
