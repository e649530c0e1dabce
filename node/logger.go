package node

import (
	"fmt"

	cmtlog "github.com/cometbft/cometbft/libs/log"
)

// watchLogger sits in front of CometBFT's logger and turns what it logs
// into node health: a consensus failure becomes a fault that /healthz
// reports, since CometBFT itself stays up with its height frozen.
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
	l.next.Error(msg, kv...)
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
