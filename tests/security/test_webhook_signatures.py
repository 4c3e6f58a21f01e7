"""Webhooks leave signed (Standard Webhooks); any change to what was signed makes a receiver refuse the message.

The service sends webhooks and receives none, so refusing and logging a tampered one is the partner receiver's
job; these tests show that the signature we send gives it what it needs, with the reference verifier.
"""

import json
import time

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from coopcases.notifications.webhooks import generate_secret, signed_headers

BODY = json.dumps({"type": "mla_request.transmitted", "data": {"event_id": 7}}, separators=(",", ":"))


@pytest.fixture
def signed():
    secret = generate_secret()
    return secret, signed_headers([secret], "evt_7", int(time.time()), BODY)


def test_an_untouched_message_verifies(signed):
    secret, headers = signed
    assert Webhook(secret).verify(BODY, headers)["data"]["event_id"] == 7


@pytest.mark.parametrize("tamper", [
    lambda body, headers: (body.replace("7", "8"), headers),
    lambda body, headers: (body, headers | {"webhook-id": "evt_8"}),
    lambda body, headers: (body, headers | {"webhook-timestamp": str(int(headers["webhook-timestamp"]) + 1)}),
    lambda body, headers: (body, headers | {"webhook-signature": headers["webhook-signature"][:-4] + "AAA="}),
], ids=["body", "id", "timestamp", "signature"])
def test_a_tampered_message_is_refused(signed, tamper):
    secret, headers = signed
    body, headers = tamper(BODY, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(body, headers)


def test_a_replayed_old_message_is_refused():
    secret = generate_secret()
    headers = signed_headers([secret], "evt_7", int(time.time()) - 3600, BODY)
    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(BODY, headers)
