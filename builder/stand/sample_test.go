package stand

import (
	"context"
	"math"
	"slices"
	"testing"
	"time"
)

// TestSampleReturnsEveryColumn runs probe queries against a real server:
// a row of several numeric types comes back as the columns' names and
// their values, a NULL as NaN; no row, a text that is no number, or a NaN
// or infinite value is an error, and the next sample works again on a new
// connection.
func TestSampleReturnsEveryColumn(t *testing.T) {
	needDocker(t)
	s := newTestStand(t, nil)
	host(t, s, "docker compose up -d --wait")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cols, vals, err := s.Sample(ctx, "primary",
		"SELECT 1 AS sent, 2.5::numeric AS write, pg_wal_lsn_diff('0/3000148', '0/3000100') AS flush, 1e15::float8 AS replay")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cols, []string{"sent", "write", "flush", "replay"}) || !slices.Equal(vals, []float64{1, 2.5, 72, 1e15}) {
		t.Errorf("got %q %v", cols, vals)
	}
	cols, vals, err = s.Sample(ctx, "primary", "SELECT pg_wal_lsn_diff('0/2', '0/1')")
	if err != nil || !slices.Equal(cols, []string{"pg_wal_lsn_diff"}) || !slices.Equal(vals, []float64{1}) {
		t.Errorf("one column: %q %v %v", cols, vals, err)
	}
	// A NULL is NaN, a gap in its own column's line only.
	cols, vals, err = s.Sample(ctx, "primary", "SELECT 1 AS a, NULL::int AS b")
	if err != nil || !slices.Equal(cols, []string{"a", "b"}) || len(vals) != 2 || vals[0] != 1 || !math.IsNaN(vals[1]) {
		t.Errorf("a NULL column: %q %v %v", cols, vals, err)
	}
	for _, q := range []string{"SELECT 1 AS a WHERE false", "SELECT 'x' AS a", "SELECT 1/0 AS a", "SELECT 'NaN'::float8 AS a", "SELECT '-Infinity'::float8 AS a"} {
		if cols, vals, err := s.Sample(ctx, "primary", q); err == nil {
			t.Errorf("%s: no error, got %q %v", q, cols, vals)
		}
	}
	if _, vals, err := s.Sample(ctx, "primary", "SELECT 7 AS a"); err != nil || !slices.Equal(vals, []float64{7}) {
		t.Errorf("after errors: %v %v", vals, err)
	}
}
