"""The Python original of VisionSearch (FastAPI + hnswlib), kept in its original shape as the
measured anchor for the C# service (compare-original.sh runs both under the same load).

Shape of the original service:
  * a module-level ``hnswlib.Index(space="cosine", dim=512)``;
  * ``POST /index/build`` pulls a dataset, embeds it and adds it to the index in the
    background (FastAPI ``BackgroundTasks``); ``GET /index/status`` reports progress;
  * ``GET /search?q=<text>&k=10`` embeds the text with CLIP and returns the top-k.

Stand-ins (we compare indexing + serving, not the model):
  * "pull a dataset and embed it" = stream already-embedded, L2-normalised CLIP-like
    vectors from ``<VS_DATA_DIR>/<dataset>_base.fvecs`` in batches (one ``add_items``
    call per batch, as an embed-then-add loop would do);
  * "embed the query text" = a deterministic lookup into the query file: an integer
    ``q`` is a row index (mod the number of rows), any other text picks a row by
    SHA-256 of the text;
  * ``POST /search`` with a raw 512-float vector is the same search without the text
    step (what a client that embeds on its side would call).

Environment: VS_DATA_DIR (default <repo>/out/bench/data, where ../peers/make-data.sh
writes), VS_QUERY_FILE (default
<VS_DATA_DIR>/clip512_query.fvecs), VS_DEFAULT_EF (64), VS_ASYNC=1 to declare the
search handlers ``async def`` (default: plain ``def``, run in Starlette's threadpool;
hnswlib releases the GIL inside knn_query).

Run: /usr/bin/python3 -m uvicorn app:app --host 127.0.0.1 --port 8000 [--workers 2]
Note: every uvicorn worker is its own process with its own module-level index; a
build request reaches one worker only (see README, "workers").
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
import time
from typing import List, Optional

import hnswlib
import numpy as np
from fastapi import BackgroundTasks, FastAPI, HTTPException, Query
from pydantic import BaseModel, Field, validator

DIM = 512
HERE = os.path.dirname(os.path.abspath(__file__))
DATA_DIR = os.path.abspath(os.environ.get("VS_DATA_DIR", os.path.join(HERE, "..", "..", "out", "bench", "data")))
QUERY_FILE = os.environ.get("VS_QUERY_FILE", os.path.join(DATA_DIR, "clip512_query.fvecs"))
DEFAULT_EF = int(os.environ.get("VS_DEFAULT_EF", "64"))
ASYNC_HANDLERS = os.environ.get("VS_ASYNC", "0") == "1"

log = logging.getLogger("visionsearch")

app = FastAPI(
    title="VisionSearch (Python seed stack, benchmark anchor)",
    version="0.1.0",
    description="FastAPI + hnswlib (cosine, 512-d CLIP embeddings). "
    "Embedding is replaced by precomputed vectors; see app.py docstring.",
)

# The original's module-level index. A rebuild replaces it (hnswlib cannot re-init an index).
index = hnswlib.Index(space="cosine", dim=DIM)

_state_lock = threading.Lock()
_state = {
    "status": "empty",  # empty -> building -> ready | error
    "count": 0,
    "total": 0,
    "dataset": None,
    "M": None,
    "ef_construction": None,
    "build_seconds": None,
    "add_seconds": None,
    "error": None,
}
_served = 0  # searches answered by this worker (approximate under threads)


# ---------------------------------------------------------------- data helpers
def _fvecs_shape(path: str) -> tuple[int, int]:
    with open(path, "rb") as f:
        dim = int(np.frombuffer(f.read(4), dtype="<i4")[0])
    size = os.path.getsize(path)
    row = 4 * (dim + 1)
    if size % row:
        raise ValueError(f"{path}: size {size} is not a multiple of {row}")
    return size // row, dim


def _read_fvecs_rows(f, rows: int, dim: int) -> np.ndarray:
    raw = np.fromfile(f, dtype="<f4", count=rows * (dim + 1))
    if raw.size != rows * (dim + 1):
        raise ValueError("short read")
    raw = raw.reshape(rows, dim + 1)
    if not (raw[:, :1].view("<i4") == dim).all():
        raise ValueError("corrupt .fvecs row header")
    return np.ascontiguousarray(raw[:, 1:])


def _load_queries() -> Optional[np.ndarray]:
    if not os.path.exists(QUERY_FILE):
        log.warning("query file %s missing: GET /search disabled", QUERY_FILE)
        return None
    n, dim = _fvecs_shape(QUERY_FILE)
    if dim != DIM:
        raise ValueError(f"{QUERY_FILE}: dim {dim} != {DIM}")
    with open(QUERY_FILE, "rb") as f:
        return _read_fvecs_rows(f, n, dim)


_queries = _load_queries()

_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


def _dataset_path(name: str) -> str:
    """Stand-in for 'pull the dataset': a name resolves to <DATA_DIR>/<name>_base.fvecs
    (or <DATA_DIR>/<name>.fvecs). Only files inside DATA_DIR are reachable."""
    if not _NAME.match(name) or name.startswith("."):
        raise HTTPException(status_code=422, detail="dataset must be a plain name like 'clip512_100k'")
    for cand in (f"{name}_base.fvecs", name if name.endswith(".fvecs") else f"{name}.fvecs"):
        p = os.path.join(DATA_DIR, cand)
        if os.path.isfile(p):
            return p
    raise HTTPException(status_code=404, detail=f"dataset {name!r} not found in {DATA_DIR}")


def embed_text(q: str) -> np.ndarray:
    """Stand-in for the CLIP text encoder: deterministic row of the query file."""
    if _queries is None:
        raise HTTPException(status_code=503, detail="no query embeddings loaded")
    s = q.strip()
    if s.isdigit():
        row = int(s) % len(_queries)
    else:
        row = int.from_bytes(hashlib.sha256(s.encode()).digest()[:8], "little") % len(_queries)
    return _queries[row]


# ---------------------------------------------------------------- models
class BuildRequest(BaseModel):
    dataset: str = Field(..., example="clip512_100k", description="name of a .fvecs set in VS_DATA_DIR")
    M: int = Field(16, ge=2, le=128)
    ef_construction: int = Field(200, ge=1, le=4096)
    limit: Optional[int] = Field(None, ge=1, description="use only the first N vectors")
    num_threads: int = Field(-1, description="add_items threads; -1 = all cores")
    batch_size: int = Field(4096, ge=1, le=1_000_000, description="vectors per embed+add batch")


class StatusResponse(BaseModel):
    status: str
    count: int
    total: int
    dataset: Optional[str] = None
    M: Optional[int] = None
    ef_construction: Optional[int] = None
    build_seconds: Optional[float] = None
    add_seconds: Optional[float] = None
    error: Optional[str] = None
    pid: int
    served: int


class SearchRequest(BaseModel):  # unknown JSON fields (e.g. load.sh's "dataset") are ignored: pydantic v1 default
    vector: List[float] = Field(..., description="512 floats (a CLIP embedding)")
    k: int = Field(10, ge=1, le=1000)
    ef: Optional[int] = Field(None, ge=1, le=10000, description=f"default {DEFAULT_EF}")

    @validator("vector")
    def _dim(cls, v):  # noqa: N805
        if len(v) != DIM:
            raise ValueError(f"vector must have {DIM} elements, got {len(v)}")
        return v


class SearchHit(BaseModel):
    id: int
    score: float


class SearchResponse(BaseModel):
    results: List[SearchHit]


# ---------------------------------------------------------------- index logic
def _status() -> dict:
    with _state_lock:
        return dict(_state, pid=os.getpid(), served=_served)


def _build(path: str, dataset: str, M: int, efc: int, total: int, num_threads: int, batch: int) -> None:
    global index
    t0 = time.perf_counter()
    add_s = 0.0
    try:
        new = hnswlib.Index(space="cosine", dim=DIM)
        new.init_index(max_elements=total, M=M, ef_construction=efc, random_seed=100)
        with open(path, "rb") as f:
            done = 0
            while done < total:
                b = min(batch, total - done)
                vecs = _read_fvecs_rows(f, b, DIM)  # "embed" one batch
                ta = time.perf_counter()
                new.add_items(vecs, np.arange(done, done + b), num_threads=num_threads)
                add_s += time.perf_counter() - ta
                done += b
                with _state_lock:
                    _state["count"] = done
        new.set_ef(DEFAULT_EF)
        index = new
        with _state_lock:
            _state.update(status="ready", build_seconds=round(time.perf_counter() - t0, 3),
                          add_seconds=round(add_s, 3))
        log.warning("pid %d: index ready: %d vectors in %.1f s", os.getpid(), total, time.perf_counter() - t0)
    except Exception as e:  # surfaced through /index/status
        log.exception("build failed")
        with _state_lock:
            _state.update(status="error", error=f"{type(e).__name__}: {e}")


def _ready_index():
    with _state_lock:
        st = _state["status"]
    if st != "ready":
        raise HTTPException(status_code=503, detail=f"index not ready (status: {st})")
    return index


def _search(vec: np.ndarray, k: int, ef: Optional[int]) -> dict:
    global _served
    idx = _ready_index()
    k = min(k, idx.get_current_count())
    idx.set_ef(max(ef or DEFAULT_EF, k))  # global in hnswlib 0.6 (no per-query ef)
    labels, dists = idx.knn_query(vec, k=k)
    _served += 1
    return {"results": [{"id": int(i), "score": float(1.0 - d)} for i, d in zip(labels[0], dists[0])]}


# ---------------------------------------------------------------- endpoints
@app.post("/index/build", response_model=StatusResponse, status_code=202)
def build_index(req: BuildRequest, background: BackgroundTasks):
    path = _dataset_path(req.dataset)
    n, dim = _fvecs_shape(path)
    if dim != DIM:
        raise HTTPException(status_code=422, detail=f"dataset dim {dim} != {DIM}")
    total = min(n, req.limit) if req.limit else n
    with _state_lock:
        if _state["status"] == "building":
            raise HTTPException(status_code=409, detail=f"a build is already running in pid {os.getpid()}")
        _state.update(status="building", count=0, total=total, dataset=req.dataset, M=req.M,
                      ef_construction=req.ef_construction, build_seconds=None, add_seconds=None,
                      error=None)
    background.add_task(_build, path, req.dataset, req.M, req.ef_construction, total,
                        req.num_threads, req.batch_size)
    return _status()


@app.get("/index/status", response_model=StatusResponse)
def index_status():
    return _status()


if ASYNC_HANDLERS:
    @app.get("/search", response_model=SearchResponse)
    async def search_text(q: str = Query(..., min_length=1, max_length=1000), k: int = Query(10, ge=1, le=1000),
                          ef: Optional[int] = Query(None, ge=1, le=10000)):
        return _search(embed_text(q), k, ef)

    @app.post("/search", response_model=SearchResponse)
    async def search_vector(req: SearchRequest):
        return _search(np.asarray(req.vector, dtype=np.float32), req.k, req.ef)
else:
    @app.get("/search", response_model=SearchResponse)
    def search_text(q: str = Query(..., min_length=1, max_length=1000), k: int = Query(10, ge=1, le=1000),
                    ef: Optional[int] = Query(None, ge=1, le=10000)):
        return _search(embed_text(q), k, ef)

    @app.post("/search", response_model=SearchResponse)
    def search_vector(req: SearchRequest):
        return _search(np.asarray(req.vector, dtype=np.float32), req.k, req.ef)
