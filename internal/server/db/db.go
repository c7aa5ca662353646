// Package db is the server's persistence: tenants, tokens, custom-node
// package versions, workflows and their versions, runs and their events,
// the run queue, secrets, triggers and trusted keys, behind one interface
// (Store) that SQLite and PostgreSQL both implement.
//
//	st, err := db.Open(ctx, "sqlite:///home/me/.weft/server.db")   // or "postgres://..."
//	defer st.Close()
//	err = st.CreateTenant(ctx, &db.Tenant{ID: "acme", Name: "Acme"})
//
// Every method that reads or writes a tenant's object takes the tenant and
// answers ErrNotFound for another tenant's object, exactly as for one that
// does not exist: the server maps that to 404.
package db

import (
	"context"
	"encoding/json"
	"errors"
	"time"
)

// Sentinel errors callers branch on.
var (
	// ErrNotFound: no such object for this tenant.
	ErrNotFound = errors.New("not found")
	// ErrExists: an object with this id exists already (a tenant, a token).
	ErrExists = errors.New("already exists")
	// ErrConflict: the change does not apply (an existing version with other
	// bytes, a state change from the wrong state).
	ErrConflict = errors.New("conflict")
)

// Page asks for one page of a list. Limit is at most MaxLimit; zero means
// DefaultLimit. Cursor is what the previous page returned as Next.
type Page struct {
	Limit  int
	Cursor string
}

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Tenant is one tenant of the server.
type Tenant struct {
	ID              string
	Name            string
	RequireApproval bool
	// HTTPAllowPrivate lets this tenant's HttpRequest nodes reach loopback,
	// private and link-local addresses (set by the admin only).
	HTTPAllowPrivate bool
	CreatedAt        time.Time
}

// Roles of tokens.
const (
	RoleAdmin     = "admin"
	RoleOwner     = "owner"
	RoleDeveloper = "developer"
	RoleRunner    = "runner"
	RoleViewer    = "viewer"
)

// Token is a bearer token, stored by the SHA-256 of its secret.
type Token struct {
	ID string
	// Hash is the hex SHA-256 of the token's secret text.
	Hash string
	// Tenant is "" for an admin token.
	Tenant    string
	Role      string
	Name      string
	CreatedAt time.Time
	RevokedAt time.Time // zero while valid
}

// Statuses of a custom-node package version.
const (
	StatusDraft      = "draft"      // uploaded, never activated: no workflow resolves it
	StatusActive     = "active"     // the package's current version
	StatusDeprecated = "deprecated" // still the current version, resolved with a warning
	StatusInactive   = "inactive"   // was active; another version replaced it (rollback target)
)

// PackageVersion is one uploaded custom-node package version of a tenant.
type PackageVersion struct {
	ID      string // opaque, the API's custom-node id
	Tenant  string
	Package string // the manifest's package id, e.g. com.example.math or ts.slack
	Version string // semver
	Digest  string // "sha256:HEX" of the .weftpkg
	Status  string
	// Info is the API's JSON description (nodes with pins, permissions,
	// review, scores), computed at upload; stored as it is.
	Info       json.RawMessage
	Signer     string
	Deprecated string // the deprecation message
	CreatedBy  string // the token's name or id
	CreatedAt  time.Time
	// ActivatedAt is when it last became the current version; zero never.
	ActivatedAt time.Time
}

// PackageFilter narrows ListPackageVersions; empty fields match all.
type PackageFilter struct {
	Status, Package string
}

// WorkflowVersion is one immutable version of a workflow.
type WorkflowVersion struct {
	Tenant   string
	Workflow string // the workflow id, from the URL
	Version  int    // 1, 2, ...
	// Source is the YAML, byte for byte.
	Source []byte
	// Packages is the server-side lock: what each custom node type resolved
	// to when the version was stored (JSON of map[string]weft.LockedPackage).
	Packages  json.RawMessage
	CreatedBy string
	CreatedAt time.Time
}

