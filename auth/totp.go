package auth

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings: RFC 6238 with SHA-1, six digits, 30-second steps, one step
// of drift either way (security.md, ASVS 6.5.5).
const (
	totpPeriod = 30
	totpSkew   = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// TOTPEnrolment is a new secret to show once: as a QR code and as text to
// type into an authenticator app.
type TOTPEnrolment struct {
	Secret    string // base32, for manual entry
	URL       string // otpauth:// URL
	QRDataURI string // data:image/png;base64,... of the URL as a QR code
}

// NewTOTP makes a new 160-bit secret for account (an email) under issuer
// (Vigil and the school's name).
func NewTOTP(issuer, account string) (*TOTPEnrolment, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, SecretSize: 20,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("generate totp: %w", err)
	}
	return enrolment(key)
}

// TOTPFromSecret rebuilds the enrolment for an existing base32 secret, as
// the demo does with a fixed secret.
func TOTPFromSecret(issuer, account, secret string) (*TOTPEnrolment, error) {
	secret = NormalizeTOTPSecret(secret)
	if _, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret); err != nil || len(secret) < 16 {
		return nil, fmt.Errorf("a TOTP secret is at least 16 base32 characters")
	}
	raw, _ := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	key, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, Secret: raw,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return nil, fmt.Errorf("totp from secret: %w", err)
	}
	return enrolment(key)
}

func enrolment(key *otp.Key) (*TOTPEnrolment, error) {
	img, err := key.Image(240, 240)
	if err != nil {
		return nil, fmt.Errorf("totp qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("totp qr: %w", err)
	}
	return &TOTPEnrolment{Secret: key.Secret(), URL: key.URL(),
		QRDataURI: "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes())}, nil
}

// NormalizeTOTPSecret uppercases a base32 secret and drops spaces and
// padding.
func NormalizeTOTPSecret(s string) string {
	return strings.TrimRight(strings.ToUpper(strings.ReplaceAll(s, " ", "")), "=")
}

// CheckTOTP reports whether code is the code for secret at now or one step
// either side, and which step it matched. A step at or before lastStep is
// refused, so a code cannot be used twice (ASVS 6.5.1).
func CheckTOTP(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	cur := now.Unix() / totpPeriod
	for s := cur - totpSkew; s <= cur+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			if s <= lastStep {
				return s, false
			}
			return s, true
		}
	}
	return 0, false
}

// TOTPCode returns the code for secret at t, for tests and the demo.
func TOTPCode(secret string, t time.Time) (string, error) {
	return totp.GenerateCodeCustom(NormalizeTOTPSecret(secret), t, totpOpts)
}

// RecoveryCodeCount is how many single-use recovery codes a person gets.
const RecoveryCodeCount = 10

// NewRecoveryCodes returns ten single-use codes to show once, like
// "k7m2-x9qp-4tfr", and the hashes to store.
func NewRecoveryCodes() (codes, hashes []string) {
	const alphabet = "abcdefghjkmnpqrstuvwxyz23456789" // no 0/o, 1/l/i
	for range RecoveryCodeCount {
		b := make([]byte, 12)
		_, _ = rand.Read(b)
		var sb strings.Builder
		for i, c := range b {
			if i > 0 && i%4 == 0 {
				sb.WriteByte('-')
			}
			sb.WriteByte(alphabet[int(c)%len(alphabet)])
		}
		codes = append(codes, sb.String())
		hashes = append(hashes, HashRecoveryCode(sb.String()))
	}
	return codes, hashes
}

// HashRecoveryCode hashes a recovery code as typed, ignoring case, spaces
// and hyphens. The codes carry about 59 random bits, so a fast hash is
// enough against guessing, with throttling in front.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte("vigil recovery code|" + c))
	return hex.EncodeToString(sum[:])
}

// LooksLikeRecoveryCode reports whether s has a recovery code's length
// rather than a six-digit code's.
func LooksLikeRecoveryCode(s string) bool {
	return len(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(s))) == 12
}
