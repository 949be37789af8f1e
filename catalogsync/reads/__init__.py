"""Reading: every query the front ends need, each returning plain data (dataclasses, catalogs).

One module per subject: ``versions`` (catalog versions, row counts), ``catalogs`` (a
catalog rebuilt from the history tables, now or as of a version), ``status`` (what
monitoring needs per provider), ``runs`` (sync runs and their payloads) and ``prices``
(the price-change report's rows and price series). Nothing here renders or writes.
"""
