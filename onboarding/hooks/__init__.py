"""Messages to other systems over HTTP: Microsoft Teams channels and HR systems' webhooks.

``urls`` judges the addresses HR gives; ``teams`` holds the channels (the organisation's
default, a plan's own), each person's choice of email, Teams or both, and the Adaptive Card a
nudge becomes; ``webhooks`` the endpoints, the events recorded with the change that caused them,
their payloads and the Standard Webhooks signature; ``outbox`` records and claims the HTTP posts
(the database-specific SQL); ``delivery`` posts them with ``requests``. The nudge sweep and the
retry job (nudges.delivery) run the delivery; the rules in plain words are in docs/architecture.md.

Nothing is imported here: ``plans`` records events through ``hooks.webhooks`` and ``nudges``
queues cards through ``hooks.teams``, so each module imports only what it needs.
"""
