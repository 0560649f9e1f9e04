package web_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/vigil-safeguarding/vigil"
	"github.com/vigil-safeguarding/vigil/store/storetest"
	"github.com/vigil-safeguarding/vigil/vigiltest"
)

// TestConcernFormInBrowser logs a concern the way a teacher does on a
// phone: pupils found by type-ahead, categories copied then changed for
// one pupil, a mark tapped on the outline and one added from the lists, the
// draft restored after a reload (encrypted on the device), the screen
// hidden and shown again, then sent.
func TestConcernFormInBrowser(t *testing.T) {
	skipWithoutBrowser(t)
	s := storetest.OpenSQLite(t)
	env := vigiltest.Start(t, s)
	oak := env.Fixtures.Oak
	teacher := oak.Staff["teacher"]
	base := env.BaseURL // localhost: a secure context, so WebCrypto is there
	ctx := startBrowser(t)

	var mu sync.Mutex
	var problems []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil {
				msg += " " + d.Exception.Description
			}
			problems = append(problems, "script error: "+msg)
		case *cdplog.EventEntryAdded:
			if strings.Contains(e.Entry.Text, "Content Security Policy") {
				problems = append(problems, "CSP: "+e.Entry.Text)
			}
		}
	}); err != nil {
		t.Fatal(err)
	}
	checkProblems := func() {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if len(problems) > 0 {
			t.Fatalf("the page reported: %s", strings.Join(problems, "; "))
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			where, _ := chromedp.Run(ctx, chromedp.Location())
			t.Fatalf("%s: %v (at %s; %v)", what, err, where, problems)
		}
	}
	eval := func(what, js string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	until := func(what, js string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v (%v)", what, err, problems)
		}
	}
	choose := func(id, value string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`(function(){var s=document.getElementById(` + strconv.Quote(id) + `); s.value=` +
			strconv.Quote(value) + `; s.dispatchEvent(new Event("change",{bubbles:true}));})()`)
	}

	do("sign in on a phone",
		chromedp.EmulateViewport(390, 844),
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SetValue(chromedp.ID("email"), teacher.Email),
		chromedp.SetValue(chromedp.ID("password"), vigiltest.Password),
		retryStale(chromedp.Click(chromedp.CSS(`form[action="/login"] button[type=submit]`))),
		chromedp.WaitVisible(`//h1[starts-with(normalize-space(.), "Hello")]`),
		retryStale(chromedp.Click(chromedp.CSS(`main a[href="/concerns/new"]`))),
		chromedp.WaitVisible(chromedp.ID("bodymap")), // shown by the script
	)
	if w := eval("page width", `String(document.documentElement.scrollWidth)`); w != "390" {
		t.Errorf("the form is %s px wide on a 390 px phone", w)
	}

	// Two pupils by type-ahead.
	for i, q := range []string{"Okaf", "hugh"} {
		do("find "+q,
			chromedp.SendKeys(chromedp.ID("pupil_q"), q),
			chromedp.WaitVisible(chromedp.CSS("#pupil-results button.pupil-option")),
			chromedp.Click(chromedp.CSS("#pupil-results button.pupil-option")),
		)
		until("pupil added", `document.querySelectorAll("#pupil-cards .pupil-card").length === `+strconv.Itoa(i+1))
	}
	if got := eval("names", `Array.from(document.querySelectorAll("#pupil-cards .pupil-name .pupil-label")).map(e => e.textContent).join("|")`); got != "Amara Okafor|Ben Hughes" {
		t.Fatalf("cards = %q", got)
	}
	if got := eval("status", `document.getElementById("pupil-status").textContent`); !strings.Contains(got, "Ben Hughes added") {
		t.Errorf("status = %q", got)
	}

	// Bullying for Amara, copied to Ben, then Ben's changed on its own.
	bullying, pastoral := concernCategory(t, s, oak, "bullying"), concernCategory(t, s, oak, "pastoral")
	do("categories",
		chromedp.Click(chromedp.ID("pupils-0-cat-"+string(bullying))),
		chromedp.Click(chromedp.CSS(`.pupil-card[data-index="0"] button.copy-cats`)),
	)
	if got := eval("copied", `String(document.getElementById("pupils-1-cat-`+string(bullying)+`").checked)`); got != "true" {
		t.Fatal("the categories were not copied")
	}
	do("Ben's own categories",
		chromedp.Click(chromedp.ID("pupils-1-cat-"+string(bullying))),
		chromedp.Click(chromedp.ID("pupils-1-cat-"+string(pastoral))),
		choose("pupils-1-part", vigil.PartWitness),
	)
	if got := eval("independent", `String(document.getElementById("pupils-0-cat-`+string(bullying)+`").checked)`); got != "true" {
		t.Fatal("changing Ben's categories changed Amara's")
	}

	const account = "Amara said older pupils pushed her at the gate."
	do("account",
		chromedp.SendKeys(chromedp.ID("location"), "Playground"),
		chromedp.SendKeys(chromedp.ID("body"), account),
	)

	// A mark tapped on the front outline, and one chosen from the lists.
	var at []float64
	if err := json.Unmarshal([]byte(eval("outline", `(function(){var s=document.querySelector('svg[data-side="front"]');
		s.scrollIntoView({block:"center"}); var r=s.getBoundingClientRect();
		return JSON.stringify([r.left + r.width*0.78, r.top + r.height*0.43]);})()`)), &at); err != nil {
		t.Fatal(err)
	}
	do("tap the outline",
		chromedp.MouseClickXY(at[0], at[1]),
		chromedp.WaitVisible(chromedp.ID("body_map-0-description")),
		chromedp.SendKeys(chromedp.ID("body_map-0-description"), "Red mark on the left forearm"),
		chromedp.Click(chromedp.ID("add-mark")),
		chromedp.WaitVisible(chromedp.ID("body_map-1-region")),
		choose("body_map-1-side", "back"),
		choose("body_map-1-region", "left_hand"),
		chromedp.SendKeys(chromedp.ID("body_map-1-description"), "Scratch on the back of the left hand"),
	)
	marks := eval("marks", `JSON.stringify(["side","x","y"].map(f => [0,1].map(i => document.querySelector('[name="body_map.'+i+'.'+f+'"]').value)))`)
	var mv [][]string
	_ = json.Unmarshal([]byte(marks), &mv)
	// mv holds side, x and y, each for marks 0 and 1. The left hand seen
	// from the back is on the viewer's left: 36 of 200 across.
	if len(mv) != 3 || mv[0][0] != "front" || !strings.HasPrefix(mv[1][0], "0.7") || !strings.HasPrefix(mv[2][0], "0.4") ||
		mv[0][1] != "back" || mv[1][1] != "0.18" {
		t.Fatalf("marks = %s", marks)
	}
	if got := eval("dots", `String(document.querySelectorAll("svg .mark-dot").length)`); got != "2" {
		t.Errorf("%s dots drawn", got)
	}

	// The draft is kept encrypted under a key that cannot be read out.
	person := string(teacher.ID)
	until("draft saved", `VigilDraft.load(`+strconv.Quote(person)+`).then(d => !!d && d.data.marks.length === 2 && d.data.marks[1].description.indexOf("Scratch") >= 0)`)
	stored := eval("stored draft", `localStorage.getItem("vigil.draft.`+person+`") || ""`)
	for _, secret := range []string{"pushed", "Amara", "Scratch", "Playground"} {
		if stored == "" || strings.Contains(stored, secret) {
			t.Fatalf("the stored draft is missing or holds %q in clear: %.200s", secret, stored)
		}
	}
	if got := eval("key", `new Promise(r => { var q = indexedDB.open("vigil", 1); q.onsuccess = () => {
		var g = q.result.transaction("keys").objectStore("keys").get("draft:`+person+`");
		g.onsuccess = () => r(String(!!g.result && g.result.extractable === false && g.result.algorithm.name === "AES-GCM")); }; })`); got != "true" {
		t.Fatal("the draft key is missing or extractable")
	}

	// A reload brings it all back, with a notice.
	do("reload",
		chromedp.Navigate(base+"/concerns/new"),
		chromedp.WaitVisible(chromedp.ID("draft-notice")),
	)
	restored := eval("restored", `JSON.stringify({
		body: document.getElementById("body").value,
		names: Array.from(document.querySelectorAll("#pupil-cards .pupil-name .pupil-label")).map(e => e.textContent),
		amara: document.getElementById("pupils-0-cat-`+string(bullying)+`").checked,
		ben: [document.getElementById("pupils-1-cat-`+string(bullying)+`").checked, document.getElementById("pupils-1-cat-`+string(pastoral)+`").checked],
		part: document.getElementById("pupils-1-part").value,
		marks: document.querySelectorAll("#marks li.mark").length,
		mark2: document.getElementById("body_map-1-description").value})`)
	want := `{"body":"` + account + `","names":["Amara Okafor","Ben Hughes"],"amara":true,"ben":[false,true],"part":"witness","marks":2,"mark2":"Scratch on the back of the left hand"}`
	if restored != want {
		t.Fatalf("restored %s\nwant     %s", restored, want)
	}

	// Escape twice hides the screen at once; a tap brings it back.
	do("hide", chromedp.KeyEvent(kb.Escape), chromedp.KeyEvent(kb.Escape), chromedp.WaitVisible(chromedp.ID("hide-screen")))
	if got := eval("hidden", `document.title + "|" + document.querySelector("main").inert`); got != "Vigil|true" {
		t.Errorf("hidden page: %s", got)
	}
	do("show", chromedp.Click(chromedp.ID("hide-screen-show")), chromedp.WaitNotVisible(chromedp.ID("hide-screen")))
	do("hide with the button", chromedp.Click(chromedp.ID("hide-screen-button")), chromedp.WaitVisible(chromedp.ID("hide-screen")),
		chromedp.Click(chromedp.ID("hide-screen")), chromedp.WaitNotVisible(chromedp.ID("hide-screen")))
	if got := eval("title", `document.title`); !strings.HasPrefix(got, "Log a concern") {
		t.Errorf("title after showing again: %q", got)
	}

	// Send: the concern is saved as shown, and the draft is gone.
	do("send", chromedp.Click(chromedp.CSS("button.send")))
	// A poll ends when the page navigates, so ask again on the new page.
	for attempt := 0; ; attempt++ {
		_, err := chromedp.Run(ctx, chromedp.Poll[bool](`/^\/concerns\/[^\/]+$/.test(location.pathname) && location.pathname !== "/concerns/new"`,
			chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(10*time.Second)))
		if err == nil {
			break
		} else if attempt == 10 || !(strings.Contains(err.Error(), "navigated") || strings.Contains(err.Error(), "context")) {
			t.Fatalf("waiting for the concern's page: %v", err)
		}
	}
	until("draft cleared", `localStorage.getItem("vigil.draft.`+person+`") === null`)
	where, _ := chromedp.Run(ctx, chromedp.Location())
	id := vigil.ConcernID(where[strings.LastIndex(where, "/")+1:])
	view, err := env.App.Concern(oak.Ctx, id)
	if err != nil {
		t.Fatalf("the concern was not saved: %v", err)
	}
	c := view.Concern
	amara, ben := c.Link(oak.Pupils["amara"].ID), c.Link(oak.Pupils["ben"].ID)
	if c.Body != account || amara == nil || ben == nil || ben.Part != vigil.PartWitness ||
		len(amara.Categories) != 1 || amara.Categories[0] != bullying || len(ben.Categories) != 1 || ben.Categories[0] != pastoral {
		t.Fatalf("saved %+v", c)
	}
	if len(c.BodyMap) != 2 || c.BodyMap[1].Side != "back" || c.BodyMap[1].X != 0.18 {
		t.Fatalf("body map %+v", c.BodyMap)
	}
	checkProblems()
}
