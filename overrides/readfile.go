package overrides

import (
	"fmt"
	"io"
	"io/fs"
)

// MaxFileBytes bounds one template or data file of an overlay.
const MaxFileBytes = 1 << 20

// ReadFile reads one file of an overlay (or of the embedded set), whose
// directory entry has type typ: a regular file only, not a symbolic link
// (which could lead out of the overlay), a device or a FIFO (which could
// block or never end), and of at most MaxFileBytes. origin names it in
// errors.
func ReadFile(fsys fs.FS, rel string, typ fs.FileMode, origin string) ([]byte, error) {
	switch {
	case typ&fs.ModeSymlink != 0:
		return nil, fmt.Errorf("%s: a symbolic link; an overlay holds regular files only (copy the file in)", origin)
	case !typ.IsRegular():
		return nil, fmt.Errorf("%s: not a regular file (%v); an overlay holds regular files only", origin, typ)
	}
	f, err := fsys.Open(rel)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", origin, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", origin, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file (%v); an overlay holds regular files only", origin, fi.Mode().Type())
	}
	if fi.Size() > MaxFileBytes {
		return nil, fmt.Errorf("%s: %d bytes; a template or data file may have up to %d", origin, fi.Size(), MaxFileBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", origin, err)
	}
	if len(data) > MaxFileBytes {
		return nil, fmt.Errorf("%s: more than %d bytes; a template or data file may have up to %d", origin, MaxFileBytes, MaxFileBytes)
	}
	return data, nil
}
