"""Master-data API latency on PostgreSQL: the filtered unit list and the person lookup by ID number.

Goal (issue): with 100,000 units and 150,000 persons, `GET /api/v1/units/?estate=&search=&page_size=50` and
`GET /api/v1/persons/?id_number=` answer in p95 <= 30 ms through the HTTP API on this machine.

What it does (see bench/README.md):
 1. drops and creates the database `pm_bench` on 127.0.0.1:5432 and migrates it;
 2. loads 4 estates x 25 buildings x 1,000 units (5 entrances x 25 floors x 8 flats, label `12栋-3-1203`),
    150,000 persons with ID numbers validated, encrypted and blind-indexed by the domain's own functions,
    ownerships for ~85 % of the units, the other persons as household members, and a manager of the four
    estates; all bulk rows through COPY; then VACUUM ANALYZE;
 3. starts gunicorn (2 workers, DEBUG off) on 127.0.0.1, logs in through POST /api/v1/auth/token/ and times
    a few hundred requests of each kind with httpx; prints count, p50, p95, p99 and max;
 4. always stops gunicorn; drops the database unless --keep-db.

    .venv/bin/python bench/bench_master_data.py [--keep-db] [--reuse-db] [--explain] [--requests 300]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DB_NAME = "pm_bench"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
GOAL_P95_MS = 30.0

ESTATES = (("BENCH1", "阳光花园"), ("BENCH2", "翠湖天地"), ("BENCH3", "锦绣江南"), ("BENCH4", "滨江壹号"))
BUILDINGS_PER_ESTATE = 25
ENTRANCES, FLOORS, FLATS_PER_FLOOR = 5, 25, 8  # 1,000 units per building, 100,000 in all
PERSONS = 150_000
OWNED_SHARE = 0.85
AREAS = ("89.50", "110.20", "128.00", "143.60", "76.30", "98.80")
MANAGER, MANAGER_PASSWORD = "bench-manager", "bench-pass-2026"

os.environ["DATABASE_URL"] = DATABASE_URL
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
sys.path.insert(0, str(ROOT))


def log(message: str) -> None:
    print(message, flush=True)


# --- database -----------------------------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def database_loaded() -> bool:
    """A kept pm_bench that a previous run filled completely (the persons are the last big table loaded)."""
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is None:
            return False
    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('people_householdmember')").fetchone()[0] is None:
            return False
        return conn.execute("SELECT EXISTS (SELECT 1 FROM people_householdmember)").fetchone()[0]


def copy_rows(conn, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load(rng: random.Random) -> list[str]:
    """Fill the database; returns a sample of clear ID numbers that exist (for the lookups)."""
    import psycopg
    from django.contrib.auth.hashers import make_password

    from backoffice.accounts.demo import identity_fields
    from backoffice.accounts.models import EstateMembership, User
    from backoffice.estates.models import Building, Estate
    from backoffice.people.fakes import FakeIdentities

    now = dt.datetime.now(dt.UTC)
    today = dt.date.today()
    estates = [
        Estate.objects.create(code=code, name=name, address="上海市浦东新区") for code, name in ESTATES
    ]
    buildings = Building.objects.bulk_create(
        Building(estate=estate, name=f"{n}栋", floors=FLOORS)
        for estate in estates
        for n in range(1, BUILDINGS_PER_ESTATE + 1)
    )
    user = User.objects.create(username=MANAGER, password=make_password(MANAGER_PASSWORD))
    EstateMembership.objects.bulk_create(
        EstateMembership(user=user, estate=e, role="manager") for e in estates
    )

    started = time.perf_counter()

    def unit_rows():
        for building in buildings:
            for entrance in range(1, ENTRANCES + 1):
                for floor in range(1, FLOORS + 1):
                    for flat in range(1, FLATS_PER_FLOOR + 1):
                        number = f"{entrance}-{floor}{flat:02d}"
                        yield (
                            building.estate_id,
                            building.pk,
                            number,
                            floor,
                            "residential",
                            Decimal(AREAS[(flat - 1) % len(AREAS)]),
                            f"{building.name}-{number}",
                            now,
                            now,
                        )

    with psycopg.connect(DATABASE_URL) as conn:
        columns = ("estate_id", "building_id", "number", "floor", "unit_type", "area", "label")
        n_units = copy_rows(conn, "estates_unit", (*columns, "created_at", "updated_at"), unit_rows())
        conn.commit()
        units_by_estate: dict[int, list[int]] = {e.pk: [] for e in estates}
        for unit_id, estate_id in conn.execute("SELECT id, estate_id FROM estates_unit ORDER BY id"):
            units_by_estate[estate_id].append(unit_id)
        log(f"  units       {n_units:>7}  {time.perf_counter() - started:6.1f} s")

        fake = FakeIdentities(rng)
        per_estate = PERSONS // len(estates)
        plan: list[tuple[int, int | None, str]] = []  # (estate, unit owned or lived in, relation)
        for estate in estates:
            units = units_by_estate[estate.pk]
            owned = [unit for unit in units if rng.random() < OWNED_SHARE]
            plan.extend((estate.pk, unit, "owner") for unit in owned)
            plan.extend((estate.pk, rng.choice(owned), "member") for _ in range(per_estate - len(owned)))
        sample: list[str] = []
        t_encrypt = 0.0

        def person_rows():
            nonlocal t_encrypt
            for estate_id, _unit, relation in plan:
                male = rng.random() < 0.5
                age = (25, 75) if relation == "owner" else (1, 85)
                birth = fake.birth_date(age_from=age[0], age_to=age[1], today=today)
                id_number = fake.resident_id(birth_date=birth, male=male)
                if rng.random() < 1 / 30:  # ~5,000 from every estate
                    sample.append(id_number)
                t0 = time.perf_counter()
                identity = identity_fields(id_number)
                t_encrypt += time.perf_counter() - t0
                yield (
                    estate_id,
                    fake.name(male=male),
                    fake.mobile(),
                    "",
                    identity["id_type"],
                    identity["id_number_encrypted"],
                    identity["id_number_hmac"],
                    identity["id_number_masked"],
                    "",
                    now,
                    now,
                )

        started = time.perf_counter()
        columns = ("estate_id", "name", "phone", "email", "id_type", "id_number_encrypted")
        columns += ("id_number_hmac", "id_number_masked", "note", "created_at", "updated_at")
        n_persons = copy_rows(conn, "people_person", columns, person_rows())
        conn.commit()
        log(
            f"  persons     {n_persons:>7}  {time.perf_counter() - started:6.1f} s"
            f"  (validate+encrypt+index {t_encrypt:.1f} s)"
        )

        started = time.perf_counter()
        person_ids = [row[0] for row in conn.execute("SELECT id FROM people_person ORDER BY id")]
        start_date = dt.date(2019, 6, 30)
        ownerships = (
            (estate_id, unit, person_id, Decimal("100"), start_date, None, now, now)
            for (estate_id, unit, relation), person_id in zip(plan, person_ids, strict=True)
            if relation == "owner"
        )
        columns = ("estate_id", "unit_id", "person_id", "share", "start_date", "end_date")
        n_owned = copy_rows(conn, "people_ownership", (*columns, "created_at", "updated_at"), ownerships)
        members = (
            (
                estate_id,
                unit,
                person_id,
                "relative" if relation == "member" else "owner",
                start_date,
                now,
                now,
            )
            for (estate_id, unit, relation), person_id in zip(plan, person_ids, strict=True)
        )
        columns = ("estate_id", "unit_id", "person_id", "relation", "start_date", "created_at", "updated_at")
        n_members = copy_rows(conn, "people_householdmember", columns, members)
        conn.commit()
        log(
            f"  ownerships  {n_owned:>7}, household members {n_members}"
            f"  {time.perf_counter() - started:6.1f} s"
        )
    return sample


def analyze() -> None:
    import psycopg

    with psycopg.connect(DATABASE_URL, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")


# --- the HTTP side ------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, log_path: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as out:
        return subprocess.Popen(
            [str(ROOT / ".venv/bin/gunicorn"), "config.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_gunicorn(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)  # the master stops its workers
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def wait_healthy(client, process: subprocess.Popen, timeout: float = 30.0) -> None:
    import httpx

    for _attempt in range(int(timeout / 0.25)):
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited; see bench/out/gunicorn.log")
        try:
            if client.get("/api/v1/health/").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"the API did not become healthy within {timeout:.0f} s")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


def timed(client, url: str, check) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"GET {url} -> {response.status_code}: {response.text[:300]}")
    check(response.json())
    return elapsed


def unit_searches(rng: random.Random, estate_ids: list[int], n: int) -> list[tuple[str, str]]:
    """(kind, url) pairs: a third building names, a third number fragments, a third full labels."""
    searches = []
    for i in range(n):
        estate = estate_ids[i % len(estate_ids)]
        building = rng.randrange(1, BUILDINGS_PER_ESTATE + 1)
        floor, flat = rng.randrange(1, FLOORS + 1), rng.randrange(1, FLATS_PER_FLOOR + 1)
        kind = ("building", "number", "label")[i % 3]
        term = {
            "building": f"{building}栋",
            "number": f"{floor}{flat:02d}",
            "label": f"{building}栋-{rng.randrange(1, ENTRANCES + 1)}-{floor}{flat:02d}",
        }[kind]
        searches.append((kind, f"/api/v1/units/?estate={estate}&search={term}&page_size=50"))
    return searches


def report(name: str, samples: list[float]) -> bool:
    p95 = percentile(samples, 0.95)
    ok = p95 <= GOAL_P95_MS
    log(
        f"  {name:<44} {len(samples):>5} {statistics.median(samples):7.1f} {p95:7.1f} "
        f"{percentile(samples, 0.99):7.1f} {max(samples):7.1f}   {'met' if ok else 'MISSED'}"
    )
    return ok


def _jiffies(path: str, fields: slice) -> int:
    try:
        with open(path) as handle:
            text = handle.read()
    except OSError:  # the process ended, or not Linux
        return 0
    if path.endswith("/stat") and path != "/proc/stat":
        text = text.rsplit(")", 1)[1]  # the command name may contain spaces
    return sum(int(value) for value in text.split()[fields])


def _our_pids(gunicorn_pid: int) -> list[int]:
    """This process, gunicorn and its workers, and the PostgreSQL backends connected to the bench database."""
    import psycopg

    pids = [os.getpid(), gunicorn_pid]
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _jiffies(f"/proc/{entry}/stat", slice(1, 2)) == gunicorn_pid:
            pids.append(int(entry))
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", [DB_NAME]).fetchall()
    return pids + [pid for (pid,) in rows]


class CpuShare:
    """How much of the machine's CPU other processes used while we measured (Linux /proc; 0 elsewhere)."""

    def __init__(self, gunicorn_pid: int):
        self.pids = _our_pids(gunicorn_pid) if os.path.exists("/proc/stat") else []
        self.start = self._sample()

    def _sample(self) -> tuple[int, int, int]:
        # /proc/stat "cpu" line: user nice system idle iowait irq softirq steal
        busy = _jiffies("/proc/stat", slice(1, 4)) + _jiffies("/proc/stat", slice(6, 9))
        total = _jiffies("/proc/stat", slice(1, 9))
        ours = sum(_jiffies(f"/proc/{pid}/stat", slice(11, 13)) for pid in self.pids)  # utime stime
        return busy, total, ours

    def others(self) -> float:
        busy, total, ours = (end - start for end, start in zip(self._sample(), self.start, strict=True))
        return max(0.0, (busy - ours) / total) if total else 0.0


