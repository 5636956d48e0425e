"""The katakana scoring website: ``dlcourse katakana serve``.

Modules, in the order a submission passes through them:
- :mod:`.app` — pages and forms (Starlette + Jinja2), sessions, CSRF, upload limits;
- :mod:`.uploads` — checking and unpacking the zip (zip slip, links, bombs, submission.py);
- :mod:`.queue` — the persistent queue and the daily limit in the ledger;
- :mod:`.worker` — background scoring threads (the scorer's limited child process);
- :mod:`.notify` — e-mail when a result is ready;
- :mod:`.db` — the ledger's tables (SQLite or PostgreSQL); :mod:`.settings` — configuration;
- :mod:`.messages` — the Japanese texts for refusals and failures; :mod:`.cli` — commands.
Accounts live in :mod:`dlcourse.katakana.users`.
"""
