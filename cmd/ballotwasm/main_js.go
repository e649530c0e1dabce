//go:build js && wasm

package main

import "syscall/js"

func register(name, op string) {
	js.Global().Set(name, js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 1 || args[0].Type() != js.TypeString {
			return string(handle(op, nil))
		}
		return string(handle(op, []byte(args[0].String())))
	}))
}

func main() {
	register("publicaEncryptBallot", "encrypt")
	register("publicaVerifyBallot", "verify")
	register("publicaAuditBallot", "audit")
	// publicaTrustee(op, requestJSON): one of trusteeOps.
	js.Global().Set("publicaTrustee", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) != 2 || args[0].Type() != js.TypeString || args[1].Type() != js.TypeString {
			return string(handleTrustee("", nil))
		}
		op := args[0].String()
		if !isTrusteeOp(op) {
			return string(handleTrustee("unknown", nil))
		}
		return string(handleTrustee(op, []byte(args[1].String())))
	}))
	select {} // keep the functions alive
}
