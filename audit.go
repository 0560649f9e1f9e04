package vigil

import "time"

// ServiceSchoolID is the school id of audit events that belong to no school,
// such as a sign-in attempt for an unknown email: the service's own
// sequence.
const ServiceSchoolID SchoolID = "00000000-0000-0000-0000-000000000000"

// Audit actions. Events hold ids and these names, never record text.
const (
	AuditSignIn             = "auth.sign_in"
	AuditSignInFailed       = "auth.sign_in_failed"
	AuditSignInThrottled    = "auth.sign_in_throttled"
	AuditSignOut            = "auth.sign_out"
	AuditSchoolChosen       = "auth.school_chosen"
	AuditStepUp             = "auth.step_up"
	AuditStepUpFailed       = "auth.step_up_failed"
	AuditTOTPEnrolled       = "auth.totp_enrolled"
	AuditRecoveryUsed       = "auth.recovery_code_used"
	AuditWebAuthnRegistered = "auth.webauthn_registered" // a security key or passkey added
	AuditWebAuthnRemoved    = "auth.webauthn_removed"
	AuditWebAuthnRenamed    = "auth.webauthn_renamed"
	AuditSecondFactorsReset = "auth.second_factors_reset"
	AuditPasswordChanged    = "auth.password_changed"
	AuditPermissionChanged  = "access.permission_changed"
	AuditStaffDeactivated   = "access.staff_deactivated"
	AuditStaffReactivated   = "access.staff_reactivated"
	AuditSettingsChanged    = "school.settings_changed"
	AuditPasswordExpired    = "auth.password_expired"
	AuditDormantRefused     = "auth.dormant_account_refused"
	AuditPupilViewed        = "pupil.viewed"
	AuditPupilsListed       = "pupil.listed"
	AuditAPITokenCreated    = "auth.api_token_created"
	AuditAPITokenRevoked    = "auth.api_token_revoked"
	AuditAPITokenRefused    = "auth.api_token_refused" // a bearer token that is unknown, revoked or of someone who may not use it
)

// AuditEvent is one entry in a school's audit trail.
type AuditEvent struct {
	SchoolID   SchoolID
	Seq        int64 // gap-free per school
	ID         string
	At         time.Time
	PersonID   PersonID // who acted, "" for the system
	SessionID  string
	Action     string
	ObjectType string
	ObjectID   string
	PupilID    PupilID
	IP         string
	UserAgent  string
	Detail     map[string]string // ids and counts only

	// PrevHash and Hash chain the event to the one before it (package
	// audit): Hash is SHA-256 of PrevHash and every field above, in hex.
	PrevHash, Hash string
}
