package client

import (
	"context"
	"errors"
	"fmt"
	"time"

	dbm "github.com/cometbft/cometbft-db"
	"github.com/cometbft/cometbft/libs/log"
	"github.com/cometbft/cometbft/light"
	"github.com/cometbft/cometbft/light/provider"
	lighthttp "github.com/cometbft/cometbft/light/provider/http"
	lightdb "github.com/cometbft/cometbft/light/store/db"
)

// TrustRoot is a header the user trusts without asking the node: its
// height and hash, taken from a source other than the node (a published
// list, another node, a previous audit).
type TrustRoot struct {
	Height int64
	Hash   []byte
	// Period is how old the root may be (CometBFT's trusting period).
	Period time.Duration
}

// UseLightClient makes every proven read verify its header with
// CometBFT's light client from root instead of trusting the validator set
// the node reports: the headers between the root and the one read are
// verified by the validator sets each previous trusted header commits to,
// and cross-checked with the witnesses (RPC addresses; the node itself
// when none is given). chainID is the chain's id.
func (c *Client) UseLightClient(ctx context.Context, chainID, primary string, witnesses []string, root TrustRoot) error {
	lc, err := NewLightClient(ctx, chainID, primary, witnesses, root)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.light = lc
	c.verified = nil // headers verified the other way are not kept
	c.mu.Unlock()
	return nil
}

// NewLightClient is CometBFT's light client for the chain chainID,
// trusting only root, reading headers from the primary node and
// cross-checking them with the witnesses (the primary itself when none is
// given); it keeps the verified headers in memory.
func NewLightClient(ctx context.Context, chainID, primary string, witnesses []string, root TrustRoot) (*light.Client, error) {
	if root.Height <= 0 || len(root.Hash) == 0 {
		return nil, errors.New("light client: a trust root needs a height and a header hash")
	}
	if root.Period <= 0 {
		root.Period = 365 * 24 * time.Hour
	}
	p, err := lighthttp.New(chainID, primary)
	if err != nil {
		return nil, fmt.Errorf("light client primary %s: %w", primary, err)
	}
	if len(witnesses) == 0 {
		witnesses = []string{primary}
	}
	var ws []provider.Provider
	for _, w := range witnesses {
		wp, err := lighthttp.New(chainID, w)
		if err != nil {
			return nil, fmt.Errorf("light client witness %s: %w", w, err)
		}
		ws = append(ws, wp)
	}
	lc, err := light.NewClient(ctx, chainID,
		light.TrustOptions{Period: root.Period, Height: root.Height, Hash: root.Hash},
		p, ws, lightdb.New(dbm.NewMemDB(), "publica"),
		light.Logger(log.NewNopLogger()))
	if err != nil {
		return nil, fmt.Errorf("light client from header %d %X: %w", root.Height, root.Hash, err)
	}
	return lc, nil
}

// lightAppHash verifies header h with the light client, waiting for the
// block if it is not there yet.
func (c *Client) lightAppHash(ctx context.Context, lc *light.Client, h int64) ([]byte, error) {
	for {
		lb, err := lc.VerifyLightBlockAtHeight(ctx, h, time.Now())
		if err == nil {
			return lb.AppHash, nil
		}
		// A height past the node's latest: wait for it; any other error
		// is a verification failure.
		if latest, lerr := c.LatestHeight(ctx); lerr != nil || latest >= h {
			return nil, fmt.Errorf("light client, header %d: %w", h, err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("waiting for header %d: %w", h, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}
