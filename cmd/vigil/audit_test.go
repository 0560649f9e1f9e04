package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store/storetest"
)

// TestTamperAuditVerifyCommand runs `vigil audit verify` on a demo folder as
// an operator would, then after an edit and after a cut tail.
func TestTamperAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	// No demo history: the test counts the trail's events from zero.
	vars := map[string]string{"VIGIL_DATA": dir, "VIGIL_DEMO_PASSWORD": "Demo-pass-for-tests-1!", "VIGIL_LOG_LEVEL": "warn", "VIGIL_DEMO_HISTORY": "off"}
	if code, _, stderr := runCmd(t, vars, "", "demo"); code != 0 {
		t.Fatalf("demo: exit %d: %s", code, stderr)
	}
	// Events as people using the demo school would leave.
	s := storetest.OpenSQLiteAt(t, filepath.Join(dir, "vigil.db"))
	defer s.Close()
	sc, err := s.FindSchoolBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	for i := range 30 {
		school := sc.ID
		if i%5 == 0 {
			school = vigil.ServiceSchoolID
		}
		if err := s.AppendAudit(context.Background(), &vigil.AuditEvent{SchoolID: school, Action: vigil.AuditPupilViewed, IP: "192.0.2.1"}); err != nil {
			t.Fatal(err)
		}
	}

	code, out, stderr := runCmd(t, vars, "", "audit", "verify")
	if code != 0 || !strings.Contains(out, "school riverside: 24 events, chain intact") || !strings.Contains(out, "service: 6 events") {
		t.Fatalf("verify a clean trail: exit %d, %q %q", code, out, stderr)
	}
	if code, out, stderr := runCmd(t, vars, "", "audit", "checkpoint"); code != 0 || !strings.Contains(out, "wrote 2 checkpoints") {
		t.Fatalf("checkpoint: exit %d, %q %q", code, out, stderr)
	}
	if code, out, _ := runCmd(t, vars, "", "audit", "verify", "--school", "riverside"); code != 0 || !strings.Contains(out, "checkpoint at event 24") {
		t.Fatalf("verify --school after a checkpoint: exit %d, %q", code, out)
	}

	// The newest events cut: caught by the checkpoint, in the database and
	// in the shipped copy of the file.
	storetest.Exec(t, s, "DELETE FROM audit_events WHERE school_id = ? AND seq > 20", sc.ID)
	code, out, stderr = runCmd(t, vars, "", "audit", "verify", "--checkpoints", filepath.Join(dir, "audit-checkpoints.jsonl"))
	if code != 1 || !strings.Contains(out, "school riverside: events after 20 are missing: the newest checkpoint is at 24") ||
		!strings.Contains(out, "service: 6 events, chain intact") || !strings.Contains(stderr, "failed verification") {
		t.Fatalf("verify a cut trail: exit %d, %q %q", code, out, stderr)
	}

	// The middle row's action edited, as the acceptance check does.
	storetest.Exec(t, s, `UPDATE audit_events SET action = 'auth.sign_out' WHERE school_id = ? AND seq = 10`, sc.ID)
	code, out, _ = runCmd(t, vars, "", "audit", "verify", "--school", "riverside")
	if code != 1 || !strings.Contains(out, "school riverside: event 10 does not match its hash (changed or replaced)") {
		t.Fatalf("verify an edited trail: exit %d, %q", code, out)
	}
	if code, _, stderr := runCmd(t, vars, "", "audit", "verify", "--checkpoints", filepath.Join(dir, "nowhere.jsonl")); code != 1 || !strings.Contains(stderr, "cannot read the checkpoint file") {
		t.Fatalf("missing --checkpoints file: exit %d, %q", code, stderr)
	}
}
