// HTTP plumbing of the API: the error envelope, strict JSON bodies within
// size limits, lists with cursors, and the 5xx replies that say they are a
// bug and are logged.

package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/weft-dev/weft/internal/api"
	"github.com/weft-dev/weft/internal/server/db"
)

// httpError is an error with the reply it deserves.
type httpError struct {
	status  int
	code    string
	msg     string
	details []api.Detail
	header  map[string]string
}

func (e *httpError) Error() string { return e.msg }

func errorf(status int, code, format string, args ...any) *httpError {
	return &httpError{status: status, code: code, msg: fmt.Sprintf(format, args...)}
}

func badRequest(format string, args ...any) *httpError {
	return errorf(http.StatusBadRequest, api.CodeBadRequest, format, args...)
}

func notFound(what, id string) *httpError {
	return errorf(http.StatusNotFound, api.CodeNotFound, "no %s %q", what, id)
}

func conflict(format string, args ...any) *httpError {
	return errorf(http.StatusConflict, api.CodeConflict, format, args...)
}

func forbidden(format string, args ...any) *httpError {
	return errorf(http.StatusForbidden, api.CodeForbidden, format, args...)
}

// handler is an API handler: it writes a reply or returns an error.
type handler func(w http.ResponseWriter, r *http.Request) error

// serve adapts a handler: errors become the error envelope; anything that
// is not an *httpError is a bug, logged and answered 500.
func (s *Server) serve(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		err := h(w, r)
		if err == nil {
			return
		}
		s.writeError(w, r, err)
	}
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var he *httpError
	if !errors.As(err, &he) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			he = errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "the request body is larger than the limit of %d bytes", mbe.Limit)
		} else {
			he = s.internal(r, err)
		}
	}
	for k, v := range he.header {
		w.Header().Set(k, v)
	}
	writeJSON(w, he.status, api.ErrorBody{Error: api.Error{Code: he.code, Message: he.msg, Details: he.details}})
}

// internal logs a bug and returns its reply.
func (s *Server) internal(r *http.Request, err error) *httpError {
	s.log.Error("internal error (a bug in weft)", "method", r.Method, "path", r.URL.Path, "err", err)
	return errorf(http.StatusInternalServerError, api.CodeInternal,
		"internal error (a bug in weft, please report it): %v", err)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		data = []byte(`{"error":{"code":"internal","message":"internal error (a bug in weft, please report it): encoding the reply failed"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}

// mediaType returns the request's media type without parameters.
func mediaType(r *http.Request) string {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil {
		return ""
	}
	return strings.ToLower(mt)
}

// readBody reads the whole body within limit.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, error) {
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, errorf(http.StatusRequestEntityTooLarge, api.CodeTooLarge, "the request body is larger than the limit of %d bytes", limit)
		}
		return nil, badRequest("reading the request body: %v", err)
	}
	return data, nil
}

// decodeJSON reads a JSON body into v strictly: one object, no unknown
// fields, within the size limit. An empty body is allowed when emptyOK.
func (s *Server) decodeJSON(w http.ResponseWriter, r *http.Request, v any, emptyOK bool) error {
	data, err := readBody(w, r, s.cfg.MaxBody)
	if err != nil {
		return err
	}
	if len(strings.TrimSpace(string(data))) == 0 {
		if emptyOK {
			return nil
		}
		return badRequest("expected a JSON object in the request body, found nothing")
	}
	if mt := mediaType(r); mt != "" && mt != "application/json" {
		return errorf(http.StatusUnsupportedMediaType, api.CodeMediaType, "expected Content-Type application/json, found %q", mt)
	}
	return parseJSON(data, v)
}

// parseJSON decodes one JSON value strictly, with errors that say where.
func parseJSON(data []byte, v any) error {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return badRequest("the request body is not valid JSON at byte %d: %v", se.Offset, err)
		case errors.As(err, &te):
			return badRequest("field %q: expected %s, found a JSON %s", te.Field, te.Type, te.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			return badRequest("unknown field %s in the request body", strings.TrimPrefix(err.Error(), "json: unknown field "))
		}
		return badRequest("the request body: %v", err)
	}
	if dec.More() {
		return badRequest("the request body has more than one JSON value")
	}
	return nil
}

// page reads ?limit= and ?cursor=.
func page(r *http.Request) (db.Page, error) {
	p := db.Page{Limit: db.DefaultLimit, Cursor: r.URL.Query().Get("cursor")}
	if l := r.URL.Query().Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > db.MaxLimit {
			return p, badRequest("limit: expected a whole number from 1 to %d, found %q", db.MaxLimit, l)
		}
		p.Limit = n
	}
	return p, nil
}

// storeErr maps the database's sentinels to replies; what names the
// object for 404s.
func storeErr(err error, what, id string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, db.ErrNotFound):
		return notFound(what, id)
	case errors.Is(err, db.ErrExists):
		return conflict("%s %q exists already", what, id)
	case errors.Is(err, db.ErrConflict):
		return conflict("%s %q: %v", what, id, err)
	case errors.Is(err, db.ErrBadCursor):
		return badRequest("cursor: expected the next_cursor of a previous page of this list, found %q", id)
	}
	return err
}
