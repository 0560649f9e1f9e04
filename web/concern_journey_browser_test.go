package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/auth"
	"github.com/vigil-safeguarding/vigil/crypt"
	"github.com/vigil-safeguarding/vigil/store"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// TestConcernJourneyInBrowser follows one concern through the school in
// real browsers, each with its own cookies: a teacher logs it on a phone
// with a file attached; the DSL is alerted, steps up, reads it and adds an
// action, which both pupils' chronologies then show after the concern; the
// teacher sees their account but not the action; a governor cannot open it.
func TestConcernJourneyInBrowser(t *testing.T) {
	skipWithoutBrowser(t)
	browser := startBrowser(t) // one for both databases; each person has a context of their own
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		env := vigiltest.Start(t, s)
		oak := env.Fixtures.Oak
		base := env.BaseURL
		governor := addOakGovernor(t, env)
		problems := &pageProblems{}
		teacher := newJourneyTab(t, "teacher", browser, problems)
		dsl := newJourneyTab(t, "DSL", browser, problems)
		gov := newJourneyTab(t, "governor", browser, problems)

		const (
			account    = "Amara said older pupils pushed her against the railings at the gate."
			actionText = "Phoned Amara's mother, who will collect her at the gate this week."
		)
		bullying := concernCategory(t, s, oak, "bullying")
		file := filepath.Join(t.TempDir(), "playground-note.txt")
		if err := os.WriteFile(file, []byte("What Ben saw at the gate.\n"), 0o600); err != nil {
			t.Fatal(err)
		}

		// 1. The teacher, on a phone, with a password alone.
		teacher.do("sign in on a phone",
			chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(3), chromedp.EmulateMobile),
			signInByForm(base, oak.Staff["teacher"].Email),
			chromedp.Click(chromedp.CSS(`main a[href="/concerns/new"]`)),
			chromedp.WaitVisible(chromedp.ID("pupil_q")),
		)
		for i, p := range []*vigil.Pupil{oak.Pupils["amara"], oak.Pupils["ben"]} {
			teacher.do("type "+p.LegalSurname, chromedp.SendKeys(chromedp.ID("pupil_q"), strings.ToLower(p.LegalSurname[:4])))
			teacher.choose(`//*[@id="pupil-results"]//button[contains(@class, "pupil-option") and not(@disabled) and contains(., "`+p.LegalSurname+`")]`,
				`document.querySelectorAll("#pupil-cards .pupil-card").length === `+strconv.Itoa(i+1))
		}
		teacher.do("parts, categories, account and a file",
			chromedp.Click(chromedp.ID("pupils-0-cat-"+string(bullying))),
			chromedp.Click(chromedp.ID("pupils-1-cat-"+string(bullying))),
			chromedp.SetValue(chromedp.ID("pupils-0-part"), vigil.PartVictim),
			chromedp.SetValue(chromedp.ID("pupils-1-part"), vigil.PartWitness),
			chromedp.SendKeys(chromedp.ID("location"), "Front gate"),
			chromedp.SendKeys(chromedp.ID("body"), account),
			chromedp.SetUploadFiles(chromedp.ID("files"), []string{file}),
		)
		if got := teacher.eval("the form's width", `String(document.documentElement.scrollWidth)`); got != "390" {
			t.Errorf("the form is %s px wide on a 390 px phone", got)
		}
		teacher.do("send",
			chromedp.Click(chromedp.CSS("button.send")),
			chromedp.WaitVisible(chromedp.ID("account-title")),
		)
		path := teacher.eval("the concern's address", `location.pathname`)
		if !strings.HasPrefix(path, "/concerns/") || path == "/concerns/new" {
			t.Fatalf("after sending, the teacher is at %s", path)
		}
		if got := teacher.text("the teacher's page", "main"); !strings.Contains(got, account) {
			t.Fatalf("the teacher's new concern lacks the account: %.300s", got)
		}

		// 2. The DSL is alerted, gives a second factor when asked, reads
		// the concern and acts on it.
		dsl.do("sign in", signInByForm(base, oak.Staff["dsl"].Email), chromedp.WaitVisible(chromedp.ID("unread-count")))
		if got := dsl.eval("badge", `document.getElementById("unread-count").firstChild.textContent.trim()`); got != "1" {
			t.Fatalf("the DSL's badge shows %q unread, want 1", got)
		}
		dsl.do("open the notification",
			chromedp.Click(chromedp.CSS(`nav a[href="/notifications"]`)),
			chromedp.WaitVisible(chromedp.CSS(`ul.notifications li.unread form button`)),
			chromedp.Click(chromedp.CSS(`ul.notifications li.unread form button`)),
			chromedp.WaitVisible(chromedp.ID("code")),
		)
		if got := dsl.eval("step-up page", `location.pathname + location.search`); got != "/step-up?next="+strings.ReplaceAll(path, "/", "%2F") {
			t.Errorf("the notification led to %s, want the step-up page back to the concern", got)
		}
		dsl.stepUp(env, chromedp.WaitVisible(chromedp.ID("actions-title")))
		if got := dsl.eval("the DSL's page", `location.pathname`); got != path {
			t.Fatalf("after stepping up the DSL is at %s, want %s", got, path)
		}
		page := dsl.text("the DSL's page", "main")
		for _, want := range []string{account, "playground-note.txt"} {
			if !strings.Contains(page, want) {
				t.Errorf("the DSL's page lacks %q", want)
			}
		}
		pupils := dsl.eval("pupils", `Array.from(document.querySelectorAll("#pupils ul.pupils > li")).map(li => {
			var p = li.querySelectorAll(":scope > p"); return p[0].querySelector("strong").textContent.trim() + ": " + p[1].textContent + " (" + p[2].textContent + ")"; }).join("; ")`)
		if want := "Amara Okafor: Victim (Bullying); Ben Hughes: Witness (Bullying)"; pupils != want {
			t.Errorf("the DSL sees pupils %q, want %q", pupils, want)
		}
		if n := dsl.eval("unread", `String(document.querySelectorAll("#unread-count").length)`); n != "0" {
			t.Errorf("the notification is still counted unread after opening it")
		}
		dsl.do("add an action",
			chromedp.Click(`//section[@id="actions"]/details/summary`),
			chromedp.WaitVisible(chromedp.ID("action-type")),
			chromedp.SetValue(chromedp.ID("action-type"), "spoke_parent"),
			chromedp.SendKeys(chromedp.ID("action-body"), actionText),
			chromedp.Click(chromedp.CSS(`form[action$="/actions"] button[type=submit]`)),
			chromedp.WaitVisible(`//section[@id="actions"]//li[contains(@class, "action")]//strong[normalize-space(.)="Spoke to parent or carer"]`),
		)
		if got := dsl.text("the actions", "#actions"); !strings.Contains(got, actionText) {
			t.Fatalf("the action's text is not shown: %.300s", got)
		}

		// 3. Each pupil's chronology shows the concern and then the action.
		for _, key := range []string{"amara", "ben"} {
			p := oak.Pupils[key]
			dsl.do(key+"'s chronology",
				chromedp.Navigate(base+"/pupils/"+string(p.ID)+"/chronology"),
				chromedp.WaitVisible(chromedp.CSS("table.chronology")),
			)
			order := dsl.eval(key+"'s entries", `Array.from(document.querySelectorAll("table.chronology tbody tr")).
				filter(r => r.classList.contains("kind-concern") || r.classList.contains("kind-action")).
				map(r => (r.classList.contains("kind-concern") ? "concern:" : "action:") + r.querySelector('td[data-label="Record"]').textContent.replace(/\s+/g, " ")).join("\n")`)
			entries := strings.Split(order, "\n")
			if len(entries) != 2 || !strings.HasPrefix(entries[0], "concern:") || !strings.Contains(entries[0], account) ||
				!strings.HasPrefix(entries[1], "action:") || !strings.Contains(entries[1], actionText) {
				t.Errorf("%s's chronology, oldest first:\n%s", p.LegalForename, order)
			}
		}

		// 4. The teacher, back on their concern, sees their account but not
		// what the DSL did.
		teacher.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("account-title")))
		own := teacher.text("the teacher's page again", "main")
		if !strings.Contains(own, account) {
			t.Errorf("the teacher's page lacks their account")
		}
		for _, not := range []string{actionText, "Spoke to parent or carer", "Add an action"} {
			if strings.Contains(own, not) {
				t.Errorf("the teacher's page shows %q", not)
			}
		}

		// 5. A governor, second factor given, gets the page every missing
		// record gets.
		gov.do("open the concern",
			signInByForm(base, governor.Email),
			chromedp.Navigate(base+path),
			chromedp.WaitVisible(chromedp.ID("code")),
		)
		gov.stepUp(env, chromedp.WaitVisible(`//h1[normalize-space(.)="Page not found"]`))
		status := gov.eval("status", `String(performance.getEntriesByType("navigation")[0].responseStatus)`)
		where := gov.eval("where", `location.pathname`)
		if status != "404" || where != path {
			t.Errorf("the governor got %s at %s, want 404 at %s", status, where, path)
		}
		refused := gov.text("the governor's page", "body")
		for _, word := range []string{"Amara", "Okafor", "Hughes", "pushed", "railings", "Front gate", "playground-note", "Bullying"} {
			if strings.Contains(refused, word) {
				t.Errorf("the governor's page shows %q", word)
			}
		}

		problems.check(t)
	})
}

