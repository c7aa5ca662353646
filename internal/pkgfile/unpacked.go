// Unpacked copies of a .weftpkg: the files ReadArchive read from it, stored
// uncompressed with a checksum each, so that a package store can load an
// installed package without decompressing (and hashing) its archive on
// every run.

package pkgfile

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"io"
	"strings"
)

// unpackedMagic starts every unpacked copy; a new layout gets a new one.
const unpackedMagic = "weft-unpacked-1\n"

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Unpack reads a .weftpkg from r exactly as LoadArchive does and also
// returns the archive's files in the unpacked form LoadUnpacked reads.
//
// # Errors
//
// As LoadArchive.
func Unpack(source string, r io.Reader) (*Package, []byte, error) {
	p, a, err := loadArchive(source, r)
	if err != nil {
		return nil, nil, err
	}
	return p, encodeUnpacked(p.Digest, a), nil
}

// encodeUnpacked lays out an archive's files:
//
//	"weft-unpacked-1\n"
//	digest "\n"                                  the .weftpkg's, sha256:<hex>
//	uvarint count
//	count times: uvarint len(name), name, uvarint size, sha256 (32 bytes),
//	             crc32c (4 bytes LE)
//	crc32c of everything above (4 bytes LE)
//	the files' contents, in the same order, nothing after
func encodeUnpacked(digest string, a *Archive) []byte {
	size := len(unpackedMagic) + len(digest) + 1 + 2*binary.MaxVarintLen64 + 4
	for _, name := range a.Names {
		size += len(name) + 2*binary.MaxVarintLen64 + sha256.Size + 4 + len(a.Files[name])
	}
	out := make([]byte, 0, size)
	out = append(out, unpackedMagic...)
	out = append(out, digest...)
	out = append(out, '\n')
	out = binary.AppendUvarint(out, uint64(len(a.Names)))
	for _, name := range a.Names {
		data := a.Files[name]
		out = binary.AppendUvarint(out, uint64(len(name)))
		out = append(out, name...)
		out = binary.AppendUvarint(out, uint64(len(data)))
		sum := sha256.Sum256(data)
		out = append(out, sum[:]...)
		out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(data, castagnoli))
	}
	out = binary.LittleEndian.AppendUint32(out, crc32.Checksum(out, castagnoli))
	for _, name := range a.Names {
		out = append(out, a.Files[name]...)
	}
	return out
}

// LoadUnpacked makes the Package of an unpacked copy (what Unpack
// returned), as LoadArchive made it from the .weftpkg; its Digest is the
// .weftpkg's, as recorded in the copy. The files' contents are slices of
// data, which the caller must not change afterwards. ModuleDigests is
// set from the SHA-256 sums the copy recorded when it was made.
//
// # Errors
//
// ErrFormat when data is not a whole, intact unpacked copy (a checksum,
// size or name does not match); otherwise as LoadArchive.
//
// # Notes
//
// The checksums (CRC-32C) detect accidental damage (a torn or truncated
// write, a flipped bit), not deliberate changes: whoever can write the
// copy can write a matching checksum. Callers keep the copy where only
// the user running weft can write, as they keep compiled code.
func LoadUnpacked(source string, data []byte) (*Package, error) {
	bad := func(what string, args ...any) error {
		return fmt.Errorf("%w: unpacked copy of %s: %s", ErrFormat, source, fmt.Sprintf(what, args...))
	}
	rest, ok := bytes.CutPrefix(data, []byte(unpackedMagic))
	if !ok {
		return nil, bad("no %q header", strings.TrimSpace(unpackedMagic))
	}
	nl := bytes.IndexByte(rest, '\n')
	if nl != len("sha256:")+64 || !bytes.HasPrefix(rest, []byte("sha256:")) {
		return nil, bad("no digest")
	}
	digest := string(rest[:nl])
	rest = rest[nl+1:]
	uvarint := func() (uint64, bool) {
		v, n := binary.Uvarint(rest)
		if n <= 0 {
			return 0, false
		}
		rest = rest[n:]
		return v, true
	}
	count, ok := uvarint()
	if !ok || count > uint64(DefaultLimits.MaxEntries) {
		return nil, bad("bad file count")
	}
	type entry struct {
		name string
		size uint64
		sha  []byte
		sum  uint32
	}
	entries := make([]entry, 0, count)
	var total uint64
	for range count {
		n, ok := uvarint()
		if !ok || n == 0 || n > 4096 || n > uint64(len(rest)) {
			return nil, bad("bad file name")
		}
		name := string(rest[:n])
		rest = rest[n:]
		size, ok := uvarint()
		if !ok || size > uint64(len(data)) || len(rest) < sha256.Size+4 {
			return nil, bad("bad size of %q", name)
		}
		entries = append(entries, entry{name, size, rest[:sha256.Size], binary.LittleEndian.Uint32(rest[sha256.Size:])})
		rest = rest[sha256.Size+4:]
		total += size
	}
	if len(rest) < 4 {
		return nil, bad("truncated header")
	}
	header := data[:len(data)-len(rest)]
	if crc32.Checksum(header, castagnoli) != binary.LittleEndian.Uint32(rest) {
		return nil, bad("header checksum mismatch")
	}
	rest = rest[4:]
	if total != uint64(len(rest)) {
		return nil, bad("%d bytes of contents; the header lists %d", len(rest), total)
	}
	a := &Archive{Files: make(map[string][]byte, len(entries)), Names: make([]string, 0, len(entries))}
	seen := map[string]bool{}
	for _, e := range entries {
		if err := CheckEntryName(e.name); err != nil {
			return nil, bad("%v", err)
		}
		if key := strings.ToLower(e.name); seen[key] {
			return nil, bad("%q appears twice", e.name)
		} else {
			seen[key] = true
		}
		content := rest[:e.size:e.size]
		rest = rest[e.size:]
		if crc32.Checksum(content, castagnoli) != e.sum {
			return nil, bad("%s: checksum mismatch", e.name)
		}
		a.Files[e.name] = content
		a.Names = append(a.Names, e.name)
	}
	p, err := fromArchive(source, a, digest)
	if err != nil {
		return nil, err
	}
	p.ModuleDigests = make(map[string]string, len(p.Modules))
	for _, e := range entries {
		if _, ok := p.Modules[e.name]; ok {
			p.ModuleDigests[e.name] = hex.EncodeToString(e.sha)
		}
	}
	return p, nil
}
