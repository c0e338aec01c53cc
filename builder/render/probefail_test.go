package render

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"replcourse/builder/course"
)

// TestProbeWithNoGoodSampleIsAnErrorAtTheChart: a series (as restored from
// a record) whose every sample failed is an error at the chart block that
// says the first sample's error, not an empty chart; a series with some
// failed samples says how many on the page.
func TestProbeWithNoGoodSampleIsAnErrorAtTheChart(t *testing.T) {
	s := probeSite(t)
	for _, sr := range s.Series {
		sr.Columns, sr.Errors, sr.FirstError = nil, 15, `ERROR: relation "nosuchtable" does not exist (SQLSTATE 42P01)`
	}
	public := filepath.Join(t.TempDir(), "public")
	err := writeWithin(t, context.Background(), s, public)
	var ce *course.Error
	if !errors.As(err, &ce) || ce.Pos.Line != 15 {
		t.Fatalf("error %v, want one at the chart block, line 15", err)
	}
	if !strings.Contains(err.Error(), `relation "nosuchtable" does not exist`) || !strings.Contains(err.Error(), "15 failed") {
		t.Errorf("error %q does not say why the probe failed", err)
	}

	s = probeSite(t, 1, 2)
	for _, sr := range s.Series {
		sr.Errors, sr.FirstError = 3, "FATAL: the database system is starting up (SQLSTATE 57P03)"
	}
	if err := writeWithin(t, context.Background(), s, public); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(public, "01-lag.html"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "3 samples failed") || !strings.Contains(string(page), "the database system is starting up") {
		t.Errorf("the page does not show the failed samples")
	}
}
