package stand

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Logs returns the last n complete lines of node's container log as it is
// when Logs is called (a block's failure calls it at once), stdout and
// stderr merged in the order written, or a note on why there are none.
//
// The engine counts a log's tail in messages, not lines: a program that
// writes a line piecewise (pg_ctl's "waiting for server to start...."
// writes one dot a second) leaves one message per piece. So Logs reads
// several times n messages with their timestamps, joins each stream's
// pieces into lines (lastLines), and drops the first line of a stream
// whose beginning may have been cut off by the tail.
func (s *Stand) Logs(ctx context.Context, node string, n int) string {
	id, err := s.container(ctx, node)
	if err != nil {
		return err.Error()
	}
	tail := logMessages(n)
	rc, err := s.cli.ContainerLogs(ctx, id, client.ContainerLogsOptions{
		ShowStdout: true, ShowStderr: true, Timestamps: true,
		Tail: fmt.Sprint(tail),
	})
	if err != nil {
		return err.Error()
	}
	defer rc.Close()
	text, err := lastLines(rc, n, tail)
	if err != nil {
		return strings.TrimRight(text+"\n", "\n") + fmt.Sprintf("\n(reading the log: %v)", err)
	}
	return text
}

// logMessages is how many log messages Logs reads for n lines.
func logMessages(n int) int { return max(8*n, 200) }

// logLine is one line of a container's log, timed by the message it
// started in.
type logLine struct {
	t    time.Time
	text string
}

// lastLines reads a multiplexed log stream as the engine sends it with
// timestamps (frames of an 8-byte header — stream, 3 zero bytes, length as
// big-endian uint32 — and a payload "RFC3339Nano-time message") and
// returns its last n lines, each ending in "\n", both streams merged by
// time. A message without a final newline continues in the next message
// of its stream; the line still open at the end is the last line. When
// the stream holds tail messages (the engine cut the log there), the
// first line of each stream is dropped: it may be the end of a line that
// began before the cut.
func lastLines(r io.Reader, n, tail int) (string, error) {
	br := bufio.NewReader(r)
	type stream struct {
		lines   []logLine
		open    strings.Builder
		openAt  time.Time
		hasOpen bool
	}
	streams := map[byte]*stream{}
	var order []byte
	messages := 0
	var readErr error
	hdr := make([]byte, 8)
	for {
		if _, err := io.ReadFull(br, hdr); err != nil {
			if !errors.Is(err, io.EOF) {
				readErr = err
			}
			break
		}
		size := binary.BigEndian.Uint32(hdr[4:])
		payload := make([]byte, size)
		if _, err := io.ReadFull(br, payload); err != nil {
			readErr = err
			break
		}
		kind := hdr[0]
		if stdcopy.StdType(kind) == stdcopy.Systemerr {
			readErr = errors.New(string(payload))
			break
		}
		if stdcopy.StdType(kind) == stdcopy.Stdin {
			kind = byte(stdcopy.Stdout)
		}
		messages++
		st := streams[kind]
		if st == nil {
			st = &stream{}
			streams[kind] = st
			order = append(order, kind)
		}
		stamp, msg, _ := strings.Cut(string(payload), " ")
		t, err := time.Parse(time.RFC3339Nano, stamp)
		if err != nil {
			msg = string(payload) // no timestamp: keep the text, time it as the line before
			t = st.openAt
		}
		for msg != "" {
			if !st.hasOpen {
				st.openAt, st.hasOpen = t, true
			}
			line, rest, complete := strings.Cut(msg, "\n")
			st.open.WriteString(line)
			if !complete {
				break
			}
			st.lines = append(st.lines, logLine{t: st.openAt, text: st.open.String()})
			st.open.Reset()
			st.hasOpen = false
			msg = rest
		}
	}
	var all []logLine
	for _, kind := range order {
		st := streams[kind]
		if st.hasOpen {
			st.lines = append(st.lines, logLine{t: st.openAt, text: st.open.String()})
		}
		if messages >= tail && len(st.lines) > 0 {
			st.lines = st.lines[1:]
		}
		all = append(all, st.lines...)
	}
	slices.SortStableFunc(all, func(a, b logLine) int { return a.t.Compare(b.t) })
	all = all[len(all)-min(n, len(all)):]
	var out strings.Builder
	for _, l := range all {
		out.WriteString(l.text)
		out.WriteByte('\n')
	}
	return out.String(), readErr
}
