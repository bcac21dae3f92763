"""A nats-server in decentralized JWT mode for the tests: operator -> account -> users.

What Flightdeck's NATS set-up mints for real, made here with the `nkeys` package and hand-built
JWTs (header `{"typ":"JWT","alg":"ed25519-nkey"}`, base64url without padding, an ed25519
signature over `header.payload`), so the runtime is tested with the credentials a job gets:

- `JwtNats(root).start()`: the server (an operator, a system account and an account "FLIGHTDECK"
  with JetStream, preloaded with `resolver: MEMORY`), the FLIGHTDECK_TRACE stream created;
- `job_creds(job_id)`: a `.creds` file for a job's user, allowed exactly what issue 15 gives a job
  (`ack=False` leaves out the ack subject: an ack that never reaches the server);
- `operator_creds()`: a user allowed what Flightdeck needs to create the stream and consumers and
  to send commands;
- `violations()`: the permission violations the server logged.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

import nkeys

from conftest import NatsServer

COMMANDS_STREAM = "FLIGHTDECK_COMMANDS"


def new_key(prefix: int) -> nkeys.KeyPair:
    return nkeys.from_seed(nkeys.encode_seed(os.urandom(32), prefix))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def encode_jwt(kind: str, name: str, subject: nkeys.KeyPair, issuer: nkeys.KeyPair, nats: dict[str, Any],
               expires: int | None = None) -> str:
    """A signed JWT of `kind` (operator, account, user) for `subject`'s public key, by `issuer`."""
    claims: dict[str, Any] = {
        "jti": secrets.token_hex(16).upper(),
        "iat": int(time.time()),
        "iss": issuer.public_key.decode(),
        "sub": subject.public_key.decode(),
        "name": name,
        "nats": {**nats, "type": kind, "version": 2},
    }
    if expires is not None:
        claims["exp"] = expires
    signing_input = _b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode()) + "." + \
        _b64(json.dumps(claims).encode())
    return signing_input + "." + _b64(issuer.sign(signing_input.encode()))


def creds_text(jwt: str, seed: bytes) -> str:
    """The standard .creds layout nats-py (and every NATS client) reads."""
    return (f"-----BEGIN NATS USER JWT-----\n{jwt}\n------END NATS USER JWT------\n\n"
            "************************* IMPORTANT *************************\n"
            "NKEY Seed printed below can be used to sign and prove identity.\n"
            "NKEYs are sensitive and should be treated as secrets.\n\n"
            f"-----BEGIN USER NKEY SEED-----\n{seed.decode()}\n------END USER NKEY SEED------\n\n"
            "*************************************************************\n")


def job_permissions(job_id: str, stream: str = COMMANDS_STREAM, consumer: str | None = None, *,
                    ack: bool = True) -> tuple[list[str], list[str]]:
    """(publish, subscribe) allowed to a job's user, as issue 15 says."""
    consumer = consumer or f"cmd-{job_id}"
    publish = [f"logs.agent.{job_id}", f"events.agent.{job_id}",
               f"$JS.API.CONSUMER.INFO.{stream}.{consumer}", f"$JS.API.CONSUMER.MSG.NEXT.{stream}.{consumer}"]
    if ack:
        publish.append(f"$JS.ACK.{stream}.{consumer}.>")
    return publish, [f"cmd.agent.{job_id}", f"_INBOX.{job_id}.>"]


