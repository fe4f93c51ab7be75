"""Engine throughput through the HTTP API: gunicorn with 2 workers, 16 concurrent clients, PostgreSQL.

Goal: completing tasks with POST /api/v1/tasks/{id}/complete/ reaches >= 150 completions/s with p95 latency
<= 60 ms, with 16 clients working at once against `gunicorn config.wsgi -w 2`.

What it does (see bench/README.md):
 1. drops and creates the database `pm_bench_engine_http` on 127.0.0.1:5432 and migrates it (DEBUG off);
 2. creates an estate and a technician (a user with a password and the technician role there), deploys
    bench/diagrams/three_steps.bpmn (three sequential user tasks for `technician`);
 3. starts gunicorn (2 workers, DEBUG off) on a free 127.0.0.1 port; 16 threads each log in once with
    their own client (bench_engine.LightClient; POST /api/v1/auth/token/), then, all together, phase by
    phase:
      start   POST /api/v1/process-instances/ {"process_key","estate","business_key","variables"}
              (the first task's id is the response's open_tasks[0].id)
      complete k (k = 1, 2, 3)  POST /api/v1/tasks/{id}/complete/ {"data": {}}
      next    GET /api/v1/tasks/?business_key=<key> (the technician's inbox) for the next task's id
    each client handles --per-client instances (default 40: 640 instances, 1,920 completions);
 4. prints the rate and latency (p50/p95/p99/max) of each kind of request; completions/s is the number of
    completions over the time of the three complete phases; the mixed rate over the whole run is shown too;
 5. always stops gunicorn (log in bench/out/gunicorn_engine_http.log); drops the database unless --keep-db.

    .venv/bin/python bench/bench_engine_http.py [--clients 16] [--per-client 40] [--keep-db]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import (  # noqa: E402 - the bench directory is put on the path first
    DIAGRAM,
    PROCESS_KEY,
    ROOT,
    TECHNICIAN,
    TECHNICIAN_PASSWORD,
    CpuMeter,
    LightClient,
    deploy,
    drop_database,
    free_port,
    log,
    login,
    make_estate_and_technician,
    percentile,
    setup_django,
    start_gunicorn,
    stop_gunicorn,
    verdict,
    wait_healthy,
)

DB_NAME = "pm_bench_engine_http"
GOAL_RATE = 150.0
GOAL_P95_MS = 60.0
LOG_PATH = ROOT / "bench/out/gunicorn_engine_http.log"


class BenchClient:
    """One simulated technician's phone: its own connection, token and instances."""

    def __init__(self, index: int, base_url: str, estate_id: int, per_client: int, prefix: str = "HTTP"):
        self.index = index
        self.estate_id = estate_id
        self.http = LightClient(base_url, timeout=30)
        self.keys = [f"{prefix}-{index:02d}-{n:04d}" for n in range(per_client)]
        self.task_ids: dict[str, int] = {}
        self.latency: dict[str, list[float]] = {"start": [], "complete": [], "next": []}
        self.lock = threading.Lock()

    def _post(self, kind: str, url: str, body: dict):
        started = time.perf_counter()
        response = self.http.post(url, json=body)
        self.latency[kind].append((time.perf_counter() - started) * 1000)
        if response.status_code not in (200, 201):
            raise RuntimeError(f"POST {url} -> {response.status_code}: {response.text[:300]}")
        return response.json()

    def start_all(self) -> None:
        for key in self.keys:
            body = {
                "process_key": PROCESS_KEY,
                "estate": self.estate_id,
                "business_key": key,
                "variables": {},
            }
            instance = self._post("start", "/api/v1/process-instances/", body)
            if instance["status"] != "running" or len(instance["open_tasks"]) != 1:
                raise RuntimeError(f"unexpected start response for {key}: {instance}")
            self.task_ids[key] = instance["open_tasks"][0]["id"]

    def complete_all(self) -> None:
        for key in self.keys:
            task = self._post("complete", f"/api/v1/tasks/{self.task_ids[key]}/complete/", {"data": {}})
            if task["status"] != "completed":
                raise RuntimeError(f"task {task['id']} not completed: {task}")

    def next_all(self) -> None:
        for key in self.keys:
            started = time.perf_counter()
            response = self.http.get("/api/v1/tasks/", params={"business_key": key})
            self.latency["next"].append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"GET inbox -> {response.status_code}: {response.text[:300]}")
            results = response.json()["results"]
            if len(results) != 1:
                raise RuntimeError(f"{key}: {len(results)} open tasks in the inbox, expected 1")
            self.task_ids[key] = results[0]["id"]


def run_phase(pool: ThreadPoolExecutor, clients: list[BenchClient], method: str) -> float:
    started = time.perf_counter()
    for future in [pool.submit(getattr(client, method)) for client in clients]:
        future.result()
    return time.perf_counter() - started


