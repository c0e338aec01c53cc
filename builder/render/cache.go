package render

import (
	"crypto/sha256"
	"sync"
)

// Cache holds highlighted code by content: the key is the SHA-256 of the
// lexer name, the code and the marks on captured values in it, the value
// the HTML made of them. A build
// that shows the same code again (most blocks, when one chapter changes)
// takes the HTML from here instead of running the lexer.
//
// It lives in memory for the life of a process: pass the same *Cache in
// Site.Cache to successive Writes. After each Write it keeps only the
// entries that Write used, so it never grows beyond one site's blocks.
// A Cache is safe for concurrent use; sharing one between concurrent
// Writes only costs cache misses, never wrong output.
type Cache struct {
	mu      sync.Mutex
	gen     uint64 // incremented by each Write that starts
	entries map[[32]byte]cacheEntry
}

type cacheEntry struct {
	html string
	used uint64 // generation of the last Write that used it
}

// NewCache returns an empty cache.
func NewCache() *Cache {
	return &Cache{entries: map[[32]byte]cacheEntry{}}
}

// Len is the number of highlighted blocks held.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func cacheKey(lexer, code string) [32]byte {
	h := sha256.New()
	h.Write([]byte(lexer))
	h.Write([]byte{0})
	h.Write([]byte(code))
	var k [32]byte
	h.Sum(k[:0])
	return k
}

// begin starts a Write's generation.
func (c *Cache) begin() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	return c.gen
}

// get returns the HTML for key and marks it used by generation gen.
func (c *Cache) get(key [32]byte, gen uint64) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if ok && e.used < gen {
		e.used = gen
		c.entries[key] = e
	}
	return e.html, ok
}

func (c *Cache) put(key [32]byte, html string, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = cacheEntry{html: html, used: gen}
}

// prune drops what the Write of generation gen did not use: code that left
// the course.
func (c *Cache) prune(gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, e := range c.entries {
		if e.used < gen {
			delete(c.entries, k)
		}
	}
}
