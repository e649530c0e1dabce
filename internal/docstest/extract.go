// Package docstest runs the shell examples of the README and docs/*.md
// against a fresh development chain, so that what a newcomer copies works.
//
// A fenced block tagged `sh` is runnable; blocks tagged `shell` (or
// anything else) are shown but not run, for commands that need a second
// terminal, a stopped node or other machines. In a runnable block, each
// command (a line, with its `\` continuations) may be followed by
// expectations: a comment `# → TEXT` on the command's last line or on the
// lines right after it. Every expectation must match a line of the
// command's output (stdout and stderr), in order; `…` matches anything.
//
// A `console` block is a transcript: `$ COMMAND` lines, each followed by
// its whole output as printed. Its commands run too, in the same shell,
// and their output must equal the one shown once both are normalized
// (hashes, ids and numbers stand for any value); they may fail, as the
// errors a document shows do.
package docstest

import (
	"bufio"
	"fmt"
	"os"
	"regexp"
	"strings"
)

// Command is one runnable command of a document and what its output must show.
type Command struct {
	File   string   // document path, for messages
	Line   int      // line of the command's first line
	Script string   // the command as written (continuation lines included)
	Expect []string // expectations, in order
	// Transcript marks a command of a `console` block: its whole output
	// is shown (Output) and compared after Normalize, and it may fail.
	Transcript bool
	Output     []string
}

const arrow = "# →"

// Extract returns the commands of the `sh` blocks of a Markdown file.
func Extract(path string) ([]Command, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var (
		cmds    []Command
		inBlock bool
		run     bool
		console bool
		cur     *Command // the command being continued (ends with `\`)
		last    *Command // the latest complete command, for following expectations
	)
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if !inBlock {
				inBlock = true
				tag := strings.TrimSpace(strings.TrimPrefix(line, "```"))
				run, console = tag == "sh", tag == "console"
			} else {
				if cur != nil {
					return nil, fmt.Errorf("%s:%d: block ends inside a continued command", path, n)
				}
				inBlock, run, console, last = false, false, false, nil
			}
			continue
		}
		if inBlock && console {
			if cmd, ok := strings.CutPrefix(line, "$ "); ok {
				cmds = append(cmds, Command{File: path, Line: n, Script: cmd, Transcript: true})
			} else if len(cmds) > 0 && cmds[len(cmds)-1].Transcript {
				cmds[len(cmds)-1].Output = append(cmds[len(cmds)-1].Output, line)
			} else {
				return nil, fmt.Errorf("%s:%d: a console block must start with a $ command", path, n)
			}
			continue
		}
		if !inBlock || !run {
			continue
		}
		trimmed := strings.TrimSpace(line)
		if cur == nil {
			switch {
			case trimmed == "":
				last = nil
				continue
			case strings.HasPrefix(trimmed, arrow):
				if last == nil {
					return nil, fmt.Errorf("%s:%d: an expectation with no command before it", path, n)
				}
				last.Expect = append(last.Expect, strings.TrimSpace(strings.TrimPrefix(trimmed, arrow)))
				continue
			case strings.HasPrefix(trimmed, "#"):
				last = nil // a plain comment ends the previous command's expectations
				continue
			}
			cmds = append(cmds, Command{File: path, Line: n})
			cur = &cmds[len(cmds)-1]
		}
		if cur.Script != "" {
			cur.Script += "\n"
		}
		cur.Script += line
		if strings.HasSuffix(line, `\`) {
			continue
		}
		if i := strings.Index(line, " "+arrow); i >= 0 {
			cur.Expect = append(cur.Expect, strings.TrimSpace(line[i+len(arrow)+1:]))
		}
		last, cur = cur, nil
		// Later appends may move the slice: keep last pointing into it.
		last = &cmds[len(cmds)-1]
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if inBlock {
		return nil, fmt.Errorf("%s: unterminated code block", path)
	}
	return cmds, nil
}

var (
	// A time's fraction of a second has up to nine digits (Go drops
	// trailing zeros), so it is one token before hex runs are looked for:
	// otherwise nine digits read as hex and seven as a number.
	rfc3339  = regexp.MustCompile(`[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})`)
	hexRun   = regexp.MustCompile(`[0-9A-Fa-f]{8,}`)
	digitRun = regexp.MustCompile(`[0-9]+`)
)

// Normalize makes a transcript's output comparable across runs: hashes,
// keys and account ids (8 or more hex digits) and then every number
// (heights, sequences, times, ports) stand for any value; trailing blank
// lines are dropped.
func Normalize(lines []string) []string {
	out := make([]string, 0, len(lines))
	for _, l := range lines {
		l = rfc3339.ReplaceAllString(strings.TrimRight(l, " \t"), "<time>")
		l = hexRun.ReplaceAllString(l, "<hex>")
		out = append(out, digitRun.ReplaceAllString(l, "<n>"))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// Match reports the first expectation not found, in order, among the
// output's lines ("" if all are).
func Match(expect []string, output string) string {
	lines := strings.Split(output, "\n")
	i := 0
	for _, e := range expect {
		re := pattern(e)
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return e
		}
		i++
	}
	return ""
}

func pattern(e string) *regexp.Regexp {
	parts := strings.Split(e, "…")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	return regexp.MustCompile(strings.Join(parts, ".*"))
}
