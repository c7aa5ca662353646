// LogMessage: writes a message to the run's log at a chosen level.

package action

import (
	"log/slog"
	"regexp"
	"strings"

	"github.com/weft-dev/weft/internal/bt"
	"github.com/weft-dev/weft/internal/value"
)

func init() {
	register(&bt.Spec{
		Name: "LogMessage", Kind: bt.Leaf, Category: "utility", Children: none,
		Summary: "Logs `message` at `level`; returns SUCCESS.",
		Description: "Evaluates `message` and writes it to the run's log (the run's events, " +
			"`--trace` and the progress view) at `level`.\n\n" +
			"Two kinds of placeholders are filled in:\n\n" +
			"- `{{ expression }}` templates, as in every prop: a name that is not on the blackboard " +
			"makes the node fail with an error naming it;\n" +
			"- @wayfarer-ai/btree's `${key}` placeholders, after the templates: `key` (trimmed) is a " +
			"flat blackboard key, replaced by its value's text (strings as they are, null as " +
			"`null`, objects and arrays as compact JSON). A key that is not on the blackboard " +
			"leaves the placeholder as written, as btree does.\n\n" +
			"Differences from @wayfarer-ai/btree: btree logs `[LogMessage:<name>] <message>`; weft " +
			"logs the message, the node's id being part of the log event. btree logs an unknown " +
			"level as info; weft rejects it (when the workflow loads for a literal, when the node " +
			"runs for a template).",
		Props: []bt.PropSpec{
			{Name: "message", Type: bt.TypeString, Required: true,
				Description: "The text to log; may hold `{{ }}` templates and `${key}` placeholders."},
			{Name: "level", Type: bt.TypeString, Default: "info", Enum: []string{"debug", "info", "warn", "error"},
				Description: "The log level."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &logMessage{message: c.Props.Get("message"), level: c.Props.Get("level")}, nil
		},
	})
}

type logMessage struct {
	message, level *bt.Prop
}

var (
	_ bt.Behavior  = (*logMessage)(nil)
	_ bt.Stateless = (*logMessage)(nil)
)

// placeholderRE matches btree's `${key}` placeholders.
var placeholderRE = regexp.MustCompile(`\$\{([^}]+)\}`)

var logLevels = map[string]slog.Level{
	"debug": slog.LevelDebug, "info": slog.LevelInfo, "warn": slog.LevelWarn, "error": slog.LevelError,
}

func (l *logMessage) Tick(t *bt.Tick) bt.Status {
	msg, err := l.message.String(t, "")
	if err != nil {
		return t.Fail(err)
	}
	name, err := l.level.String(t, "info")
	if err != nil {
		return t.Fail(err)
	}
	level, ok := logLevels[strings.ToLower(name)]
	if !ok {
		return t.Failf("prop level: expected one of debug, info, warn, error, found %q", name)
	}
	msg = placeholderRE.ReplaceAllStringFunc(msg, func(m string) string {
		key := strings.TrimSpace(m[2 : len(m)-1])
		v, ok := t.BB.Lookup(key)
		if !ok {
			return m
		}
		return value.Text(v)
	})
	t.Log(level, msg)
	return bt.Success
}

func (l *logMessage) Halt(*bt.Tick) {}

// Stateless marks the node as having nothing to reset between runs: a LogMessage keeps no state.
func (*logMessage) Stateless() {}
