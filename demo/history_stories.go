package demo

import (
	"slices"

	"github.com/vigil-safeguarding/vigil"
)

// The stories: a handful of pupils whose chronologies tell what happened
// to them over two school years. Every name, place and event is invented.
// Texts are in the words of the member of staff who wrote them: factual,
// dated, the child's own words in quotes.

// do is an action done as it is recorded, days school days after the step
// before (0: later the same day).
func do(days int, typ, text string) follow { return follow{days: days, typ: typ, text: text} }

// by is f done by staff member who.
func by(who string, f follow) follow { f.by = who; return f }

// key marks f as a key event in the pupil's chronology.
func key(f follow) follow { f.key = true; return f }

// task is an action given to assign, due due school days after it is
// taken and done done school days later (-1: still open).
func task(days int, typ, text, assign string, due, done int) follow {
	return follow{days: days, typ: typ, text: text, assign: assign, due: due, done: done}
}

// info is further information added by who ("" the reporter).
func info(days int, who, text string) follow {
	return follow{days: days, typ: "info", by: who, text: text}
}

// revise corrects a field of the concern, with the reason.
func revise(days int, field, text, reason string) follow {
	return follow{days: days, typ: "revise:" + field, text: text, reason: reason}
}

func mark(side string, x, y float64, what string) vigil.BodyMark {
	return vigil.BodyMark{Side: side, X: x, Y: y, Description: what}
}

// plan writes the whole history.
func (w *writer) plan() {
	cp := w.byFlag[vigil.FlagCPPlan]
	// The domestic abuse story needs a mother at home; the others fit any.
	slices.SortStableFunc(cp, func(a, b *kid) int {
		if a.carer == "mum" && b.carer != "mum" {
			return -1
		}
		if b.carer == "mum" && a.carer != "mum" {
			return 1
		}
		return 0
	})
	stories := []func(*kid){w.storyDomesticAbuse, w.storyNeglect, w.storyPhysical}
	for i, k := range cp {
		stories[i%len(stories)](k)
	}
	cin := []func(*kid){w.storyParentMentalHealth, w.storyDisability, w.storyHousing, w.storySubstance}
	for i, k := range w.byFlag[vigil.FlagCIN] {
		cin[i%len(cin)](k)
	}
	for i, k := range w.byFlag[vigil.FlagLAC] {
		w.storyLookedAfter(k, i)
	}
	for i, k := range w.byFlag[vigil.FlagPLAC] {
		w.storyPreviouslyLookedAfter(k, i)
	}
	for i, k := range w.byFlag[vigil.FlagEarlyHelp] {
		w.storyEarlyHelp(k, i)
	}
	for i, k := range w.byFlag[vigil.FlagYoungCarer] {
		w.storyYoungCarer(k, i)
	}
	w.storyLeavers()
	w.storiesOfOthers()
	w.lowLevel(190)
	w.fresh()
	w.openTasks()
}

// free returns pupils on roll the whole time in the year groups given, with
// no statutory flag and no story yet, in a fixed order.
func (w *writer) free(years ...string) []*kid {
	var out []*kid
	for _, k := range w.kids {
		f := k.p.Flags
		if !k.p.OnRoll || !slices.Contains(years, k.p.YearGroup) || w.busy[k] > 0 ||
			f[vigil.FlagCPPlan] || f[vigil.FlagCIN] || f[vigil.FlagLAC] || f[vigil.FlagPLAC] || f[vigil.FlagEarlyHelp] || f[vigil.FlagYoungCarer] {
			continue
		}
		out = append(out, k)
	}
	return out
}

func (w *writer) storyNeglect(k *kid) {
	s := w.newStory(k, []string{"child_protection"}, "{N} had a child in need plan at nursery because of concerns about home conditions, hygiene and {his} {carer}'s health; the nursery referred twice about neglect.")
	defer s.tell()
	s.add(beat{f: 0.02, slot: "arrive", cats: []string{"pastoral"}, where: "Classroom",
		text: "{N} arrived at {T} in the same uniform {he} wore on the last two days. {His} jumper had food stains down the front and there was a strong smell of stale urine when {he} sat on the carpet. {He} told me {he} had not had breakfast because 'there wasn't any'. I took {him} to breakfast club, where {he} ate two slices of toast and a bowl of cereal very quickly.",
		then: []follow{
			by("pastoral", do(0, "pastoral_support", "Spare uniform and socks given from the school's clothing store; {N} changed in the medical room with a teaching assistant nearby. Free place at breakfast club arranged from tomorrow.")),
			by("pastoral", do(0, "spoke_parent", "Spoke to {N}'s {carer} at home time. {Cshe} said the washing machine has broken and {cshe} is waiting for a new one. Offered the launderette tokens the school holds; {cshe} accepted them and thanked us.")),
		},
		outcome: "Clothing and breakfast club in place. Class teacher to log any further concerns about care at home."})
	s.add(beat{f: 0.09, slot: "morning", cats: []string{"medical"}, where: "Classroom",
		text: "{N} was scratching {his} head all through {lesson}. I could see live head lice and several sore, scabbed patches behind {his} ears. This is the {third|fourth} time this term that lice have been seen; a letter went home each time. {N} said '{Carer} says we can't get the shampoo till Friday.'",
		then: []follow{
			by("senco", do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}. {Cshe} said {cshe} cannot afford treatment for all the children at once. Treatment and a nit comb given from the school nursing team's stock, with the leaflet.")),
			info(3, "", "Further information: {N}'s hair looked clean today and {he} said {his} {carer} 'did the special comb' at the weekend."),
		},
		outcome: "Treated with help from school. Shared with the DSL as one of several low-level concerns about care at home."})
	s.add(beat{f: 0.16, slot: "office", by: "attendance", cats: []string{"attendance"}, where: "Attendance office",
		text: "Attendance check for {N}: {pct}% this half term, with {n} sessions missed, most unauthorised. {N}'s {carer} rang after 10:00 on three mornings to say {he} had 'a bad stomach'; on the other days there was no contact. {N} has also been late {n} times, arriving between 09:10 and 09:35, often without a coat.",
		then: []follow{
			do(0, "letter", "First attendance letter sent to {N}'s {carer}, with an invitation to meet."),
			task(3, "meeting", "Attendance meeting with {N}'s {carer}. {Cshe} said mornings are 'chaos' since {cshe} started night shifts and the younger children need taking to nursery. Agreed: {N} to come to breakfast club from 08:00; review in four weeks.", "attendance", 20, 20),
		},
		outcome: "Attendance rose to {pctup}% over the four weeks with breakfast club. Shared with the DSL because of the other concerns about care at home."})
	s.add(beat{f: 0.25, slot: "evening", cats: []string{"child_protection"}, where: "School office after home time", key: true,
		text: "{N} was not collected at home time. The office rang {his} {carer} at 15:30, 15:45 and 16:00 with no answer, and the second contact did not answer either. {N} waited in the office with me and said '{Carer} is always tired, {cshe} sleeps in the day.' {His} {carer} arrived at 16:50 and said {cshe} had fallen asleep. {Cshe} was slow to answer questions and unsteady on the steps; I did not smell alcohol. {N} went home with {cher}.",
		then: []follow{
			by("dsl", do(0, "discussed_dsl", "Discussed with {teacher} at {T}. This is the fourth concern this year about care at home: clothing and hygiene, head lice, attendance and now a late collection with the parent appearing drowsy.")),
			key(by("dsl", do(1, "spoke_parent", "Met {N}'s {carer} before school. {Cshe} said {cshe} has new medication that makes {cher} sleepy and that money is very tight. {Cshe} agreed to an Early Help assessment and gave consent for the school to speak to {chis} GP."))),
			key(by("dsl", do(3, "early_help", "Early Help assessment started with the family. A family support worker from Riverside Early Help will be allocated; the school is lead practitioner until then. Team around the family meeting booked for four weeks' time."))),
		},
		outcome: "Early Help assessment in place; see the family's Early Help plan. Further concerns to be logged and reviewed together."})
	s.add(beat{f: 0.34, slot: "lunch", cats: []string{"child_protection"}, where: "Dining hall",
		text: "At lunch {N} asked for a second helping and then took bread from other children's trays. When I sat with {him}, {he} said there was 'no dinner at the weekend, only crisps' and that {his} little brother cried because he was hungry. {He} said {his} {carer} was 'in bed all Sunday'.",
		then: []follow{
			by("dsl", do(0, "spoke_pupil", "Spoke to {N} with {teacher} present. {He} said again that there was little food at the weekend and that {he} made toast for {himself} and {his} brother on Saturday because {his} {carer} 'was poorly'.")),
			by("dsl", do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}. {Cshe} said a benefit payment was stopped after a change of address. Food bank voucher issued by the school; {cshe} collected a food parcel at 15:15.")),
			by("dsl", do(2, "note", "Shared with the family support worker, who will visit at home this week.")),
		},
		outcome: "Immediate need met and shared with Early Help. The pattern of neglect is monitored under the Early Help plan."})
	s.add(beat{f: 0.44, slot: "morning", cats: []string{"child_protection"}, where: "Classroom", key: true,
		agencies: "Riverside Early Help (family support worker)",
		marks:    []vigil.BodyMark{mark("back", 0.86, 0.52, "Blistered burn about 2 cm across on the back of the right hand, not covered")},
		text:     "At {T} I noticed {N} holding {his} right hand against {his} jumper. On the back of {his} right hand there is a blistered burn about the size of a 10p coin, not covered. {He} said {he} did it on the iron 'two days ago' when {he} was ironing {his} school shirt because {his} {carer} was asleep. {He} said it hurts when {he} holds a pencil and that no one at home has looked at it.",
		young:    "At {T} I noticed {N} holding {his} right hand against {his} jumper. On the back of {his} right hand there is a blistered burn about the size of a 10p coin, not covered. {He} said {he} touched the iron 'when Mummy was asleep' and that it was 'two sleeps ago'. {He} said it hurts when {he} holds a pencil and that no one at home has put a plaster on it.",
		then: []follow{
			by("dsl", do(0, "spoke_pupil", "First aid given in the medical room at {T}: burn cooled and dressed. {N} told me the same account and added that {he} 'does the ironing sometimes'.")),
			key(by("dsl", do(0, "referral_cs", "Referral to Riverside Children's Services by phone at {T}, then on the multi-agency referral form. Reasons: an untreated burn {N} says happened while looking after {himself}, and the pattern of neglect in {his} chronology despite Early Help support. {N}'s {carer} was told of the referral by phone; {cshe} was upset but did not object."))),
			info(0, "", "Further information: at home time {N} said 'Mum will be cross that I told.' I told {him} {he} had done the right thing by showing me."),
			key(by("dsl", do(1, "meeting", "Strategy discussion by phone with children's services and police at {T}. Agreed: section 47 enquiry (neglect). Social worker {sw} allocated; {sw} will visit the home today and see {N} in school tomorrow."))),
		},
		outcome: "The section 47 enquiry led to an initial child protection conference; see the conference record."})
	s.add(beat{f: 0.52, slot: "afternoon", by: "dsl", cats: []string{"child_protection"}, where: "Civic Centre, Riverside", key: true,
		agencies: "Children's social care ({sw}); health visiting team; school nursing; Riverside Early Help",
		text:     "Record of the initial child protection conference held today at 10:00 at the Civic Centre, attended by {dsl} for the school. Also present: {N}'s {carer}, {sw} (social worker), the health visitor, the school nurse and the family support worker. Decision: {N} and {his} younger brother are made subject to child protection plans under the category of neglect. The school's part: a check on arrival each day, breakfast club, attendance monitored weekly, and membership of the core group.",
		then: []follow{
			task(1, "meeting", "First core group meeting at school within 10 working days: book the room and send the invitations.", "dsl", 8, 6),
			do(1, "monitoring", "Daily arrival check agreed with {teacher}: clothing, hunger, injuries and mood. Anything of note to be logged the same day."),
		},
		outcome: "Child protection plan in place. The school's actions are on the plan and reviewed at core group meetings."})
	s.add(beat{f: 0.62, slot: "afternoon", cats: []string{"child_protection"}, where: "Classroom",
		text: "{N} fell asleep at {his} table at {T} during {lesson} and was hard to wake. Afterwards {he} said {he} was up 'really late' because {his} {carer}'s friends were 'playing music and shouting' downstairs. {He} said a man called {partner} is 'sleeping on our sofa now'.",
		then: []follow{
			do(0, "spoke_pupil", "Spoke to {N} at {T}. {He} said {partner} has stayed 'lots of nights'. {He} said nothing to suggest {partner} has hurt {him}."),
			key(do(0, "note", "Shared with {sw} by phone and email at {T}: an adult staying at the home is new information for the plan. {sw} will raise it at Thursday's home visit and complete checks.")),
		},
		outcome: "Shared with the social worker and discussed at the core group meeting."})
	s.add(beat{f: 0.72, slot: "afternoon", by: "attendance", cats: []string{"attendance", "child_protection"}, where: "Home visit",
		text: "{N} was absent yesterday and today with no message from home. First-day calls at 09:30 and 11:00 were not answered on either day. Because {N} is on a child protection plan, {deputy} and I made a home visit at 11:40 today. {N}'s {carer} answered after several knocks. {N} was seen in pyjamas and said {he} had earache. The house was cold and smelt of damp. {Carer} said {cshe} would bring {N} in tomorrow.",
		then: []follow{
			by("deputy", do(0, "note", "Home visit details sent to {sw} by email at {T}.")),
			by("deputy", do(1, "monitoring", "{N} back in school today. Tired but happy to be back; ate a full breakfast at breakfast club.")),
		},
		outcome: "Back after two days. The absence and the home visit were shared with the social worker for the core group."})
	s.add(beat{f: 0.82, slot: "arrive", cats: []string{"child_protection"}, where: "Classroom",
		text: "For the record, a positive week: {N} has arrived on time every day in clean uniform and told me '{Carer} did all the washing on Sunday and we had pasta.' {He} has been more settled in class and finished {his} writing today for the first time in a while.",
		then: []follow{
			do(1, "monitoring", "Noted for the core group as progress in routines over the last fortnight. Daily check-in continues."),
		},
		outcome: "Shared with the core group as evidence of progress."})
	s.add(beat{f: 0.97, slot: "afternoon", by: "dsl", cats: []string{"child_protection"}, where: "Civic Centre, Riverside", key: true,
		agencies: "Children's social care ({sw}); health visiting team; school nursing",
		text:     "Record of the review child protection conference held today, attended by {dsl}. Progress noted in attendance and the state of the home, but concerns remain about {N}'s {carer}'s health, supervision in the evenings and adults staying at the home. Decision: {N} remains subject to a child protection plan under the category of neglect; next review in six months.",
		then: []follow{
			task(0, "meeting", "Send the school's updated report to {sw} before the next core group meeting.", "deputy", 4, -1),
			task(1, "monitoring", "Check weekly with {teacher} and breakfast club staff and record anything of note the same day.", "dsl", 10, -1),
		}})
}

