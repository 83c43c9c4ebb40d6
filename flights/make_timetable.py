"""Generate the shipped sample timetable ``flights/data/timetable.csv`` (run once; output committed).

    python -m flights.make_timetable [--out PATH] [--seed N] [--extend PATH]

``--extend PATH`` keeps every row of the timetable at PATH as it is and adds only the generated
flights of airports PATH does not serve yet (an airport added to ``EXTRA_AIRPORTS``), numbered
after each carrier's highest flight number in PATH: the flights callers already hear stay the same.

Model (deterministic for a given seed):

* Airports: ``flights.airports.BUSIEST_AIRPORTS`` (+ ``EXTRA_AIRPORTS``), grouped in regions.
* Routes: (a) between "big" airports (top 150) of the same region when ≤ 5000 km apart;
  (b) every airport to the hubs of its region (≤ 5000 km); (c) global hubs to each other
  ≤ 15,500 km and every top-100 airport to the global hubs ≤ 11,000 km away. LGA/DCA keep their perimeter (2400 km). All routes run both ways.
* Carriers: the hub carriers of the origin and destination (else flag carriers of their
  countries), no low-cost carriers beyond 5000 km; frequencies alternate carriers.
* Frequencies: 4/day ≤ 1000 km, 3 ≤ 2500 km, 2 ≤ 6000 km, else 1; local departures spread
  06:00-22:00 (long haul 08:00-23:30), rounded to 5 min.
* Duration: 30 min + distance / 800 km/h, rounded to 5 min.
* Fares (USD, one-way, per adult): economy ≈ 45 + 0.09/km (+ up to ±20 % seeded variation),
  premium ×1.6, business ×3.5, first ×6.
* Finally every ordered pair of the top 100 (except two airports of one metro) is checked with the real
  :class:`flights.timetable.TimetableProvider` on four dates across the year; pairs without an
  itinerary get an extra timed frequency on an existing hub route (else a new route from a
  regional hub, else a new long-haul leg to a global hub, else a direct flight).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import sys
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from flights.airports import BUSIEST_AIRPORTS, EXTRA_AIRPORTS, airport, distance_km, metro_of_airport
from flights.carriers import COUNTRY_CARRIERS, HUB_CARRIERS
from flights.models import FlightQuery
from flights.timetable import COLUMNS, DEFAULT_PATH, TimetableProvider, _cached

REGIONS: dict[str, set[str]] = {
    "NA": {"US", "CA", "MX", "CU", "DO", "JM", "BS", "TT", "BB", "AW", "SX", "PR", "GT", "SV",
           "HN", "NI", "BZ", "CR", "PA"},
    "SA": {"BR", "AR", "CL", "PE", "CO", "EC", "BO", "PY", "UY", "VE"},
    "EU": {"GB", "IE", "FR", "DE", "NL", "BE", "LU", "ES", "PT", "IT", "CH", "AT", "DK", "SE",
           "NO", "FI", "IS", "PL", "CZ", "HU", "RO", "BG", "GR", "CY", "MT", "HR", "SI", "RS",
           "MK", "AL", "LV", "TR", "RU", "GE", "AM", "AZ", "UA", "BA", "ME", "EE", "LT", "SK"},
    "ME": {"AE", "QA", "SA", "BH", "KW", "OM", "IL", "JO", "IR", "EG", "LB", "IQ"},
    "AF": {"ET", "KE", "ZA", "MA", "DZ", "TN", "NG", "GH", "TZ", "SN", "MU", "RW"},
    "AS": {"IN", "PK", "BD", "LK", "NP", "MV", "KZ", "UZ", "TJ", "KG", "MN"},
    "EA": {"CN", "HK", "MO", "TW", "JP", "KR"},
    "SE": {"SG", "MY", "TH", "VN", "PH", "ID", "MM", "KH", "LA"},
    "OC": {"AU", "NZ", "FJ", "PF"},
}
_REGION_OF = {c: r for r, cs in REGIONS.items() for c in cs}

GLOBAL_HUBS = (
    "ATL", "DFW", "ORD", "JFK", "LAX", "SFO", "IAH", "EWR", "MIA", "YYZ", "MEX", "PTY", "BOG",
    "GRU", "LHR", "CDG", "FRA", "AMS", "MAD", "MUC", "IST", "ZRH", "DXB", "DOH", "AUH", "ADD",
    "JNB", "DEL", "BOM", "SIN", "BKK", "HKG", "ICN", "HND", "NRT", "PEK", "PVG", "CAN", "SYD",
)
REGIONAL_HUBS = set(GLOBAL_HUBS) | {
    "DEN", "CLT", "PHX", "SEA", "MSP", "DTW", "PHL", "SLC", "IAD", "YVR", "YUL", "LIM", "SCL",
    "EZE", "LIS", "BCN", "FCO", "VIE", "CPH", "HEL", "WAW", "ATH", "SVO", "BRU", "DUB", "JED",
    "RUH", "CAI", "NBO", "CMN", "BLR", "KUL", "MNL", "CGK", "TPE", "KIX", "CTU", "MEL", "AKL",
    "ALA", "TAS",
}
MAX_RANGE_KM = 15500.0
FEEDER_RANGE_KM = 11000.0
LOW_COST = {"WN", "B6", "NK", "F9", "U2", "FR", "W6", "VY", "6E", "FZ", "G9", "AK", "FD", "TR", "5J",
            "VJ", "JT", "PC", "MM", "Y4", "DY", "G3", "AD", "EW", "JA", "XQ", "LS", "7C"}
PERIMETER = {"LGA", "DCA"}


def region(code: str) -> str:
    """Region key of an airport ("EU", "NA", ...; "??" if the country is unmapped)."""
    rec = airport(code)
    return _REGION_OF.get(rec["country"], "??") if rec else "??"


def same_city(a: str, b: str) -> bool:
    """Both airports in one metro (IST/SAW, PVG/SHA): no itinerary is expected between them."""
    mo = metro_of_airport()
    return a in mo and mo.get(a) == mo.get(b)


def _h(*parts: object) -> int:
    return int(hashlib.sha1("|".join(map(str, parts)).encode()).hexdigest()[:12], 16)


def carriers_for(o: str, d: str) -> list[str]:
    """Candidate marketing carriers for route o->d, preferred first (no low-cost long haul)."""
    long_haul = distance_km(o, d) > 5000
    out: list[str] = []
    for code in (o, d):
        out += [c for c in HUB_CARRIERS.get(code, ()) if c not in out]
    if long_haul:
        out = [c for c in out if c not in LOW_COST]
    if not out:
        for code in (o, d):
            country = airport(code)["country"]
            out += [c for c in COUNTRY_CARRIERS.get(country, ()) if c not in out]
        if long_haul:
            out = [c for c in out if c not in LOW_COST] or out
    return out or ["TK"]


def frequencies(km: float) -> int:
    return 4 if km <= 1000 else 3 if km <= 2500 else 2 if km <= 6000 else 1


def duration(km: float) -> int:
    return int(round((30 + km / 800 * 60) / 5) * 5)


def fares(km: float, key: int) -> list[str]:
    base = (45 + 0.09 * km) * (0.8 + 0.4 * ((key % 1000) / 1000))
    return [f"{Decimal(base * k).quantize(Decimal('0.01'))}" for k in (1, 1.6, 3.5, 6)]


def build_routes(airports: list[str]) -> set[tuple[str, str]]:
    """Undirected route set as sorted (a, b) pairs."""
    top100 = set(airports[:100])
    big = set(airports[:150])
    routes: set[tuple[str, str]] = set()

    def add(a: str, b: str) -> None:
        if a != b:
            routes.add((a, b) if a < b else (b, a))

    for a, b in itertools.combinations(airports, 2):
        km = distance_km(a, b)
        if (a in PERIMETER or b in PERIMETER) and km > 2400:
            continue  # LaGuardia / Reagan National perimeter rules
        same = region(a) == region(b)
        if same and a in big and b in big and km <= 5000:
            add(a, b)
        elif same and (a in REGIONAL_HUBS or b in REGIONAL_HUBS) and km <= 5000:
            add(a, b)
        elif a in GLOBAL_HUBS and b in GLOBAL_HUBS:
            if km <= MAX_RANGE_KM:
                add(a, b)
        elif (a in GLOBAL_HUBS and b in top100) or (b in GLOBAL_HUBS and a in top100):
            if km <= FEEDER_RANGE_KM:
                add(a, b)
    # make sure every airport has at least one hub link
    for a in airports:
        if not any(a in r for r in routes):
            hub = min(REGIONAL_HUBS - {a}, key=lambda h: distance_km(a, h))
            add(a, hub)
    return routes


def schedule(routes: set[tuple[str, str]], seed: int) -> list[list[str]]:
    rows: list[list[str]] = []
    numbers: dict[str, int] = {}
    for a, b in sorted(routes):
        km = distance_km(a, b)
        for o, d in ((a, b), (b, a)):
            n = frequencies(km)
            carriers = carriers_for(o, d)
            long_haul = km > 6000
            start, span = (8 * 60, 15 * 60 + 30) if long_haul else (6 * 60, 16 * 60)
            for i in range(n):
                key = _h(seed, o, d, i)
                slot = start + (span * i) // n + key % max(1, span // n)
                slot = min(slot // 5 * 5, 23 * 60 + 55)
                carrier = carriers[i % len(carriers)]
                numbers[carrier] = numbers.get(carrier, 99) + 1 + key % 2
                rows.append([carrier, str(numbers[carrier]), o, d,
                             f"{slot // 60:02d}:{slot % 60:02d}", str(duration(km)), *fares(km, key)])
    return rows


def write(rows: list[list[str]], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(COLUMNS)
        w.writerows(rows)


def missing_pairs(out: Path, airports: list[str], dates: list[date]) -> list[tuple[str, str]]:
    """Ordered pairs among ``airports`` (different cities) without an itinerary on a date."""
    _cached.cache_clear()
    provider = TimetableProvider(out)
    missing = []
    for o, d in itertools.permutations(airports, 2):
        if same_city(o, d):
            continue
        for day in dates:
            if not provider.search_sync(FlightQuery(origin=o, destination=d, departure_date=day)):
                missing.append((o, d))
                break
    return missing


def fix(rows: list[list[str]], pairs: list[tuple[str, str]], seed: int) -> None:
    """Add a timed connection (or a direct flight) for each pair without an itinerary."""
    top: dict[str, int] = {}
    for r in rows:
        top[r[0]] = max(top.get(r[0], 0), int(r[1]))

    def number(carrier: str) -> str:
        top[carrier] = top.get(carrier, 99) + 1
        return str(top[carrier])

    by_origin: dict[str, list[list[str]]] = {}
    routes: set[tuple[str, str]] = set()
    for r in rows:
        by_origin.setdefault(r[2], []).append(r)
        routes.add((r[2], r[3]))
    for o, d in pairs:
        direct = distance_km(o, d)
        best = None
        for r in by_origin.get(o, []):
            hub = r[3]
            if hub == d:
                continue
            detour = distance_km(o, hub) + distance_km(hub, d)
            exists = (hub, d) in routes
            if not exists and (hub not in REGIONAL_HUBS or (d in PERIMETER and distance_km(hub, d) > 2400)):
                continue
            if detour <= 1.5 * direct + 800 and distance_km(hub, d) <= MAX_RANGE_KM:
                # prefer another frequency on an existing route, then the shortest detour
                rank = (0 if exists else 1, detour)
                if best is None or rank < best[0]:
                    best = (rank, r)
        key = _h(seed, "fix", o, d)
        if best is None:
            # a new long-haul leg o -> global hub, timed to an existing hub -> d flight
            feeders = [
                r2 for r2 in rows
                if r2[3] == d and r2[2] in GLOBAL_HUBS and r2[2] != o
                and distance_km(o, r2[2]) <= MAX_RANGE_KM
                and distance_km(o, r2[2]) + distance_km(r2[2], d) <= 1.5 * direct + 800
            ]
            if feeders:
                r2 = min(feeders, key=lambda r: distance_km(o, r[2]) + distance_km(r[2], d))
                hub = r2[2]
                km = distance_km(o, hub)
                hh, mm = map(int, r2[4].split(":"))
                dep2 = datetime(2027, 1, 15, hh, mm, tzinfo=ZoneInfo(airport(hub)["tz"]))
                dep1 = (dep2 - timedelta(minutes=210 + duration(km))).astimezone(ZoneInfo(airport(o)["tz"]))
                carrier = carriers_for(o, hub)[0]
                slot = (dep1.hour * 60 + dep1.minute) // 5 * 5
                rows.append([carrier, number(carrier), o, hub, f"{slot // 60:02d}:{slot % 60:02d}",
                             str(duration(km)), *fares(km, key)])
                continue
            km = direct
            carrier = carriers_for(o, d)[0]
            slot = 9 * 60 + key % 600 // 5 * 5
            rows.append([carrier, number(carrier), o, d, f"{slot // 60:02d}:{slot % 60:02d}",
                         str(duration(km)), *fares(km, key)])
            continue
        _, r = best
        hub = r[3]
        hh, mm = map(int, r[4].split(":"))
        dep = datetime(2027, 1, 15, hh, mm, tzinfo=ZoneInfo(airport(o)["tz"]))
        arr = (dep.astimezone(timezone.utc) + timedelta(minutes=int(r[5]))).astimezone(ZoneInfo(airport(hub)["tz"]))
        dep2 = arr + timedelta(minutes=210)  # room for ±2 h of DST drift between zones
        km = distance_km(hub, d)
        carrier = carriers_for(hub, d)[0]
        slot = (dep2.hour * 60 + dep2.minute) // 5 * 5
        rows.append([carrier, number(carrier), hub, d, f"{slot // 60:02d}:{slot % 60:02d}",
                     str(duration(km)), *fares(km, key)])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_PATH)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--extend", type=Path, default=None,
                    help="keep this timetable's rows; add the flights of airports it does not serve")
    args = ap.parse_args(argv)
    kept = _read(args.extend) if args.extend is not None else None  # before --out is written
    airports = [a for a in list(BUSIEST_AIRPORTS) + list(EXTRA_AIRPORTS) if airport(a)]
    routes = build_routes(airports)
    rows = schedule(routes, args.seed)
    dates = [date(2027, 1, 15), date(2027, 4, 2), date(2027, 7, 16), date(2027, 10, 29)]
    for round_ in range(4):
        write(rows, args.out)
        missing = missing_pairs(args.out, airports[:100], dates)
        print(f"round {round_}: {len(rows)} flights, {len(routes)} routes, {len(missing)} top-100 pairs missing",
              file=sys.stderr)
        if not missing:
            break
        fix(rows, missing, args.seed + round_)
    if kept is not None:
        rows = extended(kept, rows)
        write(rows, args.out)
    print(f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB)", file=sys.stderr)
    return 0


def _read(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return [row for row in itertools.islice(csv.reader(f), 1, None) if row]


def extended(kept: list[list[str]], generated: list[list[str]]) -> list[list[str]]:
    """``kept`` (a timetable's rows), then the ``generated`` rows that touch an airport ``kept``
    does not serve, renumbered per carrier after its highest number in ``kept`` (a number in use is
    never given twice)."""
    served = {code for row in kept for code in (row[2], row[3])}
    used: dict[str, set[int]] = {}
    for row in kept:
        used.setdefault(row[0], set()).add(int(row[1]))
    added = []
    for row in generated:
        if row[2] in served and row[3] in served:
            continue
        taken = used.setdefault(row[0], set())
        n = max(taken, default=0) + 1
        while n in taken or n > 9999:
            n = 1 if n > 9999 else n + 1
        taken.add(n)
        added.append([row[0], str(n), *row[2:]])
    print(f"extend: {len(kept)} flights kept, {len(added)} added", file=sys.stderr)
    return kept + added


if __name__ == "__main__":
    raise SystemExit(main())
