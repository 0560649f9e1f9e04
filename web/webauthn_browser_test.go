package web_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

const chromium = "/usr/bin/chromium"

// skipWithoutBrowser skips a browser test where Chromium is missing or
// browser tests are turned off (VIGIL_TEST_NO_BROWSER).
func skipWithoutBrowser(t *testing.T) {
	t.Helper()
	if os.Getenv("VIGIL_TEST_NO_BROWSER") != "" {
		t.Skip("VIGIL_TEST_NO_BROWSER set; browser test skipped")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skip("chromium not installed; browser test skipped")
	}
}

// startBrowser starts headless Chromium with a fresh profile and a virtual
// authenticator (a CTAP2 platform authenticator that keeps passkeys and
// verifies the user), and closes it when the test ends.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(allocCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(func() {
		// Close the browser and wait for it, so its profile folder can be
		// removed.
		_ = chromedp.Cancel(ctx)
		cancelTimeout()
		cancelTab()
		cancelAlloc()
	})
	if _, err := chromedp.Call(ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{EnableUI: new(false)}); err != nil {
		t.Fatalf("enable webauthn domain: %v", err)
	}
	_, err := chromedp.Call(ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
		Options: &cdpwebauthn.VirtualAuthenticatorOptions{
			Protocol:                    cdpwebauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                cdpwebauthn.Ctap2versionCtap21,
			Transport:                   cdpwebauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		t.Fatalf("add virtual authenticator: %v", err)
	}
	return ctx
}

// TestWebAuthnRegisterAndStepUp drives a real browser against a real
// server: a DSL signs in, steps up with their authenticator app, adds a
// passkey on the security page, signs out, signs in again, steps up with the
// passkey alone and opens the pupil list.
func TestWebAuthnRegisterAndStepUp(t *testing.T) {
	skipWithoutBrowser(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		dsl := oak.Staff["dsl"]
		ctx := startBrowser(t)
		base := env.BaseURL // http://localhost:PORT: keys are never bound to 127.0.0.1

		do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			if err := chromedp.Do(ctx, steps...); err != nil {
				where, _ := chromedp.Run(ctx, chromedp.Location())
				status, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector("[data-webauthn-status]") || {}).textContent || ""`))
				t.Fatalf("%s: %v (at %s; status %q)", what, err, where, status)
			}
		}
		signIn := func() {
			t.Helper()
			do("sign in",
				chromedp.Navigate(base+"/login"),
				chromedp.WaitVisible(chromedp.ID("email")),
				chromedp.SendKeys(chromedp.ID("email"), dsl.Email),
				chromedp.SendKeys(chromedp.ID("password"), vigiltest.Password),
				chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
				chromedp.WaitVisible(`//h1[starts-with(normalize-space(.), "Hello")]`),
			)
		}

		// A password, then the authenticator app, then a new passkey.
		signIn()
		code, err := auth.TOTPCode(vigiltest.TOTPSecret, env.Now())
		if err != nil {
			t.Fatal(err)
		}
		do("step up with the app",
			chromedp.Navigate(base+"/step-up?next=%2Faccount%2Fsecurity"),
			chromedp.WaitVisible(chromedp.ID("code")),
			chromedp.SendKeys(chromedp.ID("code"), code),
			chromedp.Click(chromedp.CSS(`form[action="/step-up"] button[type=submit]`)),
			chromedp.WaitVisible(`//h1[normalize-space(.)="Sign-in security"]`),
		)
		env.Advance(30 * time.Second) // the code is spent; nothing below reuses it
		do("add a passkey",
			chromedp.SendKeys(chromedp.ID("key-name"), "Blue key"),
			chromedp.Click(chromedp.CSS(`button[data-webauthn="register"]`)),
			chromedp.WaitVisible(`//td[contains(@class, "key-name") and normalize-space(.)="Blue key"]`),
		)
		keys, err := s.FindSecurityKeys(context.Background(), dsl.ID)
		if err != nil || len(keys) != 1 || keys[0].Name != "Blue key" || !keys[0].LastUsedAt.IsZero() {
			t.Fatalf("keys after registration: %d, %v", len(keys), err)
		}

		// Signed out and in again, the passkey alone opens pupil records.
		do("sign out",
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.WaitVisible(chromedp.ID("email")),
		)
		signIn()
		do("step up with the passkey",
			chromedp.Navigate(base+"/pupils"),
			chromedp.WaitVisible(chromedp.CSS(`button[data-webauthn="step-up"]`)),
			chromedp.Click(chromedp.CSS(`button[data-webauthn="step-up"]`)),
			chromedp.WaitVisible(chromedp.CSS("table.pupils")),
		)
		list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("table.pupils")))
		if err != nil || !strings.Contains(list, "Okafor, Amara") {
			t.Fatalf("pupil list after the passkey: %q, %v", list, err)
		}

		keys, err = s.FindSecurityKeys(context.Background(), dsl.ID)
		if err != nil || len(keys) != 1 || keys[0].LastUsedAt.IsZero() {
			t.Fatalf("key not marked used: %v", err)
		}
		events, err := s.FindAudit(oak.Ctx, dsl.ID, "", 20)
		if err != nil {
			t.Fatal(err)
		}
		var registered, steppedUp bool
		for _, ev := range events {
			registered = registered || ev.Action == vigil.AuditWebAuthnRegistered && ev.Detail["key"] == keys[0].ID
			steppedUp = steppedUp || ev.Action == vigil.AuditStepUp && ev.Detail["method"] == "webauthn" && ev.Detail["key"] == keys[0].ID
		}
		if !registered || !steppedUp {
			t.Fatalf("audit trail: registered %v, stepped up with the key %v: %s", registered, steppedUp, actions(events))
		}
	})
}
