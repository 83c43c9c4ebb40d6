"""Spoken phrases and intent keywords of the local flight dialogue brain, per language.

``PHRASES[language][key]`` is either

* a spoken template (``str.format``; every template receives the same keyword
  arguments, so a translation may use any subset of ``{origin}``,
  ``{destination}``, ``{date}``, ``{heard}``, ``{a}``, ``{b}``), or
* a keyword list, for keys starting with ``kw_``: alternatives separated by
  ``|``, matched as whole words on a lower-cased transcript whose punctuation
  has been removed (apostrophes kept). Longer alternatives are tried first.

Adding a language is adding a row: copy ``"en"`` and translate. Missing keys
fall back to English (see :func:`phrase` / :func:`keywords`), so a partial row
still works.
"""

from __future__ import annotations

from loguru import logger

DEFAULT_LANGUAGE = "en"

PHRASES: dict[str, dict[str, str]] = {
    "en": {
        # ---- spoken templates -------------------------------------------------
        "greeting": "Hello, this is the flight desk. Where would you like to fly from, and where to?",
        "ask_origin_and_destination": "Where would you like to fly from, and where to?",
        "ask_origin": "Flying to {destination}. Where are you flying from?",
        "ask_destination": "Flying from {origin}. Where would you like to go?",
        "ask_date": "From {origin} to {destination}. What day would you like to leave?",
        "ask_return_date": "And what day would you like to come back?",
        "ask_which_end": "Is {heard} where you are flying from, or where you are going?",
        "unknown_place": "Sorry, I didn't catch where {heard} is. Which city or airport did you mean?",
        "ambiguous_place": "Did you mean {a} or {b}?",
        "confirm_place": "Did you mean {a}?",
        "same_place": "You can't fly from {origin} to {origin}. Where would you like to go?",
        "past_date": "That date has already passed. What day would you like to leave?",
        "past_return_date": "That return date has already passed. What day would you like to come back?",
        "too_far": "I can only search about a year ahead. Which other day would work?",
        "return_before_departure": "You would come back before you leave. What day would you like to come back?",
        "unclear_date": "Sorry, I didn't catch the date. What day would you like to leave?",
        "searching": "Let me check flights from {origin} to {destination}.",
        "still_searching": "I'm still checking flights for you. One moment, please.",
        "no_flights": "Sorry, I couldn't find any flights from {origin} to {destination} on {date}.",
        "search_failed": "I'm sorry, I couldn't reach the flight search just now. Shall I try again?",
        "anything_else": "Would you like to search for another flight?",
        "sample_fares": "These are sample timetable fares, not live prices.",
        "live_unavailable": "Live fares are unavailable right now, so these come from our timetable.",
        "rephrase": "Sorry, the flight search could not use that request. Could you tell me again where from, where to and when?",
        "confirm_new_search": "Sure, a new search.",
        "goodbye": "Thank you for calling. Goodbye!",
        "nothing_to_repeat": "I haven't said anything yet. Where would you like to fly from, and where to?",
        "didnt_understand": "Sorry, I didn't understand that.",
        "apology": "Sorry, something went wrong on my side. Could you say that again?",
        "language_switched": "Sure, let's continue in English.",
        # ---- keyword lists (kw_*: alternatives separated by "|") --------------
        # whole-turn intents
        "kw_goodbye": (
            "goodbye|good bye|bye|bye bye|that's all|that is all|that's it|that is it|"
            "no thanks|no thank you|nothing else|hang up|i'm done|i am done|we're done|"
            "end the call|that'll be all|that will be all|see you"
        ),
        "kw_repeat": (
            "repeat|repeat that|say that again|say it again|come again|pardon|pardon me|"
            "what did you say|what was that|one more time|i didn't hear|i didn't catch that"
        ),
        # a turn consisting only of one of these asks for a repeat
        "kw_repeat_alone": "what|huh|sorry|excuse me|eh",
        "kw_yes": (
            "yes|yeah|yep|yup|sure|of course|okay|ok|correct|right|absolutely|"
            "please|go ahead|i would|i do|definitely|that's right|exactly|try again"
        ),
        "kw_no": "no|nope|nah|not really|no way|not now|wrong|neither",
        "kw_new_search": (
            "another|another flight|another one|new search|different flight|one more|"
            "now|also|how about|what about a flight|next search"
        ),
        "kw_start_over": "start over|start again|begin again|restart|from scratch",
        # words that carry nothing: greetings, hesitations, acknowledgements
        "kw_greeting": (
            "hi|hello|hey|hiya|hi there|hello there|hey there|good morning|good afternoon|"
            "good evening|greetings|howdy|yes hello"
        ),
        "kw_hesitation": "um|uh|uhm|umm|er|erm|ah|hmm|mm|mhm|uh huh|eh",
        "kw_ack": "okay|ok|so|well|alright|all right|right|yeah|yes|thanks|thank you|great|cool|fine|sure|oh",
        # request filler stripped around place names
        "kw_filler": (
            "i|we|me|us|my|our|i'd|we'd|i'm|we're|would|like|want|wanna|need|needs|have|"
            "looking|look|for|a|an|the|one|flight|flights|ticket|tickets|trip|book|booking|find|"
            "search|get|fly|flying|travel|travelling|traveling|go|going|can|could|you|please|"
            "just|to|be|is|it|that|this|actually|and|also|then|there|check|price|prices|"
            "thank|thanks|cheap|cheapest|best|some|any|let's|let|see|show|tell|about|what|how|oh|"
            "one-way|one way|round trip|round-trip|return trip|now|another|instead|sorry|no|not"
        ),
        # place markers
        "kw_from": "from|out of|leaving from|leaving|departing from|departing|starting from|flying out of|fly out of|based in",
        "kw_to": "to|into|going to|heading to|arriving in|arriving at|landing in|destination is|destination",
        "kw_return": (
            "returning|returning on|return on|return|coming back|come back|coming home|"
            "back on|flying back|fly back|get back|back home|and back"
        ),
        # words that end a place name (plus weekdays, months, markers, numbers)
        "kw_stop": (
            "on|next|this|coming|tomorrow|today|tonight|in|within|for|with|and|at|around|"
            "by|before|after|leaving|departing|returning|please|business|economy|premium|first|"
            "class|nonstop|non-stop|direct|adult|adults|child|children|kid|kids|passenger|"
            "passengers|people|person|persons|of|day|week|weeks|days|month|morning|afternoon|"
            "evening|night|round|one-way|asap|soon|later|then|but|or|so|is|are|am|was|i|we|"
            "would|want|need|like|can|could"
        ),
        "kw_weekdays": "monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend",
        "kw_months": (
            "january|february|march|april|may|june|july|august|september|october|november|"
            "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
        ),
        "kw_date_words": (
            "on|the|of|next|this|coming|tomorrow|today|tonight|day|after|in|days|weeks|week|"
            "month|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
            "twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
            "nineteenth|twentieth|thirtieth|twenty|thirty|st|nd|rd|th|morning|evening|afternoon"
        ),
        # date phrases that are always in the past (when the date parser finds nothing)
        "kw_past_words": "yesterday|last week|last month|the day before yesterday|ago",
        # options
        "kw_cabin_premium_economy": "premium economy|premium",
        "kw_cabin_business": "business class|business",
        "kw_cabin_first": "first class",
        "kw_cabin_economy": "economy class|economy|coach",
        "kw_nonstop": "nonstop|non-stop|non stop|direct|direct flight|no stops|no layovers|without stops",
        "kw_adults": "adult|adults|grown up|grown ups|grown-up|grown-ups|grownups",
        "kw_children": "child|children|kid|kids|infant|infants|baby|babies|son|daughter",
        "kw_passengers": "passenger|passengers|people|persons|person|travelers|travellers|tickets|seats|of us",
        "kw_one": "a|an|one|single",
        "kw_for_count": "for|for all|party of|group of",  # "business class for 2"
        "kw_round_trip": "round trip|round-trip|return trip|return ticket|return flight|there and back",
        "kw_numbers": (
            "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            "a couple|couple|both|all"
        ),
        "kw_cabin_words": "business|economy|premium|first|class|coach",
        # answers to "is X where you are flying from, or where you are going?"
        "kw_origin_words": "from|leaving|departing|origin|start|starting|out of|home|i live|live there|fly out",
        "kw_destination_words": "to|going|destination|heading|arriving|visit|visiting|go there|fly there",
    },
    "es": {
        "greeting": "Hola, le atiende el servicio de vuelos. ¿Desde dónde quiere volar, y adónde?",
        "ask_origin_and_destination": "¿Desde dónde quiere volar, y adónde?",
        "ask_origin": "Vuelo a {destination}. ¿Desde dónde sale?",
        "ask_destination": "Desde {origin}. ¿Adónde quiere ir?",
        "ask_date": "De {origin} a {destination}. ¿Qué día quiere salir?",
        "ask_return_date": "¿Y qué día quiere volver?",
        "ask_which_end": "¿{heard} es el origen o el destino?",
        "unknown_place": "Perdone, no he entendido dónde está {heard}. ¿Qué ciudad o aeropuerto quería decir?",
        "ambiguous_place": "¿Se refiere a {a} o a {b}?",
        "confirm_place": "¿Se refiere a {a}?",
        "same_place": "No puede volar de {origin} a {origin}. ¿Adónde quiere ir?",
        "past_date": "Esa fecha ya ha pasado. ¿Qué día quiere salir?",
        "past_return_date": "Esa fecha de vuelta ya ha pasado. ¿Qué día quiere volver?",
        "too_far": "Solo puedo buscar con un año de antelación. ¿Qué otro día le va bien?",
        "return_before_departure": "Volvería antes de salir. ¿Qué día quiere volver?",
        "unclear_date": "Perdone, no he entendido la fecha. ¿Qué día quiere salir?",
        "searching": "Voy a buscar vuelos de {origin} a {destination}.",
        "still_searching": "Sigo buscando vuelos. Un momento, por favor.",
        "no_flights": "Lo siento, no he encontrado vuelos de {origin} a {destination} el {date}.",
        "search_failed": "Lo siento, ahora no puedo acceder a la búsqueda de vuelos. ¿Lo intento otra vez?",
        "anything_else": "¿Quiere buscar otro vuelo?",
        "sample_fares": "Son tarifas de un horario de ejemplo, no precios reales.",
        "live_unavailable": "Ahora mismo no hay tarifas en vivo, así que estos vuelos vienen de nuestro horario.",
        "rephrase": "Lo siento, la búsqueda no aceptó esa petición. ¿Me dice otra vez desde dónde, hacia dónde y cuándo?",
        "confirm_new_search": "Muy bien, una nueva búsqueda.",
        "goodbye": "Gracias por llamar. ¡Adiós!",
        "nothing_to_repeat": "Todavía no he dicho nada. ¿Desde dónde quiere volar, y adónde?",
        "didnt_understand": "Perdone, no le he entendido.",
        "apology": "Perdone, algo ha fallado por mi parte. ¿Puede repetirlo?",
        "language_switched": "Claro, sigamos en español.",
        "kw_goodbye": "adiós|adios|hasta luego|hasta pronto|chao|chau|eso es todo|nada más|nada mas|no gracias|ya está|ya esta|cuelgo|terminar la llamada",
        "kw_repeat": "repita|repítalo|repitalo|repetir|puede repetir|otra vez|cómo dice|como dice|qué ha dicho|que ha dicho|no le he oído|no le oí|perdón qué",
        "kw_repeat_alone": "qué|que|cómo|como|perdón|perdon|eh",
        "kw_yes": "sí|si|claro|vale|de acuerdo|por supuesto|exacto|correcto|eso es|adelante|sí por favor|sí gracias|inténtelo|intentelo",
        "kw_no": "no|no gracias|para nada|ninguno|tampoco|incorrecto",
        "kw_new_search": "otro|otro vuelo|otra búsqueda|otra busqueda|nueva búsqueda|nueva busqueda|ahora|también|tambien|y qué tal|y que tal",
        "kw_start_over": "empezar de nuevo|volver a empezar|desde el principio|empecemos de nuevo",
        "kw_greeting": "hola|buenas|buenos días|buenos dias|buenas tardes|buenas noches|qué tal|que tal|oiga|diga|hola buenas",
        "kw_hesitation": "eh|em|mm|mmm|hmm|este|pues|bueno|ah",
        "kw_ack": "vale|bueno|bien|muy bien|gracias|muchas gracias|perfecto|genial|claro|sí|si|de acuerdo|ok|okay|pues",
        "kw_filler": (
            "yo|me|mi|nos|quiero|quisiera|querría|queria|necesito|necesitamos|quería|queremos|busco|buscar|"
            "buscamos|reservar|un|una|el|la|los|las|vuelo|vuelos|billete|billetes|pasaje|pasajes|viaje|volar|"
            "viajar|ir|salir|por favor|favor|por|puede|podría|podria|usted|me gustaría|me gustaria|gustaría|"
            "gustaria|es|que|y|también|tambien|entonces|ahora|otro|otra|lo|barato|más barato|mas barato|"
            "de ida|solo ida|ida y vuelta|gracias|no|sí|si|hola|eh|pues|bueno|en|vale|claro|sigamos|hablar|español|espanol"
        ),
        "kw_from": "de|desde|del|saliendo de|salgo de|con salida de|partiendo de|salida desde",
        "kw_to": "a|al|hacia|hasta|para|con destino a|rumbo a|con llegada a|destino",
        "kw_return": "vuelta|volver|volviendo|regreso|regresar|regresando|de vuelta|y volver|volver el",
        "kw_stop": (
            "el|en|próximo|proximo|próxima|proxima|que|viene|este|esta|mañana|manana|hoy|pasado|y|con|"
            "por|favor|clase|turista|business|primera|directo|directos|sin|escalas|adulto|adultos|niño|niños|"
            "nino|ninos|pasajero|pasajeros|personas|persona|día|dia|días|dias|semana|semanas|mes|de la|"
            "noche|tarde|ida|vuelta|quiero|necesito|o|pero|es|para el|dentro"
        ),
        "kw_weekdays": "lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|fin de semana",
        "kw_months": "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre",
        "kw_date_words": (
            "el|de|del|próximo|proximo|próxima|proxima|que|viene|este|esta|mañana|manana|hoy|pasado|día|dia|"
            "días|dias|semana|semanas|mes|dentro|primero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|"
            "once|doce|trece|catorce|quince|veinte|treinta|por|la|tarde|noche"
        ),
        "kw_past_words": "ayer|anteayer|la semana pasada|el mes pasado|hace",
        "kw_cabin_premium_economy": "turista premium|premium economy|premium",
        "kw_cabin_business": "clase business|business|ejecutiva|clase ejecutiva|preferente",
        "kw_cabin_first": "primera clase|en primera",
        "kw_cabin_economy": "clase turista|turista|económica|economica|clase económica",
        "kw_nonstop": "directo|vuelo directo|sin escalas|directos",
        "kw_adults": "adulto|adultos|mayores",
        "kw_children": "niño|niños|nino|ninos|niña|niñas|hijo|hijos|hija|bebé|bebe|bebés|menores",
        "kw_passengers": "pasajero|pasajeros|personas|persona|billetes|plazas|asientos",
        "kw_one": "un|una|uno",
        "kw_for_count": "para|somos",
        "kw_round_trip": "ida y vuelta|de ida y vuelta",
        "kw_numbers": "cero|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|ambos|todos",
        "kw_cabin_words": "business|turista|primera|clase|premium|ejecutiva|preferente",
        "kw_origin_words": "origen|desde|de ahí salgo|salgo|salida|vivo|salir",
        "kw_destination_words": "destino|hacia|voy|ir|llegar|llegada|visitar",
    },
    "fr": {
        "greeting": "Bonjour, ici le service des vols. D'où voulez-vous partir, et pour aller où ?",
        "ask_origin_and_destination": "D'où voulez-vous partir, et pour aller où ?",
        "ask_origin": "Un vol pour {destination}. D'où partez-vous ?",
        "ask_destination": "Au départ de {origin}. Où voulez-vous aller ?",
        "ask_date": "De {origin} à {destination}. Quel jour voulez-vous partir ?",
        "ask_return_date": "Et quel jour voulez-vous revenir ?",
        "ask_which_end": "{heard}, c'est votre départ ou votre destination ?",
        "unknown_place": "Pardon, je n'ai pas compris où se trouve {heard}. Quelle ville ou quel aéroport vouliez-vous dire ?",
        "ambiguous_place": "Vous voulez dire {a} ou {b} ?",
        "confirm_place": "Vous voulez dire {a} ?",
        "same_place": "Vous ne pouvez pas aller de {origin} à {origin}. Où voulez-vous aller ?",
        "past_date": "Cette date est déjà passée. Quel jour voulez-vous partir ?",
        "past_return_date": "Cette date de retour est déjà passée. Quel jour voulez-vous revenir ?",
        "too_far": "Je ne peux chercher qu'à un an environ. Quel autre jour vous conviendrait ?",
        "return_before_departure": "Vous reviendriez avant de partir. Quel jour voulez-vous revenir ?",
        "unclear_date": "Pardon, je n'ai pas compris la date. Quel jour voulez-vous partir ?",
        "searching": "Je cherche les vols de {origin} à {destination}.",
        "still_searching": "Je cherche toujours. Un instant, s'il vous plaît.",
        "no_flights": "Désolé, je n'ai trouvé aucun vol de {origin} à {destination} le {date}.",
        "search_failed": "Désolé, je n'arrive pas à joindre la recherche de vols. Voulez-vous que je réessaie ?",
        "anything_else": "Voulez-vous chercher un autre vol ?",
        "sample_fares": "Ce sont des tarifs d'un horaire d'exemple, pas des prix réels.",
        "live_unavailable": "Les tarifs en direct sont indisponibles pour le moment, ces vols viennent de notre horaire.",
        "rephrase": "Désolé, la recherche n'a pas accepté cette demande. Pouvez-vous me redire d'où, vers où et quand ?",
        "confirm_new_search": "Bien sûr, une nouvelle recherche.",
        "goodbye": "Merci de votre appel. Au revoir !",
        "nothing_to_repeat": "Je n'ai encore rien dit. D'où voulez-vous partir, et pour aller où ?",
        "didnt_understand": "Pardon, je n'ai pas compris.",
        "apology": "Pardon, un problème est survenu de mon côté. Pouvez-vous répéter ?",
        "language_switched": "D'accord, continuons en français.",
        "kw_goodbye": "au revoir|salut|bonne journée|bonne journee|c'est tout|ce sera tout|non merci|rien d'autre|à bientôt|a bientot|raccrocher",
        "kw_repeat": "répétez|repetez|répéter|repeter|pouvez-vous répéter|encore une fois|vous pouvez répéter|qu'avez-vous dit|je n'ai pas entendu",
        "kw_repeat_alone": "quoi|comment|pardon|hein|euh",
        "kw_yes": "oui|ouais|bien sûr|bien sur|d'accord|exactement|c'est ça|c'est ca|volontiers|allez-y|oui merci|oui s'il vous plaît|réessayez",
        "kw_no": "non|non merci|pas du tout|aucun|ni l'un ni l'autre",
        "kw_new_search": "un autre|un autre vol|une autre|nouvelle recherche|maintenant|aussi|et pour",
        "kw_start_over": "recommencer|on recommence|depuis le début|tout recommencer",
        "kw_greeting": "bonjour|bonsoir|salut|allô|allo|bonjour madame|bonjour monsieur",
        "kw_hesitation": "euh|heu|hum|bah|ben|mmh|hmm",
        "kw_ack": "d'accord|bon|bien|très bien|tres bien|merci|merci beaucoup|parfait|super|ok|okay|oui|alors|ah",
        "kw_filler": (
            "je|j'ai|nous|moi|mon|ma|voudrais|voudrions|veux|aimerais|besoin|cherche|chercher|réserver|reserver|"
            "un|une|le|la|les|l'|vol|vols|billet|billets|voyage|voler|partir|aller|s'il|vous|plaît|plait|"
            "s'il vous plaît|pouvez|pourriez|est-ce|que|et|aussi|alors|maintenant|autre|pas cher|moins cher|"
            "aller simple|aller-retour|merci|non|oui|bonjour|euh|bon|d'accord|en|français|francais|parler|continuer"
        ),
        "kw_from": "de|depuis|du|des|au départ de|au depart de|en partant de|partant de|en provenance de",
        "kw_to": "à|vers|pour|jusqu'à|en direction de|destination",
        "kw_return": "retour|revenir|rentrer|je reviens|et retour|le retour|revenant",
        "kw_stop": (
            "le|prochain|prochaine|ce|cette|demain|aujourd'hui|après-demain|et|avec|en|classe|économique|"
            "economique|affaires|première|premiere|direct|sans|escale|adulte|adultes|enfant|enfants|passager|"
            "passagers|personnes|personne|jour|jours|semaine|semaines|mois|matin|soir|après-midi|dans|s'il|"
            "vous|plaît|plait|ou|mais|je|voudrais|veux|pour le|qui|vient"
        ),
        "kw_weekdays": "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|week-end|weekend",
        "kw_months": "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre",
        "kw_date_words": (
            "le|du|de|prochain|prochaine|ce|cette|demain|aujourd'hui|après-demain|jour|jours|semaine|semaines|"
            "mois|dans|premier|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|"
            "quinze|seize|vingt|trente|matin|soir|qui|vient"
        ),
        "kw_past_words": "hier|avant-hier|la semaine dernière|le mois dernier|il y a",
        "kw_cabin_premium_economy": "premium économique|premium economique|premium",
        "kw_cabin_business": "classe affaires|affaires|business",
        "kw_cabin_first": "première classe|premiere classe|en première",
        "kw_cabin_economy": "classe économique|économique|economique|classe éco",
        "kw_nonstop": "direct|vol direct|sans escale|sans escales",
        "kw_adults": "adulte|adultes",
        "kw_children": "enfant|enfants|bébé|bebe|bébés|fils|fille",
        "kw_passengers": "passager|passagers|personnes|personne|billets|places|sièges",
        "kw_one": "un|une",
        "kw_for_count": "pour|nous sommes",
        "kw_round_trip": "aller-retour|aller retour|aller et retour",
        "kw_numbers": "zéro|zero|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|tous",
        "kw_cabin_words": "affaires|économique|economique|première|classe|premium|business",
        "kw_origin_words": "départ|depart|de là|j'habite|partir|je pars|origine",
        "kw_destination_words": "destination|aller|je vais|arrivée|arrivee|visiter|vers",
    },
    "de": {
        "greeting": "Hallo, hier ist der Flugservice. Von wo möchten Sie fliegen, und wohin?",
        "ask_origin_and_destination": "Von wo möchten Sie fliegen, und wohin?",
        "ask_origin": "Ein Flug nach {destination}. Von wo fliegen Sie ab?",
        "ask_destination": "Ab {origin}. Wohin möchten Sie fliegen?",
        "ask_date": "Von {origin} nach {destination}. An welchem Tag möchten Sie fliegen?",
        "ask_return_date": "Und an welchem Tag möchten Sie zurückfliegen?",
        "ask_which_end": "Ist {heard} Ihr Abflugort oder Ihr Ziel?",
        "unknown_place": "Entschuldigung, ich habe nicht verstanden, wo {heard} liegt. Welche Stadt oder welchen Flughafen meinen Sie?",
        "ambiguous_place": "Meinen Sie {a} oder {b}?",
        "confirm_place": "Meinen Sie {a}?",
        "same_place": "Sie können nicht von {origin} nach {origin} fliegen. Wohin möchten Sie?",
        "past_date": "Dieses Datum ist schon vorbei. An welchem Tag möchten Sie fliegen?",
        "past_return_date": "Dieses Rückflugdatum ist schon vorbei. An welchem Tag möchten Sie zurückfliegen?",
        "too_far": "Ich kann nur etwa ein Jahr im Voraus suchen. Welcher andere Tag passt Ihnen?",
        "return_before_departure": "Sie würden vor dem Hinflug zurückkommen. An welchem Tag möchten Sie zurückfliegen?",
        "unclear_date": "Entschuldigung, ich habe das Datum nicht verstanden. An welchem Tag möchten Sie fliegen?",
        "searching": "Ich suche Flüge von {origin} nach {destination}.",
        "still_searching": "Ich suche noch. Einen Moment bitte.",
        "no_flights": "Leider habe ich keine Flüge von {origin} nach {destination} am {date} gefunden.",
        "search_failed": "Leider erreiche ich die Flugsuche gerade nicht. Soll ich es noch einmal versuchen?",
        "anything_else": "Möchten Sie nach einem weiteren Flug suchen?",
        "sample_fares": "Das sind Preise aus einem Beispielflugplan, keine echten Preise.",
        "live_unavailable": "Live-Preise sind gerade nicht verfügbar, diese Flüge stammen aus unserem Flugplan.",
        "rephrase": "Entschuldigung, die Suche hat diese Anfrage nicht angenommen. Sagen Sie mir bitte noch einmal, von wo, wohin und wann?",
        "confirm_new_search": "Gern, eine neue Suche.",
        "goodbye": "Danke für Ihren Anruf. Auf Wiederhören!",
        "nothing_to_repeat": "Ich habe noch nichts gesagt. Von wo möchten Sie fliegen, und wohin?",
        "didnt_understand": "Entschuldigung, das habe ich nicht verstanden.",
        "apology": "Entschuldigung, bei mir ist etwas schiefgegangen. Können Sie das wiederholen?",
        "language_switched": "Gern, machen wir auf Deutsch weiter.",
        "kw_goodbye": "auf wiederhören|auf wiederhoren|auf wiedersehen|tschüss|tschuss|ciao|das wars|das war's|das ist alles|nein danke|sonst nichts|auflegen",
        "kw_repeat": "wiederholen|noch einmal|nochmal|wie bitte|was haben sie gesagt|können sie das wiederholen|ich habe das nicht gehört",
        "kw_repeat_alone": "was|wie|bitte|hä|äh",
        "kw_yes": "ja|jawohl|klar|genau|gern|gerne|sicher|natürlich|naturlich|richtig|okay|ok|ja bitte|ja gerne|versuchen sie es",
        "kw_no": "nein|nee|nö|keine|auf keinen fall|falsch|weder noch",
        "kw_new_search": "noch einen|noch einen flug|einen anderen|neue suche|jetzt|auch|und wie wäre es",
        "kw_start_over": "von vorne|neu anfangen|noch mal von vorne|von anfang an",
        "kw_greeting": "hallo|guten tag|guten morgen|guten abend|grüß gott|gruss gott|servus|moin|hallo guten tag",
        "kw_hesitation": "äh|ähm|ehm|hm|hmm|mh|öh",
        "kw_ack": "okay|ok|gut|also|ja|danke|danke schön|vielen dank|super|prima|alles klar|schön|na",
        "kw_filler": (
            "ich|wir|mir|uns|möchte|mochte|möchten|will|wollen|würde|wurde|gern|gerne|brauche|brauchen|suche|"
            "suchen|buchen|einen|eine|ein|den|die|das|der|flug|flüge|fluge|ticket|tickets|reise|fliegen|reisen|"
            "bitte|können|konnen|sie|mal|dann|auch|jetzt|noch|billig|günstig|gunstig|hin und zurück|"
            "nur hinflug|danke|nein|ja|hallo|äh|also|okay|auf|deutsch|sprechen|weiter|zu"
        ),
        "kw_from": "von|ab|aus|vom|abflug von|abflug ab|startend in",
        "kw_to": "nach|zum|zur|bis|bis nach|in richtung|ziel",
        "kw_return": "zurück|zuruck|rückflug|ruckflug|zurückfliegen|zurückkommen|und zurück|retour",
        "kw_stop": (
            "am|nächsten|nachsten|nächste|nachste|kommenden|diesen|diese|morgen|heute|übermorgen|und|mit|in|"
            "klasse|economy|business|first|premium|direkt|direktflug|ohne|umsteigen|erwachsene|erwachsenen|"
            "erwachsener|kind|kinder|passagier|passagiere|personen|person|tag|tage|tagen|woche|wochen|monat|"
            "vormittag|nachmittag|abend|bitte|oder|aber|ich|fliegen|möchte|um|im|für|fur|den"
        ),
        "kw_weekdays": "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|wochenende",
        "kw_months": "januar|jänner|februar|märz|marz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember",
        "kw_date_words": (
            "am|den|dem|der|nächsten|nachsten|nächste|kommenden|diesen|morgen|heute|übermorgen|tag|tage|tagen|"
            "woche|wochen|monat|in|ersten|zweiten|dritten|vierten|fünften|ein|eins|zwei|drei|vier|fünf|sechs|"
            "sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vormittag|nachmittag|abend"
        ),
        "kw_past_words": "gestern|vorgestern|letzte woche|letzten monat|vor",
        "kw_cabin_premium_economy": "premium economy|premium",
        "kw_cabin_business": "business class|businessklasse|business",
        "kw_cabin_first": "erste klasse|first class",
        "kw_cabin_economy": "economy|economy class|touristenklasse|holzklasse",
        "kw_nonstop": "direkt|direktflug|nonstop|ohne umsteigen|ohne zwischenstopp",
        "kw_adults": "erwachsene|erwachsenen|erwachsener",
        "kw_children": "kind|kinder|kindern|baby|babys|sohn|tochter",
        "kw_passengers": "passagier|passagiere|personen|person|tickets|plätze|platze|leute",
        "kw_one": "ein|eine|einen|einer",
        "kw_for_count": "für|fur|zu",
        "kw_round_trip": "hin und zurück|hin und zuruck|hin- und rückflug|mit rückflug",
        "kw_numbers": "null|eins|ein|eine|zwei|drei|vier|fünf|funf|sechs|sieben|acht|neun|zehn|beide|alle",
        "kw_cabin_words": "business|economy|premium|first|klasse|erste",
        "kw_origin_words": "abflug|von dort|ich wohne|wohne|start|starten|abflugort|ab",
        "kw_destination_words": "ziel|nach|hin|reisen|besuchen|ankunft",
    },
    "it": {
        "greeting": "Buongiorno, qui è il servizio voli. Da dove vuole partire, e per dove?",
        "ask_origin_and_destination": "Da dove vuole partire, e per dove?",
        "ask_origin": "Un volo per {destination}. Da dove parte?",
        "ask_destination": "Partenza da {origin}. Dove vuole andare?",
        "ask_date": "Da {origin} a {destination}. Che giorno vuole partire?",
        "ask_return_date": "E che giorno vuole tornare?",
        "ask_which_end": "{heard} è la partenza o la destinazione?",
        "unknown_place": "Mi scusi, non ho capito dove si trova {heard}. Quale città o aeroporto intendeva?",
        "ambiguous_place": "Intende {a} o {b}?",
        "confirm_place": "Intende {a}?",
        "same_place": "Non può volare da {origin} a {origin}. Dove vuole andare?",
        "past_date": "Quella data è già passata. Che giorno vuole partire?",
        "past_return_date": "Quella data di ritorno è già passata. Che giorno vuole tornare?",
        "too_far": "Posso cercare solo fino a un anno circa. Quale altro giorno le va bene?",
        "return_before_departure": "Tornerebbe prima di partire. Che giorno vuole tornare?",
        "unclear_date": "Mi scusi, non ho capito la data. Che giorno vuole partire?",
        "searching": "Cerco i voli da {origin} a {destination}.",
        "still_searching": "Sto ancora cercando. Un momento, per favore.",
        "no_flights": "Mi dispiace, non ho trovato voli da {origin} a {destination} il {date}.",
        "search_failed": "Mi dispiace, ora non riesco a raggiungere la ricerca voli. Riprovo?",
        "anything_else": "Vuole cercare un altro volo?",
        "sample_fares": "Sono tariffe di un orario di esempio, non prezzi reali.",
        "live_unavailable": "Le tariffe in tempo reale non sono disponibili ora, questi voli vengono dal nostro orario.",
        "rephrase": "Mi dispiace, la ricerca non ha accettato la richiesta. Può ripetermi da dove, per dove e quando?",
        "confirm_new_search": "Certo, una nuova ricerca.",
        "goodbye": "Grazie per la chiamata. Arrivederci!",
        "nothing_to_repeat": "Non ho ancora detto niente. Da dove vuole partire, e per dove?",
        "didnt_understand": "Mi scusi, non ho capito.",
        "apology": "Mi scusi, qualcosa è andato storto. Può ripetere?",
        "language_switched": "Certo, continuiamo in italiano.",
        "kw_goodbye": "arrivederci|ciao|a presto|è tutto|e tutto|basta così|basta cosi|no grazie|nient'altro|niente altro|buona giornata|riattaccare",
        "kw_repeat": "ripeta|ripetere|può ripetere|puo ripetere|di nuovo|ancora una volta|come ha detto|cosa ha detto|non ho sentito",
        "kw_repeat_alone": "cosa|come|scusi|eh|prego",
        "kw_yes": "sì|si|certo|certamente|va bene|d'accordo|esatto|giusto|volentieri|prego|sì grazie|riprovi|proceda",
        "kw_no": "no|no grazie|per niente|nessuno|né l'uno né l'altro",
        "kw_new_search": "un altro|un altro volo|un'altra|nuova ricerca|adesso|ora|anche|e invece",
        "kw_start_over": "ricominciare|ricominciamo|da capo|dall'inizio",
        "kw_greeting": "buongiorno|buonasera|ciao|salve|pronto|buondì",
        "kw_hesitation": "ehm|eh|mmm|mm|hmm|beh|allora",
        "kw_ack": "va bene|bene|ok|okay|grazie|grazie mille|perfetto|ottimo|sì|si|allora|d'accordo|certo",
        "kw_filler": (
            "io|noi|mi|ci|vorrei|vorremmo|voglio|ho bisogno|cerco|cercare|prenotare|un|una|uno|il|lo|la|i|gli|le|"
            "volo|voli|biglietto|biglietti|viaggio|volare|partire|andare|per favore|favore|può|puo|potrebbe|"
            "lei|anche|poi|adesso|ora|altro|economico|solo andata|andata e ritorno|grazie|no|sì|si|"
            "buongiorno|ehm|allora|bene|in|italiano|parlare|continuare"
        ),
        "kw_from": "da|dal|dalla|dall'|partendo da|in partenza da|con partenza da",
        "kw_to": "a|ad|per|verso|fino a|al|alla|con destinazione|destinazione",
        "kw_return": "ritorno|tornare|ritornare|rientro|tornando|e ritorno|al ritorno",
        "kw_stop": (
            "il|prossimo|prossima|questo|questa|domani|oggi|dopodomani|e|con|in|classe|economica|business|"
            "prima|diretto|senza|scali|adulto|adulti|bambino|bambini|passeggero|passeggeri|persone|persona|"
            "giorno|giorni|settimana|settimane|mese|mattina|pomeriggio|sera|per favore|favore|o|ma|vorrei|"
            "tra|fra|di|che|viene"
        ),
        "kw_weekdays": "lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica|fine settimana|weekend",
        "kw_months": "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre",
        "kw_date_words": (
            "il|del|di|prossimo|prossima|questo|questa|domani|oggi|dopodomani|giorno|giorni|settimana|"
            "settimane|mese|tra|fra|primo|uno|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|"
            "venti|trenta|mattina|sera|pomeriggio|che|viene"
        ),
        "kw_past_words": "ieri|l'altro ieri|la settimana scorsa|il mese scorso|fa",
        "kw_cabin_premium_economy": "premium economy|premium",
        "kw_cabin_business": "business class|classe business|business",
        "kw_cabin_first": "prima classe|in prima",
        "kw_cabin_economy": "classe economica|economica|economy",
        "kw_nonstop": "diretto|volo diretto|senza scali|senza scalo|diretti",
        "kw_adults": "adulto|adulti",
        "kw_children": "bambino|bambini|bambina|bambine|figlio|figli|figlia|neonato|neonati",
        "kw_passengers": "passeggero|passeggeri|persone|persona|biglietti|posti",
        "kw_one": "un|uno|una",
        "kw_for_count": "per|siamo in",
        "kw_round_trip": "andata e ritorno|andata ritorno",
        "kw_numbers": "zero|uno|una|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|entrambi|tutti",
        "kw_cabin_words": "business|economica|premium|prima|classe|economy",
        "kw_origin_words": "partenza|parto|da lì|abito|vivo|origine|partire",
        "kw_destination_words": "destinazione|andare|vado|arrivo|visitare|verso",
    },
    "pt": {
        "greeting": "Olá, aqui é o serviço de voos. De onde quer voar, e para onde?",
        "ask_origin_and_destination": "De onde quer voar, e para onde?",
        "ask_origin": "Um voo para {destination}. De onde vai partir?",
        "ask_destination": "Saindo de {origin}. Para onde quer ir?",
        "ask_date": "De {origin} para {destination}. Que dia quer partir?",
        "ask_return_date": "E que dia quer voltar?",
        "ask_which_end": "{heard} é a origem ou o destino?",
        "unknown_place": "Desculpe, não percebi onde fica {heard}. Que cidade ou aeroporto queria dizer?",
        "ambiguous_place": "Quer dizer {a} ou {b}?",
        "confirm_place": "Quer dizer {a}?",
        "same_place": "Não pode voar de {origin} para {origin}. Para onde quer ir?",
        "past_date": "Essa data já passou. Que dia quer partir?",
        "past_return_date": "Essa data de volta já passou. Que dia quer voltar?",
        "too_far": "Só consigo procurar até cerca de um ano. Que outro dia lhe convém?",
        "return_before_departure": "Voltaria antes de partir. Que dia quer voltar?",
        "unclear_date": "Desculpe, não percebi a data. Que dia quer partir?",
        "searching": "Vou procurar voos de {origin} para {destination}.",
        "still_searching": "Ainda estou a procurar. Um momento, por favor.",
        "no_flights": "Lamento, não encontrei voos de {origin} para {destination} em {date}.",
        "search_failed": "Lamento, agora não consigo aceder à pesquisa de voos. Quer que tente outra vez?",
        "anything_else": "Quer procurar outro voo?",
        "sample_fares": "São tarifas de um horário de exemplo, não preços reais.",
        "live_unavailable": "As tarifas em tempo real não estão disponíveis agora, estes voos vêm do nosso horário.",
        "rephrase": "Lamento, a pesquisa não aceitou esse pedido. Pode dizer-me outra vez de onde, para onde e quando?",
        "confirm_new_search": "Claro, uma nova pesquisa.",
        "goodbye": "Obrigado pela chamada. Adeus!",
        "nothing_to_repeat": "Ainda não disse nada. De onde quer voar, e para onde?",
        "didnt_understand": "Desculpe, não percebi.",
        "apology": "Desculpe, algo correu mal do meu lado. Pode repetir?",
        "language_switched": "Claro, vamos continuar em português.",
        "kw_goodbye": "adeus|tchau|até logo|ate logo|até à próxima|é tudo|e tudo|só isso|so isso|não obrigado|nao obrigado|mais nada|desligar",
        "kw_repeat": "repita|repetir|pode repetir|outra vez|mais uma vez|como disse|o que disse|não ouvi|nao ouvi",
        "kw_repeat_alone": "o quê|o que|quê|como|desculpe|hã|ah",
        "kw_yes": "sim|claro|certo|está bem|esta bem|tá bem|ta bem|de acordo|exato|exatamente|com certeza|pode ser|sim obrigado|tente outra vez",
        "kw_no": "não|nao|de jeito nenhum|nenhum|nem um nem outro",
        "kw_new_search": "outro|outro voo|outra pesquisa|nova pesquisa|agora|também|tambem|e que tal",
        "kw_start_over": "começar de novo|comecar de novo|recomeçar|recomecar|do início|do inicio",
        "kw_greeting": "olá|ola|oi|bom dia|boa tarde|boa noite|alô|alo|estou",
        "kw_hesitation": "hum|hmm|ah|é|eh|ahn|pois|bem",
        "kw_ack": "está bem|esta bem|tá|ta|ok|okay|bem|obrigado|obrigada|muito obrigado|perfeito|ótimo|otimo|sim|pois|então|entao|certo",
        "kw_filler": (
            "eu|nós|nos|me|meu|minha|quero|queria|queríamos|gostaria|preciso|precisamos|procuro|procurar|"
            "reservar|um|uma|o|a|os|as|voo|voos|bilhete|bilhetes|passagem|passagens|viagem|voar|viajar|ir|"
            "partir|por favor|favor|pode|poderia|você|voce|também|tambem|então|entao|agora|outro|barato|"
            "só ida|so ida|ida e volta|obrigado|não|nao|sim|olá|ola|bem|pois|em|português|portugues|falar|continuar"
        ),
        "kw_from": "de|desde|do|da|saindo de|partindo de|com partida de|a partir de",
        "kw_to": "para|pra|a|ao|até|ate|com destino a|destino",
        "kw_return": "volta|voltar|regresso|regressar|voltando|e volta|de volta",
        "kw_stop": (
            "na|no|próxima|proxima|próximo|proximo|esta|este|amanhã|amanha|hoje|depois|e|com|em|classe|"
            "económica|economica|executiva|primeira|direto|sem|escalas|adulto|adultos|criança|crianças|"
            "crianca|criancas|passageiro|passageiros|pessoas|pessoa|dia|dias|semana|semanas|mês|mes|manhã|"
            "tarde|noite|por|favor|ou|mas|quero|que|vem"
        ),
        "kw_weekdays": (
            "segunda|segunda-feira|terça|terca|terça-feira|terca-feira|quarta|quarta-feira|quinta|"
            "quinta-feira|sexta|sexta-feira|sábado|sabado|domingo|fim de semana"
        ),
        "kw_months": "janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro",
        "kw_date_words": (
            "na|no|de|do|próxima|proxima|próximo|proximo|esta|este|amanhã|amanha|hoje|depois|dia|dias|semana|"
            "semanas|mês|mes|daqui|primeiro|um|dois|três|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|"
            "vinte|trinta|manhã|tarde|noite|que|vem|feira"
        ),
        "kw_past_words": "ontem|anteontem|semana passada|mês passado|mes passado|há",
        "kw_cabin_premium_economy": "económica premium|economica premium|premium",
        "kw_cabin_business": "classe executiva|executiva|business",
        "kw_cabin_first": "primeira classe|em primeira",
        "kw_cabin_economy": "classe económica|classe economica|económica|economica|turística",
        "kw_nonstop": "direto|voo direto|sem escalas|sem escala|diretos",
        "kw_adults": "adulto|adultos",
        "kw_children": "criança|crianças|crianca|criancas|filho|filhos|filha|filhas|bebé|bebê|bebe|bebés",
        "kw_passengers": "passageiro|passageiros|pessoas|pessoa|bilhetes|lugares",
        "kw_one": "um|uma",
        "kw_for_count": "para|somos",
        "kw_round_trip": "ida e volta|de ida e volta",
        "kw_numbers": "zero|um|uma|dois|duas|três|tres|quatro|cinco|seis|sete|oito|nove|dez|ambos|todos",
        "kw_cabin_words": "executiva|económica|economica|primeira|classe|premium|business",
        "kw_origin_words": "origem|partida|saio|parto|moro|vivo|de lá|sair",
        "kw_destination_words": "destino|ir|vou|chegada|visitar|para lá",
    },
}


def _table(language: str) -> dict[str, str]:
    return PHRASES.get((language or DEFAULT_LANGUAGE).split("-")[0].lower(), {})


def phrase(language: str, key: str, **fields: object) -> str:
    """The spoken template ``key`` in ``language`` (English fallback), formatted."""
    template = _table(language).get(key) or PHRASES[DEFAULT_LANGUAGE].get(key)
    if template is None:
        logger.warning("phrases: no template {!r} for language {!r}", key, language)
        return ""
    try:
        return template.format(**fields)
    except (KeyError, IndexError, ValueError) as exc:
        logger.warning("phrases: template {!r}/{!r} failed to format: {}", language, key, exc)
        return template


def keywords(language: str, key: str) -> list[str]:
    """Keyword alternatives ``kw_<key>`` for ``language`` (English fallback), longest first."""
    raw = _table(language).get(f"kw_{key}") or PHRASES[DEFAULT_LANGUAGE].get(f"kw_{key}", "")
    words = [w.strip().lower() for w in raw.split("|") if w.strip()]
    return sorted(set(words), key=lambda w: (-len(w), w))
