package identity_test

import (
	"encoding/base64"

	"github.com/publica/publica/errs"
)

type errsError = errs.Error

func vcEncode(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
