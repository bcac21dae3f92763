#!/usr/bin/env python3
"""Export a LangGraph agent's steps to Flightdeck as OpenTelemetry GenAI spans (OTLP/HTTP).

The part an agent author needs is `GenAITracing`: one `invoke_agent` span around the run, a
`chat` span per model call (its answer and token usage) and an `execute_tool` span per tool
call (arguments, result, failure), with the attributes of the OpenTelemetry GenAI semantic
conventions that Flightdeck maps onto its trace (docs/otlp.md). The job is named by the
resource attribute `flightdeck.job_id`.

    pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http langgraph
    python3 otlp_langgraph_agent.py --job "$JOB_ID" --endpoint http://127.0.0.1:4318/v1/traces

Run as a script it plays a small agent whose model is scripted (no network LLM). With
`--capture DIR` it exports instead to a capture server in this process, which writes each
request body it receives to DIR/request-N.bin (and its Content-Type to request-N.type): how
Flightdeck's tests get the bytes a real exporter sends.
"""
import argparse
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Annotated, TypedDict

from langchain_core.language_models.fake_chat_models import GenericFakeChatModel
from langchain_core.messages import AIMessage, AnyMessage, HumanMessage, ToolMessage
from langgraph.graph import END, START, StateGraph
from langgraph.graph.message import add_messages
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Status, StatusCode


