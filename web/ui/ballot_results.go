package ui

import (
	"context"
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
func winnerText(q QuestionView) string { return winnerTextIn(context.Background(), q) }

// winnerTextIn is winnerText in the page's language.
func winnerTextIn(ctx context.Context, q QuestionView) string {
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
		return tr(ctx, "ballot.winner.none")
	case len(top) == 1:
		return tr(ctx, "ballot.winner.one", top[0], num(ctx, int64(best)))
	}
	return tr(ctx, "ballot.winner.tie", strings.Join(top, tr(ctx, "ballot.winner.and")), num(ctx, int64(best)))
}

// turnoutText says how many ballots were counted, and of how many
// voters on the roll when that is known.
func turnoutText(v ElectionView) string { return turnoutTextIn(context.Background(), v) }

// turnoutTextIn is turnoutText in the page's language.
func turnoutTextIn(ctx context.Context, v ElectionView) string {
	b := num(ctx, int64(v.Ballots))
	if !v.RollKnown || v.Roll == 0 {
		return b
	}
	return tr(ctx, "ballot.turnout", b, num(ctx, int64(v.Roll)), percent(v.Ballots, uint64(v.Roll)))
}