func (w *writer) storyDomesticAbuse(k *kid) {
	s := w.newStory(k, []string{"domestic_abuse"}, "police were called to the home twice last year for domestic incidents between {N}'s {carer} and {chis} partner, {partner}; the Operation Encompass notifications are in the file.")
	defer s.tell()
	police := "Police (Operation Encompass)"
	s.add(beat{f: 0.06, slot: "night", by: "dsl", cats: []string{"domestic_abuse"}, where: "At home (police notification)", agencies: police,
		text: "Operation Encompass notification received by email from Riverside Police at 07:55 today. Officers attended {N}'s home at {T} last night after a neighbour reported shouting. {N}'s {carer} and {chis} partner, {partner}, had argued; no injuries were reported and no one was arrested. {N} was in the house, upstairs in bed; officers did not speak to {him}.",
		then: []follow{
			do(0, "spoke_pupil", "Quiet check-in with {N} at {T} in the library. {He} said {he} heard 'shouting and a bang' and stayed under {his} duvet. {He} said {he} was OK and wanted to go to class, and that {he} knows {he} can come to me."),
			do(0, "monitoring", "{teacher} told, in confidence, to keep a gentle eye on {N} today and to pass on anything {he} says."),
		},
		outcome: "Support given in school; no further action needed today. Kept on file in line with Operation Encompass."})
	s.add(beat{f: 0.18, slot: "afternoon", cats: []string{"domestic_abuse"}, where: "Classroom",
		text: "During circle time at {T} the class talked about feeling safe at home. Afterwards {N} came to me and said '{partner} shouts at Mum and calls her bad names. He threw the remote at the telly.' I asked if {he} was OK and {he} said 'I go in my room and put my headphones on.' I told {him} I would pass this on to {dsl} so that grown-ups can help.",
		then: []follow{
			do(0, "spoke_parent", "Spoke to {N}'s {carer} privately by phone at {T}. {Cshe} said things have been 'difficult' but that {partner} has never hurt {cher} or the children. Gave the details of Riverside Domestic Abuse Service and the 24-hour helpline; {cshe} took them."),
			do(2, "early_help", "Early Help offered to the family; {N}'s {carer} declined for now but agreed that the school can check in with {cher} each week."),
		},
		outcome: "Support offered; Early Help declined for now. Monitoring continues and any further incident will be referred."})
	s.add(beat{f: 0.30, slot: "night", by: "dsl", cats: []string{"domestic_abuse"}, where: "At home (police notification)", key: true,
		agencies: "Police; children's services (police referral); MARAC",
		text:     "Operation Encompass notification from Riverside Police at 08:05: officers attended {N}'s home at {T} last night. {partner} had assaulted {N}'s {carer}, who had a cut lip and bruising to {chis} arm. {partner} was arrested and has been released on bail with conditions not to contact {N}'s {carer} or go to the address. {N} and {his} sister saw part of the incident from the stairs. Police have referred to children's services; the risk assessment was high and a MARAC referral has been made.",
		then: []follow{
			key(do(0, "referral_cs", "Called the children's services front door at {T} to add the school's information (the earlier notification and what {N} told {teacher} about shouting at home). They know from police; the case is with the assessment team for a child and family assessment. School to be invited to any strategy meeting.")),
			do(0, "spoke_pupil", "Saw {N} at {T}. {He} was quiet and said 'The police came and took {partner} away.' {He} chose to stay in class with a time-out card and was given a worry box slip."),
			do(0, "note", "{teacher} reports that {N} was very tired and tearful after lunch and asked whether {his} mum would 'be at home when I get there'. {His} {carer} collected {him} at 15:15."),
		},
		outcome: "Referred to children's services by police; the school's information shared. Assessment under way."})
	s.add(beat{f: 0.38, slot: "afternoon", cats: []string{"behaviour"}, where: "School hall, PE",
		with: []with{{part: vigil.PartVictim, cats: []string{"behaviour"}}},
		text: "At {T} in PE {N} punched {O} on the arm after {O} tagged {him} out of the game. {O} was upset but not hurt. {N} ran to the corner of the hall and kicked the wall. When {he} was calm, {he} said 'Nobody listens to me, not here and not at home.' This is not like {N}.",
		then: []follow{
			by("pastoral", do(0, "spoke_pupil", "Restorative conversation with {N} and {O} at {T}. {N} said sorry without being prompted and agreed to use the calm box in class when {he} feels angry.")),
			by("pastoral", do(0, "discussed_dsl", "Shared with {dsl} because of what {N} said about home and the recent police notification.")),
		},
		outcome: "Dealt with under the behaviour policy and shared with the DSL given the situation at home."})
	s.add(beat{f: 0.48, slot: "night", by: "dsl", cats: []string{"domestic_abuse", "child_protection"}, where: "At home (police notification)", key: true,
		agencies: "Police; children's services",
		text:     "Operation Encompass notification from Riverside Police at 07:50: officers were called to {N}'s home at {T} last night. {partner} had come to the house in breach of his bail conditions; {N}'s {carer} locked the door and called 999, and {partner} was arrested outside. {N} was awake and frightened and was looked after by a neighbour while officers were there. Police have referred again to children's services.",
		then: []follow{
			key(do(0, "meeting", "Strategy meeting at {T} with police, children's services, health and school. Agreed: section 47 enquiry; {N} and {his} sister to be seen by the social worker, {sw}, in school today; a safety plan agreed with {N}'s {carer}.")),
			do(0, "spoke_pupil", "{sw} saw {N} in school at {T} with me present. {N} said {he} was 'scared he will come back'. {He} named the adults {he} can talk to in school: {teacher} and me."),
		},
		outcome: "Section 47 enquiry; an initial child protection conference followed."})
	s.add(beat{f: 0.56, slot: "afternoon", by: "dsl", cats: []string{"child_protection"}, where: "Civic Centre, Riverside", key: true,
		agencies: "Children's social care ({sw}); police; Riverside Domestic Abuse Service",
		text:     "Record of the initial child protection conference held today, attended by {dsl}. {N} and {his} sister are made subject to child protection plans under the category of emotional abuse, because of the domestic abuse they have seen and heard. {partner} is not to have contact with the children. The school's part: named safe adults and a daily check-in, ELSA sessions, and no information about {N} to be given to anyone not on the contact list.",
		then: []follow{
			do(0, "note", "School office briefed: {partner} may not collect {N} or be given any information about {him}. His photograph is kept securely in the office."),
			task(1, "pastoral_support", "Weekly ELSA sessions with {N} for six weeks, starting this week.", "deputy", 5, 25),
		},
		outcome: "Child protection plan in place; actions reviewed at core group meetings."})
	s.add(beat{f: 0.66, slot: "morning", cats: []string{"mental_health"}, where: "Classroom",
		text:  "{N} put a note in the class worry box. It said 'I have bad dreams about the police and I cant sleep.' At {T} I asked if {he} wanted to talk. {He} said {he} wakes up a lot and goes into {his} mum's bed, and asked me 'Will he come back?'",
		young: "At {T}, during choosing time, {N} drew a police car outside a house and said 'The police came to my house and I had bad dreams.' {He} said {he} wakes up a lot and goes into {his} mum's bed, and asked me 'Will he come back?'",
		then: []follow{
			do(0, "spoke_pupil", "Talked with {N} at {T} about feeling safe at night. {He} has a plan with {his} {carer}: the doors are locked and the phone stays by the bed."),
			do(2, "referral_camhs", "With {N}'s {carer}'s consent, referral to the mental health support team for help with sleep and worry. Shared with {sw}."),
		},
		outcome: "Referred to the mental health support team; ELSA sessions continue."})
	s.add(beat{f: 0.76, slot: "office", by: "dsl", cats: []string{"family", "domestic_abuse"}, where: "School office",
		text: "{N}'s {carer} came to the office at {T} and asked to see me. {Cshe} said that {cshe} and the children are moving to a refuge on Friday and that the new address must not be shared with anyone, including family members. {N} will keep coming to Riverside; children's services have arranged a taxi with an escort.",
		then: []follow{
			key(do(0, "note", "School systems checked: no new address recorded anywhere. Office staff, {teacher} and breakfast club staff briefed at {T}.")),
			do(1, "meeting", "Core group meeting: arrangements for the move agreed. {N} to be handed over only to {his} {carer} or the named taxi escort."),
		},
		outcome: "Safety arrangements in place for the move; reviewed at the core group."})
	s.add(beat{f: 0.95, slot: "pickup", cats: []string{"domestic_abuse"}, where: "Main gate at home time", key: true,
		text: "At {T} at home time I saw a man I believe to be {partner} (from the photograph in the office) standing by the railings opposite the main gate, watching the children come out. {N} saw him, went pale and held on to my arm. I took {N} back inside to the office, where the taxi escort collected {him} a few minutes later. The man walked off towards the high street soon afterwards.",
		then: []follow{
			key(do(0, "referral_police", "Called 999 straight away because of the bail conditions and the court order. The police log number is on the paper file.")),
			do(0, "note", "Told {sw} by phone at {T}."),
			task(1, "meeting", "Review home-time arrangements with {N}'s {carer}, the escort and police; agree a new handover point.", "deputy", 5, -1),
		}})
}