// Workflow is a workflow's summary.
type Workflow struct {
	Tenant        string
	ID            string
	LatestVersion int
	Archived      bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Run statuses.
const (
	RunQueued      = "queued"
	RunRunning     = "running"
	RunSuccess     = "success"
	RunFailure     = "failure"
	RunCanceled    = "canceled"
	RunInterrupted = "interrupted"
)

// Run is one run of a workflow version.
type Run struct {
	ID              string
	Tenant          string
	Workflow        string
	Version         int
	Status          string
	Inputs          json.RawMessage // a JSON object
	Blackboard      json.RawMessage // a JSON object, or nil until the run ends
	Error           string
	Packages        json.RawMessage // the lock the run started with
	IdempotencyKey  string          // "" for none; unique per tenant
	Trigger         string          // the trigger id that started it, "" for the API
	CreatedBy       string
	CancelRequested bool
	// Owner is the server process running it; LeaseUntil when that claim
	// lapses unless renewed.
	Owner      string
	LeaseUntil time.Time
	// Attempts counts how often a server started executing it (1 normally;
	// more after a resume).
	Attempts  int
	CreatedAt time.Time
	StartedAt time.Time // zero while queued
	EndedAt   time.Time // zero until it ends
}

// Ended reports whether status is a final one.
func Ended(status string) bool {
	switch status {
	case RunSuccess, RunFailure, RunCanceled, RunInterrupted:
		return true
	}
	return false
}

// RunFilter narrows ListRuns; empty fields match all.
type RunFilter struct {
	Workflow, Status string
}

// Event is one event of a run, numbered from 1 in the order it happened.
type Event struct {
	RunID string
	Seq   int64
	// Data is the event as the --trace writer writes it (a JSON object).
	Data json.RawMessage
}

// RunEnd is how a run ended, for Batch.
type RunEnd struct {
	Tenant, RunID string
	Status        string
	Error         string
	Blackboard    json.RawMessage
	// Packages, when not nil, replaces the run's Packages: the package
	// versions the run resolved when it started.
	Packages json.RawMessage
	EndedAt  time.Time
	// Owner must still hold the run; a run reclaimed by another server is
	// not overwritten (the end is dropped, and Commit says so with ErrConflict
	// only when nothing else in the batch failed).
	Owner string
}

// Batch is a group of writes committed in one transaction: events of many
// runs and the ends of runs, so that a busy server commits once per batch
// instead of once per event.
type Batch struct {
	Events []Event
	Ends   []RunEnd
}

// Secret is a tenant's secret; values are write-only through the API.
type Secret struct {
	Tenant    string
	Name      string
	Value     string
	ExpiresAt time.Time // zero: no expiry
	UpdatedAt time.Time
}

// Trigger types and overlap policies.
const (
	TriggerSchedule = "schedule"
	TriggerWebhook  = "webhook"
	OverlapSkip     = "skip"
	OverlapAllow    = "allow"
)

// Trigger starts runs of a workflow: on a cron schedule, or on a signed
// webhook call.
type Trigger struct {
	ID       string
	Tenant   string
	Workflow string
	Type     string
	Cron     string
	Timezone string
	Inputs   json.RawMessage // a JSON object; for schedules
	Overlap  string
	// Secret is the webhook's HMAC key (kept, since HMAC needs it).
	Secret    string
	NextFire  time.Time // schedules: when it fires next
	CreatedAt time.Time
}

// TrustedKey is a publisher key one tenant trusts for package signatures.
type TrustedKey struct {
	Tenant    string
	ID        string // the minisign key id, 16 hex digits
	PublicKey string // the minisign public key file's text
	Comment   string
	CreatedAt time.Time
}

// Store is everything the server keeps. Implementations are safe for
// concurrent use. Lists return the next page's cursor ("" on the last).
type Store interface {
	// Meta is a small key-value table for the server itself (the first
	// start's admin token, the schema version).
	GetMeta(ctx context.Context, key string) (string, error) // ErrNotFound
	// SetMetaIfAbsent sets key and reports true, or reports false when it
	// was set already (by this process or another).
	SetMetaIfAbsent(ctx context.Context, key, value string) (bool, error)

	CreateTenant(ctx context.Context, t *Tenant) error // ErrExists
	GetTenant(ctx context.Context, id string) (*Tenant, error)
	ListTenants(ctx context.Context, p Page) ([]*Tenant, string, error)

	CreateToken(ctx context.Context, t *Token) error
	// TokenByHash returns a valid (not revoked) token; ErrNotFound otherwise.
	TokenByHash(ctx context.Context, hash string) (*Token, error)
	GetToken(ctx context.Context, id string) (*Token, error)
	RevokeToken(ctx context.Context, id string, at time.Time) error

	// CreatePackageVersion stores a new version with its .weftpkg bytes.
	// The same tenant, package and version with the same digest returns
	// the stored one (created false); with another digest, ErrConflict.
	CreatePackageVersion(ctx context.Context, v *PackageVersion, blob []byte) (stored *PackageVersion, created bool, err error)
	GetPackageVersion(ctx context.Context, tenant, id string) (*PackageVersion, error)
	ListPackageVersions(ctx context.Context, tenant string, f PackageFilter, p Page) ([]*PackageVersion, string, error)
	// PackageVersions lists every version of one package, any status.
	PackageVersions(ctx context.Context, tenant, pkg string) ([]*PackageVersion, error)
	// Activate makes version id the package's current version (status
	// active) and the previous current one inactive, recording the
	// activation so that Rollback can return to it. ErrConflict unless id
	// is draft, inactive or deprecated.
	Activate(ctx context.Context, tenant, id string, at time.Time) (*PackageVersion, error)
	// Deprecate sets the current version's status to deprecated.
	// ErrConflict unless it is active.
	Deprecate(ctx context.Context, tenant, id, message string) (*PackageVersion, error)
	// Rollback makes the version that was current before the current one
	// current again; ErrConflict when there is none.
	Rollback(ctx context.Context, tenant, pkg string, at time.Time) (*PackageVersion, error)
	// Blob returns a package version's .weftpkg by digest, for any tenant
	// that has it (the caller checked the tenant already).
	Blob(ctx context.Context, digest string) ([]byte, error)
	// Generation increases with every package activation, deprecation or
	// rollback of any tenant (for caches of resolved workflows).
	Generation(ctx context.Context) (int64, error)

	// PutWorkflowVersion stores v as the workflow's next version and
	// returns it (created true), or returns the newest version unchanged
	// when its source equals v.Source (created false). An archived workflow
	// is unarchived by a Put, whether or not it stores a new version.
	PutWorkflowVersion(ctx context.Context, v *WorkflowVersion) (*WorkflowVersion, bool, error)
	// GetWorkflowVersion returns version n, or the newest for n == 0.
	GetWorkflowVersion(ctx context.Context, tenant, id string, n int) (*WorkflowVersion, error)
	GetWorkflow(ctx context.Context, tenant, id string) (*Workflow, error)
	ListWorkflows(ctx context.Context, tenant string, p Page) ([]*Workflow, string, error)
	// ListWorkflowVersions lists newest first.
	ListWorkflowVersions(ctx context.Context, tenant, id string, p Page) ([]*WorkflowVersion, string, error)
	ArchiveWorkflow(ctx context.Context, tenant, id string) error

	// CreateRun records a new run (status queued, or running when Owner is
	// set: claimed by its creator at once). With an idempotency key that
	// the tenant used before, it stores nothing and returns the earlier run
	// with created false.
	CreateRun(ctx context.Context, r *Run) (stored *Run, created bool, err error)
	GetRun(ctx context.Context, tenant, id string) (*Run, error)
	// ListRuns lists newest first.
	ListRuns(ctx context.Context, tenant string, f RunFilter, p Page) ([]*Run, string, error)
	// ClaimRuns moves up to n queued runs, oldest first, to running under
	// owner with the given lease, and returns them; two servers never
	// claim the same run. Attempts is incremented and StartedAt set. Runs
	// of skipTenants (at their concurrency bound) are left queued.
	ClaimRuns(ctx context.Context, owner string, n int, leaseUntil time.Time, skipTenants []string) ([]*Run, error)
	// ClaimExpired takes over up to n running runs whose lease ended before
	// now (their server died): the new owner gets them with a new lease.
	ClaimExpired(ctx context.Context, owner string, n int, now, leaseUntil time.Time) ([]*Run, error)
	// (A restarted single server passes a far-future now to take over
	// every running run at once: on SQLite no other server can hold one.)
	//
	// RenewLeases extends the lease of every running run of owner and
	// returns the ids among them whose cancel was requested.
	RenewLeases(ctx context.Context, owner string, leaseUntil time.Time) (cancel []string, err error)
	// RequestCancel marks a run for cancellation; a queued run ends
	// canceled at once (returned with its new status). ErrConflict when the
	// run has ended.
	RequestCancel(ctx context.Context, tenant, id string, at time.Time) (*Run, error)
	// ActiveRunsOfTrigger counts the trigger's runs that are queued or running.
	ActiveRunsOfTrigger(ctx context.Context, triggerID string) (int, error)
	// Commit writes a batch in one transaction. Ends that no longer apply
	// and events stored already are left out, the rest committed, and the
	// error is then a *CommitConflict (errors.Is ErrConflict); any other
	// error means nothing was written.
	Commit(ctx context.Context, b *Batch) error
	// Events returns a run's events with Seq > after, in order, at most
	// limit (none for limit <= 0).
	Events(ctx context.Context, tenant, runID string, after int64, limit int) ([]Event, error)
	// LastSeq is the highest event number of a run, 0 without events.
	LastSeq(ctx context.Context, runID string) (int64, error)

	PutSecret(ctx context.Context, s *Secret) error
	GetSecret(ctx context.Context, tenant, name string) (*Secret, error)
	// ListSecrets returns names and times, never values.
	ListSecrets(ctx context.Context, tenant string) ([]*Secret, error)
	DeleteSecret(ctx context.Context, tenant, name string) error

	CreateTrigger(ctx context.Context, t *Trigger) error
	// GetTrigger finds a trigger by id alone, for webhooks (no token).
	GetTrigger(ctx context.Context, id string) (*Trigger, error)
	ListTriggers(ctx context.Context, tenant, workflow string) ([]*Trigger, error)
	DeleteTrigger(ctx context.Context, tenant, id string) error
	// DueTriggers lists schedules whose NextFire is at or before now.
	DueTriggers(ctx context.Context, now time.Time) ([]*Trigger, error)
	// AdvanceTrigger sets a schedule's NextFire from prev to next and
	// reports whether this caller won (another server may have advanced
	// it first: then false, and the caller does not fire).
	AdvanceTrigger(ctx context.Context, id string, prev, next time.Time) (bool, error)

	PutTrustedKey(ctx context.Context, k *TrustedKey) error
	ListTrustedKeys(ctx context.Context, tenant string) ([]*TrustedKey, error)
	DeleteTrustedKey(ctx context.Context, tenant, id string) error

	Close() error
}
