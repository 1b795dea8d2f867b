"""Flask extensions, created unbound and initialised by create_app().

Flask-Migrate is not among them: digest.app.attach_migrations() adds it when a migration runs;
nor are CSRF protection and sign-in, which belong to the web pages (digest/web/extensions.py)."""

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase, registry

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION))


db = SQLAlchemy(model_class=Base)
limiter = Limiter(key_func=get_remote_address)
