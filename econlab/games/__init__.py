"""Games that plug into :mod:`econlab.core`; each subpackage is one game (``ibex``, ...).

Generic layers never import these packages: they reach a game through
:func:`econlab.core.get_game`, which finds built-in and third-party games by their
``econlab.games`` entry point.
"""
