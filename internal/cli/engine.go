// The engine every command uses, configured from the operator's
// environment: WEFT_HOME, the HTTP policy, host-call limits, signature
// policy and the script interpreters.

package cli

import (
	"context"
	"encoding/json"
	"os"
	"strconv"
	"strings"

	"github.com/weft-dev/weft"
)

// envTrue reports whether an environment variable is set to 1, true or yes.
func envTrue(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes":
		return true
	}
	return false
}

// engineConfig is the engine configuration the environment asks for:
// WEFT_HTTP_PUBLIC_ONLY, WEFT_HTTP_ALLOWED_HOSTS, WEFT_HOST_CALLS_PER_SECOND,
// WEFT_REQUIRE_SIGNATURES, WEFT_PYTHON (the python3 to run),
// WEFT_PYTHON_UNSANDBOXED and WEFT_CACHE_BYTES_PER_PACKAGE. Custom nodes'
// cache.* persists in $WEFT_HOME/cache.db (`weft serve` keeps its own in
// memory).
func (e *env) engineConfig(noJournal bool) weft.Config {
	return weft.Config{
		NoJournal:            noJournal,
		PersistentCache:      true,
		CacheBytesPerPackage: cacheBytesFromEnv(),
		Logger:               stderrLogger(e.stderr),
		HTTP:                 httpPolicyFromEnv(),
		HostCallsPerSecond:   hostCallRateFromEnv(),
		RequireSignatures:    envTrue("WEFT_REQUIRE_SIGNATURES"),
		Python:               weft.PythonConfig{Path: os.Getenv("WEFT_PYTHON"), Unsandboxed: envTrue("WEFT_PYTHON_UNSANDBOXED")},
	}
}

// newEngine returns an engine configured from the environment, and
// WEFT_PACKAGE_CONFIG: a JSON file {"PACKAGE_ID": {...}} of the config each
// package's weft_init receives (docs/abi.md, Lifecycle).
func (e *env) newEngine(ctx context.Context, noJournal bool) (*weft.Engine, error) {
	cfg := e.engineConfig(noJournal)
	if path := os.Getenv("WEFT_PACKAGE_CONFIG"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, badInput("WEFT_PACKAGE_CONFIG: %w", err)
		}
		if err := json.Unmarshal(data, &cfg.PackageConfig); err != nil {
			return nil, badInput("WEFT_PACKAGE_CONFIG %s: expected a JSON object of package ids to config objects: %v", path, err)
		}
	}
	return weft.New(ctx, cfg)
}

// cacheBytesFromEnv is WEFT_CACHE_BYTES_PER_PACKAGE, the cap of cache.* per
// tenant and package; unset or not a positive whole number: the default.
func cacheBytesFromEnv() int64 {
	v, err := strconv.ParseInt(os.Getenv("WEFT_CACHE_BYTES_PER_PACKAGE"), 10, 64)
	if err != nil || v < 0 {
		return 0
	}
	return v
}
