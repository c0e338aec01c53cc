package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestNewCourseTakesAUserBlock: a block with user= on the stand `new`
// writes fails, saying why and which pg_hba.conf line lets the role in,
// until stand/pg_hba.conf has that line; then the build passes.
func TestNewCourseTakesAUserBlock(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a stand in Docker")
	}
	t.Setenv("TESTCONTAINERS_RYUK_DISABLED", "true")
	dir := filepath.Join(t.TempDir(), "users")
	var out, errw strings.Builder
	if code := Main([]string{"new", dir}, &out, &errw); code != 0 {
		t.Fatalf("new: exit %d; stderr: %s", code, errw.String())
	}
	chapter := filepath.Join(dir, "content", "01-start.md")
	text, err := os.ReadFile(chapter)
	if err != nil {
		t.Fatal(err)
	}
	more := "\n## A role of its own\n\n```sql {node=db}\nCREATE ROLE alice LOGIN;\n```\n\n```output\nCREATE ROLE\n```\n\n" +
		"```sql {node=db user=alice}\nSELECT current_user;\n```\n\n```output\n current_user \n--------------\n alice\n(1 row)\n```\n"
	if err := os.WriteFile(chapter, append(text, more...), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errw.Reset()
	if code := Main([]string{"build", "-C", dir, "-record", "none"}, &out, &errw); code == 0 {
		t.Fatal("user=alice passed without a pg_hba.conf line for alice")
	}
	if !strings.Contains(errw.String(), "host  all  alice  all  trust") {
		t.Errorf("the failure does not say which pg_hba.conf line lets alice in:\n%s", errw.String())
	}
	hba := filepath.Join(dir, "stand", "pg_hba.conf")
	conf, err := os.ReadFile(hba)
	if err != nil {
		t.Fatal(err)
	}
	uncommented := strings.Replace(string(conf), "# host    all       alice     all           trust", "host    all       alice     all           trust", 1)
	if uncommented == string(conf) {
		t.Fatalf("stand/pg_hba.conf has no example line for a user= role:\n%s", conf)
	}
	if err := os.WriteFile(hba, []byte(uncommented), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	errw.Reset()
	if code := Main([]string{"build", "-C", dir, "-record", "none"}, &out, &errw); code != 0 {
		t.Fatalf("build with alice let in: exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errw.String())
	}
}
