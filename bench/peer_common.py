"""What the Python peers (keras_peer.py, torch_peer.py) share: the command line scripts/bench.ts passes them
and the one line they answer with."""
import argparse
import json
import os


def peer_args(argv=None):
    """The peers' options, as scripts/bench.ts passes them (peerArgs())."""
    p = argparse.ArgumentParser()
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--infer-batch", type=int, default=1000)
    p.add_argument("--steps", type=int, default=3)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    p.add_argument("--models", default="ae,vae")
    return p.parse_args(argv)


def report(out):
    """The result line scripts/bench.ts reads from the peer's stdout."""
    print("BENCH_RESULT " + json.dumps(out), flush=True)
