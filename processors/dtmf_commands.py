"""Keypad (DTMF) commands: a digit the caller presses becomes a user message the brain acts on.

Twilio reports key presses as ``dtmf`` events (https://www.twilio.com/docs/voice/media-streams/websocket-messages#dtmf-message);
the serializer turns them into ``InputDTMFFrame``. :class:`DTMFCommandsProcessor` (placed before the
user context aggregator) maps the digits in :data:`COMMANDS` to an ``LLMMessagesAppendFrame`` with a
plain-language user message and ``run_llm=True`` — so the local brain and an LLM both understand it:

- ``0`` → "The caller pressed 0 on the keypad: repeat your last answer."
- ``9`` (:data:`TRANSFER_DIGIT`) → "The caller pressed 9 on the keypad: transfer the call to a person."

Other digits pass through untouched (as ``InputDTMFFrame``) for later uses.
"""

from __future__ import annotations

from loguru import logger
from pipecat.frames.frames import Frame, InputDTMFFrame, LLMMessagesAppendFrame
from pipecat.processors.frame_processor import FrameDirection, FrameProcessor

KEYPAD_PREFIX = "The caller pressed"
#: The key that asks for a person (``transfer_call``), documented in the README.
TRANSFER_DIGIT = "9"

#: digit → what the keypad press asks for (spoken-language-neutral instruction for the brain).
COMMANDS: dict[str, str] = {
    "0": f"{KEYPAD_PREFIX} 0 on the keypad: repeat your last answer.",
    TRANSFER_DIGIT: f"{KEYPAD_PREFIX} {TRANSFER_DIGIT} on the keypad: transfer the call to a person.",
}


class DTMFCommandsProcessor(FrameProcessor):
    """Turns keypad digits in :data:`COMMANDS` into user messages; see the module docstring."""

    async def process_frame(self, frame: Frame, direction: FrameDirection):
        """Push every frame on; for a mapped digit also push the command message."""
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, InputDTMFFrame) and direction == FrameDirection.DOWNSTREAM:
            digit = str(getattr(frame.button, "value", frame.button))
            command = COMMANDS.get(digit)
            logger.info(f"keypad {digit}" + (" (command)" if command else ""))
            if command:
                await self.push_frame(LLMMessagesAppendFrame(
                    messages=[{"role": "user", "content": command}], run_llm=True))
