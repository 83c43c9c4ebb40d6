"""What every profile builder receives and returns: one call in, one ready PipelineWorker out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pipecat.pipeline.worker import PipelineWorker


@dataclass
class CallInfo:
    """One Twilio call, as read from the Media Streams ``start`` message.

    Parameters:
        call_sid: CallSid (``CA…``).
        stream_sid: StreamSid (``MZ…``).
        account_sid: AccountSid from ``start`` (may be empty in tests).
        from_number / to_number: E.164 numbers from the TwiML ``<Parameter>``s, if any.
        language: ISO 639-1 starting language.
        direction: ``inbound`` or ``outbound``.
        parameters: all ``customParameters`` Twilio passed.
    """

    call_sid: str
    stream_sid: str
    account_sid: str = ""
    from_number: str = ""
    to_number: str = ""
    language: str = "en"
    direction: str = "inbound"
    parameters: dict[str, str] = field(default_factory=dict)


@dataclass
class BuiltCall:
    """A call's pipeline, ready to run.

    Parameters:
        worker: the PipelineWorker to add to a WorkerRunner.
        serializer: the call's Twilio serializer (its ``on_event`` is wired by the gateway).
        greeting: frames to queue once the worker runs (the bot speaks first).
        parts: named processors/services, for health, metrics and tests.
    """

    worker: PipelineWorker
    serializer: Any
    greeting: list = field(default_factory=list)
    parts: dict[str, Any] = field(default_factory=dict)
