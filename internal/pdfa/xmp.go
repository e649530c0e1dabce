package pdfa

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// xmp is the document's XMP packet: the PDF/A identification and the
// same title, description, tools and dates as the Info dictionary.
func xmp(m Meta) []byte {
	esc := func(s string) string {
		var b bytes.Buffer
		_ = xml.EscapeText(&b, []byte(s)) // writing to a bytes.Buffer cannot fail
		return b.String()
	}
	alt := func(tag, s string) string {
		if s == "" {
			return ""
		}
		return fmt.Sprintf("   <%s><rdf:Alt><rdf:li xml:lang=\"x-default\">%s</rdf:li></rdf:Alt></%s>\n", tag, esc(s), tag)
	}
	simple := func(tag, s string) string {
		if s == "" {
			return ""
		}
		return fmt.Sprintf("   <%s>%s</%s>\n", tag, esc(s), tag)
	}
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString("<x:xmpmeta xmlns:x=\"adobe:ns:meta/\">\n")
	b.WriteString(" <rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\">\n")
	b.WriteString("  <rdf:Description rdf:about=\"\"\n" +
		"    xmlns:pdfaid=\"http://www.aiim.org/pdfa/ns/id/\"\n" +
		"    xmlns:dc=\"http://purl.org/dc/elements/1.1/\"\n" +
		"    xmlns:xmp=\"http://ns.adobe.com/xap/1.0/\"\n" +
		"    xmlns:pdf=\"http://ns.adobe.com/pdf/1.3/\">\n")
	fmt.Fprintf(&b, "   <pdfaid:part>%d</pdfaid:part>\n   <pdfaid:conformance>%s</pdfaid:conformance>\n", Part, Conformance)
	b.WriteString("   <dc:format>application/pdf</dc:format>\n")
	b.WriteString(alt("dc:title", m.Title))
	b.WriteString(alt("dc:description", m.Subject))
	b.WriteString(simple("xmp:CreatorTool", m.Creator))
	b.WriteString(simple("xmp:CreateDate", xmpDate(m.Created)))
	b.WriteString(simple("xmp:ModifyDate", xmpDate(m.Modified)))
	b.WriteString(simple("xmp:MetadataDate", xmpDate(m.Modified)))
	b.WriteString(simple("pdf:Producer", m.Producer))
	b.WriteString("  </rdf:Description>\n </rdf:RDF>\n</x:xmpmeta>\n<?xpacket end=\"w\"?>")
	return []byte(b.String())
}

// xmpDate writes t in UTC, the instant the Info dictionary's date names.
func xmpDate(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
