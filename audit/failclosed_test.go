package audit_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// A read of a pupil's record is refused when its audit event cannot be
// written: nothing leaves without a trace.
func TestTamperAuditFailClosed(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		c := env.SignIn(t, "dsl@oak.test")
		path := "/pupils/" + string(env.Fixtures.Oak.Pupils["amara"].ID)
		c.Get(t, path).Want(t, http.StatusOK, "Amara", "")

		if s.Dialect() == "sqlite" {
			storetest.Exec(t, s, `CREATE TRIGGER no_audit BEFORE INSERT ON audit_events BEGIN SELECT RAISE(FAIL, 'audit down'); END;`)
		} else {
			storetest.Exec(t, s, `CREATE FUNCTION no_audit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'audit down'; END $$`)
			storetest.Exec(t, s, `CREATE TRIGGER no_audit BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION no_audit()`)
		}
		res := c.Get(t, path)
		if res.Status < 500 {
			t.Errorf("status %d with the audit trail down, want 5xx", res.Status)
		}
		if strings.Contains(res.Body, "Amara") || strings.Contains(res.Body, "Okafor") {
			t.Errorf("the pupil's record left without an audit event: %.300s", res.Body)
		}
	})
}
