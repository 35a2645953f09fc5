"""Calls the gateway's POST /v1/embeddings with the official OpenAI Python client, unchanged.

Run by OpenAiClientIT against the gateway with fake encoders, whose vectors it knows:
"a red circle" -> [3, 4, 0, 0] (12 tokens), the image bytes b"img" -> [0, 0, 1, 0].
Usage: openai_client_check.py BASE_URL (ok | unknown-model); prints "ok" when every check passed.
"""

import base64
import sys

import openai

RED_CIRCLE = [3.0, 4.0, 0.0, 0.0]
IMAGE = [0.0, 0.0, 1.0, 0.0]


def check_answers(client):
    # the client's default asks for base64 and decodes it itself
    one = client.embeddings.create(input="a red circle", model="fake-clip")
    assert one.object == "list", one
    assert one.data[0].object == "embedding" and one.data[0].index == 0, one
    assert list(one.data[0].embedding) == RED_CIRCLE, one
    assert one.model == "fake-clip@0.0.7", one
    assert one.usage.prompt_tokens == 12 and one.usage.total_tokens == 12, one.usage

    floats = client.embeddings.create(
        input=["a red circle", "a red circle"], model="fake-clip", encoding_format="float"
    )
    assert [d.index for d in floats.data] == [0, 1], floats
    assert [list(d.embedding) for d in floats.data] == [RED_CIRCLE, RED_CIRCLE], floats
    assert floats.usage.prompt_tokens == 24, floats.usage

    url = "data:image/png;base64," + base64.b64encode(b"img").decode()
    mixed = client.embeddings.create(input=["a red circle", url], model="fake-clip", dimensions=4)
    assert [list(d.embedding) for d in mixed.data] == [RED_CIRCLE, IMAGE], mixed

    try:
        client.embeddings.create(input="a red circle", model="fake-clip", dimensions=256)
        raise AssertionError("dimensions=256 was accepted")
    except openai.BadRequestError as e:
        assert e.status_code == 400, e
        assert e.param == "dimensions", e.body
        assert "embeds into 4 dimensions" in e.message, e.message

    try:
        client.embeddings.create(input=[[49406, 320]], model="fake-clip")
        raise AssertionError("a token array was accepted")
    except openai.BadRequestError as e:
        assert e.body["message"].startswith("input[0]: token arrays are not accepted"), e.body


def check_unknown_model(client):
    try:
        client.embeddings.create(input="a", model="text-embedding-3-small")
        raise AssertionError("an unknown model was accepted")
    except openai.NotFoundError as e:
        assert e.status_code == 404, e
        assert e.code == "model_not_found", e.body
        assert e.param == "model", e.body


def main():
    base_url, mode = sys.argv[1], sys.argv[2]
    client = openai.OpenAI(base_url=base_url, api_key="unused", max_retries=0, timeout=60)
    {"ok": check_answers, "unknown-model": check_unknown_model}[mode](client)
    print("ok")


if __name__ == "__main__":
    main()
