"""The floor under digest's start-up: an empty Flask app importing the same extensions.

`flask --app bench/startup_floor.py --help` costs what the fixed stack costs (Flask's CLI,
Flask-SQLAlchemy, Flask-Login, Flask-Limiter, Flask-WTF) before any of digest's own code;
bench/startup.py measures it beside digest. Flask-Migrate (with Alembic) is not part of it:
digest attaches it only when a migration runs (digest.app.attach_migrations).
"""

import flask_limiter  # noqa: F401
import flask_login  # noqa: F401
import flask_sqlalchemy  # noqa: F401
import flask_wtf  # noqa: F401
from flask import Flask

app = Flask(__name__)
