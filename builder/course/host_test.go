package course

import (
	"reflect"
	"testing"
	"time"
)

func TestSplitHostOutput(t *testing.T) {
	up := " ✔ Network replcourse_default      Created\n ✔ Container replcourse-primary-1  Started\n"
	state := "primary  healthy\n"
	cases := []struct {
		name string
		out  string
		want []HostPart
	}{
		{"compose and state", up + HostStateHeading + "\n" + state,
			[]HostPart{{Text: up}, {State: true, Text: state}}},
		{"down: compose only", " ✔ Network replcourse_default  Removed\n",
			[]HostPart{{Text: " ✔ Network replcourse_default  Removed\n"}}},
		{"two steps", " ✔ Container replcourse-primary-1  Stopped\n" + HostStateHeading + "\nprimary  exited (0)\n" +
			" ✔ Container replcourse-primary-1  Started\n" + HostStateHeading + "\n" + state,
			[]HostPart{
				{Text: " ✔ Container replcourse-primary-1  Stopped\n"}, {State: true, Text: "primary  exited (0)\n"},
				{Text: " ✔ Container replcourse-primary-1  Started\n"}, {State: true, Text: state}}},
		{"compose printed nothing", HostStateHeading + "\n" + state,
			[]HostPart{{State: true, Text: state}}},
		{"empty", "", nil},
	}
	for _, tc := range cases {
		if got := SplitHostOutput(tc.out); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}

func TestParseHostStepsDownVolumes(t *testing.T) {
	steps, err := ParseHostSteps("docker compose --profile logical down -v\ndocker compose down\n")
	if err != nil {
		t.Fatal(err)
	}
	if !steps[0].RemoveVolumes || steps[1].RemoveVolumes || !reflect.DeepEqual(steps[0].Profiles, []string{"logical"}) {
		t.Errorf("got %+v", steps)
	}
}

func TestHostTimeoutCoversEachStepsBounds(t *testing.T) {
	steps, err := ParseHostSteps("docker compose stop primary\ndocker compose start primary\n")
	if err != nil {
		t.Fatal(err)
	}
	want := 2*HostComposeTimeout + HostReadyTimeout
	if got := HostTimeout(steps); got <= want || got > want+time.Minute {
		t.Errorf("HostTimeout = %s, want a little more than %s", got, want)
	}
}
