package builder

import "testing"

// TestExecutionIDIsStable checks that the ID depends on the code only: two
// calls agree, and it covers the runner's sources.
func TestExecutionIDIsStable(t *testing.T) {
	a, b := ExecutionID(), ExecutionID()
	if a != b || len(a) != 64 {
		t.Fatalf("IDs %q and %q", a, b)
	}
	if _, err := sources.ReadFile("run/run.go"); err != nil {
		t.Fatal(err)
	}
	if _, err := sources.ReadFile("render/render.go"); err == nil {
		t.Error("rendering code must not be part of the execution ID")
	}
}
