package ctf

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// secretFile writes a local file an XXE would try to read and returns its
// path and contents.
func secretFile(t *testing.T) (path, secret string) {
	t.Helper()
	secret = "SECRET-7f3a9c-do-not-leak"
	path = filepath.Join(t.TempDir(), "secret.txt")
	if err := os.WriteFile(path, []byte(secret), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, secret
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE CTfile [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<CTfile><Header/><CTFpupilData><Pupil><UPN>D990214525001</UPN><Surname>&lol9;</Surname>
<Forename>Marnie</Forename><DOB>2018-06-30</DOB></Pupil></CTFpupilData></CTfile>`

// dtdDocs are documents with a DTD or other declaration, each of which
// must be refused with "DTD not allowed". %s is a local file's path.
func dtdDocs(path string) map[string]string {
	return map[string]string{
		"XXE system entity": `<?xml version="1.0"?><!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "file://` + path + `">]>` +
			pupilDoc(`<UPN>D990214525001</UPN><Surname>&xxe;</Surname><Forename>Marnie</Forename><DOB>2018-06-30</DOB>`),
		"XXE plain path": `<!DOCTYPE CTfile [<!ENTITY xxe SYSTEM "` + path + `">]>` +
			pupilDoc(basics+`<Contacts><Contact><Surname>&xxe;</Surname></Contact></Contacts>`),
		"XXE parameter entity": `<!DOCTYPE CTfile [<!ENTITY % p SYSTEM "file://` + path + `"> %p;]>` + pupilDoc(basics),
		"external DTD":         `<!DOCTYPE CTfile SYSTEM "file://` + path + `">` + pupilDoc(basics),
		"billion laughs":       billionLaughs,
		"quadratic blowup": `<!DOCTYPE CTfile [<!ENTITY a "` + strings.Repeat("a", 50000) + `">]>` +
			pupilDoc(`<UPN>D990214525001</UPN><Surname>`+strings.Repeat("&a;", 1000)+`</Surname><Forename>M</Forename><DOB>2018-06-30</DOB>`),
		"lower-case doctype":   `<!doctype CTfile>` + pupilDoc(basics),
		"after a comment":      `<?xml version="1.0"?><!-- hello --><!DOCTYPE CTfile>` + pupilDoc(basics),
		"inside the root":      `<CTfile><!DOCTYPE x><Header/></CTfile>`,
		"entity with no DTD":   `<!ENTITY xxe SYSTEM "file://` + path + `">` + pupilDoc(basics),
		"with a UTF-8 BOM":     "\xef\xbb\xbf<!DOCTYPE CTfile>" + pupilDoc(basics),
		"declared Windows1252": `<?xml version="1.0" encoding="windows-1252"?><!DOCTYPE CTfile>` + pupilDoc(basics),
	}
}

func TestReadRefusesDTD(t *testing.T) {
	t.Parallel()
	path, secret := secretFile(t)
	for name, doc := range dtdDocs(path) {
		t.Run(name, func(t *testing.T) {
			h, b, err := readString(doc)
			if h != nil || b != nil {
				t.Fatal("a file with a DTD returned a header or batch")
			}
			ps := problemsOf(t, err)
			if len(ps) != 1 || ps[0].Ref != "" || !strings.HasPrefix(ps[0].Message, "DTD not allowed") {
				t.Errorf("problems = %v, want one: DTD not allowed", ps)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), path) {
				t.Errorf("the error shows the local file or its contents: %v", err)
			}
		})
	}
}

// An entity reference with no DTD is not well formed, and nothing is read
// from the file it might name.
func TestReadEntityWithoutDTD(t *testing.T) {
	t.Parallel()
	_, secret := secretFile(t)
	_, _, err := readString(pupilDoc(`<UPN>D990214525001</UPN><Surname>&xxe;</Surname><Forename>M</Forename><DOB>2018-06-30</DOB>`))
	ps := problemsOf(t, err)
	if len(ps) != 1 || !strings.Contains(ps[0].Message, "not well formed") || strings.Contains(err.Error(), secret) {
		t.Errorf("problems = %v", ps)
	}
}

// endless repeats a pattern for ever, standing in for a huge upload.
type endless struct {
	pattern string
	i       int
}

func (e *endless) Read(p []byte) (int, error) {
	for k := range p {
		p[k] = e.pattern[e.i%len(e.pattern)]
		e.i++
	}
	return len(p), nil
}

// counting counts the bytes Read takes from its input.
type counting struct {
	r io.Reader
	n int
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// Hostile documents are refused after reading a bounded prefix of the
// input, however much follows: the refusal does not wait for the rest, so
// time and memory are bounded by the limits, not by the document.
func TestReadRefusesEarly(t *testing.T) {
	t.Parallel()
	const bound = 128 << 10
	for name, tc := range map[string]struct {
		prefix, pattern, want string
	}{
		"billion laughs":     {billionLaughs, "<a>", "DTD not allowed"},
		"doctype, then huge": {`<!DOCTYPE CTfile [<!ENTITY a "`, "a", "DTD not allowed"},
		"depth bomb":         {"<CTfile>", "<a>", msgDepth},
		"depth bomb in pupil": {"<CTfile><Header/><CTFpupilData><Pupil>" + basics,
			"<Contacts><Contact>", msgDepth},
		"huge text":      {pupilDoc(basics)[:len(pupilDoc(basics))-40] + "<Surname>", "a", msgText},
		"huge attribute": {`<CTfile><Header x="`, "a", msgText},
		"huge name":      {`<CTfile><Header><`, "a", msgText},
		"many pupils":    {"<CTfile><Header/><CTFpupilData>", "<Pupil/>", "more than 5000 pupils"},
		"huge comment":   {"<CTfile><!--", "<a", "larger than 1 MB"},
	} {
		t.Run(name, func(t *testing.T) {
			in := &counting{r: io.MultiReader(strings.NewReader(tc.prefix), &endless{pattern: tc.pattern})}
			opt := Options{Today: today}
			if name == "huge comment" {
				// A comment may hold '<', so only the size limit stops it;
				// a small limit keeps the test quick.
				opt.MaxBytes = 1 << 20
			}
			_, _, err := Read(in, opt)
			// The file-level problem comes first; pupils read before it
			// may add their own.
			if ps := problemsOf(t, err); ps[0].Ref != "" || !strings.Contains(ps[0].Message, tc.want) {
				t.Errorf("problems = %v, want first a file-level one containing %q", ps, tc.want)
			}
			limit := bound
			if name == "many pupils" || name == "huge comment" {
				limit = 2 << 20
			}
			if in.n > limit {
				t.Errorf("read %d bytes before refusing, want at most %d", in.n, limit)
			}
		})
	}
}
