package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	abci "github.com/cometbft/cometbft/abci/types"
	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// txFile is the JSON form of a transaction, used to pass a transaction
// between people collecting signatures (--generate-only, tx sign,
// tx broadcast):
//
//	{
//	  "chain_id": "publica-dev",
//	  "sequence": 3,
//	  "valid_until": 512,
//	  "msg_type": "authority/grant-role",
//	  "msg": {"account":"…","role":"clerk"},
//	  "primary": "<hex public key of the primary signer>",
//	  "signatures": [{"pubkey": "<hex>", "signature": "<hex>"}]
//	}
//
// "msg" holds the message's canonical JSON exactly as signed: the file is
// written so that those bytes appear unchanged, and they are read back byte
// for byte. Do not reformat it; a changed byte invalidates the signatures.
// "primary" names the signer whose sequence the transaction consumes; its
// signature is always kept first, so co-signers may sign before it does.
type txFile struct {
	ChainID    string          `json:"chain_id"`
	Sequence   uint64          `json:"sequence"`
	ValidUntil uint64          `json:"valid_until"`
	MsgType    string          `json:"msg_type"`
	Msg        json.RawMessage `json:"msg"`
	Primary    string          `json:"primary,omitempty"`
	Signatures []txFileSig     `json:"signatures"`
}

type txFileSig struct {
	PubKey    string `json:"pubkey"`
	Signature string `json:"signature"`
}

// txFileFromTx converts t to its JSON form. primary may be nil when t is
// signed (its first signer is the primary). It fails if the message bytes
// cannot be carried exactly in JSON.
func txFileFromTx(t *tx.Tx, primary ed25519.PublicKey) (*txFile, error) {
	if len(t.Msg) == 0 || !json.Valid(t.Msg) || len(bytes.TrimSpace(t.Msg)) != len(t.Msg) {
		return nil, errors.New("the message is not a JSON value without surrounding whitespace, so the JSON form cannot carry it exactly")
	}
	if primary == nil && len(t.Signatures) > 0 {
		primary = t.Primary()
	}
	f := &txFile{
		ChainID: t.ChainID, Sequence: t.Sequence, ValidUntil: t.ValidUntil, MsgType: t.MsgType,
		Msg: append(json.RawMessage(nil), t.Msg...), Signatures: []txFileSig{},
	}
	if primary != nil {
		f.Primary = hex.EncodeToString(primary)
	}
	for _, s := range t.Signatures {
		f.Signatures = append(f.Signatures, txFileSig{PubKey: hex.EncodeToString(s.PubKey), Signature: hex.EncodeToString(s.Sig)})
	}
	return f, nil
}

// unsigned is the transaction without signatures.
func (f *txFile) unsigned() *tx.Tx {
	return &tx.Tx{ChainID: f.ChainID, Sequence: f.Sequence, ValidUntil: f.ValidUntil, MsgType: f.MsgType,
		Msg: append([]byte(nil), f.Msg...)}
}

// primaryKey is the primary signer's public key: "primary", else the first
// signature's key.
func (f *txFile) primaryKey() (ed25519.PublicKey, error) {
	if f.Primary != "" {
		return parseHexKey("primary", f.Primary)
	}
	if len(f.Signatures) > 0 {
		return parseHexKey("signature 0 pubkey", f.Signatures[0].PubKey)
	}
	return nil, errors.New(`the transaction names no primary signer ("primary" is empty and there is no signature)`)
}

