package demo

// heritage is one family background the demo school's pupils come from, with
// names for children and for their parents' generation. Every person made
// from these lists is invented; a name that happens to match a real person's
// is a coincidence.
type heritage struct {
	weight int  // how often families have this background, relative to the others
	eal    bool // children often speak another language at home
	// feminine says how a family name changes for a woman or girl: "pl"
	// (Polish -ski to -ska), "lt" (Lithuanian -as to -aitė or -ienė) or "".
	feminine string
	girls    []string
	boys     []string
	women    []string
	men      []string
	family   []string // surnames
}

// heritages is the roll's mix, roughly that of a diverse English town.
var heritages = []heritage{
	{ // English
		weight: 40,
		girls:  []string{"Olivia", "Amelia", "Isla", "Ava", "Lily", "Freya", "Florence", "Matilda", "Poppy", "Evie", "Charlotte", "Isabella", "Eleanor", "Elizabeth", "Jessica", "Ruby", "Grace", "Harriet", "Daisy", "Phoebe", "Penelope", "Rosie", "Katherine", "Millie"},
		boys:   []string{"Oliver", "George", "Harry", "Noah", "Jack", "Leo", "Arthur", "Oscar", "Alfie", "Charlie", "Thomas", "William", "Benjamin", "Samuel", "Joshua", "Theodore", "Freddie", "Archie", "Henry", "Alexander", "Edward", "Toby", "Reuben", "Max"},
		women:  []string{"Sarah", "Emma", "Laura", "Rebecca", "Gemma", "Hannah", "Claire", "Lauren", "Kirsty", "Jodie", "Natalie", "Victoria", "Charlotte", "Amy", "Rachel", "Stacey", "Louise", "Joanne"},
		men:    []string{"James", "Daniel", "Matthew", "Christopher", "Andrew", "Mark", "Lee", "Craig", "Richard", "Stuart", "Paul", "Adam", "Ben", "Jamie", "Ryan", "Simon", "Neil", "Gary"},
		family: []string{"Harrison", "Fletcher", "Barnes", "Whitaker", "Holloway", "Pickering", "Thornton", "Ashworth", "Cartwright", "Bradshaw", "Lambert", "Marsden", "Fairbairn", "Kettering", "Shaw", "Gardner", "Pritchard", "Hartley", "Turnbull", "Ellison", "Rowntree", "Sutcliffe", "Bell", "Cooper", "Wainwright", "Haddon", "Brooke", "Lowther"},
	},
	{ // Scottish
		weight: 4,
		girls:  []string{"Isla", "Eilidh", "Ailsa", "Morven", "Skye", "Catriona"},
		boys:   []string{"Callum", "Euan", "Fraser", "Lachlan", "Rory", "Hamish"},
		women:  []string{"Fiona", "Kirsteen", "Lorna", "Morag", "Shona"},
		men:    []string{"Alasdair", "Duncan", "Gordon", "Iain", "Ross"},
		family: []string{"MacLeod", "Sinclair", "Drummond", "McAllister", "Buchanan", "Menzies", "Munro"},
	},
	{ // Welsh
		weight: 4,
		girls:  []string{"Seren", "Cerys", "Ffion", "Megan", "Nia", "Bethan"},
		boys:   []string{"Rhys", "Osian", "Gethin", "Dylan", "Ioan", "Tomos"},
		women:  []string{"Angharad", "Sian", "Rhiannon", "Carys", "Eleri"},
		men:    []string{"Dafydd", "Gareth", "Owain", "Huw", "Aled"},
		family: []string{"Pryce", "Llewellyn", "Bevan", "Prosser", "Gwynne", "Parry", "Vaughan"},
	},
	{ // Irish
		weight: 5,
		girls:  []string{"Aoife", "Niamh", "Saoirse", "Caoimhe", "Róisín", "Ciara"},
		boys:   []string{"Cian", "Oisín", "Darragh", "Finn", "Tadhg", "Conor"},
		women:  []string{"Siobhán", "Gráinne", "Orla", "Deirdre", "Aisling"},
		men:    []string{"Ciarán", "Declan", "Padraig", "Eoin", "Seamus"},
		family: []string{"O'Donnell", "Brennan", "Gallagher", "McCarthy", "Doherty", "Kavanagh", "Flanagan"},
	},
	{ // Pakistani
		weight: 9, eal: true,
		girls:  []string{"Maryam", "Zainab", "Hafsa", "Aisha", "Inaya", "Eman", "Anaya", "Khadijah", "Mehreen", "Sana"},
		boys:   []string{"Muhammad", "Ibrahim", "Yusuf", "Zayan", "Hamza", "Ayaan", "Rayyan", "Musa", "Haris", "Ali"},
		women:  []string{"Nadia", "Saima", "Rubina", "Shazia", "Farah", "Sadia", "Amina"},
		men:    []string{"Imran", "Tariq", "Asif", "Kamran", "Faisal", "Zeeshan", "Adnan"},
		family: []string{"Hussain", "Akhtar", "Iqbal", "Mahmood", "Rashid", "Qureshi", "Butt", "Chaudhry", "Malik"},
	},
	{ // Indian
		weight: 7, eal: true,
		girls:  []string{"Anika", "Diya", "Priya", "Kavya", "Simran", "Harleen", "Ishani", "Meera", "Saanvi"},
		boys:   []string{"Arjun", "Vihaan", "Aarav", "Rohan", "Jaskaran", "Krish", "Dev", "Aditya", "Karthik"},
		women:  []string{"Sunita", "Deepa", "Manpreet", "Lakshmi", "Anjali", "Pooja", "Gurpreet"},
		men:    []string{"Rajesh", "Sandeep", "Vikram", "Harjit", "Suresh", "Anil", "Ravi"},
		family: []string{"Patel", "Sharma", "Sandhu", "Gill", "Mistry", "Iyer", "Chauhan", "Nair", "Bains"},
	},
	{ // Bangladeshi
		weight: 5, eal: true,
		girls:  []string{"Tasnim", "Nusrat", "Ruqayyah", "Sumaiya", "Fariha", "Tahmina"},
		boys:   []string{"Rahim", "Tanvir", "Sayeed", "Abdul", "Arif", "Nabil"},
		women:  []string{"Shirin", "Rupa", "Salma", "Nasima", "Jahanara"},
		men:    []string{"Mizanur", "Shahid", "Rezaul", "Kamal", "Jamal"},
		family: []string{"Rahman", "Hoque", "Miah", "Uddin", "Islam", "Choudhury", "Ahmed"},
	},
	{ // Nigerian
		weight: 5, eal: true,
		girls:  []string{"Oluwaseun", "Chidinma", "Adaeze", "Temitope", "Ifeoluwa", "Zara", "Chiamaka"},
		boys:   []string{"Oluwatobi", "Chinedu", "Emeka", "Tolu", "Ayomide", "David", "Ikenna"},
		women:  []string{"Ngozi", "Folake", "Adaora", "Bukola", "Funmilayo", "Blessing"},
		men:    []string{"Olumide", "Chukwuemeka", "Babatunde", "Segun", "Uchenna", "Femi"},
		family: []string{"Adeyemi", "Okonkwo", "Balogun", "Eze", "Oyelaran", "Nwosu", "Adebayo", "Okafor"},
	},
	{ // Ghanaian
		weight: 3, eal: true,
		girls:  []string{"Akosua", "Ama", "Efua", "Abena", "Esi"},
		boys:   []string{"Kwame", "Kofi", "Kwabena", "Yaw", "Kojo"},
		women:  []string{"Adwoa", "Afia", "Akua", "Yaa"},
		men:    []string{"Kwesi", "Kwaku", "Nana", "Ekow"},
		family: []string{"Mensah", "Boateng", "Asante", "Owusu", "Darko", "Appiah"},
	},
	{ // Somali
		weight: 3, eal: true,
		girls:  []string{"Hodan", "Ayan", "Ikran", "Nasteho", "Sahra"},
		boys:   []string{"Abdirahman", "Liban", "Khalid", "Mustafe", "Abdullahi"},
		women:  []string{"Faadumo", "Hibo", "Ubah", "Sagal"},
		men:    []string{"Abdiweli", "Mohamed", "Hassan", "Guled"},
		family: []string{"Warsame", "Jama", "Farah", "Abdi", "Osman", "Yusuf"},
	},
	{ // Caribbean
		weight: 4,
		girls:  []string{"Shantelle", "Keisha", "Aaliyah", "Nia", "Tiana", "Jada"},
		boys:   []string{"Malachi", "Tyrese", "Jayden", "Kai", "Isaiah", "Josiah"},
		women:  []string{"Marcia", "Donna", "Simone", "Charmaine", "Andrea"},
		men:    []string{"Winston", "Delroy", "Marcus", "Leon", "Clive"},
		family: []string{"Campbell", "Francis", "Grant", "McKenzie", "Bailey", "Clarke", "Edwards"},
	},
	{ // Polish
		weight: 5, eal: true, feminine: "pl",
		girls:  []string{"Zuzanna", "Aleksandra", "Julia", "Maja", "Zofia", "Wiktoria", "Hanna"},
		boys:   []string{"Jakub", "Antoni", "Szymon", "Filip", "Kacper", "Mikołaj", "Aleksander"},
		women:  []string{"Katarzyna", "Agnieszka", "Małgorzata", "Joanna", "Magdalena", "Monika"},
		men:    []string{"Piotr", "Tomasz", "Łukasz", "Paweł", "Marcin", "Krzysztof"},
		family: []string{"Kowalczyk", "Nowicki", "Wiśniewski", "Zieliński", "Kamiński", "Lewandowski", "Wójcik"},
	},
	{ // Romanian
		weight: 3, eal: true,
		girls:  []string{"Ioana", "Andreea", "Bianca", "Daria", "Alexandra"},
		boys:   []string{"Andrei", "Ștefan", "Matei", "Luca", "David"},
		women:  []string{"Elena", "Mihaela", "Cristina", "Roxana"},
		men:    []string{"Ionuț", "Mihai", "Florin", "Adrian"},
		family: []string{"Popescu", "Ionescu", "Dumitru", "Stoica", "Constantin", "Marin"},
	},
	{ // Lithuanian
		weight: 2, eal: true, feminine: "lt",
		girls:  []string{"Gabija", "Austėja", "Emilija", "Ugnė"},
		boys:   []string{"Matas", "Jokūbas", "Lukas", "Dominykas"},
		women:  []string{"Rasa", "Jurgita", "Vaida", "Inga"},
		men:    []string{"Tomas", "Darius", "Mindaugas", "Andrius"},
		family: []string{"Kazlauskas", "Petrauskas", "Jankauskas", "Žukauskas", "Vasiliauskas"},
	},
	{ // Chinese (Hong Kong)
		weight: 3, eal: true,
		girls:  []string{"Zi Han", "Hoi Ying", "Wing Yan", "Yu Xuan", "Ka Yee"},
		boys:   []string{"Hao Yu", "Chun Hei", "Tsz Hin", "Ming Hei", "Zi Hao"},
		women:  []string{"Mei Ling", "Siu Wai", "Wai Man", "Lai Ping"},
		men:    []string{"Kin Wah", "Chi Keung", "Wing Kit", "Ho Yin"},
		family: []string{"Chan", "Wong", "Cheung", "Lau", "Leung", "Yip"},
	},
	{ // Turkish and Kurdish
		weight: 2, eal: true,
		girls:  []string{"Elif", "Zeynep", "Defne", "Ayşe", "Rojda"},
		boys:   []string{"Emir", "Yusuf", "Deniz", "Kerem", "Baran"},
		women:  []string{"Fatma", "Gülay", "Sevda", "Hülya"},
		men:    []string{"Mehmet", "Serkan", "Murat", "Hakan"},
		family: []string{"Yılmaz", "Demir", "Aydın", "Kaya", "Şahin", "Özdemir"},
	},
	{ // Portuguese and Brazilian
		weight: 2, eal: true,
		girls:  []string{"Beatriz", "Leonor", "Mariana", "Inês"},
		boys:   []string{"Tiago", "Gonçalo", "Rodrigo", "João"},
		women:  []string{"Ana", "Sofia", "Fernanda", "Patrícia"},
		men:    []string{"Ricardo", "Nuno", "Bruno", "Sérgio"},
		family: []string{"Ferreira", "Almeida", "Carvalho", "Pereira", "Rocha"},
	},
	{ // Syrian and Iraqi
		weight: 2, eal: true,
		girls:  []string{"Layla", "Rama", "Nour", "Sidra"},
		boys:   []string{"Omar", "Karim", "Adam", "Yazan"},
		women:  []string{"Rania", "Hala", "Dima", "Lina"},
		men:    []string{"Ahmad", "Bashar", "Samer", "Walid"},
		family: []string{"Haddad", "Al-Masri", "Khalil", "Nasser", "Al-Jabouri"},
	},
	{ // Vietnamese
		weight: 1, eal: true,
		girls:  []string{"Linh", "Mai", "Ngoc Anh"},
		boys:   []string{"Minh", "Duc", "Bao"},
		women:  []string{"Thuy", "Hoa", "Lan"},
		men:    []string{"Tuan", "Hung", "Long"},
		family: []string{"Nguyen", "Tran", "Pham", "Le"},
	},
}

