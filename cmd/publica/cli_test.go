package main

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/genesis"
	"github.com/publica/publica/internal/apptest"
	"github.com/publica/publica/internal/testnode"
	"github.com/publica/publica/keys"
	"github.com/publica/publica/node"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

func TestMain(m *testing.M) {
	if os.Getenv("PUBLICA_TEST_LAZYFREE") == "1" { // TestRestartWithLazyFree
		restartWithLazyFree()
		fmt.Println("GODEBUG=" + os.Getenv("GODEBUG"))
		os.Exit(0)
	}
	// No test may block on a prompt, nor pick up a developer's settings.
	terminalFD = func() (int, bool) { return -1, false }
	os.Unsetenv(EnvPassphrase)
	os.Unsetenv("PUBLICA_HOME")
	os.Exit(m.Run())
}

// cli runs the publica command in-process with home.
func cli(t *testing.T, home string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	root := rootCmd()
	var out, errb bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errb)
	root.SetIn(strings.NewReader(""))
	root.SetArgs(append(append([]string{}, args...), "--home", home))
	err = root.Execute()
	return out.String(), errb.String(), err
}

// mustCLI runs the command and fails the test on an error.
func mustCLI(t *testing.T, home string, args ...string) string {
	t.Helper()
	out, errOut, err := cli(t, home, args...)
	if err != nil {
		t.Fatalf("publica %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

type txResult struct {
	Hash      string `json:"hash"`
	Height    int64  `json:"height"`
	Code      uint32 `json:"code"`
	Codespace string `json:"codespace"`
	Log       string `json:"log"`
	Data      string `json:"data"`
	Events    []struct {
		Type       string `json:"type"`
		Attributes []struct {
			Key   string `json:"key"`
			Value string `json:"value"`
		} `json:"attributes"`
	} `json:"events"`
}

func decodeResult(t *testing.T, out string) txResult {
	t.Helper()
	var r txResult
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("result is not JSON: %v\n%s", err, out)
	}
	return r
}

func (r txResult) hasEvent(typ, key, value string) bool {
	for _, e := range r.Events {
		if e.Type != typ {
			continue
		}
		for _, a := range e.Attributes {
			if a.Key == key && a.Value == value {
				return true
			}
		}
	}
	return false
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func account(t *testing.T, home, who string) authority.Account {
	t.Helper()
	out := mustCLI(t, home, "query", "account", who)
	var a authority.Account
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("account output: %v\n%s", err, out)
	}
	return a
}

// devNode initialises a home with `publica init --dev` and runs its node
// until the test ends.
func devNode(t *testing.T) (string, *node.Node) {
	t.Helper()
	home := filepath.Join(testnode.TempHome(t), "home")
	mustCLI(t, home, "init", "--dev", "--block-interval", "100ms", "--empty-block-interval", "200ms",
		"--metrics", testnode.FreeAddr(t), "--rpc", "tcp://"+testnode.FreeAddr(t), "--p2p", "tcp://"+testnode.FreeAddr(t))
	n, _ := testnode.Start(t, home)
	return home, n
}

func TestCLI(t *testing.T) {
	home, _ := devNode(t)
	dir := t.TempDir()
	pass := writeFile(t, dir, "newbie.pass", "a long passphrase\n")
	wrong := writeFile(t, dir, "wrong.pass", "not the passphrase\n")

	// init --dev wrote every demo key, unencrypted, marked, mode 0600.
	ks, err := keys.Open(filepath.Join(home, "keys"))
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range genesis.DemoKeys {
		info, err := ks.Show(d.Name)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := os.Stat(info.File)
		if !info.Demo || info.Warning == "" || st.Mode().Perm() != 0o600 ||
			!bytes.Equal(info.PublicKey(), d.PrivateKey().Public().(ed25519.PublicKey)) {
			t.Fatalf("demo key %s: %+v mode %04o", d.Name, info, st.Mode().Perm())
		}
	}

	// keys add / list / show.
	out := mustCLI(t, home, "keys", "add", "newbie", "--passphrase-file", pass)
	if !strings.Contains(out, "created key newbie") {
		t.Fatalf("keys add: %s", out)
	}
	var shown keys.Info
	if err := json.Unmarshal([]byte(mustCLI(t, home, "keys", "show", "newbie")), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.Name != "newbie" || shown.Demo || !tx.ValidAccountID(shown.Account) {
		t.Fatalf("keys show: %+v", shown)
	}
	newbie := shown.Account
	list := mustCLI(t, home, "keys", "list")
	if !strings.Contains(list, "newbie") || !strings.Contains(list, newbie) {
		t.Fatalf("keys list lacks newbie:\n%s", list)
	}
	for _, line := range strings.Split(list, "\n") {
		if strings.HasPrefix(line, "authority-1 ") && !strings.HasSuffix(line, "DEMO") ||
			strings.HasPrefix(line, "newbie ") && strings.Contains(line, "DEMO") {
			t.Fatalf("DEMO marker wrong on %q", line)
		}
	}

	// Register the new key's account; the result data is the account id.
	r := decodeResult(t, mustCLI(t, home, "tx", "authority", "register-account", "--from", "newbie", "--passphrase-file", pass))
	if r.Code != 0 || r.Data != newbie || !r.hasEvent("authority.account_registered", "account", newbie) {
		t.Fatalf("register: %+v", r)
	}

	// Grant with authority-1 and a co-signature of authority-2, naming the
	// account by its local key name.
	r = decodeResult(t, mustCLI(t, home, "tx", "authority", "grant-role", "newbie", authority.RoleClerk,
		"--from", "authority-1", "--cosign", "authority-2"))
	if r.Code != 0 || !r.hasEvent("authority.role_granted", "account", newbie) {
		t.Fatalf("grant: %+v", r)
	}
	grantHash := r.Hash

	// query account --prove: the record and the verified proof line.
	out = mustCLI(t, home, "query", "account", "newbie", "--prove")
	value, proofLine, ok := strings.Cut(strings.TrimSpace(out), "\nproof verified against app hash ")
	if !ok || !strings.Contains(proofLine, " in header ") {
		t.Fatalf("query account --prove output lacks the proof line:\n%s", out)
	}
	var acct authority.Account
	if err := json.Unmarshal([]byte(value), &acct); err != nil {
		t.Fatalf("proven value: %v\n%s", err, value)
	}
	if acct.ID != newbie || !acct.HasRole(authority.RoleClerk) || acct.Sequence != 1 {
		t.Fatalf("proven account: %+v", acct)
	}
	// By id, at an old height: absent, with a verified absence proof.
	out, _, err = cli(t, home, "query", "account", newbie, "--prove", "--height", "1")
	if !errors.Is(err, errNotFound) || !strings.Contains(out, "absence proof verified against app hash") {
		t.Fatalf("absent account at height 1: %v\n%s", err, out)
	}

	// query tx: decoded message, signers' accounts and key names.
	var qt struct {
		MsgType string `json:"msg_type"`
		Signers []struct {
			Account, Key string
		} `json:"signers"`
		Msg    authority.MsgGrantRole `json:"msg"`
		Result struct {
			Code uint32 `json:"code"`
		} `json:"result"`
	}
	if err := json.Unmarshal([]byte(mustCLI(t, home, "query", "tx", grantHash)), &qt); err != nil {
		t.Fatal(err)
	}
	if qt.MsgType != authority.TypeGrantRole || len(qt.Signers) != 2 || qt.Signers[0].Key != "authority-1" ||
		qt.Signers[1].Key != "authority-2" || qt.Signers[1].Account == "" || qt.Msg.Account != newbie || qt.Result.Code != 0 {
		t.Fatalf("query tx: %+v", qt)
	}

	// k-of-n across people: generate-only, a co-signer signs first, then
	// the primary, then anyone broadcasts.
	unsigned := filepath.Join(dir, "grant.json")
	mustCLI(t, home, "tx", "authority", "grant-role", newbie, authority.RoleAuditor, "--from", "authority-1",
		"--generate-only", "--output", unsigned)
	f := readTxJSON(t, unsigned)
	if len(f.Signatures) != 0 || f.MsgType != authority.TypeGrantRole || f.Primary == "" {
		t.Fatalf("unsigned file: %+v", f)
	}
	once := filepath.Join(dir, "grant.1.json")
	twice := filepath.Join(dir, "grant.2.json")
	mustCLI(t, home, "tx", "sign", unsigned, "--from", "authority-2", "--output", once)
	// Not yet broadcastable: the primary has not signed.
	if _, _, err := cli(t, home, "tx", "broadcast", once); err == nil || !strings.Contains(err.Error(), "has not signed yet") {
		t.Fatalf("broadcast without the primary: %v", err)
	}
	if _, _, err := cli(t, home, "tx", "sign", once, "--from", "authority-2"); err == nil || !strings.Contains(err.Error(), "already signed") {
		t.Fatalf("second signature by the same key: %v", err)
	}
	mustCLI(t, home, "tx", "sign", once, "--from", "authority-1", "--output", twice)
	f = readTxJSON(t, twice)
	if len(f.Signatures) != 2 || f.Signatures[0].PubKey != f.Primary {
		t.Fatalf("signed file: primary signature must come first: %+v", f)
	}
	r = decodeResult(t, mustCLI(t, home, "tx", "broadcast", twice))
	if r.Code != 0 || !r.hasEvent("authority.role_granted", "role", authority.RoleAuditor) {
		t.Fatalf("broadcast: %+v", r)
	}
	if a := account(t, home, "newbie"); !a.HasRole(authority.RoleAuditor) {
		t.Fatalf("after broadcast: %+v", a)
	}

	// A signed file whose message is edited no longer verifies.
	b, _ := os.ReadFile(twice)
	tampered := writeFile(t, dir, "tampered.json", strings.Replace(string(b), `"role":"auditor"`, `"role":"trustee"`, 1))
	if _, _, err := cli(t, home, "tx", "broadcast", tampered); err == nil || !strings.Contains(err.Error(), "does not verify") {
		t.Fatalf("tampered broadcast: %v", err)
	}
	if _, _, err := cli(t, home, "tx", "sign", tampered, "--from", "authority-3"); err == nil || !strings.Contains(err.Error(), "changed after it was signed") {
		t.Fatalf("tampered sign: %v", err)
	}

	// revoke-role has the same shape.
	r = decodeResult(t, mustCLI(t, home, "tx", "authority", "revoke-role", "newbie", authority.RoleAuditor,
		"--from", "authority-2", "--cosign", "authority-3", "--valid-for", "20"))
	if r.Code != 0 || !r.hasEvent("authority.role_revoked", "account", newbie) {
		t.Fatalf("revoke: %+v", r)
	}
	if a := account(t, home, newbie); a.HasRole(authority.RoleAuditor) || !a.HasRole(authority.RoleClerk) {
		t.Fatalf("after revoke: %+v", a)
	}

	// The passphrase may come from the environment.
	t.Run("env passphrase", func(t *testing.T) {
		t.Setenv(EnvPassphrase, "a long passphrase")
		_, errOut, err := cli(t, home, "tx", "sign", unsigned, "--from", "newbie", "--output", filepath.Join(dir, "env.json"))
		if err != nil || !strings.Contains(errOut, "as co-signer newbie") {
			t.Fatalf("sign with $%s: %v %s", EnvPassphrase, err, errOut)
		}
	})

	t.Run("queries", func(t *testing.T) {
		var p authority.Params
		if err := json.Unmarshal([]byte(mustCLI(t, home, "query", "params")), &p); err != nil || p.Threshold != genesis.DevThreshold || len(p.Members) != 3 {
			t.Fatalf("params: %+v %v", p, err)
		}
		var holders []string
		if err := json.Unmarshal([]byte(mustCLI(t, home, "query", "role", authority.RoleClerk)), &holders); err != nil || len(holders) != 2 {
			t.Fatalf("clerks: %v %v", holders, err)
		}
		text := mustCLI(t, home, "query", "key", "authority/params", "--prove")
		hexed := mustCLI(t, home, "query", "key", "0x617574686f726974792f706172616d73", "--prove")
		if !strings.Contains(text, `"threshold": 2`) || !strings.Contains(text, "proof verified") || !strings.Contains(hexed, `"threshold": 2`) {
			t.Fatalf("query key:\n%s\n%s", text, hexed)
		}
		if _, _, err := cli(t, home, "query", "role", "king"); err == nil || !strings.Contains(err.Error(), "unknown role") {
			t.Fatalf("unknown role query: %v", err)
		}
		var st statusOut
		if err := json.Unmarshal([]byte(mustCLI(t, home, "status", "--output", "json")), &st); err != nil {
			t.Fatal(err)
		}
		if st.ChainID != genesis.DevChainID || st.LatestHeight < 2 || len(st.Validators) != 1 || st.Validators[0].Power != 10 || st.AppHash == "" {
			t.Fatalf("status: %+v", st)
		}
		if text := mustCLI(t, home, "status"); !strings.Contains(text, "chain id:") || !strings.Contains(text, "validators (1):") {
			t.Fatalf("status text:\n%s", text)
		}
	})

	t.Run("errors", func(t *testing.T) {
		// Wrong passphrase.
		_, _, err := cli(t, home, "tx", "sign", unsigned, "--from", "newbie", "--passphrase-file", wrong)
		if !errors.Is(err, keys.ErrWrongPassphrase) || !strings.Contains(err.Error(), "wrong passphrase for key newbie") {
			t.Fatalf("wrong passphrase: %v", err)
		}
		// No passphrase source at all (no file, no variable, no terminal).
		_, _, err = cli(t, home, "tx", "sign", unsigned, "--from", "newbie")
		if !errors.Is(err, ErrNoPassphrase) || !strings.Contains(err.Error(), "--passphrase-file") {
			t.Fatalf("no passphrase: %v", err)
		}
		// Missing key, as signer and as account argument.
		_, _, err = cli(t, home, "tx", "authority", "register-account", "--from", "nobody")
		if !errors.Is(err, keys.ErrNotFound) || !strings.Contains(err.Error(), "no key named nobody in ") ||
			!strings.Contains(err.Error(), "`publica keys list` shows the keys") {
			t.Fatalf("missing key: %v", err)
		}
		_, _, err = cli(t, home, "tx", "authority", "grant-role", "newbie", "clerk", "--from", "authority-1", "--cosign", "nobody")
		if !errors.Is(err, keys.ErrNotFound) {
			t.Fatalf("missing co-signer: %v", err)
		}
		_, _, err = cli(t, home, "query", "account", "nobody")
		if err == nil || !strings.Contains(err.Error(), "neither an account id") {
			t.Fatalf("unknown account argument: %v", err)
		}
		// Unknown role.
		_, _, err = cli(t, home, "tx", "authority", "grant-role", "newbie", "king", "--from", "authority-1", "--cosign", "authority-2")
		if err == nil || !strings.Contains(err.Error(), `unknown role "king"`) || !strings.Contains(err.Error(), authority.RoleElectionOfficial) {
			t.Fatalf("unknown role: %v", err)
		}
		// One authority signature is not enough: rejected in the block
		// with publica/9, the result printed, a non-zero exit.
		out, _, err := cli(t, home, "tx", "authority", "grant-role", "citizen-carol", authority.RoleTrustee, "--from", "authority-1")
		var txErr *client.TxError
		if !errors.As(err, &txErr) || txErr.Code != 9 || txErr.Codespace != "publica" || txErr.Stage != "deliver" ||
			!strings.Contains(err.Error(), "(publica/9)") {
			t.Fatalf("one-signature grant: want deliver publica/9, got %v", err)
		}
		if r := decodeResult(t, out); r.Code != 9 || r.Codespace != "publica" || r.Height == 0 {
			t.Fatalf("one-signature grant result: %+v", r)
		}
		// Broadly readable key files are refused.
		info, _ := ks.Show("newbie")
		os.Chmod(info.File, 0o644)
		_, _, err = cli(t, home, "tx", "sign", unsigned, "--from", "newbie", "--passphrase-file", pass)
		os.Chmod(info.File, 0o600)
		if !errors.Is(err, keys.ErrInsecurePermissions) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("bad permissions: %v", err)
		}
		// Duplicate and invalid names.
		if _, _, err := cli(t, home, "keys", "add", "newbie", "--passphrase-file", pass); !errors.Is(err, keys.ErrExists) {
			t.Fatalf("duplicate key: %v", err)
		}
		if _, _, err := cli(t, home, "keys", "add", "New Bie", "--passphrase-file", pass); !errors.Is(err, keys.ErrInvalidName) {
			t.Fatalf("invalid name: %v", err)
		}
		// A node that lies about a value: the proof does not verify.
		addr, _ := nodeAddr(rootCmdWithHome(home))
		liar := lyingNode(t, addr)
		out, _, err = cli(t, home, "query", "account", "newbie", "--prove", "--node", liar)
		if err == nil || !strings.Contains(err.Error(), "proof verification FAILED") || strings.Contains(out, "verified") {
			t.Fatalf("forged value: want a failed verification, got %v\n%s", err, out)
		}
		// Without --prove the forged value is simply shown: that is what
		// --prove is for.
		if out, _, err := cli(t, home, "query", "account", "newbie", "--node", liar); err != nil || !strings.Contains(out, "forged") {
			t.Fatalf("unproven query through the lying node: %v\n%s", err, out)
		}
		// An unreachable node is named in the error.
		_, _, err = cli(t, home, "status", "--node", "tcp://"+testnode.FreeAddr(t))
		if err == nil || !strings.Contains(err.Error(), "cannot reach a node at") {
			t.Fatalf("unreachable node: %v", err)
		}
	})
}

// rootCmdWithHome is a parsed root command with --home set, for helpers
// that read flags.
func rootCmdWithHome(home string) *cobra.Command {
	root := rootCmd()
	root.ParseFlags([]string{"--home", home})
	return root
}

// lyingNode is an RPC proxy to the node at addr that replaces the value of
// every ABCI query answer, keeping the proof.
func lyingNode(t *testing.T, addr string) string {
	t.Helper()
	target, err := url.Parse(strings.Replace(addr, "tcp://", "http://", 1))
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	proxy.ModifyResponse = func(resp *http.Response) error {
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			return err
		}
		var msg map[string]any
		if json.Unmarshal(body, &msg) == nil {
			if result, ok := msg["result"].(map[string]any); ok {
				if r, ok := result["response"].(map[string]any); ok {
					if _, ok := r["value"]; ok {
						r["value"] = base64.StdEncoding.EncodeToString([]byte(`{"forged":true}`))
						body, _ = json.Marshal(msg)
					}
				}
			}
		}
		resp.Body = io.NopCloser(bytes.NewReader(body))
		resp.ContentLength = int64(len(body))
		resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
		return nil
	}
	srv := httptest.NewServer(proxy)
	t.Cleanup(srv.Close)
	return srv.URL
}

func readTxJSON(t *testing.T, path string) *txFile {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f, err := decodeTxFile(b)
	if err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
	return f
}

// TestKeysAddPrompt checks the interactive passphrase: asked twice,
// mismatches refused.
func TestKeysAddPrompt(t *testing.T) {
	home := t.TempDir()
	var answers []string
	oldTerminal, oldRead := terminalFD, readPassword
	terminalFD = func() (int, bool) { return 0, true }
	readPassword = func(int) ([]byte, error) {
		a := answers[0]
		answers = answers[1:]
		return []byte(a), nil
	}
	t.Cleanup(func() {
		terminalFD, readPassword = oldTerminal, oldRead
	})
	answers = []string{"one", "two"}
	if _, _, err := cli(t, home, "keys", "add", "carol"); err == nil || !strings.Contains(err.Error(), "differ") {
		t.Fatalf("mismatched passphrases: %v", err)
	}
	answers = []string{"", ""}
	if _, _, err := cli(t, home, "keys", "add", "carol"); !errors.Is(err, keys.ErrEmptyPassphrase) {
		t.Fatalf("empty passphrase: %v", err)
	}
	answers = []string{"same", "same"}
	_, prompts, err := cli(t, home, "keys", "add", "carol")
	if err != nil || strings.Count(prompts, "assphrase") != 2 {
		t.Fatalf("keys add at a terminal: %v, prompts %q", err, prompts)
	}
	ks, _ := keys.Open(filepath.Join(home, "keys"))
	if _, err := ks.Load("carol", []byte("same")); err != nil {
		t.Fatal(err)
	}
	if len(answers) != 0 {
		t.Fatalf("unused answers %v", answers)
	}
}

// TestTxFileRoundTrip: tx.Tx → JSON file → tx.Tx is exact, message bytes
// included.
func TestTxFileRoundTrip(t *testing.T) {
	k1, k2 := apptest.DemoKey(t, "authority-1"), apptest.DemoKey(t, "authority-2")
	for _, msg := range []string{
		`{"account":"d0829356f1eca260b1bf0f9f607e76519dcb652a","role":"clerk"}`,
		`{}`,
		`{"b": 1 ,"a":[ 1,2 ],"c":"\u003c\u00e9>\n"}`,
		`"text"`,
	} {
		orig := &tx.Tx{ChainID: "publica-dev", Sequence: 1<<64 - 1, ValidUntil: 12345, MsgType: "authority/grant-role", Msg: []byte(msg)}
		orig.Sign(k1)
		orig.Sign(k2)
		f, err := txFileFromTx(orig, nil)
		if err != nil {
			t.Fatal(err)
		}
		back, err := decodeTxFile(f.encode())
		if err != nil {
			t.Fatalf("%s: %v\n%s", msg, err, f.encode())
		}
		got, err := back.toTx()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got.Encode(), orig.Encode()) {
			t.Fatalf("round trip changed the transaction:\n%s", f.encode())
		}
		if err := got.VerifySignatures(); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []string{"", " {}", "{} ", "{", "\xff"} {
		if _, err := txFileFromTx(&tx.Tx{ChainID: "c", MsgType: "m/t", Msg: []byte(bad)}, k1.Public().(ed25519.PublicKey)); err == nil {
			t.Fatalf("message %q cannot be carried exactly but was accepted", bad)
		}
	}
	if _, err := decodeTxFile([]byte(`{"chain_id":"c","msg_type":"m/t","msg":{},"signatures":[],"extra":1}`)); err == nil {
		t.Fatal("unknown field accepted")
	}
}