func (w *writer) storyPhysical(k *kid) {
	s := w.newStory(k, []string{"child_protection"}, "the nursery referred once last year after a bruise to {N}'s arm that {he} said {his} {adult} caused; children's services assessed and closed the case with advice.")
	defer s.tell()
	s.add(beat{f: 0.05, slot: "morning", cats: []string{"child_protection"}, where: "Classroom, changing for PE",
		marks: []vigil.BodyMark{mark("front", 0.79, 0.30, "Yellow-green bruise about 3 cm across, outer left upper arm")},
		text:  "At {T}, while {N} was changing for PE, I saw a bruise on {his} left upper arm, about 3 cm across and yellow-green. I asked '{N}, what happened to your arm?' {He} said 'I fell off my bike at the park.' {He} did not seem upset and went out to PE happily.",
		then: []follow{
			do(0, "spoke_parent", "Spoke to {N}'s {carer} at home time. {Cshe} gave the same account: a fall from the bike at the park on Saturday."),
			do(0, "no_further_action", "Explanation consistent from child and parent, and the mark fits a fall. No further action; class teacher to log any further marks."),
		},
		outcome: "Consistent explanation; no further action. Kept for the chronology."})
	s.add(beat{f: 0.18, slot: "morning", cats: []string{"child_protection"}, where: "Classroom, changing for PE", key: true,
		marks: []vigil.BodyMark{
			mark("back", 0.21, 0.30, "Three round bruises about 1 cm across in a line, back of the left upper arm"),
			mark("front", 0.79, 0.31, "One round bruise about 1 cm across, front of the left upper arm"),
		},
		text: "While {N} was getting changed for PE at {T} I saw three small round bruises in a row on the back of {his} left upper arm, each about the size of a fingertip, and another on the front of the arm. When I asked what had happened, {N} said '{Adult} grabbed me because I didn't listen.' Then {he} said 'It was an accident' and did not want to say more. I did not ask anything else.",
		then: []follow{
			key(do(0, "referral_cs", "Referral to the children's services front door at {T}: fingertip-pattern bruising with an account from {N}. The duty social worker asked us not to tell the parents until they call back.")),
			do(0, "meeting", "Strategy discussion by phone at {T}. Outcome: a single assessment by children's services (not section 47). A social worker will visit home this evening and see {N} at school tomorrow; school to speak to the parents after the visit."),
			revise(1, "location", "School hall, changing for PE", "The location was recorded as the classroom; the class changed in the hall that day."),
		},
		outcome: "Children's services completed an assessment; {N} became a child in need. Further concerns to be referred straight away."})
	s.add(beat{f: 0.30, slot: "afternoon", cats: []string{"child_protection"}, where: "Classroom",
		text: "At {T}, when I raised my voice to stop the class, {N} flinched and put {his} arms over {his} head. {He} then sat very still and quiet for the rest of the lesson. I have seen this {twice|three times} before this half term.",
		then: []follow{
			do(0, "note", "Shared with {sw} by email. Staff reminded to use a calm voice with {N} and to log any further signs."),
		},
		outcome: "Logged for the chronology and shared with the social worker."})
	s.add(beat{f: 0.45, slot: "afternoon", cats: []string{"child_protection"}, where: "Reading corner", key: true,
		text: "At {T}, during reading in a small group, {N} said without being asked: '{Adult} hit me with his belt last night because I spilt my drink.' I said 'Is there anything else you want to tell me?' {He} said 'It hurts when I sit down' and pointed to {his} bottom and the back of {his} legs. I did not look. I told {him} that I would tell {dsl} so that grown-ups can help keep {him} safe.",
		then: []follow{
			key(by("dsl", do(0, "referral_cs", "Referral to children's services at {T}: disclosure of being hit with a belt. The duty manager called back within 20 minutes."))),
			key(by("dsl", do(0, "meeting", "Strategy discussion at {T} with children's services, police and school. Agreed: section 47 enquiry and a joint police and social care visit; {N} not to go home with {his} {adult} today; a child protection medical arranged for tomorrow."))),
			by("dsl", do(0, "referral_police", "Officers from the police child abuse investigation team came to school at {T} and spoke to {N} with {sw}. {N} went to {his} grandparent's house under a safety plan agreed with {his} {carer}.")),
			info(1, "", "Further information: this morning {N} told me 'I'm staying at Nan's now and I've got my own bed.' {He} seemed relaxed."),
		},
		outcome: "Section 47 enquiry; initial child protection conference followed. See the conference record."})
	s.add(beat{f: 0.53, slot: "afternoon", by: "dsl", cats: []string{"child_protection"}, where: "Civic Centre, Riverside", key: true,
		agencies: "Children's social care ({sw}); police child abuse investigation team; community paediatrics",
		text:     "Record of the initial child protection conference held today at the Civic Centre, attended by {dsl} for the school. {N} is made subject to a child protection plan under the category of physical abuse. {His} {adult} is living away from the family home and any contact is to be supervised by children's services. The school will check for marks and mood each day and share anything of note the same day.",
		then: []follow{
			task(1, "meeting", "Core group meeting within 10 working days; prepare the school's update.", "dsl", 8, 7),
		},
		outcome: "Child protection plan in place; actions reviewed at core group meetings."})
	s.add(beat{f: 0.64, slot: "lunch", by: "pastoral", cats: []string{"medical"}, where: "Playground",
		with:  []with{{part: vigil.PartInvolved, cats: []string{"medical"}}},
		marks: []vigil.BodyMark{mark("front", 0.45, 0.06, "Red raised mark about 2 cm across above the right eyebrow (bumped heads at lunch, seen by staff)")},
		text:  "At {T} in the playground {N} and {O} ran into each other during a game of {game} and bumped heads. I saw it happen. {N} has a red raised mark about 2 cm across above {his} right eyebrow. First aid given with a cold compress; {he} was fine to go back out. Recorded because {N} is on a child protection plan, so that the mark is known to have happened in school.",
		then: []follow{
			by("senco", do(0, "spoke_parent", "Phoned {N}'s {carer} at {T} to explain the bump; head injury letter sent home.")),
			by("senco", do(0, "note", "Emailed {sw} at {T} so the injury is known to have happened in school.")),
		},
		outcome: "Accident in school, seen by staff; parent and social worker told."})
	s.add(beat{f: 0.76, slot: "morning", cats: []string{"child_protection"}, where: "Classroom",
		text: "In news time {N} told the class that {he} has a new bedroom at {his} grandparent's house and that {he} is 'not scared any more'. {He} has been much more confident in class and put {his} hand up to answer a question for the first time this term.",
		then: []follow{
			do(1, "monitoring", "Shared with the core group as progress."),
		},
		outcome: "Progress shared with the core group."})
	s.add(beat{f: 0.94, slot: "pickup", cats: []string{"child_protection"}, where: "Classroom at home time", key: true,
		text: "At the end of the day {N} said '{Adult} was at the park on Sunday and gave me sweets, but don't tell.' {He} said {his} {carer} was there too, talking to him. I said I could not keep it a secret and would tell {dsl}.",
		then: []follow{
			key(do(0, "note", "Shared with {sw} by phone at {T}: possible contact with {N}'s {adult} that was not supervised, which the plan does not allow.")),
			task(1, "meeting", "Follow up with {sw}: what {N}'s {carer} said about the contact and whether the safety plan needs to change.", "dsl", 8, -1),
		}})
}

