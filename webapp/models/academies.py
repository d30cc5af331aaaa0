"""Academies: groups of catalog content sold as one subscription, synced from the catalog (domain §3)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from webapp.extensions import Model
from webapp.timeutil import utcnow


class Academy(Model):
    """One academy. The name is unique case-insensitively; the Stripe price lookup key and
    catalog uuid are unique."""

    __tablename__ = "academies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    slug: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    product_key: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    long_name: Mapped[str] = mapped_column(String(500), nullable=False, default="")
    description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    long_description: Mapped[str] = mapped_column(Text, nullable=False, default="")
    marketing_url: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    thumbnail_url: Mapped[str] = mapped_column(String(1000), nullable=False, default="")
    tags: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    stripe_product_id: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    stripe_price_lookup_key: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    catalog_query_uuid: Mapped[str | None] = mapped_column(String(36))
    catalog_uuid: Mapped[str | None] = mapped_column(String(36))  # the catalog's own `uuid`, unique
    is_active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    display_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    created: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    modified: Mapped[datetime] = mapped_column(DateTime, nullable=False, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Academy {self.name}>"


# Case-insensitive uniqueness of the name and fast lower(name) matching (SQLite and PostgreSQL).
Index("uq_academies_name_lower", func.lower(Academy.name), unique=True)
Index("uq_academies_catalog_uuid", Academy.catalog_uuid, unique=True)
