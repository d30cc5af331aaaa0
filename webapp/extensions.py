"""Flask extensions, created unbound and initialised in create_app()."""

from typing import TYPE_CHECKING, ClassVar

from flask_login import LoginManager
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, Table
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    if TYPE_CHECKING:
        __table__: ClassVar[Table]  # every model maps a Table (Core inserts use it), not any FromClause


db = SQLAlchemy(model_class=Base)

# The models' base: `db.Model` (Base plus Flask-SQLAlchemy's table naming and session binding). Type checkers
# cannot follow `db.Model`, an attribute made at run time, so for them it is the typed `Base`.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
csrf = CSRFProtect()
login_manager = LoginManager()
login_manager.login_view = "auth.login"
login_manager.login_message = "Please log in to continue."
login_manager.login_message_category = "info"