func (w *writer) storyParentMentalHealth(k *kid) {
	s := w.newStory(k, []string{"family"}, "{N}'s {carer} has had periods of poor mental health and the family had Early Help support last year.")
	defer s.tell()
	s.add(beat{f: 0.10, slot: "pickup", cats: []string{"family"}, where: "Classroom door at home time",
		text: "{N}'s {carer} was tearful at the classroom door at home time and said 'I'm not coping.' {Cshe} said {cshe} has not been sleeping and that things at home are 'falling apart'. {N} was standing with {cher} and heard this.",
		then: []follow{
			by("pastoral", do(0, "spoke_parent", "Sat with {N}'s {carer} in the family room at {T}. {Cshe} said {cshe} has felt low for months. Encouraged {cher} to see {chis} GP and gave the details of Riverside Talking Therapies and the Samaritans. {Cshe} said {cshe} was safe tonight and has a sister nearby.")),
			by("pastoral", do(0, "discussed_dsl", "Shared with {dsl} the same afternoon.")),
		},
		outcome: "Support signposted and shared with the DSL."})
	s.add(beat{f: 0.22, slot: "morning", cats: []string{"young_carer", "family"}, where: "Classroom",
		text: "{N} arrived late at {T}, the third time this week. {He} said {he} had to get {his} little sister dressed and give her breakfast because {his} {carer} 'was still in bed and sad'. {He} looked tired and yawned through the first lesson.",
		then: []follow{
			do(0, "spoke_pupil", "Spoke to {N} at {T}. {He} does a lot at home in the mornings and sometimes makes tea. {He} said {he} likes helping but worries about {his} {carer}."),
			key(do(2, "early_help", "Early Help assessment started with {N}'s {carer}'s agreement; the young carers' service to be part of the plan.")),
		},
		outcome: "Early Help plan in place, including the young carers' service."})
	s.add(beat{f: 0.35, slot: "office", by: "deputy", cats: []string{"child_protection", "family"}, where: "Phone call to the school office", key: true,
		text: "Phone call at {T} from the sister of {N}'s {carer}: {N}'s {carer} was taken to hospital last night after taking an overdose and is being kept in for assessment. {N} and {his} sister are staying with her and she does not know for how long. She asked what school needs from her.",
		then: []follow{
			key(by("dsl", do(0, "referral_cs", "Referral to children's services at {T}: a parent in mental health crisis, children cared for by a relative. Duty social worker will contact the aunt today."))),
			by("dsl", do(0, "spoke_pupil", "Checked in with {N} at {T}. {He} knows {his} {carer} is 'in hospital because {cshe}'s poorly'. {He} wanted to stay in class.")),
		},
		outcome: "Children's services assessment; {N} now has a child in need plan."})
	s.add(beat{f: 0.50, slot: "afternoon", by: "dsl", cats: []string{"family"}, where: "Meeting room", key: true,
		agencies: "Children's social care ({sw}); community mental health team; Riverside Young Carers",
		text:     "Record of the first child in need meeting, held at school and attended by {dsl}, {N}'s {carer}, {sw} and the young carers' worker. {N}'s {carer} is home and supported by the community mental health team. Plan: weekly young carers' group, a breakfast club place, and check-ins with {N} in school twice a week.",
		then: []follow{
			task(1, "pastoral_support", "Twice-weekly check-ins with {N}; note anything of concern.", "pastoral", 30, 30),
		},
		outcome: "Child in need plan in place with the school's actions."})
	s.add(beat{f: 0.70, slot: "afternoon", cats: []string{"mental_health"}, where: "Classroom",
		text: "{N} became very upset at {T} while the class was making cards and said 'Mum might have to go back to hospital.' {He} cried for about ten minutes with me in the book corner and then wanted to carry on with {his} card.",
		then: []follow{
			do(0, "spoke_pupil", "Talked with {N} at {T}. {He} worries when {his} {carer} stays in bed. We made a worry plan: {he} can tell {teacher} or use the worry box."),
			do(1, "note", "Shared with {sw} by email."),
		},
		outcome: "Support in school; shared with the social worker."})
	s.add(beat{f: 0.90, slot: "pickup", cats: []string{"family"}, where: "Main gate at home time",
		text: "{N} was collected at {T} by {his} aunt, who told me {N}'s {carer} is 'having a bad week' and that she is doing pick-ups until Friday. {N} was cheerful and talked about {his} football match.",
		then: []follow{
			do(0, "note", "Noted; shared with {sw}, who is aware and visiting this week."),
		},
		outcome: "Known to the social worker; no further action for school."})
}

func (w *writer) storyDisability(k *kid) {
	s := w.newStory(k, []string{"sen"}, "{N} is waiting for an autism assessment and the family had help from the health visitor with sleep and behaviour.")
	defer s.tell()
	s.add(beat{f: 0.08, slot: "afternoon", cats: []string{"sen"}, where: "Classroom",
		text: "{N} became very distressed at {T} when the fire alarm test sounded. {He} put {his} hands over {his} ears, screamed and bit {his} own hand. It took about 25 minutes with {senco} in the sensory room before {he} was calm. There was a mark from {his} teeth on {his} hand but the skin was not broken.",
		then: []follow{
			do(0, "spoke_parent", "Phoned {N}'s {carer} at {T} to explain. {Cshe} said {N} is the same with hand dryers and sirens at home."),
			do(3, "meeting", "SEN support plan reviewed: ear defenders in class, a warning before planned alarms, a visual timetable and a quiet place to go."),
		},
		outcome: "SEN support plan updated."})
	s.add(beat{f: 0.20, slot: "arrive", cats: []string{"sen", "family"}, where: "Classroom door",
		text: "{N}'s {carer} told me at the door at {T} that {cshe} has had 'no sleep for weeks' because {N} wakes at 3 am, and that {cshe} is still waiting for a paediatric appointment. {Cshe} said 'I can't do this on my own any more' and was close to tears.",
		then: []follow{
			do(0, "spoke_parent", "Met {N}'s {carer} at {T}. {Cshe} is caring alone for {N} and a baby. Talked about Early Help and short breaks for disabled children; {cshe} would like both."),
			key(do(2, "early_help", "Early Help assessment started, with a request to the disabled children's team for a short breaks assessment.")),
		},
		outcome: "Early Help in place; short breaks assessment requested."})
	s.add(beat{f: 0.40, slot: "arrive", cats: []string{"child_protection"}, where: "Classroom",
		marks: []vigil.BodyMark{mark("front", 0.44, 0.09, "Purple bruise about 4 cm across on the right cheek")},
		text:  "{N} came in with a bruise about 4 cm across on {his} right cheek. At the door {his} {carer} said {N} hit {his} face on the door frame during a meltdown last night. {N} was not able to tell me what happened. {He} was settled and happy in class.",
		then: []follow{
			do(0, "spoke_parent", "Spoke to {N}'s {carer} at {T}. The account was the same; {cshe} showed me where the door frame is padded now."),
			do(0, "referral_cs", "Consulted the disabled children's team duty worker (the family is known to them) at {T}: the explanation fits the pattern of meltdowns described. Advice: log, share at the child in need review, and refer straight away if there is any other sign of harm."),
		},
		outcome: "Consistent explanation; shared with the disabled children's team."})
	s.add(beat{f: 0.60, slot: "afternoon", by: "dsl", cats: []string{"family"}, where: "Meeting room", key: true,
		agencies: "Children's social care, disabled children's team ({sw})",
		text:     "Record of the child in need meeting held at school, attended by {dsl}, {senco}, {N}'s {carer} and {sw}. Short breaks agreed: two Saturdays a month at the Riverside activity centre. {N}'s {carer} is on the waiting list for a parenting course for parents of autistic children. Sleep clinic referral made by the paediatrician.",
		then: []follow{
			task(1, "meeting", "Book the next review in three months and send the school's report a week before.", "deputy", 40, 38),
		},
		outcome: "Child in need plan in place; next review booked."})
	s.add(beat{f: 0.85, slot: "office", by: "senco", cats: []string{"sen"}, where: "SENCO office",
		text: "Request for an education, health and care needs assessment sent to the local authority today, with {N}'s {carer}'s agreement. Evidence: two cycles of SEN support, the educational psychologist's report, the speech and language therapy report and the paediatric diagnosis.",
		then: []follow{
			task(0, "monitoring", "Watch for the local authority's decision (due within six weeks) and tell {N}'s {carer}.", "senco", 30, -1),
		}})
}

