//go:build js && wasm

package main

import "syscall/js"

func main() {
	js.Global().Set("publicaPresent", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return string(handle(nil))
		}
		return string(handle([]byte(args[0].String())))
	}))
	select {} // keep the function alive
}
