package cli

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/steward-registry/steward/client"
)

func newHistoryCmd(g *globals) *cobra.Command {
	var at, from, to string
	var diff bool
	cmd := &cobra.Command{
		Use:   "history MODEL [--at TIME | --diff TIME1 TIME2 | --from TIME --to TIME]",
		Short: "Stage and alias moves of a model, and time travel",
		Long: `Without flags, list every stage and alias move of MODEL: when, what moved,
who moved it, why, and on which approval.

--at TIME answers "which version was in Production (or @champion) at that
moment, who put it there and on whose approval". --diff TIME1 TIME2 shows
what changed between two moments and the moves in between.

A TIME is RFC 3339 with or without seconds (2026-03-01T12:00Z,
2026-03-01T13:00+01:00), a date (2026-03-01, meaning 00:00 UTC) or
milliseconds since the epoch. A time without a zone is UTC.`,
		Example: `  steward history fraud-detector
  steward history fraud-detector --at 2026-03-01T12:00Z
  steward history fraud-detector --diff 2026-03-01 2026-04-01
  steward history fraud-detector --from 2026-03-01 -o json | jq '.moves[] | select(.target=="Production")'`,
		Args: func(cmd *cobra.Command, args []string) error {
			if diff {
				return exactArgs("MODEL", "TIME1", "TIME2")(cmd, args)
			}
			return exactArgs("MODEL")(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if diff && at != "" {
				return usageError{fmt.Errorf("give --at or --diff, not both")}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			switch {
			case diff:
				d, err := c.HistoryDiff(cmd.Context(), args[0], args[1], args[2])
				if err != nil {
					return err
				}
				return g.emit(cmd, d, func(w io.Writer) { printDiff(w, d) })
			case at != "":
				st, err := c.HistoryAt(cmd.Context(), args[0], at)
				if err != nil {
					return err
				}
				return g.emit(cmd, st, func(w io.Writer) {
					fmt.Fprintf(w, "%s at %s:\n", clean(st.Model), utc(st.At))
					printState(w, st)
				})
			}
			moves, err := c.History(cmd.Context(), args[0], from, to)
			if err != nil {
				return err
			}
			return g.emit(cmd, map[string]any{"moves": moves}, func(w io.Writer) { printMoves(w, moves) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&at, "at", "", "show the stages and aliases at this moment")
	f.BoolVar(&diff, "diff", false, "compare two moments given as arguments: MODEL TIME1 TIME2")
	f.StringVar(&from, "from", "", "list moves at or after this moment")
	f.StringVar(&to, "to", "", "list moves at or before this moment")
	return cmd
}

// utc prints ms as "2026-02-27 10:02 UTC": a history is read across time
// zones, so it names its zone.
func utc(ms int64) string {
	t := time.UnixMilli(ms).UTC()
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("2006-01-02 15:04:05.000 UTC")
	}
	return t.Format("2006-01-02 15:04 UTC")
}

// holderLine is "version 3, since …, by alice, reason …, approval …,
// approved by bob, carol".
func holderLine(h client.HistoryHolder) string {
	parts := []string{fmt.Sprintf("version %d", h.Version), "since " + utc(h.Since), "by " + orDash(h.Actor)}
	if h.Reason != "" {
		parts = append(parts, "reason "+h.Reason)
	}
	if h.ApprovalID != "" {
		parts = append(parts, "approval "+h.ApprovalID)
		if len(h.Approvers) > 0 {
			parts = append(parts, "approved by "+strings.Join(h.Approvers, ", "))
		}
	}
	return clean(strings.Join(parts, ", "))
}

var stageOrder = []string{"Production", "Staging", "Archived"}

func printState(w io.Writer, st *client.HistoryState) {
	var stages []string
	for s := range st.Stages {
		stages = append(stages, s)
	}
	slices.SortFunc(stages, func(a, b string) int {
		ia, ib := slices.Index(stageOrder, a), slices.Index(stageOrder, b)
		if ia != ib {
			return ia - ib
		}
		return strings.Compare(a, b)
	})
	for _, s := range stages {
		for _, h := range st.Stages[s] {
			fmt.Fprintf(w, "%s: %s\n", clean(s), holderLine(h))
		}
	}
	if len(stages) == 0 {
		fmt.Fprintln(w, "No version in Staging, Production or Archived.")
	}
	var aliases []string
	for a := range st.Aliases {
		aliases = append(aliases, a)
	}
	slices.Sort(aliases)
	for _, a := range aliases {
		fmt.Fprintf(w, "@%s: %s\n", clean(a), holderLine(st.Aliases[a]))
	}
}

func moveVersion(v *int64) string {
	if v == nil {
		return "(removed)"
	}
	return fmt.Sprint(*v)
}

// aliasEnd is one side of an alias change: a version, or none.
func aliasEnd(v *int64) string {
	if v == nil {
		return "(none)"
	}
	return fmt.Sprintf("version %d", *v)
}

func printMoves(w io.Writer, moves []*client.HistoryMove) {
	row(w, "AT", "KIND", "TARGET", "VERSION", "FROM", "BY", "APPROVAL", "REASON")
	for _, m := range moves {
		row(w, utc(m.At), m.Kind, m.Target, moveVersion(m.Version), orDash(m.From), orDash(m.Actor), orDash(m.ApprovalID), orDash(truncate(m.Reason, 60)))
	}
}

func printDiff(w io.Writer, d *client.HistoryDiff) {
	fmt.Fprintf(w, "%s from %s to %s:\n", clean(d.Model), utc(d.From.At), utc(d.To.At))
	if len(d.Stages)+len(d.Aliases) == 0 {
		fmt.Fprintln(w, "No stage or alias changed.")
	}
	for _, s := range d.Stages {
		var parts []string
		for _, v := range s.Added {
			parts = append(parts, fmt.Sprintf("+version %d", v))
		}
		for _, v := range s.Removed {
			parts = append(parts, fmt.Sprintf("-version %d", v))
		}
		fmt.Fprintf(w, "%s: %s\n", clean(s.Stage), strings.Join(parts, ", "))
	}
	for _, a := range d.Aliases {
		fmt.Fprintf(w, "@%s: %s -> %s\n", clean(a.Alias), aliasEnd(a.From), aliasEnd(a.To))
	}
	if len(d.Moves) > 0 {
		fmt.Fprintln(w)
		printMoves(w, d.Moves)
	}
}
