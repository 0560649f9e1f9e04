package demo

import (
	"slices"
	"strings"
	"time"

	"github.com/vigil-safeguarding/vigil"
)

// tmpl is a low-level concern that can happen to many pupils.
type tmpl struct {
	years   string // year groups it fits at the time, e.g. "R12"; "" any
	slot    string
	by      string // the reporter, when not the usual mix of staff
	where   string
	text    string
	marks   []vigil.BodyMark
	with    []with
	part    string
	then    []follow
	outcome string
}

// templates are the low-level concerns by category, with how many of
// every hundred are in it.
var templates = []struct {
	cat    string
	weight int
	list   []tmpl
}{
	{"behaviour", 19, []tmpl{
		{slot: "morning", where: "Classroom", text: "At {T} during {lesson}, {N} threw {his} pencil pot across the table when asked to start {his} work. No one was hurt. {He} refused to talk about it and sat under the table for about ten minutes before going back to {his} seat.",
			then:    []follow{do(0, "spoke_pupil", "Restorative conversation with {N} at {T}. {He} {was able to say what went wrong|accepted it was not OK} and agreed to ask for help next time instead.")},
			outcome: "Dealt with under the behaviour policy; no repeat this week."},
		{slot: "lunch", where: "Dining hall", with: []with{{part: vigil.PartVictim, cats: []string{"behaviour"}}},
			text:    "{N} pushed {O} out of the lunch queue at {T}. {O} fell against the table and hurt {Ohis} elbow (no mark). {N} said '{Ohe} pushed in first.' {N} apologised once {he} had calmed down.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to both children at {T}. {N} missed ten minutes of lunch play."), do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}; {cshe} will talk to {N} tonight.")},
			outcome: "Sanction under the behaviour policy; parents of both children told."},
		{slot: "lunch", where: "School field", text: "At {T} {N} swore at a midday supervisor ('leave me alone') when asked to come in from the field, then kicked the fence. {He} went to the reflection room with {pastoral}.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} at {T}. {He} said {he} was 'in the middle of a game' and was annoyed. Wrote a sorry note to the midday supervisor.")},
			outcome: "Apology made; no further action."},
		{years: "R12", slot: "morning", where: "Outdoor area", with: []with{{part: vigil.PartVictim, cats: []string{"behaviour"}}},
			text:    "At {T} in the outdoor area {N} bit {O} on the forearm during an argument over a bike. The skin was not broken; there was a red mark. First aid given to {O}.",
			then:    []follow{do(0, "spoke_parent", "Both parents told at home time; {O}'s parent was understanding."), do(1, "monitoring", "Adult close by during outdoor play for a week; turn-taking practised with a sand timer.")},
			outcome: "Monitoring completed with no repeat."},
		{years: "3456", slot: "afternoon", where: "School hall, PE", text: "During PE at {T}, after losing a game, {N} kicked the ball hard at another pupil's head on purpose. It missed. {He} then refused to join in and sat on the bench shouting at the team.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} at {T} about losing and what to do with angry feelings. Missed the next PE game.")},
			outcome: "Sanction given; no further incidents reported."},
		{slot: "afternoon", where: "Corridor by the hall", text: "At {T} {N} pulled two pieces of work off the display in the corridor and tore them up. When I asked why, {he} said '{it's rubbish|I hate it here}'. {He} had been upset since lunch but would not say why.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {N} at {T}. {He} said someone said {his} picture was 'rubbish' earlier. {He} helped put the display back up."), info(0, "", "Further information: {N} later said sorry to the two children whose work was torn.")},
			outcome: "Restorative conversation and repair done."},
		{slot: "morning", where: "Toilets by the Year 3 classroom", text: "At {T} {N} ran out of the classroom during {lesson} and was found five minutes later by a teaching assistant hiding in the toilets. {He} said {he} 'didn't want to do it'. {He} came back to class with the teaching assistant.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} at {T}. Agreed a 'time out' card so {he} can ask to leave the room safely."), do(1, "spoke_parent", "Told {N}'s {carer}, who said {N} has been worried about {lesson}.")},
			outcome: "Time out card in place; shared with the class teacher."},
		{slot: "afternoon", where: "Classroom", text: "{N} has been shouting out, walking around the room and refusing to sit with {his} group all afternoon. This is unlike {him}. When I asked if everything was all right, {he} shrugged and said '{Carer} was shouting this morning.'",
			then:    []follow{do(0, "spoke_pupil", "Checked in with {N} at {T}. {He} said {his} {carer} was cross because they were late. Nothing else of concern."), do(0, "discussed_dsl", "Shared with {dsl} because of the comment about home; no further action needed.")},
			outcome: "No safeguarding concern found; behaviour managed in class."},
		{slot: "break", where: "Playground", with: []with{{part: vigil.PartVictim, cats: []string{"behaviour"}}},
			text:    "At {T} {N} and {O} were fighting by the climbing frame. I saw {N} punch {O} in the stomach; {O} had pulled {N}'s hood first. Both were upset; neither was hurt.",
			then:    []follow{do(0, "spoke_pupil", "Restorative meeting with both children at {T}. Both said sorry."), do(0, "spoke_parent", "Both parents told at home time.")},
			outcome: "Resolved with both children."},
		{years: "456", slot: "afternoon", where: "Classroom", text: "{N} was rude to a supply teacher at {T}, calling her 'a joke' and refusing to hand over {his} phone when it went off in the lesson. {He} left the room without permission.",
			then:    []follow{do(1, "spoke_parent", "Met {N} and {his} {carer} at the start of the day. Phone to be handed in at the office each morning."), do(0, "spoke_pupil", "{N} wrote a letter of apology.")},
			outcome: "Dealt with under the behaviour policy."},
	}},
	{"pastoral", 16, []tmpl{
		{slot: "arrive", where: "Classroom", text: "{N} arrived at {T} without a coat in the rain and was soaked. {He} said {he} couldn't find it this morning. {His} shoes are too small and {he} says they hurt.",
			then:    []follow{do(0, "pastoral_support", "Coat and shoes from lost property and the uniform fund given."), do(0, "spoke_parent", "Spoke to {N}'s {carer} at home time; {cshe} was grateful and said money is tight this month.")},
			outcome: "Uniform need met; no further concern."},
		{slot: "arrive", where: "Classroom", text: "{N} was tearful at the start of the day and said {his} grandad is in hospital. {He} sat at the nurture table with a teaching assistant and was settled by break.",
			then:    []follow{do(0, "spoke_pupil", "Checked in with {N} at lunch; {he} was playing happily.")},
			outcome: "Supported in school; family aware."},
		{slot: "morning", where: "Classroom", text: "{N} told me at {T} that {his} dog died at the weekend and {he} was very sad. {He} cried a little and then joined in with {lesson}.",
			outcome: "Support in class; no further action."},
		{slot: "break", where: "Playground", text: "{N} has spent break on {his} own by the fence for the third day running. When I asked at {T}, {he} said {his} friends 'don't want to play with me any more'.",
			then:    []follow{do(0, "pastoral_support", "{N} invited to the lunchtime games club and given a playground buddy."), do(5, "monitoring", "{N} has been playing with the games club group this week.")},
			outcome: "Friendship support worked; closed."},
		{slot: "arrive", where: "Breakfast club", text: "{N} said {he} had no breakfast because 'there was no milk'. {He} had toast at breakfast club at {T}. This is the {second|first} time this month.",
			then:    []follow{do(0, "spoke_parent", "Spoke to {N}'s {carer}, who said the shop was shut. Free breakfast club place offered; accepted.")},
			outcome: "Breakfast club place arranged."},
		{slot: "morning", where: "Classroom", text: "{N} has forgotten {his} PE kit for the fourth week running and {his} reading book has not been signed for a month. When I asked at {T}, {he} said 'nobody reminds me'.",
			then:    []follow{do(1, "spoke_parent", "Phoned {N}'s {carer}: new baby at home and things are busy. Spare PE kit to be kept in school.")},
			outcome: "Practical help given; no safeguarding concern."},
		{slot: "afternoon", where: "Classroom", text: "{N} smelt strongly of cigarette smoke today and {his} uniform was creased and stained. {He} said {his} {carer} 'smokes in the house a lot'. {He} has had a cough for two weeks.",
			then:    []follow{do(1, "spoke_parent", "Spoke to {N}'s {carer} about the smoke and the cough; {cshe} will take {N} to the GP. Stop-smoking service details given.")},
			outcome: "Advice given; class teacher to log any further concerns about care."},
		{slot: "afternoon", where: "Classroom", text: "{N} told me that {his} {carer} and {carer2} are splitting up and that {he} is going to 'live in two houses'. {He} seemed worried about where {his} toys would go.",
			then:    []follow{do(1, "pastoral_support", "Two sessions with {pastoral} about changes at home; a 'two homes' book lent.")},
			outcome: "Supported through the change at home."},
		{years: "R12", slot: "pickup", where: "Classroom door at home time", text: "{N} wet {himself} twice today, which is unusual for {him}. {He} said {he} was 'too busy' to go. {His} {carer} said at home time that {he} has been wetting the bed since they moved house.",
			then:    []follow{do(0, "spoke_parent", "Advised {N}'s {carer} to speak to the GP or school nurse; spare clothes to be kept in school.")},
			outcome: "Referred to the school nurse drop-in by the parent."},
		{years: "56", slot: "afternoon", where: "Classroom", text: "{N} was very upset at {T} after {he} was not picked for the team. {He} said '{I'm rubbish at everything|Nobody ever picks me}' and cried for a long time, which is out of character.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} at {T}. {He} has been worrying about moving to secondary school.")},
			outcome: "Added to the transition support group."},
	}},
	{"attendance", 14, []tmpl{
		{by: "attendance", slot: "office", where: "Attendance office", text: "{N}'s attendance is {pct}% this half term ({n} sessions missed). {N}'s {carer} rang in sick each time, with no detail. Letter 1 sent today.",
			then:    []follow{do(0, "letter", "Letter 1 (attendance below 90%) sent."), task(0, "monitoring", "Check {N}'s attendance again in four weeks.", "attendance", 20, 20)},
			outcome: "Attendance improved to {pctup}% after the letter; monitoring ended."},
		{by: "attendance", slot: "latemorning", where: "School office", text: "{N} was not in school at registration and there was no call from home. First-day calls at 09:30 and 10:15 went unanswered and a message was left. {N}'s {carer} called back at {T} to say {he} had a temperature.",
			outcome: "Absence explained; authorised as illness."},
		{by: "attendance", slot: "office", where: "Attendance office", text: "{N} has been late {n} times this half term, arriving between 09:05 and 09:40. {N}'s {carer} says {cshe} has to drop a sibling at another school first.",
			then:    []follow{do(0, "spoke_parent", "Talked to {N}'s {carer} at {T} about breakfast club from 08:00 and the walking bus. {Cshe} will try breakfast club.")},
			outcome: "Punctuality improved with breakfast club."},
		{by: "attendance", slot: "office", where: "Attendance office", text: "Term-time holiday: {N}'s {carer} asked for ten days' leave to visit family in {country}. The request was refused under the attendance policy. {N} was absent for the ten days.",
			then:    []follow{do(0, "letter", "Letter sent explaining the unauthorised absence and the local authority's penalty notice process."), do(12, "meeting", "Return meeting with {N}'s {carer}: {N} back on the agreed date. Referred to the local authority as the policy requires.")},
			outcome: "Unauthorised absence recorded; referred to the local authority under the attendance code of conduct."},
		{by: "attendance", slot: "office", where: "Attendance office", text: "{N} has missed {n} Fridays this term. Each time {N}'s {carer} texted to say {he} was 'poorly'. Attendance is {pct}%.",
			then:    []follow{do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}. {Cshe} said {N} gets 'wiped out' by the end of the week. Offered a school nurse appointment."), task(1, "monitoring", "Review Friday attendance in four weeks.", "attendance", 20, 20)},
			outcome: "Pattern improved; monitoring ended."},
		{by: "attendance", slot: "office", where: "Attendance office", text: "Attendance meeting held with {N}'s {carer} at {T} because attendance is {pct}%. Reasons given: asthma flare-ups and hospital appointments. {N}'s {carer} will bring appointment letters so that these absences can be recorded correctly.",
			then:    []follow{do(0, "note", "Medical evidence seen; absences recoded. School nurse to update the asthma plan.")},
			outcome: "Absences explained by medical evidence."},
		{by: "attendance", slot: "club", where: "School office", text: "{N} was collected at {T}, long after the end of the school day at 15:15. Three calls were made to {N}'s {carer}. {Cshe} said {cshe} was stuck at work. This is the {second|third} late collection this half term.",
			then:    []follow{do(1, "letter", "Letter sent about late collections, with the after-school club booking form.")},
			outcome: "After-school club booked for the days {N}'s {carer} works late."},
	}},
	{"bullying", 7, []tmpl{
		{years: "23456", slot: "break", where: "Playground", part: vigil.PartVictim, with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}}},
			text:    "{N} told me at {T} that {O} took {his} snack at break three days running and said {N} would 'get it' if {he} told anyone.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {O} at {T}; {Ohe} admitted taking the snacks. Apologised to {N}."), do(0, "spoke_parent", "Told both families at home time."), task(0, "monitoring", "Check with {N} each Friday for three weeks.", "pastoral", 15, 15)},
			outcome: "Resolved; no repeat during monitoring."},
		{years: "3456", slot: "lunch", where: "Playground", part: vigil.PartVictim, with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}}},
			text:    "{N} said at {T} that {O} keeps making comments about {his} skin colour and where {his} family comes from, and did it again at lunch today in front of others. {N} was upset and said it happens 'nearly every day'.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {O} at {T}; {Ohe} said it was 'a joke'. Explained why the words are racist and hurtful. Recorded as a prejudice-related incident."), do(0, "spoke_parent", "Phoned both families. {O}'s parent will talk with {Ohim} at home.")},
			outcome: "Recorded as a racist incident; education work done with {O}; no repeat after four weeks."},
		{years: "456", slot: "afternoon", where: "Classroom", part: vigil.PartVictim, with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}}, {part: vigil.PartPerpetrator, cats: []string{"bullying"}}},
			text:    "{N} said at {T} that {O} and {O2} have been calling {him} names about {his} weight and making noises when {he} walks past. {He} said {he} feels 'sick' before school.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {O} and {O2} separately; both admitted it."), do(1, "spoke_parent", "Met the parents of {O} and {O2}."), do(1, "pastoral_support", "Self-esteem sessions for {N} with {pastoral}.")},
			outcome: "Dealt with under the anti-bullying policy; {N} reports it has stopped."},
		{years: "12345", slot: "break", where: "Playground", part: vigil.PartVictim, with: []with{{part: vigil.PartPerpetrator, cats: []string{"bullying"}}},
			text:    "{N}'s {carer} rang at {T} to say {N} has been crying at bedtime because {O} tells the others not to play with {him}. {N} has not told staff before.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {N} and then {O}. {O} said {Ohe} 'didn't mean it'. Friendship work with the group."), do(0, "spoke_parent", "Called {N}'s {carer} back at {T} with what was done.")},
			outcome: "Friendship issue resolved; family happy."},
	}},
	{"medical", 7, []tmpl{
		{slot: "morning", where: "Classroom", text: "{N} has complained of toothache for over a week and was holding {his} jaw during {lesson}. I could see a dark, broken back tooth. {He} said {he} has 'never been to the dentist'.",
			then:    []follow{do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}. {Cshe} could not find an NHS dentist taking patients; gave the details of the urgent dental service and the school nurse."), info(5, "", "Further information: {N} saw an emergency dentist and has had the tooth out.")},
			outcome: "Treated; shared with the school nurse."},
		{slot: "arrive", where: "School office", text: "{N}'s asthma inhaler in school is out of date and there is no spare. {N} was wheezy after PE yesterday. This is the second reminder to home.",
			then:    []follow{do(0, "letter", "Reminder letter and the care plan sent home."), do(3, "spoke_parent", "New inhaler received today.")},
			outcome: "In-date inhaler now in school."},
		{slot: "morning", where: "Classroom", marks: []vigil.BodyMark{mark("front", 0.15, 0.52, "Healing burn about 3 cm across, back of the right hand, dressed")},
			text:    "{N} came in with a dressing on the back of {his} right hand. {He} said {he} touched the oven door when {his} {carer} was cooking. {His} {carer} said the same at the door and that they went to the minor injuries unit.",
			then:    []follow{do(0, "discussed_dsl", "Discussed with {dsl}: consistent account, treated promptly. No further action.")},
			outcome: "Accidental injury, treated; no safeguarding concern."},
		{slot: "lunch", where: "Dining hall", text: "{N}, who has a severe nut allergy, was given a biscuit by another child at {T}. {He} did not eat it and told a midday supervisor straight away. No reaction.",
			then:    []follow{do(0, "spoke_parent", "Told {N}'s {carer} at home time. Reminder to all parents about nut-free packed lunches.")},
			outcome: "No harm; reminder sent."},
		{slot: "afternoon", where: "Classroom", text: "{N} has been complaining that {he} cannot see the board, and squints at books. {His} {carer} says there has been no eye test.",
			then:    []follow{do(1, "letter", "Letter home recommending an eye test, with the free NHS eye test information.")},
			outcome: "Glasses now worn."},
		{years: "R12", slot: "day", where: "Medical room", text: "{N} was sent home with a temperature of 38.6 at {T}. It took over an hour to reach anyone on {his} contact list; the numbers for two contacts were out of date.",
			then:    []follow{do(0, "spoke_parent", "Asked {N}'s {carer} for up-to-date numbers; contact form sent home."), do(3, "note", "Updated contact details received.")},
			outcome: "Contact details updated."},
	}},
	{"mental_health", 6, []tmpl{
		{years: "3456", slot: "afternoon", where: "Classroom", text: "{N} put a note in the worry box that said '{I worry that something bad will happen to Mum|I can't stop thinking about the news}'. When I asked at {T}, {he} said {he} lies awake thinking about it.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} at {T}; worry plan made."), do(1, "spoke_parent", "Told {N}'s {carer}, who had noticed {N} not sleeping well."), do(2, "pastoral_support", "Six sessions of the anxiety group with {pastoral}.")},
			outcome: "Worry group completed; {N} says {he} feels better."},
		{years: "456", slot: "morning", where: "Classroom", text: "{N} has started picking the skin around {his} nails until it bleeds and has been very quiet in class. {He} said {he} is 'stressed about the tests'.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} about the tests at {T} and reassured {him}."), do(1, "spoke_parent", "Told {N}'s {carer}; agreed to keep talk about tests low-key at home.")},
			outcome: "Support in place; the picking has eased."},
		{years: "56", slot: "afternoon", where: "Classroom", text: "{N} told me at {T} that {he} 'gets panicky' on the way to school and feels sick. {He} has had three days off this month with stomach aches.",
			then:    []follow{do(0, "spoke_parent", "Met {N}'s {carer}. Advised a GP visit; school nurse referral made."), do(2, "referral_camhs", "With consent, referral to the mental health support team in schools.")},
			outcome: "Seen by the mental health support team; six sessions completed."},
		{slot: "morning", where: "Classroom", text: "{N} has been very withdrawn since the death of {his} grandparent three weeks ago. At {T} {he} was crying quietly at {his} table.",
			then:    []follow{do(0, "pastoral_support", "Bereavement support with {pastoral}; memory box activity."), do(1, "spoke_parent", "Spoke to {N}'s {carer}; details of the local child bereavement service given.")},
			outcome: "Supported in school; family linked with the bereavement service."},
	}},
	{"online_safety", 5, []tmpl{
		{years: "3456", slot: "afternoon", where: "Classroom", text: "{N} told me at {T} that someone {he} met on {app} asked for {his} phone number and to talk on another app, and said {he} was 'really mature'. {He} has not replied. {He} showed me the username.",
			then:    []follow{do(0, "spoke_pupil", "Praised {N} for telling. Talked about blocking and reporting."), do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}; {cshe} will report and block the account. CEOP reporting link shared.")},
			outcome: "Account blocked and reported; parent advice given."},
		{years: "2345", slot: "morning", where: "Classroom", text: "{N} talked at {T} about playing an 18-rated game at home 'with shooting and blood' until late at night. {He} described scenes in detail to other children.",
			then:    []follow{do(1, "spoke_parent", "Spoke to {N}'s {carer} about age ratings and parental controls; leaflet given.")},
			outcome: "Advice given; no further concern."},
		{years: "456", slot: "afternoon", where: "Computer suite", text: "The web filter flagged a search on {N}'s school login at {T} for unsuitable words during computing. {N} said a friend told {him} to look it up.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N} about what {he} saw and how to report it. {He} did not see any images."), do(1, "spoke_parent", "Told {N}'s {carer}.")},
			outcome: "Handled; filter working as intended."},
		{years: "56", slot: "morning", where: "Classroom", text: "{N} said at {T} that {he} has been added to a group chat with older children from the secondary school, where people post 'scary videos'. {He} said one was of a fight.",
			then:    []follow{do(0, "spoke_pupil", "Talked with {N}; {he} has left the group."), do(0, "spoke_parent", "Phoned {N}'s {carer}, who did not know {N} had the app.")},
			outcome: "Left the group; parents advised."},
	}},
	{"family", 7, []tmpl{
		{slot: "pickup", where: "Main gate at home time", text: "At {T} {N}'s {carer2} arrived to collect {N}, which is not usual, and appeared to be under the influence of alcohol: slurred speech and smelling of drink. {N}'s {carer} was phoned and came to collect {N} at 15:50.",
			then:    []follow{do(0, "spoke_parent", "Spoke to {N}'s {carer} at {T}; {cshe} said it will not happen again and {N}'s {carer2} will not collect."), do(0, "discussed_dsl", "Discussed with {dsl}: single incident, protective parent. Log any repeat.")},
			outcome: "Protective parent; no further action unless repeated."},
		{slot: "office", where: "School office", text: "{N}'s {carer} came to the office at {T} to say the family is being evicted at the end of the month and has nowhere to go. {Cshe} asked for help.",
			then:    []follow{do(0, "spoke_parent", "Gave the details of the council's housing options service and Shelter."), do(1, "discussed_dsl", "Shared with {dsl}; Early Help offered.")},
			outcome: "Signposted; the family has since been rehoused locally."},
		{slot: "afternoon", where: "Classroom", text: "{N} said that {his} {carer2} has 'gone to prison'. {He} was matter-of-fact about it and asked if {he} could write a letter to send there.",
			then:    []follow{do(1, "spoke_parent", "Spoke to {N}'s {carer}, who confirmed it. Children of prisoners support details given.")},
			outcome: "Support offered to the family; class teacher aware."},
		{slot: "pickup", where: "Main gate at home time", text: "There was a loud argument at {T} at the gate between {N}'s {carer} and another parent about the children's friendship. {N} was crying. Staff moved the children inside.",
			then:    []follow{do(1, "spoke_parent", "Spoke to both parents separately about behaviour at the gate.")},
			outcome: "Resolved; the parents agreed to speak to staff about any problems."},
		{slot: "morning", where: "Classroom", text: "{N} said at {T} that {he} is going to be a big brother and that {his} {carer} is 'always sick'. {He} said {he} makes {his} own breakfast most days.",
			then:    []follow{do(1, "spoke_parent", "Spoke to {N}'s {carer}, who has bad morning sickness; breakfast club place offered and accepted.")},
			outcome: "Breakfast club place in place; no concern about care."},
	}},
	{"sen", 5, []tmpl{
		{slot: "morning", where: "Classroom", text: "{N} became very distressed at {T} when the timetable changed for an assembly. {He} hit {his} own head with {his} hands several times and it took 20 minutes to settle {him} in the quiet room.",
			then:    []follow{do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}."), do(2, "meeting", "Support plan updated: warnings about changes, a visual timetable, and a quiet space.")},
			outcome: "Support plan updated."},
		{slot: "afternoon", where: "Classroom", text: "{N} is still struggling to read simple words and becomes upset in {lesson}, saying 'I'm stupid'. {His} {carer} asked for an assessment for dyslexia.",
			then:    []follow{do(3, "meeting", "Screening done: dyslexic tendencies. Added to the SEN support register with a reading intervention.")},
			outcome: "On SEN support; intervention started."},
		{years: "R12", slot: "morning", where: "Classroom", text: "{N} is not yet speaking in whole sentences and is often frustrated when adults do not understand {him}. {His} {carer} said {cshe} is worried too.",
			then:    []follow{do(3, "referral_camhs", "Referral to NHS speech and language therapy with {N}'s {carer}'s consent.")},
			outcome: "Assessed by speech and language therapy; targets in the support plan."},
		{slot: "lunch", where: "Dining hall", text: "{N} will only eat dry bread and crisps at lunch and gags at other food. {He} has eaten almost nothing at lunch for two weeks.",
			then:    []follow{do(1, "spoke_parent", "Spoke to {N}'s {carer}, who says it is the same at home. Advised to ask the GP about a referral to the feeding clinic.")},
			outcome: "Referred by the GP; packed lunch plan agreed."},
	}},
	{"child_protection", 6, []tmpl{
		{slot: "morning", where: "Classroom", marks: []vigil.BodyMark{mark("front", 0.45, 0.08, "Bruise about 2 cm across on the right cheekbone")},
			text:    "At {T} I noticed a bruise about 2 cm across on {N}'s right cheekbone. I asked what happened and {he} said '{My sister hit me with the door when we were playing|I fell off the sofa}'. {He} was happy and chatty.",
			then:    []follow{do(0, "spoke_parent", "Spoke to {N}'s {carer} at home time; {cshe} gave the same account."), do(0, "no_further_action", "Explanation consistent from child and parent and fits the injury. No further action; log any other marks.")},
			outcome: "Consistent explanation; no further action."},
		{slot: "afternoon", where: "Classroom", text: "{N} said at {T}: 'My {adult} smacks me when I'm naughty.' I asked '{Can you tell me more|What happens then}?' {He} said 'On my hand. It doesn't hurt much.' {He} did not seem upset.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {N} with {teacher} present; the same account. No marks seen."), do(0, "referral_cs", "Consulted the children's services front door for advice at {T}: below the threshold for a referral. Advice: speak to the parents about positive parenting and offer Early Help."), do(1, "spoke_parent", "Met {N}'s {carer}, who was open; parenting course details given.")},
			outcome: "Advice followed; parents offered support. No further action."},
		{slot: "morning", where: "Classroom", text: "{N} was very hungry today and said {he} had not eaten since lunch yesterday because 'there was no tea'. {His} clothes were dirty and too small.",
			then:    []follow{do(0, "spoke_parent", "Phoned {N}'s {carer} at {T}; {cshe} said {cshe} was paid late. Food bank voucher given."), do(1, "monitoring", "{teacher} to log hunger, clothing and hygiene for four weeks.")},
			outcome: "Monitoring found no further concern; closed."},
		{slot: "afternoon", where: "Classroom", text: "{N} said at {T} that {he} was left at home on {his} own 'for a long time' on Saturday while {his} {carer} went out, and that {he} was scared when it got dark.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {N} at {T}: the same account; {he} is {Y}."), do(0, "spoke_parent", "Spoke to {N}'s {carer}, who said {cshe} went to the shop for 'twenty minutes' and a neighbour was in. Talked about leaving children at home alone."), do(0, "note", "Recorded as a low-level neglect concern; log any repeat.")},
			outcome: "Advice given; no further action."},
		{slot: "morning", where: "Classroom", marks: []vigil.BodyMark{mark("back", 0.50, 0.58, "Two thin red marks about 6 cm long across the lower back")},
			text:    "While helping {N} tuck in {his} shirt at {T} I saw two thin red marks across {his} lower back. {He} said {he} 'scratched it on the slide'.",
			then:    []follow{do(0, "spoke_pupil", "Spoke to {N} at {T}; the same account, that the marks came from the slide at the park."), do(0, "spoke_parent", "Spoke to {N}'s {carer} at home time; the same account."), do(0, "no_further_action", "Consistent explanation that fits the marks. No further action.")},
			outcome: "Consistent explanation; no further action."},
	}},
	{"early_help", 2, []tmpl{
		{slot: "office", where: "School office", text: "{N}'s {carer} asked at {T} for help with {N}'s behaviour at home and money worries. {Cshe} asked what Early Help is.",
			then:    []follow{do(2, "early_help", "Early Help assessment completed with {N}'s {carer}: parenting support and money advice.")},
			outcome: "Early Help plan completed; closed."},
	}},
	{"domestic_abuse", 2, []tmpl{
		{slot: "night", by: "dsl", where: "At home (police notification)", text: "Operation Encompass notification from Riverside Police at 08:00: officers attended {N}'s home at {T} last night after a verbal argument between {N}'s {carer} and {chis} partner. No injuries and no arrests. {N} was asleep.",
			then:    []follow{do(0, "spoke_pupil", "Checked in with {N} at {T}; {he} said {he} didn't hear anything and was happy to go to class.")},
			outcome: "Single incident; support offered. Kept on file."},
	}},
	{"other", 2, []tmpl{
		{slot: "break", where: "Playground", text: "{N} found a vape on the playground at {T} and handed it to me. {He} said it belonged to {his} older brother and that {he} had brought it in 'to show people'.",
			then:    []follow{do(0, "spoke_parent", "Spoke to {N}'s {carer}, who was unaware."), do(0, "note", "Vape disposed of safely.")},
			outcome: "Handled with the family."},
		{slot: "pickup", where: "Main gate at home time", text: "At {T} {N} told me that a man in a car had asked {him} on the way to school whether {he} wanted a lift. {He} said no and ran to school. {He} could not describe the car.",
			then:    []follow{do(0, "referral_police", "Reported to police on 101 at {T}."), do(1, "letter", "Letter to all parents reminding them of safe routes to school.")},
			outcome: "Reported to police; parents told."},
	}},
}

