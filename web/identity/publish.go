package identity

import (
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/identity"
	"github.com/publica/publica/x/identity/vc"
)

// Publishing the signed status list from the browser (docs/portal.md): the
// signed-in issuer's key signs the list as the chain holds it (a Data
// Integrity proof, as when issuing), then the transaction that publishes
// it (identity/publish-status-list). The portal holds no key: it prepares,
// checks and relays.

const sealList = "identity/statuslist"

// listState is what the check page seals: the list to sign.
type listState struct {
	Issuer      string    `json:"issuer"`
	PubKey      string    `json:"pubkey"`
	KeyNumber   int       `json:"key_number"`
	Purpose     string    `json:"purpose"`
	BaseURL     string    `json:"base_url"`
	EncodedList string    `json:"encoded_list"`
	Height      int64     `json:"height"`
	Created     time.Time `json:"created"`
	Expires     time.Time `json:"expires"`
}

func (st *listState) prepare() (*vc.PendingDocument, []byte, error) {
	bits, err := identity.DecodeStatusList(st.EncodedList)
	if err != nil {
		return nil, nil, err
	}
	return identity.PrepareStatusList(st.BaseURL, st.Issuer, st.Purpose, st.KeyNumber, bits, st.Created)
}

// publishList prepares the signed-in issuer's list for purpose.
func (s *handlers) publishList(c echo.Context) error {
	ctx := c.Request().Context()
	viewer := ui.ViewerFrom(ctx)
	purpose := c.FormValue("purpose")
	if viewer.Account == "" {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Sign in with your issuer key to publish your status lists: only that key can sign them.")
	}
	if purpose != identity.PurposeRevocation && purpose != identity.PurposeSuspension {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "A status list is either revocation or suspension.")
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	is, err := portal.Record[identity.Issuer](ctx, cl, "/identity/issuer/"+viewer.Account, 0)
	if err != nil {
		return err
	}
	if is == nil {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "Account "+viewer.Account+" is not a credential issuer: it has no status lists to publish.")
	}
	n, err := currentKey(ctx, cl, viewer.Account, viewer.PubKey)
	if err != nil {
		return err
	}
	if n == 0 {
		return echo.NewHTTPError(http.StatusUnprocessableEntity, "The key you signed in with no longer controls your account: sign in again with its current key.")
	}
	h, err := cl.LatestHeight(ctx)
	if err != nil {
		return portal.Unavailable(err)
	}
	b, err := portal.Query(ctx, cl, "/identity/statuslist/"+viewer.Account+"/"+purpose, nil, h)
	if err != nil {
		return err
	}
	doc, _, err := identity.ParseStatusListCredential(b)
	if err != nil {
		return portal.Unavailable(err, "status list")
	}
	now := time.Now().UTC().Truncate(time.Second)
	st := listState{Issuer: viewer.Account, PubKey: viewer.PubKey, KeyNumber: n, Purpose: purpose, BaseURL: s.Origin(c),
		EncodedList: doc.CredentialSubject.EncodedList, Height: h, Created: now, Expires: now.Add(sealedFor)}
	if err := vc.CheckBaseURL(st.BaseURL); err != nil {
		return echo.NewHTTPError(http.StatusInternalServerError, "This portal's public URL cannot name a status list: "+err.Error()+". Start it with --public-url.")
	}
	return s.renderListCheck(c, http.StatusOK, &st, nil)
}

func (s *handlers) renderListCheck(c echo.Context, code int, st *listState, fe []ui.FormError) error {
	pend, signBytes, err := st.prepare()
	if err != nil {
		return err
	}
	placeholder, err := pend.Finish(make([]byte, ed25519.SignatureSize))
	if err != nil {
		return err
	}
	di, err := diCheckOf(placeholder, signBytes, "assertionMethod", st.PubKey)
	if err != nil {
		return err
	}
	sealed, err := s.SealState(sealList, st)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, code, ui.StatusListCheckPage(ui.StatusListCheck{DI: di, Sealed: sealed, Errors: fe, Facts: []ui.Fact{
		{Label: "What", Value: "Sign your " + st.Purpose + " list as the chain holds it, for verifiers to fetch"},
		{Label: "List", Value: "the " + st.Purpose + " list of " + vc.DID(st.Issuer), Mono: true},
		{Label: "As of block", Value: strconv.FormatInt(st.Height, 10)},
		{Label: "Served at", Value: vc.StatusListURL(st.BaseURL, st.Issuer, st.Purpose), Mono: true},
		{Label: "Signed with", Value: vc.KeyRef(st.Issuer, st.KeyNumber), Mono: true},
	}}))
}

