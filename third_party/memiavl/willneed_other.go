//go:build !unix

package memiavl

import "os"

func willNeed([]byte) {}

func adviseRandom(*os.File) {}

func adviseSequential(*os.File) {}