// addOakGovernor gives Oak a governor with the fixture password and
// authenticator app, as vigiltest.Start does for the seeded staff.
func addOakGovernor(t *testing.T, env *vigiltest.Env) *vigil.Person {
	t.Helper()
	s, bg := env.Store, context.Background()
	p := &vigil.Person{Email: "governor@oak.test", Name: "governor at Oak Primary School"}
	if err := s.CreatePerson(bg, p); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveMembership(env.Fixtures.Oak.Ctx, &vigil.Membership{PersonID: p.ID, Role: vigil.RoleGovernor, Active: true}); err != nil {
		t.Fatal(err)
	}
	hash, err := env.Hasher.Hash(vigiltest.Password)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetPasswordHash(bg, p.ID, hash); err != nil {
		t.Fatal(err)
	}
	_, codes := auth.NewRecoveryCodes()
	sealed := env.Sealer.Seal([]byte(vigiltest.TOTPSecret), crypt.AAD("persons", string(p.ID), "totp_secret"))
	if err := s.SetTOTP(bg, p.ID, sealed, codes); err != nil {
		t.Fatal(err)
	}
	return p
}

// signInByForm signs in through the sign-in form with the fixture
// password and waits for the start page.
func signInByForm(base, email string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), email),
		chromedp.SetValue(chromedp.ID("password"), vigiltest.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`)),
		chromedp.WaitVisible(`//h1[starts-with(normalize-space(.), "Hello")]`),
	)
}

