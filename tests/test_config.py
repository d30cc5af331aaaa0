"""Settings: a given SECRET_KEY is used as is (no secret written); the SQLite default has its instance folder;
database URLs."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from webapp.config import load_config

ROOT = Path(__file__).resolve().parents[1]


def test_a_given_secret_key_is_used_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config = load_config(str(instance), {"SECRET_KEY": "given-key", "PAGE_SIZE": 7})
    assert config["SECRET_KEY"] == "given-key"
    assert config["PAGE_SIZE"] == 7  # the given settings win over the defaults
    assert not (instance / "secret_key").exists()


def test_without_a_secret_key_one_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = load_config(str(tmp_path), {})["SECRET_KEY"]
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert load_config(str(tmp_path), None)["SECRET_KEY"] == first


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgres://u@db/x", "postgresql+psycopg://u@db/x"),
        ("postgresql://u@db/x", "postgresql+psycopg://u@db/x"),
        ("mysql://u:p@db:3306/x", "mysql+pymysql://u:p@db:3306/x?charset=utf8mb4"),
        ("mariadb://u@db/x", "mysql+pymysql://u@db/x?charset=utf8mb4"),
        ("mysql+pymysql://u@db/x", "mysql+pymysql://u@db/x?charset=utf8mb4"),
        ("mysql+pymysql://u@db/x?charset=latin1", "mysql+pymysql://u@db/x?charset=latin1"),
        ("sqlite:///x.sqlite", "sqlite:///x.sqlite"),
    ],
)
def test_database_urls_get_their_driver_and_mysql_utf8mb4(tmp_path, monkeypatch, given, used):
    monkeypatch.setenv("DATABASE_URL", given)
    assert load_config(str(tmp_path), {"SECRET_KEY": "k"})["SQLALCHEMY_DATABASE_URI"] == used


def test_the_sqlite_default_gets_its_instance_folder_even_with_a_secret_key(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    instance = tmp_path / "instance"
    config = load_config(str(instance), {})
    assert config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{instance / 'staff_console.sqlite'}"
    assert instance.is_dir() and not (instance / "secret_key").exists()


def test_a_database_url_creates_no_instance_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.sqlite'}")
    load_config(str(tmp_path / "instance"), {})
    assert not (tmp_path / "instance").exists()


def test_make_runs_first_step_on_a_fresh_clone_with_a_secret_key(tmp_path):
    """`make run`'s `flask db upgrade` in a fresh copy (no instance/) with SECRET_KEY set: the database is made."""
    clone = tmp_path / "clone"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "webapp", clone / "webapp", ignore=ignore)
    shutil.copy(ROOT / "wsgi.py", clone / "wsgi.py")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_APP")}
    env |= {"SECRET_KEY": "set-by-the-operator", "PYTHONPATH": str(clone)}
    result = subprocess.run(
        [str(Path(sys.executable).parent / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert (clone / "instance" / "staff_console.sqlite").is_file()
    assert not (clone / "instance" / "secret_key").exists()
