// Temporal's payload limit, handled rather than hit: a 5 MB string and
// 5 MB of bytes go through the blackboard, a custom node's activity and
// back into the result by reference through the blob store, and no payload
// in the run's history is larger than 256 KiB.

package temporal

import (
	"bytes"
	"context"
	"math/rand/v2"
	"testing"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxPayload is the size over which Temporal rejects (or warns about) a
// payload.
const maxPayload = 256 << 10

// walkPayloads calls fn on every Payload inside m, at any depth.
func walkPayloads(m protoreflect.Message, fn func(*commonpb.Payload)) {
	if p, ok := m.Interface().(*commonpb.Payload); ok {
		fn(p)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Message() != nil:
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				walkPayloads(l.Get(i).Message(), fn)
			}
		case fd.IsMap() && fd.MapValue().Message() != nil:
			v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
				walkPayloads(mv.Message(), fn)
				return true
			})
		case !fd.IsList() && !fd.IsMap() && fd.Message() != nil:
			walkPayloads(v.Message(), fn)
		}
		return true
	})
}

// largestPayload returns the size of the largest payload in h, and of its
// largest event.
func largestPayload(h *historypb.History) (payload, event int) {
	for _, ev := range h.Events {
		event = max(event, proto.Size(ev))
		walkPayloads(ev.ProtoReflect(), func(p *commonpb.Payload) { payload = max(payload, proto.Size(p)) })
	}
	return payload, event
}

func TestFiveMBByReference(t *testing.T) {
	e := newEnv(t)
	const size = 5 << 20
	// Plain ASCII letters (the reverse guest decodes no escapes), not a
	// palindrome, so a reversal shows.
	rng := rand.New(rand.NewPCG(1, 2))
	const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	sb := make([]byte, size)
	for i := range sb {
		sb[i] = letters[rng.IntN(len(letters))]
	}
	big := string(sb)
	blob := make([]byte, size)
	for i := range blob {
		blob[i] = byte(rng.Uint32())
	}
	rev := []byte(big)
	for i, j := 0, len(rev)-1; i < j; i, j = i+1, j-1 {
		rev[i], rev[j] = rev[j], rev[i]
	}
	src := []byte(`
type: Sequence
children:
  - {type: bench.reverse/reverse, id: there, props: {s: "{{ big }}", outputs: {s: reversed}}}
  - {type: bench.reverse/reverse, id: back, props: {s: "{{ reversed }}", outputs: {s: again}}}
  - {type: SetVariable, props: {key: blobCopy, value: "{{ blob }}"}}`)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	start := time.Now()
	res, err := e.runner.Run(ctx, "five-mb.yaml", src, StartOptions{Inputs: map[string]any{"big": big, "blob": blob}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("run took %s", time.Since(start).Round(time.Millisecond))
	if res.Status != "success" {
		t.Fatalf("status %s: %v", res.Status, res.Err)
	}
	check := func(key string, want any) {
		t.Helper()
		got := res.Blackboard[key]
		switch w := want.(type) {
		case string:
			if s, ok := got.(string); !ok || s != w {
				t.Errorf("%s: a %T of %d bytes, want the %d-byte string back exactly", key, got, len(s), len(w))
			}
		case []byte:
			if b, ok := got.([]byte); !ok || !bytes.Equal(b, w) {
				t.Errorf("%s: a %T of %d bytes, want the %d bytes back exactly", key, got, len(b), len(w))
			}
		}
	}
	check("big", big)
	check("reversed", string(rev))
	check("again", big)
	check("blob", blob)
	check("blobCopy", blob)

	h := fetchHistory(t, e.c, res.RunID)
	p, ev := largestPayload(h)
	t.Logf("%d events; largest payload %d bytes, largest event %d bytes", len(h.Events), p, ev)
	if p > maxPayload {
		t.Errorf("a payload of %d bytes in the history, over %d", p, maxPayload)
	}
	if p == 0 {
		t.Error("no payload found in the history: the walk is broken")
	}
}
