"""The web pages' own Flask extensions: CSRF protection and sign-in.

digest.web.register() initialises them when the pages attach to the app (on the first
request), so CLI commands, jobs and workers never import Flask-WTF, WTForms, Babel or
Flask-Login.
"""

from flask_login import LoginManager
from flask_wtf import CSRFProtect

csrf = CSRFProtect()
login_manager = LoginManager()