func parseHexKey(what, s string) (ed25519.PublicKey, error) {
	b, err := hex.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("%s %q is not %d hex digits", what, s, 2*ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(b), nil
}

// signatures decodes the signatures.
func (f *txFile) signatures() ([]tx.Signature, error) {
	out := make([]tx.Signature, 0, len(f.Signatures))
	for i, s := range f.Signatures {
		pub, err := parseHexKey(fmt.Sprintf("signature %d pubkey", i), s.PubKey)
		if err != nil {
			return nil, err
		}
		sig, err := hex.DecodeString(s.Signature)
		if err != nil || len(sig) != ed25519.SignatureSize {
			return nil, fmt.Errorf("signature %d is not %d hex digits", i, 2*ed25519.SignatureSize)
		}
		out = append(out, tx.Signature{PubKey: pub, Sig: sig})
	}
	return out, nil
}

// toTx converts a signed file to a transaction. The primary signer must
// have signed (its signature first).
func (f *txFile) toTx() (*tx.Tx, error) {
	t := f.unsigned()
	sigs, err := f.signatures()
	if err != nil {
		return nil, err
	}
	if len(sigs) == 0 {
		return nil, errors.New("the transaction has no signatures; sign it with `publica tx sign FILE --from NAME`")
	}
	if f.Primary != "" {
		primary, err := parseHexKey("primary", f.Primary)
		if err != nil {
			return nil, err
		}
		if !bytes.Equal(sigs[0].PubKey, primary) {
			return nil, fmt.Errorf("the primary signer (key %s, account %s) has not signed yet; it signs with `publica tx sign FILE --from NAME`",
				f.Primary, tx.AccountID(primary))
		}
	}
	t.Signatures = sigs
	return t, nil
}

// encode writes the file: indented for people, with "msg" verbatim.
func (f *txFile) encode() []byte {
	str := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	var b bytes.Buffer
	b.WriteString("{\n")
	fmt.Fprintf(&b, "  \"chain_id\": %s,\n", str(f.ChainID))
	fmt.Fprintf(&b, "  \"sequence\": %d,\n", f.Sequence)
	fmt.Fprintf(&b, "  \"valid_until\": %d,\n", f.ValidUntil)
	fmt.Fprintf(&b, "  \"msg_type\": %s,\n", str(f.MsgType))
	fmt.Fprintf(&b, "  \"msg\": %s,\n", f.Msg)
	if f.Primary != "" {
		fmt.Fprintf(&b, "  \"primary\": %s,\n", str(f.Primary))
	}
	if len(f.Signatures) == 0 {
		b.WriteString("  \"signatures\": []\n}\n")
		return b.Bytes()
	}
	b.WriteString("  \"signatures\": [\n")
	for i, s := range f.Signatures {
		sep := ","
		if i == len(f.Signatures)-1 {
			sep = ""
		}
		fmt.Fprintf(&b, "    {\"pubkey\": %s, \"signature\": %s}%s\n", str(s.PubKey), str(s.Signature), sep)
	}
	b.WriteString("  ]\n}\n")
	return b.Bytes()
}

// decodeTxFile parses the JSON form strictly.
func decodeTxFile(b []byte) (*txFile, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var f txFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("transaction JSON: %w", err)
	}
	if dec.More() {
		return nil, errors.New("transaction JSON: trailing data")
	}
	if len(f.Msg) == 0 || string(f.Msg) == "null" {
		return nil, errors.New(`transaction JSON: "msg" is missing`)
	}
	if f.MsgType == "" || f.ChainID == "" {
		return nil, errors.New(`transaction JSON: "chain_id" and "msg_type" are required`)
	}
	return &f, nil
}

