package main

import (
	"crypto/rand"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestRotateCommand(t *testing.T) {
	keysGrace = 0 // set before any parallel test runs; no server here to wait for
	t.Parallel()
	dir := t.TempDir()
	vars := map[string]string{"VIGIL_DATA": dir, "VIGIL_LOG_LEVEL": "error"}
	must := func(args ...string) string {
		t.Helper()
		code, out, errOut := runCmd(t, vars, "", args...)
		if code != 0 {
			t.Fatalf("vigil %s: exit %d: %s", strings.Join(args, " "), code, errOut)
		}
		return out
	}
	must("keys", "init")
	fi, err := os.Stat(filepath.Join(dir, "master.key"))
	if err != nil || fi.Size() != 32 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("master key: %v, %v", fi, err)
	}
	if code, _, errOut := runCmd(t, vars, "", "keys", "init"); code != 1 || !strings.Contains(errOut, "never overwritten") {
		t.Errorf("second init: exit %d, %q; want a refusal", code, errOut)
	}
	must("school", "add", "--slug", "oak", "--name", "Oak Primary")
	must("school", "add", "--slug", "elm", "--name", "Elm Academy")
	if out := must("keys", "status"); !strings.Contains(out, "no key yet") {
		t.Errorf("status before any key:\n%s", out)
	}
	if code, _, _ := runCmd(t, vars, "", "keys", "rotate"); code != 2 {
		t.Errorf("rotate without --school or --all: exit %d, want 2", code)
	}

	out := must("keys", "rotate", "--all")
	for _, want := range []string{"oak: key version 2 is active", "elm: key version 2 is active", "oak: key version 1 destroyed", "elm: key version 1 destroyed"} {
		if !strings.Contains(out, want) {
			t.Errorf("rotate --all lacks %q:\n%s", want, out)
		}
	}
	out = must("keys", "status")
	for _, re := range []string{`oak\s+1\s+destroyed`, `oak\s+2\s+active`, `elm\s+1\s+destroyed`, `elm\s+2\s+active`} {
		if !regexp.MustCompile(re).MatchString(out) {
			t.Errorf("status lacks %s:\n%s", re, out)
		}
	}
	out = must("keys", "rotate", "--school", "oak")
	if !strings.Contains(out, "oak: key version 3 is active") || strings.Contains(out, "elm") {
		t.Errorf("rotate --school oak:\n%s", out)
	}

	// A new master key: every live school key is re-wrapped under it, and
	// the service then starts with it.
	newKey := make([]byte, 32)
	_, _ = rand.Read(newKey)
	newFile := filepath.Join(t.TempDir(), "new.key")
	if err := os.WriteFile(newFile, newKey, 0o600); err != nil {
		t.Fatal(err)
	}
	out = must("keys", "rotate-master", "--new-key-file", newFile)
	if !strings.Contains(out, "re-wrapped 2 school keys of 2 schools") {
		t.Errorf("rotate-master:\n%s", out)
	}
	if code, _, errOut := runCmd(t, vars, "", "keys", "rotate", "--all"); code != 1 || !strings.Contains(errOut, "cannot be unwrapped") {
		t.Errorf("rotate with the old master key after rotate-master: exit %d, %q", code, errOut)
	}
	vars["VIGIL_MASTER_KEY_FILE"] = newFile
	if out := must("keys", "rotate", "--all"); !strings.Contains(out, "oak: key version 4 is active") {
		t.Errorf("rotate under the new master key:\n%s", out)
	}
}
