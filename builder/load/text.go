package load

import (
	"bytes"
	"sort"
)

// byteOrderMark is U+FEFF in UTF-8, which some editors write at the start
// of a file.
var byteOrderMark = []byte{0xEF, 0xBB, 0xBF}

// normalize returns src as the parser reads it: a leading UTF-8 byte order
// mark dropped, and every line ending — CR LF, or a lone CR — turned into
// LF (CommonMark §2.1 reads all three as line endings). dropped holds, for
// every byte of src left out, the offset in out of the byte that followed
// it, in increasing order, so srcOffset can map offsets back to src.
func normalize(src []byte) (out []byte, dropped []int) {
	if bytes.HasPrefix(src, byteOrderMark) {
		dropped = append(dropped, 0, 0, 0)
		src = src[len(byteOrderMark):]
	}
	if bytes.IndexByte(src, '\r') < 0 {
		return src, dropped
	}
	out = make([]byte, 0, len(src))
	for i := 0; i < len(src); i++ {
		if src[i] != '\r' {
			out = append(out, src[i])
			continue
		}
		if i+1 < len(src) && src[i+1] == '\n' {
			dropped = append(dropped, len(out)) // the CR before this LF
			continue
		}
		out = append(out, '\n')
	}
	return out, dropped
}

// srcOffset maps an offset in normalize's output (an end offset included)
// to the offset of the same place in its input.
func srcOffset(dropped []int, off int) int {
	return off + sort.Search(len(dropped), func(i int) bool { return dropped[i] > off })
}