// lowLevel spreads n concerns from the templates over the school days and
// pupils on roll.
func (w *writer) lowLevel(n int) {
	total := 0
	for _, c := range templates {
		total += c.weight
	}
	reporters := []string{"teacher", "teacher", "teacher", "teacher", "teacher", "teacher", "pastoral", "senco", "head", "deputy"}
	extra := map[string][]string{
		"behaviour": {"Further information: {N} said this afternoon that {he} had been 'wound up' by older children before it happened.", "Further information: {N} was calm for the rest of the day and helped tidy up."},
		"pastoral":  {"Further information: {N} seemed much happier by the end of the day.", "Further information: {N}'s {carer} thanked the school at home time."},
		"bullying":  {"Further information: another child said {he} saw the same thing happen yesterday.", "Further information: {N} said at home time that it was 'better today'."},
	}
	revised := 0
	for i := 0; i < n; {
		r := w.r.IntN(total)
		var cat string
		var list []tmpl
		for _, c := range templates {
			if r < c.weight {
				cat, list = c.cat, c.list
				break
			}
			r -= c.weight
		}
		t := list[w.r.IntN(len(list))]
		d := w.days[w.r.IntN(len(w.days))]
		k := w.pupilFor(d, cat, t.years)
		if k == nil {
			continue
		}
		b := beat{day: d, slot: t.slot, by: t.by, cats: []string{cat}, where: t.where, text: t.text, part: t.part, with: t.with,
			then: slices.Clone(t.then), outcome: t.outcome, marks: slices.Clone(t.marks)}
		if b.by == "" {
			b.by = reporters[w.r.IntN(len(reporters))]
		}
		if notes := extra[cat]; len(notes) > 0 && w.r.IntN(6) == 0 {
			b.then = append([]follow{info(0, "", notes[w.r.IntN(len(notes))])}, b.then...)
		}
		if revised < 5 && w.r.IntN(12) == 0 {
			b.then = append([]follow{w.correction(revised)}, b.then...)
			revised++
		}
		if q := w.tell(k, b); q != nil {
			i++
			w.mistime(q)
		}
	}
}

