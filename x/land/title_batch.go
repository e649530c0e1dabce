package land

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/publica/publica/errs"
	"github.com/publica/publica/module"
	"github.com/publica/publica/store"
)

// land/register-titles: many first registrations of titles in one
// transaction (what `publica land import --titles` sends), each handled
// by registerTitle itself, so a batch checks and writes exactly what the
// same titles registered one by one would.

// MaxBatchTitles bounds the titles of one land/register-titles message,
// and MaxBatchTitleParcels the parcels they name together (one title may
// name up to 64): a batch does about the work of a land/register-parcels
// batch of MaxBatchParcels. The message must also fit tx.MaxMsgBytes
// (256 KiB): 1,000 one-parcel titles with two owners each are about
// 230 KB.
const (
	MaxBatchTitles       = 1000
	MaxBatchTitleParcels = 1000
)

// MsgRegisterTitles (clerk) registers many titles in one transaction,
// each exactly as a MsgRegisterTitle, in order; all or none.
type MsgRegisterTitles struct {
	Titles []MsgRegisterTitle `json:"titles"`
}

func (m *MsgRegisterTitles) ValidateBasic() error {
	if len(m.Titles) == 0 || len(m.Titles) > MaxBatchTitles {
		return errs.InvalidMsg.Wrapf("%d titles given; 1..%d allowed", len(m.Titles), MaxBatchTitles)
	}
	n := 0
	for i := range m.Titles {
		if err := m.Titles[i].ValidateBasic(); err != nil {
			return AtTitle(i, m.Titles[i].Parcels, err)
		}
		n += len(m.Titles[i].Parcels)
	}
	if n > MaxBatchTitleParcels {
		return errs.InvalidMsg.Wrapf("the titles name %d parcels together; at most %d", n, MaxBatchTitleParcels)
	}
	return nil
}

// AtTitle names title i of a batch (and its parcels) in a refusal,
// keeping the refusal's code: "<description>: title i (P1,P2):
// <detail>".
func AtTitle(i int, parcels []string, err error) error {
	where := fmt.Sprintf("title %d (%s)", i, strings.Join(parcels, ","))
	base, ok := errors.AsType[*errs.Error](err)
	if !ok {
		return fmt.Errorf("%s: %w", where, err)
	}
	detail := strings.TrimPrefix(strings.TrimPrefix(err.Error(), base.Desc), ": ")
	if detail == "" {
		return base.Wrapf("%s", where)
	}
	return base.Wrapf("%s: %s", where, detail)
}

// registerTitles registers each title of the batch through registerTitle,
// in order: a parcel titled earlier in the batch is titled for the titles
// after it. The first refusal refuses the transaction (the app then
// discards every write of the message) and names the title's index and
// parcels. Data: the new title ids, comma separated.
func (m *Module) registerTitles(ctx *module.Context, msg *MsgRegisterTitles) ([]byte, error) {
	if err := m.requireClerk(ctx); err != nil {
		return nil, err
	}
	ids := make([]string, len(msg.Titles))
	for i := range msg.Titles {
		id, err := m.registerTitle(ctx, &msg.Titles[i])
		if err != nil {
			return nil, AtTitle(i, msg.Titles[i].Parcels, err)
		}
		ids[i] = string(id)
	}
	return []byte(strings.Join(ids, ",")), nil
}

// MaxRefTitles bounds the references of one /land/cadref-titles query.
const MaxRefTitles = 1000

// RefTitle is a registered cadastral reference, its parcel and the
// parcel's title (none: Title is ""), as /land/cadref-titles answers:
// what an import of titles needs to skip the titles already registered
// and to name the parcels of the rest.
type RefTitle struct {
	Ref    string  `json:"cadastral_ref"`
	Parcel string  `json:"parcel"`
	Status string  `json:"status"` // the parcel's: active or retired
	Title  string  `json:"title,omitempty"`
	Owners []Share `json:"owners,omitempty"` // the title's, sorted by party
	Tenure string  `json:"tenure,omitempty"`
}

// refTitles answers /land/cadref-titles/<ref>,<ref>,...: the listed
// references that are registered, in list order (a list; each parcel and
// title is provable through parcel/<id> and title/<id>).
func (m *Module) refTitles(view store.KV, list string) (module.QueryResult, error) {
	refs := strings.Split(list, ",")
	if len(refs) > MaxRefTitles {
		return module.QueryResult{}, ErrBadQuery.Wrapf("%d references; at most %d", len(refs), MaxRefTitles)
	}
	out := []RefTitle{}
	for _, ref := range refs {
		if !refRe.MatchString(ref) {
			return module.QueryResult{}, ErrBadQuery.Wrapf("%q is not a cadastral reference", ref)
		}
		id, ok := m.Keeper.ParcelByRef(view, ref)
		if !ok {
			continue
		}
		p, err := m.Keeper.Parcel(view, id)
		if err != nil {
			return module.QueryResult{}, err
		}
		if p == nil {
			return module.QueryResult{}, ErrUnknownParcel.Wrapf("reference %s names missing parcel %s", ref, id)
		}
		hit := RefTitle{Ref: ref, Parcel: id, Status: p.Status, Title: p.Title}
		if p.Title != "" {
			t, err := m.Keeper.Title(view, p.Title)
			if err != nil {
				return module.QueryResult{}, err
			}
			if t != nil {
				hit.Owners, hit.Tenure = t.Owners, t.Tenure
			}
		}
		out = append(out, hit)
	}
	b, err := json.Marshal(out)
	return module.QueryResult{Value: b}, err
}
