package fusegen

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/fusegen/fusegen/graphfile"
)

// FuzzGenerate checks that every graph the reader accepts also schedules,
// lowers and renders, for cuda and cpu, and renders the same bytes twice;
// the only refusals are a graph name the module reads and an extern op no
// template spells (one line each).
func FuzzGenerate(f *testing.F) {
	seeds, _ := filepath.Glob("golden/testdata/*/graph.json")
	examples, _ := filepath.Glob("examples/*.json")
	for _, p := range append(seeds, examples...) {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	// Extern calls: a linear, a matmul of a vector, and a raw extern node.
	f.Add([]byte(`{"version":1,"name":"m","inputs":[{"name":"x","dtype":"float32","shape":[2,3,4]},{"name":"w","dtype":"float32","shape":[5,4]}],"nodes":[{"name":"y","op":"linear","args":["x","w"]},{"name":"z","op":"matmul","args":["x","v"]},{"name":"v","op":"select","args":["w"],"dim":0,"index":1}],"outputs":["y","z"]}`))
	f.Add([]byte(`{"version":1,"name":"e","inputs":[{"name":"a","dtype":"float32","shape":[4,3]},{"name":"b","dtype":"float32","shape":[3,2]}],"nodes":[{"name":"y","kind":"extern","dtype":"float32","ranges":[4,2],"call":{"target":"nope","args":[{"buffer":"a","shape":[4,3],"strides":[3,1]},{"buffer":"b","shape":[3,2],"strides":[2,1]}]}}],"outputs":["y"]}`))
	// A node nothing reads (it once got a kernel with no pointer arguments).
	f.Add([]byte(`{"version":1,"name":"g","inputs":[{"name":"x","dtype":"float32","shape":[4]}],"nodes":[{"name":"c","kind":"pointwise","ranges":[4],"body":{"op":"constant","dtype":"float32","value":1}}],"outputs":["x"]}`))
	// An input named after a name call() reads.
	f.Add([]byte(`{"version":1,"name":"g","inputs":[{"name":"torch","dtype":"float32","shape":[4]}],"nodes":[{"name":"y","op":"neg","args":["torch"]}],"outputs":["y"]}`))
	gen, err := New()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := graphfile.Read(data); err != nil {
			return
		}
		for _, dev := range []string{"cuda", "cpu"} {
			a, err := gen.GenerateFile(data, Options{Device: dev})
			if err != nil && (strings.Contains(err.Error(), "reserved by") || strings.Contains(err.Error(), "no template defines extern/") ||
				strings.Contains(err.Error(), "is the size of no input dimension")) && !strings.Contains(err.Error(), "\n") {
				return // a graph name the module reads, an extern op no template spells, a symbol call() cannot read: refused in one line
			}
			if err != nil {
				t.Fatalf("a valid graph failed to generate for %s: %v", dev, err)
			}
			b, err := gen.GenerateFile(data, Options{Device: dev})
			if err != nil {
				t.Fatal(err)
			}
			for name, src := range a.Files {
				if !bytes.Equal(src, b.Files[name]) {
					t.Fatalf("%s: two generations differ", name)
				}
				if err := compilePython(src); err != nil {
					t.Fatalf("%s for %s does not compile as Python: %v", name, dev, err)
				}
			}
		}
	})
}

// compilePython compiles a module with Python's compile(), through one
// python3 process per test binary that reads length-prefixed sources; nil
// when python3 is missing (the fuzz target then checks the rest).
func compilePython(src []byte) error {
	pyOnce.Do(startPython)
	if py.in == nil {
		return nil
	}
	py.mu.Lock()
	defer py.mu.Unlock()
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(src)))
	if _, err := py.in.Write(append(n[:], src...)); err != nil {
		return fmt.Errorf("python3: %w", err)
	}
	line, err := py.out.ReadString('\n')
	if err != nil {
		return fmt.Errorf("python3: %w", err)
	}
	if line != "ok\n" {
		return errors.New(strings.TrimSpace(line))
	}
	return nil
}

var (
	pyOnce sync.Once
	py     struct {
		mu  sync.Mutex
		in  io.Writer
		out *bufio.Reader
	}
)

const pyCompiler = `
import sys
r, w = sys.stdin.buffer, sys.stdout
while True:
    n = r.read(8)
    if len(n) < 8:
        break
    src = r.read(int.from_bytes(n, "big"))
    try:
        compile(src, "module.py", "exec")
        w.write("ok\n")
    except SyntaxError as e:
        w.write("line %s: %s\n" % (e.lineno, e.msg))
    w.flush()
`

func startPython() {
	path, err := exec.LookPath("python3")
	if err != nil {
		return
	}
	cmd := exec.Command(path, "-c", pyCompiler)
	in, err := cmd.StdinPipe()
	if err != nil {
		return
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return
	}
	if cmd.Start() != nil {
		return
	}
	py.in, py.out = in, bufio.NewReader(out)
}

// The fuzz target's compile check tells valid Python from invalid.
func TestCompilePython(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	if err := compilePython([]byte("x = 1\n")); err != nil {
		t.Errorf("valid Python refused: %v", err)
	}
	if err := compilePython([]byte("run(1, , 4)\n")); err == nil {
		t.Error("invalid Python accepted")
	}
}
