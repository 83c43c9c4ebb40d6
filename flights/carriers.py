"""Airline reference data: IATA carrier code -> spoken name, hub and flag carriers.

``carrier_name(code)`` is what speech uses ("AA" -> "American Airlines"); unknown codes are
returned unchanged. ``HUB_CARRIERS`` (airport -> carriers, dominant first) and
``COUNTRY_CARRIERS`` (ISO country -> carriers) drive the sample timetable generator.
"""

from __future__ import annotations

CARRIERS: dict[str, str] = {
    "AA": "American Airlines", "DL": "Delta", "UA": "United", "WN": "Southwest",
    "B6": "JetBlue", "AS": "Alaska Airlines", "NK": "Spirit", "F9": "Frontier",
    "HA": "Hawaiian Airlines", "AC": "Air Canada", "WS": "WestJet", "AM": "Aeromexico",
    "Y4": "Volaris", "CM": "Copa Airlines", "AV": "Avianca", "LA": "LATAM", "G3": "Gol",
    "AD": "Azul", "AR": "Aerolineas Argentinas", "BA": "British Airways", "VS": "Virgin Atlantic",
    "U2": "easyJet", "FR": "Ryanair", "AF": "Air France", "KL": "KLM", "LH": "Lufthansa",
    "LX": "Swiss", "OS": "Austrian Airlines", "SN": "Brussels Airlines", "IB": "Iberia",
    "VY": "Vueling", "UX": "Air Europa", "TP": "TAP Air Portugal", "AZ": "ITA Airways",
    "EI": "Aer Lingus", "SK": "SAS", "AY": "Finnair", "DY": "Norwegian", "LO": "LOT Polish Airlines",
    "OK": "Czech Airlines", "RO": "TAROM", "A3": "Aegean Airlines", "TK": "Turkish Airlines",
    "PC": "Pegasus", "SU": "Aeroflot", "S7": "S7 Airlines", "W6": "Wizz Air", "FI": "Icelandair",
    "EK": "Emirates", "QR": "Qatar Airways", "EY": "Etihad", "SV": "Saudia", "GF": "Gulf Air",
    "KU": "Kuwait Airways", "WY": "Oman Air", "FZ": "flydubai", "G9": "Air Arabia",
    "LY": "El Al", "RJ": "Royal Jordanian", "IR": "Iran Air", "MS": "EgyptAir",
    "ET": "Ethiopian Airlines", "KQ": "Kenya Airways", "SA": "South African Airways",
    "AT": "Royal Air Maroc", "AH": "Air Algerie", "TU": "Tunisair", "WB": "RwandAir",
    "P4": "Air Peace", "AI": "Air India", "6E": "IndiGo", "UK": "Vistara", "PK": "PIA",
    "BG": "Biman Bangladesh", "UL": "SriLankan Airlines", "RA": "Nepal Airlines",
    "SQ": "Singapore Airlines", "TR": "Scoot", "MH": "Malaysia Airlines", "AK": "AirAsia",
    "TG": "Thai Airways", "FD": "Thai AirAsia", "VN": "Vietnam Airlines", "VJ": "VietJet",
    "PR": "Philippine Airlines", "5J": "Cebu Pacific", "GA": "Garuda Indonesia",
    "JT": "Lion Air", "CX": "Cathay Pacific", "NX": "Air Macau", "CI": "China Airlines",
    "BR": "EVA Air", "NH": "ANA", "JL": "Japan Airlines", "KE": "Korean Air",
    "OZ": "Asiana Airlines", "CA": "Air China", "MU": "China Eastern", "CZ": "China Southern",
    "HU": "Hainan Airlines", "3U": "Sichuan Airlines", "ZH": "Shenzhen Airlines",
    "MF": "Xiamen Airlines", "FM": "Shanghai Airlines", "QF": "Qantas", "VA": "Virgin Australia",
    "NZ": "Air New Zealand", "FJ": "Fiji Airways", "TN": "Air Tahiti Nui", "KC": "Air Astana",
    "HY": "Uzbekistan Airways", "J2": "Azerbaijan Airlines", "OM": "MIAT Mongolian Airlines",
    "PS": "Ukraine International", "JU": "Air Serbia", "OU": "Croatia Airlines",
    "KM": "KM Malta Airlines", "CY": "Cyprus Airways", "A9": "Georgian Airways",
    "CU": "Cubana", "BW": "Caribbean Airlines", "H2": "Sky Airline", "JA": "JetSMART",
    "8M": "Myanmar Airways", "K6": "Cambodia Angkor Air", "TA": "TACA", "OB": "Boliviana",
    "PZ": "Paranair", "H8": "Sky Airline Peru", "V0": "Conviasa", "UP": "Bahamasair",
    "JM": "Air Jamaica", "ZP": "Paranair", "MK": "Air Mauritius", "FV": "Rossiya",
    "LG": "Luxair", "BT": "airBaltic", "FB": "Bulgaria Air", "ZB": "Air Albania",
    "J9": "Jazeera Airways", "PG": "Bangkok Airways", "8L": "Lucky Air", "KN": "China United",
    "XQ": "SunExpress", "DE": "Condor", "EW": "Eurowings", "X3": "TUIfly", "BY": "TUI Airways",
    "LS": "Jet2", "LM": "Loganair", "WF": "Wideroe", "EN": "Air Dolomiti", "D8": "Norwegian Air Sweden",
    "NQ": "Air Japan", "MM": "Peach", "BC": "Skymark", "7C": "Jeju Air", "TW": "T'way Air",
    "ZE": "Eastar Jet", "SL": "Thai Lion Air", "QZ": "Indonesia AirAsia", "OD": "Batik Air",
    "IX": "Air India Express", "SG": "SpiceJet", "QP": "Akasa Air",
}

