package builder

import "testing"

// TestExecutionIDIsStable checks that the ID depends on the code only: two
// calls agree, and it covers the runner's sources.
func TestExecutionIDIsStable(t *testing.T) {
	a, b := ExecutionID(), ExecutionID()
	if a != b || len(a) != 64 {
		t.Fatalf("IDs %q and %q", a, b)
	}
	// The compose model and course.yaml decide images, readiness and
	// connections: they are execution code too.
	for _, f := range []string{"run/run.go", "stand/stand.go", "composefile/composefile.go", "config/config.go", "topology/state.go"} {
		if _, err := sources.ReadFile(f); err != nil {
			t.Error(err)
		}
	}
	for _, f := range []string{"render/render.go", "topology/topology.go"} {
		if _, err := sources.ReadFile(f); err == nil {
			t.Errorf("%s: rendering code must not be part of the execution ID", f)
		}
	}
}
