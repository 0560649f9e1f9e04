package web

import (
	"io/fs"
	"net/http"
)

// Access says who may reach a route. Every route has one; a test fails if a
// route is added without it. What a signed-in person may then see is app's
// decision, made through authz.
type Access int

const (
	// Public routes need no session: sign-in and assets.
	Public Access = iota
	// SignedIn routes need a session, with or without a chosen school.
	SignedIn
	// InSchool routes need a session with a school chosen.
	InSchool
	// StepUp routes need a school and, for anyone with more than reporting
	// access, a second factor given in this session.
	StepUp
	// Enrol routes are where a second factor is given or set up: a school
	// is needed, a second factor is not, even where the school asks one of
	// everyone.
	Enrol
)

// Route is one page.
type Route struct {
	Pattern string
	Access  Access
	handler http.HandlerFunc
}

// Routes lists every page.
func (h *Handler) Routes() []Route {
	return []Route{
		{"GET /login", Public, h.showSignInAfter},
		{"POST /login", Public, h.signIn},
		{"POST /logout", Public, h.signOut},
		{"POST /password-strength", Public, h.passwordStrength},
		{"GET /reset", Public, h.showResetRequest},
		{"POST /reset", Public, h.requestReset},
		{"GET /reset/{token}", Public, h.openResetLink},
		{"GET /reset/new", Public, h.showResetForm},
		{"POST /reset/new", Public, h.resetPassword},
		{"GET /invite/{token}", Public, h.openInviteLink},
		{"GET /invite/accept", Public, h.showInvitation},
		{"POST /invite/accept", Public, h.acceptInvitation},
		{"GET /account/password", SignedIn, h.showPassword},
		{"POST /account/password", SignedIn, h.changePassword},
		{"GET /choose-school", SignedIn, h.showChooseSchool},
		{"POST /choose-school", SignedIn, h.chooseSchool},
		{"GET /account/sessions", SignedIn, h.showSessions},
		{"POST /account/sessions/{id}/end", SignedIn, h.endSession},
		{"POST /account/sessions/end-others", SignedIn, h.endOtherSessions},
		{"POST /account/keepalive", SignedIn, h.keepAlive},
		{"GET /step-up", Enrol, h.showStepUp},
		{"POST /step-up", Enrol, h.stepUp},
		{"GET /two-factor/setup", Enrol, h.showTOTPSetup},
		{"POST /two-factor/setup", Enrol, h.startTOTPSetup},
		{"POST /two-factor/confirm", Enrol, h.confirmTOTP},
		{"GET /account/security", Enrol, h.showSecurity},
		{"POST /account/security/keys/{id}/rename", InSchool, h.renameKey},
		{"POST /account/security/keys/{id}/remove", InSchool, h.removeKey},
		{"POST /webauthn/register/begin", Enrol, h.beginRegistration},
		{"POST /webauthn/register/finish", Enrol, h.finishRegistration},
		{"POST /webauthn/step-up/begin", Enrol, h.beginStepUp},
		{"POST /webauthn/step-up/finish", Enrol, h.finishStepUp},
		{"GET /{$}", InSchool, h.showHome},
		{"GET /concerns/new", InSchool, h.showNewConcern},
		{"POST /concerns", InSchool, h.saveConcern},
		{"POST /concerns/pupil-search", InSchool, h.searchConcernPupils},
		{"GET /pupils", StepUp, h.showPupils},
		{"POST /pupils", StepUp, h.showPupils},
		{"GET /pupils/{id}", StepUp, h.showPupil},
		{"GET /pupils/{id}/audit", StepUp, h.showPupilAudit},
		{"GET /settings", StepUp, h.showSettings},
		{"POST /settings", StepUp, h.saveSettings},
		{"GET /settings/jobs", StepUp, h.showSchoolJobs},
		{"POST /settings/jobs/{id}/retry", StepUp, h.retrySchoolJob},
		// Pupil data from the MIS (settings).
		{"GET /settings/mis", StepUp, h.showMIS},
		{"POST /settings/mis/import", StepUp, h.importMISFile},
		{"POST /settings/mis/wonde", StepUp, h.linkWonde},
		{"POST /settings/mis/link/{change}", StepUp, h.changeMISLink},
		{"GET /settings/mis/syncs/{id}", StepUp, h.showMISSync},
		{"GET /settings/mis/staff", StepUp, h.showMISStaff},
		{"GET /pupils/{id}/ctf", StepUp, h.exportLeaverCTF},
		// School calendar and agencies (settings).
		{"GET /settings/holidays", StepUp, h.showHolidays},
		{"POST /settings/holidays", StepUp, h.addHoliday},
		{"POST /settings/holidays/{id}/remove", StepUp, h.removeHoliday},
		{"GET /settings/agencies", StepUp, h.showAgencies},
		{"POST /settings/agencies", StepUp, h.addAgency},
		{"POST /settings/agencies/{key}/{change}", StepUp, h.changeAgency},
		{"GET /staff", StepUp, h.showStaff},
		{"GET /staff/access-review", StepUp, h.showAccessReview},
		{"GET /staff/invite", StepUp, h.showInviteStaff},
		{"POST /staff/invite", StepUp, h.inviteStaff},
		{"GET /staff/{id}", StepUp, h.showStaffMember},
		{"GET /staff/{id}/audit", StepUp, h.showStaffAudit},
		{"POST /staff/{id}/access", StepUp, h.saveStaffAccess},
		{"POST /staff/{id}/send-reset", StepUp, h.sendReset},
		{"POST /staff/{id}/{action}", StepUp, h.staffAction},
		{"GET /audit", StepUp, h.showAudit},
		// Concerns: the page and its forms are InSchool so that a reporter
		// reaches their own without a second factor; app decides what each
		// reader sees, and a refusal that a second factor would lift sends
		// the reader to give it (stepUpFirst).
		{"GET /concerns/{id}", InSchool, h.showConcern},
		{"POST /concerns/{id}/notes", InSchool, h.addNote},
		{"POST /concerns/{id}/actions", InSchool, h.addAction},
		{"POST /concerns/{id}/actions/{action}/done", InSchool, h.setActionDone},
		{"POST /concerns/{id}/actions/{action}/revise", InSchool, h.reviseAction},
		{"POST /concerns/{id}/revise", InSchool, h.reviseConcern},
		{"POST /concerns/{id}/pupils", InSchool, h.linkPupils},
		{"POST /concerns/{id}/pupils/find", InSchool, h.findPupils},
		{"POST /concerns/{id}/pupils/change", InSchool, h.setPupilLink},
		{"POST /concerns/{id}/close", InSchool, h.closeConcern},
		{"POST /concerns/{id}/reopen", InSchool, h.reopenConcern},
		{"GET /documents/{id}", InSchool, h.openDocument},
		{"GET /concerns", StepUp, h.showConcerns},
		{"POST /concerns/search", StepUp, h.searchConcernsPost},
		{"GET /dashboard", StepUp, h.showDashboard},
		{"GET /referrals", StepUp, h.showReferrals},
		{"GET /referrals/new", StepUp, h.showNewReferral},
		{"POST /referrals", StepUp, h.saveReferral},
		{"GET /referrals/{id}", StepUp, h.showReferral},
		{"POST /referrals/{id}/response", StepUp, h.recordReferralResponse},
		{"POST /referrals/{id}/close", StepUp, h.closeReferral},
		{"GET /notifications", InSchool, h.showNotifications},
		{"POST /notifications/read", InSchool, h.readNotifications},
		{"POST /notifications/{id}/read", InSchool, h.readNotification},
		{"GET /account/notifications", InSchool, h.showNotificationSettings},
		{"POST /account/notifications", InSchool, h.saveNotificationSettings},
		{"GET /pupils/{id}/chronology", StepUp, h.showChronology},
		{"POST /pupils/{id}/chronology/key", StepUp, h.markKeyEvent},
		{"GET /pupils/{id}/chronology.pdf", StepUp, h.exportChronologyPDF},
		{"GET /pupils/{id}/chronology.csv", StepUp, h.exportChronologyCSV},
		{"GET /pupils/{id}/communications", StepUp, h.showPupilCommunications},
		{"GET /communications/new", StepUp, h.showNewCommunication},
		{"POST /communications", StepUp, h.saveCommunication},
		{"GET /communications/{id}", StepUp, h.showCommunication},
	}
}

