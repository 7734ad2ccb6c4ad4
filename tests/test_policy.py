"""The policy file is checked when loaded: a malformed one names the key, in Chinese."""

from __future__ import annotations

import copy

import pytest
import yaml

from lingong_docs.core.errors import PolicyError
from lingong_docs.core.policy import check_policy_data, load_policy_file, policy_files


@pytest.fixture(scope="module")
def data() -> dict:
    with open(policy_files()[0], encoding="utf-8") as f:
        return yaml.safe_load(f)


def test_every_shipped_policy_passes_its_check():
    for path in policy_files():
        pol = load_policy_file(path)
        assert pol.materials("operating")[:2] == ("cover", "checklist")


@pytest.mark.parametrize("edit, key, words", [
    (lambda d: d["operating_subsidy"].__setitem__("min_demand", "五千"), "operating_subsidy.min_demand", "整数"),
    (lambda d: d.pop("deadline"), "deadline", "缺少此项"),
    (lambda d: d["employment_subsidy"].__setitem__("cap_per_agency", 500000.5), "employment_subsidy.cap_per_agency", "文本"),
    (lambda d: d["materials"]["operating"].append("photos"), "materials", "不允许"),
    (lambda d: d["counting"].__setitem__("default_mode", "按天"), "counting.default_mode", "不允许"),
])
def test_a_malformed_policy_names_the_key(data, edit, key, words):
    broken = copy.deepcopy(data)
    edit(broken)
    with pytest.raises(PolicyError) as e:
        check_policy_data(broken, "test.yaml")
    assert e.value.code == "policy-invalid"
    assert f"“{key}" in e.value.message and words in e.value.message


def test_a_file_that_is_not_a_mapping_is_refused():
    with pytest.raises(PolicyError) as e:
        check_policy_data(["id", "x"], "test.yaml")
    assert e.value.code == "policy-invalid"


def test_the_receiving_bureau_is_the_policys_issuer_unless_named(monkeypatch):
    import dataclasses

    from lingong_docs.core.policy import policy_for_year
    from lingong_docs.intake.receipt import BUREAU_ENV, bureau_name

    monkeypatch.delenv(BUREAU_ENV, raising=False)
    policy = policy_for_year(2025)
    assert policy.issuer and bureau_name() == policy.issuer == bureau_name(policy=policy)
    assert bureau_name(policy=dataclasses.replace(policy, issuer="某区人力资源和社会保障局")) == "某区人力资源和社会保障局"
    monkeypatch.setenv(BUREAU_ENV, "环境变量局")
    assert bureau_name(policy=policy) == "环境变量局" and bureau_name("受理窗口", policy) == "受理窗口"
