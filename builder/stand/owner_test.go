package stand

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/docker/compose/v5/pkg/api"
)

// TestJudgeOwner: a stand's builder is alive while a process with its pid
// and start time runs on the same host; gone once it exited, when another
// process has its pid, or after a reboot; unknown from another host or pid
// namespace, or without owner labels.
func TestJudgeOwner(t *testing.T) {
	me := self()
	if me.Start == "" || me.Boot == "" {
		t.Skip("no /proc here: owners cannot be judged")
	}
	if got := judge(ownerOf(me.labels(time.Now())), me); got != alive {
		t.Errorf("this process: %v, want alive", got)
	}
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	exited := me
	exited.PID = cmd.Process.Pid
	if got := judge(exited, me); got != gone {
		t.Errorf("exited child: %v, want gone", got)
	}
	reused := me
	reused.Start = "1" // this pid, but a process started at another time
	if got := judge(reused, me); got != gone {
		t.Errorf("reused pid: %v, want gone", got)
	}
	rebooted := me
	rebooted.Boot = "another-boot"
	if got := judge(rebooted, me); got != gone {
		t.Errorf("earlier boot: %v, want gone", got)
	}
	far := me
	far.Host = "elsewhere"
	if got := judge(far, me); got != unknown {
		t.Errorf("other host: %v, want unknown", got)
	}
	ns := me
	ns.PIDNS = "pid:[1]"
	if got := judge(ns, me); got != unknown {
		t.Errorf("other pid namespace: %v, want unknown", got)
	}
	if got := judge(ownerOf(map[string]string{Label: legacyPrefix + "x"}), me); got != unknown {
		t.Errorf("no owner labels: %v, want unknown", got)
	}
	if os.Getpid() != me.PID {
		t.Error("self has the wrong pid")
	}
}

// TestProgressLines: compose's events become one line per resource with
// its last status, as the terminal shows them when the command returns;
// concurrent resources of one kind in name order, whatever order their
// events came in; the build's project name replaced by the reader's.
func TestProgressLines(t *testing.T) {
	for _, order := range [][2]string{{"primary", "replica"}, {"replica", "primary"}} {
		p := &progress{rename: func(id string) string {
			return map[string]string{
				"Network replcourse-build-1_default":     "Network stand_default",
				"Container replcourse-build-1-primary-1": "Container stand-primary-1",
				"Container replcourse-build-1-replica-1": "Container stand-replica-1",
			}[id]
		}}
		c := func(svc string) string { return "Container replcourse-build-1-" + svc + "-1" }
		p.On(api.Resource{ID: "Network replcourse-build-1_default", Status: api.Working, Text: "Creating"})
		p.On(api.Resource{ID: "Network replcourse-build-1_default", Status: api.Done, Text: "Created"})
		p.On(api.Resource{ID: c(order[0]), Status: api.Working, Text: "Creating"})
		p.On(api.Resource{ID: c(order[1]), Status: api.Working, Text: "Creating"})
		p.On(api.Resource{ID: "sha256:layer", ParentID: "Image x", Status: api.Working, Text: "Downloading"})
		p.On(api.Resource{ID: c(order[1]), Status: api.Done, Text: "Started"})
		p.On(api.Resource{ID: c(order[0]), Status: api.Done, Text: "Started"})
		got := p.lines()
		want := []string{
			" ✔ Network stand_default     Created",
			" ✔ Container stand-primary-1 Started",
			" ✔ Container stand-replica-1 Started",
		}
		if len(got) != len(want) {
			t.Fatalf("order %v: got %q", order, got)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("order %v: line %d %q, want %q", order, i, got[i], want[i])
			}
		}
	}
}
