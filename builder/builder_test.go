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
	for _, f := range []string{"run/run.go", "stand/stand.go", "composefile/composefile.go", "config/config.go"} {
		if _, err := sources.ReadFile(f); err != nil {
			t.Error(err)
		}
	}
	if _, err := sources.ReadFile("render/render.go"); err == nil {
		t.Error("rendering code must not be part of the execution ID")
	}
}
