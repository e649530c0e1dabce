// Package pdfatest checks a PDF/A-3 file as another program reads it:
// qpdf (Debian's qpdf, installed by scripts/install-qpdf.sh) checks its
// syntax and streams and dumps its objects as JSON, which is walked from
// the trailer: the XMP metadata (parsed as XML), the output intent's ICC
// profile, the associated files, the fonts. PUBLICA_REQUIRE_QPDF=1 makes
// a missing qpdf a failure; otherwise the caller's test is skipped.
package pdfatest

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Qpdf returns qpdf's path, skipping (or failing, under
// PUBLICA_REQUIRE_QPDF=1) the test when it is missing.
func Qpdf(t testing.TB) string {
	t.Helper()
	p, err := exec.LookPath("qpdf")
	if err != nil {
		if os.Getenv("PUBLICA_REQUIRE_QPDF") == "1" {
			t.Fatal("qpdf is not installed and PUBLICA_REQUIRE_QPDF=1")
		}
		t.Skip("qpdf is not installed; scripts/install-qpdf.sh installs it")
	}
	return p
}

// File is an associated file as qpdf reads it.
type File struct {
	Name         string // /UF
	MIME         string // the embedded stream's /Subtype
	Relationship string // /AFRelationship
	Content      []byte // qpdf --show-attachment
}

// Report is what Check found.
type Report struct {
	Part, Conformance string // pdfaid:part and pdfaid:conformance of the XMP
	Title             string // dc:title (x-default), equal to /Title
	Created           time.Time
	Files             []File // the catalog's /AF, in order
	Fonts             int    // fonts with an embedded program
	QpdfCheck         string // qpdf --check's output
}

