package modelcard

import (
	"bytes"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// needTool finds a poppler tool. scripts/test installs poppler-utils; in CI
// a missing tool is a failure, not a skip, so the PDF checks cannot vanish.
func needTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is not installed (apt-get install -y poppler-utils; scripts/test does it)", name)
		}
		t.Skipf("%s is not installed (apt-get install -y poppler-utils)", name)
	}
	return p
}

func TestPDFExport(t *testing.T) {
	pdftotext, pdftoppm := needTool(t, "pdftotext"), needTool(t, "pdftoppm")
	c := mustParse(t, mustRead(t, "card.json"))
	// Enough text to need a second page, and a long unbroken word.
	c.AdditionalInformation.CaveatsAndRecommendations = strings.Repeat("Monitor drift monthly and recalibrate when needed. ", 120) + strings.Repeat("x", 300)
	approved := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	mv := int64(3)
	b, err := PDF(c, Meta{Model: "credit", CardVersion: 2, ModelVersion: &mv, Status: "approved", UpdatedBy: "dev", UpdatedAt: approved, ApprovedBy: "val", ApprovedAt: &approved})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", b[:min(len(b), 20)])
	}
	// Subsetting keeps the file small although the CJK font is 3 MB.
	if len(b) > 400<<10 {
		t.Errorf("PDF is %d bytes; fonts should be embedded as subsets", len(b))
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "card.pdf")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Kreditvärdighet", "模型治理", "模型治理委员会", "auc", "ks_statistic", "precision", "0.83",
		"Evaluation metrics", "Model overview", "Intended uses", "Business details", "Training details", "Additional information",
		"Finansinspektionen", "learning_rate", "val, 2026-03-01T12:00:00Z"} {
		if !strings.Contains(text, want) {
			t.Errorf("pdftotext output lacks %q", want)
		}
	}
	if strings.Count(text, "\f") < 2 {
		t.Errorf("expected at least two pages, got text:\n%.300s", text)
	}

	const dpi = 72
	if out, err := exec.Command(pdftoppm, "-png", "-r", "72", "-f", "1", "-l", "1", path, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, out)
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(matches) != 1 {
		t.Fatalf("pdftoppm wrote %v", matches)
	}
	f, err := os.Open(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	scale := float64(dpi) / 72
	if nonWhite(img, img.Bounds()) < 1000 {
		t.Error("page 1 is blank")
	}
	// The bars: right of the label column, in the first bar rows.
	bars := image.Rect(int((ChartLeft+chartLabelW+2)*scale), int((ChartTop+6)*scale), int((ChartLeft+chartLabelW+chartBarW)*scale), int((ChartTop+3*chartRowH)*scale))
	if n := blueish(img, bars); n < 200 {
		t.Errorf("chart area %v has %d bar pixels; the chart is missing", bars, n)
	}
	// Above the chart's title the page has only the header text, no bars.
	if n := blueish(img, image.Rect(bars.Min.X, int(margin*scale), bars.Max.X, int((ChartTop-30)*scale))); n > 0 {
		t.Errorf("found %d bar pixels above the chart", n)
	}
}

func nonWhite(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cr < 0xf000 || cg < 0xf000 || cb < 0xf000 {
				n++
			}
		}
	}
	return n
}

// blueish counts pixels of the bar colour (46, 110, 180).
func blueish(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if cb>>8 > 150 && cr>>8 < 90 && cg>>8 > 80 && cg>>8 < 140 {
				n++
			}
		}
	}
	return n
}

func TestPDFWithoutMetrics(t *testing.T) {
	pdftotext := needTool(t, "pdftotext")
	b, err := PDF(&Card{ModelOverview: ModelOverview{ModelDescription: "bare"}}, Meta{Model: "m", CardVersion: 1, Status: "draft"})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "c.pdf")
	_ = os.WriteFile(path, b, 0o600)
	out, err := exec.Command(pdftotext, path, "-").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "no numeric evaluation metrics") {
		t.Errorf("pdftotext = %s, %v", out, err)
	}
}
