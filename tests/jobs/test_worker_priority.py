"""A queue worker lowers its own CPU priority (QUEUE_WORKER_PRIORITY, default idle) so that page requests on the
same host always get the CPU first; `normal` leaves it as started. Each case runs in a process of its own: a
priority once lowered cannot be raised again without privileges."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.config import load_config
from webapp.services.jobs.worker import BadPriority, lower_priority

ROOT = Path(__file__).resolve().parents[2]
linux_only = pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")


def _in_child(priority: str) -> dict:
    code = (
        "import json, os, threading\n"
        "from webapp.services.jobs.worker import lower_priority\n"
        f"applied = lower_priority({priority!r})\n"
        "seen = {}\n"
        "def look():\n"
        "    seen['thread'] = [os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)]\n"
        "t = threading.Thread(target=look); t.start(); t.join()\n"
        "print(json.dumps({'applied': applied, 'main': [os.sched_getscheduler(0), "
        "os.getpriority(os.PRIO_PROCESS, 0)], **seen}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


@linux_only
def test_idle_puts_the_worker_and_the_threads_it_starts_at_sched_idle_and_nice_19():
    seen = _in_child("idle")
    assert seen["applied"] == "SCHED_IDLE, nice 19"
    assert seen["main"] == [os.SCHED_IDLE, 19]
    assert seen["thread"] == [os.SCHED_IDLE, 19]  # the recovery sweeper inherits it


@linux_only
def test_normal_leaves_the_priority_as_started():
    seen = _in_child("normal")
    started = [os.sched_getscheduler(0), os.getpriority(os.PRIO_PROCESS, 0)]
    assert seen == {"applied": "normal", "main": started, "thread": started}


def test_an_unknown_priority_is_refused_before_anything_changes():
    before = os.getpriority(os.PRIO_PROCESS, 0) if hasattr(os, "getpriority") else None
    with pytest.raises(BadPriority, match="QUEUE_WORKER_PRIORITY must be one of idle, normal, not 'low'"):
        lower_priority("low")
    if before is not None:
        assert os.getpriority(os.PRIO_PROCESS, 0) == before


def test_the_setting_defaults_to_idle_and_reads_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("QUEUE_WORKER_PRIORITY", raising=False)
    assert load_config(str(tmp_path), {"SECRET_KEY": "x"})["QUEUE_WORKER_PRIORITY"] == "idle"
    monkeypatch.setenv("QUEUE_WORKER_PRIORITY", "normal")
    assert load_config(str(tmp_path), {"SECRET_KEY": "x"})["QUEUE_WORKER_PRIORITY"] == "normal"
