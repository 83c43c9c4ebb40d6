"""``OTEL_EXPORTER_OTLP_ENDPOINT`` switches tracing on: spans reach a local OTLP/HTTP collector
(``POST /v1/traces``, protobuf — https://opentelemetry.io/docs/specs/otlp/#otlphttp) without what
was said, unless ``TRACE_TRANSCRIPTS=true``. Each case runs in a fresh interpreter: the tracer
provider is process-wide and can be set only once."""

from __future__ import annotations

import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from gateway.settings import Settings
from gateway.tracing import setup_tracing

ROOT = Path(__file__).resolve().parent.parent

SCRIPT = """
from opentelemetry import trace
from gateway.settings import Settings
from gateway.tracing import setup_tracing

assert setup_tracing(Settings(_env_file=None))
tracer = trace.get_tracer("pipecat")
with tracer.start_as_current_span("conversation") as call:
    call.set_attribute("call_sid", "CA" + "d" * 32)
    with tracer.start_as_current_span("stt") as stt:
        stt.set_attribute("transcript", "my card number is 4111")
        stt.set_attribute("metrics.ttfb", 0.2)
trace.get_tracer_provider().force_flush()
"""


class Collector:
    """A loopback OTLP/HTTP trace collector that keeps every request it gets."""

    def __init__(self):
        self.requests: list[tuple[str, str, bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.requests.append((self.path, self.headers.get("content-type", ""), body))
                self.send_response(200)
                self.send_header("content-type", "application/x-protobuf")
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def spans(self) -> dict[str, dict]:
        found = {}
        for _, _, body in self.requests:
            request = ExportTraceServiceRequest.FromString(body)
            for resource in request.resource_spans:
                for scope in resource.scope_spans:
                    for span in scope.spans:
                        found[span.name] = {a.key: a.value for a in span.attributes}
        return found


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.server.shutdown()


def run(env: dict[str, str]) -> None:
    subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, check=True, timeout=120,
                   env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), **env})


def test_no_endpoint_no_tracing():
    assert setup_tracing(Settings(_env_file=None)) is False


def test_spans_reach_the_collector_without_what_was_said(collector):
    run({"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url + "/"})
    assert collector.requests and all(p == "/v1/traces" for p, _, _ in collector.requests)
    assert collector.requests[0][1] == "application/x-protobuf"
    spans = collector.spans()
    assert spans["conversation"]["call_sid"].string_value == "CA" + "d" * 32
    assert spans["stt"]["call_sid"].string_value == "CA" + "d" * 32  # copied from the call span
    assert spans["stt"]["metrics.ttfb"].double_value == 0.2
    assert "transcript" not in spans["stt"]


def test_trace_transcripts_keeps_them(collector):
    run({"OTEL_EXPORTER_OTLP_ENDPOINT": collector.url, "TRACE_TRANSCRIPTS": "true"})
    assert collector.spans()["stt"]["transcript"].string_value == "my card number is 4111"
