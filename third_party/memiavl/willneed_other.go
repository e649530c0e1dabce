//go:build !unix

package memiavl

func willNeed([]byte) {}
