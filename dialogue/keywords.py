"""Keyword lists the rule brain parses with, per language: plain data, no code but two lookups.

``KEYWORDS[language][key]`` holds alternatives separated by ``|``, matched as whole words on a
lower-cased transcript whose punctuation has been removed (apostrophes kept; see
:func:`dialogue.understanding.normalize`). Longer alternatives are tried first. Keys:

* whole-turn intents: ``goodbye``, ``transfer`` (asks for a person), ``repeat``, ``repeat_alone``
  (a turn of only these asks for a
  repeat), ``results_question`` ("how much was it?", "¿a qué hora?": after results, read them
  again), ``other_options`` ("the other options", "las demás": the flights not read out yet),
  ``cheapest``, ``earliest``, ``latest`` (which of the flights found: "anything cheaper?", "¿algo más
  temprano?"), ``yes``, ``no``, ``new_search``, ``start_over``;
* words that carry nothing: ``greeting``, ``hesitation``, ``ack``, and the request ``filler``
  stripped around place names;
* ``backchannel``: what a listener says while the bot talks to show they follow ("mm-hmm",
  "ajá", "d'accord", "genau", "certo", "sim"…); a turn of only these does not stop the bot;
* ``halt``: what asks the bot to stop ("wait", "hold on", "espera", "attendez", "Moment", "aspetta"…);
  an interruption holding one is real even when nothing else in it is understood; a turn of only
  these (with ``no``, ``please`` and the words that carry nothing) is a halt: the bot listens;
* place markers ``from``, ``to``, ``return``, and ``stop`` (words that end a place name, with
  ``weekdays``, ``months``, ``numbers``, ``cabin_words`` and, when a date was found, ``date_words``);
* ``past_words`` (date phrases always in the past when the date parser finds nothing);
* options: ``cabin_premium_economy``, ``cabin_business``, ``cabin_first``, ``cabin_economy``,
  ``nonstop``, ``adults``, ``children``, ``passengers``, ``one``, ``for_count``, ``round_trip``,
  ``one_way`` (taken out before places are read: "un aller simple Bordeaux Lyon");
* answers to "is X where you are flying from, or where you are going?": ``origin_words``,
  ``destination_words``;
* ``visit`` and ``visit_in``: "to visit my mom in Boston", "visitar a mi madre en Sevilla", "meine
  Mutter in Berlin besuchen": the place after ``visit_in`` is the destination when a visit word is said;
* a party listed by name ("my husband, me and our baby", "mi mujer y yo"): ``party_me`` (the
  caller as a member), ``party_possessive``, ``party_and``, ``companions`` (adults, singular) and
  ``child`` (singular: counted as a child), and ``also`` ("and my wife too": added to the party);
  ``party_with`` before the people the caller travels with ("with my wife", "con mi esposa": the
  caller and them), ``party_with_me`` after people who join the caller ("my wife is coming with me",
  "meine Frau kommt mit": added to the party);
* ``retry`` ("try again", "inténtelo otra vez", "nochmal versuchen"): yes to "shall I try again?";
* ``alone`` ("just me", "yo solo", "da solo", "sozinho"): a party of one adult, no children;
* ``correction`` ("no wait", "perdón", "plutôt", "ich meine", "anzi", "aliás"): a date said after one
  replaces the date said before it in the same turn ("on the 14th, no wait, the 15th").

Adding a language is adding a row (its code must be in ``flights.languages.SUPPORTED_LANGUAGES``).
A key missing in a row falls back to English, so a partial row still parses.
"""

from __future__ import annotations

from functools import lru_cache

from flights.languages import normalize_language

DEFAULT_LANGUAGE = "en"

