"""Drives the anonymist proxy with the real `mistralai` client.

Usage: python proxy_client.py PROXY_URL
Prints one JSON object: the plain and streamed answers, and a second-turn
answer in a conversation (header X-Anonymist-Conversation).
"""
import json
import sys

from mistralai.client import Mistral

PROMPT = (
    "Please write to Jane Doe at jane.doe@example.com or call +44 20 7946 0958; "
    "her card is 4111 1111 1111 1111 and her IBAN GB82 WEST 1234 5698 7654 32."
)


def main() -> None:
    url = sys.argv[1]
    out = {}
    with Mistral(api_key="test-key", server_url=url) as client:
        res = client.chat.complete(
            model="mistral-small-latest",
            messages=[
                {"role": "system", "content": "You are helpful."},
                {"role": "user", "content": PROMPT},
            ],
        )
        out["plain"] = res.choices[0].message.content
        parts = []
        for event in client.chat.stream(
            model="mistral-small-latest",
            messages=[{"role": "user", "content": PROMPT}],
        ):
            delta = event.data.choices[0].delta.content
            if isinstance(delta, str):
                parts.append(delta)
        out["stream"] = "".join(parts)
    # A conversation: the same header keeps one mapping across turns.
    with Mistral(api_key="test-key", server_url=url) as client:
        headers = {"X-Anonymist-Conversation": "conv-42"}
        first = client.chat.complete(
            model="mistral-small-latest",
            messages=[{"role": "user", "content": "Mail jane.doe@example.com please."}],
            http_headers=headers,
        )
        second = client.chat.complete(
            model="mistral-small-latest",
            messages=[
                {"role": "user", "content": "Mail jane.doe@example.com please."},
                {"role": "assistant", "content": first.choices[0].message.content},
                {"role": "user", "content": "And john.roe@example.org too."},
            ],
            http_headers=headers,
        )
        out["turn1"] = first.choices[0].message.content
        out["turn2"] = second.choices[0].message.content
    print(json.dumps(out))


if __name__ == "__main__":
    main()