class GenAITracing:
    """Spans of the GenAI semantic conventions for one agent's run."""

    def __init__(self, tracer, agent_name):
        self.tracer = tracer
        self.agent_name = agent_name

    def agent(self):
        span = self.tracer.start_as_current_span(f"invoke_agent {self.agent_name}")
        return _Attributed(span, {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": self.agent_name})

    def chat(self, model, invoke):
        """Calls `invoke()` inside a `chat` span and records its answer and usage."""
        with self.tracer.start_as_current_span(f"chat {model}") as span:
            span.set_attribute("gen_ai.operation.name", "chat")
            span.set_attribute("gen_ai.request.model", model)
            answer = invoke()
            usage = answer.usage_metadata or {}
            span.set_attribute("gen_ai.usage.input_tokens", int(usage.get("input_tokens", 0)))
            span.set_attribute("gen_ai.usage.output_tokens", int(usage.get("output_tokens", 0)))
            span.set_attribute("gen_ai.response.model", answer.response_metadata.get("model_name", model))
            parts = [{"type": "text", "content": answer.content}] if answer.content else []
            parts += [{"type": "tool_call", "name": c["name"], "arguments": c["args"]} for c in answer.tool_calls]
            span.set_attribute("gen_ai.output.messages", json.dumps([{"role": "assistant", "parts": parts}]))
            return answer

    def tool(self, call, run):
        """Runs one tool call inside an `execute_tool` span; a raised error fails the span."""
        with self.tracer.start_as_current_span(f"execute_tool {call['name']}", record_exception=True) as span:
            span.set_attribute("gen_ai.operation.name", "execute_tool")
            span.set_attribute("gen_ai.tool.name", call["name"])
            span.set_attribute("gen_ai.tool.call.id", call["id"])
            span.set_attribute("gen_ai.tool.call.arguments", json.dumps(call["args"]))
            try:
                result = run(**call["args"])
            except Exception as error:  # the span says how it failed; the agent goes on
                span.set_attribute("error.type", type(error).__name__)
                span.set_status(Status(StatusCode.ERROR, str(error)))
                return f"error: {error}"
            span.set_attribute("gen_ai.tool.call.result", result)
            return result


class _Attributed:
    def __init__(self, manager, attributes):
        self.manager = manager
        self.attributes = attributes

    def __enter__(self):
        span = self.manager.__enter__()
        for key, value in self.attributes.items():
            span.set_attribute(key, value)
        return span

    def __exit__(self, *exc):
        return self.manager.__exit__(*exc)


# --- the scripted agent ------------------------------------------------------------------

FAKE_TOKEN = "ghp_" + "aZ09bY18" * 5


def execute(command):
    if command.startswith("cat"):
        raise FileNotFoundError("notes.txt: no such file")
    # What a hostile tool might print: escape sequences and a credential.
    return f"\x1b]0;pwned\x07\x1b[2J3 passed in 0.12s (token {FAKE_TOKEN})"


TOOLS = {"execute": execute}


def scripted_model():
    def call(n, args):
        return {"name": "execute", "args": args, "id": f"call_{n}", "type": "tool_call"}

    usage = lambda i, o: {"input_tokens": i, "output_tokens": o, "total_tokens": i + o}
    return GenericFakeChatModel(messages=iter([
        AIMessage(content="Run the tests first.", tool_calls=[call(1, {"command": "pytest -q"})],
                  usage_metadata=usage(120, 15), response_metadata={"model_name": "scripted-1"}),
        AIMessage(content="", tool_calls=[call(2, {"command": "cat notes.txt"})],
                  usage_metadata=usage(160, 9), response_metadata={"model_name": "scripted-1"}),
        AIMessage(content="All tests pass; done.", usage_metadata=usage(200, 7),
                  response_metadata={"model_name": "scripted-1"}),
    ]))


class State(TypedDict):
    messages: Annotated[list[AnyMessage], add_messages]


def build_graph(tracing, model):
    def agent(state):
        return {"messages": [tracing.chat("scripted-1", lambda: model.invoke(state["messages"]))]}

    def tools(state):
        calls = state["messages"][-1].tool_calls
        return {"messages": [
            ToolMessage(tracing.tool(c, TOOLS[c["name"]]), tool_call_id=c["id"], name=c["name"]) for c in calls
        ]}

    graph = StateGraph(State)
    graph.add_node("agent", agent)
    graph.add_node("tools", tools)
    graph.add_edge(START, "agent")
    graph.add_conditional_edges("agent", lambda s: "tools" if s["messages"][-1].tool_calls else END)
    graph.add_edge("tools", "agent")
    return graph.compile()


# --- capture server ------------------------------------------------------------------------

def start_capture(directory):
    os.makedirs(directory, exist_ok=True)
    count = [0]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            count[0] += 1
            base = os.path.join(directory, f"request-{count[0]}")
            with open(base + ".bin", "wb") as f:
                f.write(body)
            with open(base + ".type", "w") as f:
                f.write(self.headers.get("Content-Type", ""))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1/traces"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--job", default=os.environ.get("JOB_ID", "3f2a9c1b7d4e"))
    parser.add_argument("--endpoint", default="http://127.0.0.1:4318/v1/traces")
    parser.add_argument("--capture", metavar="DIR", help="export to a capture server writing bodies to DIR")
    parser.add_argument("--gzip", action="store_true", help="compress the export requests")
    parser.add_argument("--token-file", help="a file holding the bearer token flightdeck serve asks")
    args = parser.parse_args()

    server = None
    endpoint = args.endpoint
    if args.capture:
        server, endpoint = start_capture(args.capture)
    resource = Resource.create({"service.name": "coder-agent", "flightdeck.job_id": args.job,
                                "k8s.namespace.name": "agents"})
    provider = TracerProvider(resource=resource)
    headers = {"Authorization": "Bearer " + open(args.token_file).read().strip()} if args.token_file else None
    compression = Compression.Gzip if args.gzip else Compression.NoCompression
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint, compression=compression,
                                                                    headers=headers)))
    tracing = GenAITracing(provider.get_tracer("flightdeck.examples.otlp"), "coder")

    graph = build_graph(tracing, scripted_model())
    with tracing.agent():
        graph.invoke({"messages": [HumanMessage("Make the tests pass.")]})
    provider.force_flush()
    provider.shutdown()
    if server:
        server.shutdown()


if __name__ == "__main__":
    main()