KEYWORDS: dict[str, dict[str, str]] = {
    "en": {
        # ---- keyword lists (kw_*: alternatives separated by "|") --------------
        # whole-turn intents
        "goodbye": (
            "goodbye|good bye|bye|bye bye|that's all|that is all|that's it|that is it|"
            "no thanks|no thank you|nothing else|hang up|i'm done|i am done|we're done|"
            "end the call|that'll be all|that will be all|see you|bye-bye|take care|"
            "have a nice day|have a good day|have a great day|talk to you later|that's everything|that is everything|that's all i need|that is all i need"
        ),
        "repeat": (
            "repeat|repeat that|say that again|say it again|come again|pardon|pardon me|"
            "what did you say|what was that|one more time|i didn't hear|i didn't catch that"
        ),
        # a turn consisting only of one of these asks for a repeat
        "repeat_alone": "what|huh|sorry|excuse me|eh",
        # a question about the flights just read out (the rule brain reads them again)
        "results_question": "how much|how much is it|how much was it|how much does it cost|what time|what was the price|what's the price|what is the price|which airline|what airline|when does it leave|when does it arrive|how long",
        # after results, asks of the flights found: the ones not read yet, the cheapest, the earliest, the latest
        "other_options": "other options|the other options|the others|the other ones|the other flights|other flights|more options|any more options|more flights|the rest|the rest of them|what else is there|what else do you have|what are the others|another option|the next ones|next options",
        "cheapest": "cheaper|cheapest|less expensive|least expensive|lowest price|lowest fare|best price|cheaper one",
        "earliest": "earlier|earliest|earlier flight|earlier one|leaves first|leaves earliest",
        "latest": "later|latest|later flight|later one|last flight|leaves last|leaves latest",
        "yes": (
            "yes|yeah|yep|yup|sure|of course|okay|ok|correct|right|absolutely|"
            "please|go ahead|i would|i do|definitely|that's right|exactly|try again"
        ),
        "no": "no|nope|nah|not really|no way|not now|wrong|neither",
        "new_search": (
            "another|another flight|another one|new search|different flight|one more|"
            "now|also|how about|what about a flight|next search"
        ),
        "start_over": "start over|start again|begin again|restart|from scratch",
        # wants to book what was found (this line finds flights; a person books them)
        "book": (
            "book|book it|book that|book this|booking|reserve it|reserve that|make a reservation|"
            "i'll take|i will take|i'll go with|i will go with|purchase|buy it|buy that|buy the ticket"
        ),
        # asks for a human (transfer_call)
        "transfer": (
            "talk to a person|speak to a person|talk to someone|speak to someone|a real person|"
            "a human|talk to a human|speak to a human|an agent|talk to an agent|speak to an agent|"
            "a live agent|an operator|the operator|a representative|customer service|"
            "talk to a person please|transfer me|put me through"
        ),
        # words that carry nothing: greetings, hesitations, acknowledgements
        "greeting": (
            "hi|hello|hey|hiya|hi there|hello there|hey there|good morning|good afternoon|"
            "good evening|greetings|howdy|yes hello"
        ),
        "hesitation": "um|uh|uhm|umm|er|erm|ah|hmm|mm|mhm|uh huh|eh",
        # what a listener says to show they follow, while the bot talks (a backchannel)
        "backchannel": "mm hmm|mm-hmm|mhmm|mhm|mm|hmm|uh huh|uh-huh|okay|ok|yeah|yes|yep|yup|right|sure|alright|all right|i see|got it|go on|great|cool",
        # what asks the bot to stop talking (a real interruption, even when nothing else is understood)
        "halt": "wait|stop|hold on|hang on|one moment|one second|just a moment|just a second|excuse me|pause|cancel|quiet",
        "please": "please",
        "ack": "okay|ok|so|well|alright|all right|right|yeah|yes|thanks|thank you|great|cool|fine|sure|oh|"
               "thank you very much|thank you so much|thanks a lot|thanks so much|many thanks|"
               "much appreciated|appreciate it|perfect|cheers",
        # request filler stripped around place names
        "filler": (
            "i|we|me|us|my|our|i'd|we'd|i'm|we're|would|like|want|wanna|need|needs|have|"
            "looking|look|for|a|an|the|one|flight|flights|ticket|tickets|trip|book|booking|find|"
            "search|get|fly|flying|travel|travelling|traveling|go|going|can|could|you|please|"
            "just|only|to|be|is|it|that|this|actually|and|also|then|there|check|price|prices|"
            "thank|thanks|cheap|cheapest|best|some|any|let's|let|see|show|tell|about|what|how|oh|"
            "one-way|one way|round trip|round-trip|return trip|now|another|instead|sorry|no|not|i meant|meant|i mean|"
            "excuse me|my bad|oops|there|here|over there|where"
        ),
        # place markers
        "from": "from|out of|outta|leaving from|leaving|departing from|departing|starting from|flying out of|fly out of|based in",
        "to": "to|into|going to|heading to|bound for|arriving in|arriving at|landing in|destination is|destination|be in",
        "home_in": "i live in|we live in|i'm in|i am in|we're in|we are in|i'm based in|i am based in|i'm here in",  # an origin when a sure place follows
        "visit": "visit|visiting|see|seeing|meet|meeting|stay with|staying with|spend christmas with|join",
        "visit_in": "in",  # "to visit my mom in Boston": the destination when a sure place follows
        "between": "between",  # "between Chicago and Denver": from the first to the second
        "range_to": "to|through|thru|until|till",  # "from Friday to Sunday": the return day
        "return": (
            "returning|returning on|return on|return|coming back|come back|coming home|"
            "back on|back in|flying back|fly back|get back|back home|and back"
        ),
        # words that end a place name (plus weekdays, months, markers, numbers)
        "stop": (
            "on|next|this|coming|tomorrow|today|tonight|in|within|for|with|and|at|around|"
            "by|before|after|leaving|departing|returning|please|business|economy|premium|first|"
            "class|nonstop|non-stop|direct|adult|adults|child|children|kid|kids|passenger|"
            "passengers|people|person|persons|of|day|week|weeks|days|month|morning|afternoon|"
            "evening|night|round|one-way|asap|soon|later|then|but|or|so|is|are|am|was|i|we|"
            "would|want|need|like|can|could"
        ),
        "weekdays": "monday|tuesday|wednesday|thursday|friday|saturday|sunday|weekend",
        "months": (
            "january|february|march|april|may|june|july|august|september|october|november|"
            "december|jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|nov|dec"
        ),
        "date_words": (
            "on|the|of|next|this|coming|tomorrow|today|tonight|day|after|in|days|weeks|week|"
            "month|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|"
            "twelfth|thirteenth|fourteenth|fifteenth|sixteenth|seventeenth|eighteenth|"
            "nineteenth|twentieth|thirtieth|twenty|thirty|st|nd|rd|th|morning|evening|afternoon"
        ),
        # date phrases that are always in the past (when the date parser finds nothing)
        "past_words": "yesterday|last week|last month|the day before yesterday|ago",
        # options
        "cabin_premium_economy": "premium economy|premium",
        "cabin_business": "business class|business",
        "cabin_first": "first class",
        "cabin_economy": "economy class|economy|coach",
        "nonstop": "nonstop|non-stop|non stop|nonstops|direct|direct flight|direct flights|no stops|no layovers|no layover|without stops|without a layover|no connections|no connecting flights",
        "adults": "adult|adults|grown up|grown ups|grown-up|grown-ups|grownups",
        "children": "child|children|kid|kids|infant|infants|baby|babies|son|daughter",
        "passengers": "passenger|passengers|people|persons|person|travelers|travellers|tickets|seats|of us",
        "one": "a|an|one|single",
        "for_count": "for|for all|party of|group of|family of",  # "business class for 2"
        "round_trip": "round trip|round-trip|return trip|return ticket|return flight|there and back",
        "one_way": "one way|one-way",
        "numbers": (
            "zero|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
            "a couple|couple|both|all"
        ),
        "cabin_words": "business|economy|premium|first|class|coach",
        # answers to "is X where you are flying from, or where you are going?"
        "origin_words": "from|leaving|departing|origin|start|starting|out of|home|i live|live there|fly out",
        "destination_words": "to|going|destination|heading|headed|arriving|visit|visiting|go there|fly there",
        # a party the caller lists by name ("my husband, me and our baby"): the caller as a member, possessives,
        # "and"; adult companions and children, singular; "too" after someone added to the party
        "party_me": "me|i|myself",
        "party_possessive": "my|our|his|her|their",
        "party_and": "and|plus",
        "companions": "wife|husband|partner|girlfriend|boyfriend|fiance|fiancé|fiancee|fiancée|friend|colleague|coworker|mom|mum|mother|dad|father|brother|sister|boss|grandmother|grandfather|grandma|grandpa|aunt|uncle",
        "child": "baby|kid|child|infant|toddler|son|daughter",
        "also": "too|also|as well",
        "party_with": "with|along with|together with|accompanied by",
        "party_with_me": "with me|along|along with me",
        "correction": "no|no wait|wait|sorry|no sorry|i mean|i meant|actually|or rather|rather|make that|scratch that|let me correct that",  # "the 14th, no wait, the 15th": what follows replaces
        "alone": "just me|only me|it's just me|just going to be me|only going to be me|just myself|only myself|by myself|on my own|alone|just one person|only one person|just the one person",  # the caller travels alone: a party of one
        "retry": "try again|try it again|give it another shot|give it another try|another try|one more try|have another go|retry",  # yes to "shall I try again?" after a failed search
    },
    "es": {
        "goodbye": "adiós|adios|hasta luego|hasta pronto|chao|chau|eso es todo|nada más|nada mas|no gracias|ya está|ya esta|cuelgo|terminar la llamada|que tenga un buen día|que tenga buen día|cuídese|cuidese",
        "repeat": "repita|repítalo|repitalo|repetir|puede repetir|otra vez|cómo dice|como dice|qué ha dicho|que ha dicho|no le he oído|no le oí|perdón qué",
        "repeat_alone": "qué|que|cómo|como|perdón|perdon|eh",
        # a question about the flights just read out (the rule brain reads them again)
        "results_question": "cuánto|cuanto|cuánto cuesta|cuanto cuesta|a qué hora|a que hora|qué aerolínea|que aerolinea|qué compañía|que compañia|cuánto dura|cuanto dura",
        # after results, asks of the flights found: the ones not read yet, the cheapest, the earliest, the latest
        "other_options": "otras opciones|las otras|los otros|las demás|las demas|los demás|los demas|más opciones|mas opciones|qué más hay|que mas hay|el resto|otra opción|otra opcion|más vuelos|mas vuelos|otros vuelos",
        "cheapest": "más barato|mas barato|más barata|mas barata|más económico|mas economico|más económica|mas economica|precio más bajo|precio mas bajo|cueste menos",
        "earliest": "más temprano|mas temprano|más pronto|mas pronto|salga antes|sale antes",
        "latest": "más tarde|mas tarde|el último|el ultimo|salga después|salga despues|sale después|sale despues",
        "yes": "sí|si|claro|vale|de acuerdo|por supuesto|exacto|correcto|eso es|adelante|sí por favor|sí gracias|inténtelo|intentelo",
        "no": "no|no gracias|para nada|ninguno|tampoco|incorrecto",
        "new_search": "otro|otro vuelo|otra búsqueda|otra busqueda|nueva búsqueda|nueva busqueda|ahora|también|tambien|y qué tal|y que tal",
        "start_over": "empezar de nuevo|volver a empezar|desde el principio|empecemos de nuevo",
        "book": "reservar|reservarlo|reservarla|resérvelo|reservelo|hacer una reserva|comprar|comprarlo|me quedo con",
        "transfer": "hablar con una persona|hablar con alguien|una persona real|un agente|hablar con un agente|un operador|una operadora|un humano|atención al cliente|atencion al cliente|pásame con|pasame con|páseme con|paseme con",
        "greeting": "hola|buenas|buenos días|buenos dias|buenas tardes|buenas noches|qué tal|que tal|oiga|diga|hola buenas",
        "hesitation": "eh|em|mm|mmm|hmm|este|pues|bueno|ah",
        # what a listener says to show they follow, while the bot talks (a backchannel)
        "backchannel": "ajá|aja|a-ha|ah ha|aha|mm-hmm|sí|si|vale|claro|ya|mhmm|mhm|mm|ok|okay|de acuerdo|bueno|vale vale|sí sí|si si|entiendo|perfecto",
        # what asks the bot to stop talking (a real interruption, even when nothing else is understood)
        "halt": "espera|espere|esperá|para|pare|alto|un momento|momento|un segundo|perdón|perdon|disculpa|disculpe|cancela|cancelar",
        "please": "por favor|porfa",
        "ack": "vale|bueno|bien|muy bien|gracias|muchas gracias|muchísimas gracias|muchisimas gracias|mil gracias|perfecto|genial|claro|sí|si|de acuerdo|ok|okay|pues",
        "filler": (
            "yo|me|mi|nos|quiero|quisiera|querría|queria|necesito|necesitamos|quería|queremos|busco|buscar|"
            "buscamos|reservar|un|una|el|la|los|las|vuelo|vuelos|billete|billetes|pasaje|pasajes|viaje|volar|"
            "viajar|ir|salir|por favor|favor|por|puede|podría|podria|usted|me gustaría|me gustaria|gustaría|"
            "gustaria|es|que|y|también|tambien|entonces|ahora|otro|otra|lo|barato|más barato|mas barato|"
            "de ida|solo ida|ida y vuelta|gracias|no|sí|si|hola|eh|pues|bueno|en|vale|claro|sigamos|hablar|español|espanol|"
            "perdón|perdon|disculpa|disculpe|lo siento|quería decir|queria decir|quise decir|aló|alo|mira|oiga|"
            "buenos días|buenos dias|buenas tardes|buenas noches|buenas|ahí|ahi|allí|alli|allá|alla|aquí|aqui|"
            "acá|aca|donde|dónde|adonde|adónde|voy|vamos"
        ),
        "from": "de|desde|del|saliendo de|salgo de|con salida de|partiendo de|salida desde",
        "to": "a|al|hacia|hasta|para|con destino a|rumbo a|con llegada a|destino",
        "home_in": "vivo en|vivimos en|estoy en|estamos en",
        "visit": "visitar|visitando|ver a|reunirme con|pasar la navidad con",
        "visit_in": "en",
        "between": "entre",
        "range_to": "al|hasta el|hasta|a",
        "return": "vuelta|volver|volviendo|vuelvo|regreso|regresar|regresando|de vuelta|y volver|volver el",
        "stop": (
            "el|en|próximo|proximo|próxima|proxima|que|viene|este|esta|mañana|manana|hoy|pasado|y|con|"
            "por|favor|clase|turista|business|primera|directo|directos|sin|escalas|adulto|adultos|niño|niños|"
            "nino|ninos|pasajero|pasajeros|personas|persona|día|dia|días|dias|semana|semanas|mes|de la|"
            "noche|tarde|ida|vuelta|quiero|necesito|o|pero|es|para el|dentro|salgo|salida|salir|saliendo"
        ),
        "weekdays": "lunes|martes|miércoles|miercoles|jueves|viernes|sábado|sabado|domingo|fin de semana",
        "months": "enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre",
        "date_words": (
            "el|de|del|próximo|proximo|próxima|proxima|que|viene|este|esta|mañana|manana|hoy|pasado|día|dia|"
            "días|dias|semana|semanas|mes|dentro|primero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|"
            "once|doce|trece|catorce|quince|veinte|treinta|por|la|tarde|noche"
        ),
        "past_words": "ayer|anteayer|la semana pasada|el mes pasado|hace",
        "cabin_premium_economy": "turista premium|premium economy|premium",
        "cabin_business": "clase business|business|ejecutiva|clase ejecutiva|preferente",
        "cabin_first": "primera clase|en primera",
        "cabin_economy": "clase turista|turista|económica|economica|clase económica",
        "nonstop": "directo|directos|directa|vuelo directo|vuelos directos|sin escalas|sin escala|sin paradas|sin conexiones",
        "adults": "adulto|adultos|mayores",
        "children": "niño|niños|nino|ninos|niña|niñas|hijo|hijos|hija|bebé|bebe|bebés|menores",
        "passengers": "pasajero|pasajeros|personas|persona|billetes|plazas|asientos",
        "one": "un|una|uno",
        "for_count": "para|somos|seremos",
        "round_trip": "ida y vuelta|de ida y vuelta",
        "one_way": "solo de ida|sólo de ida|solo ida|sólo ida|ida solamente|de ida",
        "numbers": "cero|uno|una|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|diez|ambos|todos",
        "cabin_words": "business|turista|primera|clase|premium|ejecutiva|preferente",
        "origin_words": "origen|desde|de ahí salgo|salgo|salida|vivo|salir",
        "destination_words": "destino|hacia|voy|ir|llegar|llegada|visitar",
        # a party the caller lists by name ("my husband, me and our baby"): the caller as a member, possessives,
        # "and"; adult companions and children, singular; "too" after someone added to the party
        "party_me": "yo",
        "party_possessive": "mi|mis|nuestro|nuestra|nuestros|nuestras|su|sus",
        "party_and": "y|e",
        "companions": "esposa|esposo|mujer|marido|pareja|novia|novio|amigo|amiga|madre|padre|mamá|mama|papá|papa|hermano|hermana|compañero|compañera|companero|companera|jefe|jefa|abuela|abuelo|tía|tío|tia|tio|suegra|suegro",
        "child": "bebé|bebe|niño|niña|nino|nina|nene|nena|hijo|hija",
        "also": "también|tambien",
        "party_with": "con|junto con|acompañado de|acompañada de",
        "party_with_me": "conmigo",
        "correction": "no|perdón|perdon|digo|quiero decir|quise decir|mejor dicho|o sea|espera|espere|mejor",
        "alone": "yo solo|yo sola|solo yo|sólo yo|viajo solo|viajo sola|voy solo|voy sola|iré solo|iré sola|ire solo|ire sola|solo una persona|sólo una persona",
        "retry": "inténtelo|intentelo|inténtalo|intentalo|vuelva a intentarlo|vuelve a intentarlo|inténtelo otra vez|pruebe otra vez|prueba otra vez|pruebe de nuevo|prueba de nuevo",
    },
    "fr": {
        "goodbye": "au revoir|à plus tard|a plus tard|salut|bonne journée|bonne journee|c'est tout|ce sera tout|non merci|rien d'autre|à bientôt|a bientot|raccrocher",
        "repeat": "répétez|repetez|répéter|repeter|pouvez-vous répéter|encore une fois|vous pouvez répéter|qu'avez-vous dit|je n'ai pas entendu",
        "repeat_alone": "quoi|comment|pardon|hein|euh",
        # a question about the flights just read out (the rule brain reads them again)
        "results_question": "combien|ça coûte combien|ca coute combien|à quelle heure|a quelle heure|quelle compagnie|quel prix|combien de temps",
        # after results, asks of the flights found: the ones not read yet, the cheapest, the earliest, the latest
        "other_options": "autres options|les autres|d'autres options|plus d'options|le reste|quoi d'autre|d'autres vols|autres vols|une autre option",
        "cheapest": "moins cher|moins chère|moins chere|le moins cher|moins coûteux|moins couteux|meilleur prix|prix le plus bas",
        "earliest": "plus tôt|plus tot|le plus tôt|le plus tot|part en premier",
        "latest": "plus tard|le plus tard|le dernier|part en dernier",
        "yes": "oui|ouais|bien sûr|bien sur|d'accord|exactement|c'est ça|c'est ca|volontiers|allez-y|oui merci|oui s'il vous plaît|réessayez",
        "no": "non|non merci|pas du tout|aucun|ni l'un ni l'autre",
        "new_search": "un autre|un autre vol|une autre|nouvelle recherche|maintenant|aussi|et pour",
        "start_over": "recommencer|on recommence|depuis le début|tout recommencer",
        "book": "réserver|reserver|réservez|reservez|réservation|reservation|acheter|je prends|je vais prendre",
        "transfer": "parler à une personne|parler a une personne|parler à quelqu'un|parler a quelqu'un|une vraie personne|un agent|parler à un agent|parler a un agent|un conseiller|une conseillère|un opérateur|un operateur|un humain|service client",
        "greeting": "bonjour|bonsoir|salut|allô|allo|bonjour madame|bonjour monsieur",
        "hesitation": "euh|heu|hum|bah|ben|mmh|hmm",
        # what a listener says to show they follow, while the bot talks (a backchannel)
        "backchannel": "d'accord|oui|ouais|mhmm|mhm|mm|ok|okay|ah oui|je vois|bien sûr|bien sur|voilà|voila|entendu|très bien|tres bien",
        # what asks the bot to stop talking (a real interruption, even when nothing else is understood)
        "halt": "attendez|attends|attendre|arrêtez|arrête|arretez|arrete|stop|un instant|un moment|une seconde|pardon|excusez-moi|excusez moi|excuse-moi|excuse moi|annulez|annule",
        "please": "s'il vous plaît|s'il vous plait|s'il te plaît|s'il te plait",
        "ack": "d'accord|bon|bien|très bien|tres bien|merci|merci beaucoup|parfait|super|ok|okay|oui|alors|ah",
        "filler": (
            "je|j'ai|nous|moi|mon|ma|voudrais|voudrions|veux|aimerais|besoin|cherche|chercher|réserver|reserver|"
            "un|une|le|la|les|l'|vol|vols|billet|billets|voyage|voler|partir|aller|s'il|vous|plaît|plait|"
            "s'il vous plaît|pouvez|pourriez|est-ce|que|et|aussi|alors|maintenant|autre|pas cher|moins cher|"
            "aller simple|aller-retour|merci|non|oui|bonjour|euh|bon|d'accord|en|français|francais|parler|continuer|"
            "pardon|désolé|desole|désolée|desolee|excusez-moi|je voulais dire|voulais dire|allô|allo|voulais|"
            "bonsoir|là|là-bas|la-bas|ici|où|ou|vais|allons"
        ),
        "from": "de|depuis|du|des|au départ de|au depart de|en partant de|partant de|en provenance de",
        "to": "à|vers|pour|jusqu'à|en direction de|destination",
        "home_in": "j'habite à|j'habite a|j'habite en|j'habite|nous habitons à|je vis à|je suis à|nous sommes à",
        "visit": "rendre visite|voir|visiter|retrouver|rejoindre",
        "visit_in": "à|a|en",
        "between": "entre",
        "range_to": "au|jusqu'au|jusqu au|à|a",
        "return": "retour|revenir|rentrer|je reviens|je rentre|et retour|le retour|revenant",
        "stop": (
            "le|prochain|prochaine|ce|cette|demain|aujourd'hui|après-demain|et|avec|en|classe|économique|"
            "economique|affaires|première|premiere|direct|sans|escale|adulte|adultes|enfant|enfants|passager|"
            "passagers|personnes|personne|jour|jours|semaine|semaines|mois|matin|soir|après-midi|dans|s'il|"
            "vous|plaît|plait|ou|mais|je|voudrais|veux|pour le|qui|vient|départ|depart|aller|partir|je pars"
        ),
        "weekdays": "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|week-end|weekend",
        "months": "janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre",
        "date_words": (
            "le|du|de|prochain|prochaine|ce|cette|demain|aujourd'hui|après-demain|jour|jours|semaine|semaines|"
            "mois|dans|premier|un|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|onze|douze|treize|quatorze|"
            "quinze|seize|vingt|trente|matin|soir|qui|vient"
        ),
        "past_words": "hier|avant-hier|la semaine dernière|le mois dernier|il y a",
        "cabin_premium_economy": "premium économique|premium economique|premium",
        "cabin_business": "classe affaires|affaires|business|classe d'affaires|d'affaires|classe business",
        "cabin_first": "première classe|premiere classe|en première",
        "cabin_economy": "classe économique|économique|economique|classe éco",
        "nonstop": "direct|directs|directe|vol direct|vols directs|sans escale|sans escales|sans correspondance|sans changement",
        "adults": "adulte|adultes",
        "children": "enfant|enfants|bébé|bebe|bébés|fils|fille",
        "passengers": "passager|passagers|personnes|personne|billets|places|sièges",
        "one": "un|une",
        "for_count": "pour|nous sommes|nous serons|on est|on sera",
        "round_trip": "aller-retour|aller retour|aller et retour",
        "one_way": "aller simple|aller-simple|juste l'aller|seulement l'aller|l'aller seulement|l'aller seul",
        "numbers": "zéro|zero|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix|tous",
        "cabin_words": "affaires|économique|economique|première|classe|premium|business",
        "origin_words": "départ|depart|de là|j'habite|partir|je pars|origine",
        "destination_words": "destination|aller|je vais|arrivée|arrivee|visiter|vers",
        # a party the caller lists by name ("my husband, me and our baby"): the caller as a member, possessives,
        # "and"; adult companions and children, singular; "too" after someone added to the party
        "party_me": "moi",
        "party_possessive": "mon|ma|mes|notre|nos|son|sa|ses",
        "party_and": "et",
        "companions": "femme|mari|épouse|époux|epouse|epoux|compagne|compagnon|copine|copain|ami|amie|mère|père|mere|pere|frère|sœur|soeur|frere|collègue|collegue|partenaire|grand-mère|grand-père|grand-mere|grand-pere|tante|oncle",
        "child": "bébé|bebe|enfant|fils|fille",
        "also": "aussi|également|egalement",
        "party_with": "avec|accompagné de|accompagnée de",
        "party_with_me": "avec moi",
        "correction": "non|pardon|plutôt|plutot|je veux dire|je voulais dire|enfin|attendez|attends|ou plutôt|ou plutot",
        "alone": "tout seul|toute seule|je voyage seul|je voyage seule|je pars seul|je pars seule|je serai seul|je serai seule|juste moi|moi seul|moi seule|une seule personne|seul finalement|seule finalement",
        "retry": "réessayez|reessayez|réessayer|reessayer|essayez encore|essayez à nouveau|essayez a nouveau|recommencez",
    },
    "de": {
        "goodbye": "auf wiederhören|bis später|bis spater|auf wiederhoren|auf wiedersehen|tschüss|tschuss|ciao|das wars|das war's|das ist alles|nein danke|sonst nichts|auflegen|schönen tag noch|schonen tag noch|schönen tag|einen schönen tag",
        "repeat": "wiederholen|noch einmal|nochmal|wie bitte|was haben sie gesagt|können sie das wiederholen|ich habe das nicht gehört",
        "repeat_alone": "was|wie|bitte|hä|äh",
        # a question about the flights just read out (the rule brain reads them again)
        "results_question": "wie viel|wieviel|was kostet|um wie viel uhr|welche airline|welche fluggesellschaft|wie lange|wann geht",
        # after results, asks of the flights found: the ones not read yet, the cheapest, the earliest, the latest
        "other_options": "andere optionen|die anderen|weitere optionen|mehr optionen|die restlichen|der rest|was gibt es noch|andere flüge|andere fluge|weitere flüge|weitere fluge|noch eine option",
        "cheapest": "günstiger|gunstiger|günstigere|gunstigere|günstigeres|gunstigeres|günstigeren|gunstigeren|billiger|billigere|billigeres|billigeren|günstigste|gunstigste|günstigsten|gunstigsten|billigste|billigsten|preiswerter|preiswertere|preiswerteres|preiswerteste|preiswertesten",
        "earliest": "früher|fruher|frühere|fruhere|früheres|fruheres|früheren|fruheren|früheste|fruheste|frühesten|fruhesten",
        "latest": "später|spater|spätere|spatere|späteres|spateres|späteren|spateren|späteste|spateste|spätesten|spatesten|letzte|letzten",
        "yes": "ja|jawohl|klar|genau|gern|gerne|sicher|natürlich|naturlich|richtig|okay|ok|ja bitte|ja gerne|versuchen sie es",
        "no": "nein|nee|nö|keine|auf keinen fall|falsch|weder noch",
        "new_search": "noch einen|noch einen flug|einen anderen|neue suche|jetzt|auch|und wie wäre es",
        "start_over": "von vorne|neu anfangen|noch mal von vorne|von anfang an",
        "book": "buchen|buche|buchung|reservieren|kaufen|ich nehme",
        "transfer": "mit einer person sprechen|mit einem menschen sprechen|mit jemandem sprechen|einen menschen sprechen|einen mitarbeiter|eine mitarbeiterin|mit einem mitarbeiter|einen agenten|einen berater|kundendienst|kundenservice|verbinden sie mich",
        "greeting": "hallo|guten tag|guten morgen|guten abend|grüß gott|gruss gott|servus|moin|hallo guten tag",
        "hesitation": "äh|ähm|ehm|hm|hmm|mh|öh",
        # what a listener says to show they follow, while the bot talks (a backchannel)
        "backchannel": "genau|ja|mhmm|mhm|mm|okay|ok|achso|ach so|alles klar|gut|stimmt|aha|verstehe|ja ja|richtig",
        # what asks the bot to stop talking (a real interruption, even when nothing else is understood)
        "halt": "warte|warten sie|wartet|moment|einen moment|moment mal|halt|stopp|stop|sekunde|eine sekunde|entschuldigung|hören sie auf|hör auf|abbrechen",
        "please": "bitte|bitte schön",
        "ack": "okay|ok|gut|also|ja|danke|danke schön|danke sehr|vielen dank|herzlichen dank|super|prima|alles klar|schön|na",
        "filler": (
            "ich|wir|mir|uns|möchte|mochte|möchten|will|wollen|würde|wurde|gern|gerne|brauche|brauchen|suche|"
            "suchen|buchen|einen|eine|ein|den|die|das|der|flug|flüge|fluge|ticket|tickets|reise|fliegen|reisen|"
            "bitte|können|konnen|sie|mal|dann|auch|jetzt|noch|billig|günstig|gunstig|hin und zurück|"
            "nur hinflug|danke|nein|ja|hallo|äh|also|okay|auf|deutsch|sprechen|weiter|zu|"
            "entschuldigung|entschuldigen sie|verzeihung|sorry|tut mir leid|ich meinte|meinte|ich meine|"
            "hätte|hatte|hätten|hatten|gerne|wollte|wollten|guten tag|dort|dorthin|dahin|hier|wo|wohin"
        ),
        "from": "von|ab|aus|vom|abflug von|abflug ab|startend in",
        "to": "nach|zum|zur|bis|bis nach|in richtung|ziel",
        "home_in": "ich wohne in|wir wohnen in|ich lebe in|ich bin in|wir sind in",
        "visit": "besuchen|besuche|besucht|treffen|sehen",
        "visit_in": "in",
        "between": "zwischen",
        "range_to": "bis zum|bis am|bis|zum",
        "return": "zurück|zuruck|rückflug|ruckflug|zurückfliegen|zurückkommen|und zurück|retour",
        "stop": (
            "am|nächsten|nachsten|nächste|nachste|kommenden|diesen|diese|morgen|heute|übermorgen|und|mit|in|"
            "klasse|economy|business|first|premium|direkt|direktflug|ohne|umsteigen|erwachsene|erwachsenen|"
            "erwachsener|kind|kinder|passagier|passagiere|personen|person|tag|tage|tagen|woche|wochen|monat|"
            "vormittag|nachmittag|abend|bitte|oder|aber|ich|fliegen|möchte|um|im|für|fur|den|hin|hinflug|abflug"
        ),
        "weekdays": "montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonnabend|sonntag|wochenende",
        "months": "januar|jänner|februar|märz|marz|maerz|april|mai|juni|juli|august|september|oktober|november|dezember",
        "date_words": (
            "am|den|dem|der|nächsten|nachsten|nächste|kommenden|diesen|morgen|heute|übermorgen|tag|tage|tagen|"
            "woche|wochen|monat|in|ersten|zweiten|dritten|vierten|fünften|ein|eins|zwei|drei|vier|fünf|sechs|"
            "sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vormittag|nachmittag|abend"
        ),
        "past_words": "gestern|vorgestern|letzte woche|letzten monat|vor",
        "cabin_premium_economy": "premium economy|premium",
        "cabin_business": "business class|businessklasse|business",
        "cabin_first": "erste klasse|first class",
        "cabin_economy": "economy|economy class|touristenklasse|holzklasse",
        "nonstop": "direkt|direktflug|direktflüge|direktfluege|direktflügen|direktverbindung|direkte|direkten|nonstop|ohne umsteigen|ohne umstieg|ohne zwischenstopp|ohne zwischenlandung",
        "adults": "erwachsene|erwachsenen|erwachsener",
        "children": "kind|kinder|kindern|baby|babys|sohn|tochter",
        "passengers": "passagier|passagiere|personen|person|tickets|plätze|platze|leute",
        "one": "ein|eine|einen|einer",
        "for_count": "für|fur|zu|wir sind",
        "round_trip": "hin und zurück|hin und zuruck|hin- und rückflug|hin und rückflug|hin und ruckflug|mit rückflug",
        "one_way": "nur hinflug|einfacher flug|einfache strecke|one way|nur einfach|nur hin|nur den hinflug",
        "numbers": "null|eins|ein|eine|zwei|drei|vier|fünf|funf|sechs|sieben|acht|neun|zehn|beide|alle",
        "cabin_words": "business|economy|premium|first|klasse|erste",
        "origin_words": "abflug|von dort|ich wohne|wohne|start|starten|abflugort|ab",
        "destination_words": "ziel|nach|hin|reisen|besuchen|ankunft",
        # a party the caller lists by name ("my husband, me and our baby"): the caller as a member, possessives,
        # "and"; adult companions and children, singular; "too" after someone added to the party
        "party_me": "ich|mich|mir",
        "party_possessive": "mein|meine|meinen|meinem|meiner|unser|unsere|unseren|unserem|unserer|sein|seine|seinen|seinem|ihr|ihre|ihren|ihrem",
        "party_and": "und",
        "companions": "frau|mann|ehefrau|ehemann|partnerin|partner|freundin|freund|mutter|vater|bruder|schwester|kollegin|kollege|oma|opa|tante|onkel",
        "child": "baby|kind|sohn|tochter",
        "also": "auch",
        "party_with": "mit|zusammen mit",
        "party_with_me": "mit mir|kommt mit|kommen mit|fliegt mit|fliegen mit|reist mit|reisen mit|kommt doch mit|kommen doch mit|kommt auch mit|kommen auch mit",
        "correction": "nein|nee|quatsch|ich meine|ich meinte|lieber|sorry|pardon|warte|moment|besser gesagt|oder besser",
        "alone": "allein|alleine|nur ich|nur für mich|nur fur mich|nur eine person",
        "retry": "nochmal versuchen|noch einmal versuchen|versuchen sie es|versuchen sie es nochmal|versuch es nochmal|erneut versuchen",
    },
    "it": {
        "goodbye": "arrivederci|ciao|a presto|a più tardi|a piu tardi|è tutto|e tutto|basta così|basta cosi|no grazie|nient'altro|niente altro|buona giornata|riattaccare|a posto così|a posto cosi|sono a posto|siamo a posto",
        "repeat": "ripeta|ripetere|può ripetere|puo ripetere|di nuovo|ancora una volta|come ha detto|cosa ha detto|non ho sentito",
        "repeat_alone": "cosa|come|scusi|eh|prego",
        # a question about the flights just read out (the rule brain reads them again)
        "results_question": "quanto|quanto costa|a che ora|quale compagnia|quanto dura",
        # after results, asks of the flights found: the ones not read yet, the cheapest, the earliest, the latest
        "other_options": "altre opzioni|le altre|gli altri|più opzioni|piu opzioni|il resto|cos'altro|cosa altro|altri voli|un'altra opzione|altre soluzioni",
        "cheapest": "più economico|piu economico|più economica|piu economica|meno caro|meno cara|prezzo più basso|prezzo piu basso|costa meno",
        "earliest": "più presto|piu presto|parte prima|che parte prima|più presto possibile",
        "latest": "più tardi|piu tardi|l'ultimo|parte dopo|che parte dopo|parte più tardi",
        "yes": "sì|si|certo|certamente|va bene|d'accordo|esatto|giusto|volentieri|prego|sì grazie|riprovi|proceda",
        "no": "no|no grazie|per niente|nessuno|né l'uno né l'altro",
        "new_search": "un altro|un altro volo|un'altra|nuova ricerca|adesso|ora|anche|e invece",
        "start_over": "ricominciare|ricominciamo|da capo|dall'inizio",
        "book": "prenotare|prenota|prenotarlo|prenotazione|comprare|prendo",
        "transfer": "parlare con una persona|parlare con qualcuno|una persona vera|un operatore|un'operatrice|un operatrice|parlare con un operatore|un agente|un essere umano|servizio clienti|mi passi",
        "greeting": "buongiorno|buonasera|ciao|salve|pronto|buondì",
        "hesitation": "ehm|eh|mmm|mm|hmm|beh|allora",
        # what a listener says to show they follow, while the bot talks (a backchannel)
        "backchannel": "certo|sì|si|ok|okay|va bene|mhmm|mhm|mm|esatto|giusto|ho capito|capito|perfetto|ah sì|ah si|d'accordo",
        # what asks the bot to stop talking (a real interruption, even when nothing else is understood)
        "halt": "aspetta|aspetti|aspettate|fermati|si fermi|ferma|stop|un momento|un attimo|momento|attimo|scusa|scusi|annulla",
        "please": "per favore|per piacere|prego",
        "ack": "va bene|bene|ok|okay|grazie|grazie mille|perfetto|ottimo|sì|si|allora|d'accordo|certo",
        "filler": (
            "io|noi|mi|ci|vorrei|vorremmo|voglio|ho bisogno|cerco|cercare|prenotare|un|una|uno|il|lo|la|i|gli|le|"
            "volo|voli|biglietto|biglietti|viaggio|volare|partire|andare|per favore|favore|può|puo|potrebbe|"
            "lei|anche|poi|adesso|ora|altro|economico|solo andata|andata e ritorno|grazie|no|sì|si|"
            "buongiorno|ehm|allora|bene|in|italiano|parlare|continuare|"
            "scusi|scusa|scusate|mi scusi|intendevo|volevo dire|volevo|volevamo|vorremo|pronto|senta|ecco|"
            "lì|li|là|qui|qua|dove|vado|andiamo"
        ),
        "from": "da|dal|dalla|dall'|partendo da|in partenza da|con partenza da",
        "to": "a|ad|per|verso|fino a|al|alla|con destinazione|destinazione",
        "home_in": "abito a|abito in|vivo a|vivo in|abitiamo a|sono a|siamo a",
        "visit": "visitare|trovare|vedere|raggiungere",
        "visit_in": "a|in",
        "between": "tra|fra",
        "range_to": "al|fino al|a",
        "return": "ritorno|tornare|ritornare|rientro|tornando|torno|e ritorno|al ritorno",
        "stop": (
            "il|prossimo|prossima|questo|questa|domani|oggi|dopodomani|e|con|in|classe|economica|business|"
            "prima|diretto|senza|scali|adulto|adulti|bambino|bambini|passeggero|passeggeri|persone|persona|"
            "giorno|giorni|settimana|settimane|mese|mattina|pomeriggio|sera|per favore|favore|o|ma|vorrei|"
            "tra|fra|di|che|viene|andata|partenza|parto"
        ),
        "weekdays": "lunedì|lunedi|martedì|martedi|mercoledì|mercoledi|giovedì|giovedi|venerdì|venerdi|sabato|domenica|fine settimana|weekend",
        "months": "gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre",
        "date_words": (
            "il|del|di|prossimo|prossima|questo|questa|domani|oggi|dopodomani|giorno|giorni|settimana|"
            "settimane|mese|tra|fra|primo|uno|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|undici|dodici|"
            "venti|trenta|mattina|sera|pomeriggio|che|viene"
        ),
        "past_words": "ieri|l'altro ieri|la settimana scorsa|il mese scorso|fa",
        "cabin_premium_economy": "premium economy|premium",
        "cabin_business": "business class|classe business|business",
        "cabin_first": "prima classe|in prima",
        "cabin_economy": "classe economica|economica|economy",
        "nonstop": "diretto|diretti|diretta|volo diretto|voli diretti|senza scali|senza scalo|senza cambi",
        "adults": "adulto|adulti",
        "children": "bambino|bambini|bambina|bambine|figlio|figli|figlia|neonato|neonati",
        "passengers": "passeggero|passeggeri|persone|persona|biglietti|posti",
        "one": "un|uno|una",
        "for_count": "per|siamo in|saremo in",
        "round_trip": "andata e ritorno|andata ritorno",
        "one_way": "sola andata|solo andata|solo l'andata",
        "numbers": "zero|uno|una|due|tre|quattro|cinque|sei|sette|otto|nove|dieci|entrambi|tutti",
        "cabin_words": "business|economica|premium|prima|classe|economy",
        "origin_words": "partenza|parto|da lì|abito|vivo|origine|partire",
        "destination_words": "destinazione|andare|vado|arrivo|visitare|verso",
        # a party the caller lists by name ("my husband, me and our baby"): the caller as a member, possessives,
        # "and"; adult companions and children, singular; "too" after someone added to the party
        "party_me": "io|me",
        "party_possessive": "mio|mia|miei|mie|nostro|nostra|nostri|nostre|suo|sua|suoi|sue|il mio|la mia|i miei|le mie|il nostro|la nostra|i nostri|le nostre|il suo|la sua|i suoi|le sue|lo mio|lo nostro|lo suo",
        "party_and": "e|ed",
        "companions": "moglie|marito|compagna|compagno|fidanzata|fidanzato|amica|amico|madre|padre|mamma|papà|papa|fratello|sorella|collega|nonna|nonno|zia|zio|suocera|suocero",
        "child": "bambino|bambina|neonato|neonata|figlio|figlia",
        "also": "anche",
        "party_with": "con|insieme a|insieme con",
        "party_with_me": "con me|insieme a me",
        "correction": "no|anzi|scusa|scusi|volevo dire|cioè|cioe|aspetta|aspetti|meglio|pardon",
        "alone": "da solo|da sola|solo io|soltanto io|vado solo|vado sola|una persona sola|solo una persona",
        "retry": "riprova|riprovi|riprovare|prova ancora|provi ancora|prova di nuovo|provi di nuovo",
    },
    "pt": {
        "goodbye": "adeus|tchau|até logo|ate logo|até mais tarde|ate mais tarde|até à próxima|é tudo|e tudo|só isso|so isso|não obrigado|nao obrigado|mais nada|desligar|tenha um bom dia|bom dia para si|até mais|ate mais|está ótimo obrigado|está ótimo obrigada|esta otimo obrigado|esta otimo obrigada|está bom assim|esta bom assim",
        "repeat": "repita|repetir|pode repetir|outra vez|mais uma vez|como disse|o que disse|não ouvi|nao ouvi",
        "repeat_alone": "o quê|o que|quê|como|desculpe|hã|ah",
        # a question about the flights just read out (the rule brain reads them again)
        "results_question": "quanto|quanto custa|quanto é|quanto e|a que horas|qual companhia|quanto tempo",
        # after results, asks of the flights found: the ones not read yet, the cheapest, the earliest, the latest
        "other_options": "outras opções|outras opcoes|as outras|os outros|mais opções|mais opcoes|o resto|que mais|outros voos|outra opção|outra opcao|mais voos",
        "cheapest": "mais barato|mais barata|mais em conta|menor preço|menor preco|mais econômico|mais economico|mais econômica|mais economica",
        "earliest": "mais cedo|o mais cedo|que sai antes|sai antes|saia antes",
        "latest": "mais tarde|o mais tarde|o último|o ultimo|sai depois|saia depois",
        "yes": "sim|claro|certo|está bem|esta bem|tá bem|ta bem|de acordo|exato|exatamente|com certeza|pode ser|sim obrigado|tente outra vez",
        "no": "não|nao|de jeito nenhum|nenhum|nem um nem outro",
        "new_search": "outro|outro voo|outra pesquisa|nova pesquisa|agora|também|tambem|e que tal",
        "start_over": "começar de novo|comecar de novo|recomeçar|recomecar|do início|do inicio",
        "book": "reservar|reservá-lo|reserva-lo|fazer uma reserva|marcar|marcar um voo|comprar|fico com",
        "transfer": "falar com uma pessoa|falar com alguém|falar com alguem|uma pessoa real|um agente|falar com um agente|um operador|uma operadora|um humano|atendimento ao cliente|um atendente|uma atendente",
        "greeting": "olá|ola|oi|bom dia|boa tarde|boa noite|alô|alo|estou",
        "hesitation": "hum|hmm|ah|é|eh|ahn|pois|bem",
        # what a listener says to show they follow, while the bot talks (a backchannel)
        "backchannel": "sim|certo|tá|ta|ok|okay|pois|pois é|pois e|entendi|mhmm|mhm|mm|claro|hum|está bem|esta bem|sei",
        # what asks the bot to stop talking (a real interruption, even when nothing else is understood)
        "halt": "espera aí|espera ai|espere aí|espere ai|peraí|perai|espera|espere|para|pare|um momento|momento|um segundo|desculpa|desculpe|com licença|com licenca|cancela|cancelar",
        "please": "por favor",
        "ack": "está bem|esta bem|tá|ta|ok|okay|bem|obrigado|obrigada|muito obrigado|muito obrigada|perfeito|ótimo|otimo|sim|pois|então|entao|certo",
        "filler": (
            "eu|nós|nos|me|meu|minha|quero|queria|queríamos|gostaria|preciso|precisamos|procuro|procurar|"
            "reservar|marcar|um|uma|o|a|os|as|voo|voos|bilhete|bilhetes|passagem|passagens|viagem|voar|viajar|ir|"
            "partir|por favor|favor|pode|poderia|você|voce|também|tambem|então|entao|agora|outro|barato|"
            "só ida|so ida|ida e volta|obrigado|não|nao|sim|olá|ola|bem|pois|em|português|portugues|falar|continuar|"
            "desculpe|desculpa|perdão|perdao|queria dizer|quis dizer|alô|alo|olha|bom dia|boa tarde|boa noite|"
            "lá|aí|ai|ali|aqui|cá|onde|vou|vamos|vai"
        ),
        "from": "de|desde|do|da|saindo de|partindo de|com partida de|a partir de",
        "to": "para|pra|a|ao|até|ate|com destino a|destino",
        "home_in": "moro em|moro no|moro na|moramos em|vivo em|vivo no|vivo na|estou em|estamos em",
        "visit": "visitar|ver|encontrar",
        "visit_in": "em|no|na",
        "between": "entre",
        "range_to": "até ao|até o|até|ate|ao|a",
        "return": "volta|voltar|regresso|regressar|voltando|e volta|de volta",
        "stop": (
            "na|no|próxima|proxima|próximo|proximo|esta|este|amanhã|amanha|hoje|depois|e|com|em|classe|"
            "económica|economica|executiva|primeira|direto|sem|escalas|adulto|adultos|criança|crianças|"
            "crianca|criancas|passageiro|passageiros|pessoas|pessoa|dia|dias|semana|semanas|mês|mes|manhã|"
            "tarde|noite|por|favor|ou|mas|quero|que|vem|ida|partida|saio|parto"
        ),
        "weekdays": (
            "segunda|segunda-feira|terça|terca|terça-feira|terca-feira|quarta|quarta-feira|quinta|"
            "quinta-feira|sexta|sexta-feira|sábado|sabado|domingo|fim de semana"
        ),
        "months": "janeiro|fevereiro|março|marco|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro",
        "date_words": (
            "na|no|de|do|próxima|proxima|próximo|proximo|esta|este|amanhã|amanha|hoje|depois|dia|dias|semana|"
            "semanas|mês|mes|daqui|primeiro|um|dois|três|tres|quatro|cinco|seis|sete|oito|nove|dez|onze|doze|"
            "vinte|trinta|manhã|tarde|noite|que|vem|feira"
        ),
        "past_words": "ontem|anteontem|semana passada|mês passado|mes passado|há",
        "cabin_premium_economy": "económica premium|economica premium|premium",
        "cabin_business": "classe executiva|executiva|business",
        "cabin_first": "primeira classe|em primeira",
        "cabin_economy": "classe económica|classe economica|económica|economica|turística",
        "nonstop": "direto|diretos|direta|voo direto|voos diretos|sem escalas|sem escala|sem paradas|sem conexão|sem conexões|sem conexao|sem conexoes",
        "adults": "adulto|adultos",
        "children": "criança|crianças|crianca|criancas|filho|filhos|filha|filhas|bebé|bebê|bebe|bebés",
        "passengers": "passageiro|passageiros|pessoas|pessoa|bilhetes|lugares",
        "one": "um|uma",
        "for_count": "para|somos|seremos",
        "round_trip": "ida e volta|de ida e volta|ir e voltar|ida e regresso",
        "one_way": "só de ida|so de ida|somente ida|só ida|apenas ida",
        "numbers": "zero|um|uma|dois|duas|três|tres|quatro|cinco|seis|sete|oito|nove|dez|ambos|todos",
        "cabin_words": "executiva|económica|economica|primeira|classe|premium|business",
        "origin_words": "origem|partida|saio|parto|moro|vivo|de lá|sair",
        "destination_words": "destino|ir|vou|chegada|visitar|para lá",
        # a party the caller lists by name ("my husband, me and our baby"): the caller as a member, possessives,
        # "and"; adult companions and children, singular; "too" after someone added to the party
        "party_me": "eu|mim",
        "party_possessive": "meu|minha|meus|minhas|nosso|nossa|nossos|nossas|seu|sua|seus|suas|o meu|a minha|os meus|as minhas|o nosso|a nossa|os nossos|as nossas|o seu|a sua|os seus|as suas",
        "party_and": "e",
        "companions": "esposa|esposo|mulher|marido|namorada|namorado|companheira|companheiro|amiga|amigo|mãe|mae|pai|irmão|irmã|irmao|irma|colega|avô|avó|avo|tia|tio|sogra|sogro",
        "child": "bebê|bebé|bebe|criança|crianca|filho|filha",
        "also": "também|tambem",
        "party_with": "com|junto com|acompanhado de|acompanhada de",
        "party_with_me": "comigo|junto comigo",
        "correction": "não|nao|aliás|alias|digo|quer dizer|quero dizer|desculpa|desculpe|perdão|perdao|ou melhor|melhor|espera",
        "alone": "sozinho|sozinha|só eu|so eu|apenas eu|só para mim|so para mim|só uma pessoa|so uma pessoa|apenas uma pessoa",
        "retry": "tente de novo|tente outra vez|tentar outra vez|tentar de novo|pode tentar|tenta de novo|tenta outra vez",
    },}


@lru_cache(maxsize=1024)
def _keywords(language: str, key: str) -> tuple[str, ...]:
    row = KEYWORDS.get(language, {})
    raw = row.get(key) or KEYWORDS[DEFAULT_LANGUAGE].get(key, "")
    words = {w.strip().lower() for w in raw.split("|") if w.strip()}
    return tuple(sorted(words, key=lambda w: (-len(w), w)))


def keywords(language: str | None, key: str) -> list[str]:
    """Alternatives of keyword list ``key`` for ``language`` (English fallback), longest first.

    ``language`` is any code :func:`flights.languages.normalize_language` accepts ("es", "es-ES");
    an unsupported one reads English. An unknown ``key`` gives ``[]``.
    """
    return list(_keywords(normalize_language(language) or DEFAULT_LANGUAGE, key))


__all__ = ["DEFAULT_LANGUAGE", "KEYWORDS", "keywords"]