HUB_CARRIERS: dict[str, tuple[str, ...]] = {
    # North America
    "ATL": ("DL", "WN"), "DFW": ("AA",), "ORD": ("UA", "AA"), "DEN": ("UA", "WN", "F9"),
    "IAH": ("UA",), "EWR": ("UA",), "JFK": ("DL", "B6", "AA"), "LGA": ("DL", "AA"),
    "LAX": ("AA", "DL", "UA", "AS"), "SFO": ("UA", "AS"), "SEA": ("AS", "DL"), "MSP": ("DL",),
    "DTW": ("DL",), "CLT": ("AA",), "PHL": ("AA",), "PHX": ("AA", "WN"), "MIA": ("AA",),
    "BOS": ("B6", "DL"), "SLC": ("DL",), "IAD": ("UA",), "DCA": ("AA",), "LAS": ("WN",),
    "MCO": ("WN", "B6"), "MDW": ("WN",), "DAL": ("WN",), "HOU": ("WN",), "BWI": ("WN",),
    "HNL": ("HA",), "FLL": ("B6", "NK"), "YYZ": ("AC",), "YUL": ("AC",), "YVR": ("AC",),
    "YYC": ("WS",), "MEX": ("AM",), "GDL": ("Y4",), "MTY": ("AM",), "CUN": ("AM",),
    # Latin America
    "PTY": ("CM",), "BOG": ("AV",), "GRU": ("LA",), "CGH": ("G3",), "VCP": ("AD",),
    "GIG": ("LA",), "BSB": ("G3",), "SCL": ("LA",), "LIM": ("LA",), "EZE": ("AR",),
    "AEP": ("AR",), "UIO": ("AV",), "SJO": ("CM",),
    # Europe
    "LHR": ("BA", "VS"), "LGW": ("BA", "U2"), "STN": ("FR",), "LTN": ("U2", "W6"),
    "CDG": ("AF",), "ORY": ("AF",), "FRA": ("LH",), "MUC": ("LH",), "AMS": ("KL",),
    "MAD": ("IB", "UX"), "BCN": ("VY", "IB"), "FCO": ("AZ",), "LIN": ("AZ",), "MXP": ("AZ", "U2"),
    "ZRH": ("LX",), "GVA": ("LX", "U2"), "VIE": ("OS",), "BRU": ("SN",), "LIS": ("TP",),
    "OPO": ("TP",), "DUB": ("EI", "FR"), "CPH": ("SK",), "ARN": ("SK",), "OSL": ("SK", "DY"),
    "HEL": ("AY",), "WAW": ("LO",), "PRG": ("OK",), "ATH": ("A3",), "IST": ("TK",),
    "SAW": ("PC",), "SVO": ("SU",), "DME": ("S7",), "BUD": ("W6",), "OTP": ("RO",),
    "KEF": ("FI",), "BER": ("LH", "U2"), "DUS": ("EW",), "HAM": ("LH",), "MAN": ("BA", "LS"),
    # Middle East / Africa
    "DXB": ("EK", "FZ"), "DOH": ("QR",), "AUH": ("EY",), "SHJ": ("G9",), "JED": ("SV",),
    "RUH": ("SV",), "BAH": ("GF",), "KWI": ("KU",), "MCT": ("WY",), "TLV": ("LY",),
    "AMM": ("RJ",), "IKA": ("IR",), "CAI": ("MS",), "ADD": ("ET",), "NBO": ("KQ",),
    "JNB": ("SA",), "CPT": ("SA",), "CMN": ("AT",), "ALG": ("AH",), "TUN": ("TU",), "LOS": ("P4",),
    # Asia / Pacific
    "DEL": ("AI", "6E"), "BOM": ("AI", "6E"), "BLR": ("6E", "AI"), "MAA": ("6E",),
    "HYD": ("6E",), "CCU": ("6E",), "KHI": ("PK",), "ISB": ("PK",), "DAC": ("BG",),
    "CMB": ("UL",), "KTM": ("RA",), "SIN": ("SQ", "TR"), "KUL": ("MH", "AK"), "BKK": ("TG",),
    "DMK": ("FD",), "SGN": ("VN", "VJ"), "HAN": ("VN", "VJ"), "MNL": ("PR", "5J"),
    "CGK": ("GA", "JT"), "HKG": ("CX",), "MFM": ("NX",), "TPE": ("CI", "BR"),
    "HND": ("NH", "JL"), "NRT": ("NH", "JL"), "KIX": ("JL", "MM"), "ICN": ("KE", "OZ"),
    "GMP": ("KE", "OZ"), "PEK": ("CA",), "PKX": ("CZ", "MU"), "PVG": ("MU",), "SHA": ("MU",),
    "CAN": ("CZ",), "SZX": ("ZH",), "CTU": ("3U", "CA"), "CKG": ("CA",), "KMG": ("MU",),
    "XIY": ("MU",), "HGH": ("CA",), "XMN": ("MF",), "SYD": ("QF", "VA"), "MEL": ("QF", "VA"),
    "BNE": ("VA", "QF"), "AKL": ("NZ",), "NAN": ("FJ",), "ALA": ("KC",), "NQZ": ("KC",),
    "TAS": ("HY",), "GYD": ("J2",), "ULN": ("OM",),
}

