package store

import (
	"os"
	"testing"
	"testing/fstest"
)

// TestCgroupAvailable reads the room a memory-limited control group
// leaves from the files the kernel shows, in both versions, and finds no
// limit where none applies.
func TestCgroupAvailable(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  int64
		ok    bool
	}{
		{"v1 with a limit", fstest.MapFS{
			"proc/self/cgroup":                                  file("9:name=systemd:/\n4:memory:/node/a\n1:cpu:/\n"),
			"sys/fs/cgroup/memory/node/a/memory.stat":           file("cache 100\nrss 5\nhierarchical_memory_limit 8589934592\ntotal_cache 3000000000\ntotal_rss 1000000000\n"),
			"sys/fs/cgroup/memory/node/a/memory.usage_in_bytes": file("4000000000\n"),
		}, 8589934592 - 4000000000 + 3000000000, true},
		{"v1 without a limit", fstest.MapFS{
			"proc/self/cgroup":                                  file("4:memory:/node/a\n"),
			"sys/fs/cgroup/memory/node/a/memory.stat":           file("hierarchical_memory_limit 9223372036854771712\ntotal_cache 3\n"),
			"sys/fs/cgroup/memory/node/a/memory.usage_in_bytes": file("4\n"),
		}, 0, false},
		{"v1 in a container (the group is the mount's root)", fstest.MapFS{
			"proc/self/cgroup":                           file("4:cpuacct,memory:/docker/abc\n"),
			"sys/fs/cgroup/memory/memory.stat":           file("hierarchical_memory_limit 1000\ntotal_cache 100\n"),
			"sys/fs/cgroup/memory/memory.usage_in_bytes": file("700\n"),
		}, 400, true},
		{"v2, the least room up the tree", fstest.MapFS{
			"proc/self/cgroup":               file("0::/a/b\n"),
			"sys/fs/cgroup/a/b/memory.max":   file("max\n"),
			"sys/fs/cgroup/a/memory.max":     file("10000\n"),
			"sys/fs/cgroup/a/memory.current": file("9000\n"),
			"sys/fs/cgroup/a/memory.stat":    file("anon 5000\nfile 2500\n"),
			"sys/fs/cgroup/memory.max":       file("max\n"),
		}, 10000 - 9000 + 2500, true},
		{"v2 without a limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0, false},
		{"no cgroup", fstest.MapFS{}, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cgroupAvailable(tc.files)
			if got != tc.want || ok != tc.ok {
				t.Fatalf("cgroupAvailable = %d, %v; want %d, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
	// this machine's own answer must not fail
	a, ok := cgroupAvailable(os.DirFS("/"))
	if ok && a <= 0 {
		t.Fatalf("this process's group leaves %d bytes", a)
	}
	t.Logf("this process's control group: room %d bytes, limited %v", a, ok)
}

// TestCgroupMemoryFigures reports the limit, usage and page cache of the
// group that leaves the least room, as the benchmarks print them.
func TestCgroupMemoryFigures(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	for _, tc := range []struct {
		name  string
		files fstest.MapFS
		want  GroupMemory
	}{
		{"v1", fstest.MapFS{
			"proc/self/cgroup":                                  file("4:memory:/node/a\n"),
			"sys/fs/cgroup/memory/node/a/memory.stat":           file("hierarchical_memory_limit 8000\ntotal_cache 3000\n"),
			"sys/fs/cgroup/memory/node/a/memory.usage_in_bytes": file("7900\n"),
		}, GroupMemory{Limit: 8000, Usage: 7900, Cache: 3000}},
		{"v2, the level with the least room", fstest.MapFS{
			"proc/self/cgroup":                 file("0::/a/b\n"),
			"sys/fs/cgroup/a/b/memory.max":     file("20000\n"),
			"sys/fs/cgroup/a/b/memory.current": file("9000\n"),
			"sys/fs/cgroup/a/b/memory.stat":    file("anon 5000\nfile 2500\n"),
			"sys/fs/cgroup/a/memory.max":       file("10000\n"),
			"sys/fs/cgroup/a/memory.current":   file("9000\n"),
			"sys/fs/cgroup/a/memory.stat":      file("anon 5000\nfile 2500\n"),
		}, GroupMemory{Limit: 10000, Usage: 9000, Cache: 2500}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := cgroupMemory(tc.files)
			if !ok || got != tc.want {
				t.Fatalf("cgroupMemory = %+v, %v; want %+v", got, ok, tc.want)
			}
		})
	}
}