// stepUp gives the fixture authenticator's current code on the step-up
// form and waits for then: the page it leads to. The server's clock then
// moves on a step, as vigiltest's SignIn does, so no code is given twice.
func (b *journeyTab) stepUp(env *vigiltest.Env, then chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	code, err := auth.TOTPCode(vigiltest.TOTPSecret, env.Now()) // now, not when the steps before were listed
	if err != nil {
		b.t.Fatal(err)
	}
	b.do("step up",
		chromedp.SendKeys(chromedp.ID("code"), code),
		chromedp.Click(chromedp.CSS(`form[action="/step-up"] button[type=submit]`)),
		then,
	)
	env.Advance(30 * time.Second)
}

// pageProblems collects script errors, console errors and Content Security
// Policy reports from every tab of a test.
type pageProblems struct {
	mu   sync.Mutex
	list []string
}

func (p *pageProblems) listener(tab string) func(ev any) {
	return func(ev any) {
		var msg string
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			msg = "script error: " + e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
		case *runtime.EventConsoleAPICalled:
			if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeAssert {
				msg = "console." + string(e.Type)
			}
		case *cdplog.EventEntryAdded:
			switch {
			case strings.Contains(e.Entry.Text, "Content Security Policy"):
				msg = "CSP: " + e.Entry.Text
			case e.Entry.Level == cdplog.EntryLevelError:
				// The governor is meant to get a 404 for the concern;
				// anything else that fails to load is a fault.
				if tab == "governor" && e.Entry.Source == cdplog.EntrySourceNetwork && strings.Contains(e.Entry.URL, "/concerns/") {
					break
				}
				msg = "console: " + e.Entry.Text + " " + e.Entry.URL
			}
		}
		if msg != "" {
			p.mu.Lock()
			p.list = append(p.list, tab+": "+msg)
			p.mu.Unlock()
		}
	}
}

