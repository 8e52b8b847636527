"""The speed fix of bot.rasa_patches keeps Rasa's validation of action server responses."""

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

import bot.nlu  # noqa: F401  (applies the patch, as loading the model does)
from bot import rasa_patches


def action():
    return RemoteAction("action_search_courses", None)


def test_loading_the_nlu_components_applies_the_patch():
    assert RemoteAction._validate_action_result is rasa_patches._validate_action_result


@pytest.mark.parametrize("response", [
    {"events": [], "responses": []},
    {"events": [{"event": "slot", "name": "course_id", "value": "dh-soc-analyst-27"}],
     "responses": [{"text": "Bonjour", "buttons": [{"title": "Oui", "payload": "/affirm"}]}]},
])
def test_a_valid_action_server_response_passes(response):
    assert action()._validate_action_result(response) is True


@pytest.mark.parametrize("response", [
    {"events": [{"event": "no_such_event"}], "responses": []},
    {"events": [{"event": "slot", "value": "x"}], "responses": []},  # a slot event without a name
    {"events": [], "responses": "Bonjour"},
])
def test_an_invalid_action_server_response_is_rejected_as_rasa_does(response):
    with pytest.raises(jsonschema.ValidationError) as patched:
        action()._validate_action_result(response)
    with pytest.raises(jsonschema.ValidationError) as original:
        jsonschema.validate(response, RemoteAction.action_response_format_spec())
    assert patched.value.message.startswith(original.value.message)
    assert "Failed to validate Action server response" in patched.value.message
