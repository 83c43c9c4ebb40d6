"""Curated airport reference data shared by the resolver, the timetable and speech.

``airportsdata`` lists every airstrip in the world; a voice caller almost always means a large
commercial airport. This module therefore holds:

* ``BUSIEST_AIRPORTS`` — IATA codes of roughly the world's 300 busiest passenger airports,
  ordered approximately by annual passengers (busiest first). The first 100 are the set the
  shipped sample timetable guarantees to connect (direct or one stop).
* ``EXTRA_AIRPORTS`` — a few smaller commercial airports kept searchable because callers name
  them and because they make real ambiguities (Portland ME vs OR, San José CR vs CA).
* ``METROS`` — IATA city/metro codes ("NYC", "LON", ...) with their major airports.
* ``CITY_OVERRIDES`` / ``AIRPORT_SPOKEN_NAMES`` — the city a caller would say when airportsdata
  names a suburb ("Mississauga" → "Toronto"), and short spoken airport names.
* ``LOCALIZED_CITY_NAMES`` — city names in the other supported languages ("LON" → "Londres").

Helpers: :func:`airport` (airportsdata record or ``None``), :func:`city_of`, :func:`distance_km`,
:func:`tz_of`. All data loads lazily once per process.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import airportsdata

# Approximate ACI ranking (2023/2024 passengers). Order matters: index = rank.
_BUSIEST = """
ATL DXB DFW LHR HND DEN IST LAX ORD DEL CDG JFK CAN PVG AMS MAD FRA SIN ICN PEK
BOM LAS MCO CLT SZX MIA CTU SEA CGK BKK MEX EWR SFO PHX IAH DOH BOS YYZ HKG BCN
FCO MUC LGW KUL MNL SYD MSP DTW JED RUH BLR SVO SAW ORY LGA FLL KMG CKG XIY HGH
NRT SHA PKX MEL DMK BOG GRU SGN HAN CAI TPE DCA SLC AUS SAN PHL IAD BNA TPA LIS
CUN DUB ZRH CPH OSL ARN VIE MAN HYD MAA CCU ATH BRU MXP JNB TLV KIX AYT YVR GMP
BER PMI AGP STN NKG WUH CSX XMN TAO CTS FUK OKA BWI MDW HNL DAL STL PDX RDU MCI
SJC OAK SMF SNA IND CLE CMH MSY PIT SAT RSW CVG BUR ABQ JAX ONT YUL YYC SJU GIG
BSB CGH VCP CNF SSA REC POA FOR LIM SCL EZE AEP MDE CTG UIO PTY SJO GDL MTY TIJ
SDQ HAV ADD NBO LOS CMN JNB CPT DUR ALG TUN HRG SSH AMM BAH KWI MCT AUH SHJ DMM
MED IKA THR ISB LHE KHI DAC CMB KTM MLE COK AMD GOI PNQ TRV BKK HKT CNX DPS SUB
KNO PEN BKI CEB DVO CXR DAD SGN RGN PNH REP HKG MFM KHH TSA ITM NGO SDJ CJU PUS
TAE BNE PER ADL CBR OOL AKL CHC WLG NAN PPT HEL RIX WAW KRK PRG BUD OTP SOF BEG
ZAG LJU ATH SKG HER RHO LCA TLV IST ESB ADB DLM BJV LED DME VKO AER KZN SVX OVB
GVA BSL LYS MRS NCE TLS BOD NTE HAM DUS CGN STR HAJ NUE LEJ EDI GLA BHX BRS LTN
LPL NCL BFS ORK SNN KEF BGO TRD GOT BLL AAR EIN RTM BRU CRL LUX OPO FAO FNC PDL
LPA TFS TFN ACE FUE IBZ MAH ALC VLC SVQ BIO SCQ VGO LIN BGY VCE NAP CTA PMO BLQ
FLR PSA TRN CAG BRI OLB MLA TIA SKP TBS EVN GYD ALA NQZ TAS FRU DYU ULN
"""

_EXTRA = """
PWM BTV ALB BDL PVD SYR ROC BUF RIC ORF CHS SAV MYR GSP BHM MEM OKC TUL OMA DSM MKE GRR
BOI GEG ANC ELP TUS RNO PSP SBA FAT KOA OGG LIH YOW YHZ YEG YWG MBJ NAS AUA PUJ SXM BGI
POS GUA SAL MGA TGU BZE LPB VVI ASU MVD CUZ CCS HOU LCY YTZ SDU CIA HLP TSA BMA OKD RKV
SDF LIT LGB TYS ICT PBI SRQ PNS COS EYW BTR LEX MDT ABE BZN JAC MSN CRP FSD LBB MAF MFE MSO
YQB YLW YXE FLN CWB IGU SLZ JPA CGR BPS
LIL MPL SXB BIQ RNS AJA BIA BES GOA VRN SUF BDS TSF PSR RMI AOI GRX SDR OVD ZAZ GRO RMU XRY LEI
SZG INN GRZ LNZ BRN LUG DRS BRE DTM FMO FDH PAD LGG SPU DBV ZAD CFU CHQ JMK JTR ZTH BTS
RAK AGA FEZ TNG DJE MIR ORN DSS ABJ FDF PTP CAY NOU MRU TNR DLA LBV LFW COO BKO OUA FIH LAD MPM
MAO BEL MCZ GYN CGB THE AJU CLO BAQ BGA PEI SMR ADZ AQP GYE COR MDZ BRC ROS CBB
PVR SJD MID OAX BJX QRO CZM ACA HUX CUL CUU HMO VSA TGZ POP LRM
"""


def _dedupe(text: str) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for code in text.split():
        seen.setdefault(code, None)
    return tuple(seen)


BUSIEST_AIRPORTS: tuple[str, ...] = tuple(c for c in _dedupe(_BUSIEST) if c not in {"PNH", "REP", "FRU"})
"""IATA codes, busiest first (~300)."""

EXTRA_AIRPORTS: tuple[str, ...] = tuple(c for c in _dedupe(_EXTRA) if c not in BUSIEST_AIRPORTS)

#: metro code -> (spoken city name, ISO country, major airports, busiest first)
METROS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "NYC": ("New York", "US", ("JFK", "EWR", "LGA")),
    "LON": ("London", "GB", ("LHR", "LGW", "STN", "LTN", "LCY")),
    "PAR": ("Paris", "FR", ("CDG", "ORY")),
    "TYO": ("Tokyo", "JP", ("HND", "NRT")),
    "CHI": ("Chicago", "US", ("ORD", "MDW")),
    "WAS": ("Washington", "US", ("IAD", "DCA", "BWI")),
    "MIL": ("Milan", "IT", ("MXP", "LIN", "BGY")),
    "ROM": ("Rome", "IT", ("FCO", "CIA")),
    "SAO": ("Sao Paulo", "BR", ("GRU", "CGH", "VCP")),
    "BJS": ("Beijing", "CN", ("PEK", "PKX")),
    "SEL": ("Seoul", "KR", ("ICN", "GMP")),
    "OSA": ("Osaka", "JP", ("KIX", "ITM")),
    "MOW": ("Moscow", "RU", ("SVO", "DME", "VKO")),
    "STO": ("Stockholm", "SE", ("ARN", "BMA")),
    "BUE": ("Buenos Aires", "AR", ("EZE", "AEP")),
    "RIO": ("Rio de Janeiro", "BR", ("GIG", "SDU")),
    "YTO": ("Toronto", "CA", ("YYZ", "YTZ")),
    "YMQ": ("Montreal", "CA", ("YUL",)),
    "YEA": ("Edmonton", "CA", ("YEG",)),
    "DTT": ("Detroit", "US", ("DTW",)),
    "DFW": ("Dallas", "US", ("DFW", "DAL")),
    "HOU": ("Houston", "US", ("IAH", "HOU")),
    "BER": ("Berlin", "DE", ("BER",)),
    "BUH": ("Bucharest", "RO", ("OTP",)),
    "JKT": ("Jakarta", "ID", ("CGK", "HLP")),
    "REK": ("Reykjavik", "IS", ("KEF", "RKV")),
    "SPK": ("Sapporo", "JP", ("CTS", "OKD")),
    "TPE": ("Taipei", "TW", ("TPE", "TSA")),
    "THR": ("Tehran", "IR", ("IKA", "THR")),
    "SHA": ("Shanghai", "CN", ("PVG", "SHA")),
    "IST": ("Istanbul", "TR", ("IST", "SAW")),
    "BKK": ("Bangkok", "TH", ("BKK", "DMK")),
    "MEL": ("Melbourne", "AU", ("MEL",)),
    "JNB": ("Johannesburg", "ZA", ("JNB",)),
    "OSL": ("Oslo", "NO", ("OSL",)),
    "BRU": ("Brussels", "BE", ("BRU", "CRL")),
}
"""IATA metro (city) codes. Some equal an airport code (IST, BKK, SHA, HOU, DFW, OSL, BRU, MEL,
JNB, TPE, THR): as a search origin/destination such a code covers all the metro's airports; a
typed code resolves to the airport, the spoken city name to the metro."""

# City a caller would say, when airportsdata's ``city`` is a suburb or a transliteration.
CITY_OVERRIDES: dict[str, str] = {
    "YYZ": "Toronto", "YUL": "Montreal", "YVR": "Vancouver", "YYC": "Calgary", "EWR": "Newark",
    "DFW": "Dallas", "DAL": "Dallas", "IAH": "Houston", "HOU": "Houston", "MSP": "Minneapolis",
    "DTW": "Detroit", "SEA": "Seattle", "FLL": "Fort Lauderdale", "CVG": "Cincinnati",
    "BWI": "Baltimore", "IAD": "Washington", "DCA": "Washington", "ONT": "Ontario",
    "SNA": "Santa Ana", "SRQ": "Sarasota", "MFE": "McAllen", "JAC": "Jackson Hole",
    "IGU": "Foz do Iguaçu", "FLN": "Florianópolis", "SLZ": "São Luís", "JPA": "João Pessoa", "SJC": "San Jose", "SFO": "San Francisco", "OAK": "Oakland",
    "LGW": "London", "STN": "London", "LTN": "London", "LCY": "London", "LHR": "London",
    "CDG": "Paris", "ORY": "Paris", "BVA": "Paris", "NRT": "Tokyo", "HND": "Tokyo",
    "KIX": "Osaka", "ITM": "Osaka", "ICN": "Seoul", "GMP": "Seoul", "PEK": "Beijing",
    "PKX": "Beijing", "PVG": "Shanghai", "SHA": "Shanghai", "CAN": "Guangzhou",
    "SZX": "Shenzhen", "CTU": "Chengdu", "TFU": "Chengdu", "BOM": "Mumbai", "DEL": "Delhi",
    "BLR": "Bangalore", "MAA": "Chennai", "CCU": "Kolkata", "HYD": "Hyderabad", "COK": "Kochi",
    "GRU": "Sao Paulo", "CGH": "Sao Paulo", "VCP": "Campinas", "GIG": "Rio de Janeiro",
    "SDU": "Rio de Janeiro", "CNF": "Belo Horizonte", "EZE": "Buenos Aires",
    "AEP": "Buenos Aires", "MXP": "Milan", "LIN": "Milan", "BGY": "Bergamo", "FCO": "Rome",
    "CIA": "Rome", "SVO": "Moscow", "DME": "Moscow", "VKO": "Moscow", "ARN": "Stockholm",
    "BMA": "Stockholm", "SAW": "Istanbul", "IST": "Istanbul", "DMK": "Bangkok",
    "BKK": "Bangkok", "CGK": "Jakarta", "KUL": "Kuala Lumpur", "MNL": "Manila",
    "SGN": "Ho Chi Minh City", "HAN": "Hanoi", "TPE": "Taipei", "TSA": "Taipei",
    "HKG": "Hong Kong", "MFM": "Macau", "DXB": "Dubai", "AUH": "Abu Dhabi", "DOH": "Doha",
    "IKA": "Tehran", "THR": "Tehran", "AMS": "Amsterdam", "FRA": "Frankfurt", "MUC": "Munich",
    "ZRH": "Zurich", "GVA": "Geneva", "BSL": "Basel", "VIE": "Vienna", "CPH": "Copenhagen",
    "OSL": "Oslo", "HEL": "Helsinki", "DUB": "Dublin", "BRU": "Brussels", "CRL": "Brussels",
    "MAD": "Madrid", "BCN": "Barcelona", "LIS": "Lisbon", "ATH": "Athens", "PRG": "Prague",
    "WAW": "Warsaw", "BUD": "Budapest", "OTP": "Bucharest", "BER": "Berlin", "CGN": "Cologne",
    "DUS": "Dusseldorf", "NUE": "Nuremberg", "HAJ": "Hanover", "LED": "Saint Petersburg",
    "KEF": "Reykjavik", "TLV": "Tel Aviv", "CAI": "Cairo", "JNB": "Johannesburg",
    "CPT": "Cape Town", "NBO": "Nairobi", "ADD": "Addis Ababa", "LOS": "Lagos",
    "CMN": "Casablanca", "SYD": "Sydney", "MEL": "Melbourne", "BNE": "Brisbane", "PER": "Perth",
    "AKL": "Auckland", "MEX": "Mexico City", "CUN": "Cancun", "BOG": "Bogota", "LIM": "Lima",
    "SCL": "Santiago", "PTY": "Panama City", "SJO": "San Jose", "SJU": "San Juan",
    "HNL": "Honolulu", "DEN": "Denver", "ATL": "Atlanta", "ORD": "Chicago", "MDW": "Chicago",
    "LAX": "Los Angeles", "JFK": "New York", "LGA": "New York", "MCO": "Orlando",
    "SLC": "Salt Lake City", "RDU": "Raleigh", "MSY": "New Orleans", "PIT": "Pittsburgh",
    "CLT": "Charlotte", "BOS": "Boston", "PHL": "Philadelphia", "MIA": "Miami",
    "STL": "Saint Louis", "MCI": "Kansas City", "PDX": "Portland", "PWM": "Portland",
    "RSW": "Fort Myers", "BUR": "Burbank", "SMF": "Sacramento", "DPS": "Denpasar",
    "HKT": "Phuket", "CNX": "Chiang Mai", "AYT": "Antalya", "PMI": "Palma de Mallorca",
    "AGP": "Malaga", "TFS": "Tenerife", "TFN": "Tenerife", "LPA": "Gran Canaria",
    "FUE": "Fuerteventura", "ACE": "Lanzarote", "EDI": "Edinburgh", "MAN": "Manchester",
    "CTS": "Sapporo", "FUK": "Fukuoka", "OKA": "Okinawa", "NGO": "Nagoya", "CJU": "Jeju",
    "PUS": "Busan", "KHH": "Kaohsiung", "JED": "Jeddah", "RUH": "Riyadh", "DMM": "Dammam",
    "MED": "Medina", "KWI": "Kuwait City", "BAH": "Bahrain", "MCT": "Muscat",
    "SHJ": "Sharjah", "ISB": "Islamabad", "LHE": "Lahore", "KHI": "Karachi", "DAC": "Dhaka",
    "CMB": "Colombo", "KTM": "Kathmandu", "MLE": "Male", "YOW": "Ottawa", "YHZ": "Halifax",
    "YEG": "Edmonton", "YWG": "Winnipeg", "NAS": "Nassau", "MBJ": "Montego Bay",
    "PUJ": "Punta Cana", "SDQ": "Santo Domingo", "HAV": "Havana", "GDL": "Guadalajara",
    "MTY": "Monterrey", "TIJ": "Tijuana", "MDE": "Medellin", "CTG": "Cartagena",
    "UIO": "Quito", "GYD": "Baku", "ALA": "Almaty", "NQZ": "Astana", "TAS": "Tashkent",
    "TBS": "Tbilisi", "EVN": "Yerevan", "ULN": "Ulaanbaatar", "DYU": "Dushanbe",
    "FRU": "Bishkek", "BSB": "Brasilia", "SSA": "Salvador", "REC": "Recife",
    "POA": "Porto Alegre", "FOR": "Fortaleza", "OPO": "Porto", "FAO": "Faro",
    "FNC": "Funchal", "PDL": "Ponta Delgada", "NCE": "Nice", "MRS": "Marseille",
    "LYS": "Lyon", "TLS": "Toulouse", "BOD": "Bordeaux", "NTE": "Nantes", "AAR": "Aarhus",
    "BLL": "Billund", "GOT": "Gothenburg", "BGO": "Bergen", "TRD": "Trondheim",
    "EIN": "Eindhoven", "RTM": "Rotterdam", "LUX": "Luxembourg", "VCE": "Venice",
    "NAP": "Naples", "CTA": "Catania", "PMO": "Palermo", "BLQ": "Bologna", "FLR": "Florence",
    "PSA": "Pisa", "TRN": "Turin", "CAG": "Cagliari", "BRI": "Bari", "OLB": "Olbia",
    "MLA": "Malta", "TIA": "Tirana", "SKP": "Skopje", "ZAG": "Zagreb", "LJU": "Ljubljana",
    "BEG": "Belgrade", "SOF": "Sofia", "RIX": "Riga", "KRK": "Krakow", "SKG": "Thessaloniki",
    "HER": "Heraklion", "RHO": "Rhodes", "LCA": "Larnaca", "ESB": "Ankara", "ADB": "Izmir",
    "DLM": "Dalaman", "BJV": "Bodrum", "AER": "Sochi", "KZN": "Kazan",
    "SVX": "Yekaterinburg", "OVB": "Novosibirsk", "HAM": "Hamburg", "STR": "Stuttgart",
    "LEJ": "Leipzig", "GLA": "Glasgow", "BHX": "Birmingham", "BRS": "Bristol",
    "LPL": "Liverpool", "NCL": "Newcastle", "BFS": "Belfast", "ORK": "Cork", "SNN": "Shannon",
    "IBZ": "Ibiza", "MAH": "Menorca", "ALC": "Alicante", "VLC": "Valencia", "SVQ": "Seville",
    "BIO": "Bilbao", "SCQ": "Santiago de Compostela", "VGO": "Vigo", "HRG": "Hurghada",
    "SSH": "Sharm el-Sheikh", "ALG": "Algiers", "TUN": "Tunis", "AMM": "Amman", "DUR": "Durban",
    "OOL": "Gold Coast", "CBR": "Canberra", "ADL": "Adelaide", "CHC": "Christchurch",
    "WLG": "Wellington", "NAN": "Nadi", "PPT": "Papeete", "PEN": "Penang",
    "BKI": "Kota Kinabalu", "CEB": "Cebu", "DVO": "Davao", "CXR": "Nha Trang",
    "DAD": "Da Nang", "RGN": "Yangon", "PNH": "Phnom Penh", "REP": "Siem Reap",
    "KNO": "Medan", "SUB": "Surabaya", "SDJ": "Sendai", "TAE": "Daegu", "GOI": "Goa",
    "PNQ": "Pune", "AMD": "Ahmedabad", "TRV": "Thiruvananthapuram", "KMG": "Kunming",
    "CKG": "Chongqing", "XIY": "Xi'an", "HGH": "Hangzhou", "NKG": "Nanjing", "WUH": "Wuhan",
    "CSX": "Changsha", "XMN": "Xiamen", "TAO": "Qingdao", "LAS": "Las Vegas",
    "PHX": "Phoenix", "SAN": "San Diego", "TPA": "Tampa", "BNA": "Nashville", "AUS": "Austin",
    "SAT": "San Antonio", "IND": "Indianapolis", "CLE": "Cleveland", "CMH": "Columbus",
    "ABQ": "Albuquerque", "JAX": "Jacksonville", "GUA": "Guatemala City",
    "SAL": "San Salvador", "MGA": "Managua", "TGU": "Tegucigalpa", "BZE": "Belize City",
    "LPB": "La Paz", "VVI": "Santa Cruz", "ASU": "Asuncion", "MVD": "Montevideo",
    "CUZ": "Cusco", "CCS": "Caracas", "POS": "Port of Spain", "BGI": "Bridgetown",
    "AUA": "Aruba", "SXM": "Sint Maarten", "KOA": "Kona", "OGG": "Maui", "LIH": "Kauai",
    "ANC": "Anchorage", "ELP": "El Paso", "TUS": "Tucson", "RNO": "Reno",
    "PSP": "Palm Springs", "SBA": "Santa Barbara", "FAT": "Fresno", "BOI": "Boise",
    "GEG": "Spokane", "MKE": "Milwaukee", "GRR": "Grand Rapids", "OMA": "Omaha",
    "DSM": "Des Moines", "OKC": "Oklahoma City", "TUL": "Tulsa", "MEM": "Memphis",
    "BHM": "Birmingham", "GSP": "Greenville", "MYR": "Myrtle Beach", "SAV": "Savannah",
    "CHS": "Charleston", "ORF": "Norfolk", "RIC": "Richmond", "BUF": "Buffalo",
    "ROC": "Rochester", "SYR": "Syracuse", "PVD": "Providence", "BDL": "Hartford",
    "ALB": "Albany", "BTV": "Burlington",
    # smaller airports callers of the six languages name (airportsdata names a suburb or the airport)
    "LIL": "Lille", "BES": "Brest", "MPL": "Montpellier", "BIQ": "Biarritz", "RNS": "Rennes", "AJA": "Ajaccio",
    "BIA": "Bastia", "GOA": "Genoa", "SUF": "Lamezia Terme", "OVD": "Asturias", "RMU": "Murcia",
    "XRY": "Jerez", "LEI": "Almeria", "GRO": "Girona", "FMO": "Munster", "LGG": "Liege",
    "CFU": "Corfu", "CHQ": "Chania", "JMK": "Mykonos", "JTR": "Santorini", "ZTH": "Zakynthos",
    "FEZ": "Fez", "TNG": "Tangier", "DSS": "Dakar", "FDF": "Martinique",
    "PTP": "Guadeloupe", "CAY": "Cayenne", "NOU": "Noumea", "MRU": "Mauritius", "BKO": "Bamako",
    "LFW": "Lome", "BEL": "Belem", "MCZ": "Maceio", "GYN": "Goiania", "CGB": "Cuiaba",
    "ADZ": "San Andres", "COR": "Cordoba", "BRC": "Bariloche", "SJD": "Los Cabos", "MID": "Merida",
    "BJX": "Leon", "QRO": "Queretaro", "CUL": "Culiacan", "TGZ": "Tuxtla Gutierrez",
}

# Short names a caller would use for the airport itself (beyond the city name).
AIRPORT_SPOKEN_NAMES: dict[str, tuple[str, ...]] = {
    "LHR": ("Heathrow",), "LGW": ("Gatwick",), "STN": ("Stansted",), "LTN": ("Luton",),
    "LCY": ("London City",), "CDG": ("Charles de Gaulle", "Roissy"), "ORY": ("Orly",),
    "JFK": ("JFK", "Kennedy", "John F Kennedy"), "LGA": ("LaGuardia", "La Guardia"),
    "EWR": ("Newark Liberty",), "ORD": ("O'Hare", "O Hare", "Ohare"), "MDW": ("Midway",),
    "BOS": ("Logan",), "IAD": ("Dulles",), "DCA": ("Reagan National", "Reagan"),
    "BWI": ("Thurgood Marshall",), "IAH": ("Bush Intercontinental", "George Bush"),
    "HOU": ("Hobby",), "DFW": ("Dallas Fort Worth", "DFW"), "DAL": ("Love Field",),
    "ATL": ("Hartsfield Jackson", "Hartsfield"), "SEA": ("Sea-Tac", "Seatac"),
    "FCO": ("Fiumicino", "Leonardo da Vinci"), "CIA": ("Ciampino",), "MXP": ("Malpensa",),
    "LIN": ("Linate",), "BGY": ("Orio al Serio",), "HND": ("Haneda",), "NRT": ("Narita",),
    "KIX": ("Kansai",), "ITM": ("Itami",), "ICN": ("Incheon",), "GMP": ("Gimpo",),
    "PEK": ("Beijing Capital",), "PKX": ("Daxing",), "PVG": ("Pudong",), "SHA": ("Hongqiao",),
    "SVO": ("Sheremetyevo",), "DME": ("Domodedovo",), "VKO": ("Vnukovo",),
    "ARN": ("Arlanda",), "GRU": ("Guarulhos",), "CGH": ("Congonhas",), "VCP": ("Viracopos",),
    "GIG": ("Galeao",), "SDU": ("Santos Dumont",), "EZE": ("Ezeiza",),
    "AEP": ("Aeroparque", "Jorge Newbery"), "YYZ": ("Pearson",), "YTZ": ("Billy Bishop",),
    "YUL": ("Trudeau",), "MAD": ("Barajas",), "BCN": ("El Prat",), "AMS": ("Schiphol",),
    "MUC": ("Franz Josef Strauss",), "SAW": ("Sabiha Gokcen",), "CGK": ("Soekarno Hatta",),
    "BKK": ("Suvarnabhumi",), "DMK": ("Don Mueang",), "BOM": ("Chhatrapati Shivaji",),
    "DEL": ("Indira Gandhi",), "SIN": ("Changi",), "HKG": ("Chek Lap Kok",),
    "TPE": ("Taoyuan",), "TSA": ("Songshan",), "KEF": ("Keflavik",), "LAX": ("LAX",),
    "SFO": ("SFO",), "MSP": ("Minneapolis Saint Paul",), "DTW": ("Detroit Metro",),
    "SNA": ("John Wayne",), "FLL": ("Fort Lauderdale Hollywood",), "MEX": ("Benito Juarez",),
    "LIS": ("Humberto Delgado",), "DUB": ("Dublin Airport",), "CPH": ("Kastrup",),
    "OSL": ("Gardermoen",), "HEL": ("Vantaa",),
    "TLV": ("Ben Gurion",), "JNB": ("OR Tambo", "Tambo"), "NBO": ("Jomo Kenyatta",),
    "IST": ("Istanbul Airport",), "MAN": ("Manchester Airport",),
    "YQB": ("Quebec", "Ville de Quebec"), "PBI": ("Palm Beach",), "LIT": ("Clinton National",),
    "FDF": ("Fort-de-France",), "PTP": ("Pointe-a-Pitre",), "DSS": ("Blaise Diagne",),
    "RMU": ("Region de Murcia", "Corvera"), "SJD": ("San Jose del Cabo",),
    # names callers still use: Toulouse's airport; Berlin's two old ones (closed 2020, now BER)
    "TLS": ("Blagnac",), "BER": ("Brandenburg", "Willy Brandt", "Tegel", "Schonefeld", "Schoenefeld"),
}


LOCALIZED_CITY_NAMES: dict[str, dict[str, str]] = {
    "LON": {"es": "Londres", "fr": "Londres", "it": "Londra", "pt": "Londres"},
    "NYC": {"es": "Nueva York", "pt": "Nova Iorque"},
    "MUC": {"es": "Múnich", "de": "München", "it": "Monaco di Baviera", "pt": "Munique"},
    "BJS": {"es": "Pekín", "fr": "Pékin", "it": "Pechino", "pt": "Pequim", "de": "Peking"},
    "ROM": {"es": "Roma", "fr": "Rome", "de": "Rom", "it": "Roma", "pt": "Roma"},
    "LIS": {"es": "Lisboa", "fr": "Lisbonne", "de": "Lissabon", "it": "Lisbona", "pt": "Lisboa"},
    "CGN": {"es": "Colonia", "de": "Köln", "it": "Colonia", "pt": "Colônia"},
    "GVA": {"es": "Ginebra", "fr": "Genève", "de": "Genf", "it": "Ginevra", "pt": "Genebra"},
    "MIL": {"es": "Milán", "it": "Milano", "de": "Mailand", "pt": "Milão"},
    "VCE": {"es": "Venecia", "fr": "Venise", "de": "Venedig", "it": "Venezia", "pt": "Veneza"},
    "FLR": {"es": "Florencia", "de": "Florenz", "it": "Firenze", "pt": "Florença"},
    "NAP": {"es": "Nápoles", "fr": "Naples", "de": "Neapel", "it": "Napoli", "pt": "Nápoles"},
    "TRN": {"it": "Torino"},
    "ALG": {"es": "Argel", "fr": "Alger", "de": "Algier", "it": "Algeri", "pt": "Argel"},
    "BER": {"it": "Berlino", "pt": "Berlim"},
    "FRA": {"fr": "Francfort", "it": "Francoforte", "es": "Fráncfort"},
    "HAM": {"es": "Hamburgo", "fr": "Hambourg", "it": "Amburgo", "pt": "Hamburgo"},
    "VIE": {"es": "Viena", "fr": "Vienne", "de": "Wien", "pt": "Viena"},
    "ZRH": {"es": "Zúrich", "it": "Zurigo", "pt": "Zurique", "de": "Zürich"},
    "BCN": {"fr": "Barcelone", "it": "Barcellona"},
    "SVQ": {"es": "Sevilla", "it": "Siviglia", "pt": "Sevilha"},
    "BRU": {"es": "Bruselas", "fr": "Bruxelles", "de": "Brüssel", "it": "Bruxelles", "pt": "Bruxelas"},
    "CPH": {"es": "Copenhague", "fr": "Copenhague", "de": "Kopenhagen", "it": "Copenaghen", "pt": "Copenhaga"},
    "STO": {"es": "Estocolmo", "it": "Stoccolma", "pt": "Estocolmo"},
    "WAW": {"es": "Varsovia", "fr": "Varsovie", "de": "Warschau", "it": "Varsavia", "pt": "Varsóvia"},
    "PRG": {"es": "Praga", "de": "Prag", "it": "Praga", "pt": "Praga"},
    "ATH": {"es": "Atenas", "fr": "Athènes", "de": "Athen", "it": "Atene", "pt": "Atenas"},
    "MOW": {"es": "Moscú", "fr": "Moscou", "de": "Moskau", "it": "Mosca", "pt": "Moscovo"},
    "IST": {"es": "Estambul", "pt": "Istambul"},
    "DUB": {"es": "Dublín", "it": "Dublino"},
    "EDI": {"es": "Edimburgo", "fr": "Édimbourg", "it": "Edimburgo", "pt": "Edimburgo"},
    "MEX": {"es": "Ciudad de México", "fr": "Mexico", "de": "Mexiko-Stadt", "it": "Città del Messico",
            "pt": "Cidade do México"},
    "PHL": {"es": "Filadelfia", "fr": "Philadelphie", "it": "Filadelfia", "pt": "Filadélfia"},
    "TYO": {"es": "Tokio", "de": "Tokio", "pt": "Tóquio"},
    "SEL": {"es": "Seúl", "fr": "Séoul", "pt": "Seul"},
    "SIN": {"es": "Singapur", "fr": "Singapour", "de": "Singapur", "pt": "Singapura"},
    "CAI": {"es": "El Cairo", "fr": "Le Caire", "de": "Kairo", "it": "Il Cairo", "pt": "Cairo"},
    "DEL": {"es": "Nueva Delhi", "fr": "New Delhi", "de": "Neu-Delhi", "it": "Nuova Delhi", "pt": "Nova Deli"},
    "CPT": {"es": "Ciudad del Cabo", "fr": "Le Cap", "de": "Kapstadt", "it": "Città del Capo", "pt": "Cidade do Cabo"},
    "MSY": {"es": "Nueva Orleans", "fr": "La Nouvelle-Orléans", "pt": "Nova Orleans"},
    "SAO": {"pt": "São Paulo", "es": "São Paulo"},
    "HAV": {"es": "La Habana", "fr": "La Havane", "it": "L'Avana", "pt": "Havana"},
    "PAR": {"es": "París", "it": "Parigi"},
    "AMS": {"es": "Ámsterdam", "pt": "Amesterdão"},
    "MRS": {"es": "Marsella", "it": "Marsiglia", "pt": "Marselha"},
    "LYS": {"it": "Lione"},
    "NCE": {"es": "Niza", "it": "Nizza", "de": "Nizza"},
    "KRK": {"es": "Cracovia", "fr": "Cracovie", "de": "Krakau", "it": "Cracovia", "pt": "Cracóvia"},
    "BSL": {"fr": "Bâle", "it": "Basilea", "pt": "Basileia"},
    "NUE": {"es": "Núremberg", "fr": "Nuremberg", "de": "Nürnberg", "it": "Norimberga", "pt": "Nuremberga"},
    "OTP": {"es": "Bucarest", "fr": "Bucarest", "de": "Bukarest", "it": "Bucarest", "pt": "Bucareste"},
    "DXB": {"es": "Dubái"},
    "YUL": {"fr": "Montréal"},
    # accents that move the stress in espeak-ng ("Bogota" was read BO-go-ta)
    "CUN": {"es": "Cancún", "fr": "Cancún", "it": "Cancún", "pt": "Cancún"},
    "BOG": {"es": "Bogotá", "it": "Bogotà", "pt": "Bogotá"},
    "MDE": {"es": "Medellín", "fr": "Medellín", "it": "Medellín", "pt": "Medellín"},
    "PTY": {"es": "Ciudad de Panamá", "fr": "Panama", "it": "Panama", "pt": "Cidade do Panamá"},
    "BSB": {"pt": "Brasília", "es": "Brasilia"},
    "GOA": {"es": "Génova", "fr": "Gênes", "de": "Genua", "it": "Genova", "pt": "Génova"},
    "SZG": {"es": "Salzburgo", "fr": "Salzbourg", "it": "Salisburgo", "pt": "Salzburgo"},
    "BRN": {"es": "Berna", "fr": "Berne", "it": "Berna", "pt": "Berna"},
    "DRS": {"es": "Dresde", "fr": "Dresde", "it": "Dresda"},
    "BRE": {"fr": "Brême", "it": "Brema"},
    "FMO": {"de": "Münster"},
    "LGG": {"es": "Lieja", "fr": "Liège", "de": "Lüttich", "it": "Liegi", "pt": "Liège"},
    "SXB": {"es": "Estrasburgo", "de": "Straßburg", "it": "Strasburgo", "pt": "Estrasburgo"},
    "ZAZ": {"fr": "Saragosse", "it": "Saragozza"},
    "LEI": {"es": "Almería"},
    "CFU": {"es": "Corfú", "fr": "Corfou", "de": "Korfu", "it": "Corfù", "pt": "Corfu"},
    "JMK": {"es": "Míconos", "pt": "Míconos"},
    "ZTH": {"it": "Zante", "fr": "Zante"},
    "RAK": {"de": "Marrakesch", "pt": "Marraquexe"},
    "TNG": {"es": "Tánger", "fr": "Tanger", "de": "Tanger", "it": "Tangeri", "pt": "Tânger"},
    "FEZ": {"fr": "Fès"},
    "ORN": {"es": "Orán"},
    "MRU": {"es": "Mauricio", "fr": "Île Maurice", "pt": "Maurícia"},
    "NOU": {"fr": "Nouméa"},
    "LFW": {"fr": "Lomé"},
    "BEL": {"pt": "Belém", "es": "Belém"},
    "MCZ": {"pt": "Maceió"},
    "GYN": {"pt": "Goiânia"},
    "CGB": {"pt": "Cuiabá"},
    "ADZ": {"es": "San Andrés"},
    "COR": {"es": "Córdoba"},
    "MID": {"es": "Mérida"},
    "BJX": {"es": "León"},
    "QRO": {"es": "Querétaro"},
    "CUL": {"es": "Culiacán"},
    "TGZ": {"es": "Tuxtla Gutiérrez"},
}
"""City names that differ from English, by metro/airport code and ISO 639-1 language.

