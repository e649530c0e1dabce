package store

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
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
	g, ok := cgroupMemory(root)
	if !ok {
		return 0, false
	}
	return max(g.available(), 0), true
}

// GroupMemory is the memory of the control group that leaves the process
// the least room: its limit, what it uses, and how much of that is page
// cache. The benchmarks print it so that a figure says how full the
// group was when it was taken (docs/state.md, "After the first layer").
type GroupMemory struct {
	Limit, Usage, Cache int64
}

func (g GroupMemory) available() int64 { return g.Limit - g.Usage + g.Cache }

// ProcessGroupMemory is GroupMemory for this process's group; ok is false
// where no memory limit applies.
func ProcessGroupMemory() (GroupMemory, bool) { return cgroupMemory(os.DirFS("/")) }

// cgroupMemory finds, among the process's groups and their ancestors, the
// one that leaves it the least room.
func cgroupMemory(root fs.FS) (GroupMemory, bool) {
	self, err := fs.ReadFile(root, "proc/self/cgroup")
	if err != nil {
		return GroupMemory{}, false
	}
	var room leastRoom
	sc := bufio.NewScanner(bytes.NewReader(self))
	for sc.Scan() {
		// hierarchy-ID:controllers:path
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		switch {
		case fields[0] == "0" && fields[1] == "": // cgroup v2
			room.consider(cgroupV2Memory(root, fields[2]))
		case hasController(fields[1], "memory"): // cgroup v1
			room.consider(cgroupV1Memory(root, fields[2]))
		}
	}
	return room.least, room.found
}

// leastRoom keeps, of the groups it is shown, the one with the least room.
type leastRoom struct {
	least GroupMemory
	found bool
}

func (r *leastRoom) consider(g GroupMemory, found bool) {
	if found && (!r.found || g.available() < r.least.available()) {
		r.least, r.found = g, true
	}
}

func hasController(list, name string) bool {
	for _, c := range strings.Split(list, ",") {
		if c == name {
			return true
		}
	}
	return false
}

// cgroupV2Memory walks from the process's group up to the root of the
// mount, each level's memory.max, memory.current and page cache
// (memory.stat "file"), and keeps the level with the least room. In a
// container the group's path is often not under the mount (a cgroup
// namespace shows the container's group as the root): the mount's root
// is read then.
func cgroupV2Memory(root fs.FS, group string) (GroupMemory, bool) {
	const mount = "sys/fs/cgroup"
	dir := path.Join(mount, group)
	if _, err := fs.Stat(root, dir); err != nil {
		dir = mount
	}
	var room leastRoom
	for {
		limit, err := fs.ReadFile(root, path.Join(dir, "memory.max"))
		if err == nil && strings.TrimSpace(string(limit)) != "max" {
			limitBytes, err1 := strconv.ParseInt(strings.TrimSpace(string(limit)), 10, 64)
			current, err2 := readInt(root, path.Join(dir, "memory.current"))
			file, err3 := statField(root, path.Join(dir, "memory.stat"), "file")
			room.consider(GroupMemory{Limit: limitBytes, Usage: current, Cache: file}, err1 == nil && err2 == nil && err3 == nil)
		}
		if dir == mount {
			return room.least, room.found
		}
		dir = path.Dir(dir)
	}
}

// cgroupV1Memory is the group's hierarchical limit (the least of its own
// and its ancestors'), its usage and its page cache.
func cgroupV1Memory(root fs.FS, group string) (GroupMemory, bool) {
	const mount = "sys/fs/cgroup/memory"
	dir := path.Join(mount, group)
	if _, err := fs.Stat(root, dir); err != nil {
		dir = mount
	}
	stat := path.Join(dir, "memory.stat")
	limit, err := statField(root, stat, "hierarchical_memory_limit")
	if err != nil || limit >= 1<<62 { // unlimited: the page counter's largest value
		return GroupMemory{}, false
	}
	usage, err := readInt(root, path.Join(dir, "memory.usage_in_bytes"))
	if err != nil {
		return GroupMemory{}, false
	}
	cache, err := statField(root, stat, "total_cache")
	if err != nil {
		return GroupMemory{}, false
	}
	return GroupMemory{Limit: limit, Usage: usage, Cache: cache}, true
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
