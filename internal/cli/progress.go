package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/spf13/cobra"
)

// progress draws one self-overwriting line on stderr:
//
//	Uploading  1.2 GiB / 3.4 GiB  35%  88.1 MiB/s  ETA 25s
//
// It is off with --quiet or when stderr is not a terminal, so logs and
// pipes never see carriage returns.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	label   string
	on      bool
	start   time.Time
	last    time.Time
	width   int // length of the last line drawn, to blank leftovers
	drawn   bool
	done    int64
	total   int64
	minStep time.Duration
}

func (g *globals) newProgress(cmd *cobra.Command, label string) *progress {
	w := cmd.ErrOrStderr()
	return &progress{w: w, label: label, on: !g.quiet && isTerminal(w), start: time.Now(), minStep: 100 * time.Millisecond}
}

// isTerminal reports whether w is a terminal (not a pipe, file or /dev/null).
func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// Update records progress; it redraws at most ten times a second.
func (p *progress) Update(done, total int64) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done, p.total = done, total
	if now := time.Now(); now.Sub(p.last) >= p.minStep {
		p.last = now
		p.draw(now)
	}
}

// Note replaces the line with a message, e.g. "Hashing files…".
func (p *progress) Note(msg string) {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.put(msg)
}

// Finish draws the final state and ends the line.
func (p *progress) Finish() {
	if !p.on {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.drawn {
		p.draw(time.Now())
		fmt.Fprintln(p.w)
		p.drawn = false
	}
}

func (p *progress) draw(now time.Time) {
	line := fmt.Sprintf("%s  %s / %s", p.label, size(p.done), size(p.total))
	if p.total > 0 {
		line += fmt.Sprintf("  %3d%%", p.done*100/p.total)
	}
	if el := now.Sub(p.start).Seconds(); el >= 0.5 && p.done > 0 {
		rate := float64(p.done) / el
		line += "  " + size(int64(rate)) + "/s"
		if left := p.total - p.done; left > 0 {
			line += "  ETA " + time.Duration(float64(left)/rate*float64(time.Second)).Round(time.Second).String()
		}
	}
	p.put(line)
}

func (p *progress) put(line string) {
	pad := max(p.width-len(line), 0)
	fmt.Fprint(p.w, "\r"+line+strings.Repeat(" ", pad))
	p.width = len(line)
	p.drawn = true
}
