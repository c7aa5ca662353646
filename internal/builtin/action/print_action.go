// PrintAction: logs a message and optionally stores it on the blackboard.

package action

import (
	"log/slog"

	"github.com/weft-dev/weft/internal/bt"
)

func init() {
	register(&bt.Spec{
		Name: "PrintAction", Kind: bt.Leaf, Category: "utility", Children: none,
		Summary: "Logs a message at info level and returns SUCCESS.",
		Description: "Evaluates `message` (templates such as `\"Order {{orderId}} received\"` are " +
			"filled in from the blackboard), writes it to the run's log at info level, and stores it " +
			"under `outputKey` when that prop is given. Always returns SUCCESS, unless a template " +
			"in a prop fails (for example it names a key that is not on the blackboard): then the " +
			"node fails with that error.\n\n" +
			"Differences from @wayfarer-ai/btree: btree logs `Executing: \"<message>\"` and does " +
			"not interpolate; weft logs the message itself, templated. btree replaces an empty " +
			"message with the default through JavaScript's `||`; weft prints the empty string.",
		Props: []bt.PropSpec{
			{Name: "message", Type: bt.TypeString, Default: "Hello from PrintAction!",
				Description: "The text to log; may hold `{{ }}` templates."},
			{Name: "outputKey", Type: bt.TypeKey,
				Description: "Blackboard key to store the message under (as a string); not stored when absent."},
		},
		New: func(c *bt.Config) (bt.Behavior, error) {
			return &printAction{message: c.Props.Get("message"), outputKey: c.Props.Get("outputKey")}, nil
		},
	})
}

type printAction struct {
	message, outputKey *bt.Prop
}

var (
	_ bt.Behavior  = (*printAction)(nil)
	_ bt.Stateless = (*printAction)(nil)
)

func (p *printAction) Tick(t *bt.Tick) bt.Status {
	msg, err := p.message.String(t, "Hello from PrintAction!")
	if err != nil {
		return t.Fail(err)
	}
	t.Log(slog.LevelInfo, msg)
	if p.outputKey.IsSet() {
		key, err := blackboardKey(t, p.outputKey, "")
		if err != nil {
			return t.Fail(err)
		}
		t.BB.Set(key, msg)
	}
	return bt.Success
}

func (p *printAction) Halt(*bt.Tick) {}

// Stateless marks the node as having nothing to reset between runs: a PrintAction keeps no state.
func (*printAction) Stateless() {}
