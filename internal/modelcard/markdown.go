package modelcard

import (
	"bytes"
	"fmt"
	"strings"
)

// Markdown renders the card as a Markdown document (GitHub-flavoured
// tables), for reading in a repository or a wiki.
func Markdown(c *Card, m Meta) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "# Model card: %s\n\n", mdInline(c.Title(m.Model)))
	for _, f := range metaLines(m) {
		fmt.Fprintf(&b, "- **%s:** %s\n", f.Label, mdInline(f.Text))
	}
	for _, s := range outline(c) {
		fmt.Fprintf(&b, "\n## %s\n\n", mdInline(s.Title))
		for _, f := range s.Fields {
			if strings.Contains(f.Text, "\n") {
				fmt.Fprintf(&b, "**%s:**\n\n%s\n\n", f.Label, mdBlock(f.Text))
			} else {
				fmt.Fprintf(&b, "**%s:** %s\n\n", f.Label, mdInline(f.Text))
			}
		}
		for _, t := range s.Tables {
			fmt.Fprintf(&b, "### %s\n\n", mdInline(t.Title))
			b.WriteString("| " + strings.Join(t.Header, " | ") + " |\n|")
			b.WriteString(strings.Repeat(" --- |", len(t.Header)) + "\n")
			for _, r := range t.Rows {
				cells := make([]string, len(r))
				for i, c := range r {
					cells[i] = mdCell(c)
				}
				b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
			}
			b.WriteString("\n")
		}
	}
	return bytes.TrimRight(b.Bytes(), "\n")
}

// mdInline keeps user text from turning into markup it did not mean.
var mdEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`, "<", "&lt;", ">", "&gt;", "#", `\#`, "|", `\|`)

func mdInline(s string) string { return mdEscaper.Replace(strings.Join(strings.Fields(s), " ")) }

func mdBlock(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = mdEscaper.Replace(l)
	}
	return strings.Join(lines, "  \n")
}

func mdCell(s string) string {
	return strings.ReplaceAll(mdInline(s), "\n", "<br>")
}