The one table of foreign city names: speech says them (``dialogue.speech.place_name``) and the
resolver accepts them (``flights.places``, folded, besides other spellings it knows). A language
not listed for a code uses the English name.
"""


@lru_cache(maxsize=1)
def _iata() -> dict[str, Any]:
    return airportsdata.load("IATA")


def airport(code: str) -> dict[str, Any] | None:
    """airportsdata record (keys iata, name, city, country, lat, lon, tz, ...) or ``None``."""
    return _iata().get(code.upper())


def all_iata() -> dict[str, Any]:
    """The full airportsdata IATA table (code -> record). Do not mutate."""
    return _iata()


def city_of(code: str) -> str:
    """Spoken city name for an airport or metro code; the code itself if unknown."""
    code = code.upper()
    if code in METROS:
        return METROS[code][0]
    if code in CITY_OVERRIDES:
        return CITY_OVERRIDES[code]
    rec = airport(code)
    return rec["city"] if rec and rec.get("city") else code


def country_of(code: str) -> str:
    """ISO 3166 alpha-2 country for an airport or metro code ('' if unknown)."""
    code = code.upper()
    if code in METROS:
        return METROS[code][1]
    rec = airport(code)
    return rec["country"] if rec else ""


def tz_of(code: str) -> str:
    """IANA time zone name of an airport (raises KeyError if unknown)."""
    rec = airport(code)
    if not rec or not rec.get("tz"):
        raise KeyError(code)
    return rec["tz"]


def distance_km(a: str, b: str) -> float:
    """Great-circle distance in km between two airports (raises KeyError if unknown)."""
    ra, rb = airport(a), airport(b)
    if ra is None or rb is None:
        raise KeyError(a if ra is None else b)
    lat1, lon1, lat2, lon2 = map(math.radians, (ra["lat"], ra["lon"], rb["lat"], rb["lon"]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(min(1.0, math.sqrt(h)))


@lru_cache(maxsize=1)
def metro_of_airport() -> dict[str, str]:
    """airport code -> metro code, for airports that belong to a multi-airport metro."""
    out: dict[str, str] = {}
    for metro, (_, _, airports) in METROS.items():
        if len(airports) > 1:
            for a in airports:
                out.setdefault(a, metro)
    return out
