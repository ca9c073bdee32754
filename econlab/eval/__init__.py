"""Running and checking games: the one game runner, trace replay, records."""
