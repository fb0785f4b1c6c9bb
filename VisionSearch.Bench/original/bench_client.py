#!/usr/bin/python3
"""Harness helper for the comparison with the Python original (stdlib + numpy only, 127.0.0.1 only).

Subcommands (each prints one JSON object on stdout, logs on stderr):
  free-port                         a free TCP port on 127.0.0.1
  bodies  --query Q --n 200 --k 10 --ef 64 --out FILE [--dataset NAME]
                                    pre-render POST /search bodies (one JSON per line);
                                    --dataset adds a leading "dataset" field (load.sh)
  wait-up --port P [--timeout 60]   until GET /index/status answers
  build   --port P --dataset D --workers W [--limit N] [--M 16] [--efc 200] [--timeout 1200]
                                    POST /index/build until every worker process builds
                                    (each uvicorn worker holds its own index), then wait
                                    until all report "ready"
  rss     --pid PID                 VmHWM/VmRSS (MiB) of PID and of its child processes
  check   --url http://127.0.0.1:P --query Q --gt GT --dataset NAME [--k 10] [--ef 64]
          [--deadline 600]          recall@k of any server's POST /search over all queries,
                                    one request at a time, bodies as `bodies --dataset`;
                                    hits under "results" or "hits", ids under "id",
                                    "item_id" or "itemId" (integer = base row number)
Every loop is bounded by a count and a deadline.
"""
import argparse
import http.client
import json
import os
import re
import socket
import sys
import time
import urllib.parse

import numpy as np

HOST = "127.0.0.1"


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def read_fvecs(path):
    a = np.fromfile(path, dtype="<f4")
    dim = int(a[:1].view("<i4")[0])
    return np.ascontiguousarray(a.reshape(-1, dim + 1)[:, 1:])


def read_ivecs(path):
    a = np.fromfile(path, dtype="<i4")
    return a.reshape(-1, int(a[0]) + 1)[:, 1:]


def request(port, method, path, body=None, conn=None, timeout=30):
    """One request; a fresh connection unless conn is given (fresh connections let
    the kernel hand the request to any uvicorn worker)."""
    own = conn is None
    c = conn or http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        hdr = {"Content-Type": "application/json"} if body is not None else {}
        if own:
            hdr["Connection"] = "close"
        c.request(method, path, body=None if body is None else json.dumps(body).encode(), headers=hdr)
        r = c.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)
    finally:
        if own:
            c.close()


def cmd_free_port(a):
    s = socket.socket()
    s.bind((HOST, 0))
    port = s.getsockname()[1]
    s.close()
    print(json.dumps({"port": port}))


def cmd_bodies(a):
    q = read_fvecs(a.query)
    n = min(a.n, len(q))
    head = ""
    if a.dataset is not None:
        check_dataset_name(a.dataset)
        head = '"dataset":"%s",' % a.dataset
    with open(a.out, "w") as f:
        for i in range(n):
            vec = ",".join("%.9g" % x for x in q[i])  # %.9g round-trips float32 exactly
            f.write('{%s"vector":[%s],"k":%d,"ef":%d}\n' % (head, vec, a.k, a.ef))
    print(json.dumps({"bodies": n, "file": a.out, "bytes": os.path.getsize(a.out)}))


def cmd_wait_up(a):
    t0 = time.time()
    for _ in range(int(a.timeout / 0.2) + 1):
        try:
            st, js = request(a.port, "GET", "/index/status", timeout=2)
            if st == 200:
                print(json.dumps({"up_s": round(time.time() - t0, 2), "status": js}))
                return
        except OSError:
            pass
        if time.time() - t0 > a.timeout:
            break
        time.sleep(0.2)
    log("server did not come up")
    sys.exit(1)


