package main

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
)

// An output path is written as its kind wants:
//   - a regular file (or none yet): atomically, through a temporary file in
//     its folder and a rename, keeping an existing file's mode (a new one is
//     0644); a file whose content would not change is left alone;
//   - a symlink: its target, followed to the end, as above, so the link
//     stays a link;
//   - a character device (/dev/null, /dev/stdout, a terminal): in place,
//     never renamed over;
//   - anything else (a FIFO, which would block, a folder, a socket):
//     refused with one line.

// outputKind says how writeOutput writes a path.
type outputKind int

const (
	outputRegular outputKind = iota // a regular file, or a new one
	outputDevice                    // a character device, written in place
)

// resolveOutput follows symlinks and says what path (the final target) is.
func resolveOutput(path string) (string, outputKind, fs.FileMode, error) {
	target := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		t, err := filepath.EvalSymlinks(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				// A dangling link: write the file it names.
				if t, err = os.Readlink(path); err == nil {
					if !filepath.IsAbs(t) {
						t = filepath.Join(filepath.Dir(path), t)
					}
					return t, outputRegular, 0o644, nil
				}
			}
			return "", 0, 0, fmt.Errorf("%s: %w", path, err)
		}
		target = t
	}
	fi, err := os.Stat(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return target, outputRegular, 0o644, nil
	case err != nil:
		return "", 0, 0, fmt.Errorf("%s: %w", path, err)
	case fi.Mode().IsRegular():
		return target, outputRegular, fi.Mode().Perm(), nil
	case fi.Mode()&fs.ModeCharDevice != 0:
		return target, outputDevice, 0, nil
	case fi.IsDir():
		return "", 0, 0, fmt.Errorf("%s is a directory, not a file to write", path)
	case fi.Mode()&fs.ModeNamedPipe != 0:
		return "", 0, 0, fmt.Errorf("%s is a FIFO: writing it would wait for a reader; give a regular file (or read the module from standard output)", path)
	}
	return "", 0, 0, fmt.Errorf("%s is neither a regular file nor a character device (mode %v)", path, fi.Mode().Type())
}

// writeOutput writes data to path (see above).
func writeOutput(path string, data []byte) error {
	target, kind, mode, err := resolveOutput(path)
	if err != nil {
		return fmt.Errorf("write %w", err)
	}
	if kind == outputDevice {
		f, err := os.OpenFile(target, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("write %s: %w", path, err)
		}
		_, werr := f.Write(data)
		if cerr := f.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("write %s: %w", path, werr)
		}
		return nil
	}
	if old, err := os.ReadFile(target); err == nil && bytes.Equal(old, data) {
		return nil
	}
	// The temporary name does not grow with the output's: a name of 250
	// bytes, legal for the file, would be too long for a longer one.
	tmp, err := os.CreateTemp(filepath.Dir(target), ".gen-*.tmp")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	name := tmp.Name()
	pending.add(name)
	defer pending.remove(name)
	_, werr := tmp.Write(data)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Chmod(name, mode)
	}
	if werr == nil {
		werr = os.Rename(name, target)
	}
	if werr != nil {
		os.Remove(name)
		return fmt.Errorf("write %s: %w", path, werr)
	}
	return nil
}

// readForCheck reads the file -check compares with: a regular file (or a
// link to one), or nothing when it does not exist yet.
func readForCheck(path string) ([]byte, error) {
	target, kind, _, err := resolveOutput(path)
	if err != nil {
		return nil, fmt.Errorf("check %w", err)
	}
	if kind != outputRegular {
		return nil, fmt.Errorf("check %s: -check compares with a regular file, and %s is a device", path, path)
	}
	old, err := os.ReadFile(target)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("check %s: %w", path, err)
	}
	return old, nil
}

// pending holds the temporary files being written, which an interrupt
// removes before the process ends.
var pending = &tempFiles{names: map[string]bool{}}

type tempFiles struct {
	mu    sync.Mutex
	names map[string]bool
	once  sync.Once
}

func (t *tempFiles) add(name string) {
	t.once.Do(func() {
		c := make(chan os.Signal, 1)
		signal.Notify(c, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
		go func() {
			s := <-c
			t.mu.Lock()
			for n := range t.names {
				os.Remove(n)
			}
			t.mu.Unlock()
			fmt.Fprintf(os.Stderr, "gen: %v: stopped, nothing written\n", s)
			os.Exit(2)
		}()
	})
	t.mu.Lock()
	t.names[name] = true
	t.mu.Unlock()
}

func (t *tempFiles) remove(name string) {
	t.mu.Lock()
	delete(t.names, name)
	t.mu.Unlock()
}
