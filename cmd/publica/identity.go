package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

type errsError = errs.Error

func identityCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "identity",
		Short: "Identity module: schemas, issuers, status lists, DIDs, recovery, eligibility (transactions and queries)",
	}
	addNodeFlag(cmd)
	addPassphraseFlag(cmd)
	cmd.PersistentFlags().Int64("height", 0, "state height to read for queries (0 = latest)")
	msgCmd := func(use, short, example string, args cobra.PositionalArgs, cosign bool, build func(args []string) (string, any, error)) *cobra.Command {
		var o txOpts
		c := &cobra.Command{Use: use, Short: short, Example: example, Args: args,
			RunE: func(cmd *cobra.Command, a []string) error {
				t, msg, err := build(a)
				if err != nil {
					return err
				}
				return runMsgTx(cmd, &o, t, msg)
			}}
		addBuildFlags(c, &o, cosign)
		return c
	}
	account := func(cmd *cobra.Command, s string) (string, error) {
		ks, err := openKeys(cmd)
		if err != nil {
			return "", err
		}
		return resolveAccount(ks, s)
	}
	var claimDefs []string
	var jsonSchema string
	regSchema := msgCmd("register-schema ID VERSION", "Register a credential schema version (k of n authority members)",
		"  publica identity register-schema residence 1 --claims age_band:integer,district:integer --json-schema residence.schema.json --from authority-1 --cosign authority-2",
		cobra.ExactArgs(2), true, func(a []string) (string, any, error) {
			v, err := strconv.ParseUint(a[1], 10, 32)
			if err != nil {
				return "", nil, fmt.Errorf("VERSION %q: %w", a[1], err)
			}
			m := identity.MsgRegisterSchema{ID: a[0], Version: uint32(v)}
			for _, d := range claimDefs {
				n, t, _ := strings.Cut(d, ":")
				m.Claims = append(m.Claims, identity.ClaimDef{Name: n, Type: t})
			}
			b, err := os.ReadFile(jsonSchema)
			if err != nil {
				return "", nil, fmt.Errorf("--json-schema: %w", err)
			}
			m.JSONSchemaHash = sha256Hex(b)
			return identity.TypeRegisterSchema, m, nil
		})
	regSchema.Flags().StringSliceVar(&claimDefs, "claims", nil, "NAME:TYPE,… sorted by name; types: "+strings.Join(identity.ClaimTypes, ", "))
	regSchema.Flags().StringVar(&jsonSchema, "json-schema", "", "the JSON Schema file (its SHA-256 is recorded)")

	var schemas []string
	var accredit *cobra.Command
	accredit = msgCmd("accredit-issuer ACCOUNT", "Accredit an issuer for schemas (k of n authority members)",
		"  publica identity accredit-issuer registrar --schemas residence --from authority-1 --cosign authority-2",
		cobra.ExactArgs(1), true, func(a []string) (string, any, error) {
			id, err := account(accredit, a[0])
			return identity.TypeAccreditIssuer, identity.MsgAccreditIssuer{Issuer: id, Schemas: schemas}, err
		})
	accredit.Flags().StringSliceVar(&schemas, "schemas", nil, "schema ids, sorted, comma separated")

	var issuerStatus *cobra.Command
	issuerStatus = msgCmd("set-issuer-status ACCOUNT active|suspended|withdrawn", "Suspend, reinstate or withdraw an issuer (k of n authority members)",
		"  publica identity set-issuer-status registrar suspended --from authority-1 --cosign authority-2",
		cobra.ExactArgs(2), true, func(a []string) (string, any, error) {
			id, err := account(issuerStatus, a[0])
			return identity.TypeSetIssuerStatus, identity.MsgSetIssuerStatus{Issuer: id, Status: a[1]}, err
		})

	rotate := msgCmd("rotate-key NEW_KEY_NAME", "Replace the --from account's key by a new local key, which co-signs",
		"  publica keys add alice2 && publica identity rotate-key alice2 --from citizen-alice --cosign alice2",
		cobra.ExactArgs(1), true, func(a []string) (string, any, error) { return "", nil, nil })
	rotate.RunE = func(cmd *cobra.Command, a []string) error {
		ks, err := openKeys(cmd)
		if err != nil {
			return err
		}
		info, err := ks.Show(a[0])
		if err != nil {
			return err
		}
		var o txOpts
		o.from, _ = cmd.Flags().GetString("from")
		o.cosign, _ = cmd.Flags().GetStringSlice("cosign")
		o.validFor, _ = cmd.Flags().GetUint64("valid-for")
		o.timeout, _ = cmd.Flags().GetDuration("timeout")
		if len(o.cosign) != 1 || o.cosign[0] != a[0] {
			return fmt.Errorf("the new key must co-sign: add --cosign %s", a[0])
		}
		return runMsgTx(cmd, &o, identity.TypeRotateKey, identity.MsgRotateKey{NewPubKey: hex.EncodeToString(info.PublicKey())})
	}

	var services []string
	updateDID := msgCmd("update-did", "Replace the services of the --from account's DID document",
		"  publica identity update-did --service inbox=Mailbox=https://alice.example/inbox --from citizen-alice",
		cobra.NoArgs, false, func([]string) (string, any, error) {
			m := identity.MsgUpdateDID{Services: []identity.Service{}}
			for _, s := range services {
				p := strings.SplitN(s, "=", 3)
				if len(p) != 3 {
					return "", nil, fmt.Errorf("--service %q: want ID=TYPE=ENDPOINT", s)
				}
				m.Services = append(m.Services, identity.Service{ID: p[0], Type: p[1], Endpoint: p[2]})
			}
			return identity.TypeUpdateDID, m, nil
		})
	updateDID.Flags().StringArrayVar(&services, "service", nil, "ID=TYPE=ENDPOINT (sorted by id); repeat")

	var newKeyHex string
	var reqRec *cobra.Command
	reqRec = msgCmd("request-recovery ACCOUNT", "Announce re-binding a lost account to a new key after the waiting period (registrar)",
		"  publica identity request-recovery citizen-alice --new-pubkey 3b6a…e1 --from registrar",
		cobra.ExactArgs(1), false, func(a []string) (string, any, error) {
			id, err := account(reqRec, a[0])
			return identity.TypeRequestRecovery, identity.MsgRequestRecovery{Account: id, NewPubKey: newKeyHex}, err
		})
	reqRec.Flags().StringVar(&newKeyHex, "new-pubkey", "", "hex public key the citizen now holds")
	var cancelRec, completeRec *cobra.Command
	cancelRec = msgCmd("cancel-recovery ACCOUNT", "Cancel a pending recovery with the account's current key",
		"  publica identity cancel-recovery citizen-alice --from citizen-alice", cobra.ExactArgs(1), false,
		func(a []string) (string, any, error) {
			id, err := account(cancelRec, a[0])
			return identity.TypeCancelRecovery, identity.MsgCancelRecovery{Account: id}, err
		})
	completeRec = msgCmd("complete-recovery ACCOUNT", "Apply a recovery whose waiting period has elapsed (anyone)",
		"  publica identity complete-recovery citizen-alice --from registrar", cobra.ExactArgs(1), false,
		func(a []string) (string, any, error) {
			id, err := account(completeRec, a[0])
			return identity.TypeCompleteRecovery, identity.MsgCompleteRecovery{Account: id}, err
		})
	cmd.AddCommand(regSchema, accredit, issuerStatus,
		statusChangeCmd("revoke", identity.PurposeRevocation, true, "Revoke the credential at INDEX of your status list (issuer; final)"),
		statusChangeCmd("suspend", identity.PurposeSuspension, true, "Suspend the credential at INDEX (issuer)"),
		statusChangeCmd("reinstate", identity.PurposeSuspension, false, "Lift the suspension at INDEX (issuer)"),
		publishStatusListCmd(),
		rotate, updateDID,
		msgCmd("deactivate-did", "Deactivate the --from account's DID (final)", "  publica identity deactivate-did --from citizen-alice",
			cobra.NoArgs, false, func([]string) (string, any, error) {
				return identity.TypeDeactivateDID, identity.MsgDeactivateDID{}, nil
			}),
		reqRec, cancelRec, completeRec, registerEligibilityCmd(), identityQueryCmd(), statusListCmd())
	return cmd
}

