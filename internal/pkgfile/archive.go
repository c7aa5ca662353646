// Reading a .weftpkg (a gzip-compressed tar) safely: every entry is checked
// against the package layout and the size limits before it is read, the
// whole archive is read into memory (nothing is ever written to disk), and
// decompression is metered so that a small file cannot expand into a huge
// one.

package pkgfile

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/weft-dev/weft/internal/manifest"
)

// Limits bound what ReadArchive accepts.
type Limits struct {
	MaxManifest int64 // manifest.toml
	MaxModule   int64 // each .wasm module
	MaxOther    int64 // README.md and each icon
	MaxTotal    int64 // the sum of all entries, and the compressed file
	MaxEntries  int   // entries, directories included
	// MaxRatio bounds decompressed / compressed bytes once more than
	// RatioFloor bytes have been decompressed.
	MaxRatio   int64
	RatioFloor int64
}

// DefaultLimits are the limits Load uses.
var DefaultLimits = Limits{
	MaxManifest: 1 << 20,
	MaxModule:   256 << 20,
	MaxOther:    4 << 20,
	MaxTotal:    512 << 20,
	MaxEntries:  1000,
	MaxRatio:    100,
	RatioFloor:  8 << 20,
}

// Archive is the content of a package file.
type Archive struct {
	// Files maps each regular file's name (a path inside the package, "/"
	// separated) to its content.
	Files map[string][]byte
	// Names lists the files in archive order.
	Names []string
}

// SourceDir holds a TypeScript node's source in its package, for review.
const SourceDir = "src/"

// sourceExts are the file types allowed under src/.
var sourceExts = []string{".ts", ".mts", ".js", ".json", ".md"}

// iconExts are the file types allowed under icons/.
var iconExts = []string{".png", ".svg", ".jpg", ".jpeg", ".webp", ".gif", ".ico"}

// CheckEntryName checks that name may appear in a package file:
// "manifest.toml", "README.md", a module path ending in ".wasm" (see
// manifest.CheckModulePath), a script ending in ".js" (a TypeScript node's
// bundle, manifest.CheckScriptPath), a source under "src/" (.ts, .mts, .js,
// .json or .md), or a file under "icons/" of type png, svg, jpg, jpeg,
// webp, gif or ico. Directory entries ("icons/", "build/") are
// checked by ReadArchive, not here.
//
// # Errors
//
// An error wrapping ErrUnsafe that says what is wrong with the name.
func CheckEntryName(name string) error {
	switch {
	case name == "manifest.toml" || name == "README.md":
		return nil
	case strings.HasSuffix(name, ".wasm"):
		if err := manifest.CheckModulePath(name); err != nil {
			return fmt.Errorf("%w: %v", ErrUnsafe, err)
		}
		return nil
	case strings.HasPrefix(name, SourceDir):
		if p := segmentsProblem(name); p != "" {
			return fmt.Errorf("%w: %s", ErrUnsafe, p)
		}
		if !slices.Contains(sourceExts, path.Ext(name)) {
			return fmt.Errorf("%w: not part of a package: sources under %s must be %s files", ErrUnsafe, SourceDir, strings.Join(sourceExts, ", "))
		}
		return nil
	case strings.HasSuffix(name, ".js"):
		if err := manifest.CheckScriptPath(name); err != nil {
			return fmt.Errorf("%w: %v", ErrUnsafe, err)
		}
		return nil
	case strings.HasPrefix(name, "icons/"):
		if p := segmentsProblem(name); p != "" {
			return fmt.Errorf("%w: %s", ErrUnsafe, p)
		}
		ext := strings.ToLower(path.Ext(name))
		for _, ok := range iconExts {
			if ext == ok {
				return nil
			}
		}
		return fmt.Errorf("%w: icons must be %s files", ErrUnsafe, strings.Join(iconExts, ", "))
	}
	if p := segmentsProblem(name); p != "" {
		return fmt.Errorf("%w: %s", ErrUnsafe, p)
	}
	return fmt.Errorf("%w: not part of a package (a package holds manifest.toml, .wasm modules or a .js script, README.md, src/ and icons/)", ErrUnsafe)
}

