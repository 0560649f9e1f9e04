package web

import "testing"

// TestCSVSafe: every cell a spreadsheet would run as a formula is shown as
// text instead; anything else is left alone.
func TestCSVSafe(t *testing.T) {
	for in, want := range map[string]string{
		"=HYPERLINK(\"x\")": "'=HYPERLINK(\"x\")",
		"+1-2":              "'+1-2",
		"-2+3":              "'-2+3",
		"@SUM(A1)":          "'@SUM(A1)",
		"\t=1":              "'\t=1",
		"\r=1":              "'\r=1",
		"\x00=1":            "'\x00=1",
		"":                  "",
		"dsl@oak.test":      "dsl@oak.test",
		"192.0.2.7":         "192.0.2.7",
		"a=b":               "a=b",
		"{\"shown\":\"3\"}": "{\"shown\":\"3\"}",
	} {
		if got := csvSafe(in); got != want {
			t.Errorf("csvSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