func statusListCmd() *cobra.Command {
	var output string
	cmd := &cobra.Command{
		Use:   "status-list ISSUER revocation|suspension",
		Short: "Write an issuer's status list as a W3C BitstringStatusListCredential, every page proven",
		Long: `Read every page of ISSUER's status list for the purpose at one height
(--height, default latest), each with an ICS23 proof checked against the
app hash of a signed header, and write the W3C Bitstring Status List
document: credentialSubject.encodedList is the multibase base64url GZIP of
the bitstring (at least 131072 entries), and evidence carries the height,
the app hash and each page's proof, so anyone can re-check it offline.
Its id is the statusListCredential of the issuer's credentials.`,
		Example: "  publica identity status-list registrar revocation --height 120 -o registrar-revocation.json",
		Args:    cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			issuer := a[0]
			if id, ok := vc.AccountOfDID(issuer); ok {
				issuer = id
			} else if issuer, err = resolveAccount(ks, a[0]); err != nil {
				return err
			}
			purpose := a[1]
			if purpose != identity.PurposeRevocation && purpose != identity.PurposeSuspension {
				return fmt.Errorf("purpose %q: want revocation or suspension", purpose)
			}
			r, err := openRead(cmd)
			if err != nil {
				return err
			}
			defer r.cancel()
			height, c, addr, ctx := r.height, r.c, r.addr, r.ctx
			// This proof fixes the height and the header-verified app hash
			// every key of the list is checked against.
			pp, err := c.QueryProven(ctx, "/key", identity.ParamsKey(), height)
			if err != nil {
				return nodeErr(addr, fmt.Errorf("params: %w", err))
			}
			st, err := c.RPC.Status(ctx)
			if err != nil {
				return nodeErr(addr, err)
			}
			doc, err := identity.StatusListFromChain(st.NodeInfo.Network, issuer, purpose, pp.Height, pp.AppHash,
				func(key []byte) ([]byte, []byte, error) {
					res, err := c.Query(ctx, "/key", key, pp.Height, true)
					if err != nil {
						return nil, nil, err
					}
					if res.ProofOps == nil || len(res.ProofOps.Ops) != 1 {
						return nil, nil, errors.New("the node sent no proof")
					}
					if len(res.Value) == 0 {
						return nil, res.ProofOps.Ops[0].Data, nil // absent
					}
					return res.Value, res.ProofOps.Ops[0].Data, nil
				})
			if err != nil {
				return nodeErr(addr, err)
			}
			b, _ := json.MarshalIndent(doc, "", "  ")
			if err := writeOutput(cmd, output, append(b, '\n')); err != nil {
				return err
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s list of %s at height %d: %d pages proven against app hash %X in header %d\n",
				purpose, vc.DID(issuer), pp.Height, len(doc.Evidence[0].Pages), pp.AppHash, pp.Height+1)
			return nil
		},
	}
	cmd.Flags().StringVarP(&output, "output", "o", "", "file to write (default stdout)")
	return cmd
}

