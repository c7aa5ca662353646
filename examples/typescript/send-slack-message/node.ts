// Send Slack message: posts a message to a Slack channel with Slack's Web
// API (chat.postMessage), as the tenant's Slack app. The token is the
// tenant's OAuth secret `oauth/slack`, read with ctx.oauth.token; the
// workflow never sees it. A Slack error fails the node with Slack's error
// code as the message.
import { node } from "weft";

/** What chat.postMessage answers (the part this node reads). */
interface PostMessageReply {
  ok: boolean;
  ts?: string;
  channel?: string;
  error?: string;
  warning?: string;
}

export default node({
  name: "Send Slack message",
  description: "Posts a message to a Slack channel",
  category: "Messaging",
  inputs: {
    channel: { type: "string", required: true, description: "Channel ID (C0123456789) or name (#general)" },
    message: { type: "string", required: true, description: "The text to post (Slack mrkdwn)" },
    apiBase: { type: "string", default: "https://slack.com/api", description: "Slack's Web API base URL (tests point it at a local server)" },
  },
  outputs: {
    sent: { type: "boolean", description: "Whether Slack accepted the message" },
    ts: { type: "string", description: "Message timestamp" },
    error: { type: "string", description: "Slack's warning, when it accepted the message with one (a Slack error fails the node instead)" },
  },
  permissions: {
    http: { allowed_hosts: ["slack.com"] },
    oauth_scopes: [{ provider: "slack", scopes: ["chat:write"], reason: "Post messages", required: true }],
    timeout: "quick",
  },
  async run(ctx, input) {
    const { accessToken } = await ctx.oauth.token("slack");
    const url = `${input.apiBase.replace(/\/+$/, "")}/chat.postMessage`;
    const r = await ctx.http.request({
      method: "POST",
      url,
      headers: { authorization: `Bearer ${accessToken}`, "content-type": "application/json; charset=utf-8" },
      body: { channel: input.channel, text: input.message },
    });

    let reply: PostMessageReply;
    try {
      reply = r.json<PostMessageReply>();
    } catch {
      throw new Error(`Slack answered ${r.status} with no JSON: ${r.body.slice(0, 500)}`);
    }
    if (typeof reply !== "object" || reply === null || reply.ok !== true) {
      const code = reply?.error ?? `status ${r.status}`;
      throw new Error(`Slack chat.postMessage failed: ${code}`);
    }
    ctx.log.info(`posted to ${reply.channel ?? input.channel} at ${reply.ts}`);
    return { sent: true, ts: reply.ts, ...(reply.warning ? { error: `warning: ${reply.warning}` } : {}) };
  },
});
