package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/publica/publica/store"
)

// layersFlag reads a snapshot layer policy written as
// max=16,fraction=0.15,merge=0.5,merge-at=4 (fields left out are zero).
type layersFlag struct{ policy **store.LayerPolicy }

func (f *layersFlag) String() string {
	if f.policy == nil || *f.policy == nil {
		return ""
	}
	return formatLayers(**f.policy)
}

func (f *layersFlag) Type() string { return "policy" }

func (f *layersFlag) Set(s string) error {
	var p store.LayerPolicy
	err := eachField(s, "max, fraction, merge, merge-at", func(name, value string) (err error) {
		switch name {
		case "max":
			p.MaxLayers, err = strconv.Atoi(value)
		case "merge-at":
			p.MaxLayersMerging, err = strconv.Atoi(value)
		case "fraction":
			p.MaxFraction, err = strconv.ParseFloat(value, 64)
		case "merge":
			p.MergeFraction, err = strconv.ParseFloat(value, 64)
		default:
			return errNoSuchField
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	*f.policy = &p
	return nil
}

func formatLayers(p store.LayerPolicy) string {
	return fmt.Sprintf("max=%d,fraction=%g,merge=%g,merge-at=%d", p.MaxLayers, p.MaxFraction, p.MergeFraction, p.MaxLayersMerging)
}

// rewritesFlag reads a snapshot rewrite policy written as
// min=20,max=1000000,fraction=0.1,log-mib=64 (fields left out take
// store.DefaultSnapshotPolicy's), so that a run can hold rewrites off or
// bring them closer.
type rewritesFlag struct{ policy *store.SnapshotPolicy }

func (f *rewritesFlag) String() string {
	if f.policy == nil || *f.policy == (store.SnapshotPolicy{}) {
		return ""
	}
	return formatRewrites(*f.policy)
}

func (f *rewritesFlag) Type() string { return "policy" }

func (f *rewritesFlag) Set(s string) error {
	var p store.SnapshotPolicy
	err := eachField(s, "min, max, fraction, log-mib", func(name, value string) (err error) {
		var n uint64
		switch name {
		case "min", "max":
			n, err = strconv.ParseUint(value, 10, 32)
			if name == "min" {
				p.MinVersions = uint32(n)
			} else {
				p.MaxVersions = uint32(n)
			}
		case "log-mib":
			n, err = strconv.ParseUint(value, 10, 20)
			p.MaxLogBytes = int64(n) << 20
		case "fraction":
			p.ChangedFraction, err = strconv.ParseFloat(value, 64)
		default:
			return errNoSuchField
		}
		return err
	})
	if err != nil {
		return err
	}
	if err := store.CheckSnapshotPolicy(p); err != nil {
		return err
	}
	*f.policy = p
	return nil
}

func formatRewrites(p store.SnapshotPolicy) string {
	return fmt.Sprintf("min=%d,max=%d,fraction=%g,log-mib=%d", p.MinVersions, p.MaxVersions, p.ChangedFraction, p.MaxLogBytes>>20)
}

// errNoSuchField is what a policy flag's setter returns for a name it does
// not know.
var errNoSuchField = errors.New("no such field")

// eachField gives set each name=value of a comma-separated list; fields
// names the ones allowed, for the errors.
func eachField(s, fields string, set func(name, value string) error) error {
	for _, field := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return fmt.Errorf("%q is not name=value (%s)", field, fields)
		}
		if err := set(name, value); errors.Is(err, errNoSuchField) {
			return fmt.Errorf("%q: no such field (%s)", name, fields)
		} else if err != nil {
			return fmt.Errorf("%s: %q is not a number in range", name, value)
		}
	}
	return nil
}