func identityQueryCmd() *cobra.Command {
	var prove bool
	cmd := &cobra.Command{
		Use:   "show did|didrecord|issuer|schema|credential|status|statuslist|recovery ARGS…",
		Short: "Read identity state (with --prove: verified Merkle proof)",
		Example: `  publica identity show did citizen-alice
  publica identity show issuer registrar --prove
  publica identity show schema residence 1 --prove
  publica identity show status registrar revocation 17 --prove
  publica identity show statuslist registrar revocation --prove   # the issuer's signed list
  publica identity show credential <digest hex> --prove`,
		Args: cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, a []string) error {
			ks, err := openKeys(cmd)
			if err != nil {
				return err
			}
			acctArg := func(s string) (string, error) {
				if id, ok := vc.AccountOfDID(s); ok {
					return id, nil
				}
				return resolveAccount(ks, s)
			}
			switch a[0] {
			case "did":
				id, err := acctArg(a[1])
				if err != nil {
					return err
				}
				if prove {
					return showProvenDID(cmd, id)
				}
				return runStateQuery(cmd, "/identity/did/"+id, nil, false, false, "DID of "+id)
			case "didrecord", "issuer", "recovery":
				id, err := acctArg(a[1])
				if err != nil {
					return err
				}
				return runStateQuery(cmd, "/identity/"+a[0]+"/"+id, nil, prove, false, a[0]+" "+id)
			case "schema", "credential":
				return runStateQuery(cmd, "/identity/"+strings.Join(a, "/"), nil, prove, false, strings.Join(a, " "))
			case "statuslist":
				if len(a) != 3 {
					return errors.New("show statuslist ISSUER revocation|suspension")
				}
				id, err := acctArg(a[1])
				if err != nil {
					return err
				}
				return runStateQuery(cmd, "/identity/signedstatuslist/"+id+"/"+a[2], nil, prove, false, "signed "+a[2]+" list of "+id)
			case "status":
				if len(a) != 4 {
					return errors.New("show status ISSUER PURPOSE INDEX")
				}
				id, err := acctArg(a[1])
				if err != nil {
					return err
				}
				idx, err := strconv.ParseUint(a[3], 10, 64)
				if err != nil {
					return err
				}
				return showStatus(cmd, id, a[2], idx, prove)
			}
			return fmt.Errorf("unknown record %q", a[0])
		},
	}
	cmd.Flags().BoolVar(&prove, "prove", false, "verify a Merkle proof of the answer against a signed header")
	return cmd
}