def measure(port: int, gunicorn_pid: int, id_numbers: list[str], n_requests: int, rng: random.Random) -> bool:
    import httpx

    from backoffice.estates.models import Estate

    estate_ids = list(Estate.objects.filter(code__in=[c for c, _ in ESTATES]).values_list("id", flat=True))
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
        response = client.post(
            "/api/v1/auth/token/", json={"username": MANAGER, "password": MANAGER_PASSWORD}
        )
        response.raise_for_status()
        client.headers["Authorization"] = f"Token {response.json()['token']}"

        def found_units(body):
            if body["count"] < 1 or len(body["results"]) > 50:
                raise RuntimeError(f"unexpected unit page: count {body['count']}")

        def found_one(body):
            if body["count"] != 1:
                raise RuntimeError(f"ID lookup found {body['count']} persons")

        searches = unit_searches(rng, estate_ids, n_requests)
        lookups = [f"/api/v1/persons/?id_number={rng.choice(id_numbers)}" for _ in range(n_requests)]
        for _kind, url in searches[:30]:  # warm both workers: imports, connections, caches
            timed(client, url, found_units)
        for url in lookups[:30]:
            timed(client, url, found_one)

        cpu = CpuShare(gunicorn_pid)
        by_kind: dict[str, list[float]] = {"building": [], "number": [], "label": []}
        units: list[float] = []
        persons: list[float] = []
        for (kind, unit_url), person_url in zip(searches, lookups, strict=True):  # interleaved
            elapsed = timed(client, unit_url, found_units)
            units.append(elapsed)
            by_kind[kind].append(elapsed)
            persons.append(timed(client, person_url, found_one))

    others = cpu.others()
    log(f"\nother processes used {others:.0%} of the machine's {os.cpu_count()} CPUs while measuring")
    if others > 0.10:
        log("  (the figures are pessimistic: run again on a quiet machine)")
    log(f"\n  {'request (ms)':<44} {'count':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}   goal p95<=30")
    ok_units = report("GET /units/?estate&search&page_size=50", units)
    for kind, samples in by_kind.items():
        log(
            f"    search by {kind:<10}{'':<24} {len(samples):>5} {statistics.median(samples):7.1f} "
            f"{percentile(samples, 0.95):7.1f} {percentile(samples, 0.99):7.1f} {max(samples):7.1f}"
        )
    ok_persons = report("GET /persons/?id_number=", persons)
    return ok_units and ok_persons


