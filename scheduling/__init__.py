"""askARSAN's scheduling domain: pure functions and dataclasses, standard library only.

No I/O here: nothing reads the clock, the environment, files or the network; ``now`` is always a
parameter. Modules:

- :mod:`scheduling.errors` — ``DomainError`` and its small named subclasses;
- :mod:`scheduling.intervals` — half-open UTC intervals and their algebra;
- :mod:`scheduling.zones` — strict local → UTC conversion (DST gaps and folds refused), display;
- :mod:`scheduling.rules` — booking rules, checks of offered and picked slots, free slots;
- :mod:`scheduling.feedback` — feedback card parsing and the suggested next step;
- :mod:`scheduling.kpi` — the tracker's KPIs.
"""
