//go:build !linux

package render

import "errors"

// exchange is only available on Linux; elsewhere the caller falls back to
// two renames.
func exchange(a, b string) error {
	return errors.ErrUnsupported
}
