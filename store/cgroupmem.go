package store

import (
	"bufio"
	"bytes"
	"io/fs"
	"math"
	"path"
	"strconv"
	"strings"
)

// cgroupAvailable is the memory the process's control group leaves it:
// its limit less what the group uses, the group's page cache counted as
// available as MemAvailable counts the machine's (the kernel reclaims it
// within the group). A node in a container with a memory limit (cgroup v1
// or v2) would otherwise judge by the machine's memory: read a state much
// larger than its limit ahead, only to push its own pages out, write a
// whole rewrite through the cache and evict its running state, and leave
// block read-ahead off while the state faults page by page. ok is false
// where no limit applies (no cgroup, no memory controller, or "max").
// root is the file system that holds proc/ and sys/ (os.DirFS("/")).
func cgroupAvailable(root fs.FS) (available int64, ok bool) {
	self, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	available = math.MaxInt64
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		switch {
		case fields[0] == "0" && fields[1] == "": // cgroup v2
			if a, found := cgroupV2Available(root, fields[2]); found {
				available, ok = min(available, a), true
			}
		case hasController(fields[1], "memory"): // cgroup v1
			if a, found := cgroupV1Available(root, fields[2]); found {
				available, ok = min(available, a), true
			}
		}
	}
	if !ok {
		return 0, false
	}
	return max(available, 0), true
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// cgroupV2Available walks from the process's group up to the root of the
// mount, each level's memory.max less its memory.current plus its page
// cache (memory.stat "file"), and keeps the least. In a container the
// group's path is often not under the mount (a cgroup namespace shows
// the container's group as the root): the mount's root is read then.
func cgroupV2Available(root fs.FS, group string) (int64, bool) {
	const mount = "sys/fs/cgroup"
	dir := path.Join(mount, group)
	if _, err := fs.Stat(root, dir); err != nil {
		dir = mount
	}
	var least int64 = math.MaxInt64
	found := false
	for {
		limit, err := fs.ReadFile(root, path.Join(dir, "memory.max"))
		if err == nil && strings.TrimSpace(string(limit)) != "max" {
			limitBytes, err1 := strconv.ParseInt(strings.TrimSpace(string(limit)), 10, 64)
			current, err2 := readInt(root, path.Join(dir, "memory.current"))
			file, err3 := statField(root, path.Join(dir, "memory.stat"), "file")
			if err1 == nil && err2 == nil && err3 == nil {
				least, found = min(least, limitBytes-current+file), true
			}
		}
		if dir == mount {
			return least, found
		}
		dir = path.Dir(dir)
	}
}

// cgroupV1Available is the group's hierarchical limit (the least of its
// own and its ancestors') less its usage plus its page cache.
func cgroupV1Available(root fs.FS, group string) (int64, bool) {
	const mount = "sys/fs/cgroup/memory"
	dir := path.Join(mount, group)
	if _, err := fs.Stat(root, dir); err != nil {
		dir = mount
	}
	stat := path.Join(dir, "memory.stat")
	limit, err := statField(root, stat, "hierarchical_memory_limit")
	if err != nil || limit >= 1<<62 { // unlimited: the page counter's largest value
		return 0, false
	}
	usage, err := readInt(root, path.Join(dir, "memory.usage_in_bytes"))
	if err != nil {
		return 0, false
	}
	cache, err := statField(root, stat, "total_cache")
	if err != nil {
		return 0, false
	}
	return limit - usage + cache, true
}

func readInt(root fs.FS, name string) (int64, error) {
	b, err := fs.ReadFile(root, name)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
}

// statField reads one "name value" line of a memory.stat file.
func statField(root fs.FS, name, field string) (int64, error) {
	b, err := fs.ReadFile(root, name)
	if err != nil {
		return 0, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if name, value, ok := strings.Cut(sc.Text(), " "); ok && name == field {
			return strconv.ParseInt(strings.TrimSpace(value), 10, 64)
		}
	}
	return 0, fs.ErrNotExist
}
