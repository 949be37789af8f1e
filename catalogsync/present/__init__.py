"""Presentation: the library's documents (``catalogsync.results``) turned into text.

``registry`` names every output format of every kind of document and finds its
renderer; a renderer takes a document and a text stream and writes to it, nothing else:
nothing here runs a query. ``output`` holds the two ways of writing (one JSON document;
rich tables on a console); one module per subject holds its renderers.
"""
