package identity

import (
	"errors"

	"github.com/publica/publica/x/authority"
)

func errorsIsAccountExists(err error) bool { return errors.Is(err, authority.ErrAccountExists) }