// Handler returns the pages, with assets under /static/ and a 404 page for
// anything else.
func (h *Handler) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, rt := range h.Routes() {
		switch rt.Access {
		case Public:
			mux.Handle(rt.Pattern, h.optionalSession(rt.handler))
		case SignedIn:
			mux.Handle(rt.Pattern, h.requireSession(false, rt.handler))
		case Enrol:
			mux.Handle(rt.Pattern, h.requireSession(true, rt.handler))
		case InSchool:
			mux.Handle(rt.Pattern, h.requireSession(true, h.requireStepUpIfEveryone(rt.handler)))
		case StepUp:
			mux.Handle(rt.Pattern, h.requireSession(true, h.requireStepUp(rt.handler)))
		}
	}
	static, _ := fs.Sub(staticFS, "static")
	files := http.FileServerFS(static)
	mux.Handle("GET /static/", http.StripPrefix("/static/", cacheFor(files)))
	mux.Handle("/", h.optionalSession(h.notFound))
	return mux
}

func cacheFor(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=3600")
		next.ServeHTTP(w, r)
	})
}

func (h *Handler) notFound(w http.ResponseWriter, r *http.Request) {
	h.render(w, r, http.StatusNotFound, "error", page{Title: "Page not found", Data: requestID(r.Context())})
}
