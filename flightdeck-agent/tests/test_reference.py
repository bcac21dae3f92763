"""The reference agent, `python -m flightdeck_agent.reference`, as a real process: the demo
task end to end in an empty workspace, hostile model and tool output, exit codes, bad input."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from conftest import SECRET_VALUES, make_pod_env
from flightdeck_agent.adapter import STRATEGIC, TACTICAL
from helpers import SCRIPTS, Agent, agent_env, stream_records, without_core_fallback_note


def run_agent(env: dict) -> tuple[int, bytes, bytes]:
    async def go():
        agent = Agent(env)
        await agent.start()
        code = await agent.wait()
        return code, agent.stdout, agent.stderr
    return asyncio.run(go())


def published(env: dict):
    async def both():
        return (await stream_records(env["NATS_URL"], env["NATS_SUBJECT_LOGS"]),
                await stream_records(env["NATS_URL"], env["NATS_SUBJECT_EVENTS"]))
    return asyncio.run(both())


def test_the_demo_does_a_small_coding_task_for_real(tmp_path, nats_server):
    env = agent_env(make_pod_env(tmp_path), nats_server, "demo")
    code, stdout, stderr = run_agent(env)
    assert (code, stdout, without_core_fallback_note(stderr)) == (0, b"", b"")
    logs, events = published(env)
    records = [r for _, r in logs]
    # the test ran twice for real: first failing, then passing
    runs = [r for r in records if r["kind"] == "observation" and r["tool"] == "execute" and " failed" in r["text"]]
    assert [r["exit_code"] for r in runs] == [1, 0]
    assert "FAIL  test_ignores_case: got [('cat', 2), ('he', 1)]" in runs[0]["text"]
    assert "0 failed" in runs[1]["text"]
    # planner and executor take turns: STRATEGIC/TACTICAL alternations on the timeline
    phases = [e["phase"] for _, e in events if e["type"] == "phase"]
    assert phases == [STRATEGIC, TACTICAL] * 3 + [STRATEGIC]
    assert all(r["phase"] in (STRATEGIC, TACTICAL) for r in records)
    assert {r["kind"] for r in records} == {"thought", "action", "observation"}
    assert all("usage" in r for r in records if r["kind"] == "thought")
    status = [e for _, e in events if e["type"] == "status"]
    assert status == [status[-1]] and status[-1]["state"] == "done"
    assert status[-1]["summary"].startswith("wordfreq.top_words()")
    # the workspace holds the fixed module, and the files event lists it
    workspace = Path(env["WORKSPACE_PATH"])
    assert "text.lower()" in (workspace / "wordfreq.py").read_text()
    files = [e for _, e in events if e["type"] == "files"][-1]["entries"]
    assert {"wordfreq.py", "test_wordfreq.py"} <= {f["path"] for f in files}


def test_hostile_output_is_sanitised_before_it_leaves(tmp_path, nats_server):
    script = SCRIPTS / "hostile.json"
    secret = SECRET_VALUES["openai-api-key"]
    assert secret in script.read_text()  # the script leaks the pod's real secret value
    env = agent_env(make_pod_env(tmp_path), nats_server, str(script))
    code, stdout, stderr = run_agent(env)
    assert code == 0, stderr
    msgs_raw = asyncio.run(_raw(env))
    everything = b"".join(msgs_raw) + stdout + stderr
    assert secret.encode() not in everything
    for value in SECRET_VALUES.values():
        assert value.encode() not in everything
    assert b"\x1b" not in everything and b"\x07" not in everything  # no raw escape bytes anywhere
    everything.decode("utf-8")  # valid UTF-8 throughout
    logs, events = published(env)
    text = json.dumps([r for _, r in logs] + [e for _, e in events], ensure_ascii=False)
    assert "[redacted:openai-api-key]" in text
    observations = [r for _, r in logs if r["kind"] == "observation"]
    bad_utf8, big, secrets, escape = observations
    assert "\ufffd\ufffd" in bad_utf8["text"]
    # 1 MiB of output: capped, with the truncation said, head and tail kept
    assert len(big["text"]) < 100_000 and "truncated" in big["text"] and big["text"].rstrip().endswith("[exit code 0]")
    assert "tail-marker" in big["text"]
    assert secret not in secrets["text"] and secrets["text"].count("[redacted") >= 2
    # the command saw no NATS or secret variables
    assert secrets["text"].splitlines()[-2] == "0"
    assert escape["text"].startswith("refused") and not (Path(env["WORKSPACE_PATH"]).parent / "escape.txt").exists()
    # each NATS message is within NATS' default max payload
    assert max(len(m) for m in msgs_raw) < 1024 * 1024


async def _raw(env):
    from conftest import read_subject
    out = []
    for subject in (env["NATS_SUBJECT_LOGS"], env["NATS_SUBJECT_EVENTS"]):
        out.extend(m.data for m in await read_subject(env["NATS_URL"], subject))
    return out


@pytest.mark.parametrize("raised, expected", [("AuthenticationError", 42), ("RateLimitError", 75)])
def test_exit_codes_of_a_real_process(tmp_path, nats_server, raised, expected):
    script = tmp_path / "s.json"
    script.write_text(json.dumps({"steps": [{"content": "plan"}, {"raise": raised, "message": "nope"}]}))
    env = agent_env(make_pod_env(tmp_path / "pod"), nats_server, str(script))
    code, stdout, stderr = run_agent(env)
    assert code == expected
    assert stdout == b""
    assert without_core_fallback_note(stderr).decode() == f"flightdeck-agent: {raised}: nope\n"
    logs, events = published(env)
    assert logs[-1][1]["kind"] == "error" and logs[-1][1]["text"] == f"{raised}: nope"
    assert events[-1][1]["type"] == "status" and events[-1][1]["state"] == "failed"


def test_without_nats_the_trace_goes_to_stdout(tmp_path):
    env = agent_env(make_pod_env(tmp_path), None, str(SCRIPTS / "commands.json"))
    code, stdout, stderr = run_agent(env)
    assert code == 0 and stderr == b""
    lines = [json.loads(line) for line in stdout.decode().splitlines()]
    kinds = [line["kind"] for line in lines]
    assert kinds.count("observation") == 3 and "thought" in kinds
    assert lines[-1]["text"] == "agent status: done — counted to three"


@pytest.mark.parametrize("change, message", [
    ({"TASK_PROMPT_FILE": None}, "flightdeck-agent: TASK_PROMPT_FILE is not set (environment)\n"),
    ({"AGENT_MODEL": "scripted:/nonexistent/s.json"},
     "flightdeck-agent: cannot read script: No such file or directory (/nonexistent/s.json) (AGENT_MODEL)\n"),
    ({"AGENT_MODEL": "gpt-4o-mini", "SECRETS_DIR": None, "OPENAI_BASE_URL": None},
     "flightdeck-agent: no API key: put it in the secret file openai-api-key (or name a file in "
     "OPENAI_API_KEY_FILE), or set OPENAI_BASE_URL to a server that needs none (SECRETS_DIR)\n"),
    ({"AGENT_STEP_DELAY": "soon"}, "flightdeck-agent: AGENT_STEP_DELAY 'soon' is not a number of seconds (0 to 3600) (environment)\n"),
    ({"AGENT_MODEL": "gpt-4o-mini", "OPENAI_TIMEOUT": "soon"},
     "flightdeck-agent: OPENAI_TIMEOUT 'soon' is not a number of seconds (1 to 86400) (environment)\n"),
    ({"AGENT_MODEL": "gpt-4o-mini", "OPENAI_TIMEOUT": "nan"},
     "flightdeck-agent: OPENAI_TIMEOUT 'nan' is not a number of seconds (1 to 86400) (environment)\n"),
])
def test_bad_input_is_one_line_and_the_fatal_code(tmp_path, change, message):
    env = agent_env(make_pod_env(tmp_path), None, "demo")
    for key, value in change.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    code, stdout, stderr = run_agent(env)
    assert code == 42
    assert stderr.decode() == message


def test_the_task_names_its_repository_when_it_has_one(tmp_path):
    from flightdeck_agent.context import context
    from flightdeck_agent.reference import make_input

    env = make_pod_env(tmp_path)
    plain = make_input(context(env))["messages"][0].content
    assert "repository" not in plain
    env["REPO_URL"] = "https://git.example/team/app.git"
    told = make_input(context(env))["messages"][0].content
    assert told.startswith(plain) and "https://git.example/team/app.git" in told


def test_a_tool_that_raises_is_an_observation_not_the_end_of_the_run():
    """A bug in a tool must not end the run: the checkpointed call would raise again on every
    retry. The reference graph's ToolNode turns the exception into an error observation."""
    from langchain_core.messages import HumanMessage, ToolMessage
    from langchain_core.tools import tool

    from flightdeck_agent.reference.graph import build_graph
    from flightdeck_agent.scripted import ScriptedChatModel

    @tool
    def lookup(key: str) -> str:
        """Look a key up."""
        return {"known": "value"}[key]

    script = {"steps": [
        {"content": "plan: look it up"},
        {"content": "", "tool_calls": [{"name": "lookup", "args": {"key": "missing"}}]},
        {"content": "the lookup failed: {{last_observation}}"},
        {"content": "", "tool_calls": [{"name": "finish", "args": {"summary": "could not look it up"}}]},
    ]}
    graph = build_graph(ScriptedChatModel(script=script), [lookup])
    final = asyncio.run(graph.ainvoke({"messages": [HumanMessage("look up 'missing'")]}))
    observations = [m for m in final["messages"] if isinstance(m, ToolMessage)]
    assert len(observations) == 1
    assert observations[0].status == "error"
    assert observations[0].content == "error: the tool failed: KeyError: 'missing'"
    assert final["messages"][-1].tool_calls[0]["args"]["summary"] == "could not look it up"


