package land

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/extract"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
	"github.com/publica/publica/x/land"
)

// Land registry pages (docs/portal.md "Land"): an account's titles, a
// title with its proof and downloadable extract, a parcel with its
// outline and history timeline, and the extract verifier.

func (s *handlers) landHome(c echo.Context) error {
	ctx := c.Request().Context()
	v := ui.HoldingsView{Account: strings.ToLower(strings.TrimSpace(c.QueryParam("account")))}
	me := ui.ViewerFrom(ctx).Account
	if v.Account == "" && me != "" {
		v.Account = me
	}
	if v.Account == "" {
		return portal.Render(c, http.StatusOK, ui.LandHome(v))
	}
	if id := strings.ToUpper(v.Account); land.IsPartyID(id) {
		return c.Redirect(http.StatusSeeOther, "/land/parties/"+id) // a party's titles are on its page
	}
	if _, ok := parseAccount(v.Account); !ok {
		v.Error = []ui.FormError{{Field: "account", Message: "An account id is 40 hexadecimal characters (0–9, a–f)"}}
		return portal.Render(c, http.StatusUnprocessableEntity, ui.LandHome(v))
	}
	v.Own = v.Account == me
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	b, err := portal.Query(ctx, cl, "/land/party/"+v.Account, nil, 0)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &v.Holdings); err != nil {
		return fmt.Errorf("decode holdings: %w", err)
	}
	if v.Parties, err = partyHoldings(ctx, cl, v.Account); err != nil {
		return err
	}
	return portal.Render(c, http.StatusOK, ui.LandHome(v))
}

func validID(id string, prefix byte) bool {
	return recIDRe.MatchString(id) && id[0] == prefix
}

// proven reads /land/<path> with a proof verified against the next
// header; nil value: proven absent.
func (s *handlers) provenLand(c echo.Context, path string) (*client.Proven, error) {
	r, err := s.Reader(c)
	if err != nil {
		return nil, err
	}
	return r.Proven("/land/"+path, nil)
}

func (s *handlers) landTitle(c echo.Context) error {
	id := strings.ToUpper(c.Param("id"))
	if !validID(id, 'T') {
		return echo.NewHTTPError(http.StatusNotFound, "A title is named T followed by its number, such as T1.")
	}
	p, err := s.provenLand(c, "title/"+id)
	if err != nil {
		return err
	}
	if p.Value == nil {
		return echo.NewHTTPError(http.StatusNotFound, "There is no title "+id+" (its absence is proven at height "+fmt.Sprint(p.Height)+").")
	}
	v := ui.TitleView{Title: new(land.Title), Height: p.Height, ProofHeight: p.Height + 1,
		AppHash: strings.ToUpper(fmt.Sprintf("%x", p.AppHash))}
	if err := json.Unmarshal(p.Value, v.Title); err != nil {
		return fmt.Errorf("decode title %s: %w", id, err)
	}
	if len(v.Title.Applications) > 0 {
		if _, v.Clerk, err = s.ViewerHolds(c, authority.RoleClerk); err != nil {
			return err
		}
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	for _, pid := range v.Title.Parcels {
		// Read at the title's height, so the page is one consistent state.
		b, err := portal.Query(c.Request().Context(), cl, "/land/parcel/"+pid, nil, p.Height)
		if err != nil {
			return err
		}
		var pc land.Parcel
		if err := json.Unmarshal(b, &pc); err != nil {
			return fmt.Errorf("decode parcel %s: %w", pid, err)
		}
		v.Parcels = append(v.Parcels, &pc)
	}
	if v.Parties, err = readParties(c.Request().Context(), cl, v.Title.PartyIDs(), p.Height); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.TitlePage(v))
}

func (s *handlers) landExtract(c echo.Context) error {
	id := strings.ToUpper(c.Param("id"))
	if !validID(id, 'T') {
		return echo.NewHTTPError(http.StatusNotFound, "A title is named T followed by its number, such as T1.")
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return err
	}
	x, err := extract.Build(c.Request().Context(), cl, id, h)
	if err != nil {
		if strings.Contains(err.Error(), "not found") {
			return echo.NewHTTPError(http.StatusNotFound, "There is no title "+id+".").SetInternal(err)
		}
		return portal.Unavailable(err, "extract")
	}
	b, err := json.MarshalIndent(x, "", "  ")
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+id+`.extract.json"`)
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, append(b, '\n'))
}

