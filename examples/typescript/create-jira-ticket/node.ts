// Create Jira ticket: creates an issue with Jira's REST API v3
// (POST /rest/api/3/issue) and returns its key, id and browse URL. The
// token is the tenant's OAuth secret `oauth/jira`, read with
// ctx.oauth.token. A status other than 2xx fails the node with the status
// and Jira's answer.
import { node, type Value } from "weft";

/** What POST /rest/api/3/issue answers on success. */
interface CreatedIssue {
  id: string;
  key: string;
  self: string;
}

/** An Atlassian Document Format node: API v3 takes rich text in this form. */
type AdfNode = {
  type: string;
  version?: number;
  text?: string;
  content?: AdfNode[];
};

/** Plain text as an ADF document: one paragraph per blank-line-separated block, line breaks kept. */
function adf(text: string): AdfNode {
  const paragraphs = text
    .split(/\r?\n\s*\r?\n/)
    .filter((p) => p.trim() !== "")
    .map((p): AdfNode => {
      const content: AdfNode[] = [];
      p.split(/\r?\n/).forEach((line, i) => {
        if (i > 0) content.push({ type: "hardBreak" });
        if (line !== "") content.push({ type: "text", text: line });
      });
      return { type: "paragraph", content };
    });
  return { type: "doc", version: 1, content: paragraphs };
}

export default node({
  name: "Create Jira ticket",
  description: "Creates a Jira issue",
  category: "Project management",
  inputs: {
    baseUrl: { type: "string", required: true, description: "The Jira site, e.g. https://acme.atlassian.net" },
    project: { type: "string", required: true, description: "The project key, e.g. OPS" },
    summary: { type: "string", required: true, description: "The issue's title" },
    description: { type: "string", description: "The issue's text (plain text; blank lines separate paragraphs)" },
    issueType: { type: "string", default: "Task", description: "The issue type's name: Task, Bug, Story, ..." },
  },
  outputs: {
    key: { type: "string", description: "The issue key, e.g. OPS-42" },
    id: { type: "string", description: "The issue id" },
    url: { type: "string", description: "The issue's page: BASE/browse/KEY" },
  },
  permissions: {
    http: { allowed_hosts: ["*.atlassian.net"] },
    oauth_scopes: [{ provider: "jira", scopes: ["write:jira-work"], reason: "Create issues", required: true }],
    timeout: "quick",
  },
  async run(ctx, input) {
    const base = input.baseUrl.replace(/\/+$/, "");
    const { accessToken } = await ctx.oauth.token("jira");
    const fields: { [key: string]: Value } = {
      project: { key: input.project },
      summary: input.summary,
      issuetype: { name: input.issueType },
    };
    if (input.description !== undefined && input.description !== "") fields.description = adf(input.description);

    const r = await ctx.http.request({
      method: "POST",
      url: `${base}/rest/api/3/issue`,
      headers: { authorization: `Bearer ${accessToken}`, accept: "application/json" },
      body: { fields }, // sent as JSON, with content-type application/json
    });
    if (r.status < 200 || r.status > 299) {
      throw new Error(`Jira answered ${r.status}: ${r.body.slice(0, 2000)}`);
    }
    const issue = r.json<CreatedIssue>();
    ctx.log.info(`created ${issue.key}`);
    return { key: issue.key, id: issue.id, url: `${base}/browse/${issue.key}` };
  },
});
