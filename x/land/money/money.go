// Package money reads and writes amounts of money exactly: a decimal
// amount in an ISO 4217 currency ("250000.00" EUR) and its integer
// count of the currency's minor units ("25000000"), which is how the
// register stores it, and shows it the way people read money
// ("€250,000.00"). No floating point anywhere: amounts are digit strings.
package money

import (
	"fmt"
	"strings"
)

// MaxDigits bounds the digits of a stored amount in minor units (the
// register's limit: 10^30 minor units is beyond any real charge).
const MaxDigits = 30

// MinorUnits returns the digits after the decimal point of amounts in
// code (ISO 4217: EUR 2, JPY 0, BHD 3); ok is false for a code that is not
// a current ISO 4217 currency.
func MinorUnits(code string) (digits int, ok bool) {
	digits, ok = currencies[code]
	return digits, ok
}

// Known reports whether code is a current ISO 4217 currency.
func Known(code string) bool {
	_, ok := currencies[code]
	return ok
}

// ValidMinor reports whether s is a stored amount: a positive integer of
// minor units, 1 to MaxDigits digits, no sign and no leading zero.
func ValidMinor(s string) bool {
	if len(s) == 0 || len(s) > MaxDigits || s[0] == '0' {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Parse reads a decimal amount of money in currency code, as people type
// it — "250000.00", "250000", "250000.5", "250,000.00" (commas between
// groups of three digits) — and returns it in minor units ("25000000").
// Refused, with a message a form can show: an unknown currency, an empty,
// negative or zero amount, anything but digits, one decimal point and
// grouping commas, more decimal places than the currency has (JPY has
// none), and amounts beyond MaxDigits minor-unit digits.
func Parse(amount, code string) (minor string, err error) {
	digits, ok := MinorUnits(code)
	if !ok {
		return "", fmt.Errorf("%q is not an ISO 4217 currency code (such as EUR, USD, JPY)", code)
	}
	s := strings.TrimSpace(amount)
	if s == "" {
		return "", fmt.Errorf("enter an amount, such as %s", example(digits))
	}
	if len(s) > 64 {
		return "", fmt.Errorf("the amount is too long")
	}
	if s[0] == '-' {
		return "", fmt.Errorf("the amount must be more than zero")
	}
	whole, frac, hasPoint := strings.Cut(s, ".")
	if hasPoint && frac == "" {
		return "", fmt.Errorf("write digits after the decimal point, such as %s", example(digits))
	}
	whole, err = ungroup(whole)
	if err != nil {
		return "", err
	}
	if !allDigits(frac) {
		return "", fmt.Errorf("the amount %q may hold only digits and one decimal point, such as %s", s, example(digits))
	}
	if len(frac) > digits {
		if digits == 0 {
			return "", fmt.Errorf("%s has no minor unit: write a whole amount, such as %s", code, example(digits))
		}
		return "", fmt.Errorf("%s has %d decimal places: %q has %d", code, digits, s, len(frac))
	}
	m := strings.TrimLeft(whole+frac+strings.Repeat("0", digits-len(frac)), "0")
	switch {
	case m == "":
		return "", fmt.Errorf("the amount must be more than zero")
	case len(m) > MaxDigits:
		return "", fmt.Errorf("the amount is too large: at most %d digits in %s's minor units", MaxDigits, code)
	}
	return m, nil
}

// ungroup checks the whole part of an amount: digits, optionally grouped
// in threes by commas ("250,000"), and returns its digits.
func ungroup(whole string) (string, error) {
	if whole == "" {
		return "0", nil // ".50"
	}
	if !strings.Contains(whole, ",") {
		if !allDigits(whole) {
			return "", fmt.Errorf("the amount %q may hold only digits and one decimal point, such as 250000.00", whole)
		}
		return whole, nil
	}
	groups := strings.Split(whole, ",")
	for i, g := range groups {
		if !allDigits(g) || g == "" || (i > 0 && len(g) != 3) || (i == 0 && len(g) > 3) {
			return "", fmt.Errorf("the amount %q has commas that do not separate groups of three digits; write it without them, such as 250000.00", whole)
		}
	}
	return strings.Join(groups, ""), nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func example(digits int) string {
	if digits == 0 {
		return "250000"
	}
	return "250000." + strings.Repeat("0", digits)
}

// Decimal writes an amount of minor units as a plain decimal in code:
// "25000000" EUR → "250000.00", "250000" JPY → "250000". It fails for a
// malformed amount or an unknown currency.
func Decimal(minor, code string) (string, error) {
	digits, ok := MinorUnits(code)
	if !ok {
		return "", fmt.Errorf("%q is not an ISO 4217 currency code", code)
	}
	if !ValidMinor(minor) {
		return "", fmt.Errorf("amount %q is not a positive whole number of minor units", minor)
	}
	whole, frac := split(minor, digits)
	if digits == 0 {
		return whole, nil
	}
	return whole + "." + frac, nil
}

// split divides minor units into the whole part and digits decimals.
func split(minor string, digits int) (whole, frac string) {
	if len(minor) <= digits {
		minor = strings.Repeat("0", digits-len(minor)+1) + minor
	}
	return minor[:len(minor)-digits], minor[len(minor)-digits:]
}
