// Hooks that let the external tests reach internals.

package action

// SetMaxResponseBody changes HttpRequest's response body limit and returns
// a function that restores it.
func SetMaxResponseBody(n int64) (restore func()) {
	old := maxResponseBody
	maxResponseBody = n
	return func() { maxResponseBody = old }
}
