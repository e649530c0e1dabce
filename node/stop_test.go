package node_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
)

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A clean stop logs nothing at error level (publica start's default log
// level shows only errors, so any line would look like a failure).
func TestCleanStopLogsNoError(t *testing.T) {
	home := testnode.InitHome(t)
	for _, level := range []string{"*:error", "info"} {
		var logs syncBuffer
		n, err := node.Start(home, node.Options{Store: store.DefaultOptions(), Log: &logs, LogLevel: level})
		if err != nil {
			t.Fatal(err)
		}
		c, err := client.New(n.RPCAddress())
		if err != nil {
			t.Fatal(err)
		}
		testnode.WaitHeight(t, c, n.App.Store().Version()+2)
		if err := n.Stop(); err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.HasPrefix(line, "E[") {
				t.Errorf("log level %s: error line on a clean stop: %s", level, line)
			}
		}
		if level == "info" && !strings.Contains(logs.String(), "Stopped accept routine") {
			t.Errorf("the accept routine's stop is no longer logged at info level:\n%s", logs.String())
		}
	}
}
