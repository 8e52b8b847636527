"""A speed fix for Rasa 3.6.21, applied when the assistant's NLU components are imported.

Rasa checks every action server response with `jsonschema.validate(response, schema)`, and that
function first checks the schema itself against JSON Schema's meta-schema: with jsonschema 4.17
that is about 80 ms per custom action call, about two thirds of a message's time under cProfile
(bench/bench_nlu_latency.py: 122 ms a message before, 30 ms after). The response is still
validated against the same schema here, by a validator built once, whose schema was checked once.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, Dict, Text

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _action_response_validator():
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def _validate_action_result(self, result: Dict[Text, Any]) -> bool:
    """Rasa's RemoteAction._validate_action_result, with the validator built once."""
    from jsonschema.exceptions import best_match
    from rasa.shared.constants import DOCS_BASE_URL

    error = best_match(_action_response_validator().iter_errors(result))
    if error is None:
        return True
    error.message += (
        f". Failed to validate Action server response from API, "
        f"make sure your response from the Action endpoint is valid. "
        f"For more information about the format visit "
        f"{DOCS_BASE_URL}/custom-actions"
    )
    raise error


def apply() -> None:
    """Replaces the slow validation of action server responses (idempotent)."""
    from rasa.core.actions.action import RemoteAction

    if RemoteAction._validate_action_result is not _validate_action_result:
        RemoteAction._validate_action_result = _validate_action_result
        logger.debug("Action server responses are validated by a validator built once.")