func (s *handlers) landParcel(c echo.Context) error {
	raw := c.Param("id")
	id := strings.ToUpper(raw)
	if !validID(id, 'P') {
		// A cadastral reference names the parcel too: /land/parcels/MB-01.
		if cadRefRe.MatchString(raw) {
			cl, err := s.Client(c)
			if err != nil {
				return err
			}
			if b, err := portal.Query(c.Request().Context(), cl, "/land/cadref/"+raw, nil, 0); err != nil {
				return err
			} else if pid := string(b); validID(pid, 'P') {
				return c.Redirect(http.StatusSeeOther, "/land/parcels/"+pid)
			}
		}
		return portal.Render(c, http.StatusNotFound, ui.ParcelNotFound(raw, 0))
	}
	p, err := s.provenLand(c, "parcel/"+id)
	if err != nil {
		return err
	}
	if p.Value == nil {
		return portal.Render(c, http.StatusNotFound, ui.ParcelNotFound(id, p.Height))
	}
	v := ui.ParcelView{Parcel: new(land.Parcel), Height: p.Height, ProofHeight: p.Height + 1,
		AppHash: strings.ToUpper(fmt.Sprintf("%x", p.AppHash))}
	if err := json.Unmarshal(p.Value, v.Parcel); err != nil {
		return fmt.Errorf("decode parcel %s: %w", id, err)
	}
	cl, err := s.Client(c)
	if err != nil {
		return err
	}
	b, err := portal.Query(c.Request().Context(), cl, "/land/history/"+id, nil, p.Height)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, &v.History); err != nil {
		return fmt.Errorf("decode history of %s: %w", id, err)
	}
	if v.Parties, v.Actors, err = historyNames(c.Request().Context(), cl, v.History, p.Height); err != nil {
		return err
	}
	if v.Map, err = neighbourMap(c.Request().Context(), cl, v.Parcel, p.Height); err != nil {
		return err
	}
	if _, v.Clerk, err = s.ViewerHolds(c, authority.RoleClerk); err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.ParcelPage(v))
}

func (s *handlers) landVerifyForm(c echo.Context) error {
	if c.QueryParam("title") != "" || c.QueryParam("sha256") != "" {
		return s.landVerifyCertificate(c) // a certificate's QR code
	}
	return portal.Render(c, http.StatusOK, ui.VerifyPage(ui.VerifyView{}))
}

// maxExtract bounds an uploaded or pasted extract or certificate PDF (a
// certificate embeds its fonts and extract: about 75 KB for one parcel;
// the page is exempt from the portal's 64 KiB body limit and bounds its
// body itself).
const maxExtract = 2 << 20

func (s *handlers) landVerify(c echo.Context) error {
	ctx := c.Request().Context()
	c.Request().Body = http.MaxBytesReader(c.Response(), c.Request().Body, maxExtract+64<<10)
	v := ui.VerifyView{Pasted: strings.TrimSpace(c.FormValue("extract"))}
	// A refusal is in the page's language; what the check found (the
	// extract package's words, shared with the CLI) goes under
	// "Technical details".
	refuse := func(field, key string, detail error) error {
		v.Errors = []ui.FormError{{Field: field, Message: tr(ctx, key)}}
		if detail != nil {
			v.Detail = shortErr(detail)
		}
		return portal.Render(c, http.StatusUnprocessableEntity, ui.VerifyPage(v))
	}
	text, field := v.Pasted, "extract"
	if fh, err := c.FormFile("file"); err == nil && fh.Size > 0 {
		field = "file"
		if fh.Size > maxExtract {
			return refuse(field, "land.verify.e.large", nil)
		}
		f, err := fh.Open()
		if err != nil {
			return refuse(field, "land.verify.e.read", nil)
		}
		b, err := io.ReadAll(io.LimitReader(f, maxExtract+1))
		f.Close()
		if err != nil {
			return refuse(field, "land.verify.e.read", nil)
		}
		if len(b) > maxExtract {
			return refuse(field, "land.verify.e.large", nil)
		}
		text = string(b)
	} else if err != nil && !errors.Is(err, http.ErrMissingFile) {
		if tooLarge := new(http.MaxBytesError); errors.As(err, &tooLarge) {
			return refuse("file", "land.verify.e.large", nil)
		}
		if !strings.Contains(err.Error(), "multipart") {
			return refuse("file", "land.verify.e.read", nil)
		}
	}
	if strings.TrimSpace(text) == "" {
		return refuse("extract", "land.verify.e.empty", nil)
	}
	x, _, err := extract.Read([]byte(text)) // an extract, or a certificate PDF carrying one
	if err != nil {
		return refuse(field, readRefusal([]byte(text), err), err)
	}
	res, err := extract.Verify(x)
	if err != nil {
		return refuse(field, "land.verify.e.fails", err)
	}
	v.Verdict = &ui.VerifyVerdict{ChainID: x.ChainID, Title: res.Title, Parcels: res.Parcels, Parties: res.Parties, Height: res.Height,
		AppHash: strings.ToUpper(fmt.Sprintf("%x", res.AppHash)), ValidatorsHash: strings.ToUpper(fmt.Sprintf("%x", res.ValidatorsHash)),
		Records: len(x.Entries)}
	v.Pasted = ""
	return portal.Render(c, http.StatusOK, ui.VerifyPage(v))
}

// readRefusal is the catalog key saying why b, which extract.Read
// refused with err, is not an extract: a PDF with no extract attached, a
// PDF whose attachment is damaged, or neither an extract nor a PDF.
func readRefusal(b []byte, err error) string {
	switch {
	case errors.Is(err, extract.ErrNoExtract):
		return "land.verify.e.noextract"
	case bytes.HasPrefix(b, []byte("%PDF-")):
		return "land.verify.e.badpdf"
	}
	return "land.verify.e.notextract"
}

func shortErr(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
