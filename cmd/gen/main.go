// Command gen renders a fusegen graph file into a Python module of Triton
// kernels and their host wrapper.
//
//	gen [flags] GRAPH.json
//	gen templates export DIR
//	gen devices
//
// Exit status: 0 done; 1 -check found the output stale; 2 bad input or usage.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"unicode/utf8"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK    = 0
	exitStale = 1
	exitUsage = 2
)

// usageError marks errors that come from the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

// staleError marks a -check that found drift; the diff is already printed.
var errStale = errors.New("stale")

func run(args []string, stdout, stderr io.Writer) int {
	err := dispatch(args, stdout, stderr)
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, errStale):
		return exitStale
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	}
	fmt.Fprintf(stderr, "gen: %v\n", oneLine(err))
	return exitUsage
}

// stdin is what "gen -" reads (a variable for tests).
var stdin io.Reader = os.Stdin

// maxErrorBytes bounds an error line: a message that echoes a huge field
// is cut in the middle.
const maxErrorBytes = 600

// oneLine keeps error messages to a single line of at most maxErrorBytes,
// as the contract promises.
func oneLine(err error) string {
	b := []byte(err.Error())
	for i, c := range b {
		if c == '\n' || c == '\r' {
			b[i] = ' '
		}
	}
	if len(b) > maxErrorBytes {
		head, tail := b[:maxErrorBytes-120], b[len(b)-100:]
		b = append(append(append([]byte{}, validUTF8Prefix(head)...), []byte(fmt.Sprintf(" [... %d bytes cut ...] ", len(b)-len(head)-len(tail)))...), validUTF8Suffix(tail)...)
	}
	return string(b)
}

// validUTF8Prefix and validUTF8Suffix trim a cut that split a character.
func validUTF8Prefix(b []byte) []byte {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return b
}

func validUTF8Suffix(b []byte) []byte {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[1:]
	}
	return b
}

func dispatch(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		switch args[0] {
		case "templates":
			return templatesCmd(args[1:], stdout)
		case "devices":
			return devicesCmd(args[1:], stdout, stderr)
		case "help":
			if len(args) == 1 { // the usage, on standard output
				return generateCmd([]string{"-h"}, stdout, stdout)
			}
		}
	}
	return generateCmd(args, stdout, stderr)
}