// publishListSign attaches the browser's signature to the list and
// prepares the transaction that publishes it.
func (s *handlers) publishListSign(c echo.Context) error {
	var st listState
	if err := s.OpenState(sealList, c.FormValue("sealed"), &st); err != nil || time.Now().After(st.Expires) {
		return sealedGone()
	}
	badSig := []ui.FormError{{Message: "The signature does not match this list and key, so nothing was signed. Sign it again with the key it names."}}
	sig, ok := signatureField(c)
	if !ok {
		return s.renderListCheck(c, http.StatusUnprocessableEntity, &st, badSig)
	}
	pend, _, err := st.prepare()
	if err != nil {
		return err
	}
	signed, err := pend.Finish(sig)
	if err != nil {
		return err
	}
	pub, err := authority.ParsePubKey(st.PubKey)
	if err != nil {
		return sealedGone()
	}
	bits, err := identity.DecodeStatusList(st.EncodedList)
	if err != nil {
		return sealedGone()
	}
	if identity.CheckSignedStatusList(signed, st.Issuer, st.Purpose, st.KeyNumber, pub, bits) != nil {
		return s.renderListCheck(c, http.StatusUnprocessableEntity, &st, badSig)
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	t, err := cl.Build(c.Request().Context(), pub, identity.TypePublishStatusList,
		identity.MsgPublishStatusList{Purpose: st.Purpose, List: json.RawMessage(signed)}, portal.ValidFor)
	if err != nil {
		return portal.Unavailable(err)
	}
	return s.renderListTx(c, http.StatusOK, t, pub, nil)
}

func (s *handlers) renderListTx(c echo.Context, code int, t *tx.Tx, pub ed25519.PublicKey, fe []ui.FormError) error {
	var m identity.MsgPublishStatusList
	_ = tx.DecodeMsg(t.Msg, &m)
	issuer := tx.AccountID(pub)
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, code, ui.StatusListTxPage(ui.StatusListTx{
		Facts: []ui.Fact{
			{Label: "What", Value: "Publish your signed " + m.Purpose + " list: the chain checks it against its list and keeps it"},
			{Label: "Served at", Value: vc.StatusListURL(s.Origin(c), issuer, m.Purpose), Mono: true},
			{Label: "If your list changes first", Value: "the chain refuses this list (identity/23): sign it again"},
		},
		Technical: []ui.Fact{
			{Label: "Chain", Value: t.ChainID, Mono: true},
			{Label: "Signed by (public key)", Value: hex.EncodeToString(pub), Mono: true},
			{Label: "Sequence", Value: strconv.FormatUint(t.Sequence, 10)},
			{Label: "Valid until block", Value: strconv.FormatUint(t.ValidUntil, 10)},
			{Label: "Message type", Value: t.MsgType, Mono: true},
		},
		SignBytes: hex.EncodeToString(t.SignBytes(pub)), PubKey: hex.EncodeToString(pub),
		Prepared: s.Seal(t, pub), Errors: fe,
	}))
}

// publishListSend relays the signed transaction.
func (s *handlers) publishListSend(c echo.Context) error {
	t, err := s.Unseal(c.FormValue("prepared"))
	if err != nil || t.MsgType != identity.TypePublishStatusList {
		return sealedGone()
	}
	pub := t.Primary()
	sig, ok := signatureField(c)
	if ok {
		t.Signatures[0].Sig = sig
		ok = t.VerifySignatures() == nil
	}
	if !ok {
		t.Signatures[0].Sig = make([]byte, ed25519.SignatureSize)
		return s.renderListTx(c, http.StatusUnprocessableEntity, t, pub, []ui.FormError{{
			Message: "The signature does not match this transaction and key, so nothing was sent. Sign it again with the key it names."}})
	}
	issuer := tx.AccountID(pub)
	res, hash, refused, err := s.Broadcast(c, t, "identity", "/identity/issuers/"+issuer)
	if refused || err != nil {
		return err
	}
	var m identity.MsgPublishStatusList
	_ = tx.DecodeMsg(t.Msg, &m)
	var doc struct{ ID string }
	_ = json.Unmarshal(m.List, &doc)
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.StatusListDonePage(ui.StatusListDone{
		Height: res.Height, URL: doc.ID, Issuer: issuer,
		Facts: []ui.Fact{
			{Label: "List", Value: m.Purpose},
			{Label: "Served at", Value: doc.ID, Mono: true},
			{Label: "Transaction hash", Value: hash, Mono: true, Href: "/tx/" + hash},
			{Label: "Block", Value: fmt.Sprint(res.Height), Href: fmt.Sprintf("/blocks/%d", res.Height)},
		}}))
}
