package api

import "net/http"

// Access says who may reach a route. Every route has one; TestRouteCoverage
// fails a route without it, and checks every route that is not Public
// answers 401 to a request without credentials. What a person may then see
// is app's decision, made through authz.
type Access int

const (
	// Public routes need no credentials: the OpenAPI document.
	Public Access = iota + 1
	// SignedIn routes need a bearer token or a browser session, with or
	// without a chosen school.
	SignedIn
	// InSchool routes need a token or a session with a school chosen and,
	// where the school asks a second factor of everyone, one given.
	InSchool
)

// Route is one endpoint.
type Route struct {
	Pattern string
	Access  Access
	handler http.HandlerFunc
}

// Routes lists every endpoint. Each must be described in openapi.json, and
// everything described there must be here (TestOpenAPIMatchesRoutes).
func (h *Handler) Routes() []Route {
	return []Route{
		{"GET /api/v1/openapi.json", Public, h.openAPI},
		{"GET /api/v1/me", SignedIn, h.me},
		{"GET /api/v1/pupils", InSchool, h.listPupils},
		{"GET /api/v1/pupils/{id}", InSchool, h.showPupil},
		{"GET /api/v1/pupils/{id}/chronology", InSchool, h.chronology},
		{"POST /api/v1/concerns", InSchool, h.createConcern},
		{"GET /api/v1/concerns/{id}", InSchool, h.showConcern},
		{"POST /api/v1/concerns/{id}/actions", InSchool, h.createAction},
		{"POST /api/v1/concerns/{id}/documents", InSchool, h.createDocuments},
		{"GET /api/v1/search", InSchool, h.search},
		{"GET /api/v1/referrals", InSchool, h.listReferrals},
		{"POST /api/v1/referrals", InSchool, h.createReferral},
		{"GET /api/v1/referrals/{id}", InSchool, h.showReferral},
		{"GET /api/v1/pupils/{id}/communications", InSchool, h.pupilCommunications},
		{"POST /api/v1/communications", InSchool, h.createCommunication},
		{"GET /api/v1/communications/{id}", InSchool, h.showCommunication},
		{"POST /api/v1/communications/{id}/documents", InSchool, h.createCommunicationDocuments},
		{"GET /api/v1/notifications", InSchool, h.notifications},
		{"POST /api/v1/notifications/{id}/read", InSchool, h.readNotification},
		{"POST /api/v1/notifications/read-all", InSchool, h.readAllNotifications},
	}
}