def cmd_build(a):
    body = {"dataset": a.dataset, "M": a.M, "ef_construction": a.efc}
    if a.limit:
        body["limit"] = a.limit
    t0 = time.time()
    started = {}  # pid -> wall time the build was accepted
    # 1) trigger: every worker must accept one build (409 = that worker is already building)
    for attempt in range(2000):
        st, js = request(a.port, "POST", "/index/build", body)
        if st in (200, 202):
            pid = (js or {}).get("pid", 0)  # pid: optional field, needed only with several workers
            started[pid] = time.time() - t0
            log(f"build accepted by pid {pid} (attempt {attempt}, {len(started)}/{a.workers})")
        elif st != 409:
            log(f"build request failed: {st} {js}")
            sys.exit(1)
        if len(started) >= a.workers:
            break
        if time.time() - t0 > 60:
            log(f"only {len(started)}/{a.workers} workers accepted a build within 60 s")
            sys.exit(1)
        time.sleep(0.02)
    # 2) wait until every worker reports ready (fresh connection per poll)
    last = {}
    ready_at = {}
    polls = 0
    while time.time() - t0 < a.timeout:
        polls += 1
        try:
            st, js = request(a.port, "GET", "/index/status", timeout=10)
        except OSError as e:
            log(f"status poll error: {e}")
            time.sleep(0.5)
            continue
        pid = js.get("pid", 0)
        last[pid] = js
        if js["status"] == "error":
            log(f"build failed in pid {pid}: {js.get('error')}")
            sys.exit(1)
        if js["status"] == "ready" and pid not in ready_at:
            ready_at[pid] = time.time() - t0
            log(f"pid {pid} ready after {ready_at[pid]:.1f} s (server build_seconds {js.get('build_seconds')})")
        if len(ready_at) >= a.workers and all(s["status"] == "ready" for s in last.values()):
            break
        time.sleep(0.5 if len(ready_at) < len(started) else 0.05)
    else:
        log(f"timeout: {json.dumps(last)}")
        sys.exit(1)
    out = {
        "wall_s": round(max(ready_at.values()), 3),
        "workers": [{"pid": p, "build_s": last[p].get("build_seconds"), "add_s": last[p].get("add_seconds"),
                     "count": last[p].get("count"), "accepted_at_s": round(started.get(p, -1), 3),
                     "ready_at_s": round(ready_at[p], 3)} for p in sorted(last)],
        "polls": polls,
    }
    print(json.dumps(out))


_DATASET_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def check_dataset_name(name):
    if not _DATASET_NAME.match(name):
        log(f"dataset name {name!r}: use letters, digits, '_', '.', '-' (1..128 chars)")
        sys.exit(2)


def parse_local_url(url):
    """http://127.0.0.1:PORT or http://localhost:PORT (no path): (host, port); anything else exits."""
    u = urllib.parse.urlsplit(url)
    try:
        port = u.port or 80
    except ValueError:
        port = None
    if (u.scheme != "http" or u.hostname not in LOOPBACK_HOSTS or port is None or u.path not in ("", "/")
            or u.query or u.fragment or u.username or u.password):
        log(f"refusing target {url!r}: only http://127.0.0.1:PORT or http://localhost:PORT (no path)")
        sys.exit(2)
    return u.hostname, port


HIT_LIST_KEYS = ("results", "hits")
HIT_ID_KEYS = ("id", "item_id", "itemId")


def hit_ids(js):
    """Ids of the hits in one search response, best first: (ids, list key, id key).
    Accepted: {"results": [...]} or {"hits": [...]} (or a bare list); each hit an object with
    an integer-convertible "id", "item_id" or "itemId" (the base row number)."""
    hits, lkey = None, None
    if isinstance(js, list):
        hits, lkey = js, "(list)"
    elif isinstance(js, dict):
        for k in HIT_LIST_KEYS:
            if isinstance(js.get(k), list):
                hits, lkey = js[k], k
                break
    if hits is None:
        raise ValueError("no list of hits under %s" % " or ".join(repr(k) for k in HIT_LIST_KEYS))
    ids, ikey = [], None
    for h in hits:
        if not isinstance(h, dict):
            raise ValueError(f"hit is not an object: {h!r:.80}")
        for k in HIT_ID_KEYS:
            if k in h:
                v, ikey = h[k], k
                break
        else:
            raise ValueError(f"hit has none of {HIT_ID_KEYS}: {h!r:.120}")
        if isinstance(v, bool) or not isinstance(v, (int, float, str)):
            raise ValueError(f"id {v!r} is not an integer")
        try:
            iv = int(v.strip()) if isinstance(v, str) else int(v)
        except ValueError:
            raise ValueError(f"id {v!r} is not an integer (ids must be base row numbers)") from None
        if isinstance(v, float) and iv != v:
            raise ValueError(f"id {v!r} is not an integer")
        ids.append(iv)
    return ids, lkey, ikey


