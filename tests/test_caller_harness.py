"""The simulated caller tells who ended a call: the gateway closing the socket, or its own hang-up.

A small Media Streams peer on 127.0.0.1 (websockets' sans-I/O ``ServerProtocol`` over asyncio
streams) stands in for the gateway. It either sends a close frame after ``start`` and keeps the TCP
connection open a while, like a busy server finishing the closing handshake, or never closes, so
the caller hangs up. When the connection ends, the caller's 20 ms ``media`` send and its receiver
loop both see it; whichever runs first, the close is the gateway's (a CI run under load once counted
it as the caller's hang-up because the failed send came first).
"""

from __future__ import annotations

import asyncio
import json

from websockets.frames import Opcode
from websockets.http11 import Request
from websockets.server import ServerProtocol

from gateway.caller import SimulatedCaller


async def _peer_call(close_frame_after_s: float | None, *, tcp_open_s: float = 0.3, hangup_after_s: float = 0.5):
    received: list[str] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        proto = ServerProtocol()
        closing = False
        try:
            while not reader.at_eof():
                data = await reader.read(65536)
                if not data:
                    break
                proto.receive_data(data)
                for event in proto.events_received():
                    if isinstance(event, Request):
                        proto.send_response(proto.accept(event))
                    elif event.opcode is Opcode.TEXT:
                        received.append(json.loads(event.data).get("event"))
                        if received[-1] == "start" and close_frame_after_s is not None and not closing:
                            closing = True
                            await asyncio.sleep(close_frame_after_s)
                            proto.send_close(1000)
                for chunk in proto.data_to_send():
                    if chunk:
                        writer.write(chunk)
                await writer.drain()
                if proto.close_expected():  # the caller's close frame came and was answered
                    break
                if closing:
                    await asyncio.sleep(tcp_open_s)  # the close frame is out; the socket stays up a while
                    break
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        caller = SimulatedCaller(f"ws://127.0.0.1:{port}/twilio/stream", [], hangup_after_s=hangup_after_s)
        result = await caller.run()
    return result, received


def _kinds(result) -> list[str]:
    return [k for _, k, _ in result.events]


def test_a_close_by_the_gateway_is_the_gateways_even_when_a_send_notices_it_first():
    result, received = asyncio.run(_peer_call(0.05, hangup_after_s=3.0))
    assert result.closed_by_gateway
    assert "caller_hangup" not in _kinds(result) and "stop" not in received


def test_a_caller_hang_up_is_not_the_gateways():
    result, received = asyncio.run(_peer_call(None))
    assert not result.closed_by_gateway
    assert "caller_hangup" in _kinds(result) and received[-1] == "stop"
