package topology

import (
	"strings"
	"testing"
)

// A recorded state is decoded strictly: a value a run never writes — a
// version server_version never gives, a container state the stand never
// reports, a server on a stopped container, a view's value PostgreSQL
// never holds, a service twice — is an error, so that a hand-edited state
// is not drawn.
func TestDecodeRejectsWhatNoRunWrites(t *testing.T) {
	good := `{"service":"db","state":"running","postgres":{"version":"17.12","senders":[{"application":"r","state":"streaming","sync_state":"async"}],"slots":[{"name":"s","type":"physical","active":true}]}}` + "\n" +
		`{"service":"r","state":"running","postgres":{"version":"17.12","in_recovery":true,"upstream":"db","receiver":{"from":"db","status":"streaming"}}}` + "\n" +
		`{"service":"x","state":"exited (137)"}` + "\n" + `{"service":"y","state":"not created"}` + "\n"
	if _, err := Decode(good); err != nil {
		t.Fatalf("a state a run writes: %v", err)
	}
	for _, v := range []string{"9.6.24", "18beta1", "19devel", "10.23"} {
		if _, err := Decode(`{"service":"db","state":"running","postgres":{"version":"` + v + `"}}`); err != nil {
			t.Errorf("version %s: %v", v, err)
		}
	}
	for name, edit := range map[string][2]string{
		"version":           {`"version":"17.12"`, `"version":"PostgreSQL 99.9 (forged)"`},
		"container state":   {`"state":"exited (137)"`, `"state":"healthy and fine"`},
		"server on stopped": {`{"service":"x","state":"exited (137)"}`, `{"service":"x","state":"exited (1)","postgres":{"version":"17.12"}}`},
		"sender state":      {`"state":"streaming","sync_state"`, `"state":"flying","sync_state"`},
		"sync state":        {`"sync_state":"async"`, `"sync_state":"very"`},
		"slot type":         {`"type":"physical"`, `"type":"magic"`},
		"receiver status":   {`"status":"streaming"`, `"status":"<b>"`},
		"service twice":     {`{"service":"y"`, `{"service":"x"`},
		"upstream primary":  {`"in_recovery":true,`, ``},
	} {
		bad := strings.Replace(good, edit[0], edit[1], 1)
		if bad == good {
			t.Fatalf("%s: the edit does not apply", name)
		}
		if _, err := Decode(bad); err == nil {
			t.Errorf("%s: a state no run writes decodes:\n%s", name, bad)
		}
	}
}
