//go:build !linux

package memiavl

const baseAheadSupported = false

func notResident([]byte) []span { return nil }

func adviseCold([]byte) {}
