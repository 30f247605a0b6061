"""askARSAN's scheduling domain: pure functions and dataclasses, standard library only.

No I/O here: nothing reads the clock, the environment, files or the network; ``now`` is always a
parameter. Modules:

- :mod:`scheduling.errors` — ``DomainError`` and its small named subclasses;
- :mod:`scheduling.intervals` — half-open UTC intervals and their algebra;
- :mod:`scheduling.zones` — strict local → UTC conversion (DST gaps and folds refused), display;
- :mod:`scheduling.rules` — booking rules, checks of offered and picked slots, free slots;
- :mod:`scheduling.pages` — booking pages (weekly hours, date overrides, rules), validated per
  field and read strictly from plain dicts;
- :mod:`scheduling.availability` — live open times from booking pages, the re-check at commit,
  joint open times for panels;
- :mod:`scheduling.feedback` — feedback card parsing and the suggested next step;
- :mod:`scheduling.kpi` — the tracker's KPIs.
"""
