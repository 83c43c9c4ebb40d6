"""Spoken place phrases labelled with the codes a resolver may answer: accuracy in
``tests/test_flights_places.py``, speed in ``bench/flight_search.py``."""

# (phrase, acceptable best codes)
LABELLED: list[tuple[str, set[str]]] = [
    ("JFK", {"JFK"}), ("j f k", {"JFK"}), ("L.A.X.", {"LAX"}), ("jay eff kay", {"JFK"}),
    ("NYC", {"NYC"}), ("LON", {"LON"}), ("PAR", {"PAR"}), ("TYO", {"TYO"}), ("CHI", {"CHI"}),
    ("WAS", {"WAS"}), ("MIL", {"MIL"}), ("ROM", {"ROM"}), ("SAO", {"SAO"}), ("BJS", {"BJS"}),
    ("SEL", {"SEL"}), ("OSA", {"OSA"}), ("MOW", {"MOW"}), ("STO", {"STO"}), ("BUE", {"BUE"}),
    ("RIO", {"RIO"}), ("YTO", {"YTO"}), ("YMQ", {"YMQ", "YUL"}),
    ("New York", {"NYC"}), ("Paris", {"PAR"}), ("Chicago", {"CHI"}), ("Boston", {"BOS"}),
    ("San Francisco", {"SFO"}), ("to Boston", {"BOS"}), ("from London Heathrow airport", {"LHR"}),
    ("Heathrow", {"LHR"}), ("Charles de Gaulle", {"CDG"}), ("O'Hare", {"ORD"}), ("Chicago O Hare", {"ORD"}),
    ("Logan", {"BOS"}), ("the airport Logan", {"BOS"}), ("Narita", {"NRT"}), ("Newark", {"EWR"}),
    ("Londres", {"LON"}), ("Londra", {"LON"}), ("München", {"MUC"}), ("Munich", {"MUC"}),
    ("Nueva York", {"NYC"}), ("Nova Iorque", {"NYC"}), ("Pékin", {"BJS"}), ("Roma", {"ROM"}),
    ("Lisboa", {"LIS"}), ("Lisbonne", {"LIS"}), ("Colonia", {"CGN"}), ("Ginebra", {"GVA"}),
    ("Chicaco", {"CHI"}), ("Bostin", {"BOS"}), ("Frankfort", {"FRA"}), ("Vancuver", {"YVR"}),
    ("Filadelfia", {"PHL"}), ("Istanbul", {"IST"}), ("Dallas", {"DFW"}), ("Tokyo", {"TYO"}),
    ("Portland", {"PDX", "PWM"}), ("San Jose", {"SJC", "SJO"}),
]