func readTxFile(cmd *cobra.Command, path string) (*txFile, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(cmd.InOrStdin())
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}
	f, err := decodeTxFile(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// writeOutput writes b to path, or to the command's stdout if path is "".
func writeOutput(cmd *cobra.Command, path string, b []byte) error {
	if path == "" || path == "-" {
		_, err := cmd.OutOrStdout().Write(b)
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// txOpts are the flags shared by transaction commands.
type txOpts struct {
	from         string
	cosign       []string
	validFor     uint64
	generateOnly bool
	output       string
	timeout      time.Duration
}

func addBuildFlags(cmd *cobra.Command, o *txOpts, cosign bool) {
	cmd.Flags().StringVar(&o.from, "from", "", "key name of the primary signer (its account's sequence is used)")
	cmd.MarkFlagRequired("from")
	if cosign {
		cmd.Flags().StringSliceVar(&o.cosign, "cosign", nil, "key names that co-sign, comma separated (NAME2,NAME3)")
	}
	cmd.Flags().Uint64Var(&o.validFor, "valid-for", 100, "blocks from the latest height during which the transaction may be included")
	cmd.Flags().BoolVar(&o.generateOnly, "generate-only", false, "write the unsigned transaction as JSON (to stdout or --output) instead of sending it")
	cmd.Flags().StringVarP(&o.output, "output", "o", "", "with --generate-only: file to write the transaction to (default stdout)")
	cmd.Flags().DurationVar(&o.timeout, "timeout", time.Minute, "how long to wait for the node and for the transaction to commit")
}

func txCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "tx",
		Short: "Build, sign and send transactions",
		Long: `Build, sign and send transactions to a node.

A transaction is signed by its primary signer (--from, whose account
sequence it consumes) and optionally by co-signers (--cosign), e.g. the
authority members that must approve a role change. To collect signatures
from people who do not share a machine: --generate-only writes the
unsigned transaction as JSON, each signer runs "tx sign", and anyone runs
"tx broadcast".`,
	}
	addNodeFlag(cmd)
	addPassphraseFlag(cmd)
	cmd.AddCommand(txAuthorityCmd(), landTxCmd(), txBallotCmd(), txNetworkCmd(), txSignCmd(), txBroadcastCmd())
	return cmd
}

func txAuthorityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "authority",
		Short: "Transactions of the authority module: accounts and roles",
	}
	var reg txOpts
	register := &cobra.Command{
		Use:   "register-account",
		Short: "Create the on-chain account of the --from key",
		Long: `Create the account controlled by the --from key. A new key has no account
until it sends this transaction; the result data is the account id.`,
		Example: "  publica tx authority register-account --from alice",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runMsgTx(cmd, &reg, authority.TypeRegisterAccount, authority.MsgRegisterAccount{})
		},
	}
	addBuildFlags(register, &reg, false)
	cmd.AddCommand(register, roleChangeCmd("grant-role", authority.TypeGrantRole), roleChangeCmd("revoke-role", authority.TypeRevokeRole),
		setAuthorityCmd())
	return cmd
}

func roleChangeCmd(use, msgType string) *cobra.Command {
	var o txOpts
	verb := "Grant ROLE to"
	if msgType == authority.TypeRevokeRole {
		verb = "Revoke ROLE from"
	}
	cmd := &cobra.Command{
		Use:   use + " ACCOUNT ROLE",
		Short: verb + " ACCOUNT (needs k of the n authority members' signatures)",
		Long: verb + ` ACCOUNT. ACCOUNT is an account id or a local key name.
ROLE is one of: ` + strings.Join(authority.Roles, ", ") + `.
The transaction needs the signatures of the authority set's threshold of
members: --from one member and --cosign the others, or collect them with
--generate-only, "tx sign" and "tx broadcast".`,
		Example: "  publica tx authority " + use + " alice clerk --from authority-1 --cosign authority-2",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			account, err := resolveAccount(ks, args[0])
			if err != nil {
				return err
			}
			role := args[1]
			if !authority.ValidRole(role) {
				return fmt.Errorf("unknown role %q: the roles are %s", role, strings.Join(authority.Roles, ", "))
			}
			var msg any = authority.MsgGrantRole{Account: account, Role: role}
			if msgType == authority.TypeRevokeRole {
				msg = authority.MsgRevokeRole{Account: account, Role: role}
			}
			return runMsgTx(cmd, &o, msgType, msg)
		},
	}
	addBuildFlags(cmd, &o, true)
	return cmd
}

