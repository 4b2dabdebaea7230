"""The LiteLLM Configuration page state finds its four cards in Reflex's state tree, without importing them (the
cards import it: issue 19's import circle), and says which card is missing when one was never imported."""

from __future__ import annotations

import pytest

from resync_app.state.litellm_config import CARDS, LiteLLMConfigState


def test_every_card_is_found_once_its_module_is_imported():
    from resync_app.pages.admin import litellm_config as page  # what the app imports: the page and its cards

    assert page.litellm_config
    found = {name: LiteLLMConfigState.card_class(name) for name in CARDS}
    assert len(set(found.values())) == len(CARDS)
    for name, card in found.items():
        assert issubclass(card, LiteLLMConfigState) and card.card == name
        assert "card" not in card.base_vars  # a class constant, not a var sent to the browser


def test_an_unknown_card_is_named():
    with pytest.raises(LookupError, match="'nope'"):
        LiteLLMConfigState.card_class("nope")
