package pdfa

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/go-pdf/fpdf"
)

// Simplified Chinese. The embedded DejaVu fonts have no Chinese
// characters, and the free CJK fonts Debian ships are either CFF
// outlines (Noto CJK), which fpdf cannot embed, or TrueType collections
// (.ttc: WenQuanYi, AR PL UMing), which it cannot read. AR PL SungtiL GB
// (Debian's fonts-arphic-gbsn00lp) is one TrueType-outline .ttf with
// the GB 2312 character set, which fpdf embeds as a subset of the
// characters a document uses (a few kilobytes of its 5 MB). It is not
// shipped in this repository: the machine that prints Chinese
// certificates has the Debian package installed (scripts/install-fonts.sh)
// or a copy of the file named by PUBLICA_CJK_FONT.

// Chinese is the family AddChinese registers (style "" only: the font
// has no bold).
const Chinese = "ARPLSungtiLGB"

// ChineseFontEnv is the environment variable that names the Chinese
// font file, when it is not at DefaultChineseFont.
const ChineseFontEnv = "PUBLICA_CJK_FONT"

// DefaultChineseFont is where Debian's fonts-arphic-gbsn00lp installs
// AR PL SungtiL GB.
const DefaultChineseFont = "/usr/share/fonts/truetype/arphic-gbsn00lp/gbsn00lp.ttf"

// ErrNoChineseFont is wrapped by the error of a Chinese font that is
// missing or unusable.
var ErrNoChineseFont = errors.New("no Chinese font")

// ChineseFontPath is the Chinese font's file: $PUBLICA_CJK_FONT, else
// DefaultChineseFont.
func ChineseFontPath() string {
	if p := os.Getenv(ChineseFontEnv); p != "" {
		return p
	}
	return DefaultChineseFont
}

type cjkFont struct {
	ttf   []byte
	cover *coverage
}

var (
	cjkMu     sync.Mutex
	cjkLoaded = map[string]*cjkFont{} // by path; only fonts that loaded (one installed later is found without a restart)
)

// chineseFont reads and checks the Chinese font at ChineseFontPath, once.
func chineseFont() (*cjkFont, error) {
	path := ChineseFontPath()
	cjkMu.Lock()
	defer cjkMu.Unlock()
	if f := cjkLoaded[path]; f != nil {
		return f, nil
	}
	ttf, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%w: %v (install Debian's fonts-arphic-gbsn00lp with scripts/install-fonts.sh, or set %s to a TrueType font with Chinese characters)",
			ErrNoChineseFont, err, ChineseFontEnv)
	}
	if err := trueTypeOutlines(ttf); err != nil {
		return nil, fmt.Errorf("%w: %s: %v (a single .ttf with TrueType outlines is needed, such as Debian's fonts-arphic-gbsn00lp)", ErrNoChineseFont, path, err)
	}
	c, err := cmapCoverage(ttf)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrNoChineseFont, path, err)
	}
	for _, r := range "不动产权证书登记号" {
		if !c.has(r) {
			return nil, fmt.Errorf("%w: %s has no glyph for %q: it is not a Chinese font", ErrNoChineseFont, path, r)
		}
	}
	f := &cjkFont{ttf: ttf, cover: c}
	cjkLoaded[path] = f
	return f, nil
}

// trueTypeOutlines checks that ttf is one font (not a .ttc collection)
// with TrueType (glyf) outlines, the kind fpdf embeds.
func trueTypeOutlines(ttf []byte) error {
	if len(ttf) < 12 {
		return errors.New("too short to be a font")
	}
	switch string(ttf[:4]) {
	case "ttcf":
		return errors.New("a TrueType collection (.ttc), which fpdf cannot read")
	case "OTTO":
		return errors.New("CFF (PostScript) outlines, which fpdf cannot embed")
	case "\x00\x01\x00\x00", "true":
	default:
		return errors.New("not a TrueType font")
	}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := range n {
		rec := 12 + 16*i
		if rec+16 > len(ttf) {
			break
		}
		if string(ttf[rec:rec+4]) == "glyf" {
			return nil
		}
	}
	return errors.New("no glyf table (no TrueType outlines)")
}

// ChineseAvailable reports why Chinese cannot be printed (an error
// wrapping ErrNoChineseFont), or nil when it can.
func ChineseAvailable() error {
	_, err := chineseFont()
	return err
}

// AddChinese registers the Chinese font with f as family Chinese (fpdf
// embeds the subset a document uses), a copy for each document as
// AddFonts does.
func AddChinese(f *fpdf.Fpdf) error {
	c, err := chineseFont()
	if err != nil {
		return err
	}
	f.AddUTF8FontFromBytes(Chinese, "", slices.Clone(c.ttf))
	return f.Error()
}

// Covers reports whether the font family/style (of AddFonts, or
// Chinese) has a glyph for r.
func Covers(family, style string, r rune) (bool, error) {
	c, err := fontCoverage(family, style)
	if err != nil {
		return false, err
	}
	return c.has(r), nil
}