// Check runs qpdf on pdf and fails t unless the file passes qpdf --check
// with no warning and has the structure PDF/A-3 asks for: XMP metadata
// naming PDF/A-3 whose title and dates are the Info dictionary's, a
// document ID, an sRGB output intent (GTS_PDFA1, an RGB monitor profile
// embedded), every font embedded, and every embedded file an associated
// file (in /AF, with its relationship and MIME type).
func Check(t testing.TB, pdf []byte) Report {
	t.Helper()
	qpdf := Qpdf(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(file, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	var r Report
	out, err := exec.Command(qpdf, "--check", file).CombinedOutput()
	r.QpdfCheck = string(out)
	if err != nil || !strings.Contains(r.QpdfCheck, "No syntax or stream encoding errors found") || strings.Contains(strings.ToLower(r.QpdfCheck), "warning") {
		t.Fatalf("qpdf --check: %v\n%s", err, out)
	}
	js, err := exec.Command(qpdf, "--json=2", "--json-key=qpdf", "--json-stream-data=inline", "--decode-level=generalized", file).Output()
	if err != nil {
		t.Fatalf("qpdf --json: %v", err)
	}
	var doc struct {
		Qpdf []map[string]json.RawMessage `json:"qpdf"`
	}
	if err := json.Unmarshal(js, &doc); err != nil || len(doc.Qpdf) != 2 {
		t.Fatalf("qpdf --json: %v", err)
	}
	objs := map[string]entry{}
	for k, v := range doc.Qpdf[1] {
		var e entry
		if err := json.Unmarshal(v, &e); err != nil {
			t.Fatalf("qpdf --json %s: %v", k, err)
		}
		objs[strings.TrimPrefix(k, "obj:")] = e
	}
	w := walker{t: t, objs: objs}

	trailer := w.dict(objs["trailer"].Value)
	if ids, _ := trailer["/ID"].([]any); len(ids) != 2 {
		t.Errorf("the trailer has no /ID pair: %v", trailer["/ID"])
	}
	catalog := w.dict(trailer["/Root"])
	info := w.dict(trailer["/Info"])

	// XMP, parsed.
	xmpData, _ := w.stream(catalog["/Metadata"])
	if xmpData == nil {
		t.Fatal("the catalog has no /Metadata stream")
	}
	if _, filtered := w.streamDict(catalog["/Metadata"])["/Filter"]; filtered {
		t.Error("the XMP stream is filtered; PDF/A wants it readable as is")
	}
	var meta xmpMeta
	if err := xml.Unmarshal(xmpData, &meta); err != nil {
		t.Fatalf("XMP: %v\n%s", err, xmpData)
	}
	var createDate, modifyDate, producer, creatorTool string
	for _, d := range meta.Descriptions {
		r.Part = first(r.Part, d.Part, d.PartAttr)
		r.Conformance = first(r.Conformance, d.Conformance, d.ConformanceAttr)
		for _, li := range d.Title.Alt.Li {
			if li.Lang == "x-default" {
				r.Title = li.Value
			}
		}
		createDate = first(createDate, d.CreateDate, d.CreateDateAttr)
		modifyDate = first(modifyDate, d.ModifyDate, d.ModifyDateAttr)
		producer = first(producer, d.Producer, d.ProducerAttr)
		creatorTool = first(creatorTool, d.CreatorTool, d.CreatorToolAttr)
	}
	if r.Part != "3" || (r.Conformance != "B" && r.Conformance != "U" && r.Conformance != "A") {
		t.Errorf("XMP declares pdfaid:part %q conformance %q, want PDF/A-3", r.Part, r.Conformance)
	}
	if it := text(info["/Title"]); r.Title != it {
		t.Errorf("XMP dc:title %q, Info /Title %q", r.Title, it)
	}
	if p := text(info["/Producer"]); p != producer {
		t.Errorf("XMP pdf:Producer %q, Info /Producer %q", producer, p)
	}
	if c := text(info["/Creator"]); c != creatorTool {
		t.Errorf("XMP xmp:CreatorTool %q, Info /Creator %q", creatorTool, c)
	}
	var err1, err2 error
	r.Created, err1 = time.Parse(time.RFC3339, createDate)
	ic, err2 := pdfDate(text(info["/CreationDate"]))
	if err1 != nil || err2 != nil || !r.Created.Equal(ic) {
		t.Errorf("XMP xmp:CreateDate %q (%v), Info /CreationDate %q (%v): not the same instant", createDate, err1, text(info["/CreationDate"]), err2)
	}
	xm, err1 := time.Parse(time.RFC3339, modifyDate)
	im, err2 := pdfDate(text(info["/ModDate"]))
	if err1 != nil || err2 != nil || !xm.Equal(im) {
		t.Errorf("XMP xmp:ModifyDate %q, Info /ModDate %q: not the same instant", modifyDate, text(info["/ModDate"]))
	}

	// Output intent: sRGB, embedded.
	intents, _ := w.value(catalog["/OutputIntents"]).([]any)
	if len(intents) != 1 {
		t.Fatalf("the catalog has %d output intents, want 1", len(intents))
	}
	intent := w.dict(intents[0])
	if intent["/S"] != "/GTS_PDFA1" {
		t.Errorf("output intent /S %v, want /GTS_PDFA1", intent["/S"])
	}
	icc, iccDict := w.stream(intent["/DestOutputProfile"])
	if len(icc) < 128 || string(icc[36:40]) != "acsp" || string(icc[12:16]) != "mntr" || string(icc[16:20]) != "RGB " || iccDict["/N"] != float64(3) {
		t.Errorf("the output intent's profile is not an RGB monitor ICC profile with /N 3 (%d bytes, /N %v)", len(icc), iccDict["/N"])
	}

	// Associated files: every embedded file is in /AF.
	af, _ := w.value(catalog["/AF"]).([]any)
	names := w.dict(w.dict(catalog["/Names"])["/EmbeddedFiles"])
	tree, _ := w.value(names["/Names"]).([]any)
	if len(tree) != 2*len(af) {
		t.Errorf("/EmbeddedFiles names %d files, /AF %d", len(tree)/2, len(af))
	}
	for i, ref := range af {
		fs := w.dict(ref)
		if i < len(tree)/2 && tree[2*i+1] != ref {
			t.Errorf("/AF %d is %v, /EmbeddedFiles %d is %v", i, ref, i, tree[2*i+1])
		}
		f := File{Name: text(fs["/UF"]), Relationship: strings.TrimPrefix(fmt.Sprint(fs["/AFRelationship"]), "/")}
		if text(fs["/F"]) == "" || f.Name == "" {
			t.Errorf("associated file %d lacks /F or /UF", i+1)
		}
		sd := w.streamDict(w.dict(fs["/EF"])["/F"])
		f.MIME = strings.TrimPrefix(fmt.Sprint(sd["/Subtype"]), "/")
		key := text(tree[2*i])
		if f.Content, err = exec.Command(qpdf, "--show-attachment="+key, file).Output(); err != nil {
			t.Fatalf("qpdf --show-attachment=%s: %v", key, err)
		}
		r.Files = append(r.Files, f)
	}

	// Fonts: each has its program embedded.
	for ref, e := range objs {
		d, _ := e.Value.(map[string]any)
		if d["/Type"] != "/Font" || d["/Subtype"] == "/Type0" || d["/Subtype"] == "/Type3" {
			continue
		}
		fd := w.dict(d["/FontDescriptor"])
		if fd["/FontFile"] == nil && fd["/FontFile2"] == nil && fd["/FontFile3"] == nil {
			t.Errorf("font %s (%v) is not embedded", ref, d["/BaseFont"])
			continue
		}
		r.Fonts++
	}
	if r.Fonts == 0 {
		t.Error("no embedded font")
	}
	return r
}

type entry struct {
	Value  any `json:"value"`
	Stream *struct {
		Dict map[string]any `json:"dict"`
		Data string         `json:"data"`
	} `json:"stream"`
}

type walker struct {
	t    testing.TB
	objs map[string]entry
}

var refRe = regexp.MustCompile(`^\d+ \d+ R$`)

// value resolves an indirect reference.
func (w walker) value(v any) any {
	if s, ok := v.(string); ok && refRe.MatchString(s) {
		return w.objs[s].Value
	}
	return v
}

func (w walker) dict(v any) map[string]any {
	d, _ := w.value(v).(map[string]any)
	if d == nil {
		w.t.Helper()
		w.t.Fatalf("%v is not a dictionary", v)
	}
	return d
}

func (w walker) streamDict(v any) map[string]any {
	s, _ := v.(string)
	e := w.objs[s]
	if e.Stream == nil {
		w.t.Helper()
		w.t.Fatalf("%v is not a stream", v)
	}
	return e.Stream.Dict
}

// stream returns the decoded data of the stream v refers to.
func (w walker) stream(v any) ([]byte, map[string]any) {
	s, _ := v.(string)
	e, ok := w.objs[s]
	if !ok || e.Stream == nil {
		return nil, nil
	}
	b, err := base64.StdEncoding.DecodeString(e.Stream.Data)
	if err != nil {
		w.t.Fatalf("stream %s: %v", s, err)
	}
	return b, e.Stream.Dict
}

// text reads a qpdf JSON string ("u:" Unicode text, "b:" hex bytes).
func text(v any) string {
	s, _ := v.(string)
	if u, ok := strings.CutPrefix(s, "u:"); ok {
		return u
	}
	return s
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

var pdfDateRe = regexp.MustCompile(`^D:(\d{14})(Z|[+-]\d{2}'?\d{2}'?)?`)

// pdfDate reads a PDF date with its time zone (none means UTC here).
func pdfDate(s string) (time.Time, error) {
	m := pdfDateRe.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("not a PDF date: %q", s)
	}
	t, err := time.Parse("20060102150405", m[1])
	if err != nil {
		return t, err
	}
	if z := strings.ReplaceAll(m[2], "'", ""); z != "" && z != "Z" {
		zt, err := time.Parse("-0700", z)
		if err != nil {
			return t, err
		}
		_, off := zt.Zone()
		t = t.Add(-time.Duration(off) * time.Second)
	}
	return t, nil
}

type xmpMeta struct {
	Descriptions []struct {
		Part            string `xml:"http://www.aiim.org/pdfa/ns/id/ part"`
		PartAttr        string `xml:"http://www.aiim.org/pdfa/ns/id/ part,attr"`
		Conformance     string `xml:"http://www.aiim.org/pdfa/ns/id/ conformance"`
		ConformanceAttr string `xml:"http://www.aiim.org/pdfa/ns/id/ conformance,attr"`
		Title           struct {
			Alt struct {
				Li []struct {
					Lang  string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
					Value string `xml:",chardata"`
				} `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# li"`
			} `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# Alt"`
		} `xml:"http://purl.org/dc/elements/1.1/ title"`
		CreateDate      string `xml:"http://ns.adobe.com/xap/1.0/ CreateDate"`
		CreateDateAttr  string `xml:"http://ns.adobe.com/xap/1.0/ CreateDate,attr"`
		ModifyDate      string `xml:"http://ns.adobe.com/xap/1.0/ ModifyDate"`
		ModifyDateAttr  string `xml:"http://ns.adobe.com/xap/1.0/ ModifyDate,attr"`
		CreatorTool     string `xml:"http://ns.adobe.com/xap/1.0/ CreatorTool"`
		CreatorToolAttr string `xml:"http://ns.adobe.com/xap/1.0/ CreatorTool,attr"`
		Producer        string `xml:"http://ns.adobe.com/pdf/1.3/ Producer"`
		ProducerAttr    string `xml:"http://ns.adobe.com/pdf/1.3/ Producer,attr"`
	} `xml:"http://www.w3.org/1999/02/22-rdf-syntax-ns# RDF>Description"`
}