// shortNames are the names some children go by instead of their legal
// forename: a short form, or an English name chosen alongside a Chinese one.
var shortNames = map[string]string{
	"Alexander": "Alex", "Aleksander": "Olek", "Aleksandra": "Ola", "Alexandra": "Sasha",
	"Benjamin": "Ben", "Charlotte": "Lottie", "Chidinma": "Chidi", "Eleanor": "Ellie",
	"Elizabeth": "Libby", "Freddie": "Fred", "Isabella": "Bella", "Jakub": "Kuba",
	"Jessica": "Jess", "Joshua": "Josh", "Katherine": "Kate", "Matilda": "Tilly",
	"Muhammad": "Mo", "Oliver": "Ollie", "Oluwaseun": "Seun", "Oluwatobi": "Tobi",
	"Penelope": "Penny", "Samuel": "Sam", "Theodore": "Theo", "Thomas": "Tom",
	"William": "Will", "Zuzanna": "Zuza", "Abdirahman": "Abdi", "Ifeoluwa": "Ife",
	"Temitope": "Tope", "Ayomide": "Ayo", "Florence": "Flo", "Wiktoria": "Wiki",
	"Zi Han": "Grace", "Hoi Ying": "Chloe", "Wing Yan": "Hannah", "Yu Xuan": "Joy",
	"Ka Yee": "Kelly", "Hao Yu": "Ethan", "Chun Hei": "Lucas", "Tsz Hin": "Jason",
	"Ming Hei": "Marcus", "Zi Hao": "Ryan", "Ngoc Anh": "Annie",
}

// streets are the invented streets of Riverside.
var streets = []string{
	"Mill Lane", "Church Street", "Wharf Road", "Ferry Lane", "Kingfisher Close", "Orchard Way", "Station Road",
	"Willow Crescent", "Tannery Row", "Lock Keeper's Walk", "Bridge Street", "Meadow View", "Heron Court",
	"Castle Terrace", "Weir Road", "Alder Grove", "Barge Walk", "Granary Lane", "Millstream Avenue",
	"Chapel Hill", "Towpath Close", "Osier Drive", "Brewery Yard", "Quayside", "Sandpiper Road",
}
