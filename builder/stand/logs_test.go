package stand

import (
	"bytes"
	"context"
	"encoding/binary"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
)

// logStream writes a container log as the engine sends it with timestamps:
// one frame per message, on the stream each message names.
type logMessage struct {
	stream stdcopy.StdType
	ms     int // milliseconds after the start
	text   string
}

func logStream(t *testing.T, msgs ...logMessage) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	start := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	for _, m := range msgs {
		payload := start.Add(time.Duration(m.ms)*time.Millisecond).Format(time.RFC3339Nano) + " " + m.text
		hdr := [8]byte{0: byte(m.stream)}
		binary.BigEndian.PutUint32(hdr[4:], uint32(len(payload)))
		buf.Write(hdr[:])
		buf.WriteString(payload)
	}
	return &buf
}

// TestLastLinesJoinsPiecesAndCutsAtALine: a tail that starts inside a line
// written piecewise (pg_ctl's dots) drops that piece instead of showing
// ".2026-11-30 … LOG: …"; pieces of one line are joined; stdout and stderr
// are merged by time; the last n lines are the latest, ending with the
// server's current log, not the init script's message.
func TestLastLinesJoinsPiecesAndCutsAtALine(t *testing.T) {
	const e, o = stdcopy.Stderr, stdcopy.Stdout
	msgs := []logMessage{
		{e, 0, "."}, // the tail cut the log inside pg_ctl's line
		{e, 1, "2026-11-30 10:00:00.001 UTC [48] LOG:  background worker \"logical replication launcher\" (PID 55) exited with exit code 1\n"},
		{o, 2, "waiting for server to shut down"},
		{o, 3, "."},
		{o, 4, "..."},
		{o, 5, " done\nserver stopped\n"},
		{o, 6, "\nPostgreSQL init process complete; ready for start up.\n\n"},
		{e, 7, "2026-11-30 10:00:00.007 UTC [1] LOG:  starting PostgreSQL 17.6\n"},
		{e, 8, "2026-11-30 10:00:00.008 UTC [1] LOG:  database system is ready to accept connections\n"},
		{e, 9, "2026-11-30 10:00:00.009 UTC [70] ERROR:  relation \"t\" does not exist at character 15\n2026-11-30 10:00:00.009 UTC [70] STATEMENT:  SELECT * FROM t;\n"},
	}
	got, err := lastLines(logStream(t, msgs...), 6, len(msgs))
	if err != nil {
		t.Fatal(err)
	}
	want := "PostgreSQL init process complete; ready for start up.\n" +
		"\n" +
		"2026-11-30 10:00:00.007 UTC [1] LOG:  starting PostgreSQL 17.6\n" +
		"2026-11-30 10:00:00.008 UTC [1] LOG:  database system is ready to accept connections\n" +
		"2026-11-30 10:00:00.009 UTC [70] ERROR:  relation \"t\" does not exist at character 15\n" +
		"2026-11-30 10:00:00.009 UTC [70] STATEMENT:  SELECT * FROM t;\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	// A cut log drops the first line of each stream, which may have begun
	// before the cut: the lone dot, and the first line on stdout.
	got, _ = lastLines(logStream(t, msgs...), 100, len(msgs))
	if bytes.HasPrefix([]byte(got), []byte(".")) || bytes.Contains([]byte(got), []byte("waiting")) {
		t.Errorf("cut log:\n%s", got)
	}
	// An uncut log joins the pieces of a line into one line.
	got, _ = lastLines(logStream(t, msgs[1:]...), 100, 200)
	if want := "waiting for server to shut down.... done\nserver stopped\n"; !bytes.Contains([]byte(got), []byte("\n"+want)) {
		t.Errorf("uncut log:\n%s", got)
	}
	// A log shorter than the tail was not cut: its first line is kept,
	// and a line still open at the end is shown.
	got, _ = lastLines(logStream(t, logMessage{e, 0, "first\n"}, logMessage{o, 1, "waiting for server to start.."}), 10, 200)
	if got != "first\nwaiting for server to start..\n" {
		t.Errorf("uncut log: %q", got)
	}
}

// TestLogsEndWithTheServersCurrentLog reads a real server's log after its
// start: the last lines are whole lines of the running server's log (the
// init script's temporary server and its dots come before them), and
// there are exactly as many as asked.
func TestLogsEndWithTheServersCurrentLog(t *testing.T) {
	needDocker(t)
	s := newTestStand(t, nil)
	host(t, s, "docker compose up -d --wait")
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// A line the server logs now, after everything of the start.
	if _, _, err := s.Sample(ctx, "primary", "SELECT 1 AS a FROM nosuchtable_logs_test"); err == nil {
		t.Fatal("the query of a missing table worked")
	}
	got := s.Logs(ctx, "primary", 4)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4:\n%s", len(lines), got)
	}
	for _, l := range lines {
		// The server's own log line, without the engine's RFC 3339 timestamp.
		if (!strings.HasPrefix(l, "20") && !strings.HasPrefix(l, "\t")) || strings.Contains(l[:min(len(l), 20)], "T") {
			t.Errorf("line %q is not a whole line of the server's log:\n%s", l, got)
		}
	}
	if !strings.Contains(got, `relation "nosuchtable_logs_test" does not exist`) {
		t.Errorf("the log does not end with the server's current log:\n%s", got)
	}
}