func (p *pageProblems) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.list, "; ")
}

func (p *pageProblems) check(t *testing.T) {
	t.Helper()
	if s := p.String(); s != "" {
		t.Errorf("the pages reported: %s", s)
	}
}

// journeyTab is one person's browser: a tab in a browser context of its
// own, so people never share cookies or storage.
type journeyTab struct {
	t        *testing.T
	name     string
	ctx      context.Context
	problems *pageProblems
}

func newJourneyTab(t *testing.T, name string, browser context.Context, problems *pageProblems) *journeyTab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext(), chromedp.WithListener(problems.listener(name)))
	t.Cleanup(cancel)
	return &journeyTab{t: t, name: name, ctx: ctx, problems: problems}
}

func (b *journeyTab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	for i, step := range steps {
		steps[i] = retryStale(step)
	}
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		where, _ := chromedp.Run(b.ctx, chromedp.Location())
		b.t.Fatalf("%s: %s: %v (at %s; %s)", b.name, what, err, where, b.problems)
	}
}

// retryStale runs step again when it failed on a node that chromedp found
// just before the page's document was reported replaced: right after a
// page loads, chromedp can learn of the new document late. The step failed
// before it touched the page (it was scrolling to or focusing the node), so
// running it again is safe.
func retryStale[T any](step chromedp.Action[T]) chromedp.Action[T] {
	return func(ctx context.Context, t *chromedp.Target) (T, error) {
		for i := 0; ; i++ {
			v, err := step(ctx, t)
			if err == nil || i == 3 || !strings.Contains(err.Error(), "Could not find node with given id") {
				return v, err
			}
		}
	}
}

// choose taps a type-ahead option and waits until done is true. The list
// is drawn again as each search of the letters typed so far answers, so an
// option found may be replaced before the tap reaches it: then it is found
// and tapped again.
func (b *journeyTab) choose(option, done string) {
	b.t.Helper()
	var err error
	for range 5 {
		ctx, cancel := context.WithTimeout(b.ctx, 10*time.Second)
		err = chromedp.Do(ctx, chromedp.WaitVisible(option), retryStale(chromedp.Click(option)))
		if err == nil {
			_, err = chromedp.Run(ctx, chromedp.Poll[bool](done, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(5*time.Second)))
		}
		cancel()
		if err == nil || b.eval("done", "String("+done+")") == "true" {
			return
		}
	}
	b.t.Fatalf("%s: choose %s: %v (%s)", b.name, option, err, b.problems)
}

func (b *journeyTab) eval(what, js string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
	return v
}

func (b *journeyTab) text(what, css string) string {
	b.t.Helper()
	v, err := chromedp.Run(b.ctx, retryStale(chromedp.Text(chromedp.CSS(css))))
	if err != nil {
		b.t.Fatalf("%s: %s: %v", b.name, what, err)
	}
	return v
}
