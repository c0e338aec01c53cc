package psql

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

func TestDescribeArguments(t *testing.T) {
	for in, want := range map[string]string{"orders": "orders", `"My T"`: `'"My T"'`, "it's": `'it''s'`, `a\b`: `'a\\b'`, "": "''",
		"public.*": "public.*", "two\nlines\r": `'two\nlines\r'`} {
		if got := quoteArg(in); got != want {
			t.Errorf("quoteArg(%q) = %q, want %q", in, got, want)
		}
	}
	if got, want := escapeLiteral("\"$user\", it's\\x\n"), `E'"$user", it''s\\x\n'`; got != want {
		t.Errorf("escapeLiteral = %q, want %q", got, want)
	}
}

// TestDescribeArgumentsRoundTrip wants every argument value, re-quoted for
// the node's psql, to be lexed by psql's rules back to exactly that value
// (with variables set, so that a colon would be substituted).
func TestDescribeArgumentsRoundTrip(t *testing.T) {
	vars := map[string]string{"v": "x", "DBNAME": "app"}
	for _, v := range []string{`we"ird`, `"we""ird"`, `"open`, "a`date`b", "`", ":v", `:'v'`, `:"v"`, "a:v", ":DBNAME",
		"it's", `back\slash\`, `\n`, "two words", " lead", "tab\there", "new\nline", "cr\r", "ünï", "日本",
		"a|b", "(a)", "[ab]", "a$b", "a?b", "-", "+", "''", `""`, "x''y", "public.*", "UPPER", "%_"} {
		q := quoteArg(v)
		got, err := lexArgs(q, vars)
		if err != nil || len(got) != 1 || got[0] != v {
			t.Errorf("quoteArg(%q) = %s, which psql reads as %q (%v)", v, q, got, err)
		}
	}
}

// fakePsql is a Program that answers the lines a Resident sends as psql
// does: \echo prints its words; \set, \pset and the set_config query print
// nothing; any other line goes to reply, which says what it prints and
// whether psql then ends, with which exit status.
type fakePsql struct {
	inR, outR *io.PipeReader
	inW, outW *io.PipeWriter
	reply     func(line string) (out string, exit int, end bool)
	fail      string // printed on starting, before psql ends with exit status 2
	killed    chan struct{}

	mu    sync.Mutex
	lines []string // every line read
	exit  int
	ended chan struct{}
	once  sync.Once
}

func newFakePsql(reply func(string) (string, int, bool), fail string) *fakePsql {
	f := &fakePsql{reply: reply, fail: fail, killed: make(chan struct{}), ended: make(chan struct{})}
	f.inR, f.inW = io.Pipe()
	f.outR, f.outW = io.Pipe()
	go f.loop()
	return f
}

func (f *fakePsql) loop() {
	if f.fail != "" {
		io.WriteString(f.outW, f.fail)
		f.end(2)
		return
	}
	sc := bufio.NewScanner(f.inR)
	for sc.Scan() {
		line := sc.Text()
		f.mu.Lock()
		f.lines = append(f.lines, line)
		f.mu.Unlock()
		var out string
		exit, end := 0, false
		switch {
		case strings.HasPrefix(line, `\echo `):
			out = strings.TrimPrefix(line, `\echo `) + "\n"
		case strings.HasPrefix(line, `\set `), strings.HasPrefix(line, `\pset `), strings.HasPrefix(line, "SELECT pg_catalog.set_config("):
		default:
			out, exit, end = f.reply(line)
		}
		if _, err := io.WriteString(f.outW, out); err != nil || end {
			f.end(exit)
			return
		}
	}
	f.end(0) // the end of the input
}

func (f *fakePsql) end(code int) {
	f.once.Do(func() {
		f.mu.Lock()
		f.exit = code
		f.mu.Unlock()
		f.outW.Close()
		f.inR.Close()
		close(f.ended)
	})
}

func (f *fakePsql) Write(p []byte) (int, error) { return f.inW.Write(p) }
func (f *fakePsql) Read(p []byte) (int, error)  { return f.outR.Read(p) }

func (f *fakePsql) Exit(ctx context.Context) (int, error) {
	select {
	case <-f.ended:
		f.mu.Lock()
		defer f.mu.Unlock()
		return f.exit, nil
	case <-ctx.Done():
		return 0, ctx.Err()
	}
}

func (f *fakePsql) Kill(context.Context) error {
	select {
	case <-f.killed:
	default:
		close(f.killed)
	}
	f.end(137)
	return nil
}

func (f *fakePsql) Close() error {
	f.inW.Close()
	f.outR.Close()
	return nil
}

func (f *fakePsql) input() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return strings.Join(f.lines, "\n")
}

// fakeStarter starts a fakePsql per call with reply, and keeps them.
type fakeStarter struct {
	reply func(string) (string, int, bool)
	fail  string
	mu    sync.Mutex
	progs []*fakePsql
	argv  [][]string
}

func (s *fakeStarter) start(_ context.Context, argv []string) (Program, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := newFakePsql(s.reply, s.fail)
	s.progs = append(s.progs, f)
	s.argv = append(s.argv, argv)
	return f, nil
}

func (s *fakeStarter) started() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.progs)
}

func (s *fakeStarter) last() *fakePsql {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.progs[len(s.progs)-1]
}

var cmdD = DescribeCommand{User: "postgres", Database: "postgres", SearchPath: `"$user", public`, Expanded: "off", Line: `\d t`, Limit: 1 << 20}

func describeOK(t *testing.T, r *Resident, d DescribeCommand) string {
	t.Helper()
	var b strings.Builder
	failed, err := r.Describe(context.Background(), d, &b)
	if failed || err != nil {
		t.Fatalf("Describe(%s) failed=%v err=%v output %q", d.Line, failed, err, b.String())
	}
	return b.String()
}

// TestResidentFraming: the output is what psql printed between the
// markers, even when it holds text like a marker and does not end in a
// newline; settings are sent only when they change, quietly.
func TestResidentFraming(t *testing.T) {
	const tricky = "Table \"t\"\npsql-describe-00112233445566778899aabbccddeeff-done\nno newline at the end"
	st := &fakeStarter{reply: func(string) (string, int, bool) { return tricky, 0, false }}
	r := NewResident(st.start)
	defer r.Close()
	if got := describeOK(t, r, cmdD); got != tricky {
		t.Errorf("output %q, want %q", got, tricky)
	}
	if got := describeOK(t, r, cmdD); got != tricky {
		t.Errorf("second output %q, want %q", got, tricky)
	}
	d := cmdD
	d.Expanded = "on"
	describeOK(t, r, d)
	if st.started() != 1 {
		t.Fatalf("%d psql started, want 1", st.started())
	}
	want := []string{`psql -X -v ON_ERROR_STOP=1 -U postgres -d postgres`}
	if got := strings.Join(st.argv[0], " "); got != want[0] {
		t.Errorf("argv %q, want %q", got, want[0])
	}
	in := st.last().input()
	lines := strings.Split(in, "\n")
	var kept []string
	for _, l := range lines {
		if !strings.HasPrefix(l, `\echo psql-describe-`) {
			kept = append(kept, l)
		}
	}
	wantIn := `\set QUIET on
SELECT pg_catalog.set_config('search_path', E'"$user", public', false) \g /dev/null
\set QUIET off
\d t
\d t
\set QUIET on
\pset expanded on
\set QUIET off
\d t`
	if got := strings.Join(kept, "\n"); got != wantIn {
		t.Errorf("psql read (markers left out):\n%s\nwant:\n%s", got, wantIn)
	}
}

// TestResidentRestartsEndedPsql: a psql that ended between two commands is
// replaced, and the second command runs on the new one.
func TestResidentRestartsEndedPsql(t *testing.T) {
	st := &fakeStarter{reply: func(line string) (string, int, bool) { return "out of " + line + "\n", 0, false }}
	r := NewResident(st.start)
	defer r.Close()
	describeOK(t, r, cmdD)
	first := st.last()
	first.Kill(context.Background())
	<-first.ended
	if got, want := describeOK(t, r, cmdD), "out of \\d t\n"; got != want {
		t.Errorf("output %q, want %q", got, want)
	}
	if st.started() != 2 {
		t.Errorf("%d psql started, want 2", st.started())
	}
}

// TestResidentFailedCommand: a command that ends psql with ON_ERROR_STOP's
// exit status is a failed command with its message; the next command
// starts a new psql. Another exit status is an error.
func TestResidentFailedCommand(t *testing.T) {
	const msg = "Did not find any relation named \"nosuch\".\n"
	exit := exitUser
	st := &fakeStarter{reply: func(line string) (string, int, bool) {
		if strings.Contains(line, "nosuch") {
			return msg, exit, true
		}
		return "ok\n", 0, false
	}}
	r := NewResident(st.start)
	defer r.Close()
	d := cmdD
	d.Line = `\d nosuch`
	var b strings.Builder
	failed, err := r.Describe(context.Background(), d, &b)
	if !failed || err != nil || b.String() != msg {
		t.Fatalf("failed=%v err=%v output %q, want failed with %q", failed, err, b.String(), msg)
	}
	if got := describeOK(t, r, cmdD); got != "ok\n" || st.started() != 2 {
		t.Errorf("next output %q after %d starts, want \"ok\\n\" after 2", got, st.started())
	}
	exit = 2
	b.Reset()
	failed, err = r.Describe(context.Background(), d, &b)
	if err == nil || !strings.Contains(err.Error(), "exit status 2") || !strings.Contains(err.Error(), "nosuch") || b.Len() > 0 {
		t.Errorf("failed=%v err=%v output %q, want an error with the exit status and the output", failed, err, b.String())
	}
}

// TestResidentHangKilled: a command still running when ctx is done is
// killed; the next command runs on a new psql.
func TestResidentHangKilled(t *testing.T) {
	var st *fakeStarter
	hang := true
	st = &fakeStarter{reply: func(string) (string, int, bool) {
		if hang {
			<-st.last().killed
			return "", 137, true
		}
		return "ok\n", 0, false
	}}
	r := NewResident(st.start)
	defer r.Close()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		_, err := r.Describe(ctx, cmdD, io.Discard)
		done <- err
	}()
	// Cancel once the command reached psql.
	for {
		if st.started() == 1 && strings.Contains(st.last().input(), `\d t`) {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("Describe returned %v before it was cancelled", err)
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	select {
	case <-st.last().killed:
	default:
		t.Fatal("the hung psql was not killed")
	}
	hang = false
	if got := describeOK(t, r, cmdD); got != "ok\n" || st.started() != 2 {
		t.Errorf("next output %q after %d starts, want \"ok\\n\" after 2", got, st.started())
	}
}

// TestResidentStartFails: a psql that ends before its first command (e.g.
// it cannot connect) is an error with its exit status and message, and
// is not started again for the same command.
func TestResidentStartFails(t *testing.T) {
	st := &fakeStarter{fail: "psql: error: connection to server failed\n"}
	r := NewResident(st.start)
	defer r.Close()
	_, err := r.Describe(context.Background(), cmdD, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "exit status 2: psql: error: connection to server failed") {
		t.Errorf("err %v", err)
	}
	if st.started() != 1 {
		t.Errorf("%d psql started, want 1", st.started())
	}
}

// TestResidentTooLarge: output past the limit stops the command and kills
// psql.
func TestResidentTooLarge(t *testing.T) {
	st := &fakeStarter{reply: func(string) (string, int, bool) { return strings.Repeat("x", 100) + "\n", 0, false }}
	r := NewResident(st.start)
	defer r.Close()
	d := cmdD
	d.Limit = 50
	var b strings.Builder
	if _, err := r.Describe(context.Background(), d, &b); !errors.Is(err, ErrOutputTooLarge) || b.Len() > 0 {
		t.Errorf("err %v, output %d bytes", err, b.Len())
	}
	select {
	case <-st.last().killed:
	default:
		t.Error("psql was not killed")
	}
}

// TestResidentClose: Close ends the psql's input; Describe after Close is
// an error.
func TestResidentClose(t *testing.T) {
	st := &fakeStarter{reply: func(string) (string, int, bool) { return "ok\n", 0, false }}
	r := NewResident(st.start)
	describeOK(t, r, cmdD)
	r.Close()
	<-st.last().ended // the fake ends at the end of its input
	if _, err := r.Describe(context.Background(), cmdD, io.Discard); err == nil {
		t.Error("Describe after Close succeeded")
	}
}

// dockerProgram is a Program run with `docker exec -i`, as the stand
// runs it: sh prints its PID, then execs argv with 2>&1.
type dockerProgram struct {
	cli                *client.Client
	container, id, pid string
	att                client.HijackedResponse
	out                *bufio.Reader
	pr                 *io.PipeReader
	closeOnce          sync.Once
}

func startDockerProgram(ctx context.Context, container string, argv []string) (*dockerProgram, error) {
	cli, err := client.New(client.FromEnv)
	if err != nil {
		return nil, err
	}
	cr, err := cli.ExecCreate(ctx, container, client.ExecCreateOptions{
		User: "postgres", AttachStdin: true, AttachStdout: true, AttachStderr: true,
		Cmd: append([]string{"sh", "-c", `echo $$ && exec "$@" 2>&1`, "sh"}, argv...),
	})
	if err != nil {
		return nil, err
	}
	att, err := cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return nil, err
	}
	pr, pw := io.Pipe()
	go func() {
		_, err := stdcopy.StdCopy(pw, pw, att.Reader)
		pw.CloseWithError(err)
	}()
	p := &dockerProgram{cli: cli, container: container, id: cr.ID, att: att.HijackedResponse, out: bufio.NewReader(pr), pr: pr}
	line, err := p.out.ReadString('\n')
	if _, perr := strconv.Atoi(strings.TrimSpace(line)); err != nil || perr != nil {
		p.Close()
		return nil, fmt.Errorf("no PID but %q: %v", line, err)
	}
	p.pid = strings.TrimSpace(line)
	return p, nil
}

func (p *dockerProgram) Write(b []byte) (int, error) { return p.att.Conn.Write(b) }
func (p *dockerProgram) Read(b []byte) (int, error)  { return p.out.Read(b) }

func (p *dockerProgram) running(ctx context.Context) (bool, int, error) {
	ins, err := p.cli.ExecInspect(ctx, p.id, client.ExecInspectOptions{})
	return ins.Running, ins.ExitCode, err
}

// Exit polls until the exec has ended, within ctx.
func (p *dockerProgram) Exit(ctx context.Context) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	for {
		running, code, err := p.running(ctx)
		if err != nil || !running {
			return code, err
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// Kill kills the program with `kill -KILL PID` in the container and waits
// for the kill to finish.
func (p *dockerProgram) Kill(ctx context.Context) error {
	if running, _, err := p.running(ctx); err != nil || !running {
		return err
	}
	cr, err := p.cli.ExecCreate(ctx, p.container, client.ExecCreateOptions{User: "postgres", AttachStdout: true, AttachStderr: true,
		Cmd: []string{"kill", "-KILL", p.pid}})
	if err != nil {
		return err
	}
	att, err := p.cli.ExecAttach(ctx, cr.ID, client.ExecAttachOptions{})
	if err != nil {
		return err
	}
	defer att.Close()
	_, err = io.Copy(io.Discard, att.Reader)
	return err
}

func (p *dockerProgram) Close() error {
	p.closeOnce.Do(func() {
		p.att.Close()
		p.pr.CloseWithError(io.ErrClosedPipe)
	})
	return nil
}

// dockerStarter starts dockerPrograms in a server's container and keeps them.
type dockerStarter struct {
	container string
	mu        sync.Mutex
	progs     []*dockerProgram
}

func (s *dockerStarter) start(ctx context.Context, argv []string) (Program, error) {
	p, err := startDockerProgram(ctx, s.container, argv)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.progs = append(s.progs, p)
	s.mu.Unlock()
	return p, nil
}

// resident is a Resident psql in the server's container, closed when the
// test ends.
func (s *server) resident(t testing.TB) *Resident {
	r, _ := s.residentStarter(t)
	return r
}

func (s *server) residentStarter(t testing.TB) (*Resident, *dockerStarter) {
	st := &dockerStarter{container: s.c.GetContainerID()}
	r := NewResident(st.start)
	t.Cleanup(func() { r.Close() })
	return r, st
}

func (s *dockerStarter) all() []*dockerProgram {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]*dockerProgram(nil), s.progs...)
}

// escapeOption escapes a value for PGOPTIONS, where blanks separate
// options and a backslash takes the next character literally.
func escapeOption(v string) string {
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if isSpace(v[i]) || v[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(v[i])
	}
	return b.String()
}

// TestResidentMatchesDashC runs describe commands through one Resident
// psql and each through its own `psql -c` with the same settings, and
// wants the same bytes and the same failures: with search_path and \x
// changing between commands, failing commands (which end the resident
// psql), output holding text like the markers, and the resident psql
// killed between two commands. Closed, the Resident leaves no psql
// running.
func TestResidentMatchesDashC(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker and " + image)
	}
	srv := startServer(t)
	srv.freshDB(t, "resident")
	run(t, srv.connect(t, "resident"), `CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE orders (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_id int NOT NULL REFERENCES customers (id), note text);
COMMENT ON COLUMN orders.note IS 'psql-describe-00112233445566778899aabbccddeeff-done';
COMMENT ON TABLE orders IS E'psql-describe-00112233445566778899aabbccddeeff-ready\npsql-describe-ffeeddccbbaa99887766554433221100-done';
CREATE SCHEMA shop;
CREATE TABLE shop.items (sku text PRIMARY KEY);
CREATE TABLE "a b" ("it's" int);
CREATE PUBLICATION pub_orders FOR TABLE orders;`)
	type step struct{ path, x, line string }
	dflt := `"$user", public`
	steps := []step{
		{dflt, "off", `\d orders`},
		{dflt, "off", `\d+ orders`},
		{dflt, "off", `\dt+`},
		{dflt, "off", `\d nosuch`},
		{dflt, "off", `\dt nosuch`},
		{dflt, "off", `\d a.b.c.d`},
		{"shop, public", "off", `\dt`},
		{"shop, public", "off", `\d items`},
		{dflt, "on", `\d customers`},
		{dflt, "on", `\dt`},
		{dflt, "auto", `\dRp+`},
		{`"a b", public`, "off", `\d 'a b'`},
		{dflt, "off", `\di`},
		{dflt, "off", `\dn+`},
		{dflt, "off", `\l resident`},
	}
	r, st := srv.residentStarter(t)
	ctx := context.Background()
	check := func(s step) {
		t.Helper()
		var want strings.Builder
		exit, err := srv.client(ctx, []string{"env", "PGOPTIONS=-c search_path=" + escapeOption(s.path),
			"psql", "-X", "-U", "postgres", "-d", "resident", "-P", "expanded=" + s.x, "-c", s.line}, &want)
		if err != nil {
			t.Fatalf("psql -c %s: %v", s.line, err)
		}
		var got strings.Builder
		failed, err := r.Describe(ctx, DescribeCommand{User: "postgres", Database: "resident", SearchPath: s.path,
			Expanded: s.x, Line: s.line, Limit: MaxResultBytes}, &got)
		if err != nil {
			t.Fatalf("%s: %v", s.line, err)
		}
		if failed != (exit != 0) || got.String() != want.String() {
			t.Errorf("%s (search_path %s, \\x %s): failed=%v, output (-psql -c +Resident):\n%s\npsql -c exit status %d",
				s.line, s.path, s.x, failed, lineDiff(want.String(), got.String()), exit)
		}
	}
	for _, s := range steps {
		check(s)
	}
	if !strings.Contains(describeOK(t, r, DescribeCommand{User: "postgres", Database: "resident", SearchPath: dflt,
		Expanded: "off", Line: `\d+ orders`, Limit: MaxResultBytes}), "psql-describe-00112233445566778899aabbccddeeff-done") {
		t.Error(`\d+ orders does not show the comment like a marker`)
	}

	// Killed between two commands, the psql is replaced at the next.
	before := len(st.all())
	last := st.all()[before-1]
	if err := last.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	check(steps[1])
	if n := len(st.all()); n != before+1 {
		t.Errorf("%d psql started after the kill, want %d", n-before, 1)
	}

	// Closed, no psql of the Resident runs any more.
	r.Close()
	deadline := time.Now().Add(30 * time.Second)
	for _, p := range st.all() {
		for {
			running, _, err := p.running(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if !running {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("psql %s still runs after Close", p.pid)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}
