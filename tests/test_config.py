"""Settings: a given SECRET_KEY is used as is, and no secret is written to the instance folder then; database URLs."""

from __future__ import annotations

import pytest

from webapp.config import load_config


def test_a_given_secret_key_is_used_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    instance = tmp_path / "instance"
    config = load_config(str(instance), {"SECRET_KEY": "given-key", "PAGE_SIZE": 7})
    assert config["SECRET_KEY"] == "given-key"
    assert config["PAGE_SIZE"] == 7  # the given settings win over the defaults
    assert not (instance / "secret_key").exists()
    assert not instance.exists()


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
