package main

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/publica/publica/client"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// The issuer's signed status lists (docs/identity.md "Status lists"):
// revoke, suspend and reinstate carry the list as it will stand, signed
// with the issuer's key, and publish-status-list signs the list as it
// stands. The list is served at <public URL>/identity/status-lists/….

// addPublicURLFlag declares --public-url.
func addPublicURLFlag(cmd *cobra.Command, p *string) {
	cmd.Flags().StringVar(p, "public-url", "", "the public URL of the portal that serves your status lists and schemas, e.g. https://registry.example.gov (default: $PUBLICA_PUBLIC_URL, else "+vc.DefaultBaseURL+")")
}

// publicURL is --public-url, else $PUBLICA_PUBLIC_URL, else the
// development portal's, checked.
func publicURL(flag string) (string, error) {
	u := flag
	if u == "" {
		u = os.Getenv("PUBLICA_PUBLIC_URL")
	}
	if u == "" {
		u = vc.DefaultBaseURL
	}
	u = strings.TrimRight(u, "/")
	if err := vc.CheckBaseURL(u); err != nil {
		return "", fmt.Errorf("--public-url: %w", err)
	}
	return u, nil
}

// issuerKey loads the --from key and finds its account and current DID
// key number.
type issuerKey struct {
	priv    ed25519.PrivateKey
	account string
	n       int
	c       *client.Client
	addr    string
}

func loadIssuerKey(ctx context.Context, cmd *cobra.Command, from string) (*issuerKey, error) {
	ks, err := openKeys(cmd)
	if err != nil {
		return nil, err
	}
	priv, _, err := loadKey(ks, newPassphraseSource(cmd), from)
	if err != nil {
		return nil, err
	}
	c, addr, err := connect(cmd)
	if err != nil {
		return nil, err
	}
	acct, err := accountOfKey(ctx, c, priv.Public().(ed25519.PublicKey))
	if err != nil {
		return nil, nodeErr(addr, err)
	}
	n, err := currentKeyNumber(ctx, c, acct)
	if err != nil {
		return nil, nodeErr(addr, err)
	}
	return &issuerKey{priv: priv, account: acct, n: n, c: c, addr: addr}, nil
}

// signList signs the issuer's purpose list as it stands, changed by
// change if not nil. base "" is the base of the signed list the chain
// holds, if any, else publicURL("").
func (k *issuerKey) signList(ctx context.Context, purpose, base string, change func([]byte) []byte) (json.RawMessage, error) {
	res, err := k.c.Query(ctx, "/identity/statuslist/"+k.account+"/"+purpose, nil, 0, false)
	if err != nil {
		return nil, nodeErr(k.addr, err)
	}
	_, bits, err := identity.ParseStatusListCredential(res.Value)
	if err != nil {
		return nil, nodeErr(k.addr, fmt.Errorf("the node's status list: %w", err))
	}
	if change != nil {
		bits = change(bits)
	}
	if base == "" {
		if base, err = k.storedBase(ctx, purpose); err != nil {
			return nil, err
		}
	}
	if base == "" {
		if base, err = publicURL(""); err != nil {
			return nil, err
		}
	}
	return identity.SignStatusList(base, k.account, purpose, k.n, bits, time.Now(), k.priv)
}

// storedBase is the public URL of the signed list the chain holds ("":
// none).
func (k *issuerKey) storedBase(ctx context.Context, purpose string) (string, error) {
	res, err := k.c.Query(ctx, "/identity/signedstatuslist/"+k.account+"/"+purpose, nil, 0, false)
	if err != nil {
		return "", nodeErr(k.addr, err)
	}
	if len(res.Value) == 0 {
		return "", nil
	}
	var doc struct{ ID string }
	json.Unmarshal(res.Value, &doc)
	base, _, _, _ := vc.ParseStatusListURL(doc.ID)
	return base, nil
}

// statusChangeCmd is revoke, suspend or reinstate: identity/set-status
// with the issuer's signed list as it will stand.
func statusChangeCmd(use, purpose string, set bool, short string) *cobra.Command {
	var o txOpts
	var base string
	var noList bool
	cmd := &cobra.Command{
		Use:   use + " INDEX",
		Short: short,
		Long: short + `.

The transaction carries the issuer's signed status list as it will stand
(a W3C BitstringStatusListCredential signed with eddsa-jcs-2022 by the
--from key), which the chain checks and keeps: the portal serves it at the
URL the credentials name. --public-url is that portal's address (default:
the address of the list the chain holds, else $PUBLICA_PUBLIC_URL, else
` + vc.DefaultBaseURL + `). With --no-list the signed list is withdrawn until
publish-status-list signs a new one.`,
		Example: "  publica identity " + use + " 0 --from registrar --public-url https://registry.example.gov",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			i, err := strconv.ParseUint(a[0], 10, 64)
			if err != nil {
				return fmt.Errorf("INDEX %q: a whole number", a[0])
			}
			msg := identity.MsgSetStatus{Purpose: purpose, Index: i, Set: set}
			if !noList {
				if base != "" {
					if base, err = publicURL(base); err != nil {
						return err
					}
				}
				ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
				defer cancel()
				k, err := loadIssuerKey(ctx, cmd, o.from)
				if err != nil {
					return err
				}
				if msg.List, err = k.signList(ctx, purpose, base, func(b []byte) []byte { return identity.WithStatusBit(b, i, set) }); err != nil {
					return err
				}
			}
			return runMsgTx(cmd, &o, identity.TypeSetStatus, msg)
		},
	}
	addBuildFlags(cmd, &o, false)
	addPublicURLFlag(cmd, &base)
	cmd.Flags().BoolVar(&noList, "no-list", false, "send no signed list (the portal serves none until publish-status-list)")
	return cmd
}

// publishStatusListCmd signs and publishes the issuer's lists as they
// stand.
func publishStatusListCmd() *cobra.Command {
	var o txOpts
	var base string
	cmd := &cobra.Command{
		Use:   "publish-status-list [revocation|suspension]",
		Short: "Sign your status lists as they stand and publish them on chain (issuer), for the portal to serve",
		Long: `Sign the --from issuer's revocation and suspension lists (or the one named)
as they stand and send them (identity/publish-status-list): the chain checks
each against its list and the issuer's current key, and the portal serves it
at <public URL>/identity/status-lists/<issuer>/<purpose>, the
statusListCredential of the issuer's credentials.`,
		Example: "  publica identity publish-status-list --from registrar --public-url https://registry.example.gov",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, a []string) error {
			purposes := []string{identity.PurposeRevocation, identity.PurposeSuspension}
			if len(a) == 1 {
				if a[0] != identity.PurposeRevocation && a[0] != identity.PurposeSuspension {
					return fmt.Errorf("purpose %q: want revocation or suspension", a[0])
				}
				purposes = a
			}
			var err error
			if base != "" {
				if base, err = publicURL(base); err != nil {
					return err
				}
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), o.timeout)
			defer cancel()
			k, err := loadIssuerKey(ctx, cmd, o.from)
			if err != nil {
				return err
			}
			for _, p := range purposes {
				list, err := k.signList(ctx, p, base, nil)
				if err != nil {
					return err
				}
				if err := runMsgTx(cmd, &o, identity.TypePublishStatusList, identity.MsgPublishStatusList{Purpose: p, List: list}); err != nil {
					return err
				}
			}
			return nil
		},
	}
	addBuildFlags(cmd, &o, false)
	addPublicURLFlag(cmd, &base)
	return cmd
}