// runMsgTx builds a transaction for msg and either writes it unsigned
// (--generate-only) or signs it with --from and --cosign and sends it.
func runMsgTx(cmd *cobra.Command, o *txOpts, msgType string, msg any) error {
	ks, err := openKeys(cmd)
	if err != nil {
		return err
	}
	fromInfo, err := ks.Show(o.from)
	if err != nil {
		return err
	}
	seen := map[string]bool{o.from: true}
	for _, n := range o.cosign {
		if seen[n] {
			return fmt.Errorf("key %s is named twice in --from/--cosign", n)
		}
		seen[n] = true
		if _, err := ks.Show(n); err != nil {
			return err
		}
	}
	if 1+len(o.cosign) > tx.MaxSigners {
		return fmt.Errorf("at most %d signers", tx.MaxSigners)
	}
	if o.generateOnly && len(o.cosign) > 0 {
		return errors.New("--cosign cannot be used with --generate-only: each co-signer signs the file with `publica tx sign FILE --from NAME`")
	}
	if !o.generateOnly && o.output != "" {
		return errors.New("--output is for --generate-only")
	}
	// Load (decrypt) every key before contacting the node, so a wrong
	// passphrase fails fast.
	var signers []ed25519.PrivateKey
	if !o.generateOnly {
		pp := newPassphraseSource(cmd)
		for _, n := range append([]string{o.from}, o.cosign...) {
			priv, _, err := loadKey(ks, pp, n)
			if err != nil {
				return err
			}
			signers = append(signers, priv)
		}
	}
	c, addr, err := connect(cmd)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
	defer cancel()
	t, err := c.Build(ctx, fromInfo.PublicKey(), msgType, msg, o.validFor)
	if err != nil {
		return nodeErr(addr, err)
	}
	if o.generateOnly {
		f, err := txFileFromTx(t, fromInfo.PublicKey())
		if err != nil {
			return err
		}
		if err := writeOutput(cmd, o.output, f.encode()); err != nil {
			return err
		}
		dest := "FILE"
		if o.output != "" {
			dest = o.output
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "unsigned %s transaction written; sign it with `publica tx sign %s --from %s` (and by each co-signer), then `publica tx broadcast`\n",
			msgType, dest, o.from)
		return nil
	}
	for _, k := range signers {
		t.Sign(k)
	}
	return broadcast(ctx, cmd, c, addr, t)
}

// broadcast sends t, waits for it to commit and prints the result.
func broadcast(ctx context.Context, cmd *cobra.Command, c *client.Client, addr string, t *tx.Tx) error {
	raw := t.Encode()
	res, err := c.BroadcastCommit(ctx, raw)
	if err != nil && strings.Contains(err.Error(), "tx already exists in cache") {
		return fmt.Errorf("transaction %X was already submitted to this node; see `publica query tx %X`", tx.Hash(raw), tx.Hash(raw))
	}
	if res != nil {
		if werr := writeJSON(cmd.OutOrStdout(), resultJSON(res)); werr != nil {
			return werr
		}
	}
	if err != nil {
		return nodeErr(addr, err)
	}
	return nil
}

// txResultOut is a committed transaction's outcome as printed.
type txResultOut struct {
	Hash   string `json:"hash"`
	Height int64  `json:"height"`
	execResultOut
}

// execResultOut is the deterministic result of executing a transaction.
type execResultOut struct {
	Code      uint32     `json:"code"`
	Codespace string     `json:"codespace"`
	Log       string     `json:"log"`
	Data      string     `json:"data"`
	Events    []eventOut `json:"events"`
}

type eventOut struct {
	Type       string         `json:"type"`
	Attributes []eventAttrOut `json:"attributes"`
}

type eventAttrOut struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func resultJSON(r *client.Result) txResultOut {
	return txResultOut{Hash: fmt.Sprintf("%X", r.Hash), Height: r.Height, execResultOut: execResultOut{
		Code: r.Code, Codespace: r.Codespace, Log: r.Log, Data: displayBytes(r.Data), Events: eventsJSON(r.Events),
	}}
}

func eventsJSON(evs []abci.Event) []eventOut {
	out := []eventOut{}
	for _, e := range evs {
		eo := eventOut{Type: e.Type, Attributes: []eventAttrOut{}}
		for _, a := range e.Attributes {
			eo.Attributes = append(eo.Attributes, eventAttrOut{Key: a.Key, Value: a.Value})
		}
		out = append(out, eo)
	}
	return out
}

