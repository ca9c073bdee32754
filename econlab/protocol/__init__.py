"""The lab's websocket/REST protocol: message codec, ``econlab serve`` and ``econlab connect``.

* :mod:`econlab.protocol.codec`: the lab's JSON shapes (pydantic), actions <-> messages.
* :mod:`econlab.protocol.server`: :class:`~econlab.protocol.server.IbexServer`, the engine as a game server
  (REST + websocket); :mod:`~econlab.protocol.served_game` one hosted game (seats, ticks, timers, record);
  :mod:`~econlab.protocol.status` the REST payloads; :mod:`~econlab.protocol.timers` FAST / LAB / JSON timers.
* :mod:`econlab.protocol.client`: econlab policies playing seats on a live server
  (:mod:`~econlab.protocol.outcome`: what a session returns).
* :mod:`econlab.protocol.mirror`: a seat's :class:`~econlab.game.view.SeatView` rebuilt from server events.
* :mod:`econlab.protocol.remote_env`: a ParallelEnv whose seats act on a live server.

Heavy imports (uvicorn, starlette, websockets) happen only when a server or client starts.
"""
