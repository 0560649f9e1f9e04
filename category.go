package vigil

// Sensitivity levels of a concern category; a concern takes the highest of
// its categories. See reference/safeguarding.md §3.
const (
	SensitivityLow        = "low"        // pastoral staff too
	SensitivityMedium     = "medium"     // DSL team plus named roles
	SensitivityHigh       = "high"       // DSL team only
	SensitivityRestricted = "restricted" // head and DSL only, outside pupil files
)

// Sensitivities lists the levels from least to most sensitive.
var Sensitivities = []string{SensitivityLow, SensitivityMedium, SensitivityHigh, SensitivityRestricted}

// Category is a kind of concern in one school.
type Category struct {
	ID          CategoryID
	SchoolID    SchoolID
	Key         string // stable machine name, e.g. "child_protection"
	Name        string
	Subtypes    string // comma-separated examples shown as a hint
	Sensitivity string
	Alert       string // who is alerted by default, as words until the alerts issue
	Active      bool
	Position    int
}

// Validate checks a category before it is saved.
func (c *Category) Validate() error {
	p := Problems{}
	checkText(p, "key", c.Key, true, 60)
	checkText(p, "name", c.Name, true, 100)
	checkText(p, "subtypes", c.Subtypes, false, 300)
	if !contains(Sensitivities, c.Sensitivity) {
		p.Add("sensitivity", "Choose low, medium, high or restricted.")
	}
	return p.Err()
}

// DefaultCategories is the usual UK set every new school starts with: the
// active ones from reference/safeguarding.md §3, then the optional ones,
// switched off.
func DefaultCategories() []Category {
	type c = Category
	list := []Category{
		c{Key: "child_protection", Name: "Child protection", Subtypes: "Physical abuse, emotional abuse, sexual abuse, neglect", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "child_on_child", Name: "Child-on-child abuse / harmful sexual behaviour", Subtypes: "Sexual violence, sexual harassment, sharing nudes", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "cse", Name: "Child sexual exploitation", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "cce", Name: "Child criminal exploitation / county lines", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "radicalisation", Name: "Radicalisation (Prevent)", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "fgm", Name: "FGM", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "forced_marriage", Name: "Forced marriage", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "honour_based_abuse", Name: "Honour-based abuse", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "domestic_abuse", Name: "Domestic abuse", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "self_harm", Name: "Self-harm", Sensitivity: SensitivityHigh, Alert: "DSL team, pastoral lead"},
		c{Key: "private_fostering", Name: "Private fostering", Sensitivity: SensitivityHigh, Alert: "DSL team"},
		c{Key: "allegation_staff", Name: "Allegation against staff (LADO)", Sensitivity: SensitivityRestricted, Alert: "Headteacher, DSL; if about the head, chair of governors or trust; never its subject"},
		c{Key: "low_level_staff", Name: "Low-level concern about staff", Sensitivity: SensitivityRestricted, Alert: "Headteacher, DSL"},
		c{Key: "early_help", Name: "Early Help", Sensitivity: SensitivityMedium, Alert: "DSL team, Early Help lead"},
		c{Key: "mental_health", Name: "Mental health / emotional wellbeing", Sensitivity: SensitivityMedium, Alert: "DSL team, mental health lead"},
		c{Key: "online_safety", Name: "Online safety", Sensitivity: SensitivityMedium, Alert: "DSL team, online safety lead"},
		c{Key: "bullying", Name: "Bullying", Subtypes: "Cyber, racist, homophobic, transphobic, disability, sexual harassment", Sensitivity: SensitivityMedium, Alert: "Pastoral lead, DSL team"},
		c{Key: "attendance", Name: "Attendance / children missing education", Sensitivity: SensitivityMedium, Alert: "Attendance officer, DSL team"},
		c{Key: "young_carer", Name: "Young carer", Sensitivity: SensitivityMedium, Alert: "DSL team, young carers lead"},
		c{Key: "family", Name: "Parental concerns / family circumstances", Sensitivity: SensitivityMedium, Alert: "DSL team, pastoral lead"},
		c{Key: "sen", Name: "SEN", Sensitivity: SensitivityMedium, Alert: "SENCO"},
		c{Key: "medical", Name: "Medical / health", Sensitivity: SensitivityMedium, Alert: "Medical lead, SENCO"},
		c{Key: "behaviour", Name: "Behaviour", Sensitivity: SensitivityLow, Alert: "Head of year"},
		c{Key: "pastoral", Name: "Pastoral", Sensitivity: SensitivityLow, Alert: "Pastoral lead"},
		c{Key: "other", Name: "Other", Sensitivity: SensitivityMedium, Alert: "DSL team"},
	}
	for i := range list {
		list[i].Active = true
	}
	for _, o := range []Category{
		{Key: "substance_misuse", Name: "Substance misuse"},
		{Key: "missing_from_home", Name: "Missing from home"},
		{Key: "homelessness", Name: "Homelessness"},
		{Key: "trafficking", Name: "Trafficking"},
		{Key: "prejudice", Name: "Prejudice incidents"},
		{Key: "misinformation", Name: "Misinformation"},
	} {
		o.Sensitivity, o.Alert = SensitivityMedium, "DSL team"
		list = append(list, o)
	}
	for i := range list {
		list[i].Position = i + 1
	}
	return list
}