func (w *writer) storyHousing(k *kid) {
	s := w.newStory(k, []string{"family"}, "the family has moved three times in a year and is known to the council's housing options team.")
	defer s.tell()
	s.add(beat{f: 0.05, slot: "office", by: "attendance", cats: []string{"attendance", "family"}, where: "Attendance office",
		text: "{N} has been late {n} times in three weeks, arriving between 09:20 and 09:45. {N}'s {carer} told me today at {T} that the family was evicted and has been placed in temporary accommodation in Northfield, two buses away, and that {cshe} cannot afford the fares every day.",
		then: []follow{
			by("dsl", do(0, "spoke_parent", "Met {N}'s {carer} at {T}. Bus passes applied for through the local authority's travel assistance; breakfast club place offered.")),
		},
		outcome: "Travel help in place; lateness to be watched."})
	s.add(beat{f: 0.15, slot: "arrive", cats: []string{"pastoral"}, where: "Classroom",
		text: "{N} came in wearing summer shoes with holes in both soles and {his} socks were wet through. {He} said {his} school shoes 'are in the bags at the old house'.",
		then: []follow{
			by("pastoral", do(0, "pastoral_support", "New school shoes and a winter coat given from the uniform fund at {T}.")),
		},
		outcome: "Uniform need met."})
	s.add(beat{f: 0.30, slot: "afternoon", cats: []string{"family"}, where: "Classroom",
		text: "{N} told me the family are all sleeping in one room at the hostel and that {he} can't do {his} reading at home because 'there's no table and the baby cries all night'. {He} said they have to be out of the room in the day.",
		then: []follow{
			by("dsl", key(do(1, "referral_cs", "With {N}'s {carer}'s consent, referral to children's services for a child and family assessment because of the housing situation and its effect on the children."))),
			info(2, "", "Further information: {N} said the family now has a kettle and a microwave in the room."),
		},
		outcome: "Assessment completed; {N} is a child in need."})
	s.add(beat{f: 0.50, slot: "afternoon", by: "dsl", cats: []string{"family"}, where: "Meeting room", key: true,
		agencies: "Children's social care ({sw}); Riverside housing options",
		text:     "Record of the child in need meeting at school, attended by {dsl}, {N}'s {carer}, {sw} and the housing officer. The family is on the list for a two-bedroom flat in Riverside. Plan: homework club after school, a free breakfast club place, help with uniform, and travel help until the move.",
		then: []follow{
			task(1, "monitoring", "Check {N}'s attendance and punctuality every fortnight until the family moves.", "attendance", 30, 30),
		},
		outcome: "Child in need plan in place."})
	s.add(beat{f: 0.70, slot: "office", by: "attendance", cats: []string{"attendance"}, where: "Attendance office",
		text: "Attendance review for {N}: {pct}% since the start of term. Most absences are coded as illness; {N}'s {carer} says the children keep getting coughs and colds at the hostel.",
		then: []follow{
			do(0, "letter", "Attendance support letter sent, with the offer of a meeting."),
			task(3, "meeting", "Attendance meeting with {N}'s {carer}: agreed to ring in by 09:00 on any day of absence and to use the school nurse drop-in for the coughs.", "attendance", 10, 10),
		},
		outcome: "Attendance support in place; shared with the social worker."})
	s.add(beat{f: 0.90, slot: "morning", cats: []string{"pastoral"}, where: "Classroom",
		text: "Positive news for the record: {N} told me the family has moved into a flat in Riverside and that {he} has 'my own bed and a desk'. {He} arrived on time every day this week and read at home three times.",
		then: []follow{
			by("pastoral", do(1, "note", "Shared with {sw}.")),
		},
		outcome: "Progress noted and shared."})
}

func (w *writer) storySubstance(k *kid) {
	s := w.newStory(k, []string{"child_protection"}, "the nursery logged two concerns about {N}'s {carer} appearing drunk at collection.")
	defer s.tell()
	s.add(beat{f: 0.08, slot: "pickup", cats: []string{"child_protection"}, where: "Main gate at home time", key: true,
		text: "At {T} {N}'s {carer} came to collect {him}. {Cshe} smelt strongly of alcohol, was slurring {chis} words and stumbled on the step. I was not confident {cshe} could look after {N} safely. {dsl} asked {cher} to wait in the office and phoned the second contact, {N}'s {carer2}, who collected {N} at 15:55.",
		then: []follow{
			by("dsl", do(0, "spoke_parent", "Spoke to {N}'s {carer} in the office at {T}. {Cshe} said {cshe} had 'a couple of drinks at lunch with a friend'. {Cshe} agreed that {N} would go home with {chis} {carer2} tonight.")),
			key(by("dsl", do(0, "referral_cs", "Consulted the children's services front door at {T}. Advice: Early Help with the drug and alcohol service involved; refer again if it happens again."))),
		},
		outcome: "Advice from children's services followed; Early Help offered."})
	s.add(beat{f: 0.25, slot: "afternoon", cats: []string{"family"}, where: "Classroom",
		text: "During a lesson about healthy eating at {T}, {N} said {his} {carer} 'drinks the special juice and then falls asleep on the sofa'. {He} said that on those nights {he} makes {his} own tea 'with cereal' and puts {himself} to bed.",
		then: []follow{
			by("dsl", key(do(0, "referral_cs", "Referral to children's services at {T}: further concerns about a parent's drinking and a child left to care for {himself}. Accepted for a child and family assessment."))),
		},
		outcome: "Assessment completed; child in need plan."})
	s.add(beat{f: 0.40, slot: "afternoon", by: "dsl", cats: []string{"family"}, where: "Meeting room", key: true,
		agencies: "Children's social care ({sw}); Riverside Recovery (drug and alcohol service)",
		text:     "Record of the child in need meeting, attended by {dsl}, {N}'s {carer}, {N}'s {carer2} and {sw}. {N}'s {carer} is working with Riverside Recovery. Plan: {N}'s {carer2} does home time on weekdays; school to tell {sw} the same day about any concern at collection.",
		then: []follow{
			do(0, "note", "Office and class teacher told of the collection arrangements."),
		},
		outcome: "Child in need plan in place."})
	s.add(beat{f: 0.60, slot: "office", by: "attendance", cats: []string{"attendance"}, where: "Attendance office",
		text: "{N} has missed {n} Mondays this half term, each one with a phone message saying {he} was unwell. There are no absences on other days. Attendance is {pct}%.",
		then: []follow{
			do(0, "spoke_parent", "Phoned {N}'s {carer} at {T} to share the pattern. {Cshe} said Mondays are 'hard'. Agreed that {N}'s {carer2} will bring {him} on Mondays."),
			do(1, "discussed_dsl", "Shared with {dsl} for the child in need plan."),
		},
		outcome: "Pattern shared with the DSL and social worker; Monday arrangement agreed."})
	s.add(beat{f: 0.88, slot: "arrive", cats: []string{"pastoral"}, where: "Breakfast club",
		text: "{N} arrived at breakfast club at {T} very hungry and ate three bowls of cereal. {He} said {his} {carer} 'is poorly again' and that there was no tea last night.",
		then: []follow{
			by("pastoral", do(0, "discussed_dsl", "Shared with {dsl} at {T}, because of the child in need plan.")),
			by("dsl", do(0, "note", "Shared with {sw} by phone at {T}; a home visit is planned for tomorrow.")),
		},
		outcome: "Shared with the social worker under the child in need plan."})
}

func (w *writer) storyLookedAfter(k *kid, i int) {
	s := w.newStory(k, []string{"child_protection"}, "{N} came into care last year and lives with foster carers; {sw} is {his} social worker and the virtual school holds {his} personal education plan.")
	defer s.tell()
	if i%2 == 0 {
		s.add(beat{f: 0.15, slot: "afternoon", cats: []string{"mental_health"}, where: "Classroom",
			text: "After contact with {his} birth mum on Saturday, {N} was unsettled all morning, refused to do any work and hid under the table at {T}. When {he} came out {he} said 'She said I'm coming home for Christmas.'",
			then: []follow{
				do(0, "spoke_pupil", "Spoke with {N} at {T}. {He} said {he} 'wants to live with Mum and with {his} foster carer too'. Reassured {him} that the adults are talking about it."),
				do(1, "note", "Shared with {sw} and the foster carer; {sw} will talk to {N} about the plan in a way that suits {his} age."),
			},
			outcome: "Shared with the social worker; support in school."})
		s.add(beat{f: 0.50, slot: "lunch", cats: []string{"bullying"}, where: "Playground",
			with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}}},
			part: vigil.PartVictim,
			text: "At {T} {N} came to me upset and said {O} told {him} 'You don't have a real mum, that's why you live with her.' {O} agreed {Ohe} had said it. Other children nearby heard.",
			then: []follow{
				by("pastoral", do(0, "spoke_pupil", "Spoke to {O} at {T} about why the comment was hurtful; {O} said sorry to {N}.")),
				by("pastoral", do(0, "spoke_parent", "Phoned the foster carer to let her know; she will talk with {N} tonight.")),
			},
			outcome: "Resolved; class teacher to do some circle time about different families."})
		s.add(beat{f: 0.85, slot: "pickup", cats: []string{"child_protection"}, where: "Main gate at home time", key: true,
			text: "At {T} a woman I did not recognise, who said she was {N}'s aunt, asked at the gate to take {N} home. She is not on the contact list. {N} said 'That's my auntie from my old house.' {N} stayed in school and was collected by {his} foster carer at 15:40. The woman left before I could ask her name.",
			then: []follow{
				key(do(0, "note", "Told {sw} at {T}; {sw} will speak to the birth family. All staff reminded that {N} goes only to the adults on the contact list.")),
			},
			outcome: "Reported to the social worker; collection arrangements reminded to all staff."})
		return
	}
	s.add(beat{f: 0.25, slot: "morning", cats: []string{"mental_health"}, where: "Classroom",
		text: "{N} told me at {T} that {he} is moving to a new foster home next week and asked whether {he} can still come to Riverside. {He} was tearful and said 'I liked this house.'",
		then: []follow{
			do(0, "spoke_pupil", "Reassured {N} that {his} place at Riverside stays the same. Transition book with photographs of the new carers to be made with {sw}."),
			do(1, "note", "Confirmed with {sw}: {N} stays at Riverside; transport arranged by the local authority."),
		},
		outcome: "Placement move supported; school place unchanged."})
	s.add(beat{f: 0.60, slot: "afternoon", cats: []string{"behaviour"}, where: "Classroom",
		text: "At {T} {N} threw a chair across the classroom after being told it was the end of computing time. No one was hit. The class was taken out while {pastoral} stayed with {N}, who calmed after about 15 minutes.",
		then: []follow{
			by("pastoral", do(0, "spoke_pupil", "Talked with {N} at {T}. {He} said {he} was 'fed up of everything changing'.")),
			by("pastoral", do(0, "spoke_parent", "Told the foster carer at home time; she said {N} has been unsettled since the move.")),
		},
		outcome: "Behaviour plan reviewed with the foster carer; shared with the social worker for the personal education plan."})
	s.add(beat{f: 0.90, slot: "afternoon", cats: []string{"online_safety"}, where: "Classroom", key: true,
		text: "{N} told me at {T} that {his} birth dad has been sending {him} messages on a game on {his} tablet and asked {him} not to tell anyone. {He} showed me the name the messages come from. {He} said the messages are 'nice' but that {he} feels 'funny' about keeping a secret.",
		then: []follow{
			key(do(0, "note", "Told {sw} by phone at {T}: contact from a birth parent outside the agreed arrangements. {sw} will speak to the foster carer about the tablet settings tonight.")),
			task(1, "meeting", "Check with {sw} what was agreed and update the contact arrangements on file.", "dsl", 10, -1),
		}})
}

