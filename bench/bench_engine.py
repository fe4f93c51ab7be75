"""Engine throughput on PostgreSQL through the service layer, next to SpiffWorkflow's own loop.

Goal (ARCHITECTURE.md "The BPM runtime" / Speed): completing user tasks through `workflows.services`
reaches >= 300 completions/s, and >= 0.5 x the rate of SpiffWorkflow's bare loop on the same diagram
(serialize_json -> deserialize_json -> complete the ready user task -> do_engine_steps) in the same run.

What it does (see bench/README.md):
 1. drops and creates the database `pm_bench_engine` on 127.0.0.1:5432 and migrates it (DEBUG off);
 2. creates an estate and a technician, deploys bench/diagrams/three_steps.bpmn (three sequential user
    tasks for the candidate group `technician`) with `definition_deploy`;
 3. starts --instances (default 1,000) instances with `instance_start` and completes all their tasks with
    `task_complete` as the technician, step by step (all first tasks, then all second ones, ...);
 4. runs SpiffWorkflow's loop on the same diagram (stock CamundaParser + BpmnWorkflowSerializer with the
    Camunda config; the restricted script engine, never Python's eval) for the same number of instances, then
    the same loop with each state kept in a PostgreSQL row (SELECT ... FOR UPDATE, step, UPDATE, COMMIT through
    bare psycopg: the least a persistent engine does, with no task projection and no history);
 5. prints both rates and their ratio, then where a completion's time goes: round trips and the statements
    they carry, the time in them, our engine step without the database, and the smallest write
    transaction the database allows (BEGIN, a one-row UPDATE, COMMIT through bare psycopg); exit status 1
    if a goal is missed. The database is dropped unless --keep-db.

    .venv/bin/python bench/bench_engine.py [--instances 1000] [--profile] [--keep-db]

The helpers below (database, gunicorn, percentiles) are shared by the other engine benchmarks.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_SERVER = "postgresql://postgres@127.0.0.1:5432"
DIAGRAM = Path(__file__).resolve().parent / "diagrams" / "three_steps.bpmn"
PROCESS_KEY = "bench_three_steps"
DB_NAME = "pm_bench_engine"
GOAL_RATE = 300.0
GOAL_RATIO = 0.5
TECHNICIAN, TECHNICIAN_PASSWORD = "bench-technician", "bench-pass-2026"

sys.path.insert(0, str(ROOT))


def log(message: str = "") -> None:
    print(message, flush=True)


# --- shared helpers -----------------------------------------------------------------------------------------


def database_url(name: str) -> str:
    return f"{PG_SERVER}/{name}"


def recreate_database(name: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is not None


def setup_django(name: str, *, keep: bool = False) -> float:
    """Point Django at a fresh database `name` (dropped first unless `keep` and it exists), DEBUG off, and
    migrate; returns seconds."""
    started = time.perf_counter()
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if not (keep and database_exists(name)):
        recreate_database(name)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)
    return time.perf_counter() - started


def make_estate_and_technician(
    *, code: str = "BENCH-E", username: str = TECHNICIAN, password: str = TECHNICIAN_PASSWORD
):
    """An estate and a user holding the technician role there (with a password, for the HTTP benches)."""
    from django.contrib.auth.hashers import make_password

    from backoffice.accounts.models import EstateMembership, User
    from backoffice.estates.models import Estate

    estate = Estate.objects.create(code=code, name=f"基准项目 {code}", address="上海市浦东新区")
    user = User.objects.create(username=username, password=make_password(password))
    EstateMembership.objects.create(user=user, estate=estate, role="technician")
    return estate, user


def deploy(bpmn_xml: str, actor=None):
    from workflows.definitions import definition_deploy

    version, _created = definition_deploy(actor=actor, bpmn_xml=bpmn_xml)
    return version


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, db_name: str, log_path: Path, workers: int = 2) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(db_name),
        "DJANGO_DEBUG": "false",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "false",
    }
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as out:
        return subprocess.Popen(
            [
                str(ROOT / ".venv/bin/gunicorn"),
                "config.wsgi",
                "-w",
                str(workers),
                "-b",
                f"127.0.0.1:{port}",
            ],
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


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 30.0) -> None:
    import httpx

    with httpx.Client(base_url=base_url, timeout=5) as client:
        for _attempt in range(int(timeout / 0.25)):
            if process.poll() is not None:
                raise RuntimeError("gunicorn exited; see its log in bench/out/")
            try:
                if client.get("/api/v1/health/").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
    raise RuntimeError(f"the API did not become healthy within {timeout:.0f} s")


class LightResponse:
    __slots__ = ("status_code", "content")

    def __init__(self, status_code: int, content: bytes):
        self.status_code = status_code
        self.content = content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", "replace")

    def json(self):
        import json

        return json.loads(self.content)


class LightClient:
    """The smallest HTTP/1.1 client the standard library allows (http.client, one connection per request as
    gunicorn's sync workers close each one), for the clients of the HTTP benchmarks: they share the 2 CPUs
    with the server, and httpx spends about 1 ms of CPU per request that the server then lacks. Same calls
    as httpx.Client for what the benchmarks use: post(url, json=), get(url, params=), headers, close()."""

    def __init__(self, base_url: str, timeout: float = 30):
        from urllib.parse import urlsplit

        parts = urlsplit(base_url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.headers: dict[str, str] = {}

    def _request(self, method: str, url: str, body: bytes | None = None) -> LightResponse:
        import http.client

        headers = {**self.headers, "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            connection.request(method, url, body=body, headers=headers)
            response = connection.getresponse()
            return LightResponse(response.status, response.read())
        finally:
            connection.close()

    def post(self, url: str, json=None) -> LightResponse:
        import json as json_module

        return self._request("POST", url, json_module.dumps(json).encode())

    def get(self, url: str, params: dict | None = None) -> LightResponse:
        from urllib.parse import urlencode

        return self._request("GET", f"{url}?{urlencode(params)}" if params else url)

    def close(self) -> None:
        """Nothing stays open between requests."""


def login(client, username: str, password: str) -> None:
    response = client.post("/api/v1/auth/token/", json={"username": username, "password": password})
    if response.status_code != 200:
        raise RuntimeError(f"login failed: {response.status_code} {response.text[:300]}")
    client.headers["Authorization"] = f"Token {response.json()['token']}"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[index]


def verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _jiffies(path: str, fields: slice) -> int:
    try:
        with open(path) as handle:
            text = handle.read()
    except OSError:  # the process ended, or not Linux
        return 0
    if path != "/proc/stat":
        text = text.rsplit(")", 1)[1]  # the command name may contain spaces
    return sum(int(value) for value in text.split()[fields])


class CpuMeter:
    """Where the machine's CPU went during the measured windows (Linux /proc; nothing elsewhere): this
    process, its children (gunicorn and its workers, or a manage.py command), the PostgreSQL backends of
    `db_name`, and everything else. `start()`/`stop()` may be called around several windows; the figures
    add up. Call `poll()` now and then while processes that end before `stop()` are working."""

    GROUPS = ("bench process", "child processes", "postgres", "other processes")

    def __init__(self, db_name: str):
        self.db_name = db_name
        self.hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self.cpu_seconds = dict.fromkeys(self.GROUPS, 0.0)
        self.wall = 0.0
        self._start = None
        self._seen: dict[str, dict[int, int]] = {}

    def _groups(self) -> dict[str, list[int]]:
        import psycopg

        me = os.getpid()
        children = {me}
        for _round in range(2):  # children and grandchildren (gunicorn master -> workers)
            for entry in os.listdir("/proc"):
                if entry.isdigit() and _jiffies(f"/proc/{entry}/stat", slice(1, 2)) in children:
                    children.add(int(entry))
        with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                [self.db_name],
            )
            backends = [pid for (pid,) in rows.fetchall()]
        return {"bench process": [me], "child processes": sorted(children - {me}), "postgres": backends}

    def poll(self) -> None:
        """Remember what live processes have used so far (their figures vanish from /proc when they end)."""
        if self._start is None:
            return
        for group, pids in self._groups().items():
            seen = self._seen.setdefault(group, {})
            for pid in pids:
                seen[pid] = max(seen.get(pid, 0), _jiffies(f"/proc/{pid}/stat", slice(11, 13)))

    def _sample(self):
        # /proc/stat "cpu" line: user nice system idle iowait irq softirq steal
        busy = _jiffies("/proc/stat", slice(1, 4)) + _jiffies("/proc/stat", slice(6, 9))
        per_pid = {
            group: {pid: _jiffies(f"/proc/{pid}/stat", slice(11, 13)) for pid in pids}  # utime + stime
            for group, pids in self._groups().items()
        }
        return time.perf_counter(), busy, per_pid

    def start(self) -> None:
        if os.path.exists("/proc/stat"):
            self._seen = {}
            self._start = self._sample()

    def stop(self) -> None:
        if self._start is None:
            return
        end_wall, end_busy, end_groups = self._sample()
        start_wall, start_busy, start_groups = self._start
        self._start = None
        ours = 0
        for group in ("bench process", "child processes", "postgres"):
            latest = {**self._seen.get(group, {}), **end_groups.get(group, {})}
            used = sum(
                max(0, value - start_groups.get(group, {}).get(pid, 0)) for pid, value in latest.items()
            )
            self.cpu_seconds[group] += used / self.hz
            ours += used
        self.cpu_seconds["other processes"] += max(0, end_busy - start_busy - ours) / self.hz
        self.wall += end_wall - start_wall

    def report(self, requests: int = 0, what: str = "request") -> None:
        if not self.wall:
            return
        cpus = os.cpu_count() or 1
        parts = []
        for group in self.GROUPS:
            seconds = self.cpu_seconds[group]
            if not seconds and group != "other processes":
                continue
            text = f"{group} {seconds / (cpus * self.wall):.0%}"
            if requests and group != "other processes":
                text += f" ({seconds / requests * 1000:.1f} ms/{what})"
            parts.append(text)
        log(f"CPU used of the machine's {cpus} CPUs while measuring: " + ", ".join(parts))
        if self.cpu_seconds["other processes"] / (cpus * self.wall) > 0.10:
            log(
                "  (other processes competed for the CPUs: the figures are pessimistic; rerun on a quiet machine)"
            )


class CpuSampler:
    """Where this process's CPU time goes: the stack every millisecond of CPU time (SIGPROF; the kernel's
    tick may make it every few), then each function's share of the samples whose stack holds it. Unlike
    cProfile it neither slows small calls down nor counts the time spent waiting for PostgreSQL."""

    def __init__(self):
        from collections import Counter

        self.inclusive: Counter = Counter()
        self.exclusive: Counter = Counter()
        self.samples = 0

    @staticmethod
    def _name(code) -> str:
        path = code.co_filename.split("site-packages/")[-1].replace(f"{ROOT}/", "")
        return f"{path}:{code.co_name}"

    def _sample(self, _signum, frame) -> None:
        self.samples += 1
        self.exclusive[self._name(frame.f_code)] += 1
        seen = set()
        while frame is not None:
            name = self._name(frame.f_code)
            if name not in seen:
                seen.add(name)
                self.inclusive[name] += 1
            frame = frame.f_back

    def start(self) -> None:
        signal.signal(signal.SIGPROF, self._sample)
        signal.setitimer(signal.ITIMER_PROF, 0.001, 0.001)

    def stop(self) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)

    def report(self, top: int = 45) -> None:
        log(f"{self.samples} samples; share of the CPU time in each function and what it calls (inclusive):")
        for name, count in self.inclusive.most_common(top):
            log(f"  {100 * count / self.samples:5.1f} %  {name}")
        log("in the function itself (exclusive):")
        for name, count in self.exclusive.most_common(15):
            log(f"  {100 * count / self.samples:5.1f} %  {name}")


def start_profiler():
    """pyinstrument when installed in the venv (`pip install pyinstrument`), else the CPU sampler (cProfile
    where there is no SIGPROF)."""
    try:
        import pyinstrument
    except ImportError:
        if hasattr(signal, "setitimer"):
            profiler = CpuSampler()
            profiler.start()
            return profiler
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        return profiler
    profiler = pyinstrument.Profiler(interval=0.0005)
    profiler.start()
    return profiler


def stop_profiler(profiler, what: str) -> None:
    log(f"\n--- profile of {what} ---")
    if hasattr(profiler, "output_text"):
        profiler.stop()
        log(profiler.output_text(unicode=True, color=False, show_all=False))
        return
    if isinstance(profiler, CpuSampler):
        profiler.stop()
        profiler.report()
        return
    import pstats

    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(40)


# --- the service layer --------------------------------------------------------------------------------------


def count_statements(sql: str) -> int:
    """SQL statements in one text: the `;` outside quoted strings and identifiers ('...' with '' inside,
    E'...' with backslash escapes, "..."), plus one."""
    count, quote, escapes, index = 1, "", False, 0
    while index < len(sql):
        char = sql[index]
        if quote:
            if escapes and char == "\\":
                index += 1
            elif char == quote:
                if sql[index + 1 : index + 2] == quote:
                    index += 1
                else:
                    quote = ""
        elif char in "'\"":
            quote, escapes = char, char == "'" and sql[index - 1 : index] in ("E", "e")
        elif char == ";" and sql[index + 1 :].strip():
            count += 1
        index += 1
    return count


class SqlMeter:
    """Counts what Django sends to the database (BEGIN/COMMIT excluded): round trips (`execute()` calls),
    the statements they carry (several `;`-separated ones may go in one; counted afterwards, outside the
    measured time), and the time spent in them."""

    def __init__(self):
        self.count = 0
        self.seconds = 0.0
        self.texts: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1
            self.texts.append(sql)

    @property
    def statements(self) -> int:
        return sum(count_statements(sql) for sql in self.texts)


def run_service_layer(n_instances: int, profile: bool) -> dict[str, float]:
    """Start n instances and complete their 3 n tasks through `workflows.services`."""
    from django.db import connection

    from workflows import services
    from workflows.choices import InstanceStatus, TaskStatus
    from workflows.models import HumanTask, InstanceEvent, ProcessInstance
    from workflows.runtime import Actor

    estate, user = make_estate_and_technician()
    version = deploy(DIAGRAM.read_text(encoding="utf-8"), actor=user)
    actor = Actor(user=user, groups={estate.pk: frozenset({"technician"})})
    log(f"deployed {PROCESS_KEY} v{version.version}; technician {user.username} in estate {estate.code}")

    # warm up: the spec cache, imports, the connection (not counted)
    warm = services.instance_start(actor=actor, process_key=PROCESS_KEY, estate_id=estate.pk)
    for _step in range(3):
        task = HumanTask.objects.get(instance=warm, status=TaskStatus.OPEN)
        services.task_complete(actor=actor, task_id=task.pk, data={})

    started = time.perf_counter()
    ids = []
    for i in range(n_instances):
        instance = services.instance_start(
            actor=actor, process_key=PROCESS_KEY, estate_id=estate.pk, business_key=f"WO-{i:06d}"
        )
        ids.append(instance.pk)
    start_seconds = time.perf_counter() - started

    profiler = start_profiler() if profile else None
    meter = SqlMeter()
    cpu = CpuMeter(DB_NAME)
    complete_seconds = 0.0
    completions = 0
    for step in range(3):
        task_ids = list(
            HumanTask.objects.filter(instance_id__in=ids, status=TaskStatus.OPEN)
            .order_by("instance_id")
            .values_list("pk", flat=True)
        )
        if len(task_ids) != n_instances:
            raise RuntimeError(f"step {step + 1}: {len(task_ids)} open tasks, expected {n_instances}")
        cpu.start()
        with connection.execute_wrapper(meter):
            started = time.perf_counter()
            for task_id in task_ids:
                services.task_complete(actor=actor, task_id=task_id, data={})
            complete_seconds += time.perf_counter() - started
        cpu.stop()
        completions += len(task_ids)
    if profiler is not None:
        stop_profiler(profiler, "the completions (with 2 small queries between the steps)")
    cpu.report(completions, "completion")

    done = ProcessInstance.objects.filter(pk__in=ids, status=InstanceStatus.COMPLETED).count()
    if done != n_instances:
        raise RuntimeError(f"{done} of {n_instances} instances completed")
    events = InstanceEvent.objects.filter(instance_id__in=ids).count()
    log(f"{n_instances} instances completed; {events} history events ({events / n_instances:.0f} each)")
    return {
        "starts": n_instances / start_seconds,
        "completions": completions / complete_seconds,
        "ms_per_completion": complete_seconds / completions * 1000,
        "round_trips": meter.count / completions,
        "statements": meter.statements / completions,
        "sql_ms": meter.seconds / completions * 1000,
    }


def run_database_floor(n_transactions: int) -> float:
    """ms of the smallest write transaction a completion could be, straight through psycopg: BEGIN, UPDATE of
    one row in a (logged) table, COMMIT — three round trips and a WAL flush, no Django, no engine."""
    import psycopg

    with psycopg.connect(database_url(DB_NAME)) as conn:
        conn.execute("CREATE TABLE bench_floor (id integer PRIMARY KEY, n integer NOT NULL)")
        conn.execute("INSERT INTO bench_floor VALUES (1, 0)")
        conn.commit()
        started = time.perf_counter()
        for _i in range(n_transactions):
            conn.execute("UPDATE bench_floor SET n = n + 1 WHERE id = 1")
            conn.commit()
        seconds = time.perf_counter() - started
        conn.execute("DROP TABLE bench_floor")
        conn.commit()
    return seconds / n_transactions * 1000


def run_engine_only(n_instances: int) -> float:
    """Our engine step without the database: state-only JSON round trip (as the row holds it), complete the
    ready user task, run to the next wait. Completions/s; shows what the database adds."""
    import json

    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.util.task import TaskState

    from workflows.definitions import parse_diagram
    from workflows.engine.script_engine import RestrictedScriptEngine
    from workflows.engine.serializer import dump_state, load_state

    parsed = parse_diagram(DIAGRAM.read_text(encoding="utf-8"))
    spec, subprocess_specs = (
        parsed.parser.get_spec(parsed.key),
        parsed.parser.get_subprocess_specs(parsed.key),
    )
    now = dt.datetime.now(dt.UTC)
    engine = RestrictedScriptEngine(now=lambda: now)
    states = []
    for _i in range(n_instances):
        workflow = BpmnWorkflow(spec, subprocess_specs, script_engine=engine)
        workflow.do_engine_steps()
        states.append(json.dumps(dump_state(workflow)))
    started = time.perf_counter()
    for _step in range(3):
        for index, state in enumerate(states):
            workflow = load_state(json.loads(state), spec=spec, subprocess_specs=subprocess_specs)
            workflow.script_engine = engine
            workflow.get_tasks(state=TaskState.READY, manual=True)[0].run()
            workflow.refresh_timers()
            workflow.do_engine_steps()
            states[index] = json.dumps(dump_state(workflow))
    return 3 * n_instances / (time.perf_counter() - started)


# --- SpiffWorkflow's own loop -------------------------------------------------------------------------------


def run_spiff_loop(n_instances: int, *, durable: bool = False) -> float:
    """Completions/s of the bare library with a JSON round trip per step; no database.

    `durable`: the same loop with each state kept in a PostgreSQL row (bare psycopg): per step SELECT ... FOR
    UPDATE, the library's step, UPDATE, COMMIT — the least a persistent engine does, without task projection
    or history, for comparison with the service layer."""
    import psycopg
    from SpiffWorkflow.bpmn import BpmnWorkflow
    from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
    from SpiffWorkflow.camunda.parser import CamundaParser
    from SpiffWorkflow.camunda.serializer import DEFAULT_CONFIG as CAMUNDA_CONFIG
    from SpiffWorkflow.util.task import TaskState

    from workflows.engine.script_engine import RestrictedScriptEngine

    parser = CamundaParser()
    parser.add_bpmn_file(str(DIAGRAM))
    spec = parser.get_spec(PROCESS_KEY)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    now = dt.datetime.now(dt.UTC)
    engine = RestrictedScriptEngine(now=lambda: now)

    workflows = []
    for _i in range(n_instances):
        workflow = BpmnWorkflow(spec, script_engine=engine)
        workflow.do_engine_steps()
        workflows.append(serializer.serialize_json(workflow))

    def step(state: str) -> str:
        workflow = serializer.deserialize_json(state)
        workflow.script_engine = engine
        ready = workflow.get_tasks(state=TaskState.READY, manual=True)
        ready[0].run()
        workflow.do_engine_steps()
        return serializer.serialize_json(workflow)

    completions = 0
    if not durable:
        started = time.perf_counter()
        for _step in range(3):
            for index, state in enumerate(workflows):
                workflows[index] = step(state)
                completions += 1
        seconds = time.perf_counter() - started
    else:
        with psycopg.connect(database_url(DB_NAME)) as conn:
            conn.execute("CREATE TABLE bench_spiff_state (id integer PRIMARY KEY, state text NOT NULL)")
            with conn.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO bench_spiff_state VALUES (%s, %s)", list(enumerate(workflows))
                )
            conn.commit()
            started = time.perf_counter()
            for _step in range(3):
                for index in range(n_instances):
                    (state,) = conn.execute(
                        "SELECT state FROM bench_spiff_state WHERE id = %s FOR UPDATE", [index]
                    ).fetchone()
                    conn.execute(
                        "UPDATE bench_spiff_state SET state = %s WHERE id = %s", [step(state), index]
                    )
                    conn.commit()
                    completions += 1
            seconds = time.perf_counter() - started
            workflows = [
                state for (state,) in conn.execute("SELECT state FROM bench_spiff_state ORDER BY id")
            ]
            conn.execute("DROP TABLE bench_spiff_state")
            conn.commit()
    finished = sum(1 for s in workflows if serializer.deserialize_json(s).is_completed())
    if finished != n_instances:
        raise RuntimeError(f"SpiffWorkflow loop: {finished} of {n_instances} workflows completed")
    return completions / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=1000, help="instances to start and finish")
    parser.add_argument("--profile", action="store_true", help="profile the service-layer completions")
    parser.add_argument("--keep-db", action="store_true", help=f"leave {DB_NAME} for inspection")
    args = parser.parse_args()
    if not 1 <= args.instances <= 20_000:
        parser.error("--instances must be between 1 and 20000")

    seconds = setup_django(DB_NAME)
    log(f"database {DB_NAME}: created and migrated in {seconds:.1f} s (DEBUG off)")
    try:
        ours = run_service_layer(args.instances, args.profile)
        spiff = run_spiff_loop(args.instances)
        spiff_durable = run_spiff_loop(args.instances, durable=True)
        engine_only = run_engine_only(args.instances)
        floor_ms = run_database_floor(3 * args.instances)
    finally:
        if not args.keep_db:
            drop_database(DB_NAME)
            log(f"database {DB_NAME} dropped (use --keep-db to keep it)")

    rate = ours["completions"]
    ratio = rate / spiff
    log(f"\n  {'figure':<58} {'actual':>9} {'goal':>8}")
    log(f"  {'service layer: instance_start (starts/s)':<58} {ours['starts']:9.0f} {'-':>8}")
    log(
        f"  {'service layer: task_complete (completions/s)':<58} {rate:9.0f} {'>= 300':>8}   "
        f"{verdict(rate >= GOAL_RATE)}"
    )
    log(f"  {'SpiffWorkflow loop, JSON round trip per step (completions/s)':<58} {spiff:9.0f} {'-':>8}")
    log(
        f"  {'ratio service layer / SpiffWorkflow loop':<58} {ratio:9.2f} {'>= 0.5':>8}   "
        f"{verdict(ratio >= GOAL_RATIO)}"
    )
    log(
        f"  {'SpiffWorkflow loop, state in a PostgreSQL row (completions/s)':<58} {spiff_durable:9.0f} {'-':>8}"
    )
    log(f"  {'ratio service layer / that durable loop':<58} {rate / spiff_durable:9.2f} {'-':>8}")
    log("\n  where a completion's time goes")
    log(f"    {'ms per completion (service layer)':<56} {ours['ms_per_completion']:9.2f}")
    log(f"    {'SQL round trips per completion (BEGIN/COMMIT not counted)':<56} {ours['round_trips']:9.1f}")
    log(f"    {'SQL statements they carry':<56} {ours['statements']:9.1f}")
    log(f"    {'ms in those round trips (driver + server)':<56} {ours['sql_ms']:9.2f}")
    log(f"    {'our engine step without the database (completions/s)':<56} {engine_only:9.0f}")
    log(f"    {'ms of BEGIN + a 1-row UPDATE + COMMIT (bare psycopg)':<56} {floor_ms:9.2f}")
    log(f"    {'ms per completion the ratio goal allows':<56} {2000 / spiff:9.2f}")
    return 0 if rate >= GOAL_RATE and ratio >= GOAL_RATIO else 1


if __name__ == "__main__":
    sys.exit(main())
