package ui

import (
	"strconv"
	"strings"
)

// percent is n of total as a percentage with one decimal ("60.0%");
// "–" when total is zero.
func percent(n, total uint64) string {
	if total == 0 {
		return "–"
	}
	pm := (n*2000 + total) / (2 * total) // per mille, rounded half up
	return strconv.FormatUint(pm/10, 10) + "." + strconv.FormatUint(pm%10, 10) + "%"
}

// optionShare is an option's votes as a share of the ballots counted.
func optionShare(q QuestionView, i int, ballots uint64) string {
	if i >= len(q.Counts) {
		return "–"
	}
	return percent(q.Counts[i], ballots)
}

// winnerText says which option won a tallied question: the most votes,
// a tie, or no votes at all.
func winnerText(q QuestionView) string {
	var best uint64
	var top []string
	for i, o := range q.Options {
		if i >= len(q.Counts) {
			break
		}
		switch c := q.Counts[i]; {
		case c > best:
			best, top = c, []string{o}
		case c == best && c > 0:
			top = append(top, o)
		}
	}
	switch {
	case len(top) == 0:
		return "No votes were cast for any option."
	case len(top) == 1:
		return "Most votes: " + top[0] + " (" + strconv.FormatUint(best, 10) + ")."
	}
	return "A tie between " + strings.Join(top, " and ") + " (" + strconv.FormatUint(best, 10) + " each)."
}

// turnoutText says how many ballots were counted, and of how many
// voters on the roll when that is known.
func turnoutText(v ElectionView) string {
	b := strconv.FormatUint(v.Ballots, 10)
	if !v.RollKnown || v.Roll == 0 {
		return b
	}
	return b + " of " + strconv.Itoa(v.Roll) + " voters on the roll (" + percent(v.Ballots, uint64(v.Roll)) + " turnout)"
}
