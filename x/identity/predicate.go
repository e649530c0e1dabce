package identity

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/publica/publica/x/identity/vc"
)

// Predicate is a conjunction of comparisons on disclosed claims, written
// "district=7,age_band>=18". Operators: = != >= <= > <. Ordering operators
// need integer claims and integer constants; = and != compare a string or
// boolean claim with the constant's text and an integer claim with the
// integer. The canonical form (String) has no spaces.
type Predicate []Comparison

// Comparison is one term.
type Comparison struct {
	Claim string
	Op    string
	Value string
}

var ops = []string{">=", "<=", "!=", "=", ">", "<"}

// ParsePredicate parses and checks a predicate; at most 8 terms.
func ParsePredicate(s string) (Predicate, error) {
	if s == "" || len(s) > 256 {
		return nil, ErrBadPredicate.Wrapf("predicate must be 1 to 256 characters")
	}
	var p Predicate
	for _, term := range strings.Split(s, ",") {
		var c Comparison
		for _, op := range ops {
			if i := strings.Index(term, op); i > 0 {
				c = Comparison{Claim: term[:i], Op: op, Value: term[i+len(op):]}
				break
			}
		}
		if c.Op == "" || !vc.ValidClaimName(c.Claim) || c.Value == "" || strings.ContainsAny(c.Value, "=<>!, ") {
			return nil, ErrBadPredicate.Wrapf("term %q is not CLAIM OP VALUE (OP one of = != >= <= > <)", term)
		}
		if c.Op != "=" && c.Op != "!=" {
			if _, err := strconv.ParseInt(c.Value, 10, 64); err != nil {
				return nil, ErrBadPredicate.Wrapf("term %q: %s needs an integer", term, c.Op)
			}
		}
		for _, prev := range p {
			if prev == c {
				return nil, ErrBadPredicate.Wrapf("term %q given twice", term)
			}
		}
		p = append(p, c)
	}
	if len(p) > 8 {
		return nil, ErrBadPredicate.Wrapf("at most 8 terms")
	}
	if p.String() != s {
		return nil, ErrBadPredicate.Wrapf("predicate must be written canonically as %q", p.String())
	}
	return p, nil
}

func (c Comparison) String() string { return c.Claim + c.Op + c.Value }

func (p Predicate) String() string {
	terms := make([]string, len(p))
	for i, c := range p {
		terms[i] = c.Claim + c.Op + c.Value
	}
	return strings.Join(terms, ",")
}

// Claims lists the claims the predicate needs.
func (p Predicate) Claims() []string {
	var out []string
	for _, c := range p {
		out = append(out, c.Claim)
	}
	return out
}

// Eval evaluates the predicate over disclosed claim values. A missing claim
// is ErrMissingClaim; a false term is ErrPredicateFalse.
func (p Predicate) Eval(claims map[string]json.RawMessage) error {
	for _, c := range p {
		raw, ok := claims[c.Claim]
		if !ok {
			return ErrMissingClaim.Wrapf("%s (needed by %s%s%s)", c.Claim, c.Claim, c.Op, c.Value)
		}
		var n int64
		isInt := false
		var text string
		if err := json.Unmarshal(raw, &n); err == nil {
			isInt = true
			text = strconv.FormatInt(n, 10)
		} else if err := json.Unmarshal(raw, &text); err != nil {
			var b bool
			if json.Unmarshal(raw, &b) != nil {
				return ErrPredicateFalse.Wrapf("%s has no comparable value", c.Claim)
			}
			text = strconv.FormatBool(b)
		}
		var holds bool
		switch c.Op {
		case "=":
			holds = text == c.Value
		case "!=":
			holds = text != c.Value
		default:
			want, _ := strconv.ParseInt(c.Value, 10, 64)
			if !isInt {
				return ErrPredicateFalse.Wrapf("%s is not an integer", c.Claim)
			}
			switch c.Op {
			case ">=":
				holds = n >= want
			case "<=":
				holds = n <= want
			case ">":
				holds = n > want
			case "<":
				holds = n < want
			}
		}
		if !holds {
			return ErrPredicateFalse.Wrapf("%s%s%s does not hold", c.Claim, c.Op, c.Value)
		}
	}
	return nil
}
