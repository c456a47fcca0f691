"""Dashboards: widget apps built from charts, one module per dashboard.

Each module has ``app(log=None, *, start=None, end=None, units="km")`` returning the page as
a widget; the notebooks in ``dashboards/`` are a parameters cell and that one call.
"""