def test_a_command_cannot_read_the_agents_environment_through_proc(tmp_path):
    """The execute tool scrubs its command's environment; `cat /proc/$PPID/environ` must not
    read the agent's own back. Root reads any process's environ, so as root the agent runs as
    the unprivileged uid 65534 (a pod's agent is never root), with this interpreter's packages."""
    import os
    import shutil
    import site
    import subprocess
    import sys
    import tempfile

    from helpers import PYTHON, SRC

    token = "tok-Zx9" + "q" * 20
    script = {"steps": [
        {"content": "plan: look at the parent"},
        {"content": "", "tool_calls": [{"name": "execute", "args": {
            "command": "cat /proc/$PPID/environ | tr '\\000' '\\n'; echo; head -c 16 /proc/$PPID/mem | wc -c"}}]},
        {"content": "seen it"},
        {"content": "", "tool_calls": [{"name": "finish", "args": {"summary": "looked"}}]},
    ]}
    python, run_as, base = PYTHON, {}, tmp_path
    if os.geteuid() == 0:
        python = shutil.which("python3", path="/usr/bin:/bin:/usr/local/bin")
        if python is None or subprocess.run(
                [python, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True,
                text=True).stdout.strip() != str(tuple(sys.version_info[:2])):
            pytest.skip("running as root (which reads every /proc environ) and no system python3 of this "
                        "version to run the agent as an unprivileged user")
        base = Path(tempfile.mkdtemp(prefix="flightdeck-proc-"))
        run_as = {"user": 65534, "group": 65534, "extra_groups": []}
    try:
        env = agent_env(make_pod_env(base / "pod"), None, str(base / "script.json"), MY_SERVICE_TOKEN=token)
        (base / "script.json").write_text(json.dumps(script))
        if run_as:
            env["PYTHONPATH"] = os.pathsep.join([str(SRC), *site.getsitepackages()])
            for directory, dirs, files in os.walk(base):
                for name in [directory, *(os.path.join(directory, n) for n in dirs + files)]:
                    os.chown(name, 65534, 65534, follow_symlinks=False)
        done = subprocess.run([python, "-m", "flightdeck_agent.reference"], env=env, cwd=str(base),
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=120, **run_as)
    finally:
        if run_as:
            shutil.rmtree(base, ignore_errors=True)
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.decode().splitlines()]
    seen = [r for r in records if r["kind"] == "observation"]
    assert len(seen) == 1
    text = seen[0]["text"]
    assert "Permission denied" in text, text
    for leaked in ("NATS_SUBJECT_LOGS=", "SECRETS_DIR=", "MY_SERVICE_TOKEN", token, "[redacted"):
        assert leaked not in text, text