// segmentsProblem checks a relative "/"-separated path, as
// manifest.CheckModulePath does for modules.
func segmentsProblem(name string) string {
	switch {
	case name == "":
		return "empty name"
	case len(name) > 255:
		return "name longer than 255 bytes"
	case name[0] == '/':
		return "absolute path"
	case strings.Contains(name, `\`):
		return `'\' in the name`
	}
	for _, seg := range strings.Split(name, "/") {
		switch seg {
		case "":
			return "empty path segment"
		case ".", "..":
			return fmt.Sprintf("%q path segment", seg)
		}
		for i := 0; i < len(seg); i++ {
			if c := seg[i]; !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
				return fmt.Sprintf("character %q in the name", rune(c))
			}
		}
	}
	return ""
}

// ReadArchive reads a package file (gzip-compressed tar) from r into memory,
// refusing anything a package built by weft would not hold.
//
//	a, err := pkgfile.ReadArchive(f, pkgfile.DefaultLimits)
//	manifestData := a.Files["manifest.toml"]
//
// Refused: entries other than regular files and directories (links,
// devices, FIFOs, sparse files, ...); names that are absolute, contain "..",
// or are outside the package layout (see CheckEntryName); the same name
// twice (also differing only in case, or with a leading "./"); entries over
// the size limits; more entries, more bytes, or a higher compression ratio
// than lim allows; data after the end of the archive other than tar's zero
// padding; a corrupt gzip stream. A leading "./" on names is accepted and
// removed.
//
// # Errors
//
// ErrUnsafe (a refused entry), ErrTooLarge (a limit) or ErrFormat (not a
// gzip-compressed tar), wrapped with the entry's name.
func ReadArchive(r io.Reader, lim Limits) (*Archive, error) {
	src := &meter{r: r, limit: lim.MaxTotal, what: "the file"}
	gz, err := gzip.NewReader(src)
	if err != nil {
		var le *limitError
		if errors.As(err, &le) {
			return nil, le
		}
		return nil, fmt.Errorf("%w: not gzip-compressed: %v", ErrFormat, err)
	}
	// Tar headers and padding add to the entries: allow 1 MiB for them.
	out := &meter{r: gz, limit: lim.MaxTotal + 1<<20, what: "the decompressed archive", src: src, ratio: lim.MaxRatio, floor: lim.RatioFloor}
	tr := tar.NewReader(out)
	a := &Archive{Files: map[string][]byte{}}
	seen := map[string]string{} // lower-cased name -> name
	var total int64
	entries := 0
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readError("", err)
		}
		if entries++; entries > lim.MaxEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrTooLarge, lim.MaxEntries)
		}
		name := strings.TrimPrefix(hdr.Name, "./")
		switch hdr.Typeflag {
		case tar.TypeDir:
			dir := strings.TrimSuffix(name, "/")
			if dir == "" || dir == "." {
				continue // the archive's root, "./"
			}
			if p := segmentsProblem(dir); p != "" {
				return nil, fmt.Errorf("%w: directory %q: %s", ErrUnsafe, hdr.Name, p)
			}
			continue
		case tar.TypeReg:
		case tar.TypeSymlink, tar.TypeLink:
			return nil, fmt.Errorf("%w: entry %q is a link (to %q); packages hold regular files only", ErrUnsafe, hdr.Name, hdr.Linkname)
		default:
			return nil, fmt.Errorf("%w: entry %q is a %s; packages hold regular files only", ErrUnsafe, hdr.Name, typeName(hdr.Typeflag))
		}
		if err := CheckEntryName(name); err != nil {
			return nil, fmt.Errorf("entry %q: %w", hdr.Name, err)
		}
		key := strings.ToLower(name)
		if first, dup := seen[key]; dup {
			return nil, fmt.Errorf("%w: entry %q appears twice (also as %q)", ErrUnsafe, hdr.Name, first)
		}
		seen[key] = hdr.Name
		max := lim.MaxOther
		switch {
		case name == "manifest.toml":
			max = lim.MaxManifest
		case strings.HasSuffix(name, ".wasm") || strings.HasSuffix(name, ".js") && !strings.HasPrefix(name, SourceDir):
			max = lim.MaxModule
		}
		if hdr.Size > max {
			return nil, fmt.Errorf("%w: entry %q is %d bytes, over the %d-byte limit", ErrTooLarge, hdr.Name, hdr.Size, max)
		}
		if total += hdr.Size; total > lim.MaxTotal {
			return nil, fmt.Errorf("%w: entries add up to more than %d bytes", ErrTooLarge, lim.MaxTotal)
		}
		data, err := readEntry(tr, hdr.Size)
		if err != nil {
			return nil, readError(hdr.Name, err)
		}
		a.Files[name] = data
		a.Names = append(a.Names, name)
	}
	// The rest of the stream must be tar's zero padding; reading it to the
	// end also makes gzip check its CRC and size.
	var buf [4096]byte
	for {
		n, err := out.Read(buf[:])
		for _, c := range buf[:n] {
			if c != 0 {
				return nil, fmt.Errorf("%w: data after the end of the archive", ErrUnsafe)
			}
		}
		if err == io.EOF {
			break
		}
		var le *limitError
		switch {
		case errors.As(err, &le):
			return nil, le
		case errors.Is(err, gzip.ErrChecksum):
			return nil, fmt.Errorf("%w: %v (the file is corrupt)", ErrFormat, err)
		case err != nil:
			return nil, fmt.Errorf("%w: data after the end of the gzip stream (%v)", ErrFormat, err)
		}
	}
	return a, nil
}

