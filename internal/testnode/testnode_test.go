package testnode

import (
	"net"
	"strings"
	"testing"

	"github.com/publica/publica/node"
)

// TestStartWhenItsPortIsTaken: a home whose RPC port another process took
// after the home was made still starts, on new ports, and serves.
func TestStartWhenItsPortIsTaken(t *testing.T) {
	home := InitHome(t)
	conf, err := node.LoadConfig(home)
	if err != nil {
		t.Fatal(err)
	}
	taken := strings.TrimPrefix(conf.RPC.ListenAddress, "tcp://")
	l, err := net.Listen("tcp", taken)
	if err != nil {
		t.Fatalf("take %s: %v", taken, err)
	}
	defer l.Close()
	n, c := Start(t, home)
	if got := strings.TrimPrefix(n.RPCAddress(), "tcp://"); got == taken {
		t.Fatalf("the node claims the taken address %s", taken)
	}
	WaitHeight(t, c, 2)
}
