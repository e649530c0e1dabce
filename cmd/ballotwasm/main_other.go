//go:build !(js && wasm)

package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	op := "encrypt"
	if len(os.Args) > 1 {
		op = os.Args[1]
	}
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Stdout.Write(append(handle(op, in), '\n'))
}