def warm_up(base_url: str, estate_id: int) -> None:
    """Imports, spec cache and connections of both workers (a few concurrent instances, not counted)."""
    clients = [BenchClient(i, base_url, estate_id, 3, prefix="WARM") for i in range(4)]
    with ThreadPoolExecutor(max_workers=len(clients)) as pool:
        for client in clients:
            login(client.http, TECHNICIAN, TECHNICIAN_PASSWORD)
        run_phase(pool, clients, "start_all")
        for step in range(3):
            run_phase(pool, clients, "complete_all")
            if step < 2:
                run_phase(pool, clients, "next_all")
    for client in clients:
        client.http.close()


def row(name: str, samples: list[float], seconds: float, goal: str = "", ok: bool | None = None) -> None:
    rate = len(samples) / seconds if seconds else 0.0
    p95 = percentile(samples, 0.95)
    tail = f"   {goal} {verdict(ok)}" if ok is not None else ""
    log(
        f"  {name:<34} {len(samples):>6} {rate:8.0f} {statistics.median(samples):7.1f} {p95:7.1f} "
        f"{percentile(samples, 0.99):7.1f} {max(samples):7.1f}{tail}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients (threads)")
    parser.add_argument("--per-client", type=int, default=40, help="instances each client starts")
    parser.add_argument("--keep-db", action="store_true", help=f"leave {DB_NAME} for inspection")
    parser.add_argument("--port", type=int, default=0, help="gunicorn port (default: a free one)")
    args = parser.parse_args()
    if not 1 <= args.clients <= 64:
        parser.error("--clients must be between 1 and 64")
    if not 1 <= args.per_client <= 500:
        parser.error("--per-client must be between 1 and 500")

    seconds = setup_django(DB_NAME)
    log(f"database {DB_NAME}: created and migrated in {seconds:.1f} s (DEBUG off)")
    process = None
    clients: list[BenchClient] = []
    try:
        estate, user = make_estate_and_technician()
        version = deploy(DIAGRAM.read_text(encoding="utf-8"), actor=user)
        log(f"deployed {PROCESS_KEY} v{version.version}; technician {user.username} in {estate.code}")
        from django.db import connections

        connections.close_all()  # the bench process needs no connection while gunicorn works

        port = args.port or free_port()
        base_url = f"http://127.0.0.1:{port}"
        process = start_gunicorn(port, DB_NAME, LOG_PATH)
        wait_healthy(base_url, process)
        warm_up(base_url, estate.pk)

        clients = [BenchClient(i, base_url, estate.pk, args.per_client) for i in range(args.clients)]
        for client in clients:
            login(client.http, TECHNICIAN, TECHNICIAN_PASSWORD)  # once per client (logins are throttled)
        log(f"{args.clients} clients x {args.per_client} instances against gunicorn -w 2 on 127.0.0.1:{port}")
        cpu = CpuMeter(DB_NAME)  # over the complete phases
        phase_seconds = {"start": 0.0, "complete": 0.0, "next": 0.0}
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            phase_seconds["start"] += run_phase(pool, clients, "start_all")
            for step in range(3):
                cpu.start()
                phase_seconds["complete"] += run_phase(pool, clients, "complete_all")
                cpu.stop()
                if step < 2:
                    phase_seconds["next"] += run_phase(pool, clients, "next_all")
        cpu.report(3 * args.clients * args.per_client, "complete call")

        from workflows.models import ProcessInstance

        done = ProcessInstance.objects.filter(business_key__startswith="HTTP-", status="completed").count()
        expected = args.clients * args.per_client
        if done != expected:
            raise RuntimeError(f"{done} of {expected} instances completed")
        connections.close_all()
        log(f"{done} instances completed through the API")
    finally:
        for client in clients:
            client.http.close()
        if process is not None:
            stop_gunicorn(process)
        if not args.keep_db:
            drop_database(DB_NAME)
            log(f"database {DB_NAME} dropped (use --keep-db to keep it)")

    merged = {kind: [ms for c in clients for ms in c.latency[kind]] for kind in ("start", "complete", "next")}
    completes = merged["complete"]
    rate = len(completes) / phase_seconds["complete"]
    p95 = percentile(completes, 0.95)
    total_requests = sum(len(v) for v in merged.values())
    log(f"\n  {'request (ms)':<34} {'count':>6} {'per s':>8} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    row("POST /process-instances/ (start)", merged["start"], phase_seconds["start"])
    row(
        "POST /tasks/{id}/complete/", completes, phase_seconds["complete"], "p95 <= 60 ms", p95 <= GOAL_P95_MS
    )
    row("GET /tasks/?business_key= (next)", merged["next"], phase_seconds["next"])
    log(f"\n  {'figure':<52} {'actual':>9} {'goal':>9}")
    log(f"  {'completions/s (complete phases)':<52} {rate:9.0f} {'>= 150':>9}   {verdict(rate >= GOAL_RATE)}")
    log(f"  {'p95 of the complete calls (ms)':<52} {p95:9.1f} {'<= 60':>9}   {verdict(p95 <= GOAL_P95_MS)}")
    mixed = total_requests / sum(phase_seconds.values())
    log(f"  {'all requests/s over the whole run (start+complete+next)':<52} {mixed:9.0f} {'-':>9}")
    return 0 if rate >= GOAL_RATE and p95 <= GOAL_P95_MS else 1


if __name__ == "__main__":
    sys.exit(main())
