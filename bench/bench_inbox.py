"""Task inbox latency on PostgreSQL: a user's first page with 100,000 open and 1,000,000 completed tasks.

Goal: `GET /api/v1/tasks/` (the inbox, default ordering `-priority, due_at, id`) answers in p95 <= 30 ms
through the HTTP API (gunicorn, 2 workers, DEBUG off); `?ordering=due_at` is measured too (same goal).
DRF's pagination runs a COUNT(*) of the whole inbox besides the page itself.

What it does (see bench/README.md):
 1. drops and creates the database `pm_bench_inbox` on 127.0.0.1:5432 and migrates it;
 2. creates 4 estates, the bench user `bench-inbox` (technician in estates 1 and 2, service desk in estate 1)
    and 40 other staff, deploys bench/diagrams/three_steps.bpmn for a version to point at, then loads with
    psycopg COPY: 500,000 instances (100,000 running, 400,000 completed; all sharing the minimal state `{}`
    since the inbox never reads state), 100,000 open tasks spread over the estates and six candidate
    groups (some assigned to the bench user, some to others, some offered to the bench user by name) with
    their candidate rows, and 1,000,000 completed tasks (no candidate rows: those exist only while open);
    then VACUUM ANALYZE;
 3. starts gunicorn (2 workers) on a free 127.0.0.1 port, logs in as the bench user and times --requests
    (default 300) of each inbox request, interleaved, one at a time; prints count, p50, p95, p99, max;
 4. always stops gunicorn (log in bench/out/gunicorn_inbox.log); drops the database unless --keep-db.

    .venv/bin/python bench/bench_inbox.py [--requests 300] [--explain] [--keep-db] [--reuse-db]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import (  # noqa: E402 - the bench directory is put on the path first
    DIAGRAM,
    ROOT,
    CpuMeter,
    database_url,
    deploy,
    drop_database,
    free_port,
    log,
    login,
    percentile,
    setup_django,
    start_gunicorn,
    stop_gunicorn,
    verdict,
    wait_healthy,
)

DB_NAME = "pm_bench_inbox"
GOAL_P95_MS = 30.0
USER, PASSWORD = "bench-inbox", "bench-pass-2026"
RUNNING, FINISHED = 100_000, 400_000  # instances; one open + two completed tasks each running one
COMPLETED_PER_INSTANCE = 2  # 100k x 2 + 400k x 2 = 1,000,000 completed tasks
OTHER_USERS = 40
GROUPS = ("technician", "dispatcher", "service_desk", "manager", "security", "finance")
GROUP_WEIGHTS = (40, 15, 20, 10, 10, 5)
PROCESSES = (
    ("repair", "报修处理"),
    ("complaint", "投诉处理"),
    ("maintenance", "计划保养"),
    ("activity", "社区活动"),
)
LOG_PATH = ROOT / "bench/out/gunicorn_inbox.log"
URLS = {
    "GET /tasks/ (default ordering)": "/api/v1/tasks/",
    "GET /tasks/?ordering=due_at": "/api/v1/tasks/?ordering=due_at",
}
EXTRA_URLS = {"GET /tasks/?status=completed (no goal)": "/api/v1/tasks/?status=completed"}


def copy_rows(conn, table: str, columns: tuple[str, ...], rows) -> int:
    count = 0
    quoted = ", ".join(f'"{c}"' for c in columns)
    with conn.cursor() as cur, cur.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count


def load(rng: random.Random) -> None:
    import psycopg
    from django.contrib.auth.hashers import make_password

    from backoffice.accounts.models import EstateMembership, User
    from backoffice.estates.models import Estate

    estates = [
        Estate.objects.create(code=f"INBOX{n}", name=f"收件箱项目{n}", address="上海市浦东新区")
        for n in range(1, 5)
    ]
    user = User.objects.create(username=USER, password=make_password(PASSWORD))
    user_id = user.pk
    EstateMembership.objects.bulk_create(
        [
            EstateMembership(user=user, estate=estates[0], role="technician"),
            EstateMembership(user=user, estate=estates[1], role="technician"),
            EstateMembership(user=user, estate=estates[0], role="service_desk"),
        ]
    )
    others = User.objects.bulk_create(User(username=f"staff-{n:02d}") for n in range(OTHER_USERS))
    EstateMembership.objects.bulk_create(
        EstateMembership(user=u, estate=estates[n % 4], role=GROUPS[n % len(GROUPS)])
        for n, u in enumerate(others)
    )
    version = deploy(DIAGRAM.read_text(encoding="utf-8"))
    estate_ids = [e.pk for e in estates]
    other_ids = [u.pk for u in others]
    now = dt.datetime.now(dt.UTC)

    # plan the instances: (estate, process, started, running?)
    plan = []
    for n in range(RUNNING + FINISHED):
        started = now - dt.timedelta(minutes=rng.randrange(60, 60 * 24 * 90))
        plan.append((rng.choice(estate_ids), rng.choice(PROCESSES), started, n < RUNNING))
    rng.shuffle(plan)

    def instance_rows():
        for n, (estate, (key, _name), started, running) in enumerate(plan, start=1):
            yield (
                n,
                version.pk,
                key,
                estate,
                f"BK-{n:07d}",
                "running" if running else "completed",
                "{}",
                "{}",
                3,
                None,
                None,
                None,
                started,
                None if running else started + dt.timedelta(hours=rng.randrange(1, 72)),
            )

    stats = {"assigned to the bench user": 0, "offered to the bench user by name": 0}
    candidates: list[tuple] = []

    def task_rows():
        task_id = 0
        for n, (estate, (key, name), started, running) in enumerate(plan, start=1):
            at = started
            for step in range(COMPLETED_PER_INSTANCE):
                task_id += 1
                at += dt.timedelta(minutes=rng.randrange(5, 600))
                completer = user_id if rng.random() < 0.02 else rng.choice(other_ids)
                group = rng.choices(GROUPS, GROUP_WEIGHTS)[0]
                yield (
                    task_id, n, estate, key, f"BK-{n:07d}", str(uuid.UUID(int=rng.getrandbits(128))),
                    f"step{step + 1}", f"{name} 第{step + 1}步", "completed", completer, f'["{group}"]', "[]",
                    None, 50, "{}", at - dt.timedelta(minutes=30), None, at, completer, "{}",
                )  # fmt: skip
            if not running:
                continue
            task_id += 1
            group = rng.choices(GROUPS, GROUP_WEIGHTS)[0]
            draw = rng.random()
            assignee = user_id if draw < 0.03 else rng.choice(other_ids) if draw < 0.13 else None
            stats["assigned to the bench user"] += assignee == user_id
            users = "[]"
            if assignee is None and rng.random() < 0.01:
                users = f'["{USER}"]'
                candidates.append((task_id, estate, "", USER, False))
                stats["offered to the bench user by name"] += 1
            # every open task keeps its candidate rows while someone holds it (`assigned` says so)
            candidates.append((task_id, estate, group, "", assignee is not None))
            due = None if rng.random() < 0.2 else at + dt.timedelta(hours=rng.randrange(2, 24 * 7))
            yield (
                task_id, n, estate, key, f"BK-{n:07d}", str(uuid.UUID(int=rng.getrandbits(128))),
                "step3", f"{name} 第3步", "open", assignee, f'["{group}"]', users,
                due, rng.choice((30, 50, 50, 50, 70, 90)), "{}", at, at if assignee else None, None, None, None,
            )  # fmt: skip

    with psycopg.connect(database_url(DB_NAME)) as conn:
        started = time.perf_counter()
        columns = ("id", "version_id", "process_key", "estate_id", "business_key", "status", "state")
        columns += ("variables", "revision", "next_timer_at", "incident", "started_by_id", "started_at")
        n_instances = copy_rows(conn, "workflows_processinstance", (*columns, "ended_at"), instance_rows())
        conn.commit()
        log(f"  instances  {n_instances:>9,}  {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        columns = ("id", "instance_id", "estate_id", "process_key", "business_key", "engine_task_id")
        columns += ("task_key", "name", "status", "assignee_id", "candidate_groups", "candidate_users")
        columns += ("due_at", "priority", "form", "created_at", "claimed_at", "completed_at")
        columns += ("completed_by_id", "data")
        n_tasks = copy_rows(conn, "workflows_humantask", columns, task_rows())
        conn.commit()
        log(f"  tasks      {n_tasks:>9,}  {time.perf_counter() - started:6.1f} s")
        started = time.perf_counter()
        columns = ("task_id", "estate_id", "group", "username", "assigned")
        n_candidates = copy_rows(conn, "workflows_taskcandidate", columns, candidates)
        for table in ("workflows_processinstance", "workflows_humantask", "workflows_taskcandidate"):
            conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
        conn.commit()
        log(f"  candidates {n_candidates:>9,}  {time.perf_counter() - started:6.1f} s")
    for what, count in stats.items():
        log(f"  open tasks {what}: {count:,}")


def analyze() -> None:
    import psycopg

    started = time.perf_counter()
    with psycopg.connect(database_url(DB_NAME), autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
    log(f"  VACUUM ANALYZE  {time.perf_counter() - started:.1f} s")


def inbox_size() -> dict[str, int]:
    """What the bench user's inbox holds, counted through the selector the API uses."""
    from backoffice.accounts.models import User
    from backoffice.accounts.selectors import estate_roles
    from workflows import selectors
    from workflows.runtime import Actor

    user = User.objects.get(username=USER)
    actor = Actor(user=user, groups=estate_roles(user))
    return {
        "open": selectors.task_inbox(actor=actor).count(),
        "completed": selectors.task_inbox(actor=actor, status="completed").count(),
    }


