// Package api holds the wire types of the server's HTTP API, version 1
// (docs/server.md, docs/openapi.json): what `weft serve` sends and accepts,
// and what the `weft remote` client decodes. JSON field names are the
// contract's; change nothing here without changing the OpenAPI document.
package api

import (
	"encoding/json"
	"time"
)

// Base is the path prefix of every API route.
const Base = "/api/v1"

// ErrorBody is every error reply: {"error": {...}}.
type ErrorBody struct {
	Error Error `json:"error"`
}

// Error codes, one per HTTP status the API uses.
const (
	CodeBadRequest   = "bad_request"        // 400
	CodeUnauthorized = "unauthorized"       // 401
	CodeForbidden    = "forbidden"          // 403
	CodeNotFound     = "not_found"          // 404
	CodeMethod       = "method_not_allowed" // 405
	CodeConflict     = "conflict"           // 409
	CodeTooLarge     = "too_large"          // 413
	CodeMediaType    = "unsupported_media"  // 415
	CodeInvalid      = "invalid"            // 422
	CodeRateLimited  = "rate_limited"       // 429
	CodeInternal     = "internal"           // 500: a bug
	CodeUnavailable  = "unavailable"        // 503: shutting down
)

// Error says what went wrong; Details list each problem of an invalid
// workflow or package.
type Error struct {
	Code    string   `json:"code"`
	Message string   `json:"message"`
	Details []Detail `json:"details,omitempty"`
}

// Detail is one problem, as `weft validate` prints it: FILE:LINE:COL: message.
type Detail struct {
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Message string `json:"message"`
}

// Health is GET /health.
type Health struct {
	Status  string `json:"status"`
	Version string `json:"version"`
}

