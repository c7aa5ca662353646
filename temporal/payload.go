// Values in a history: a blackboard (or any canonical value) as typed
// JSON, inline when small, by reference through the blob store when it
// would weigh on Temporal's 2 MB event and 256 KiB payload limits.

package temporal

import (
	"context"
	"fmt"

	"github.com/weft-dev/weft/internal/value"
)

// InlineLimit is the largest encoded value kept inside a history; larger
// ones are stored in Blobs and the history holds their reference.
const InlineLimit = 64 << 10

// Value is a canonical value as it travels through Temporal: Data holds
// its typed JSON, or Ref names the blob that does.
type Value struct {
	Data []byte `json:"data,omitempty"`
	Ref  string `json:"ref,omitempty"`
}

// packValue encodes v, storing it in blobs when it is over limit.
func packValue(ctx context.Context, blobs Blobs, v any, limit int) (Value, error) {
	data, err := value.MarshalTyped(v)
	if err != nil {
		return Value{}, err
	}
	if len(data) <= limit {
		return Value{Data: data}, nil
	}
	if blobs == nil {
		return Value{}, fmt.Errorf("a value of %d bytes is over the %d bytes a history holds, and no blob store is set", len(data), limit)
	}
	ref, err := blobs.Put(ctx, data)
	if err != nil {
		return Value{}, err
	}
	return Value{Ref: ref}, nil
}

// unpack decodes v, reading its blob if it is a reference.
func (v Value) unpack(ctx context.Context, blobs Blobs) (any, error) {
	data := v.Data
	if v.Ref != "" {
		if blobs == nil {
			return nil, fmt.Errorf("value %s is in a blob store, and none is set", v.Ref)
		}
		var err error
		if data, err = blobs.Get(ctx, v.Ref); err != nil {
			return nil, err
		}
	}
	if len(data) == 0 {
		return nil, nil
	}
	return value.UnmarshalTyped(data)
}

// unpackMap is unpack for a blackboard.
func (v Value) unpackMap(ctx context.Context, blobs Blobs) (map[string]any, error) {
	x, err := v.unpack(ctx, blobs)
	if err != nil || x == nil {
		return map[string]any{}, err
	}
	m, ok := x.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("expected a blackboard (an object), found %s", value.TypeName(x))
	}
	return m, nil
}
