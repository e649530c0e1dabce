package money

import (
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/number"
)

// Format shows an amount of minor units as money in the reader's
// language: 25000000 EUR → "€250,000.00" (English), 250000 JPY →
// "¥250,000", 1500 CHF → "CHF 15.00". The symbol is CLDR's for that
// language (golang.org/x/text/currency: "US$" in Chinese, "CN¥" in
// English); the digits are the amount's exactly, grouped in threes with
// the language's separators, and as many decimals as the currency has.
// The symbol goes before the number (the pattern of English and
// Chinese, the portal's languages), with a space when it ends in a letter.
// An amount or currency the register cannot read is shown as stored,
// "<minor> <code> (minor units)", rather than hidden.
func Format(minor, code string, tag language.Tag) string {
	digits, ok := MinorUnits(code)
	if !ok || !ValidMinor(minor) {
		return minor + " " + code + " (minor units)"
	}
	sep := separatorsFor(tag)
	whole, frac := split(minor, digits)
	var b strings.Builder
	sym := Symbol(code, tag)
	b.WriteString(sym)
	if r, _ := utf8.DecodeLastRuneInString(sym); unicode.IsLetter(r) {
		b.WriteString("\u00a0")
	}
	for i := range len(whole) {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteString(sep.group)
		}
		b.WriteByte(whole[i])
	}
	if digits > 0 {
		b.WriteString(sep.decimal)
		b.WriteString(frac)
	}
	return b.String()
}

// Symbol is the currency's symbol in the language (CLDR), or its code.
func Symbol(code string, tag language.Tag) string {
	u, err := currency.ParseISO(code)
	if err != nil {
		return code
	}
	s := strings.TrimSpace(message.NewPrinter(tag).Sprint(currency.Symbol(u)))
	if s == "" {
		return code
	}
	return s
}

type separators struct{ group, decimal string }

var separatorCache sync.Map // language.Tag → separators

// separatorsFor reads the language's grouping and decimal separators off
// a sample number formatted by golang.org/x/text/number.
func separatorsFor(tag language.Tag) separators {
	if s, ok := separatorCache.Load(tag); ok {
		return s.(separators)
	}
	sample := message.NewPrinter(tag).Sprint(number.Decimal(1234.5, number.Scale(1))) // "1,234.5", "1.234,5", "1 234,5"
	sep := separators{group: ",", decimal: "."}
	if rs := []rune(sample); len(rs) == 7 && rs[0] == '1' && rs[2] == '2' && rs[6] == '5' {
		sep = separators{group: string(rs[1]), decimal: string(rs[5])}
	}
	separatorCache.Store(tag, sep)
	return sep
}
