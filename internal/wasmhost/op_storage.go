// The storage.* operations (storage.read, storage.write, storage.list,
// storage.delete) on Capabilities.Storage: files of one tenant for one
// package, addressed by relative paths.

package wasmhost

import (
	"context"
	"encoding/base64"
	"encoding/json"
)

func init() {
	ops["storage.read"] = Op{ops["storage.read"].Allowed, storageRead}
	ops["storage.write"] = Op{ops["storage.write"].Allowed, storageWrite}
	ops["storage.list"] = Op{ops["storage.list"].Allowed, storageList}
	ops["storage.delete"] = Op{ops["storage.delete"].Allowed, storageDelete}
}

func noStorage(op string) *opError {
	return opErr(CodeUnavailable, "%s is not available on this host (no storage)", op)
}

// storagePath parses a request {"path": string, ...} and returns the path;
// the store checks it.
func storagePath(op string, req json.RawMessage) (string, *opError) {
	var r struct {
		Path *string `json:"path"`
	}
	if err := json.Unmarshal(req, &r); err != nil || r.Path == nil {
		return "", opErr(CodeInvalidRequest, `%s takes {"path": string}`, op)
	}
	return *r.Path, nil
}

// storageRead is storage.read: {"path"} -> {"data_base64"}; a missing file
// is not_found.
func storageRead(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	const op = "storage.read"
	if c.Caps == nil || c.Caps.Storage == nil {
		return nil, noStorage(op)
	}
	p, oe := storagePath(op, req)
	if oe != nil {
		return nil, oe
	}
	data, err := c.Caps.Storage.Read(ctx, c.Scope(), p)
	if err != nil {
		return nil, capErr(op, err)
	}
	return map[string]string{"data_base64": base64.StdEncoding.EncodeToString(data)}, nil
}

// storageWrite is storage.write: {"path", "data_base64"} -> null.
func storageWrite(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	const op = "storage.write"
	if c.Caps == nil || c.Caps.Storage == nil {
		return nil, noStorage(op)
	}
	var r struct {
		Path *string `json:"path"`
		Data *string `json:"data_base64"`
	}
	if err := json.Unmarshal(req, &r); err != nil || r.Path == nil || r.Data == nil {
		return nil, opErr(CodeInvalidRequest, `%s takes {"path": string, "data_base64": string}`, op)
	}
	data, err := base64.StdEncoding.DecodeString(*r.Data)
	if err != nil {
		return nil, opErr(CodeInvalidRequest, "%s: data_base64: %v", op, err)
	}
	if err := c.Caps.Storage.Write(ctx, c.Scope(), *r.Path, data); err != nil {
		return nil, capErr(op, err)
	}
	return nil, nil
}

// storageList is storage.list: {"prefix"?} -> [path], sorted.
func storageList(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	const op = "storage.list"
	if c.Caps == nil || c.Caps.Storage == nil {
		return nil, noStorage(op)
	}
	var r struct {
		Prefix *string `json:"prefix"`
	}
	if err := json.Unmarshal(req, &r); err != nil {
		return nil, opErr(CodeInvalidRequest, `%s takes {"prefix": string?}`, op)
	}
	prefix := ""
	if r.Prefix != nil {
		prefix = *r.Prefix
	}
	paths, err := c.Caps.Storage.List(ctx, c.Scope(), prefix)
	if err != nil {
		return nil, capErr(op, err)
	}
	if paths == nil {
		paths = []string{}
	}
	return paths, nil
}

// storageDelete is storage.delete: {"path"} -> null; deleting a missing
// file is not an error.
func storageDelete(ctx context.Context, c *OpCall, req json.RawMessage) (any, *opError) {
	const op = "storage.delete"
	if c.Caps == nil || c.Caps.Storage == nil {
		return nil, noStorage(op)
	}
	p, oe := storagePath(op, req)
	if oe != nil {
		return nil, oe
	}
	if err := c.Caps.Storage.Delete(ctx, c.Scope(), p); err != nil {
		return nil, capErr(op, err)
	}
	return nil, nil
}
