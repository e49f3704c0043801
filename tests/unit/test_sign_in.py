"""Single sign-on's use cases on fakes: PKCE and state, roles from the groups claim, the
refusals (unknown or used state, expired login, refused code, no allowed group) that
create no session, the idle timeout and logout."""

import base64
import hashlib
from datetime import timedelta

import pytest

from backend.domain.errors import SignInRefused, Unauthorized
from backend.domain.signin import SignIn, SignInRules, safe_next
from tests.unit.fake_sign_in import FakeIdentityProvider, FakeSessionStore

CALLBACK = "https://facegate.example.com/auth/callback"


def sign_in(
    groups: object = ("facegate-admin",),
) -> tuple[SignIn, FakeIdentityProvider, FakeSessionStore]:
    provider = FakeIdentityProvider({"groups": groups, "name": "Alice HR"})
    sessions = FakeSessionStore()
    rules = SignInRules(
        "groups", frozenset({"facegate-admin"}), frozenset({"facegate-enroll"}), 900
    )
    return SignIn(provider=provider, sessions=sessions, rules=rules), provider, sessions


def begun(use: SignIn, provider: FakeIdentityProvider) -> tuple[str, str]:
    use.begin(CALLBACK, "/admin#people")
    asked = provider.asked[-1]
    return asked["state"], f"code-for-{asked['nonce']}"


def test_a_member_of_the_admin_group_gets_a_session_named_for_them() -> None:
    use, provider, sessions = sign_in()
    state, code = begun(use, provider)
    token, person, next_path = use.finish(state, code, CALLBACK)
    assert (person.name, person.subject, person.issuer) == ("Alice HR", "alice", provider.issuer)
    assert person.roles == {"admin", "enroll"} and next_path == "/admin#people"
    assert use.current(token) == person
    assert token not in str(sessions.sessions)  # stored as a hash only


def test_the_challenge_is_the_s256_of_a_verifier_kept_server_side() -> None:
    use, provider, sessions = sign_in()
    use.begin(CALLBACK, None)
    verifier = next(iter(sessions.logins.values())).verifier
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    assert provider.asked[-1]["challenge"] == expected.decode()


def test_an_enroll_group_member_may_enroll_only() -> None:
    use, provider, _ = sign_in(groups="facegate-enroll")
    state, code = begun(use, provider)
    assert use.finish(state, code, CALLBACK)[1].roles == {"enroll"}


@pytest.mark.parametrize("groups", [(), ("staff",), None])
def test_no_allowed_group_is_refused_and_creates_no_session(groups: object) -> None:
    use, provider, sessions = sign_in(groups=groups)
    state, code = begun(use, provider)
    with pytest.raises(SignInRefused) as refused:
        use.finish(state, code, CALLBACK)
    assert refused.value.code == "sign_in_no_allowed_group" and sessions.sessions == {}


def test_a_wrong_or_used_state_is_refused() -> None:
    use, provider, sessions = sign_in()
    state, code = begun(use, provider)
    with pytest.raises(SignInRefused) as wrong:
        use.finish("forged", code, CALLBACK)
    use.finish(state, code, CALLBACK)
    with pytest.raises(SignInRefused) as used:
        use.finish(state, code, CALLBACK)
    assert wrong.value.code == used.value.code == "sign_in_state_unknown"
    assert len(sessions.sessions) == 1


def test_a_login_back_too_late_or_with_a_refused_code_is_refused() -> None:
    use, provider, sessions = sign_in()
    state, code = begun(use, provider)
    sessions.now += timedelta(minutes=11)
    with pytest.raises(SignInRefused) as late:
        use.finish(state, code, CALLBACK)
    state, _ = begun(use, provider)
    with pytest.raises(SignInRefused) as bad_code:
        use.finish(state, "code-for-someone-else", CALLBACK)
    assert (late.value.code, bad_code.value.code) == ("sign_in_expired", "sign_in_code_refused")
    assert sessions.sessions == {}


def test_a_session_ends_after_idle_time_and_on_logout() -> None:
    use, provider, sessions = sign_in()
    token = use.finish(*begun(use, provider), CALLBACK)[0]
    sessions.now += timedelta(seconds=899)
    use.current(token)  # used: the idle time starts again
    sessions.now += timedelta(seconds=899)
    use.current(token)
    sessions.now += timedelta(seconds=900)
    with pytest.raises(Unauthorized):
        use.current(token)
    second = use.finish(*begun(use, provider), CALLBACK)[0]
    use.end(second)
    with pytest.raises(Unauthorized):
        use.current(second)


def test_only_a_path_on_this_site_is_returned_to() -> None:
    assert safe_next("/enroll") == "/enroll"
    assert safe_next("https://evil.example/") == safe_next("//evil.example") == "/admin"
