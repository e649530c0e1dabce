package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/authority"
)

// errNotFound marks a query whose key holds no value.
var errNotFound = errors.New("not found")

func queryCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "query",
		Aliases: []string{"q"},
		Short:   "Read chain state, optionally with a verified Merkle proof",
		Long: `Read chain state from a node.

With --prove the node returns an ICS23 proof of the value (or of its absence)
and the command checks it against the app hash in the signed header of the
next block; a proof that does not verify is an error. --height H reads the
state after block H (default: the latest).`,
	}
	addNodeFlag(cmd)
	cmd.PersistentFlags().Int64("height", 0, "state height to read (0 = latest)")
	cmd.AddCommand(queryAccountCmd(), queryParamsCmd(), queryRoleCmd(), queryKeyCmd(), queryTxCmd(), landQueryCmd(), queryBallotCmd(), queryNetworkCmd())
	return cmd
}

func heightFlag(cmd *cobra.Command) (int64, error) {
	h, _ := cmd.Flags().GetInt64("height")
	if h < 0 {
		return 0, fmt.Errorf("--height %d: must be ≥ 0", h)
	}
	return h, nil
}

func queryContext(cmd *cobra.Command) (context.Context, context.CancelFunc) {
	return context.WithTimeout(cmd.Context(), 30*time.Second)
}

// readSession is what every read command starts from: the --height asked
// for, a client for the node (addr names it in errors) and a bounded
// context to be cancelled when the command ends.
type readSession struct {
	height int64
	c      *client.Client
	addr   string
	ctx    context.Context
	cancel context.CancelFunc
}

// openRead checks --height before connecting, so a bad flag fails without
// touching the node.
func openRead(cmd *cobra.Command) (*readSession, error) {
	height, err := heightFlag(cmd)
	if err != nil {
		return nil, err
	}
	c, addr, err := connect(cmd)
	if err != nil {
		return nil, err
	}
	ctx, cancel := queryContext(cmd)
	return &readSession{height: height, c: c, addr: addr, ctx: ctx, cancel: cancel}, nil
}

// stateAnswer is a single-key query's value (nil if absent), the height it
// was read at, and its verified proof if one was asked for.
type stateAnswer struct {
	value  []byte
	height int64
	proven *client.Proven
}

// readState runs a single-key query, proven if asked.
func readState(ctx context.Context, c *client.Client, path string, data []byte, height int64, prove bool) (*stateAnswer, error) {
	if prove {
		p, err := c.QueryProven(ctx, path, data, height)
		var qe *client.QueryError
		switch {
		case errors.As(err, &qe) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled):
			return nil, err
		case err != nil && (strings.HasPrefix(err.Error(), "query ") || strings.HasPrefix(err.Error(), "waiting for header")):
			return nil, err // an RPC call failed: nothing was verified
		case err != nil:
			return nil, fmt.Errorf("proof verification FAILED, the node's answer is not trustworthy: %w", err)
		}
		return &stateAnswer{value: p.Value, height: p.Height, proven: p}, nil
	}
	res, err := c.Query(ctx, path, data, height, false)
	if err != nil {
		return nil, err
	}
	return &stateAnswer{value: res.Value, height: res.Height}, nil
}

// finish prints the value (pretty) and the proof line, or reports absence.
func (a *stateAnswer) finish(w io.Writer, what string, raw bool) error {
	if a.value != nil {
		printValue(w, a.value, raw)
	}
	if a.proven != nil {
		kind := "proof"
		if a.value == nil {
			kind = "absence proof"
		}
		fmt.Fprintf(w, "%s verified against app hash %X in header %d\n", kind, a.proven.AppHash, a.proven.Height+1)
	}
	if a.value == nil {
		return fmt.Errorf("%w: %s at height %d", errNotFound, what, a.height)
	}
	return nil
}

// printValue shows JSON indented, printable text as is, anything else as
// 0x-hex (raw: always 0x-hex).
func printValue(w io.Writer, v []byte, raw bool) {
	switch {
	case raw:
		fmt.Fprintf(w, "0x%s\n", hex.EncodeToString(v))
	case json.Valid(v):
		var buf bytes.Buffer
		if err := json.Indent(&buf, v, "", "  "); err == nil {
			fmt.Fprintln(w, buf.String())
			return
		}
		fmt.Fprintf(w, "%s\n", v)
	case printable(v):
		fmt.Fprintf(w, "%s\n", v)
	default:
		fmt.Fprintf(w, "0x%s\n", hex.EncodeToString(v))
	}
}

func queryAccountCmd() *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "account ID|NAME",
		Short: "Show an account record (id, public key, sequence, roles)",
		Example: "  publica query account citizen-alice\n" +
			"  publica query account d965618062da023067cca1b141d2a82c2e50b708 --prove --height 10",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			id, err := resolveAccount(ks, args[0])
			if err != nil {
				return err
			}
			return runStateQuery(cmd, "/authority/account/"+id, nil, prove, false, "account "+id)
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
	return cmd
}

func queryParamsCmd() *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:     "params",
		Short:   "Show the authority set: threshold and member account ids",
		Example: "  publica query params --prove",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStateQuery(cmd, "/authority/params", nil, prove, false, "authority params")
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
	return cmd
}

