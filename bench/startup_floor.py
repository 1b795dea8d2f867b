"""The floor under digest's start-up: an empty Flask app importing the same extensions.

`flask --app bench/startup_floor.py --help` costs what the fixed stack costs when a CLI
command starts (Flask's CLI, Flask-SQLAlchemy with SQLAlchemy's ORM, Flask-Limiter, whose
`limiter` command Flask loads for every `flask` invocation) before any of digest's own code;
bench/startup.py measures it beside digest. Flask-Migrate with Alembic, Flask-WTF and
Flask-Login are not part of it: digest loads them only for migrations and web pages.
"""

import flask_limiter  # noqa: F401
import flask_sqlalchemy  # noqa: F401
from flask import Flask

app = Flask(__name__)