// List is every list reply.
type List[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// CreateTenant is POST /tenants.
type CreateTenant struct {
	ID               string `json:"id"`
	Name             string `json:"name,omitempty"`
	RequireApproval  bool   `json:"require_approval,omitempty"`
	HTTPAllowPrivate bool   `json:"http_allow_private,omitempty"`
}

// Tenant is a tenant.
type Tenant struct {
	ID               string    `json:"id"`
	Name             string    `json:"name"`
	RequireApproval  bool      `json:"require_approval"`
	HTTPAllowPrivate bool      `json:"http_allow_private"`
	CreatedAt        time.Time `json:"created_at"`
}

// TenantReply is the reply of POST /tenants.
type TenantReply struct {
	Tenant Tenant `json:"tenant"`
}

// CreateToken is POST /tenants/{tenant}/tokens.
type CreateToken struct {
	Role string `json:"role"`
	Name string `json:"name,omitempty"`
}

// Token is a token as created: Token (the secret) is shown this once.
type Token struct {
	ID        string    `json:"id"`
	Token     string    `json:"token,omitempty"`
	Role      string    `json:"role"`
	Tenant    string    `json:"tenant,omitempty"`
	Name      string    `json:"name,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// CustomNodeReply is the reply of an upload and of a state change.
type CustomNodeReply struct {
	CustomNode CustomNode `json:"customNode"`
}

// CustomNode is one version of a tenant's custom-node package.
type CustomNode struct {
	ID          string `json:"id"`
	Package     string `json:"package"`
	Name        string `json:"name,omitempty"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
	Digest      string `json:"digest"`
	Status      string `json:"status"`
	Kind        string `json:"kind"` // "wasm" or "typescript"
	// Sources are a TypeScript node's sources by path ("src/node.ts"),
	// for review.
	Sources     map[string]string `json:"sources,omitempty"`
	Nodes       []NodeType        `json:"nodes"`
	Permissions Permissions       `json:"permissions"`
	// Review is what an install shows: every permission as a line, what
	// this version asks for beyond the package's active version, warnings.
	Review      Review     `json:"review"`
	Signer      string     `json:"signer,omitempty"`
	Scores      *Scores    `json:"scores,omitempty"`
	Deprecated  string     `json:"deprecation_message,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	ActivatedAt *time.Time `json:"activated_at,omitempty"`
}

// Review is a package's permission review.
type Review struct {
	Permissions []string `json:"permissions"`
	// Upgrade is the version this one would replace; NewPermissions what it
	// asks for beyond it.
	Upgrade        string   `json:"upgrade,omitempty"`
	NewPermissions []string `json:"new_permissions,omitempty"`
	Warnings       []string `json:"warnings,omitempty"`
}

// Permissions is a package's declared permissions, structured.
type Permissions struct {
	Memory       string        `json:"memory,omitempty"`
	Timeout      string        `json:"timeout,omitempty"`
	AllowedHosts []string      `json:"allowed_hosts,omitempty"`
	StorageBytes int64         `json:"storage_bytes,omitempty"`
	OAuth        []OAuthScopes `json:"oauth,omitempty"`
	Operations   []string      `json:"operations,omitempty"`
}

// OAuthScopes is one OAuth provider a package may get tokens of.
type OAuthScopes struct {
	Provider string   `json:"provider"`
	Scopes   []string `json:"scopes,omitempty"`
}

// Scores are a package's quality scores, as its manifest states them.
type Scores struct {
	Privacy     int `json:"privacy"`
	Security    int `json:"security"`
	Performance int `json:"performance"`
	Governance  int `json:"governance"`
	Reliability int `json:"reliability"`
	Cost        int `json:"cost"`
}

// NodeType is a node type of the catalog: a built-in or a custom node.
type NodeType struct {
	Type        string  `json:"type"`
	Kind        string  `json:"kind"` // composite, decorator, action, condition, custom
	Category    string  `json:"category,omitempty"`
	Description string  `json:"description,omitempty"`
	Props       []Prop  `json:"props,omitempty"`
	Inputs      []Pin   `json:"inputs,omitempty"`
	Outputs     []Pin   `json:"outputs,omitempty"`
	Package     string  `json:"package,omitempty"`
	Version     string  `json:"version,omitempty"`
	Children    string  `json:"children,omitempty"` // "none", "one", "many"
	Scores      *Scores `json:"scores,omitempty"`
	Deprecated  string  `json:"deprecation_message,omitempty"`
}

// Prop is one prop of a node type.
type Prop struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Required    bool   `json:"required,omitempty"`
	Default     any    `json:"default,omitempty"`
	Description string `json:"description,omitempty"`
}

// Pin is one input or output of a custom node.
type Pin struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Description string `json:"description,omitempty"`
	Required    bool   `json:"required,omitempty"`
}

// Rollback is the reply of POST /packages/{package}/rollback.
type Rollback = CustomNodeReply

// WorkflowReply is PUT and GET /workflows/{id}.
type WorkflowReply struct {
	Workflow WorkflowVersion `json:"workflow"`
}

// WorkflowVersion is one version of a workflow.
type WorkflowVersion struct {
	ID        string                   `json:"id"`
	Version   int                      `json:"version"`
	Source    string                   `json:"source,omitempty"`
	Packages  map[string]LockedPackage `json:"packages"`
	Archived  bool                     `json:"archived"`
	CreatedBy string                   `json:"created_by,omitempty"`
	CreatedAt time.Time                `json:"created_at"`
	Warnings  []string                 `json:"warnings,omitempty"`
	// Tree is the version's node tree, with the node ids that run events
	// carry (GET /workflows/{id} only; absent when it cannot be compiled
	// any more).
	Tree *TreeNode `json:"tree,omitempty"`
}

// TreeNode is one node of a workflow's tree.
type TreeNode struct {
	Type     string     `json:"type"`
	ID       string     `json:"id"`
	Name     string     `json:"name,omitempty"`
	Kind     string     `json:"kind"` // composite, decorator, leaf
	Line     int        `json:"line,omitempty"`
	Children []TreeNode `json:"children,omitempty"`
}

// LockedPackage is what one custom node type of a workflow resolved to.
type LockedPackage struct {
	ID      string `json:"id"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
}

// Workflow is a workflow in a list.
type Workflow struct {
	ID            string    `json:"id"`
	LatestVersion int       `json:"latest_version"`
	Archived      bool      `json:"archived"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// Validation is POST /workflows/validate.
type Validation struct {
	Valid    bool     `json:"valid"`
	Problems []Detail `json:"problems"`
	Warnings []string `json:"warnings,omitempty"`
}

// StartRun is POST /workflows/{id}/runs.
type StartRun struct {
	Inputs         map[string]any `json:"inputs,omitempty"`
	Version        int            `json:"version,omitempty"`
	Wait           bool           `json:"wait,omitempty"`
	IdempotencyKey string         `json:"idempotency_key,omitempty"`
}

// RunReply is the reply of starting, reading and canceling a run.
type RunReply struct {
	Run Run `json:"run"`
}

// Run is one run.
type Run struct {
	ID              string                   `json:"id"`
	Workflow        string                   `json:"workflow"`
	Version         int                      `json:"version"`
	Status          string                   `json:"status"`
	Inputs          map[string]any           `json:"inputs"`
	Blackboard      map[string]any           `json:"blackboard"`
	Error           string                   `json:"error,omitempty"`
	Trigger         string                   `json:"trigger,omitempty"`
	CreatedAt       time.Time                `json:"created_at"`
	StartedAt       *time.Time               `json:"started_at"`
	EndedAt         *time.Time               `json:"ended_at"`
	Packages        map[string]LockedPackage `json:"packages"`
	CancelRequested bool                     `json:"cancel_requested,omitempty"`
}

// RunEvent is one event of a run: the --trace record (an object whose
// "event" field names its kind) with its sequence number added as "seq".
// In a text/event-stream the record is the data and seq the event's id.
type RunEvent = json.RawMessage

// PutSecret is PUT /secrets/{name}.
type PutSecret struct {
	Value     string     `json:"value"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Secret is a secret in a list: never its value.
type Secret struct {
	Name      string     `json:"name"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// CreateTrigger is POST /workflows/{id}/triggers.
type CreateTrigger struct {
	Type     string         `json:"type"`
	Cron     string         `json:"cron,omitempty"`
	Timezone string         `json:"timezone,omitempty"`
	Inputs   map[string]any `json:"inputs,omitempty"`
	Overlap  string         `json:"overlap,omitempty"`
}

// Trigger is a trigger; URL and Secret are in the reply of a webhook's
// creation only.
type Trigger struct {
	ID        string         `json:"id"`
	Workflow  string         `json:"workflow"`
	Type      string         `json:"type"`
	Cron      string         `json:"cron,omitempty"`
	Timezone  string         `json:"timezone,omitempty"`
	Inputs    map[string]any `json:"inputs,omitempty"`
	Overlap   string         `json:"overlap,omitempty"`
	NextFire  *time.Time     `json:"next_fire,omitempty"`
	URL       string         `json:"url,omitempty"`
	Secret    string         `json:"secret,omitempty"`
	CreatedAt time.Time      `json:"created_at"`
}

// TriggerReply wraps a trigger.
type TriggerReply struct {
	Trigger Trigger `json:"trigger"`
}

// TrustedKey is a publisher key a tenant trusts (an addition to the
// contract: POST/GET /trusted-keys, DELETE /trusted-keys/{id}).
type TrustedKey struct {
	ID        string    `json:"id"`
	PublicKey string    `json:"public_key"`
	Comment   string    `json:"comment,omitempty"`
	CreatedAt time.Time `json:"created_at,omitzero"`
}

// TypeScriptUpload is POST /custom-nodes with JSON: a TypeScript node's
// source (the seed's shape).
type TypeScriptUpload struct {
	Name        string          `json:"name"`
	Version     string          `json:"version"`
	Description string          `json:"description,omitempty"`
	SourceCode  string          `json:"sourceCode"`
	Schema      json.RawMessage `json:"schema,omitempty"`
}
