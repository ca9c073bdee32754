"""Scenario support for LLM seats: the ``all`` seat key and the validated ``llm:`` section."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from econlab.eval.scenario import Scenario
from econlab.policies.llm import LLMConfig, parse_llm_spec


def test_all_key_priority() -> None:
    sc = Scenario(treatment="harberger", seats={"all": "llm", "speculator": "truthful", "3": "random"})
    a = sc.assignment(["developer=llm:persona=exploiter"])
    assert a[3] == "random" and a[2] == "llm:persona=exploiter" and a[1] == "llm"
    assert all(a[s] == "truthful" for s in range(7, 13))
    assert set(Scenario(treatment="voting").assignment(["all=llm"]).values()) == {"llm"}
    with pytest.raises(ValueError, match="neither a role"):
        sc.assignment(["everyone=llm"])


def test_llm_section_is_validated() -> None:
    sc = Scenario(llm={"backend": "local", "max_repairs": 1})
    assert LLMConfig.model_validate(sc.llm).max_repairs == 1
    with pytest.raises(ValidationError, match="max_repairs"):
        Scenario(llm={"max_repairs": -1})
    with pytest.raises(ValidationError, match="unknown key 'api_key'"):
        Scenario(llm={"api_key": "sk-no-keys-in-files"})


def test_llm_specs() -> None:
    assert parse_llm_spec("llm") == (None, {})
    assert parse_llm_spec("llm:persona=spiteful,temperature=0.3") == ("spiteful", {"temperature": "0.3"})
    with pytest.raises(ValueError, match="unknown key 'base_url'"):
        parse_llm_spec("llm:base_url=http://x")
