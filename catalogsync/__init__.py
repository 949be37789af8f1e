"""catalogsync: pull providers' model catalogs into normalized, versioned SQL tables."""

__version__ = "0.1.0"