# --- EXPLAIN ------------------------------------------------------------------------------------------------


def explain(id_number: str) -> None:
    """Run one request of each kind in-process and EXPLAIN ANALYZE every SELECT it issued."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from backoffice.estates.models import Estate

    client = Client()
    token = client.post(
        "/api/v1/auth/token/",
        {"username": MANAGER, "password": MANAGER_PASSWORD},
        content_type="application/json",
    ).json()["token"]
    estate = Estate.objects.get(code=ESTATES[1][0]).pk
    urls = [
        f"/api/v1/units/?estate={estate}&search=12栋&page_size=50",
        f"/api/v1/units/?estate={estate}&search=1203&page_size=50",
        f"/api/v1/units/?estate={estate}&search=12栋-3-1203&page_size=50",
        f"/api/v1/persons/?id_number={id_number}",
    ]
    for url in urls:
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
        log(f"\n=== {url}")
        for query in queries.captured_queries:
            sql = query["sql"]
            if (
                not sql.lstrip().upper().startswith("SELECT")
                or "people_person" not in sql
                and "estates_unit" not in sql
            ):
                continue
            log(f"--- {sql}")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                for (line,) in cursor.fetchall():
                    log(f"    {line}")


# --- main ---------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each kind")
    parser.add_argument("--keep-db", action="store_true", help=f"leave {DB_NAME} for inspection")
    parser.add_argument(
        "--reuse-db", action="store_true", help=f"use a kept {DB_NAME} (migrated again, not reloaded)"
    )
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the queries")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 5000:
        parser.error("--requests must be between 1 and 5000")

    rng = random.Random(2026)  # noqa: S311 (benchmark data)
    reuse = args.reuse_db and database_loaded()
    started = time.perf_counter()
    if not reuse:
        recreate_database()

    import django

    django.setup()
    from django.core.management import call_command

    from backoffice.people.models import Person

    process = None
    try:
        call_command("migrate", verbosity=0, interactive=False)
        state = "reused" if reuse else "created"
        log(f"database {DB_NAME}: {state} and migrated in {time.perf_counter() - started:.1f} s")
        sample = [] if reuse else load(rng)
        analyze()
        if not sample:  # a reused database: decrypt a few existing numbers instead
            from backoffice.people.services import person_id_number

            sample = [person_id_number(p) for p in Person.objects.order_by("?")[:500]]
        log(f"loaded and analyzed in {time.perf_counter() - started:.1f} s")

        if args.explain:
            explain(sample[0])
        port = args.port or free_port()
        process = start_gunicorn(port, ROOT / "bench/out/gunicorn.log")
        import httpx

        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=5) as client:
            wait_healthy(client, process)
        ok = measure(port, process.pid, sample, args.requests, rng)
        log(f"\ngoal (p95 <= {GOAL_P95_MS:.0f} ms for both): {'MET' if ok else 'NOT MET'}")
        return 0 if ok else 1
    finally:
        if process is not None:
            stop_gunicorn(process)
        from django.db import connections

        connections.close_all()
        if not args.keep_db:
            drop_database()
            log(f"database {DB_NAME} dropped (use --keep-db to keep it)")


if __name__ == "__main__":
    sys.exit(main())
