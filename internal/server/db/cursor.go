// Cursors of list pages: the last row's sort key, as base64url JSON, opaque
// to callers; and the normalisation of a Page's limit.

package db

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
)

// ErrBadCursor: a Page's Cursor is not one a list returned (the server
// maps it to 400). Matched with errors.Is.
var ErrBadCursor = errors.New("bad cursor")

// cursor is the sort key of the last row of a page; each list uses the
// fields of its order.
type cursor struct {
	T  int64  `json:"t,omitempty"` // a time, unix nanoseconds
	N  int    `json:"n,omitempty"` // a number (workflow version)
	ID string `json:"i,omitempty"` // an id
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // cannot fail
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor parses a Page's Cursor; "" is the zero cursor (first page).
func decodeCursor(s string) (cursor, bool, error) {
	var c cursor
	if s == "" {
		return c, false, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil {
		return c, false, fmt.Errorf("%w %q", ErrBadCursor, s)
	}
	return c, true, nil
}

// limit is the page size asked for: DefaultLimit for zero or less, at
// most MaxLimit.
func (p Page) limit() int {
	switch {
	case p.Limit <= 0:
		return DefaultLimit
	case p.Limit > MaxLimit:
		return MaxLimit
	}
	return p.Limit
}
