"""The lab's websocket/REST protocol: message codec, ``econlab serve`` and ``econlab connect``.

* :mod:`econlab.protocol.codec`: the lab's JSON shapes (pydantic), actions <-> messages.
* :mod:`econlab.protocol.server`: :class:`~econlab.protocol.server.IbexServer`, the engine as a game server
  (REST + websocket); :mod:`~econlab.protocol.served_game` one hosted game (seats, ticks, timers, record);
  :mod:`~econlab.protocol.status` the REST payloads; :mod:`~econlab.protocol.timers` FAST / LAB / JSON timers.
* :mod:`econlab.protocol.client`: econlab policies playing seats on a live server
  (:mod:`~econlab.protocol.outcome`: what a session returns; :mod:`~econlab.protocol.rest`: REST calls with
  retries and one-line errors; :mod:`~econlab.protocol.run_state`: tokens and progress kept for a restart;
  :mod:`~econlab.protocol.create`: creating games).
* Which ``serve --compat`` / ``--timers`` to use when: ``docs/protocol.md``. In short: econlab's own client
  and results equal to ``econlab play``: ``--timers FAST`` (``--compat strict``, the default, for specific
  errors); the lab's clients (browser app, econagents): ``--compat server --timers LAB`` (or a timers file),
  plus ``--assign-name`` for econagents 0.0.9.
* :mod:`econlab.protocol.mirror`: a seat's :class:`~econlab.games.ibex.view.SeatView` rebuilt from server events.
* :mod:`econlab.protocol.remote_env`: a ParallelEnv whose seats act on a live server.

Heavy imports (uvicorn, starlette, websockets) happen only when a server or client starts.
"""
