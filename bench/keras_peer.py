"""Keras peer for `npm run bench`: the book's chapter-3 autoencoder and VAE in Keras 3
on TensorFlow (the book's own framework and code path: functional models of the same
layers, `compile` + `fit` for the AE, the book's VAE `train_step` under tf.function for
the VAE, `predict` for inference), timed like the tfjs rows.

Run with the project venv's Python (bench/requirements*.txt). Prints one JSON line
prefixed with BENCH_RESULT, e.g.
  .venv/bin/python bench/keras_peer.py --batch 100 --infer-batch 1000 --repeats 5 --threads 2
"""
import os
import statistics
import sys
import time

from peer_common import peer_args, report

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

PARAMS = {"aeEncoder": 96_770, "decoder": 246_273, "vaeEncoder": 100_868}


def build(kind, layers, keras, latent=2):
    """The book's encoder/decoder (Generative Deep Learning, 2nd ed., ch. 3)."""
    inp = keras.Input(shape=(32, 32, 1))
    x = inp
    for f in (32, 64, 128):
        x = layers.Conv2D(f, 3, strides=2, activation="relu", padding="same")(x)
    x = layers.Flatten()(x)
    if kind == "ae":
        encoder = keras.Model(inp, layers.Dense(latent)(x))
    else:
        encoder = keras.Model(inp, [layers.Dense(latent)(x), layers.Dense(latent)(x)])
    z = keras.Input(shape=(latent,))
    y = layers.Dense(4 * 4 * 128)(z)
    y = layers.Reshape((4, 4, 128))(y)
    for f in (128, 64, 32):
        y = layers.Conv2DTranspose(f, 3, strides=2, activation="relu", padding="same")(y)
    decoder = keras.Model(z, layers.Conv2D(1, 3, strides=1, activation="sigmoid", padding="same")(y))
    return encoder, decoder


def make_vae(encoder, decoder, keras, tf, beta=500.0):
    """The book's VAE: a Model subclass whose train_step Keras runs under tf.function."""

    class VAE(keras.Model):
        def __init__(self):
            super().__init__()
            self.encoder, self.decoder = encoder, decoder

        def call(self, x):
            z_mean, z_log_var = self.encoder(x)
            eps = tf.random.normal(tf.shape(z_mean))
            z = z_mean + tf.exp(0.5 * z_log_var) * eps
            return z_mean, z_log_var, self.decoder(z)

        def train_step(self, data):
            with tf.GradientTape() as tape:
                z_mean, z_log_var, reconstruction = self(data, training=True)
                rec = tf.reduce_mean(beta * keras.losses.binary_crossentropy(data, reconstruction, axis=(1, 2, 3)))
                kl = tf.reduce_mean(tf.reduce_sum(-0.5 * (1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var)), axis=1))
                loss = rec + kl
            grads = tape.gradient(loss, self.trainable_weights)
            self.optimizer.apply_gradients(zip(grads, self.trainable_weights))
            return {"loss": loss}

    return VAE()


def compiled(kind, layers, keras, tf):
    """(encoder, decoder, model): the book's model compiled for training with Adam 5e-4 as in the book
    (AE: BCE loss; VAE: its own train_step)."""
    encoder, decoder = build(kind, layers, keras)
    opt = keras.optimizers.Adam(learning_rate=5e-4)
    if kind == "ae":
        model = keras.Model(encoder.input, decoder(encoder.output))
        model.compile(optimizer=opt, loss="binary_crossentropy")
    else:
        model = make_vae(encoder, decoder, keras, tf)
        model.compile(optimizer=opt)
    return encoder, decoder, model


def bench(kind, args, tf, keras, layers):
    keras.utils.set_random_seed(0)
    encoder, decoder, model = compiled(kind, layers, keras, tf)
    params = {"encoder": int(encoder.count_params()), "decoder": int(decoder.count_params())}
    want = PARAMS["aeEncoder"] if kind == "ae" else PARAMS["vaeEncoder"]
    assert params == {"encoder": want, "decoder": PARAMS["decoder"]}, f"{kind} param counts {params}"
    x = tf.random.uniform((args.batch * args.steps, 32, 32, 1), seed=1)
    marks = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            marks.append(time.perf_counter())

    # One fit() call, one epoch (= steps batches) per repeat, timed between epoch ends:
    # tracing and first-step set-up land in the warm-up epoch (as in the tfjs rows).
    warmup = max(1, args.warmup)
    start = time.perf_counter()
    if kind == "ae":
        model.fit(x, x, batch_size=args.batch, epochs=warmup + args.repeats, shuffle=False, verbose=0, callbacks=[Clock()])
    else:
        model.fit(x, batch_size=args.batch, epochs=warmup + args.repeats, shuffle=False, verbose=0, callbacks=[Clock()])
    ends = [start] + marks
    train_all = [args.batch * args.steps / (b - a) for a, b in zip(ends[warmup:-1], ends[warmup + 1:])]

    xi = tf.random.uniform((args.infer_batch, 32, 32, 1), seed=2)

    def infer():
        t0 = time.perf_counter()
        e = encoder.predict(xi, batch_size=args.infer_batch, verbose=0)
        z = e if kind == "ae" else e[0]  # VAE: decode z_mean
        decoder.predict(z, batch_size=args.infer_batch, verbose=0)
        return args.infer_batch / (time.perf_counter() - t0)

    def infer_on_batch():
        # Without predict()'s per-call data adapter: what Keras computes, for reference.
        t0 = time.perf_counter()
        e = encoder.predict_on_batch(xi)
        decoder.predict_on_batch(e if kind == "ae" else e[0])
        return args.infer_batch / (time.perf_counter() - t0)

    for _ in range(args.warmup):
        infer()
        infer_on_batch()
    infer_all = [infer() for _ in range(args.repeats)]
    on_batch = [infer_on_batch() for _ in range(args.repeats)]
    return {"params": params, "train": statistics.median(train_all), "infer": statistics.median(infer_all),
            "trainAll": train_all, "inferAll": infer_all, "inferOnBatch": statistics.median(on_batch)}


def main():
    args = peer_args()
    import tensorflow as tf
    import keras
    from keras import layers
    # Both TensorFlow pools, before any op runs (tfjs-node gets the same defaults: one thread per core).
    tf.config.threading.set_intra_op_parallelism_threads(args.threads)
    tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    out = {"backend": "keras", "version": f"Keras {keras.__version__} / TensorFlow {tf.__version__}", "threads": args.threads}
    for kind in args.models.split(","):
        out[kind] = bench(kind, args, tf, keras, layers)
    report(out)


if __name__ == "__main__":
    sys.exit(main())