func (w *writer) storyPreviouslyLookedAfter(k *kid, i int) {
	s := w.newStory(k, []string{"pastoral"}, "{N} was adopted from care; the family asked for the school to know so that {he} can be supported.")
	defer s.tell()
	if i%2 == 0 {
		s.add(beat{f: 0.40, slot: "afternoon", cats: []string{"mental_health"}, where: "Classroom",
			text: "During a family tree activity at {T}, {N} became upset and said 'I don't know who my real family are.' {He} tore up {his} sheet and went to the book corner.",
			then: []follow{
				do(0, "spoke_parent", "Spoke to {N}'s {carer} at home time; {cshe} will talk to {N} and use {his} life story book. Advice from the virtual school about adapting family-tree lessons passed to staff."),
			},
			outcome: "Supported with the family; lesson plans adapted."})
		return
	}
	s.add(beat{f: 0.30, slot: "morning", cats: []string{"sen"}, where: "Classroom",
		text: "{N} has found the move to a new classroom very hard. At {T} {he} refused to come in from the playground and hid behind the shed for 20 minutes. {He} said 'Nobody wants me in that class.'",
		then: []follow{
			do(0, "spoke_parent", "Met {N}'s {carer} with {senco}. Agreed a transition plan: a key adult at the start of the day and a job to do."),
		},
		outcome: "Transition plan in place; settled within two weeks."})
	s.add(beat{f: 0.75, slot: "afternoon", cats: []string{"mental_health"}, where: "Classroom",
		text: "{N} was very quiet today and at {T} told me that it was the day {he} 'left {his} first mum'. {He} asked to sit near me for the afternoon.",
		then: []follow{
			do(0, "spoke_parent", "Told {N}'s {carer} at home time; {cshe} knew and said the anniversary is always hard. Post-adoption support contact details shared."),
		},
		outcome: "Supported in school; family aware."})
}

func (w *writer) storyEarlyHelp(k *kid, i int) {
	s := w.newStory(k, nil, "")
	defer s.tell()
	switch i % 5 {
	case 0:
		s.add(beat{f: 0.35, slot: "office", by: "attendance", cats: []string{"attendance"}, where: "Attendance office",
			text: "{N}'s attendance is {pct}% this term. Absences are mostly single days with a message about headaches or tummy aches; {N}'s {carer} says {he} 'gets worked up' about coming to school.",
			then: []follow{
				do(0, "letter", "Attendance letter sent with an invitation to meet."),
				do(4, "meeting", "Met {N}'s {carer} and {N}. {N} said {he} worries about tests and about being left out at lunch. Agreed a morning meet-and-greet and a lunchtime club."),
			},
			outcome: "Plan agreed; shared with the DSL."})
		s.add(beat{f: 0.60, slot: "afternoon", by: "dsl", cats: []string{"early_help"}, where: "Meeting room", key: true,
			text: "Early Help assessment started today with {N}'s {carer}, because of {N}'s anxiety about school and falling attendance. School is lead practitioner. {N}'s views were gathered with {pastoral} beforehand: '{I get a funny tummy in the mornings|I don't like it when it's noisy}'.",
			then: []follow{
				task(5, "meeting", "Team around the family review: attendance, school nurse input and the anxiety group.", "deputy", 30, 28),
			},
			outcome: "Early Help plan completed; attendance improved to {pctup}%. Closed with the family's agreement."})
	case 1:
		s.add(beat{f: 0.30, slot: "afternoon", cats: []string{"family"}, where: "Classroom",
			text: "{N} told me at {T} that {his} {carer} and {carer2} are 'not living together any more' and that {he} goes to {his} {carer2}'s at weekends. {He} was sad but talked about it calmly.",
			then: []follow{
				by("pastoral", do(1, "spoke_parent", "Spoke to {N}'s {carer}, who confirmed the separation. {Cshe} asked for help with {N}'s sleep and worries. Early Help offered.")),
			},
			outcome: "Early Help offered and accepted."})
		s.add(beat{f: 0.45, slot: "afternoon", by: "deputy", cats: []string{"early_help", "family"}, where: "Meeting room",
			text: "Early Help assessment meeting held with {N}'s {carer}. Agreed: six sessions of the 'Families Changing' group for {N}, the school's nurture group twice a week, and help with contact arrangements from the family support worker.",
			then: []follow{
				do(0, "pastoral_support", "Nurture group place from next week."),
			},
			outcome: "Early Help plan reviewed after 12 weeks; needs met, closed."})
		s.add(beat{f: 0.80, slot: "pickup", cats: []string{"family"}, where: "Main gate at home time",
			text: "At {T} {N}'s {carer} and {carer2} argued loudly at the gate about whose week it was to collect {N}, in front of other families. {N} was crying. I took {N} inside and both parents calmed down; {N} went home with {his} {carer}.",
			then: []follow{
				by("pastoral", do(0, "spoke_parent", "Spoke to both parents separately by phone. Reminded them of the collection arrangements on file and offered mediation details.")),
			},
			outcome: "Arrangements clarified with both parents."})
	case 2:
		s.add(beat{f: 0.25, slot: "arrive", cats: []string{"behaviour"}, where: "Classroom door",
			text: "{N}'s {carer} told me at the door that {N}'s behaviour at home has become 'impossible': hitting {his} younger brother, refusing bedtime and swearing. {Cshe} asked whether school could help. In school {N} has had two red cards this half term.",
			then: []follow{
				by("pastoral", do(0, "spoke_parent", "Met {N}'s {carer} at {T}. Talked about the parenting course and Early Help; {cshe} wants both.")),
			},
			outcome: "Parenting support and Early Help offered."})
		s.add(beat{f: 0.40, slot: "afternoon", by: "dsl", cats: []string{"early_help"}, where: "Meeting room", key: true,
			text: "Early Help assessment completed with {N}'s {carer}. Plan: the 'Incredible Years' parenting course on Tuesday evenings, a reward chart used at home and in school, and a weekly check-in with {pastoral}.",
			then: []follow{
				do(20, "meeting", "Review: {N}'s {carer} has finished five of the twelve sessions and says bedtimes are calmer. One red card since the last meeting."),
			},
			outcome: "Early Help plan completed; behaviour improved at home and in school."})
	case 3:
		s.add(beat{f: 0.35, slot: "pickup", cats: []string{"family"}, where: "School office",
			text: "{N}'s {carer} asked me quietly at home time whether the school knows where the food bank is. {Cshe} said {cshe} lost {chis} job last month and that the gas meter ran out at the weekend.",
			then: []follow{
				by("pastoral", do(0, "pastoral_support", "Food bank voucher given at {T}; free school meals application completed with {N}'s {carer}. Details of the council's hardship fund given.")),
				by("pastoral", do(1, "discussed_dsl", "Shared with {dsl}; Early Help to be offered.")),
			},
			outcome: "Immediate help given; Early Help offered."})
		s.add(beat{f: 0.50, slot: "afternoon", by: "deputy", cats: []string{"early_help"}, where: "Meeting room",
			text: "Early Help assessment with {N}'s {carer}: money advice from Citizens Advice, help with the gas and electricity debt, and uniform from the school's fund. {N} is doing well in school and says '{I like school dinners|I like it here}'.",
			then: []follow{
				do(15, "meeting", "Review: benefits now in place and debts on a repayment plan. {N}'s {carer} feels the family no longer needs Early Help."),
			},
			outcome: "Early Help plan completed; closed with the family's agreement."})
	case 4:
		s.add(beat{f: 0.40, slot: "morning", cats: []string{"pastoral"}, where: "Classroom",
			text: "{N} has been very tired this week and fell asleep at {T}. {He} said {he} plays on {his} tablet in bed 'until really late' and has a TV in {his} room. {He} is often late and without breakfast.",
			then: []follow{
				by("pastoral", do(1, "spoke_parent", "Spoke to {N}'s {carer} about sleep and screens. {Cshe} said {cshe} struggles to get {N} to bed and works evenings. Early Help offered.")),
			},
			outcome: "Early Help offered; shared with the DSL."})
		s.add(beat{f: 0.55, slot: "afternoon", by: "dsl", cats: []string{"early_help"}, where: "Meeting room",
			text: "Early Help assessment agreed with {N}'s {carer}. Plan: the school nurse's sleep programme, breakfast club, and a routine chart for evenings. {N} chose the rewards.",
			then: []follow{
				do(20, "meeting", "Review: {N} is in bed by 20:30 on most nights and on time most mornings."),
			},
			outcome: "Early Help plan completed; routines much improved."})
	}
}

func (w *writer) storyYoungCarer(k *kid, i int) {
	s := w.newStory(k, nil, "")
	defer s.tell()
	who := []string{"{his} {carer}, who has multiple sclerosis", "{his} younger brother, who has cerebral palsy", "{his} {carer}, who has long-term depression"}[i%3]
	s.add(beat{f: 0.20, slot: "morning", cats: []string{"young_carer"}, where: "Classroom",
		text: "{N} was late again today ({T}) and has not read at home for three weeks. {He} said {he} helps look after " + who + ", in the mornings and evenings. {He} said {he} doesn't mind but is 'always tired'.",
		then: []follow{
			do(0, "spoke_pupil", "Talked with {N} about what {he} does at home: helping with meals, medicines and getting ready for school."),
			key(do(2, "early_help", "With {N}'s {carer}'s agreement, referral to Riverside Young Carers for an assessment and the weekly group.")),
		},
		outcome: "Young carers' assessment completed; {N} goes to the weekly group."})
	s.add(beat{f: 0.55, slot: "afternoon", cats: []string{"young_carer"}, where: "Classroom",
		text: "{N} asked not to go on the class trip {next week|to the museum|to the farm} because {he} 'has to be home straight after school to help'. {He} was {upset|tearful} because {he} {wants to go|really wants to go with {his} friends}.",
		then: []follow{
			do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}; the young carers' service will arrange cover for that afternoon so {N} can go."),
		},
		outcome: "{N} went on the trip; cover arranged by the young carers' service."})
	if i%2 == 0 {
		s.add(beat{f: 0.85, slot: "afternoon", cats: []string{"young_carer", "mental_health"}, where: "Classroom",
			text: "At {T} {N} said {he} is worried about {his} {carer} being in hospital 'again' and asked if {he} could phone home at lunch. {He} said {he} is staying with {his} {carer2} this week.",
			then: []follow{
				do(0, "spoke_pupil", "Let {N} phone home at lunch with me. Check-ins each morning this week."),
			},
			outcome: "Supported in school; young carers' worker told."})
	}
}

