"""digest: a self-hosted newsletter digest builder.

The package root is a docstring only, so importing a pure step (summarize,
group, render) loads no Flask. The application factory is `digest.app.create_app`.
"""
