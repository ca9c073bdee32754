"""Behavioural calibration of LLM seats against the lab's human Voting sessions.

* :mod:`~econlab.calibration.human`: lab records -> per-decision examples (the seat's view -> what the human did);
* :mod:`~econlab.calibration.sft`: those examples as chat-format SFT examples (the LLM seat's exact prompts);
* :mod:`~econlab.calibration.finetune`: a LoRA adapter trained on them (transformers + peft);
* :mod:`~econlab.calibration.scoring`: simulated vs human statistics (``econlab compare``'s) with bootstrap CIs;
* :mod:`~econlab.calibration.search`: the prompt-variant search with cross-validation across sessions;
* :mod:`~econlab.calibration.report`: before/after tables and plots on held-out sessions.

Heavy libraries (torch, transformers, peft) are imported inside functions only.
"""