// story is the beats of one pupil's story, told together so that a
// story can start part way for a pupil who joined in Reception.
type story struct {
	w       *writer
	k       *kid
	cats    []string
	summary string
	beats   []beat
}

// newStory starts a story about k. For a pupil on roll for less than a
// school year it starts part way, with the file their nursery sent in
// cats, summarised, when summary is set.
func (w *writer) newStory(k *kid, cats []string, summary string) *story {
	w.busy[k]++
	return &story{w: w, k: k, cats: cats, summary: summary}
}

func (s *story) add(b beat) { s.beats = append(s.beats, b) }

// tell places the story's beats.
func (s *story) tell() {
	w, k, beats := s.w, s.k, s.beats
	if len(w.daysOf(k)) < 150 {
		const cut = 0.45 // the first part happened before Reception
		var kept []beat
		for _, b := range beats {
			if b.f >= cut {
				b.f = 0.05 + 0.95*(b.f-cut)/(1-cut)
				kept = append(kept, b)
			}
		}
		if s.summary != "" {
			kept = append([]beat{{f: 0, slot: "office", by: "dsl", cats: s.cats, where: "DSL office", key: true,
				text: "Safeguarding file received today from {Willow Tree Nursery|Honeypot Pre-school|the Riverside Children's Centre nursery}, where {N} went before starting Reception; checked and signed for by {dsl}. In summary: " + s.summary + " The file has been read, the key information added to {N}'s record and the class team briefed.",
				then: []follow{
					do(0, "note", "Phoned the nursery's DSL at {T} to talk the file through and to confirm who works with the family now."),
				},
				outcome: "File received and read; the information is shared with the class team."}}, kept...)
		}
		beats = kept
		if len(w.daysOf(k)) < 20 && len(beats) > 1 {
			beats = beats[:1] // the first days of term: the file, or one concern
		}
	}
	for _, b := range beats {
		w.tell(k, b)
	}
}

// storyLeavers gives two of last year's leavers what happened before they
// went: one to home education, one abroad.
func (w *writer) storyLeavers() {
	for _, k := range w.kids {
		if k.p.OnRoll {
			continue
		}
		switch k.p.Destination {
		case "Elective home education":
			w.busy[k]++
			w.tell(k, beat{f: 0.25, slot: "office", by: "attendance", cats: []string{"attendance"}, where: "Attendance office",
				text: "{N}'s attendance is {pct}% this term, with many days off for 'family reasons' and no detail. {N}'s {carer} has not come to two meetings offered.",
				then: []follow{
					do(0, "letter", "Second attendance letter sent, offering a home visit."),
					do(5, "spoke_parent", "Home visit with {deputy}. {N}'s {carer} said {N} 'hates school' and that {cshe} is thinking about teaching {him} at home. Gave information about elective home education and asked {cher} to talk to us first."),
				},
				outcome: "Shared with the DSL; the family were considering home education."})
			w.tell(k, beat{f: 0.95, slot: "office", by: "dsl", cats: []string{"attendance"}, where: "School office", key: true,
				text: "Letter received today from {N}'s {carer} saying {N} will be educated at home from Monday. {N} was not seen by any member of staff after Thursday.",
				then: []follow{
					key(do(0, "note", "Told the local authority's elective home education team at {T}, with the school's attendance and welfare information, as {N} has had concerns logged. Removed from roll on the date given.")),
				},
				outcome: "The local authority's elective home education team has been told; {N} is off roll."})
		case "Moved abroad":
			w.busy[k]++
			w.tell(k, beat{f: 0.96, slot: "office", by: "attendance", cats: []string{"attendance"}, where: "School office",
				text: "{N}'s {carer} told the office at {T} that the family is moving to {country} next week. {Cshe} did not know the name of the new school.",
				then: []follow{
					do(0, "note", "Children missing education: gave the form for the new school's details and told the local authority's CME officer. Records to be sent once the new school is known."),
				},
				outcome: "Reported to the CME officer; {N} left on the date given."})
		}
	}
}

