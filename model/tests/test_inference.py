"""The inference hooks against model/examples, with a stand-in for CLIP (transformers cannot be installed here).

Each example names what the model must be given (texts, or image sizes) and what it returns (raw
projections); the hooks must turn the example's request into exactly that input and the model's output into
exactly the example's response body. The C# client's tests read the same files, so the two sides cannot drift.
"""

import base64
import json
import math
import pathlib
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "code"))

import inference  # noqa: E402

EXAMPLES = sorted((ROOT / "examples").glob("*.json"))


def load(path):
    return json.loads(path.read_text(encoding="utf-8"))


def request_of(example):
    """The body as the container hands it to input_fn: str for JSON, bytes for images."""
    request = example["request"]
    if "body_base64" in request:
        return base64.b64decode(request["body_base64"]), request["content_type"]
    return json.dumps(request["body"], ensure_ascii=False), request["content_type"]


class StandInClip:
    """Returns the example's raw projections and remembers what it was asked to embed."""

    def __init__(self, output):
        self.output = output
        self.texts = None
        self.image_sizes = None

    def embed_texts(self, texts):
        self.texts = texts
        return self.output

    def embed_images(self, images):
        self.image_sizes = [list(image.size) for image in images]
        assert all(image.mode == "RGB" for image in images)
        return self.output


def test_the_examples_are_all_there():
    assert {p.stem for p in EXAMPLES} == {
        "text-batch", "text-single", "image-batch", "image-raw", "original-tuple-output", "error-not-an-image", "error-wrong-shape"}


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "model_error" not in load(p)], ids=lambda p: p.stem)
def test_a_request_becomes_the_model_input_and_the_output_the_response(path):
    example = load(path)
    model = StandInClip(example["model_output"])
    data = inference.input_fn(*request_of(example))
    prediction = inference.predict_fn(data, model)

    expected = example["model_input"]
    assert (model.texts, model.image_sizes) == (expected.get("texts"), expected.get("image_sizes"))
    if example.get("producer") == "original":
        return  # the body is the original's tuple form; ours is the plain list, checked by the other examples
    body = inference.output_fn(prediction, "application/json")
    assert isinstance(body, str)
    _close(json.loads(body), example["response"]["body"])


def _close(actual, expected):
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected):
        assert a == pytest.approx(e, abs=1e-12)
    return True


@pytest.mark.parametrize("path", [p for p in EXAMPLES if "model_error" in load(p)], ids=lambda p: p.stem)
def test_bad_input_raises_the_message_the_caller_reads(path):
    example = load(path)
    with pytest.raises(ValueError) as raised:
        inference.input_fn(*request_of(example))
    assert str(raised.value) == example["model_error"]
    original = json.loads(example["response"]["body"]["OriginalMessage"])
    assert original["message"] == example["model_error"]


def test_vectors_come_back_unit_length():
    vectors = inference.predict_fn(("texts", ["a", "b"]), StandInClip([[1, 2, 2, 0], [0, 0, 0, 0]]))
    assert math.isclose(math.fsum(x * x for x in vectors[0]), 1.0)
    assert vectors[1] == [0, 0, 0, 0]


@pytest.mark.parametrize("body, content_type, message", [
    ("{}", "text/csv", "Content-Type 'text/csv' is not supported"),
    ("{not json", "application/json", "The body is not JSON"),
    ('{"inputs": [], "images": []}', "application/json", 'Expected {"inputs"'),
    ('{"inputs": []}', "application/json", '"inputs" must be a text or a non-empty list of texts.'),
    ('{"inputs": ["a", 3]}', "application/json", '"inputs" must be a text or a non-empty list of texts.'),
    ('{"images": "abc"}', "application/json", '"images" must be a non-empty list of base64 strings.'),
    ('{"images": ["***"]}', "application/json", "images[0] is not base64."),
    (json.dumps({"inputs": ["t"] * 1025}), "application/json", '"inputs" holds 1025 texts; at most 1024 per request.'),
    (b"GIF89a-truncated", "image/gif", "body is not an image (16 bytes)."),
])
def test_each_bad_request_names_what_is_wrong(body, content_type, message):
    with pytest.raises(ValueError) as raised:
        inference.input_fn(body, content_type)
    assert str(raised.value).startswith(message)


def test_the_content_type_may_carry_parameters_and_accept_may_be_any():
    kind, texts = inference.input_fn('{"inputs": "x"}', "application/json; charset=utf-8")
    assert (kind, texts) == ("texts", ["x"])
    assert json.loads(inference.output_fn([[1.0]], "*/*")) == [[1.0]]
    with pytest.raises(ValueError, match="Accept 'text/csv' is not supported"):
        inference.output_fn([[1.0]], "text/csv")
