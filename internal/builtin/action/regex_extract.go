// RegexExtract: extracts regular-expression matches from a blackboard string.

package action

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "RegexExtract", Kind: bt.Leaf, Category: "utility", Children: none,
		Summary: "Matches `pattern` against the string under `input` and stores the matches under `outputKey`.",
		Description: "Reads the string under the blackboard key `input`, matches `pattern` against " +
			"it and stores the result under `outputKey`, then returns SUCCESS (also when nothing " +
			"matches).\n\n" +
			"- With the `g` flag (the default) the result is the array of every full match, " +
			"without capture groups: `[\"a1\", \"b2\"]`.\n" +
			"- Without `g` it is the first match as `[full, group1, group2, ...]`, like " +
			"JavaScript's `String.match`; a group that did not take part in the match is null.\n" +
			"- Either way an empty array when nothing matches.\n" +
			"- With `matchIndex` 0 or more the result is that element of the array instead, or " +
			"null when there is no such element. Without `g`, `matchIndex: 1` picks the first " +
			"capture group.\n\n" +
			"The node fails when `input` is not on the blackboard (the error names the key), " +
			"when it holds something other than a string (the error names the type), and when " +
			"the pattern or the flags are invalid. A pattern and flags written without templates " +
			"are checked before the run starts.\n\n" +
			"Patterns use Go's RE2 syntax, which is JavaScript's for everyday use (classes, " +
			"`\\d \\w \\s \\b`, groups, `(?:...)`, named groups `(?P<name>...)` and `(?<name>...)`, " +
			"lazy quantifiers) but has no lookarounds (`(?=...)`, `(?!...)`, `(?<=...)`) and no " +
			"backreferences (`\\1`); matching takes linear time.\n\n" +
			"Differences from @wayfarer-ai/btree: btree returns null for an empty-string element " +
			"picked by `matchIndex` (through JavaScript's `||`); weft returns the empty string. " +
			"btree treats a null `input` like a missing one; weft reports it as a wrong type.",
		Props: []bt.PropSpec{
			{Name: "input", Type: bt.TypeKey, Required: true,
				Description: "Blackboard key of the text to search (the key, not the text)."},
			{Name: "pattern", Type: bt.TypeString, Required: true,
				Description: "The regular expression, in RE2 syntax (no lookarounds or backreferences)."},
			{Name: "flags", Type: bt.TypeString, Default: "g",
				Description: "Letters among `g` (all matches), `i` (ignore case), `m` (`^` and `$` match at line breaks), `s` (`.` matches newlines); `u` is accepted and changes nothing."},
			{Name: "outputKey", Type: bt.TypeKey, Required: true,
				Description: "Blackboard key to store the result under."},
			{Name: "matchIndex", Type: bt.TypeInteger,
				Description: "When 0 or more, store only this element of the result array (null when out of range)."},
		},
		New: newRegexExtract,
	})
}

type regexExtract struct {
	input, pattern, flags, outputKey, matchIndex *bt.Prop

	// The compiled expression of the last pattern and flags seen.
	src         string
	global      bool
	re          *regexp.Regexp
	fromLiteral bool // re was compiled by New from a literal pattern and flags
}

var (
	_ bt.Behavior = (*regexExtract)(nil)
	_ bt.Resetter = (*regexExtract)(nil)
)

func newRegexExtract(c *bt.Config) (bt.Behavior, error) {
	r := &regexExtract{input: c.Props.Get("input"), pattern: c.Props.Get("pattern"), flags: c.Props.Get("flags"),
		outputKey: c.Props.Get("outputKey"), matchIndex: c.Props.Get("matchIndex")}
	pat, ok1 := literal(r.pattern)
	flags, ok2 := literal(r.flags)
	if r.flags == nil {
		flags, ok2 = "g", true
	}
	ps, ok3 := pat.(string)
	fs, ok4 := flags.(string)
	if ok1 && ok2 && ok3 && ok4 {
		if err := r.compile(ps, fs); err != nil {
			return nil, err
		}
		r.fromLiteral = true
	}
	return r, nil
}

// compile compiles pattern with JavaScript-style flags, reusing the last
// compiled expression when they did not change.
func (r *regexExtract) compile(pattern, flags string) error {
	src := flags + "/" + pattern
	if r.re != nil && src == r.src {
		return nil
	}
	global, mods := false, ""
	for _, f := range flags {
		switch f {
		case 'g':
			global = true
		case 'i', 'm', 's':
			if !strings.ContainsRune(mods, f) {
				mods += string(f)
			}
		case 'u':
		default:
			return fmt.Errorf("prop flags: unsupported flag %q in %q (expected letters among g, i, m, s)", f, flags)
		}
	}
	full := pattern
	if mods != "" {
		full = "(?" + mods + ")" + pattern
	}
	re, err := regexp.Compile(full)
	if err != nil {
		return fmt.Errorf("prop pattern: %w (RE2 syntax: lookarounds and backreferences are not supported)", err)
	}
	r.src, r.global, r.re = src, global, re
	return nil
}

func (r *regexExtract) Tick(t *bt.Tick) bt.Status {
	in, err := blackboardKey(t, r.input, "")
	if err != nil {
		return t.Fail(err)
	}
	out, err := blackboardKey(t, r.outputKey, "")
	if err != nil {
		return t.Fail(err)
	}
	pattern, err := r.pattern.String(t, "")
	if err != nil {
		return t.Fail(err)
	}
	flags, err := r.flags.String(t, "g")
	if err != nil {
		return t.Fail(err)
	}
	if err := r.compile(pattern, flags); err != nil {
		return t.Fail(err)
	}
	v, ok := t.BB.Lookup(in)
	if !ok {
		return t.Failf("input %q is not on the blackboard", in)
	}
	text, ok := v.(string)
	if !ok {
		return t.Failf("input %q holds %s, not a string", in, withArticle(value.TypeName(v)))
	}
	var matches []any
	if r.global {
		all := r.re.FindAllString(text, -1)
		matches = make([]any, len(all))
		for i, m := range all {
			matches[i] = m
		}
	} else if loc := r.re.FindStringSubmatchIndex(text); loc != nil {
		matches = make([]any, len(loc)/2)
		for i := range matches {
			if loc[2*i] >= 0 {
				matches[i] = text[loc[2*i]:loc[2*i+1]]
			}
		}
	} else {
		matches = []any{}
	}
	var result any = matches
	if r.matchIndex.IsSet() {
		idx, err := r.matchIndex.Int(t, -1)
		if err != nil {
			return t.Fail(err)
		}
		if idx >= 0 {
			result = nil
			if idx < int64(len(matches)) {
				result = matches[idx]
			}
		}
	}
	t.BB.Set(out, result)
	return bt.Success
}

func (r *regexExtract) Halt(*bt.Tick) {}

// Reset drops an expression compiled from a templated pattern, which came
// from a run's data; one written literally, compiled by New, is kept.
func (r *regexExtract) Reset() {
	if !r.fromLiteral {
		r.src, r.global, r.re = "", false, nil
	}
}
