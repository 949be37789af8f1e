"""Everything that knows about the relational schema: tables, column types, views, sessions."""
