"""Timer sweep on PostgreSQL: 10,000 instances whose SLA timers are due at once.

Goal: `python manage.py process_timers --now <T0+31min>` fires the 10,000 due timers in <= 60 s.

What it does (see bench/README.md):
 1. drops and creates the database `pm_bench_timers` on 127.0.0.1:5432 and migrates it (DEBUG off);
 2. deploys a diagram (inline below) with a user task `accept` (candidate group technician) and an
    interrupting boundary timer PT30M that escalates to a manager task, and starts --instances (default
    10,000) instances at T0 through `workflows.services.instance_start` (real engine states, with
    `next_timer_at` = T0 + 30 min);
 3. runs `manage.py process_timers --now <T0 + 31 min>` as a separate process and times it (Django start-up
    included), then checks that every instance moved on: `accept` cancelled, `escalate` open, one
    `timer_fired` event each;
 4. prints fired count, seconds and timers/s; exit status 1 if the goal is missed; drops the database
    unless --keep-db.

    .venv/bin/python bench/bench_timers.py [--instances 10000] [--keep-db]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_engine import (  # noqa: E402 - the bench directory is put on the path first
    ROOT,
    CpuMeter,
    database_url,
    deploy,
    drop_database,
    log,
    make_estate_and_technician,
    setup_django,
    verdict,
)

DB_NAME = "pm_bench_timers"
GOAL_SECONDS = 60.0
PROCESS_KEY = "bench_sla"
T0 = dt.datetime(2026, 3, 2, 1, 0, tzinfo=dt.UTC)  # 09:00 in Asia/Shanghai
SLA_DIAGRAM = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_bench_sla"
    targetNamespace="http://bpmn.io/schema/bpmn" exporter="Camunda Modeler" exporterVersion="5.20.0">
  <bpmn:process id="bench_sla" name="Bench: accept within 30 minutes" isExecutable="true">
    <bpmn:startEvent id="start"/>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="accept"/>
    <bpmn:userTask id="accept" name="Accept the order" camunda:candidateGroups="technician"/>
    <bpmn:sequenceFlow id="f2" sourceRef="accept" targetRef="done"/>
    <bpmn:endEvent id="done"/>
    <bpmn:boundaryEvent id="late" name="30 minutes" attachedToRef="accept" cancelActivity="true">
      <bpmn:timerEventDefinition><bpmn:timeDuration>PT30M</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:sequenceFlow id="f3" sourceRef="late" targetRef="escalate"/>
    <bpmn:userTask id="escalate" name="Order not accepted in time" camunda:candidateGroups="manager"/>
    <bpmn:sequenceFlow id="f4" sourceRef="escalate" targetRef="escalated"/>
    <bpmn:endEvent id="escalated"/>
  </bpmn:process>
</bpmn:definitions>
"""


def start_instances(n: int) -> float:
    """Start n instances at T0 through the service layer; returns seconds."""
    from workflows import services
    from workflows.runtime import SYSTEM

    estate, user = make_estate_and_technician(code="BENCH-T")
    version = deploy(SLA_DIAGRAM, actor=user)
    log(f"deployed {PROCESS_KEY} v{version.version}; starting {n:,} instances at T0 = {T0.isoformat()}")
    started = time.perf_counter()
    for i in range(n):
        services.instance_start(
            actor=SYSTEM, process_key=PROCESS_KEY, estate_id=estate.pk, business_key=f"SLA-{i:06d}", now=T0
        )
        if (i + 1) % 2500 == 0:
            log(f"  {i + 1:>6,} started  {time.perf_counter() - started:6.1f} s")
    return time.perf_counter() - started


def check(n: int) -> None:
    from django.db.models import Count, Q

    from workflows.models import HumanTask, InstanceEvent, ProcessInstance

    due = T0 + dt.timedelta(minutes=30)
    instances = ProcessInstance.objects.filter(process_key=PROCESS_KEY)
    waiting = instances.filter(status="running", next_timer_at=due).count()
    tasks = HumanTask.objects.filter(process_key=PROCESS_KEY).aggregate(
        accept_cancelled=Count("id", filter=Q(task_key="accept", status="cancelled")),
        escalate_open=Count("id", filter=Q(task_key="escalate", status="open")),
    )
    fired = InstanceEvent.objects.filter(instance__process_key=PROCESS_KEY, type="timer_fired").count()
    log(
        f"after the sweep: {tasks['accept_cancelled']:,} accept tasks cancelled, {tasks['escalate_open']:,} "
        f"escalations open, {fired:,} timer_fired events, {waiting:,} instances still waiting"
    )
    if tasks["accept_cancelled"] != n or tasks["escalate_open"] != n or fired != n or waiting:
        raise RuntimeError("the sweep did not move every instance on")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--instances", type=int, default=10_000, help="instances with a due timer")
    parser.add_argument("--keep-db", action="store_true", help=f"leave {DB_NAME} for inspection")
    args = parser.parse_args()
    if not 1 <= args.instances <= 50_000:
        parser.error("--instances must be between 1 and 50000")

    seconds = setup_django(DB_NAME)
    log(f"database {DB_NAME}: created and migrated in {seconds:.1f} s (DEBUG off)")
    try:
        start_seconds = start_instances(args.instances)
        log(
            f"started {args.instances:,} instances in {start_seconds:.1f} s ({args.instances / start_seconds:.0f}/s)"
        )
        from workflows.models import ProcessInstance

        due = ProcessInstance.objects.filter(next_timer_at__lte=T0 + dt.timedelta(minutes=31)).count()
        log(f"{due:,} instances have a timer due by T0 + 31 min")

        from django.db import connections

        connections.close_all()
        now = (T0 + dt.timedelta(minutes=31)).isoformat()
        command = [str(ROOT / ".venv/bin/python"), "manage.py", "process_timers", "--now", now]
        env = {**os.environ, "DATABASE_URL": database_url(DB_NAME), "DJANGO_DEBUG": "false"}
        log(f"$ {' '.join(command[1:])}")
        cpu = CpuMeter(DB_NAME)
        cpu.start()
        started = time.perf_counter()
        with subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        ) as sweep:
            while sweep.poll() is None and time.perf_counter() - started < 900:
                cpu.poll()
                time.sleep(0.5)
            if sweep.poll() is None:
                sweep.kill()
            stdout, stderr = sweep.communicate()
        sweep_seconds = time.perf_counter() - started
        cpu.stop()
        log(stdout.strip())
        if sweep.returncode != 0:
            raise RuntimeError(f"process_timers failed ({sweep.returncode}): {stderr[-2000:]}")
        cpu.report(args.instances, "timer")
        match = re.search(r"fired (\d+) timer", stdout)
        fired = int(match.group(1)) if match else -1
        check(args.instances)
    finally:
        if not args.keep_db:
            drop_database(DB_NAME)
            log(f"database {DB_NAME} dropped (use --keep-db to keep it)")

    ok = fired == args.instances and sweep_seconds <= GOAL_SECONDS
    log(f"\n  {'figure':<46} {'actual':>10} {'goal':>10}")
    log(f"  {'timers fired':<46} {fired:>10,} {args.instances:>10,}")
    log(
        f"  {'process_timers wall time (s, incl. start-up)':<46} {sweep_seconds:>10.1f} {'<= 60':>10}   "
        f"{verdict(sweep_seconds <= GOAL_SECONDS)}"
    )
    log(f"  {'timers/s':<46} {fired / sweep_seconds:>10.0f} {'-':>10}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
