"""Mechanism design: search the game's rules for a social objective under strategic and exploiting players.

* :mod:`~econlab.design.space`: the design space as data (which rule parameters may change, their ranges),
  validated against what the engine supports; design validation with reasons.
* :mod:`~econlab.design.objective`: the social objective as data (weighted metrics, constraints).
* :mod:`~econlab.design.metrics` / :mod:`~econlab.design.evaluate`: a candidate is scored by a tournament of the
  configured populations (common random numbers; optional exploit check).
* designers: :mod:`~econlab.design.classical` (Optuna TPE, random) and :mod:`~econlab.design.llm_designer`.
* :mod:`~econlab.design.search`: the resumable loop (``econlab design CONFIG``); :mod:`~econlab.design.report`,
  :mod:`~econlab.design.export` (a scenario for ``econlab play``), :mod:`~econlab.design.compare` (fresh seeds).

Heavy imports (optuna, the LLM backends, matplotlib) happen inside functions.
"""
