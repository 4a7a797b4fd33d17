#!/usr/bin/env python3
"""The reference beside the store's appends/s in `make bench`: the same conditional appends done raw.

  store_reference.py dir PATH THREADS SECONDS        exclusive create, write, fsync, link, unlink, fsync(dir)
  store_reference.py etcd HOST:PORT THREADS SECONDS  etcd txn put-if-create_revision=0 over one keep-alive
                                                     HTTP connection per thread (the v3 JSON gateway)

Each thread appends indices 1, 2, ... to its own log until SECONDS have passed; prints appends/s.
"""
import base64
import http.client
import json
import os
import sys
import threading
import time

ENTRY = b"\xe7" * 256


def dir_appender(root: str, thread: int, deadline: float) -> int:
    log = os.path.join(root, "log", str(thread))
    tmp = os.path.join(root, "tmp")
    os.makedirs(log, exist_ok=True)
    os.makedirs(tmp, exist_ok=True)
    index = 0
    while time.monotonic() < deadline:
        index += 1
        temporary = os.path.join(tmp, f"{thread}-{index}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        os.write(fd, ENTRY)
        os.fsync(fd)
        os.close(fd)
        os.link(temporary, os.path.join(log, f"{index:020d}"))
        os.unlink(temporary)
        directory = os.open(log, os.O_RDONLY | os.O_DIRECTORY)
        os.fsync(directory)
        os.close(directory)
    return index


def etcd_appender(endpoint: str, thread: int, deadline: float) -> int:
    host, port = endpoint.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    value = base64.b64encode(ENTRY).decode()
    index = 0
    while time.monotonic() < deadline:
        index += 1
        key = base64.b64encode(f"reference-{os.getpid()}/{thread}/{index:020d}".encode()).decode()
        body = json.dumps({
            "compare": [{"key": key, "target": "CREATE", "result": "EQUAL", "create_revision": "0"}],
            "success": [{"request_put": {"key": key, "value": value}}],
        })
        connection.request("POST", "/v3/kv/txn", body, {"Content-Type": "application/json"})
        answer = connection.getresponse().read()
        if b'"succeeded":true' not in answer:
            raise RuntimeError(f"txn at a free key refused: {answer[:200]!r}")
    return index


def main() -> None:
    mode, where, threads, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
    appender = {"dir": dir_appender, "etcd": etcd_appender}[mode]
    counts = [0] * threads
    failures = []
    start = time.monotonic()
    deadline = start + seconds

    def run(thread: int) -> None:
        try:
            counts[thread] = appender(where, thread, deadline)
        except Exception as failure:  # reported below, so that the run fails instead of measuring less
            failures.append(failure)

    workers = [threading.Thread(target=run, args=(thread,)) for thread in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    if failures:
        sys.exit(f"store_reference: {failures[0]}")
    print(f"{sum(counts) / (time.monotonic() - start):.1f}")


if __name__ == "__main__":
    main()