def explain() -> None:
    """EXPLAIN ANALYZE every query one request of each kind runs (in-process, same settings)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    token = client.post(
        "/api/v1/auth/token/", {"username": USER, "password": PASSWORD}, content_type="application/json"
    ).json()["token"]
    for url in [*URLS.values(), *EXTRA_URLS.values()]:
        with CaptureQueriesContext(connection) as queries:
            client.get(url, HTTP_AUTHORIZATION=f"Token {token}")
        log(f"\n=== {url}")
        for query in queries.captured_queries:
            sql = query["sql"]
            if "workflows_humantask" not in sql:
                continue
            log(f"--- {sql}")
            with connection.cursor() as cursor:
                cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
                for (line,) in cursor.fetchall():
                    log(f"    {line}")


def measure(base_url: str, n_requests: int, expected: dict[str, int]) -> dict[str, list[float]]:
    import httpx

    urls = {**URLS, **EXTRA_URLS}
    samples: dict[str, list[float]] = {name: [] for name in urls}
    with httpx.Client(base_url=base_url, timeout=30) as client:
        login(client, USER, PASSWORD)

        def timed(name: str, url: str) -> float:
            started = time.perf_counter()
            response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise RuntimeError(f"GET {url} -> {response.status_code}: {response.text[:300]}")
            body = response.json()
            want = expected["completed" if "completed" in url else "open"]
            if body["count"] != want or len(body["results"]) != min(50, want):
                raise RuntimeError(f"GET {url}: count {body['count']} (expected {want})")
            return elapsed

        for _round in range(20):  # warm both workers: imports, connections, caches
            for name, url in urls.items():
                timed(name, url)
        for _round in range(n_requests):  # interleaved, one at a time
            for name, url in urls.items():
                samples[name].append(timed(name, url))
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="measured requests of each kind")
    parser.add_argument("--keep-db", action="store_true", help=f"leave {DB_NAME} for inspection")
    parser.add_argument("--reuse-db", action="store_true", help=f"use a kept {DB_NAME} (migrate, no reload)")
    parser.add_argument("--explain", action="store_true", help="print EXPLAIN ANALYZE of the inbox queries")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    args = parser.parse_args()
    if not 1 <= args.requests <= 5000:
        parser.error("--requests must be between 1 and 5000")

    rng = random.Random(2026)  # noqa: S311 (benchmark data)
    started = time.perf_counter()
    seconds = setup_django(DB_NAME, keep=args.reuse_db)
    process = None
    try:
        from backoffice.accounts.models import User

        reused = args.reuse_db and User.objects.filter(username=USER).exists()
        log(f"database {DB_NAME}: {'reused' if reused else 'created'} and migrated in {seconds:.1f} s")
        if not reused:
            load(rng)
        analyze()
        log(f"ready in {time.perf_counter() - started:.1f} s")
        expected = inbox_size()
        log(f"the bench user's inbox: {expected['open']:,} open tasks, {expected['completed']:,} completed")
        if args.explain:
            explain()

        from django.db import connections

        connections.close_all()
        port = args.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
        process = start_gunicorn(port, DB_NAME, LOG_PATH)
        wait_healthy(base_url, process)
        cpu = CpuMeter(DB_NAME)
        cpu.start()
        samples = measure(base_url, args.requests, expected)
        cpu.stop()
        cpu.report(sum(len(s) for s in samples.values()))
    finally:
        if process is not None:
            stop_gunicorn(process)
        if not args.keep_db:
            drop_database(DB_NAME)
            log(f"database {DB_NAME} dropped (use --keep-db to keep it)")

    log(f"\n  {'request (ms)':<40} {'count':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}   goal p95 <= 30")
    ok = True
    for name, values in samples.items():
        p95 = percentile(values, 0.95)
        goal = name in URLS
        ok &= p95 <= GOAL_P95_MS or not goal
        log(
            f"  {name:<40} {len(values):>5} {statistics.median(values):7.1f} {p95:7.1f} "
            f"{percentile(values, 0.99):7.1f} {max(values):7.1f}   {verdict(p95 <= GOAL_P95_MS) if goal else ''}"
        )
    log(f"\ngoal (p95 <= {GOAL_P95_MS:.0f} ms for both inbox orderings): {'MET' if ok else 'NOT MET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
