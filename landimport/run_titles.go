package landimport

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/publica/publica/client"
	"github.com/publica/publica/tx"
	"github.com/publica/publica/x/land"
)

// TitleRefusal is one title that was not registered, and why.
type TitleRefusal struct {
	Line   int    `json:"line,omitempty"` // CSV line at fault (the header is line 1)
	Index  int    `json:"index"`          // GeoJSON feature index, or the title's position in the CSV
	Ref    string `json:"cadastral_ref"`
	Reason string `json:"reason"`
}

// TitleReport is the outcome of an import of titles.
type TitleReport struct {
	Titles       int            `json:"titles"`
	Registered   int            `json:"registered"`
	Skipped      int            `json:"skipped"` // the parcel already has this title (the same owners and tenure)
	Refused      int            `json:"refused"`
	Transactions int            `json:"transactions"`
	Seconds      float64        `json:"seconds"`
	Refusals     []TitleRefusal `json:"refusals"` // in file order
}

// RunTitles registers titles (as ReadTitlesCSV or ReadTitlesGeoJSON and
// then ResolveOwners left them) with signed land/register-titles
// transactions from key, a clerk's. Titles already refused are reported.
// Each reference is looked up in the register (/land/cadref-titles): an
// unknown reference or a retired parcel is refused; a parcel already on a
// title with the same owners and tenure is skipped (so an interrupted
// import is simply run again), on any other title refused. An owner given
// as an account id must be a registered account. The rest go in batches;
// a batch refused on chain is split as Run splits parcel batches.
func RunTitles(ctx context.Context, c *client.Client, key ed25519.PrivateKey, titles []*Title, o Options) (*TitleReport, error) {
	o = o.withDefaults(land.MaxBatchTitles)
	rep := &TitleReport{Titles: len(titles), Refusals: []TitleRefusal{}}
	r := &runner[*Title]{c: c, key: key, o: o, start: time.Now(), rep: &Report{Features: len(titles)}}
	r.k = kind[*Title]{
		msgType: land.TypeRegisterTitles,
		at:      titleIndexRe,
		build: func(batch []*Title) any {
			msg := land.MsgRegisterTitles{Titles: make([]land.MsgRegisterTitle, len(batch))}
			for i, t := range batch {
				msg.Titles[i] = t.Msg
			}
			return msg
		},
		refuse: func(t *Title, reason string) {
			line := t.ErrLine
			if line == 0 {
				line = t.Line
			}
			rep.Refusals = append(rep.Refusals, TitleRefusal{Line: line, Index: t.Index, Ref: t.Ref, Reason: reason})
		},
		landed: func(ctx context.Context, batch []*Title) bool {
			hits, err := lookupTitles(ctx, c, batch)
			if err != nil {
				return false
			}
			for _, t := range batch {
				h, ok := hits[t.Ref]
				if !ok || h.Title == "" || !sameOwners(t, h.Owners, h.Tenure) {
					return false
				}
			}
			return true
		},
	}
	var todo []*Title
	for _, t := range titles {
		if t.Err != nil {
			r.refuse(t, t.Err.Error())
		} else {
			todo = append(todo, t)
		}
	}
	r.progress()
	todo, err := lookUp(ctx, r, todo)
	if err != nil {
		return nil, err
	}
	if todo, err = knownAccounts(ctx, r, todo); err != nil {
		return nil, err
	}
	r.progress()
	if err := r.send(ctx, todo); err != nil {
		return nil, err
	}
	slices.SortFunc(rep.Refusals, func(a, b TitleRefusal) int {
		if a.Index != b.Index {
			return a.Index - b.Index
		}
		return a.Line - b.Line
	})
	rep.Registered, rep.Skipped, rep.Refused, rep.Transactions = r.rep.Registered, r.rep.Skipped, r.rep.Refused, r.rep.Transactions
	rep.Seconds = time.Since(r.start).Seconds()
	return rep, nil
}

