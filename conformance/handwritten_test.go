// The SDKs' guest-side cost, against a guest written by hand (issue 16,
// "the SDKs' guest-side JSON within 1.5x of a hand-written guest"):
// testdata/handwritten is the echo node in C without an SDK, testdata/canned
// the same module answering with a fixed response (the floor of a call).
//
//	go test -run '^$' -bench SDKvsHandwritten -count 5 ./conformance/
//
// Each iteration makes one warm call of the echo node through the SDK's
// package, one through the hand-written guest and one through the canned
// one, back to back through the same host path (Package.Call), so that the
// ratios hold on a noisy machine. Reported per language:
//
//   - sdk-µs, hand-µs, canned-µs: the mean warm call of each;
//   - x-hand: sdk-µs / hand-µs, the whole call;
//   - guest-x-hand: (sdk - canned) / (hand - canned), the guest's own share.
package conformance

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/weft-dev/weft"
	"github.com/weft-dev/weft/internal/wasmhost"
)

// baselines are the packages without an SDK, under testdata/.
var baselines = []string{"testdata/handwritten", "testdata/canned"}

func BenchmarkSDKvsHandwritten(b *testing.B) {
	ctx := context.Background()
	for _, dir := range baselines {
		build(b, dir)
	}
	hh, hand := loadLang(b, "testdata/handwritten", b.TempDir())
	defer hh.Close(ctx)
	defer hand.Close(ctx)
	ch, canned := loadLang(b, "testdata/canned", b.TempDir())
	defer ch.Close(ctx)
	defer canned.Close(ctx)
	for _, lang := range []string{"c", "rust", "assemblyscript", "go"} {
		b.Run(lang, func(b *testing.B) {
			build(b, lang)
			h, pkg := loadLang(b, lang, b.TempDir())
			defer h.Close(ctx)
			defer pkg.Close(ctx)
			var tSDK, tHand, tCanned time.Duration
			call := func(p *wasmhost.Package, t *time.Duration) {
				start := time.Now()
				res, err := p.Call(ctx, callReq)
				*t += time.Since(start)
				if err != nil || !res.Success {
					b.Fatal(res, err)
				}
			}
			for range 3 { // warm all three before timing
				call(pkg, &tSDK)
				call(hand, &tHand)
				call(canned, &tCanned)
			}
			tSDK, tHand, tCanned = 0, 0, 0
			n := 0
			for b.Loop() {
				call(pkg, &tSDK)
				call(hand, &tHand)
				call(canned, &tCanned)
				n++
			}
			us := func(t time.Duration) float64 { return float64(t.Nanoseconds()) / 1e3 / float64(n) }
			b.ReportMetric(us(tSDK), "sdk-µs")
			b.ReportMetric(us(tHand), "hand-µs")
			b.ReportMetric(us(tCanned), "canned-µs")
			b.ReportMetric(float64(tSDK)/float64(tHand), "x-hand")
			b.ReportMetric(float64(tSDK-tCanned)/float64(tHand-tCanned), "guest-x-hand")
		})
	}
}

// TestHandwrittenEcho holds the hand-written baseline to the conformance
// suite's echo case, so that the benchmark compares the SDKs with a guest
// that does the same work: the same outputs for every pin type, int64
// extremes and escapes included.
func TestHandwrittenEcho(t *testing.T) {
	dir := build(t, "testdata/handwritten")
	ctx := context.Background()
	eng, err := weft.New(ctx, weft.Config{Home: t.TempDir(), NoJournal: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	if _, err := eng.AddPackage(ctx, dir); err != nil {
		t.Fatal(err)
	}
	c := cases[0]
	if c.name != "echo every pin type" {
		t.Fatalf("cases[0] is %q, want the echo case", c.name)
	}
	wf, err := eng.Load("echo.yaml", []byte(strings.ReplaceAll(c.yaml, "LANG", "handwritten")))
	if err != nil {
		t.Fatal(err)
	}
	res, err := wf.Run(ctx, weft.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != c.status {
		t.Fatalf("status %s, want %s (error: %v)", res.Status, c.status, res.Err)
	}
	for key, want := range c.outputs {
		got, err := json.Marshal(res.Blackboard[key])
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s:\n got %s\nwant %s", key, got, want)
		}
	}
}
