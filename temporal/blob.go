// The blob store: where values too large for a Temporal history travel by
// reference (a blackboard, an HTTP body, a script's result over the
// inline limit), and where a workflow's source waits for the workers.

package temporal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/weft-dev/weft/internal/atomicfile"
)

// Blobs keeps content by its digest. Every worker and client of one
// Temporal namespace must see the same Blobs (a shared folder, an object
// store).
type Blobs interface {
	// Put stores data and returns its reference, "sha256:HEX".
	Put(ctx context.Context, data []byte) (string, error)
	// Get returns what Put stored under ref.
	Get(ctx context.Context, ref string) ([]byte, error)
}

// ErrBlobMissing is Get's error for a reference the store does not hold.
var ErrBlobMissing = errors.New("blob not found")

// DirBlobs is a Blobs in a folder (shared by the processes that use it):
// one file per blob, named by its digest, written atomically.
type DirBlobs struct{ Dir string }

var _ Blobs = DirBlobs{}

// Digest returns the reference of data.
func Digest(data []byte) string {
	sum := sha256.Sum256(data)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func (b DirBlobs) path(ref string) (string, error) {
	h, ok := strings.CutPrefix(ref, "sha256:")
	if !ok || len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		return "", fmt.Errorf("blob reference: expected sha256: and 64 hex digits, found %q", ref)
	}
	return filepath.Join(b.Dir, h[:2], h), nil
}

// Put writes data under its digest, once.
func (b DirBlobs) Put(_ context.Context, data []byte) (string, error) {
	ref := Digest(data)
	p, _ := b.path(ref)
	if _, err := os.Stat(p); err == nil {
		return ref, nil
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", fmt.Errorf("blob store: %w", err)
	}
	if err := atomicfile.Write(p, data); err != nil {
		return "", fmt.Errorf("blob store: %w", err)
	}
	return ref, nil
}

// Get reads the blob and checks its digest.
func (b DirBlobs) Get(_ context.Context, ref string) ([]byte, error) {
	p, err := b.path(ref)
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s in %s", ErrBlobMissing, ref, b.Dir)
	}
	if err != nil {
		return nil, fmt.Errorf("blob store: %w", err)
	}
	if Digest(data) != ref {
		return nil, fmt.Errorf("blob store: %s in %s does not match its digest", ref, b.Dir)
	}
	return data, nil
}
