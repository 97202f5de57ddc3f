package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestProgressLine(t *testing.T) {
	var buf bytes.Buffer
	p := &progress{w: &buf, label: "Uploading", on: true, start: time.Now().Add(-2 * time.Second)}
	p.Update(512<<20, 1<<30)
	p.Update(1<<30, 1<<30)
	p.Finish()
	out := buf.String()
	for _, want := range []string{"\rUploading  512.0 MiB / 1.0 GiB   50%", "MiB/s", "ETA", "1.0 GiB / 1.0 GiB  100%"} {
		if !strings.Contains(out, want) {
			t.Errorf("progress output lacks %q: %q", want, out)
		}
	}
	if !strings.HasSuffix(out, "\n") {
		t.Errorf("Finish did not end the line: %q", out)
	}
}

func TestProgressOffWhenNotATerminal(t *testing.T) {
	var buf bytes.Buffer
	g := &globals{}
	root := newRoot("test")
	root.SetErr(&buf)
	p := g.newProgress(root, "Uploading")
	p.Note("Hashing")
	p.Update(1, 2)
	p.Finish()
	if buf.Len() != 0 {
		t.Errorf("progress wrote %q to a non-terminal", buf.String())
	}
}

func TestConfirm(t *testing.T) {
	for in, want := range map[string]bool{"y\n": true, "YES\n": true, "n\n": false, "\n": false, "": false, "yes please\n": false} {
		var out bytes.Buffer
		got, err := confirm(strings.NewReader(in), &out, "Delete? ")
		if err != nil || got != want {
			t.Errorf("confirm(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}

func TestSize(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1536: "1.5 KiB", 64 << 20: "64.0 MiB", 3 << 40: "3.0 TiB"} {
		if got := size(n); got != want {
			t.Errorf("size(%d) = %q, want %q", n, got, want)
		}
	}
}