def cmd_check(a):
    host, port = parse_local_url(a.url)
    check_dataset_name(a.dataset)
    q = read_fvecs(a.query)
    gt = read_ivecs(a.gt)[:, : a.k]
    if len(gt) < len(q):
        log(f"ground truth has {len(gt)} rows < {len(q)} queries")
        sys.exit(1)
    conn = http.client.HTTPConnection(host, port, timeout=a.timeout)  # keep-alive, one at a time
    hdr = {"Content-Type": "application/json"}
    hits = 0
    lkeys, ikeys, short = set(), set(), 0
    t0 = time.time()
    for i in range(len(q)):
        if a.deadline and time.time() - t0 > a.deadline:
            log(f"deadline: {a.deadline} s passed after {i} queries")
            sys.exit(1)
        vec = ",".join("%.9g" % x for x in q[i])  # exactly the load bodies' rendering
        body = '{"dataset":"%s","vector":[%s],"k":%d,"ef":%d}' % (a.dataset, vec, a.k, a.ef)
        try:
            conn.request("POST", "/search", body=body.encode(), headers=hdr)
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException) as e:
            log(f"query {i}: POST {a.url.rstrip('/')}/search failed: {type(e).__name__}: {e}")
            sys.exit(1)
        if r.status != 200:
            log(f"query {i}: HTTP {r.status} {data[:400].decode(errors='replace')}")
            sys.exit(1)
        try:
            ids, lk, ik = hit_ids(json.loads(data))
        except ValueError as e:  # json.JSONDecodeError is a ValueError
            log(f"query {i}: unexpected response ({e}): {data[:400].decode(errors='replace')}")
            sys.exit(1)
        lkeys.add(lk)
        if ik:
            ikeys.add(ik)
        short += len(ids) < a.k
        hits += len(set(ids[: a.k]) & set(gt[i].tolist()))
    conn.close()
    dt = time.time() - t0
    if short:
        log(f"note: {short} responses had fewer than k={a.k} hits")
    print(json.dumps({"url": a.url, "dataset": a.dataset, "endpoint": "POST /search", "k": a.k, "ef": a.ef,
                      "queries": len(q), "recall": round(hits / (a.k * len(q)), 5), "seconds": round(dt, 3),
                      "mean_ms": round(1000 * dt / len(q), 3), "short_responses": short,
                      "list_key": sorted(lkeys), "id_key": sorted(ikeys)}))


def proc_mem(pid):
    d = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmHWM", "VmRSS", "PPid", "Name"):
                d[k] = v.strip()
    with open(f"/proc/{pid}/cmdline", "rb") as f:
        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    return {"pid": pid, "hwm_mb": round(int(d["VmHWM"].split()[0]) / 1024, 1),
            "rss_mb": round(int(d["VmRSS"].split()[0]) / 1024, 1), "ppid": int(d["PPid"]), "cmd": cmd[:120]}


def cmd_rss(a):
    me = proc_mem(a.pid)
    kids = []
    for e in os.listdir("/proc"):
        if e.isdigit():
            try:
                m = proc_mem(int(e))
            except (OSError, KeyError, ValueError):
                continue
            if m["ppid"] == a.pid:
                kids.append(m)
    print(json.dumps({"main": me, "children": kids}))


def main():
    p = argparse.ArgumentParser()
    sp = p.add_subparsers(dest="cmd", required=True)
    sp.add_parser("free-port")
    b = sp.add_parser("bodies")
    b.add_argument("--query", required=True)
    b.add_argument("--n", type=int, default=200)
    b.add_argument("--k", type=int, default=10)
    b.add_argument("--ef", type=int, default=64)
    b.add_argument("--out", required=True)
    b.add_argument("--dataset", default=None)
    w = sp.add_parser("wait-up")
    w.add_argument("--port", type=int, required=True)
    w.add_argument("--timeout", type=float, default=60)
    bu = sp.add_parser("build")
    bu.add_argument("--port", type=int, required=True)
    bu.add_argument("--dataset", required=True)
    bu.add_argument("--workers", type=int, default=1)
    bu.add_argument("--limit", type=int, default=0)
    bu.add_argument("--M", type=int, default=16)
    bu.add_argument("--efc", type=int, default=200)
    bu.add_argument("--timeout", type=float, default=1200)
    m = sp.add_parser("rss")
    m.add_argument("--pid", type=int, required=True)
    ck = sp.add_parser("check")
    ck.add_argument("--url", required=True)
    ck.add_argument("--query", required=True)
    ck.add_argument("--gt", required=True)
    ck.add_argument("--dataset", required=True)
    ck.add_argument("--k", type=int, default=10)
    ck.add_argument("--ef", type=int, default=64)
    ck.add_argument("--timeout", type=float, default=30, help="seconds per request")
    ck.add_argument("--deadline", type=float, default=600, help="seconds for all queries; 0 = none")
    a = p.parse_args()
    {"free-port": cmd_free_port, "bodies": cmd_bodies, "wait-up": cmd_wait_up, "build": cmd_build,
     "rss": cmd_rss, "check": cmd_check}[a.cmd](a)


if __name__ == "__main__":
    main()
