package serve

import (
	"fmt"
	"sync"
	"time"
)

// hub tells waiting pages that a build finished. A generation names each
// finished build; it starts with the server's start time, so a page of an
// earlier server process reloads too.
type hub struct {
	mu     sync.Mutex
	epoch  int64
	n      int
	err    error
	wake   chan struct{} // closed when the next build finishes
	closed bool
}

func newHub() *hub {
	return &hub{epoch: time.Now().UnixNano(), wake: make(chan struct{})}
}

// state is the current generation, a channel closed when the generation
// changes, and the last build's error (nil when it succeeded).
func (h *hub) state() (gen string, wake <-chan struct{}, buildErr error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return fmt.Sprintf("%d-%d", h.epoch, h.n), h.wake, h.err
}

// built reports whether a build has finished yet.
func (h *hub) built() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.n > 0
}

func (h *hub) publish(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return
	}
	h.n++
	h.err = err
	close(h.wake)
	h.wake = make(chan struct{})
}

func (h *hub) isClosed() bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.closed
}

// close wakes every waiter for good, at shutdown.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.wake)
	}
}
