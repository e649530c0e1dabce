// Package errs defines coded errors that become ABCI result codes.
//
// Codes are part of the chain's consensus (Code is hashed into the next
// header), so a code once published never changes meaning. Each module owns
// a codespace named after it; the transaction envelope owns "publica".
package errs

import (
	"errors"
	"fmt"
)

// Error is a stable (codespace, code) pair with a human description.
type Error struct {
	Codespace string
	Code      uint32
	Desc      string
}

func (e *Error) Error() string { return e.Desc }

// Wrapf returns an error that matches e with errors.Is and carries detail.
func (e *Error) Wrapf(format string, args ...any) error {
	return &wrapped{base: e, detail: fmt.Sprintf(format, args...)}
}

// Wrap returns an error that matches e and carries cause's text.
func (e *Error) Wrap(cause error) error {
	return &wrapped{base: e, detail: cause.Error()}
}

type wrapped struct {
	base   *Error
	detail string
}

func (w *wrapped) Error() string { return w.base.Desc + ": " + w.detail }
func (w *wrapped) Unwrap() error { return w.base }

var registry = map[string]map[uint32]*Error{}

// Register declares a new stable error. It panics at start-up on a duplicate
// code, which is a programming error, never an input error.
func Register(codespace string, code uint32, desc string) *Error {
	if code == 0 {
		panic("errs: code 0 means success")
	}
	space := registry[codespace]
	if space == nil {
		space = map[uint32]*Error{}
		registry[codespace] = space
	}
	if old, dup := space[code]; dup {
		panic(fmt.Sprintf("errs: %s/%d registered twice (%q, %q)", codespace, code, old.Desc, desc))
	}
	e := &Error{Codespace: codespace, Code: code, Desc: desc}
	space[code] = e
	return e
}

// Lookup finds a registered error, for clients that decode results.
func Lookup(codespace string, code uint32) (*Error, bool) {
	e, ok := registry[codespace][code]
	return e, ok
}

// ABCIInfo maps any error to (codespace, code, log). Errors that are not
// registered become Internal: they indicate a bug, never user input.
func ABCIInfo(err error) (codespace string, code uint32, log string) {
	var e *Error
	if errors.As(err, &e) {
		return e.Codespace, e.Code, err.Error()
	}
	return Internal.Codespace, Internal.Code, "internal error: " + err.Error()
}

// Codes of the "publica" codespace: the transaction envelope and routing.
const Codespace = "publica"

var (
	Undecodable    = Register(Codespace, 2, "transaction cannot be decoded")
	WrongChain     = Register(Codespace, 3, "transaction is for another chain")
	Expired        = Register(Codespace, 4, "transaction has expired")
	BadSignature   = Register(Codespace, 5, "signature verification failed")
	BadSequence    = Register(Codespace, 6, "wrong account sequence")
	UnknownMsgType = Register(Codespace, 7, "unknown message type")
	InvalidMsg     = Register(Codespace, 8, "invalid message")
	Unauthorized   = Register(Codespace, 9, "unauthorized")
	UnknownAccount = Register(Codespace, 10, "unknown account")
	TxTooLarge     = Register(Codespace, 11, "transaction too large")
	// MempoolQuota and NeedsWork come from a node's admission policy
	// (CheckTx only): they never appear in a block's results.
	MempoolQuota = Register(Codespace, 12, "mempool quota reached")
	NeedsWork    = Register(Codespace, 13, "registration needs more proof of work")
	Internal     = Register(Codespace, 1, "internal error")
)
