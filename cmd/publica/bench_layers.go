package main

import (
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
	for _, field := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok {
			return fmt.Errorf("%q is not name=value (max, fraction, merge, merge-at)", field)
		}
		var err error
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
			return fmt.Errorf("%q: no such field (max, fraction, merge, merge-at)", name)
		}
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", name, value)
		}
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
