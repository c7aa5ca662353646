import { node } from "weft";

interface Greeting {
  greeting: string;
}

export default node({
  description: "Greets someone",
  inputs: { name: { type: "string", required: true, description: "Who" }, times: { type: "integer", default: 1 } },
  outputs: { greeting: "string" },
  permissions: { timeout: "quick", variables: true },
  async run(ctx, input): Promise<Greeting> {
    ctx.log.info("greeting " + input.name);
    return { greeting: ("hello " + input.name + " ").repeat(input.times).trim() };
  },
});
