package modelcard

import (
	"bytes"
	_ "embed"
	"fmt"
	"math"
	"strings"
	"unicode"

	"github.com/signintech/gopdf"
	"github.com/signintech/gopdf/fontmaker/core"
)

// The fonts and their licences are in fonts/ (see fonts/README.md).
var (
	//go:embed fonts/DejaVuSans.ttf
	dejaVuSans []byte
	//go:embed fonts/DroidSansFallback.ttf
	droidSansFallback []byte
)

// Page geometry in points (A4).
const (
	pageW, pageH = 595.28, 841.89
	margin       = 50.0
	contentW     = pageW - 2*margin
	bottom       = pageH - margin
)

// The evaluation chart sits at a fixed place on the first page, below the
// header, so a reader (and the export test) finds it at once.
const (
	// ChartTop and ChartLeft are the chart's upper-left corner on page 1,
	// in points from the page's top-left.
	ChartTop  = 215.0
	ChartLeft = margin
	// ChartMaxBars bounds the bars so the chart stays on the first page.
	ChartMaxBars = 12
	chartRowH    = 18.0
	chartLabelW  = 150.0
	chartBarW    = contentW - chartLabelW - 70
)

// PDF renders the card as a PDF: a header with the stored card's facts, a
// bar chart of the numeric evaluation metrics drawn with vector shapes,
// then every section. Text is set in DejaVu Sans, and characters it has no
// glyph for (CJK) in Droid Sans Fallback, both embedded as subsets.
func PDF(c *Card, m Meta) ([]byte, error) {
	w, err := newPDFWriter()
	if err != nil {
		return nil, err
	}
	w.pdf.SetInfo(gopdf.PdfInfo{Title: "Model card: " + c.Title(m.Model), Subject: "Model card", Creator: "Steward"})
	w.pdf.AddPage()
	w.y = margin

	w.text(margin, contentW, 18, [3]uint8{20, 40, 80}, "Model card: "+c.Title(m.Model))
	w.y += 6
	for _, f := range metaLines(m) {
		w.text(margin, contentW, 10, [3]uint8{60, 60, 60}, f.Label+": "+f.Text)
	}

	// The chart: header at a fixed place, bars below it.
	w.y = max(w.y, ChartTop-22)
	w.text(margin, contentW, 13, [3]uint8{20, 40, 80}, "Evaluation metrics")
	w.y = ChartTop
	if err := w.chart(ChartMetrics(c, ChartMaxBars)); err != nil {
		return nil, err
	}
	w.y += 12

	for _, s := range outline(c) {
		w.need(50)
		w.y += 8
		w.text(margin, contentW, 13, [3]uint8{20, 40, 80}, s.Title)
		w.rule()
		for _, f := range s.Fields {
			w.text(margin, contentW, 9, [3]uint8{90, 90, 90}, f.Label)
			w.text(margin+8, contentW-8, 10, [3]uint8{0, 0, 0}, f.Text)
			w.y += 3
		}
		for _, t := range s.Tables {
			if err := w.table(t); err != nil {
				return nil, err
			}
		}
	}
	if w.err != nil {
		return nil, w.err
	}
	var b bytes.Buffer
	if err := w.pdf.Write(&b); err != nil {
		return nil, fmt.Errorf("modelcard: write pdf: %w", err)
	}
	return b.Bytes(), nil
}

// pdfWriter lays out text top to bottom with per-character font fallback.
type pdfWriter struct {
	pdf    *gopdf.GoPdf
	latin  map[int]uint // runes DejaVu Sans has glyphs for
	cjk    map[int]uint
	y      float64
	size   float64
	family string
	err    error
}

const (
	fontLatin = "dejavu"
	fontCJK   = "droid"
)

func newPDFWriter() (*pdfWriter, error) {
	w := &pdfWriter{pdf: &gopdf.GoPdf{}}
	var lp, cp core.TTFParser
	if err := lp.ParseFontData(dejaVuSans); err != nil {
		return nil, fmt.Errorf("modelcard: parse DejaVu Sans: %w", err)
	}
	if err := cp.ParseFontData(droidSansFallback); err != nil {
		return nil, fmt.Errorf("modelcard: parse Droid Sans Fallback: %w", err)
	}
	w.latin, w.cjk = lp.Chars(), cp.Chars()
	w.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	if err := w.pdf.AddTTFFontData(fontLatin, dejaVuSans); err != nil {
		return nil, fmt.Errorf("modelcard: embed DejaVu Sans: %w", err)
	}
	if err := w.pdf.AddTTFFontData(fontCJK, droidSansFallback); err != nil {
		return nil, fmt.Errorf("modelcard: embed Droid Sans Fallback: %w", err)
	}
	return w, nil
}

