"""Settings: a given SECRET_KEY is used as is, and no secret is written to the instance folder then."""

from __future__ import annotations

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
