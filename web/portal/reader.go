package portal

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/publica/publica/client"
	"github.com/publica/publica/web/chain"
	"github.com/publica/publica/web/ui"
)

// The one chain reader every area uses: unproven reads (Query, ReadJSON,
// Record) for checking a form's answers, and proven reads (Reader) for
// pages, each value checked with its ICS23 proof against the signed
// header after the read height.

// Unavailable marks err as the node failing to answer (a 503 page), with
// what was being read, if given, for the log.
func Unavailable(err error, what ...string) error {
	if len(what) > 0 {
		return fmt.Errorf("%w: %s: %v", chain.ErrUnavailable, strings.Join(what, " "), err)
	}
	return fmt.Errorf("%w: %v", chain.ErrUnavailable, err)
}

// queryFailed passes the application's refusal of a query (a
// client.QueryError) through and marks any other failure as the node's.
func queryFailed(err error, what ...string) error {
	var qe *client.QueryError
	if errors.As(err, &qe) {
		return err
	}
	return Unavailable(err, what...)
}

// Client returns the chain client, having fetched the chain id once under
// a lock (client.Client caches it without one).
func (s *Server) Client(c echo.Context) (*client.Client, error) {
	s.clMu.Lock()
	defer s.clMu.Unlock()
	if !s.clReady {
		if _, err := s.cl.ChainID(c.Request().Context()); err != nil {
			return nil, Unavailable(err)
		}
		s.clReady = true
	}
	return s.cl, nil
}

// Query reads a query path (with data, for "/key") at height (0: the
// latest), unproven; a nil value means there is no such record.
func Query(ctx context.Context, cl *client.Client, path string, data []byte, height int64) ([]byte, error) {
	res, err := cl.Query(ctx, path, data, height, false)
	if err != nil {
		return nil, queryFailed(err)
	}
	return res.Value, nil
}

// ReadJSON decodes the record at path (height 0: the latest) into v;
// false when there is none.
func ReadJSON(ctx context.Context, cl *client.Client, path string, height int64, v any) (bool, error) {
	b, err := Query(ctx, cl, path, nil, height)
	if err != nil || b == nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", path, err)
	}
	return true, nil
}

// Record reads the record at path (height 0: the latest); nil when there
// is none.
func Record[T any](ctx context.Context, cl *client.Client, path string, height int64) (*T, error) {
	v := new(T)
	ok, err := ReadJSON(ctx, cl, path, height, v)
	if !ok {
		return nil, err
	}
	return v, nil
}

// Reader reads state with proofs, all at one height (ReadHeight's), so a
// page shows one consistent state.
type Reader struct {
	ctx     context.Context
	cl      *client.Client
	height  int64
	appHash []byte
}

// Reader is a proven reader at the request's read height.
func (s *Server) Reader(c echo.Context) (*Reader, error) {
	cl, err := s.Client(c)
	if err != nil {
		return nil, err
	}
	h, err := s.ReadHeight(c)
	if err != nil {
		return nil, err
	}
	return NewReader(c.Request().Context(), cl, h), nil
}

// NewReader is a proven reader through cl at height (0: the height of the
// first read's proof).
func NewReader(ctx context.Context, cl *client.Client, height int64) *Reader {
	return &Reader{ctx: ctx, cl: cl, height: height}
}

// Client is the chain client the reader reads through.
func (r *Reader) Client() *client.Client { return r.cl }

// Height is the height the reader reads at.
func (r *Reader) Height() int64 { return r.height }

// Proven reads path (with data, for "/key") with its proof checked; a nil
// Value is a proven absence.
func (r *Reader) Proven(path string, data []byte) (*client.Proven, error) {
	p, err := r.cl.QueryProven(r.ctx, path, data, r.height)
	if err != nil {
		return nil, queryFailed(err, "proven query", path)
	}
	if r.appHash == nil {
		r.height, r.appHash = p.Height, p.AppHash
	}
	return p, nil
}

// Query is Proven's value.
func (r *Reader) Query(path string, data []byte) ([]byte, error) {
	p, err := r.Proven(path, data)
	if err != nil {
		return nil, err
	}
	return p.Value, nil
}

// Get reads one state key (the store's Get, for readers that take one).
func (r *Reader) Get(key []byte) ([]byte, error) { return r.Query("/key", key) }

// Proof is what the page shows of the proof: the height and app hash.
func (r *Reader) Proof() ui.Proven {
	return ui.Proven{Height: r.height, AppHash: strings.ToUpper(fmt.Sprintf("%x", r.appHash))}
}

// ProvenRecord reads and decodes the record at path with its proof; nil
// when its absence is proven.
func ProvenRecord[T any](r *Reader, path string) (*T, error) {
	b, err := r.Query(path, nil)
	if err != nil || b == nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return v, nil
}