func queryKeyCmd() *cobra.Command {
	var prove, raw bool
	cmd := &cobra.Command{
		Use:   "key KEY",
		Short: "Read one raw state key (text, or 0x-hex)",
		Long: `Read the value at one state key. KEY is the key as text
(e.g. authority/params), or 0x followed by hex for binary keys. The state
keys of each module are documented in its keeper.go.`,
		Example: "  publica query key authority/params --prove\n  publica query key 0x617574686f726974792f706172616d73",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			key, err := parseKeyArg(args[0])
			if err != nil {
				return err
			}
			return runStateQuery(cmd, "/key", key, prove, raw, fmt.Sprintf("key %q", key))
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
	cmd.Flags().BoolVar(&raw, "hex", false, "print the value as 0x-hex")
	return cmd
}

// parseKeyArg reads a state key: 0x-hex or text.
func parseKeyArg(s string) ([]byte, error) {
	if rest, ok := strings.CutPrefix(s, "0x"); ok {
		b, err := hex.DecodeString(rest)
		if err != nil {
			return nil, fmt.Errorf("key %q: bad hex after 0x: %w", s, err)
		}
		s = string(b)
	}
	if s == "" {
		return nil, errors.New("empty key")
	}
	return []byte(s), nil
}

func runStateQuery(cmd *cobra.Command, path string, data []byte, prove, raw bool, what string) error {
	r, err := openRead(cmd)
	if err != nil {
		return err
	}
	defer r.cancel()
	height, c, addr, ctx := r.height, r.c, r.addr, r.ctx
	a, err := readState(ctx, c, path, data, height, prove)
	if err != nil {
		return nodeErr(addr, err)
	}
	if err := a.finish(cmd.OutOrStdout(), what, raw); err != nil {
		return err
	}
	if !raw {
		noteBlockTimes(cmd.ErrOrStderr(), a.value)
	}
	return nil
}

func queryRoleCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "role ROLE",
		Short: "List the account ids holding a role",
		Long: `List the account ids holding ROLE, one of: ` + strings.Join(authority.Roles, ", ") + `.
The list is read from many keys and cannot be proven as one; prove each
holder with "query account ID --prove".`,
		Example: "  publica query role trustee",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !authority.ValidRole(args[0]) {
				return fmt.Errorf("unknown role %q: the roles are %s", args[0], strings.Join(authority.Roles, ", "))
			}
			r, err := openRead(cmd)
			if err != nil {
				return err
			}
			defer r.cancel()
			height, c, addr, ctx := r.height, r.c, r.addr, r.ctx
			res, err := c.Query(ctx, "/authority/role/"+args[0], nil, height, false)
			if err != nil {
				return nodeErr(addr, err)
			}
			printValue(cmd.OutOrStdout(), res.Value, false)
			return nil
		},
	}
}

type signerOut struct {
	PubKey  string `json:"pubkey"`
	Account string `json:"account"`
	Key     string `json:"key,omitempty"` // local key name, if any
}

type txQueryOut struct {
	Hash       string          `json:"hash"`
	Height     int64           `json:"height"`
	ChainID    string          `json:"chain_id"`
	Sequence   uint64          `json:"sequence"`
	ValidUntil uint64          `json:"valid_until"`
	MsgType    string          `json:"msg_type"`
	Signers    []signerOut     `json:"signers"`
	Msg        json.RawMessage `json:"msg"`
	Result     execResultOut   `json:"result"`
}

func queryTxCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "tx HASH",
		Short: "Show a committed transaction: message, signers' accounts and result",
		Long: `Show the committed transaction with hash HASH (hex, as printed by the tx
commands): its message type and JSON, its signers (public key, the account
each controlled after the block, and the local key name if one matches),
and its result (code, log, data, events).`,
		Example: "  publica query tx 3F426B7BB559973748783B7C23F2D9CA29AFBD185C51BD3665A3FB104600BD84",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			hash, err := hex.DecodeString(strings.TrimPrefix(strings.TrimPrefix(args[0], "0x"), "0X"))
			if err != nil || len(hash) != 32 {
				return fmt.Errorf("transaction hash %q is not 64 hex digits", args[0])
			}
			c, addr, err := connect(cmd)
			if err != nil {
				return err
			}
			ctx, cancel := queryContext(cmd)
			defer cancel()
			res, err := c.RPC.Tx(ctx, hash, false)
			if err != nil {
				if strings.Contains(err.Error(), "not found") {
					return fmt.Errorf("%w: no committed transaction %X on %s", errNotFound, hash, addr)
				}
				return nodeErr(addr, err)
			}
			t, err := tx.Decode(res.Tx)
			if err != nil {
				return fmt.Errorf("transaction %X does not decode: %w", hash, err)
			}
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			out := txQueryOut{
				Hash: fmt.Sprintf("%X", res.Hash), Height: res.Height, ChainID: t.ChainID,
				Sequence: t.Sequence, ValidUntil: t.ValidUntil, MsgType: t.MsgType,
				Signers: []signerOut{},
				Result: resultJSON(&client.Result{Hash: res.Hash, Height: res.Height, Code: res.TxResult.Code,
					Codespace: res.TxResult.Codespace, Log: res.TxResult.Log, Data: res.TxResult.Data, Events: res.TxResult.Events}).execResultOut,
			}
			if json.Valid(t.Msg) {
				out.Msg = t.Msg
			} else {
				out.Msg, _ = json.Marshal("0x" + hex.EncodeToString(t.Msg))
			}
			for _, s := range t.Signatures {
				out.Signers = append(out.Signers, signerOut{
					PubKey:  hex.EncodeToString(s.PubKey),
					Account: signerAccount(ctx, c, s.PubKey, res.Height),
					Key:     keyNameOf(ks, s.PubKey),
				})
			}
			return writeJSON(cmd.OutOrStdout(), out)
		},
	}
}

// signerAccount is the account pub controlled after block height (falling
// back to the latest state if that height is pruned); "" if none.
func signerAccount(ctx context.Context, c *client.Client, pub []byte, height int64) string {
	for _, h := range []int64{height, 0} {
		a, err := c.AccountByKeyAt(ctx, pub, h)
		if err == nil {
			if a == nil {
				return ""
			}
			return a.ID
		}
	}
	return ""
}