// run is text set in one font.
type run struct {
	family string
	text   string
}

// fontFor picks DejaVu when it has the glyph, else the fallback when it
// has it, else DejaVu (which draws its .notdef box).
func (w *pdfWriter) fontFor(r rune) string {
	if _, ok := w.latin[int(r)]; ok {
		return fontLatin
	}
	if _, ok := w.cjk[int(r)]; ok {
		return fontCJK
	}
	return fontLatin
}

// runs splits s into runs of one font. Spaces join the run they are in.
func (w *pdfWriter) runs(s string) []run {
	var out []run
	for _, r := range s {
		f := w.fontFor(r)
		if r == ' ' && len(out) > 0 {
			f = out[len(out)-1].family
		}
		if n := len(out); n > 0 && out[n-1].family == f {
			out[n-1].text += string(r)
		} else {
			out = append(out, run{f, string(r)})
		}
	}
	return out
}

func (w *pdfWriter) setFont(family string, size float64) {
	if w.family == family && w.size == size {
		return
	}
	if err := w.pdf.SetFont(family, "", size); err != nil && w.err == nil {
		w.err = err
	}
	w.family, w.size = family, size
}

func (w *pdfWriter) width(s string, size float64) float64 {
	total := 0.0
	for _, r := range w.runs(s) {
		w.setFont(r.family, size)
		v, err := w.pdf.MeasureTextWidth(r.text)
		if err != nil && w.err == nil {
			w.err = err
		}
		total += v
	}
	return total
}

// draw sets s with its baseline at y.
func (w *pdfWriter) draw(x, y, size float64, s string) {
	for _, r := range w.runs(s) {
		w.setFont(r.family, size)
		w.pdf.SetXY(x, y)
		if err := w.pdf.Text(r.text); err != nil && w.err == nil {
			w.err = err
		}
		v, _ := w.pdf.MeasureTextWidth(r.text)
		x += v
	}
}

// tokens splits text into wrap units: words, single spaces, and single
// wide (CJK) characters, which may break anywhere.
func tokens(s string) []string {
	var out []string
	var word strings.Builder
	flush := func() {
		if word.Len() > 0 {
			out = append(out, word.String())
			word.Reset()
		}
	}
	for _, r := range s {
		switch {
		case r == ' ' || r == '\t':
			flush()
			out = append(out, " ")
		case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r):
			flush()
			out = append(out, string(r))
		default:
			word.WriteRune(r)
		}
	}
	flush()
	return out
}

// wrap breaks one paragraph into lines at most width wide; a word longer
// than a line (a digest, a URL) is broken between characters.
func (w *pdfWriter) wrap(s string, width, size float64) []string {
	var lines []string
	line, lineW := "", 0.0
	push := func() {
		lines = append(lines, strings.TrimRight(line, " "))
		line, lineW = "", 0
	}
	for _, t := range tokens(s) {
		tw := w.width(t, size)
		if line == "" && t == " " {
			continue
		}
		if lineW+tw <= width {
			line, lineW = line+t, lineW+tw
			continue
		}
		if line != "" {
			push()
			if t == " " {
				continue
			}
		}
		if tw <= width {
			line, lineW = t, tw
			continue
		}
		for _, r := range t {
			rw := w.width(string(r), size)
			if lineW+rw > width && line != "" {
				push()
			}
			line, lineW = line+string(r), lineW+rw
		}
	}
	if line != "" || len(lines) == 0 {
		push()
	}
	return lines
}

// need starts a new page when h more points do not fit.
func (w *pdfWriter) need(h float64) {
	if w.y+h > bottom {
		w.pdf.AddPage()
		w.y = margin
	}
}

