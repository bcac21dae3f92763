"""Redaction of exact secret values: longest first, stripped forms, JSON, and cuts."""

from __future__ import annotations

import io

from flightdeck_agent.redact import SecretScrubber


def test_replaces_every_occurrence_longest_first() -> None:
    scrubber = SecretScrubber(["hunter2-password", "hunter2-password-extended"])
    text = "a hunter2-password-extended b hunter2-password c hunter2-password"
    assert scrubber.scrub(text) == "a [redacted] b [redacted] c [redacted]"


def test_named_secrets_say_which_and_stripped_forms_count() -> None:
    scrubber = SecretScrubber({"openai-api-key": "  sk-abcdef123456\n", "weird name\"": "zzzzzzzz-top"})
    assert scrubber.scrub("key=sk-abcdef123456;") == "key=[redacted:openai-api-key];"
    assert scrubber.scrub("x zzzzzzzz-top") == "x [redacted:weird_name_]", "labels stay JSON- and terminal-safe"


def test_short_secrets_are_skipped_and_said_once_by_name() -> None:
    err = io.StringIO()
    scrubber = SecretScrubber({"pin": "1234", "empty": "", "token": "long-enough-token"}, stderr=err)
    assert scrubber.scrub("1234 long-enough-token") == "1234 [redacted:token]"
    assert err.getvalue() == ("flightdeck-agent: 1 secret(s) shorter than 6 characters are not redacted: pin "
                              "(SECRETS_DIR)\n")
    assert "1234" not in err.getvalue()


def test_special_characters_are_literal() -> None:
    scrubber = SecretScrubber(["a.b*c(d)|e"])
    assert scrubber.scrub("aXbbc(d)|e a.b*c(d)|e") == "aXbbc(d)|e [redacted]"
    assert scrubber.json_safe
    assert not SecretScrubber(['quote"inside']).json_safe


def test_scrub_json_reaches_nested_values_and_keys() -> None:
    scrubber = SecretScrubber(["s3cr3t-value"])
    value = {"text": "x s3cr3t-value", "args": {"s3cr3t-value": ["ok", "s3cr3t-value!", 7, None, True]},
             "n": 1.5}
    assert scrubber.scrub_json(value) == {"text": "x [redacted]", "args": {"[redacted]": ["ok", "[redacted]!", 7,
                                                                                          None, True]}, "n": 1.5}


def test_nothing_to_redact_is_the_identity() -> None:
    scrubber = SecretScrubber([])
    value = {"a": "b"}
    assert not scrubber.active
    assert scrubber.scrub_json(value) is value
    assert scrubber.scrub("text") == "text"


def test_head_and_tail_cuts_never_leave_half_a_secret() -> None:
    secret = "SECRET-0123456789"
    scrubber = SecretScrubber([secret])
    text = "x" * 10 + secret + "y" * 10 + secret + "z" * 10
    # A cut inside the first secret: it is replaced whole, the cut moves past it.
    head = scrubber.scrub_head(text, 15)
    assert head == "x" * 10 + "[redacted]"
    assert scrubber.scrub_head(text, 5) == "xxxxx"
    # A cut inside the last secret, seen from the end.
    tail = scrubber.scrub_tail(text, 15)
    assert tail == "[redacted]" + "z" * 10
    assert scrubber.scrub_tail(text, 1000) == scrubber.scrub(text)
    assert scrubber.scrub_head(text, 1000) == scrubber.scrub(text)
    whole = scrubber.scrub(text)
    for keep in range(len(text)):
        # Every cut is a piece of the fully redacted text: no fragment of a secret survives.
        assert whole.startswith(scrubber.scrub_head(text, keep))
        assert whole.endswith(scrubber.scrub_tail(text, keep))
        assert len(scrubber.scrub_head(text, keep)) >= min(keep, 10)


def test_the_environments_secrets_are_redacted_too(tmp_path) -> None:
    """Not only the secret files: NATS_URL's credentials, the NATS creds file's JWT and seed, and
    variables named like secrets (not those that name a file) are exact values the agent knows."""
    from conftest import make_pod_env

    from flightdeck_agent.context import context

    jwt = "eyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.eyJqdGkiOiJBQkMifQ.c2lnbmF0dXJl"
    seed = "SUAIBDPBAUTWCWBKIO6XHQNINK5FWJW4OHLXC3HQ2KFE4PEJUA44CNHTC4"
    creds = tmp_path / "agent.creds"
    creds.write_text(f"-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n"
                     "************************* IMPORTANT *************************\n"
                     "NKEYs are sensitive and should be treated as secrets.\n\n"
                     f"-----BEGIN USER NKEY SEED-----\n{seed}\n------END USER NKEY SEED------\n")
    env = make_pod_env(tmp_path / "pod", NATS_URL="nats://agent-user:s3cret%2Fpass@127.0.0.1:4222,nats://tok3n-only-value@h:4222",
                       NATS_CREDS_FILE=str(creds), MY_SERVICE_TOKEN="tok-Zx9Zx9Zx9Zx9", DB_Password="pa55word",
                       AWS_SECRET_ACCESS_KEY="aws", PLAIN="tok-Zx9Zx9Zx9Zx9-copy", OPENAI_API_KEY_FILE="/var/run/key-file")
    scrubber = SecretScrubber.from_context(context(env), stderr=io.StringIO())
    text = (f"{jwt} {seed} agent-user s3cret/pass tok3n-only-value tok-Zx9Zx9Zx9Zx9 pa55word aws "
            "/var/run/key-file NKEYs are sensitive")
    assert scrubber.scrub(text) == (
        "[redacted:NATS_CREDS_FILE] [redacted:NATS_CREDS_FILE.2] [redacted:NATS_URL] [redacted:NATS_URL.2] "
        "[redacted:NATS_URL.3] [redacted:MY_SERVICE_TOKEN] [redacted:DB_Password] aws /var/run/key-file "
        "NKEYs are sensitive")
