// The node of {{.Name}}, written with weft's TypeScript SDK: the "weft"
// module (its types are in weft.d.ts). The default export is the node: its
// pins, its permissions (everything not declared is denied) and run, which
// returns the outputs or throws to fail the node. See README.md.
import { node } from "weft";

export default node({
  name: "Greet",
  description: "Greets someone by name.",
  category: "Examples",
  inputs: {
    name: { type: "string", default: "world", description: "Who to greet" },
  },
  outputs: {
    greeting: { type: "string", description: "Hello, NAME!" },
  },
  permissions: { memory: "light", timeout: "quick" },
  run(ctx, input) {
    // input.name is a string: the input has a default.
    ctx.log.info(`greeting ${input.name}`);
    return { greeting: `Hello, ${input.name}!` };
  },
});