// text writes a paragraph (newlines kept) from x, width wide, advancing y.
func (w *pdfWriter) text(x, width, size float64, color [3]uint8, s string) {
	w.pdf.SetTextColor(color[0], color[1], color[2])
	lh := size * 1.35
	for _, para := range strings.Split(s, "\n") {
		for _, l := range w.wrap(para, width, size) {
			w.need(lh)
			w.y += lh
			w.draw(x, w.y-size*0.3, size, l)
		}
	}
	w.pdf.SetTextColor(0, 0, 0)
}

func (w *pdfWriter) rule() {
	w.pdf.SetStrokeColor(180, 190, 210)
	w.pdf.SetLineWidth(0.7)
	w.y += 3
	w.pdf.Line(margin, w.y, pageW-margin, w.y)
	w.y += 5
}

// table writes a titled table; columns share the width by header, the
// first column narrower for name/value tables.
func (w *pdfWriter) table(t table) error {
	w.need(40)
	w.y += 4
	w.text(margin, contentW, 10, [3]uint8{20, 40, 80}, t.Title)
	cols := len(t.Header)
	colW := make([]float64, cols)
	for i := range colW {
		colW[i] = contentW / float64(cols)
	}
	if cols == 2 {
		colW[0], colW[1] = contentW*0.35, contentW*0.65
	}
	const size, pad = 9.0, 3.0
	lh := size * 1.3
	row := func(cells []string, header bool) {
		wrapped := make([][]string, cols)
		n := 1
		for i := 0; i < cols; i++ {
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			var ls []string
			for _, para := range strings.Split(cell, "\n") {
				ls = append(ls, w.wrap(para, colW[i]-2*pad, size)...)
			}
			wrapped[i] = ls
			n = max(n, len(ls))
		}
		h := float64(n)*lh + 2*pad
		w.need(h)
		if header {
			w.pdf.SetFillColor(230, 236, 245)
			_ = w.pdf.Rectangle(margin, w.y, pageW-margin, w.y+h, "F", 0, 0)
		}
		w.pdf.SetStrokeColor(200, 200, 200)
		w.pdf.SetLineWidth(0.5)
		w.pdf.Line(margin, w.y+h, pageW-margin, w.y+h)
		x := margin
		for i, ls := range wrapped {
			for j, l := range ls {
				w.draw(x+pad, w.y+pad+float64(j+1)*lh-size*0.3, size, l)
			}
			x += colW[i]
		}
		w.y += h
	}
	row(t.Header, true)
	for _, r := range t.Rows {
		row(r, false)
	}
	w.y += 6
	return w.err
}

// chart draws a horizontal bar chart: one bar per metric, scaled to the
// largest magnitude, labelled with the metric's name and value. Negative
// values are drawn in another colour with their magnitude.
func (w *pdfWriter) chart(ms []ChartMetric) error {
	if len(ms) == 0 {
		w.text(margin, contentW, 10, [3]uint8{90, 90, 90}, "The card has no numeric evaluation metrics to chart.")
		return w.err
	}
	top := w.y
	h := float64(len(ms))*chartRowH + 10
	w.pdf.SetStrokeColor(160, 160, 160)
	w.pdf.SetLineWidth(0.6)
	if err := w.pdf.Rectangle(ChartLeft, top, pageW-margin, top+h, "D", 0, 0); err != nil {
		return err
	}
	maxAbs := 0.0
	for _, m := range ms {
		maxAbs = max(maxAbs, math.Abs(m.Value))
	}
	x0 := ChartLeft + chartLabelW
	w.pdf.Line(x0, top+4, x0, top+h-4) // axis
	for i, m := range ms {
		y := top + 5 + float64(i)*chartRowH
		label := m.Label
		for w.width(label, 9) > chartLabelW-10 && len([]rune(label)) > 4 {
			label = string([]rune(label)[:len([]rune(label))-2]) + "…"
		}
		w.draw(ChartLeft+5, y+12, 9, label)
		bw := 0.0
		if maxAbs > 0 {
			bw = math.Abs(m.Value) / maxAbs * chartBarW
		}
		if m.Value < 0 {
			w.pdf.SetFillColor(200, 80, 60)
		} else {
			w.pdf.SetFillColor(46, 110, 180)
		}
		if bw >= 0.5 {
			if err := w.pdf.Rectangle(x0, y+2, x0+bw, y+chartRowH-4, "F", 0, 0); err != nil {
				return err
			}
		}
		w.draw(x0+bw+5, y+12, 9, FormatValue(m.Value))
	}
	w.y = top + h
	return w.err
}