// storiesOfOthers are stories about pupils with no flag: a worry that grew
// to self-harm, a pupil bullied over months, a group chat, a private
// fostering arrangement, a Prevent concern, an allegation about staff and
// harmful sexual behaviour.
func (w *writer) storiesOfOthers() {
	pick := func(years ...string) *kid {
		list := w.free(years...)
		if len(list) == 0 {
			return nil
		}
		k := list[w.r.IntN(len(list))]
		w.busy[k]++
		return k
	}
	if k := pick("6"); k != nil {
		w.tell(k, beat{f: 0.55, slot: "afternoon", cats: []string{"mental_health"}, where: "Classroom",
			text: "{N} has been withdrawn for about two weeks: eating lunch alone and not joining in at break. Today at {T} {he} said 'I feel like nobody likes me and there's no point.' {He} would not say more.",
			then: []follow{
				do(0, "spoke_pupil", "Talked with {N} at {T}. {He} said {he} fell out with {his} friends and 'everything feels grey'. {He} said {he} has not hurt {himself}."),
				do(0, "spoke_parent", "Phoned {N}'s {carer}, who has noticed {N} staying in {his} room. Advised a GP appointment; {cshe} will book one."),
				do(1, "pastoral_support", "Weekly sessions with the school's mental health lead."),
			},
			outcome: "Support in place; {N}'s {carer} has booked a GP appointment."})
		w.tell(k, beat{f: 0.70, slot: "afternoon", cats: []string{"self_harm"}, where: "School hall, PE", key: true,
			marks: []vigil.BodyMark{mark("front", 0.82, 0.44, "Six thin red lines, some scabbed, across the inside of the left forearm")},
			text:  "During PE at {T} I saw several thin red scratches on the inside of {N}'s left forearm, some scabbed. {He} pulled {his} sleeve down. When I asked, {he} said {he} did them with the blade from a pencil sharpener 'when I feel sad' and that it 'helps for a bit'. {He} said {he} has not told anyone at home.",
			then: []follow{
				key(do(0, "spoke_pupil", "Saw {N} at {T}. First aid checked the cuts; they are shallow. {N} agreed a safety plan: hand in the blade, tell {teacher} or me when the urge comes, and use the ice-cube and drawing ideas.")),
				do(0, "spoke_parent", "{N}'s {carer} came in at {T}. {Cshe} was shocked and upset. Talked about keeping blades and medicines safe at home and gave the Papyrus and Childline details."),
				key(do(1, "referral_camhs", "Referral to CAMHS with {N}'s and {his} {carer}'s consent; GP told.")),
			},
			outcome: "Referred to CAMHS; safety plan in place at school and at home."})
		w.tell(k, beat{f: 0.80, slot: "morning", cats: []string{"self_harm", "mental_health"}, where: "Classroom",
			text: "In {his} reading journal {N} wrote 'I wish I wasn't here.' I asked {him} about it at {T}. {He} said {he} meant 'at school' but then said {he} sometimes wishes {he} didn't wake up.",
			then: []follow{
				do(0, "spoke_pupil", "Talked with {N} at {T} using the safety plan. {He} said {he} has no plan to hurt {himself} and has not cut since the last time. {He} named {his} {carer} and {teacher} as people {he} can tell."),
				do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}. CAMHS appointment is next week; {cshe} will tell them about this."),
				revise(0, "body", "Added at {T}: the journal entry was written on Monday; {N} showed it to me today.", "The reporter asked for the date of the journal entry to be added."),
			},
			outcome: "Shared with CAMHS; safety plan reviewed."})
		w.tell(k, beat{f: 0.94, slot: "afternoon", cats: []string{"mental_health"}, where: "Classroom",
			text: "{N} seems brighter: at {T} {he} told me {he} has joined the lunchtime art club and that CAMHS 'are OK'. {He} has been sitting with a new group of friends.",
			then: []follow{
				task(0, "monitoring", "Review the safety plan with {N} and {his} {carer} after the next CAMHS appointment.", "dsl", 12, -1),
			}})
	}
	if k := pick("4", "5"); k != nil {
		ps := []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}}, {part: vigil.PartPerpetrator, cats: []string{"bullying"}}}
		first := w.tell(k, beat{f: 0.30, slot: "break", cats: []string{"bullying"}, part: vigil.PartVictim, where: "Playground", with: ps,
			text: "{N} told me at {T} that {O} and {O2} won't let {him} play and keep calling {him} 'smelly' and 'baby'. {He} said it has been happening 'since after half term' and that {he} doesn't want to come out at break any more.",
			then: []follow{
				by("pastoral", do(0, "spoke_pupil", "Spoke to {O} and {O2} separately at {T}. Both said it was 'just a joke'. Explained why it is unkind and what happens if it carries on.")),
				by("pastoral", do(1, "spoke_parent", "Phoned the parents of all three children.")),
			},
			outcome: "Dealt with under the anti-bullying policy; monitoring."})
		if first != nil {
			o, o2 := first.others[0].k, first.others[1].k
			w.tell(k, beat{f: 0.45, slot: "lunch", cats: []string{"bullying"}, part: vigil.PartVictim, where: "Playground",
				with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}, k: o}},
				text: "{N} came in from lunch crying at {T}. {He} said {O} took {his} hat and threw it over the fence onto the field and everyone laughed. I saw the hat on the field.",
				then: []follow{
					by("pastoral", do(0, "spoke_pupil", "Spoke to {O} at {T}; {Ohe} admitted it. Lunchtime in the reflection room for two days.")),
					by("pastoral", task(0, "monitoring", "Check in with {N} every Friday for four weeks.", "pastoral", 20, 20)),
				},
				outcome: "Sanction given and monitoring completed."})
			w.tell(k, beat{f: 0.60, slot: "office", by: "pastoral", cats: []string{"bullying", "online_safety"}, part: vigil.PartVictim, where: "Meeting with parent",
				with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}, k: o}, {part: vigil.PartPerpetrator, cats: []string{"bullying"}, k: o2}},
				text: "{N}'s {carer} came in at {T}. {Cshe} said {N} does not want to come to school and has been crying at bedtime. {N} told {cher} that {O} and {O2} send {him} messages on a game at night calling {him} names. {Cshe} showed me screenshots.",
				then: []follow{
					by("dsl", do(0, "spoke_parent", "Met the parents of {O} and {O2} separately; both agreed to check their children's accounts and take away the game for a week.")),
					by("dsl", do(1, "meeting", "Support plan for {N}: a buddy at lunch, a safe space, and a weekly check with {pastoral}.")),
				},
				outcome: "Support plan in place; the messages stopped."})
			w.tell(k, beat{f: 0.80, slot: "afternoon", cats: []string{"bullying"}, part: vigil.PartVictim, where: "Classroom",
				text: "Update for the record: {N} told me at {T} that things are 'much better' and {he} has been playing football with a new group at lunch. No new incidents for six weeks.",
				then: []follow{
					by("pastoral", do(0, "monitoring", "Support plan ended with {N}'s agreement.")),
				},
				outcome: "Resolved."})
		}
	}
	if k := pick("6"); k != nil {
		w.tell(k, beat{f: 0.85, slot: "morning", cats: []string{"online_safety", "bullying"}, part: vigil.PartVictim, where: "Classroom",
			with: []with{{part: vigil.PartPerpetrator, cats: []string{"online_safety"}}, {part: vigil.PartPerpetrator, cats: []string{"online_safety"}}, {part: vigil.PartWitness, cats: []string{"online_safety"}}},
			text: "{O3} told me at {T} that there is a group chat of about fifteen children in {Y} on WhatsApp. Last night {O} posted a photo of {N} taken in class, edited with a pig's face and rude words, and {O2} added more comments. {N} saw it and was crying this morning. {O3} showed me the messages on {O3his} phone before registration.",
			then: []follow{
				do(0, "spoke_pupil", "Spoke to {N} at {T}. {He} is upset and embarrassed; {he} left the group. Screenshots taken on a school device by {dsl} and kept securely; the phone returned."),
				do(0, "spoke_parent", "Phoned the parents of {O} and {O2}: both to delete the photo and leave the group. Parents of {N} told at {T}."),
				do(1, "letter", "Letter to all {Y} parents about group chats, WhatsApp's minimum age of 13 and how to report unkind messages."),
				do(2, "pastoral_support", "Online safety session for {Y} with the police schools officer."),
			},
			outcome: "Photo deleted; sanctions under the behaviour policy; year group letter and session done."})
	}
	if k := pick("3", "4"); k != nil {
		w.tell(k, beat{f: 0.50, slot: "pickup", cats: []string{"private_fostering", "family"}, where: "Main gate at home time", key: true,
			text: "{N} was collected at {T} by a woman who introduced herself as a family friend. She said {N}'s {carer} has gone to {country} to look after a sick relative for 'two or three months' and that {N} is living with her until then. She is not on the contact list.",
			then: []follow{
				do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}, who confirmed the arrangement and gave consent for the friend to collect. Contact details updated."),
				key(do(1, "referral_cs", "Private fostering: the arrangement is expected to last more than 28 days. Told the local authority's private fostering team at {T} and gave the carer the leaflet.")),
			},
			outcome: "The local authority has been told of the private fostering arrangement."})
		w.tell(k, beat{f: 0.60, slot: "office", by: "dsl", cats: []string{"private_fostering"}, where: "School office",
			text: "A social worker from the private fostering team phoned at {T}: the assessment visit is complete and the arrangement is suitable. She will visit every six weeks until {N}'s {carer} returns.",
			then: []follow{
				do(0, "note", "Noted; the class teacher knows who to talk to if anything changes."),
			},
			outcome: "Private fostering assessed as suitable; monitoring by the local authority."})
	}
	if k := pick("6"); k != nil {
		w.tell(k, beat{f: 0.75, slot: "afternoon", cats: []string{"radicalisation"}, where: "Classroom, PSHE lesson",
			text: "During a PSHE discussion about refugees at {T}, {N} said people from other countries are 'invaders' who 'should be sent back or got rid of'. When I asked where {he} had heard that, {he} said from videos by an online streamer that {his} older cousin shows {him}. Other children were upset.",
			then: []follow{
				do(0, "spoke_pupil", "Talked with {N} at {T}. {He} could not say much about the videos but repeated some of the phrases. {He} was open and not hostile."),
				do(0, "spoke_parent", "Met {N}'s {carer}, who was shocked and will check what {N} watches. Parental controls advice given."),
				do(1, "note", "Advice from the local Prevent education officer by phone at {T}: not a Channel referral at this stage; address it through PSHE and keep watch."),
			},
			outcome: "Prevent advice followed; no referral. Reviewed with the class teacher after four weeks with no further concern."})
	}
	if k := pick("2", "3"); k != nil {
		w.tell(k, beat{f: 0.60, slot: "lunch", cats: []string{"allegation_staff"}, where: "Playground", key: true,
			marks: []vigil.BodyMark{mark("front", 0.13, 0.53, "Red mark around the right wrist, fading")},
			text:  "{N} told me at {T} that at lunch a midday supervisor 'grabbed my arm really hard and pulled me' across the playground to the line because {he} would not stop playing. {He} said it hurt. I saw a red mark around {his} right wrist that was fading. I told {him} I would pass it on to {head}.",
			then: []follow{
				key(do(0, "lado", "Consulted the LADO at {T}, the same day. Advice: the harm threshold is not met; handle under the school's procedures and keep a record. Statement taken from the midday supervisor; she said she held {N}'s wrist to stop {him} running into the road by the gate.")),
				do(1, "spoke_parent", "Met {N}'s {carer} with the account and the outcome; {cshe} was satisfied."),
			},
			outcome: "Handled under the staff code of conduct, following the LADO's advice. Further positive handling training arranged."})
	}
	if k := pick("2", "3"); k != nil {
		w.tell(k, beat{f: 0.40, slot: "lunch", cats: []string{"child_on_child"}, part: vigil.PartVictim, where: "Playground",
			with: []with{{part: vigil.PartPerpetrator, cats: []string{"child_on_child"}}},
			text: "At {T} {O} pulled down {N}'s trousers and pants in the playground while other children watched and laughed. {N} was very upset. {O} said it was 'a dare'. I took both children inside.",
			then: []follow{
				do(0, "spoke_pupil", "Spoke to both children separately at {T}. {N} said it had not happened before. {O} said older children dared {Ohim}."),
				do(0, "spoke_parent", "Parents of both children told at home time."),
				do(1, "meeting", "Assessed with the Brook traffic light tool: amber (not usual for the age, in public, to embarrass). Support plan for {N} and a plan for {O} with supervision at lunch and body-safety lessons for the class."),
			},
			outcome: "Plans in place for both children; no repeat at the review after six weeks."})
	}
}

// fresh adds the concerns logged on the last school day, which nobody has
// reviewed yet.
func (w *writer) fresh() {
	last := w.days[len(w.days)-1]
	var onRoll []*kid
	for _, k := range w.kids {
		if w.onRoll(k, last) && w.busy[k] == 0 {
			onRoll = append(onRoll, k)
		}
	}
	pick := func() *kid { return onRoll[w.r.IntN(len(onRoll))] }
	w.tell(pick(), beat{day: last, slot: "morning", cats: []string{"child_protection"}, where: "Classroom",
		marks: []vigil.BodyMark{mark("front", 0.40, 0.83, "Dark bruise about 5 cm long on the front of the right shin")},
		text:  "At {T} {N} showed me a large bruise on the front of {his} right shin, about 5 cm long and dark purple. {He} said '{I don't know how I got it|I can't remember}'. {He} was walking normally.",
		then: []follow{
			info(0, "", "Further information: at lunch {N} told a midday supervisor {he} 'fell on the stairs at home'."),
		}})
	w.tell(pick(), beat{day: last, slot: "afternoon", cats: []string{"pastoral"}, where: "Classroom",
		text: "{N} said at {T} that {he} has not seen {his} {carer2} 'for ages' and asked if {he} could make a card to send. {He} was quiet for the rest of the afternoon."})
	w.tell(pick(), beat{day: last, slot: "lunch", by: "pastoral", cats: []string{"behaviour"}, where: "Dining hall",
		with: []with{{part: vigil.PartVictim, cats: []string{"behaviour"}}},
		text: "At {T} {N} threw a yoghurt at {O} in the dining hall after an argument about seats. {O} was not hurt but {Ohis} jumper was covered. {N} refused to apologise and walked out of the hall."})
}

// openTasks gives some of the last weeks' concerns an action for the DSL
// or the deputy that is still open, some of them overdue.
func (w *writer) openTasks() {
	since := w.days[max(0, len(w.days)-15)]
	texts := []string{
		"Follow up with {N}'s {carer}: check how things are at home and record the conversation.",
		"Speak to {N} again at the end of the week and record {his} views.",
		"Ask {teacher} for an update on {N} and decide whether the concern can be closed.",
		"Check whether children's services have any information about the family.",
		"Review {N}'s attendance and any further concerns at the next DSL meeting.",
	}
	n := 0
	for _, p := range w.plans {
		if p.logAt.Before(since) || p.unread || w.busy[p.k] > 0 {
			continue
		}
		cats := p.allCats()
		if w.lead(cats) != "" || w.r.IntN(3) == 0 {
			continue
		}
		who := []string{"dsl", "deputy"}[n%2]
		if !w.canManage(who, cats) {
			who = "dsl"
		}
		p.then = append(p.then, task(0, []string{"monitoring", "spoke_parent", "meeting"}[n%3], texts[n%len(texts)], who, 4+w.r.IntN(8), -1))
		n++
	}
}
