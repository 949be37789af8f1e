"""Notifications: a stored version's change events, delivered to the configured channels.

``settings`` reads ``[notify]`` and ``[notify.NAME]``; ``outbox`` writes the deliveries a
version owes, in the version's transaction, and reads and updates them; ``messages``
builds a delivery's body (a signed JSON webhook, or a Slack message); ``send`` posts one;
``deliver`` runs the pending deliveries after the commit, at least once each; ``library``
is what ``catalogsync.api`` offers of it; ``feed`` writes the Atom feed.
"""