COUNTRY_CARRIERS: dict[str, tuple[str, ...]] = {
    "US": ("AA", "DL", "UA", "WN", "B6", "AS"), "CA": ("AC", "WS"), "MX": ("AM", "Y4"),
    "BR": ("LA", "G3", "AD"), "AR": ("AR",), "CL": ("LA", "JA"), "PE": ("LA",), "CO": ("AV",),
    "EC": ("AV",), "PA": ("CM",), "CR": ("CM",), "GT": ("TA",), "SV": ("TA",), "HN": ("TA",),
    "NI": ("TA",), "BZ": ("TA",), "BO": ("OB",), "PY": ("PZ",), "UY": ("AR",), "VE": ("V0",),
    "CU": ("CU",), "DO": ("CM",), "JM": ("JM",), "BS": ("UP",), "TT": ("BW",), "BB": ("BW",),
    "AW": ("CM",), "SX": ("CM",), "PR": ("B6",),
    "GB": ("BA", "U2"), "IE": ("EI", "FR"), "FR": ("AF",), "DE": ("LH", "EW"), "NL": ("KL",),
    "BE": ("SN",), "LU": ("LG",), "ES": ("IB", "VY"), "PT": ("TP",), "IT": ("AZ",),
    "CH": ("LX",), "AT": ("OS",), "DK": ("SK",), "SE": ("SK",), "NO": ("SK", "DY"),
    "FI": ("AY",), "IS": ("FI",), "PL": ("LO",), "CZ": ("OK",), "HU": ("W6",), "RO": ("RO",),
    "BG": ("FB",), "GR": ("A3",), "CY": ("CY",), "MT": ("KM",), "HR": ("OU",), "SI": ("JU",),
    "RS": ("JU",), "MK": ("W6",), "AL": ("ZB",), "LV": ("BT",), "TR": ("TK", "PC"),
    "RU": ("SU", "S7"), "GE": ("A9",), "AM": ("W6",), "AZ": ("J2",), "KZ": ("KC",),
    "UZ": ("HY",), "TJ": ("HY",), "KG": ("KC",), "MN": ("OM",),
    "AE": ("EK", "EY"), "QA": ("QR",), "SA": ("SV",), "BH": ("GF",), "KW": ("KU", "J9"),
    "OM": ("WY",), "IL": ("LY",), "JO": ("RJ",), "IR": ("IR",), "EG": ("MS",), "ET": ("ET",),
    "KE": ("KQ",), "ZA": ("SA",), "MA": ("AT",), "DZ": ("AH",), "TN": ("TU",), "NG": ("P4",),
    "IN": ("AI", "6E"), "PK": ("PK",), "BD": ("BG",), "LK": ("UL",), "NP": ("RA",),
    "MV": ("UL",), "SG": ("SQ",), "MY": ("MH", "AK"), "TH": ("TG", "FD"), "VN": ("VN", "VJ"),
    "PH": ("PR", "5J"), "ID": ("GA", "JT"), "MM": ("8M",), "KH": ("K6",), "HK": ("CX",),
    "MO": ("NX",), "TW": ("CI", "BR"), "JP": ("NH", "JL"), "KR": ("KE", "OZ"),
    "CN": ("CA", "MU", "CZ"), "AU": ("QF", "VA"), "NZ": ("NZ",), "FJ": ("FJ",), "PF": ("TN",),
}


def carrier_name(code: str) -> str:
    """Spoken airline name for an IATA carrier code ("BA" -> "British Airways")."""
    return CARRIERS.get(code.upper(), code)


__all__ = ["CARRIERS", "HUB_CARRIERS", "COUNTRY_CARRIERS", "carrier_name"]
