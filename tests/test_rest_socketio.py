"""The socket.io channel a chat widget uses: a session, answers in it, and malformed metadata ignored."""

from __future__ import annotations

import queue
import uuid

import pytest
import socketio

pytestmark = pytest.mark.rest


@pytest.fixture
def client(servers):
    """A socket.io client connected to the assistant (long-polling, as a widget falls back to)."""
    sio = socketio.Client(reconnection=False)
    received: "queue.Queue" = queue.Queue()
    sio.on("session_confirm", lambda session_id: received.put(("session_confirm", session_id)))
    sio.on("bot_uttered", lambda message: received.put(("bot_uttered", message)))
    sio.connect(servers.rasa_url, socketio_path="/socket.io", transports=["polling"], wait_timeout=30)
    sio.received = received
    yield sio
    sio.disconnect()


def next_event(client, name, timeout=60):
    while True:
        event, data = client.received.get(timeout=timeout)
        if event == name:
            return data


@pytest.mark.parametrize("metadata", [{"language": "nl"}, "not json", ["a", "list"], {"blob": "x" * 100_000}])
def test_a_session_gets_its_answers_whatever_metadata_comes_with_the_message(client, servers, metadata):
    session_id = uuid.uuid4().hex
    client.emit("session_request", {"session_id": session_id})
    assert next_event(client, "session_confirm") == session_id
    client.emit("user_uttered", {"message": "Goedemorgen", "session_id": session_id, "metadata": metadata})
    answer = next_event(client, "bot_uttered")
    assert answer["text"].startswith("Hallo")
    tracker = servers.tracker(session_id)
    assert "x" * 100 not in str(tracker) and "not json" not in str(tracker)


def test_an_over_long_message_is_answered_in_the_session(client, servers):
    session_id = uuid.uuid4().hex
    client.emit("session_request", {"session_id": session_id})
    next_event(client, "session_confirm")
    client.emit("user_uttered", {"message": "Ik zoek een opleiding in Brussel. " * 100, "session_id": session_id})
    assert next_event(client, "bot_uttered")["text"].startswith("Je bericht is te lang")