class JwtNats(NatsServer):
    """nats-server with JetStream in JWT mode (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        super().__init__(root)
        self.operator = new_key(nkeys.PREFIX_BYTE_OPERATOR)
        self.account = new_key(nkeys.PREFIX_BYTE_ACCOUNT)
        self.system = new_key(nkeys.PREFIX_BYTE_ACCOUNT)
        unlimited = {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1, "wildcards": True,
                     "conn": -1, "leaf": -1}
        operator_jwt = encode_jwt("operator", "flightdeck-test", self.operator, self.operator,
                                  {"system_account": self.system.public_key.decode()})
        account_jwt = encode_jwt("account", "FLIGHTDECK", self.account, self.operator, {
            "limits": {**unlimited, "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1}})
        system_jwt = encode_jwt("account", "SYS", self.system, self.operator, {"limits": unlimited})
        self.config_path = root / "nats-server.conf"
        self.config_path.write_text(
            f"operator: {operator_jwt}\n"
            f"system_account: {self.system.public_key.decode()}\n"
            "resolver: MEMORY\n"
            "resolver_preload: {\n"
            f"  {self.account.public_key.decode()}: {account_jwt}\n"
            f"  {self.system.public_key.decode()}: {system_jwt}\n"
            "}\n"
            f"jetstream {{ store_dir: {json.dumps(str(self.store_dir))} }}\n")

    def arguments(self) -> list[str]:
        """The JWT configuration (it enables JetStream in `store_dir` itself)."""
        return ["-c", str(self.config_path)]

    def user_creds(self, name: str, publish: list[str], subscribe: list[str]) -> Path:
        """A .creds file for a user of the account, allowed `publish` and `subscribe` only."""
        user = new_key(nkeys.PREFIX_BYTE_USER)
        jwt = encode_jwt("user", name, user, self.account, {
            "pub": {"allow": publish}, "sub": {"allow": subscribe}, "subs": -1, "data": -1, "payload": -1},
            expires=int(time.time()) + 3600)
        path = self.root / f"{name}.creds"
        path.write_text(creds_text(jwt, user.seed))
        path.chmod(0o600)
        return path

    def job_creds(self, job_id: str, *, ack: bool = True, **names: Any) -> Path:
        publish, subscribe = job_permissions(job_id, ack=ack, **names)
        return self.user_creds(f"job-{job_id}" + ("" if ack else "-noack"), publish, subscribe)

    def operator_creds(self) -> Path:
        """Flightdeck's own user: creates streams and consumers, sends commands, reads traces."""
        return self.user_creds("flightdeck", ["cmd.agent.*", "$JS.API.>", "$JS.ACK.>"], ["_INBOX.>", "logs.agent.>",
                                                                                      "events.agent.>"])

    def violations(self) -> list[str]:
        """The permission violations the server logged (a client's publish or subscribe refused)."""
        try:
            text = self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return []
        return [line for line in text.splitlines() if "Violation" in line]


# MARK: - What Flightdeck does (with the operator's credentials)


async def connect(url: str, creds: Path, **options: Any) -> Any:
    import nats

    return await nats.connect(url, user_credentials=str(creds), connect_timeout=5, **options)


async def create_commands_stream(nc: Any) -> None:
    from nats.js.api import RetentionPolicy, StorageType, StreamConfig

    await nc.jetstream().add_stream(StreamConfig(
        name=COMMANDS_STREAM, subjects=["cmd.agent.>"], retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE, max_age=7 * 24 * 3600, duplicate_window=600))


async def create_job_consumer(nc: Any, job_id: str, ack_wait: float = 30.0) -> None:
    """The job's durable pull consumer as Flightdeck creates it (idempotent). Tests that wait for a
    redelivery pass a shorter `ack_wait` than Flightdeck's 30 s."""
    from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

    await nc.jetstream().add_consumer(COMMANDS_STREAM, ConsumerConfig(
        durable_name=f"cmd-{job_id}", filter_subject=f"cmd.agent.{job_id}", ack_policy=AckPolicy.EXPLICIT,
        ack_wait=ack_wait, deliver_policy=DeliverPolicy.ALL, max_deliver=-1))


async def send_command(nc: Any, job_id: str, msg_id: str | None = None, **body: Any) -> None:
    """A command as Flightdeck publishes it: into the stream, `Nats-Msg-Id` = `msg_id` or its id."""
    ack = await nc.jetstream().publish(f"cmd.agent.{job_id}", json.dumps(body).encode(),
                                       headers={"Nats-Msg-Id": msg_id or body.get("id") or secrets.token_hex(8)})
    assert ack.stream == COMMANDS_STREAM


async def consumer_info(nc: Any, job_id: str) -> Any:
    return await nc.jetstream().consumer_info(COMMANDS_STREAM, f"cmd-{job_id}")


async def create_trace_stream(nc: Any) -> None:
    from nats.js.api import StorageType, StreamConfig

    await nc.jetstream().add_stream(StreamConfig(name="FLIGHTDECK_TRACE", subjects=["logs.agent.>", "events.agent.>"],
                                                 duplicate_window=120, storage=StorageType.FILE))


async def stored(nc: Any, subject: str) -> list[dict]:
    """Every message FLIGHTDECK_TRACE holds on `subject`, as JSON, in order."""
    js = nc.jetstream()
    info = await js.stream_info("FLIGHTDECK_TRACE", subjects_filter=subject)
    count = (info.state.subjects or {}).get(subject, 0)
    out: list[dict] = []
    if count:
        sub = await js.subscribe(subject, ordered_consumer=True)
        while len(out) < count:
            out.append(json.loads((await sub.next_msg(timeout=5)).data))
        await sub.unsubscribe()
    return out