// showStatus prints one status bit; an absent page is all zeros.
func showStatus(cmd *cobra.Command, issuer, purpose string, idx uint64, prove bool) error {
	r, err := openRead(cmd)
	if err != nil {
		return err
	}
	defer r.cancel()
	height, c, addr, ctx := r.height, r.c, r.addr, r.ctx
	ans, err := readState(ctx, c, "/identity/status/"+issuer+"/"+purpose+"/"+strconv.FormatUint(idx, 10), nil, height, prove)
	if err != nil {
		return nodeErr(addr, err)
	}
	fmt.Fprintf(cmd.OutOrStdout(), "%s %s index %d: %v (height %d)\n", issuer, purpose, idx, identity.StatusBit(ans.value, idx), ans.height)
	if ans.proven != nil {
		fmt.Fprintf(cmd.OutOrStdout(), "proof verified against app hash %X in header %d\n", ans.proven.AppHash, ans.proven.Height+1)
	}
	return nil
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// showProvenDID builds the DID document from the keys it comes from (the
// DID record, or its absence and the account), each read with a proof
// checked against a signed header, all at one height.
func showProvenDID(cmd *cobra.Command, account string) error {
	r, err := openRead(cmd)
	if err != nil {
		return err
	}
	defer r.cancel()
	nr := &nodeReader{ctx: r.ctx, c: r.c, height: r.height}
	d, err := identity.ResolveDID(nr, account)
	if err != nil {
		return nodeErr(r.addr, err)
	}
	if d == nil {
		return fmt.Errorf("%w: account %s (absence proven at height %d)", errNotFound, account, nr.height)
	}
	b, _ := json.MarshalIndent(identity.DIDDocument(d), "", "  ")
	fmt.Fprintf(cmd.OutOrStdout(), "%s\nDID document built from keys proven at height %d (each proof checked against the app hash in header %d)\n",
		b, nr.height, nr.height+1)
	return nil
}
