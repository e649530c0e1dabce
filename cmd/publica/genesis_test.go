package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	cmtjson "github.com/cometbft/cometbft/libs/json"
	"github.com/cometbft/cometbft/p2p"
	"github.com/cometbft/cometbft/privval"
	"github.com/cometbft/cometbft/types"

	"github.com/publica/publica/client"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/keys"
	"github.com/publica/publica/node"
	"github.com/publica/publica/store"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// agencyHome is one agency's machine in the ceremony test.
type agencyHome struct {
	name, home, passFile string
	rpc                  string // tcp://127.0.0.1:port
	p2p                  string // 127.0.0.1:port
}

// newAgency runs `publica genesis agency` in a home of its own and returns
// where its exported file went.
func newAgency(t *testing.T, name, exchange string) agencyHome {
	t.Helper()
	a := agencyHome{name: name, home: testnode.TempHome(t), rpc: "tcp://" + testnode.FreeAddr(t), p2p: testnode.FreeAddr(t)}
	a.passFile = filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(a.passFile, []byte("correct horse "+name+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := mustCLI(t, a.home, "genesis", "agency", name, "--address", a.p2p, "--p2p", "tcp://"+a.p2p,
		"--rpc", a.rpc, "--metrics", "off", // not needed here
		"--block-interval", "200ms", "--empty-block-interval", "300ms",
		"--passphrase-file", a.passFile, "--out", filepath.Join(exchange, name+".agency.json"))
	if !strings.Contains(out, "public keys only") {
		t.Fatalf("agency output:\n%s", out)
	}
	return a
}

// privateKeys are every private key an agency's home holds (validator,
// node and authority keys), each as a seed and as a whole key.
func (a agencyHome) privateKeys(t *testing.T) [][]byte {
	t.Helper()
	conf, err := node.LoadConfig(a.home)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(conf.PrivValidatorKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	var pv privval.FilePVKey
	if err := cmtjson.Unmarshal(b, &pv); err != nil {
		t.Fatal(err)
	}
	nk, err := p2p.LoadNodeKey(conf.NodeKeyFile())
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := os.ReadFile(a.passFile)
	ks, err := keys.Open(filepath.Join(a.home, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	auth, err := ks.Load(a.name, bytes.TrimSpace(pass))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, k := range [][]byte{pv.PrivKey.Bytes(), nk.PrivKey.Bytes(), auth} {
		out = append(out, k, k[:32])
	}
	return out
}

func (a agencyHome) authorityKey(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	pass, _ := os.ReadFile(a.passFile)
	ks, _ := keys.Open(filepath.Join(a.home, "keys"))
	k, err := ks.Load(a.name, bytes.TrimSpace(pass))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// leaks reports the first encoding of a private key found in data.
func leaks(data []byte, priv [][]byte) string {
	lower := bytes.ToLower(data)
	for _, k := range priv {
		for _, enc := range []string{
			base64.StdEncoding.EncodeToString(k), base64.RawStdEncoding.EncodeToString(k),
			base64.URLEncoding.EncodeToString(k), base64.RawURLEncoding.EncodeToString(k),
		} {
			if bytes.Contains(data, []byte(enc)) {
				return "base64 " + enc
			}
		}
		if bytes.Contains(lower, []byte(hex.EncodeToString(k))) {
			return "hex " + hex.EncodeToString(k)
		}
		if bytes.Contains(data, k) {
			return "raw bytes"
		}
	}
	return ""
}

var (
	hashLine  = regexp.MustCompile(`(?m)^genesis hash: ([0-9a-f]{64})$`)
	peersLine = regexp.MustCompile(`(?m)^peers: (\S+)$`)
)

// TestGenesisCeremony: four agencies make their keys in separate homes and
// export only public files; a coordinator assembles the genesis (the same
// bytes from the files in any order); each agency checks the hash and
// installs it; the four nodes then run one network whose authority set is
// the agencies' keys with the chosen threshold. No private key appears in
// any exchanged file.
func TestGenesisCeremony(t *testing.T) {
	if testing.Short() {
		t.Skip("starts four nodes")
	}
	exchange := t.TempDir() // what travels between the agencies and the coordinator
	names := []string{"treasury", "land-office", "interior", "elections"}
	var agencies []agencyHome
	var files []string
	for _, n := range names {
		agencies = append(agencies, newAgency(t, n, exchange))
		files = append(files, filepath.Join(exchange, n+".agency.json"))
	}
	coordinator := t.TempDir()
	gfile := filepath.Join(exchange, "genesis.json")
	gtime := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
	out := mustCLI(t, coordinator, append([]string{"genesis", "assemble", "--chain-id", "publica-ceremony",
		"--genesis-time", gtime, "--threshold", "3", "--out", gfile}, files...)...)
	m, p := hashLine.FindStringSubmatch(out), peersLine.FindStringSubmatch(out)
	if m == nil || p == nil || !strings.Contains(out, "4 validators, authority set 3 of 4") {
		t.Fatalf("assemble output:\n%s", out)
	}
	hash, peers := m[1], p[1]

	// Anyone rebuilds the same file from the same inputs, in any order.
	again := filepath.Join(t.TempDir(), "genesis.json")
	rev := []string{files[3], files[1], files[2], files[0]}
	out2 := mustCLI(t, coordinator, append([]string{"genesis", "assemble", "--chain-id", "publica-ceremony",
		"--genesis-time", gtime, "--threshold", "3", "--out", again}, rev...)...)
	if !strings.Contains(out2, "genesis hash: "+hash) {
		t.Fatalf("re-assembled from the same files in another order: %s, want hash %s", out2, hash)
	}

	// No private key in anything exchanged.
	exchanged, _ := filepath.Glob(filepath.Join(exchange, "*"))
	if len(exchanged) != 5 {
		t.Fatalf("exchanged files: %v", exchanged)
	}
	for _, a := range agencies {
		priv := a.privateKeys(t)
		for _, f := range exchanged {
			b, _ := os.ReadFile(f)
			if l := leaks(b, priv); l != "" {
				t.Fatalf("%s holds a private key of %s (%s)", f, a.name, l)
			}
		}
	}
	// The check can fail: a file holding a private key is caught.
	if leaks([]byte(`{"k":"`+base64.StdEncoding.EncodeToString(agencies[0].privateKeys(t)[0])+`"}`), agencies[0].privateKeys(t)) == "" {
		t.Fatal("the leak check missed a base64 private key")
	}

	// Each agency checks the hash, then installs.
	for i, a := range agencies {
		if i == 0 {
			bad := strings.Repeat("0", 64)
			if _, _, err := cli(t, a.home, "genesis", "hash", gfile, "--expect", bad); err == nil || !strings.Contains(err.Error(), "mismatch") {
				t.Fatalf("hash --expect with a wrong hash: %v", err)
			}
			if _, _, err := cli(t, a.home, "genesis", "install", "--genesis", gfile, "--hash", bad, "--peers", peers); err == nil || !strings.Contains(err.Error(), "mismatch") {
				t.Fatalf("install with a wrong hash: %v", err)
			}
		}
		out := mustCLI(t, a.home, "genesis", "hash", gfile, "--expect", hash)
		if !strings.Contains(out, "authority set: 3 of 4") || !strings.Contains(out, "validator "+a.name+": address") {
			t.Fatalf("hash output:\n%s", out)
		}
		out = mustCLI(t, a.home, "genesis", "install", "--genesis", gfile, "--hash", hash, "--peers", peers)
		if !strings.Contains(out, "validates as "+a.name) {
			t.Fatalf("install output:\n%s", out)
		}
		conf, _ := node.LoadConfig(a.home)
		own, _ := ownPeerID(a.home)
		if n := len(strings.Split(conf.P2P.PersistentPeers, ",")); n != 3 || strings.Contains(conf.P2P.PersistentPeers, own) {
			t.Fatalf("%s dials %q: want the 3 others", a.name, conf.P2P.PersistentPeers)
		}
		installed, _ := os.ReadFile(conf.GenesisFile())
		if node.GenesisHash(installed) != hash {
			t.Fatalf("%s installed a genesis with another hash", a.name)
		}
	}
	// An agency left out of the genesis cannot install it as a validator.
	outsider := newAgency(t, "outsider", t.TempDir())
	if _, _, err := cli(t, outsider.home, "genesis", "install", "--genesis", gfile, "--hash", hash, "--peers", peers); err == nil || !strings.Contains(err.Error(), "not in the genesis") {
		t.Fatalf("install by an agency not in the genesis: %v", err)
	}

	// The four nodes run the network.
	clients := make([]*client.Client, len(agencies))
	for i, a := range agencies {
		n, err := node.Start(a.home, node.Options{Store: store.DefaultOptions()})
		if err != nil {
			t.Fatalf("start %s: %v", a.name, err)
		}
		t.Cleanup(func() { n.Stop() })
		if clients[i], err = client.New(a.rpc); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range clients {
		testnode.WaitHeight(t, c, 2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	allSigned := false
	for h := int64(1); h <= 40 && !allSigned; h++ {
		testnode.WaitHeight(t, clients[0], h+1)
		commit, err := clients[0].RPC.Commit(ctx, &h)
		if err != nil {
			t.Fatal(err)
		}
		signed := 0
		for _, s := range commit.Commit.Signatures {
			if s.BlockIDFlag == types.BlockIDFlagCommit {
				signed++
			}
		}
		allSigned = signed == 4
	}
	if !allSigned {
		t.Fatal("no block up to height 40 was signed by all four agencies' validators")
	}

	// The authority set is the agencies' keys, 3 of 4.
	_, citizen, _ := ed25519.GenerateKey(rand.Reader)
	cpub := citizen.Public().(ed25519.PublicKey)
	reg, err := clients[1].Build(ctx, cpub, authority.TypeRegisterAccount, authority.MsgRegisterAccount{}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients[1].Send(ctx, reg, citizen); err != nil {
		t.Fatalf("register: %v", err)
	}
	grant := authority.MsgGrantRole{Account: tx.AccountID(cpub), Role: authority.RoleClerk}
	k0, k1, k2 := agencies[0].authorityKey(t), agencies[1].authorityKey(t), agencies[2].authorityKey(t)
	two, err := clients[2].Build(ctx, k0.Public().(ed25519.PublicKey), authority.TypeGrantRole, grant, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := clients[2].Send(ctx, two, k0, k1); err == nil || !strings.Contains(err.Error(), "3 required") {
		t.Fatalf("a role granted by 2 of the 4 agencies (threshold 3): %v", err)
	}
	three, err := clients[2].Build(ctx, k0.Public().(ed25519.PublicKey), authority.TypeGrantRole, grant, 0)
	if err != nil {
		t.Fatal(err)
	}
	res, err := clients[2].Send(ctx, three, k0, k1, k2)
	if err != nil {
		t.Fatalf("grant by 3 of 4: %v", err)
	}
	testnode.WaitHeight(t, clients[3], res.Height)
	acct, err := clients[3].Account(ctx, tx.AccountID(cpub))
	if err != nil || acct == nil || !strings.Contains(strings.Join(acct.Roles, ","), authority.RoleClerk) {
		t.Fatalf("account on the fourth agency's node: %+v, %v", acct, err)
	}
}
