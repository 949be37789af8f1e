"""The web front end (``catalogsync serve``): read-only pages and a JSON API over the
library, with Starlette, Jinja2 and server-drawn SVG charts.

Needs the ``web`` extra (``pip install 'catalogsync[web]'``). Thin over
``catalogsync.api``: only ``database.py`` touches SQLAlchemy, to open the database
read-only. ``app.create_app`` builds the application; ``server.serve`` runs it.
"""