// displayBytes shows b as text if it is printable UTF-8, else as 0x-hex.
func displayBytes(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if printable(b) {
		return string(b)
	}
	return "0x" + hex.EncodeToString(b)
}

func printable(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for _, r := range string(b) {
		if !unicode.IsPrint(r) && r != '\n' && r != '\t' {
			return false
		}
	}
	return true
}

func txSignCmd() *cobra.Command {
	var (
		from   string
		output string
	)
	cmd := &cobra.Command{
		Use:   "sign FILE",
		Short: "Add a signature to a transaction file (for k-of-n collection)",
		Long: `Sign the transaction in FILE (the JSON written by --generate-only, or by
an earlier "tx sign") with the --from key and write the file with the
signature added, to stdout or --output. FILE "-" reads standard input.

The primary signer's signature is kept first; co-signers may sign before
or after it. Signing needs no node. The message is shown on stderr: read
it before you sign.`,
		Example: "  publica tx sign grant.json --from authority-2 --output grant.signed.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := readTxFile(cmd, args[0])
			if err != nil {
				return err
			}
			primary, err := f.primaryKey()
			if err != nil {
				return err
			}
			sigs, err := f.signatures()
			if err != nil {
				return err
			}
			t := f.unsigned()
			signBytes := t.SignBytes(primary)
			for i, s := range sigs {
				if !tx.VerifySignature(s.PubKey, signBytes, s.Sig) {
					return fmt.Errorf("existing signature %d (key %x) does not verify: the transaction changed after it was signed", i, []byte(s.PubKey))
				}
			}
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			priv, info, err := loadKey(ks, newPassphraseSource(cmd), from)
			if err != nil {
				return err
			}
			pub := info.PublicKey()
			for _, s := range sigs {
				if bytes.Equal(s.PubKey, pub) {
					return fmt.Errorf("key %s has already signed this transaction", from)
				}
			}
			if len(sigs) >= tx.MaxSigners {
				return fmt.Errorf("the transaction already has the maximum of %d signatures", tx.MaxSigners)
			}
			entry := txFileSig{PubKey: info.PubKey, Signature: hex.EncodeToString(ed25519.Sign(priv, signBytes))}
			isPrimary := bytes.Equal(pub, primary)
			if isPrimary {
				f.Signatures = append([]txFileSig{entry}, f.Signatures...)
			} else {
				f.Signatures = append(f.Signatures, entry)
			}
			if f.Primary == "" {
				f.Primary = hex.EncodeToString(primary)
			}
			if err := writeOutput(cmd, output, f.encode()); err != nil {
				return err
			}
			role := "co-signer"
			if isPrimary {
				role = "primary signer"
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "signed %s %s on chain %s (sequence %d, valid until height %d) as %s %s (account %s); %d signature(s)\n",
				f.MsgType, f.Msg, f.ChainID, f.Sequence, f.ValidUntil, role, from, info.Account, len(f.Signatures))
			return nil
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "key name to sign with")
	cmd.MarkFlagRequired("from")
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write the signed transaction to (default stdout; may be FILE itself)")
	return cmd
}

func txBroadcastCmd() *cobra.Command {
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "broadcast FILE",
		Short: "Send a signed transaction file and wait until it is committed",
		Long: `Send the transaction in FILE (signed with "tx sign") to the node and wait
until it is in a block. FILE "-" reads standard input. Signatures are
checked locally first.`,
		Example: "  publica tx broadcast grant.signed.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := readTxFile(cmd, args[0])
			if err != nil {
				return err
			}
			t, err := f.toTx()
			if err != nil {
				return err
			}
			if err := t.VerifySignatures(); err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			return broadcast(ctx, cmd, c, addr, t)
		},
	}
	cmd.Flags().DurationVar(&timeout, "timeout", time.Minute, "how long to wait for the transaction to commit")
	return cmd
}
