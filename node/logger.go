package node

import (
	"errors"
	"fmt"
	"net"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// watchLogger sits in front of CometBFT's logger. It turns what CometBFT
// logs into node health: a consensus failure becomes a fault that
// /healthz reports, since CometBFT itself stays up with its height frozen.
// And it logs at info level the errors CometBFT reports on every clean
// stop (its listeners closing under their accept loops), so a stop that
// went well shows no error.
type watchLogger struct {
	next  cmtlog.Logger
	fault func(error)
}

func (l watchLogger) Debug(msg string, kv ...any) { l.next.Debug(msg, kv...) }
func (l watchLogger) Info(msg string, kv ...any)  { l.next.Info(msg, kv...) }

func (l watchLogger) Error(msg string, kv ...any) {
	if msg == "CONSENSUS FAILURE!!!" {
		l.fault(fmt.Errorf("%w: %v", errConsensusHalted, logValue(kv, "err")))
	}
	if stopNoise(msg, kv) {
		l.next.Info(msg, kv...)
		return
	}
	l.next.Error(msg, kv...)
}

// stopNoise reports whether an error CometBFT logs is only its listeners
// being closed by a stop: the RPC server's accept loop ("Error serving
// server ... use of closed network connection") and the p2p switch's
// ("Stopped accept routine, as transport is closed").
func stopNoise(msg string, kv []any) bool {
	switch msg {
	case "Stopped accept routine, as transport is closed":
		return true
	case "Error serving server", "Error serving server with TLS":
		err, ok := logValue(kv, "err").(error)
		return ok && errors.Is(err, net.ErrClosed)
	}
	return false
}

func (l watchLogger) With(kv ...any) cmtlog.Logger {
	return watchLogger{next: l.next.With(kv...), fault: l.fault}
}

// logValue is the value logged under key, or nil.
func logValue(kv []any, key string) any {
	for i := 0; i+1 < len(kv); i += 2 {
		if k, ok := kv[i].(string); ok && k == key {
			return kv[i+1]
		}
	}
	return nil
}
