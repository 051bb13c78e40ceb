"""Per-op time of one Keras training step (the book's autoencoder/VAE, bench/keras_peer.py's
models), for comparison with bench/profile-step.ts on tfjs. Traces `steps` steps of
`fit` with TensorFlow's profiler and sums the host's TensorFlow op events by op type.

  .venv/bin/python bench/keras_profile.py [--model ae|vae] [--steps 20] [--batch 100] [--threads 2]
"""
import argparse
import collections
import glob
import os
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))
from keras_peer import compiled  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", default="ae")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    args = p.parse_args()
    import tensorflow as tf
    import keras
    from keras import layers
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(int(os.environ.get("GDL_INTER_OP", args.threads)))
    keras.utils.set_random_seed(0)
    _, _, model = compiled(args.model, layers, keras, tf)
    x = tf.random.uniform((args.batch * args.steps, 32, 32, 1), seed=1)
    fit = (lambda e: model.fit(x, x, batch_size=args.batch, epochs=e, shuffle=False, verbose=0)) if args.model == "ae" \
        else (lambda e: model.fit(x, batch_size=args.batch, epochs=e, shuffle=False, verbose=0))
    fit(1)  # trace and warm up
    t0 = time.perf_counter()
    fit(1)
    untraced = (time.perf_counter() - t0) / args.steps * 1000
    logdir = tempfile.mkdtemp(prefix="keras-prof-")
    tf.profiler.experimental.start(logdir)
    t0 = time.perf_counter()
    fit(1)
    traced = (time.perf_counter() - t0) / args.steps * 1000
    tf.profiler.experimental.stop()

    space = xplane_pb2.XSpace()
    with open(glob.glob(os.path.join(logdir, "**", "*.xplane.pb"), recursive=True)[0], "rb") as f:
        space.ParseFromString(f.read())
    by_type = collections.defaultdict(lambda: [0.0, 0])
    for plane in space.planes:
        if plane.name != "/host:CPU":
            continue
        names = {k: v.name for k, v in plane.event_metadata.items()}
        for line in plane.lines:
            for ev in line.events:
                name = names.get(ev.metadata_id, "")
                # TensorFlow op events are "node_name:OpType".
                if ":" not in name or name.startswith("__") or " " in name:
                    continue
                op = name.rsplit(":", 1)[1]
                if not op or not op[0].isupper() and not op.startswith("_"):
                    continue
                by_type[op][0] += ev.duration_ps / 1e9
                by_type[op][1] += 1
    total = sum(v[0] for v in by_type.values()) / args.steps
    print(f"\n{args.model.upper()} training step in Keras {keras.__version__} / TF {tf.__version__}, batch {args.batch}, {args.threads} threads: "
          f"{untraced:.1f} ms/step untraced ({args.batch / untraced * 1000:.0f} img/s), {traced:.1f} ms/step traced; op time {total:.1f} ms/step\n")
    print("| op | ms/step | calls/step |")
    print("|---|---:|---:|")
    for op, (ms, n) in sorted(by_type.items(), key=lambda kv: -kv[1][0]):
        if ms / args.steps >= 0.05:
            print(f"| {op} | {ms / args.steps:.2f} | {n / args.steps:g} |")


if __name__ == "__main__":
    main()
