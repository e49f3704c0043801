"""Webhook deliveries over HTTP(S)."""

import httpx

from backend.domain.errors import DeliveryFailed


class HttpWebhookSender:
    """WebhookSender with httpx: a bounded wait, no redirects, any 2xx is taken."""

    def __init__(self, timeout: float = 10.0) -> None:
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 5.0)),
            follow_redirects=False,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8),
        )

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        try:
            answer = self._client.post(url, content=body, headers=headers)
        except httpx.TimeoutException as error:
            raise DeliveryFailed(f"timed out ({type(error).__name__})") from error
        except httpx.HTTPError as error:
            raise DeliveryFailed(f"could not reach the receiver ({error})") from error
        if not 200 <= answer.status_code < 300:
            raise DeliveryFailed(
                f"the receiver answered {answer.status_code}: {answer.text[:200]}",
                answer.status_code,
            )
        return answer.status_code

    def close(self) -> None:
        self._client.close()
