"""The floor under digest's start-up: an empty Flask app importing the same extensions.

`flask --app bench/startup_floor.py --help` costs what the fixed stack costs when a CLI
command starts (Flask's CLI, Flask-SQLAlchemy with SQLAlchemy's ORM, Flask-Limiter, whose
`limiter` command Flask loads for every `flask` invocation) before any of digest's own code;
bench/startup.py measures it beside digest. Flask-Migrate with Alembic is not part of it:
digest loads it only for migrations. Flask-WTF and Flask-Login are not either, though the app
initialises them for its routes: they count as digest's own share.
"""

import flask_limiter  # noqa: F401
import flask_sqlalchemy  # noqa: F401
import sqlalchemy.orm  # noqa: F401
from flask import Flask

app = Flask(__name__)
