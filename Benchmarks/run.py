#!/usr/bin/env python3
"""`make bench`: each Coffer figure beside its reference measured in the same run, as a ratio.

Every figure comes from the release-built `coffer-bench` (one JSON object per line on stdout:
{"name", "value", "unit"} plus optional "refName"/"refValue" when the reference is measured by
coffer-bench itself, e.g. a raw UDP ping-pong). References that come from `openssl speed` are
measured here, in the same run. Results go to .bench/latest.json as DESIGN.md specifies.
"""
import json
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]


def openssl_speed(*args: str) -> str:
    return subprocess.run(["openssl", "speed", *args], check=True, capture_output=True, text=True).stdout


def ecdh_p256_per_second() -> float:
    out = openssl_speed("-seconds", "3", "ecdhp256")
    match = re.search(r"ecdh \(nistp256\)\s+\S+s\s+([\d.]+)", out)
    if not match:
        sys.exit(f"bench: cannot read `openssl speed ecdhp256` output:\n{out}")
    return float(match.group(1))


def aes_gcm_16k_bytes_per_second() -> float:
    out = openssl_speed("-seconds", "3", "-evp", "aes-256-gcm", "-bytes", "16384")
    match = re.search(r"AES-256-GCM\s+([\d.]+)k", out)
    if not match:
        sys.exit(f"bench: cannot read `openssl speed -evp aes-256-gcm` output:\n{out}")
    return float(match.group(1)) * 1000.0


def main() -> None:
    bench = pathlib.Path(sys.argv[1])
    # Reference figures from openssl, computed lazily and once.
    refs = {}

    def reference(key: str) -> float:
        if key not in refs:
            refs[key] = {"ecdhp256": ecdh_p256_per_second, "aes-256-gcm-16k": aes_gcm_16k_bytes_per_second}[key]()
        return refs[key]

    # stderr goes straight to the terminal: a figure's notes, and why coffer-bench failed when it did.
    out = subprocess.run([str(bench)], check=True, stdout=subprocess.PIPE, text=True).stdout
    rows = []
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        m = json.loads(line)
        if "refValue" in m:
            limit, limit_name = m["refValue"], m["refName"]
        else:
            per_op = m.get("refDivisor", 1)
            limit = reference(m["reference"]) / per_op
            limit_name = f"openssl speed {m['reference']}" + (f" / {per_op}" if per_op != 1 else "")
        better = m.get("better", "higher")
        ratio = m["value"] / limit
        rows.append({
            "name": m["name"], "value": m["value"], "limit": limit, "unit": m["unit"],
            "ratio": round(ratio, 3), "target": m["target"], "better": better, "reference": limit_name,
        })

    out_dir = ROOT / ".bench"
    out_dir.mkdir(exist_ok=True)
    (out_dir / "latest.json").write_text(json.dumps(rows, indent=2) + "\n")

    width = max(len(r["name"]) for r in rows) if rows else 10
    print(f"{'figure':<{width}}  {'ours':>14}  {'limit':>14}  {'unit':<10} {'ratio':>7}  target  reference")
    for r in rows:
        sign = ">=" if r["better"] == "higher" else "<="
        ok = r["ratio"] >= r["target"] if r["better"] == "higher" else r["ratio"] <= r["target"]
        print(f"{r['name']:<{width}}  {r['value']:>14.1f}  {r['limit']:>14.1f}  {r['unit']:<10} "
              f"{r['ratio']:>7.3f}  {sign} {r['target']:<4} {r['reference']}{'' if ok else '  (below target)'}")
    print(f"wrote {out_dir / 'latest.json'}")


if __name__ == "__main__":
    main()
