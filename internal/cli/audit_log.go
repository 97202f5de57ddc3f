package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

// relativeTime turns "24h" or "90m" into an RFC 3339 time that long ago;
// anything else is passed to the server as written.
func relativeTime(s string, now time.Time) string {
	if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return now.Add(-d).UTC().Format(time.RFC3339)
	}
	return s
}

func newAuditLogCmd(g *globals) *cobra.Command {
	var (
		f    client.AuditFilter
		page client.ListOptions
		all  bool
	)
	cmd := &cobra.Command{
		Use:   "log",
		Short: "Search the audit log",
		Long: `List audit events of every workspace, oldest first. Filters combine:
--actor (principal id), --object-type and --object-id, --action (e.g.
model.delete), --outcome (success, denied, failed), --in-workspace, and a
time range with --since and --until (RFC 3339, milliseconds since the
epoch, or a duration such as 24h meaning that long ago).

Results come in pages of --limit events (default 100, at most 1000); use
--all for every page, -o json for the full events with their images,
digests and chain hashes.`,
		Example: `  steward audit log --since 24h
  steward audit log --actor alice --action model.delete -o json
  steward audit log --object-type model_version --object-id 0f3a... --all`,
		Args: exactArgs(),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			now := time.Now()
			f.Since, f.Until = relativeTime(f.Since, now), relativeTime(f.Until, now)
			var out struct {
				Events        []*client.AuditEvent `json:"events"`
				NextPageToken string               `json:"next_page_token,omitempty"`
			}
			if all {
				out.Events = []*client.AuditEvent{}
				for e, err := range c.AllAuditEvents(cmd.Context(), f) {
					if err != nil {
						return err
					}
					out.Events = append(out.Events, e)
				}
			} else if out.Events, out.NextPageToken, err = c.AuditEvents(cmd.Context(), f, page); err != nil {
				return err
			}
			err = g.emit(cmd, out, func(w io.Writer) {
				row(w, "SEQ", "TIME", "ACTOR", "ACTION", "OBJECT", "OUTCOME", "WORKSPACE", "CHANGED")
				for _, e := range out.Events {
					row(w, strconv.FormatInt(e.Seq, 10), when(e.Time), fmt.Sprintf("%s (%s)", e.ActorID, orDash(e.AuthMethod)), e.Action,
						e.ObjectType+" "+truncate(e.ObjectID, 32), e.Outcome, e.Workspace, orDash(truncate(strings.Join(e.Changed, ","), 40)))
				}
			})
			if out.NextPageToken != "" {
				g.hint(cmd, "More events: add --page-token %s, or --all.", out.NextPageToken)
			}
			return err
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Actor, "actor", "", "only events by this principal id")
	fl.StringVar(&f.ObjectType, "object-type", "", "only events about this object type (model, model_version, run, blob, ...)")
	fl.StringVar(&f.ObjectID, "object-id", "", "only events about this object id")
	fl.StringVar(&f.Action, "action", "", "only this action, e.g. model.delete")
	fl.StringVar(&f.Outcome, "outcome", "", "only this outcome: success, denied or failed")
	fl.StringVar(&f.Workspace, "in-workspace", "", "only events of this workspace (default: all)")
	fl.StringVar(&f.Since, "since", "", "only events at or after this time (RFC 3339, ms, or a duration ago like 24h)")
	fl.StringVar(&f.Until, "until", "", "only events before this time (RFC 3339, ms, or a duration ago)")
	fl.IntVar(&page.PageSize, "limit", 0, "events per page (server default 100, at most 1000)")
	fl.StringVar(&page.PageToken, "page-token", "", "continue from a previous page")
	fl.BoolVar(&all, "all", false, "fetch every page")
	return cmd
}
