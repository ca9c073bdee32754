"""RLlib exploiter agents: train learning seats against fixed populations and play the checkpoints as policies.

* :mod:`econlab.training.fixed_seat_env`: a PettingZoo ParallelEnv embedding the fixed seats;
* :mod:`econlab.training.menu` / :mod:`econlab.training.features`: the learning seat's action menu and
  observation, both from its view;
* :mod:`econlab.training.config` / :mod:`econlab.training.train`: ``econlab train`` (RLlib PPO, new API stack);
* :mod:`econlab.training.rl_policy`: a checkpoint as a policy (``rl:PATH``), without starting Ray;
* :mod:`econlab.training.study`: the exploitability study (``econlab exploit-study``).

Nothing here imports Ray or torch at module import time.
"""
