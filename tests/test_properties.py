"""Property-based tests (hypothesis) of the two grammars (filterBy and workspace names), and of
hostile create bodies posted to the extension."""

from __future__ import annotations

import asyncio
import json
import re
import string

import pytest
from conformance import SPEC
from harness import stats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_runai.client import InvalidRequest, check_name
from jupyter_runai.client.create_body import FIELDS
from jupyter_runai.client.names import MAX_LENGTH
from jupyter_runai.simulator import filters
from jupyter_runai.simulator.app import PROJECT_FIELDS, WORKLOAD_FIELDS
from jupyter_runai.simulator.state import DNS_LABEL

WORKLOAD_ITEM = SPEC["components"]["parameters"]["WorkloadsFilter"]["schema"]["items"]["pattern"]
PROJECT_ITEM = SPEC["components"]["parameters"]["ProjectsFilterBy"]["schema"]["items"]["pattern"]
values = st.text(
    alphabet=st.characters(blacklist_characters=",\n", blacklist_categories=("Cs",)), min_size=1
)


@given(st.sampled_from(WORKLOAD_FIELDS), st.sampled_from(filters.OPERATORS), values)
def test_filter_items_parse_back_to_their_parts(field, operator, value):
    assert filters.parse([f"{field}{operator}{value}"], WORKLOAD_FIELDS) == [
        filters.Condition(field, operator, value)
    ]


@pytest.mark.parametrize(
    ("pattern", "fields"), [(WORKLOAD_ITEM, WORKLOAD_FIELDS), (PROJECT_ITEM, PROJECT_FIELDS)]
)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_simulator_accepts_exactly_the_spec_grammar(pattern, fields, data):
    """What the spec's item pattern allows, the simulator parses; and nothing else."""
    item = data.draw(st.from_regex(pattern, fullmatch=True).filter(lambda s: "," not in s))
    [condition] = filters.parse([item], fields)
    assert item == f"{condition.field}{condition.operator}{condition.value}"
    junk = data.draw(st.text(max_size=30).filter(lambda s: "," not in s))
    if re.fullmatch(pattern, junk) is None:
        with pytest.raises(filters.FilterError, match="filterBy"):
            filters.parse([junk], fields)


name_chars = string.ascii_lowercase + string.digits + "-"
valid_names = st.builds(
    lambda first, middle, last: (first + middle + last)[:MAX_LENGTH].rstrip("-") or first,
    st.sampled_from(string.ascii_lowercase),
    st.text(alphabet=name_chars, max_size=45),
    st.sampled_from(string.ascii_lowercase + string.digits),
)


@given(valid_names)
def test_valid_names_are_accepted_and_are_dns_labels(name):
    assert check_name(name) == name
    assert DNS_LABEL.fullmatch(name) and len(name) <= 63  # what the control plane needs


@given(valid_names)
def test_prefixes_leave_room_for_the_suffix(name):
    if len(name) > MAX_LENGTH - 6:
        with pytest.raises(InvalidRequest, match="suffix"):
            check_name(name, prefix=True)
    else:
        final = check_name(name, prefix=True) + "-abc12"
        assert len(final) <= MAX_LENGTH and check_name(final) == final


@given(valid_names, st.text(min_size=1).filter(lambda s: any(c not in name_chars for c in s)))
def test_any_foreign_character_is_refused_with_the_rule(name, junk):
    bad = (name + junk)[: MAX_LENGTH - 1] if len(name + junk) > MAX_LENGTH else name + junk
    if all(c in name_chars for c in bad):  # truncation removed the junk
        return
    with pytest.raises(InvalidRequest) as caught:
        check_name(bad)
    assert "lowercase letters, digits and '-'" in str(caught.value)
    assert caught.value.issues[0].field == "name"


@given(st.text(alphabet=name_chars, min_size=MAX_LENGTH + 1, max_size=80))
def test_long_names_are_refused(name):
    with pytest.raises(InvalidRequest, match=f"at most {MAX_LENGTH}"):
        check_name(name)


@given(st.sampled_from(string.digits + "-"), st.text(alphabet=name_chars, max_size=10))
def test_names_start_with_a_letter(first, rest):
    with pytest.raises(InvalidRequest):
        check_name(first + rest)


# -- hostile create bodies, to the extension --------------------------------------------------
def _deep(n: int) -> str:
    return "[" * n + "]" * n


hostile_values = st.one_of(
    st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "-1e400", "9" * 5000]),
    st.integers(min_value=2, max_value=3000).map(_deep),
    st.integers(min_value=2, max_value=3000).map(lambda n: '{"a":' * n + "1" + "}" * n),
    st.sampled_from([1025, 40_000, 300_000]).map(lambda n: json.dumps("x" * n)),
    st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x3000), max_size=50
    ).map(json.dumps),
    st.text(alphabet="\x00\x01\n\r\t\x1b\x7f a-Z.", max_size=20).map(json.dumps),
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False)
        | st.text(max_size=10),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
        max_leaves=8,
    ).map(json.dumps),
    st.lists(
        st.fixed_dictionaries(
            {"port": st.one_of(st.integers(-5, 70000), st.booleans(), st.text(max_size=3))},
            optional={"claimName": st.text(max_size=8), "readOnly": st.text(max_size=3)},
        ),
        max_size=20,
    ).map(json.dumps),
)
valid_parts = {
    "name": json.dumps("hostile"),
    "project": json.dumps("team-a"),
    "image": json.dumps("busybox"),
}
hostile_bodies = st.one_of(
    st.builds(
        lambda fields: (
            "{"
            + ",".join(f"{json.dumps(k)}:{v}" for k, v in {**valid_parts, **fields}.items())
            + "}"
        ),
        st.dictionaries(
            st.sampled_from([*FIELDS, "colour"]) | st.text(max_size=8), hostile_values, max_size=3
        ),
    ),
    hostile_values,
    st.sampled_from(["", "{", "[]", "null", '{"name": "x"', "{}" * 3]),
)


def _creates(sim) -> int:
    return stats(sim).get("POST /api/v1/workloads/workspaces", 0)


async def test_hostile_create_bodies_get_json_4xx_and_create_nothing(api, sim):
    """Never a 5xx; always ``{message, reason, upstream_status}`` as openapi.yaml says (``api``
    checks every answer against it); a 400 never reaches Run:ai."""
    loop = asyncio.get_running_loop()

    @settings(max_examples=120, deadline=None, database=None)
    @given(hostile_bodies)
    def post(body: str) -> None:
        before = _creates(sim)
        answer = asyncio.run_coroutine_threadsafe(api("POST", "workspaces", body), loop).result(60)
        assert answer.status < 500, answer.text[:300]
        if answer.status >= 400:
            assert {"message", "reason", "upstream_status"} <= set(answer.body)
        if answer.status == 400 and answer.body["upstream_status"] is None:
            assert answer.body["reason"] == "invalid"
            assert answer.body["issues"][0]["field"]
            assert _creates(sim) == before

    await asyncio.to_thread(post)
