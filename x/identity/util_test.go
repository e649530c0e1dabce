package identity_test

import (
	"encoding/base64"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/store"
)

type errsError = errs.Error

func vcEncode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }

func newMemKV() store.KV { return store.OpenMemory().Working() }