// lookUp finds each title's parcel in the register, 1,000 references a
// query, and keeps the titles to send, their parcel filled in.
func lookUp(ctx context.Context, r *runner[*Title], todo []*Title) ([]*Title, error) {
	const per = land.MaxRefTitles
	chunks := make([]map[string]land.RefTitle, (len(todo)+per-1)/per)
	var wg sync.WaitGroup
	errc := make(chan error, len(chunks))
	sem := make(chan struct{}, 4)
	for k := range chunks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			hits, err := lookupTitles(ctx, r.c, todo[k*per:min(len(todo), (k+1)*per)])
			if err != nil {
				errc <- err
				return
			}
			chunks[k] = hits
		})
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return nil, err
	}
	var out []*Title
	for i, t := range todo {
		h, ok := chunks[i/per][t.Ref]
		switch {
		case !ok:
			r.refuse(t, fmt.Sprintf("%s: no parcel has the cadastral reference %q (import the parcels first)", land.ErrUnknownParcel.Desc, t.Ref))
		case h.Status != land.StatusActive:
			r.refuse(t, fmt.Sprintf("%s: %s (%s) is %s", land.ErrParcelRetired.Desc, h.Parcel, t.Ref, h.Status))
		case h.Title != "" && sameOwners(t, h.Owners, h.Tenure):
			r.rep.Skipped++
		case h.Title != "":
			r.refuse(t, fmt.Sprintf("%s: %s (%s) is on title %s, held otherwise (%s)", land.ErrParcelTitled.Desc, h.Parcel, t.Ref, h.Title, holders(h)))
		default:
			t.Msg.Parcels = []string{h.Parcel}
			body, _ := json.Marshal(&t.Msg)
			t.size = len(body)
			out = append(out, t)
		}
	}
	return out, nil
}

func holders(h land.RefTitle) string {
	parts := make([]string, len(h.Owners))
	for i, o := range h.Owners {
		parts[i] = o.Party + " " + o.Share
	}
	return h.Tenure + ": " + strings.Join(parts, ", ")
}

// knownAccounts refuses the titles naming an owner by an account id that
// is not a registered account (the register's parties are checked by the
// chain itself).
func knownAccounts(ctx context.Context, r *runner[*Title], todo []*Title) ([]*Title, error) {
	var ids []string
	for _, t := range todo {
		for _, o := range t.Msg.Owners {
			if tx.ValidAccountID(o.Party) {
				ids = append(ids, o.Party)
			}
		}
	}
	slices.Sort(ids)
	ids = slices.Compact(ids)
	known := make([]bool, len(ids))
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i, id := range ids {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			a, err := r.c.Account(ctx, id)
			known[i], errs[i] = a != nil, err
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("asking whether account %s is registered: %w", ids[i], err)
		}
	}
	out := todo[:0:0]
	for _, t := range todo {
		bad := -1
		for k, o := range t.Msg.Owners {
			if i, found := slices.BinarySearch(ids, o.Party); found && !known[i] {
				bad = k
				break
			}
		}
		if bad < 0 {
			out = append(out, t)
			continue
		}
		t.ErrLine = t.Owners[bad].Line
		r.refuse(t, fmt.Sprintf("unknown owner: account %s is not registered on this chain", t.Msg.Owners[bad].Party))
	}
	return out, nil
}

// lookupTitles asks the register about the titles' references (at most
// land.MaxRefTitles).
func lookupTitles(ctx context.Context, c *client.Client, titles []*Title) (map[string]land.RefTitle, error) {
	refs := make([]string, len(titles))
	for i, t := range titles {
		refs[i] = t.Ref
	}
	res, err := c.Query(ctx, "/land/cadref-titles/"+strings.Join(refs, ","), nil, 0, false)
	if err != nil {
		return nil, fmt.Errorf("asking the register about the references: %w", err)
	}
	var hits []land.RefTitle
	if err := json.Unmarshal(res.Value, &hits); err != nil {
		return nil, fmt.Errorf("cadref-titles answer: %w", err)
	}
	out := make(map[string]land.RefTitle, len(hits))
	for _, h := range hits {
		out[h.Ref] = h
	}
	return out, nil
}
