"""Work orders driven through report, dispatch, acceptance, repair and confirmation over HTTP.

Drops and creates `pm_bench_repairs_http` on 127.0.0.1:5432, migrates it, deploys bpmn/repair.bpmn, creates
an estate with 200 units and the staff, starts gunicorn (2 workers, DEBUG off) on 127.0.0.1 and drives
`--orders` work orders with `--clients` concurrent clients. Each order: POST /work-orders/ (service desk,
on behalf of the owner), then for each of dispatch, accept, repair_work and confirm: find the task by
business key in the actor's inbox and complete it. Prints orders per second and p50/p95 per step.

    .venv/bin/python bench/bench_repairs_http.py [--orders 10000] [--clients 16] [--keep-db]
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DB_NAME = "pm_bench_repairs_http"
DATABASE_URL = f"{PG_SERVER}/{DB_NAME}"
PASSWORD = "bench-pass-2026"
STAFF = {"desk": "service_desk", "dispatch": "dispatcher", "tech": "technician"}


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    env = {**os.environ, "DATABASE_URL": DATABASE_URL}
    subprocess.run([sys.executable, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True, env=env)


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")


def seed() -> list[int]:
    os.environ["DATABASE_URL"] = DATABASE_URL
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from decimal import Decimal

    from backoffice.accounts.models import EstateMembership, User
    from backoffice.estates.models import Building, Estate, Unit
    from workflows.definitions import definition_deploy

    definition_deploy(actor=None, bpmn_xml=(ROOT / "bpmn" / "repair.bpmn").read_text(encoding="utf-8"))
    estate = Estate.objects.create(code="BENCHW", name="报修压测", address="1 Road")
    building = Building.objects.create(estate=estate, name="1栋", floors=25)
    units = Unit.objects.bulk_create(
        [
            Unit(
                estate=estate,
                building=building,
                number=f"{f}{n:02d}",
                floor=f,
                unit_type="residential",
                area=Decimal("90.00"),
                label=f"1栋-{f}{n:02d}",
            )
            for f in range(1, 21)
            for n in range(1, 11)
        ]
    )
    for username, role in STAFF.items():
        user = User.objects.create_user(username=username, password=PASSWORD)
        EstateMembership.objects.create(user=user, estate=estate, role=role)
    return [u.pk for u in units]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": DATABASE_URL,
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop",
    }
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    for _ in range(100):
        try:
            if httpx.get(f"http://127.0.0.1:{port}/api/v1/health/", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer")


def client_for(base: str, username: str) -> httpx.Client:
    token = httpx.post(
        f"{base}/api/v1/auth/token/", json={"username": username, "password": PASSWORD}
    ).json()["token"]
    return httpx.Client(base_url=base, headers={"Authorization": f"Token {token}"}, timeout=30)


def drive(base: str, units: list[int], count: int, timings: dict, errors: list) -> None:
    clients = {name: client_for(base, name) for name in STAFF}
    steps = (
        ("dispatch", "dispatch", {"technician": "tech"}),
        ("accept", "tech", {}),
        (
            "repair_work",
            "tech",
            {"diagnosis": "阀门老化", "work_done": "更换", "parts_cost": "0", "charge_owner": False},
        ),
        ("confirm", "desk", {"satisfied": True, "rating": 5}),
    )
    for n in range(count):
        began = time.perf_counter()
        created = clients["desk"].post(
            "/api/v1/work-orders/",
            json={"unit": units[n % len(units)], "category": "plumbing", "description": "漏水"},
        )
        timings["report"].append(time.perf_counter() - began)
        if created.status_code != 201:
            errors.append(created.text[:200])
            continue
        number = created.json()["number"]
        for key, actor, data in steps:
            began = time.perf_counter()
            tasks = clients[actor].get("/api/v1/tasks/", params={"business_key": number}).json()["results"]
            task = next((t for t in tasks if t["task_key"] == key), None)
            if task is None:
                errors.append(f"{number}: no {key} task")
                break
            done = clients[actor].post(f"/api/v1/tasks/{task['id']}/complete/", json={"data": data})
            timings[key].append(time.perf_counter() - began)
            if done.status_code != 200:
                errors.append(done.text[:200])
                break


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--keep-db", action="store_true")
    args = parser.parse_args()
    recreate_database()
    units = seed()
    port = free_port()
    server = start_server(port)
    try:
        base = f"http://127.0.0.1:{port}"
        timings: dict = defaultdict(list)
        errors: list = []
        per_client = max(1, args.orders // args.clients)
        threads = [
            threading.Thread(target=drive, args=(base, units, per_client, timings, errors))
            for _ in range(args.clients)
        ]
        began = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - began
        done = len(timings["confirm"])
        print(
            f"{done:,} work orders closed in {elapsed:.1f} s: {done / elapsed:.1f} orders/s "
            f"({args.clients} clients, gunicorn 2 workers); {len(errors)} errors"
        )
        for step in ("report", "dispatch", "accept", "repair_work", "confirm"):
            values = sorted(timings[step])
            if values:
                p95 = values[int(0.95 * (len(values) - 1))]
                print(
                    f"  {step:<12} n={len(values):>6}  p50 {statistics.median(values) * 1000:6.1f} ms"
                    f"  p95 {p95 * 1000:6.1f} ms  (find the task + complete it)"
                )
        for error in errors[:5]:
            print("  error:", error)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        if not args.keep_db:
            drop_database()


if __name__ == "__main__":
    main()