// mistime makes the time of a concern whose time is corrected later the
// mistake it corrects: the time of writing, half an hour late. Its account
// already gives the right time.
func (w *writer) mistime(p *plan) {
	i := slices.IndexFunc(p.then, func(f follow) bool { return f.typ == "revise:occurred_at" })
	if i < 0 {
		return
	}
	wrong := p.at.Add(-p.then[i].shift)
	logAt := p.logAt
	if soon := wrong.Add(time.Duration(2+w.r.IntN(10)) * time.Minute); logAt.Before(soon) {
		logAt = soon
	}
	if !logAt.Before(w.now.Add(-time.Minute)) {
		p.then = slices.Delete(p.then, i, i+1)
		return
	}
	p.at, p.logAt = wrong, logAt
}

// correction is one of the edits made to a concern after it was logged,
// with the reason kept beside the earlier version.
func (w *writer) correction(i int) follow {
	switch i % 3 {
	case 0:
		f := revise(0, "occurred_at", "", "The reporter entered the time of writing; it happened about half an hour earlier.")
		f.shift = -30 * time.Minute
		return f
	case 1:
		return revise(0, "location", "{Playground|Corridor outside the hall|Cloakroom}", "Location corrected at the reporter's request.")
	}
	return revise(0, "body", "Added at {T}: {a teaching assistant was also present|this was seen by another member of staff, who agrees with the account}.", "The reporter asked for who else was present to be added.")
}

// pupilFor picks a pupil on roll on day d in one of years (any when ""),
// more often one with a matching need for the category.
func (w *writer) pupilFor(d time.Time, cat, years string) *kid {
	var list []*kid
	var weights []int
	total := 0
	for _, k := range w.kids {
		if !w.onRoll(k, d) || !fits(years, w.yearAt(k, d)) {
			continue
		}
		f, wt := k.p.Flags, 3
		switch {
		case (cat == "behaviour" || cat == "sen") && (f[vigil.FlagSENSupport] || f[vigil.FlagEHCP]):
			wt += 4
		case (cat == "pastoral" || cat == "attendance" || cat == "family") && (f[vigil.FlagFSM] || f[vigil.FlagPupilPremium]):
			wt += 3
		}
		if w.busy[k] > 0 {
			wt = 1 // their stories are told elsewhere
		}
		list, weights, total = append(list, k), append(weights, wt), total+wt
	}
	if total == 0 {
		return nil
	}
	r := w.r.IntN(total)
	for i, wt := range weights {
		if r < wt {
			return list[i]
		}
		r -= wt
	}
	return nil
}

func fits(years, yg string) bool {
	return years == "" || strings.Contains(years, yg)
}
