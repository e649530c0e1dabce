// Package explorer serves the chain explorer: the status page (and its
// JSON), blocks, transactions and accounts, read through the node's RPC.
package explorer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/tx"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/portal"
	"github.com/publica/publica/web/ui"
	"github.com/publica/publica/x/authority"
)

// handlers serve the explorer's pages.
type handlers struct{ *portal.Server }

// Register declares the explorer's pages on e.
func Register(e *echo.Echo, p *portal.Server) {
	s := &handlers{p}
	e.GET("/status", s.statusPage)
	e.GET("/api/status", s.statusJSON)
	e.GET("/blocks", s.blocksPage)
	e.GET("/blocks/:height", s.blockPage)
	e.GET("/tx/:hash", s.txPage)
	e.GET("/accounts/:id", s.accountPage)
}

func notFound(err error, msg string) error {
	if errors.Is(err, chain.ErrNotFound) {
		return echo.NewHTTPError(http.StatusNotFound, msg).SetInternal(err)
	}
	return err
}

// blocksPage serves GET /blocks[?from=H]: replay status, charts, blocks.
func (s *handlers) blocksPage(c echo.Context) error {
	ctx := c.Request().Context()
	var from int64
	if v := c.QueryParam("from"); v != "" {
		h, err := strconv.ParseInt(v, 10, 64)
		if err != nil || h < 1 {
			return echo.NewHTTPError(http.StatusBadRequest, "The block height must be a whole number from 1.")
		}
		from = h
	}
	l, err := s.Chain().Blocks(ctx, from)
	if err != nil {
		return notFound(err, fmt.Sprintf("This node has no block %d.", from))
	}
	a, err := s.Chain().Activity(ctx)
	if err != nil {
		return err
	}
	r := s.ReplayPanel()
	r.Link = true
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, http.StatusOK, ui.BlocksPage(l, a, r))
}

// blockPage serves GET /blocks/:height.
func (s *handlers) blockPage(c echo.Context) error {
	h, err := strconv.ParseInt(c.Param("height"), 10, 64)
	if err != nil || h < 1 {
		return echo.NewHTTPError(http.StatusNotFound, "A block is named by its height, a whole number from 1.")
	}
	d, err := s.Chain().Block(c.Request().Context(), h)
	if err != nil {
		return notFound(err, fmt.Sprintf("This node has no block %d.", h))
	}
	return portal.Render(c, http.StatusOK, ui.BlockPage(d))
}

// txPage serves GET /tx/:hash.
func (s *handlers) txPage(c echo.Context) error {
	hash := strings.ToUpper(c.Param("hash"))
	d, err := s.Chain().Tx(c.Request().Context(), hash)
	if err != nil {
		return notFound(err, "This node knows no committed transaction with hash "+hash+".")
	}
	return portal.Render(c, http.StatusOK, ui.TxPage(d))
}

// accountPage serves GET /accounts/:id: the record read with an ICS23
// proof, verified against the app hash of the next, validator-signed header.
func (s *handlers) accountPage(c echo.Context) error {
	id := strings.ToLower(c.Param("id"))
	if !tx.ValidAccountID(id) {
		return echo.NewHTTPError(http.StatusNotFound, "An account id is 40 hexadecimal characters.")
	}
	r, err := s.Reader(c)
	if err != nil {
		return err
	}
	p, err := r.Proven("/authority/account/"+id, nil)
	if err != nil {
		return err
	}
	v := ui.AccountView{ID: id, Height: p.Height, ProofHeight: p.Height + 1,
		AppHash: strings.ToUpper(fmt.Sprintf("%x", p.AppHash)),
		Own:     ui.ViewerFrom(c.Request().Context()).Account == id}
	code := http.StatusOK
	if p.Value == nil {
		code = http.StatusNotFound
	} else {
		var a authority.Account
		if err := json.Unmarshal(p.Value, &a); err != nil {
			return fmt.Errorf("decode account %s: %w", id, err)
		}
		v.Account = &a
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return portal.Render(c, code, ui.AccountPage(v))
}