// readEntry reads an entry of the given size, growing its buffer with the
// data that actually arrives (never past size) rather than trusting the
// header for one big allocation.
func readEntry(r io.Reader, size int64) ([]byte, error) {
	data := make([]byte, 0, min(size, 1<<20))
	for int64(len(data)) < size {
		if len(data) == cap(data) {
			grown := make([]byte, len(data), min(size, 2*int64(cap(data))))
			copy(grown, data)
			data = grown
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			if int64(len(data)) < size {
				return nil, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return data, nil
}

// readError classifies an error met while reading the stream.
func readError(entry string, err error) error {
	where := ""
	if entry != "" {
		where = fmt.Sprintf("entry %q: ", entry)
	}
	var lim *limitError
	switch {
	case errors.As(err, &lim):
		return fmt.Errorf("%s%w", where, lim)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %struncated archive", ErrFormat, where)
	}
	return fmt.Errorf("%w: %s%v", ErrFormat, where, err)
}

// limitError is a limit a meter hit.
type limitError struct{ msg string }

func (e *limitError) Error() string { return e.msg }
func (e *limitError) Unwrap() error { return ErrTooLarge }

// meter counts the bytes read through it and fails once more than limit
// have been read, or, with src set (the decompressed side), once it has
// read more than ratio times what src read, past floor bytes.
type meter struct {
	r     io.Reader
	n     int64
	limit int64
	what  string // for messages: "the file", "the decompressed archive"
	src   *meter
	ratio int64
	floor int64
}

func (m *meter) Read(p []byte) (int, error) {
	n, err := m.r.Read(p)
	m.n += int64(n)
	if m.n > m.limit {
		return n, &limitError{fmt.Sprintf("%s is larger than %d bytes", m.what, m.limit)}
	}
	if m.src != nil && m.n > m.floor && m.n > m.ratio*max(m.src.n, 1) {
		return n, &limitError{fmt.Sprintf("the archive expands more than %d times (%d bytes from %d): refused as a likely decompression bomb",
			m.ratio, m.n, m.src.n)}
	}
	return n, err
}

// typeName names a tar entry type in messages.
func typeName(t byte) string {
	switch t {
	case tar.TypeChar:
		return "character device"
	case tar.TypeBlock:
		return "block device"
	case tar.TypeFifo:
		return "FIFO"
	case tar.TypeCont:
		return "contiguous file"
	case tar.TypeGNUSparse:
		return "sparse file"
	case tar.TypeXGlobalHeader:
		return "global PAX header"
	}
	return fmt.Sprintf("entry of type %q", t)
}

// sortedNames returns the keys of files, sorted.
func sortedNames(files map[string][]byte) []string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
