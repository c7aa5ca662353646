// Package atomicfile writes a file so that readers see it absent or whole,
// never half-written: the package store's blobs and the Temporal engine's
// blob store both write this way.
package atomicfile

import (
	"os"
	"path/filepath"
)

// Write writes data to path through a temporary file in the same folder,
// synced and then renamed over path.
//
//	err := atomicfile.Write(filepath.Join(dir, digest), data)
//
// # Errors
//
// The error of the step that failed (create, write, sync, close, rename);
// the temporary file is removed then.
func Write(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}
