"""CLIP embeddings for VisionSearch, run by the SageMaker Hugging Face inference container.

The container calls model_fn once, then input_fn -> predict_fn -> output_fn per request (see
sagemaker-huggingface-inference-toolkit handler_service.py). Requests, in VisionSearch's and the Python
original's shapes (model/examples holds one of each, read by these hooks' tests and by the C# client's):

- application/json {"inputs": "text" | ["text", ...]}              -> text embeddings
- application/json {"images": ["<base64 JPEG/PNG/...>", ...]}      -> image embeddings, one batch
- image/jpeg | image/png | application/x-image (raw bytes)         -> one image embedding

The answer is always a plain JSON list of L2-normalised vectors, [[512 floats], ...], in input order.
Any exception becomes a 400 from the container, which reaches the caller as SageMaker's 424 ModelError
with our message in OriginalMessage: messages therefore name the field and the item.
"""

import base64
import binascii
import io
import json
import math

IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/bmp", "application/x-image")
MAX_TEXTS = 1024
MAX_IMAGES = 256


class ClipModel:
    """openai/clip-vit-base-patch32 (or any CLIP checkpoint) on the GPU when there is one."""

    def __init__(self, model_dir):
        import torch
        from transformers import CLIPModel, CLIPProcessor

        self.torch = torch
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        self.model = CLIPModel.from_pretrained(model_dir).to(self.device).eval()
        self.processor = CLIPProcessor.from_pretrained(model_dir)

    def embed_texts(self, texts):
        inputs = self.processor(text=texts, return_tensors="pt", padding=True, truncation=True).to(self.device)
        with self.torch.no_grad():
            return self.model.get_text_features(**inputs).float().cpu().tolist()

    def embed_images(self, images):
        inputs = self.processor(images=images, return_tensors="pt").to(self.device)
        with self.torch.no_grad():
            return self.model.get_image_features(**inputs).float().cpu().tolist()


def model_fn(model_dir, context=None):
    return ClipModel(model_dir)


def input_fn(input_data, content_type, context=None):
    """Parses a request into ("texts", [str]) or ("images", [PIL.Image]); raises ValueError naming the problem."""
    media_type = (content_type or "").split(";")[0].strip().lower()
    if media_type in IMAGE_TYPES:
        return "images", [_open_image(bytes(input_data), "body")]
    if media_type != "application/json":
        raise ValueError(f"Content-Type {content_type!r} is not supported: send application/json or an image type ({', '.join(IMAGE_TYPES)}).")

    try:
        request = json.loads(input_data)
    except (ValueError, UnicodeDecodeError) as error:
        raise ValueError(f"The body is not JSON: {error}") from None
    if not isinstance(request, dict) or ("inputs" in request) == ("images" in request):
        raise ValueError('Expected {"inputs": text | [texts]} or {"images": [base64, ...]}.')

    if "inputs" in request:
        texts = request["inputs"]
        texts = [texts] if isinstance(texts, str) else texts
        if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
            raise ValueError('"inputs" must be a text or a non-empty list of texts.')
        if len(texts) > MAX_TEXTS:
            raise ValueError(f'"inputs" holds {len(texts)} texts; at most {MAX_TEXTS} per request.')
        return "texts", texts

    images = request["images"]
    if not isinstance(images, list) or not images or not all(isinstance(i, str) for i in images):
        raise ValueError('"images" must be a non-empty list of base64 strings.')
    if len(images) > MAX_IMAGES:
        raise ValueError(f'"images" holds {len(images)} images; at most {MAX_IMAGES} per request.')
    decoded = []
    for index, text in enumerate(images):
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(f"images[{index}] is not base64.") from None
        decoded.append(_open_image(data, f"images[{index}]"))
    return "images", decoded


def predict_fn(data, model, context=None):
    kind, items = data
    raw = model.embed_texts(items) if kind == "texts" else model.embed_images(items)
    return [_normalize(vector) for vector in raw]


def output_fn(prediction, accept, context=None):
    """A plain JSON list of vectors (the container sends a str as is; the original returned a tuple, which it re-encodes)."""
    media_type = (accept or "application/json").split(";")[0].strip().lower()
    if media_type not in ("application/json", "*/*"):
        raise ValueError(f"Accept {accept!r} is not supported: only application/json.")
    return json.dumps(prediction)


def _open_image(data, name):
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        raise ValueError(f"{name} is not an image ({len(data)} bytes).") from None
    return image.convert("RGB")


def _normalize(vector):
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm > 0 else list(vector)
