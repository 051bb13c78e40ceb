"""Source of notebooks/00-setup.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("00-setup.ipynb", [
    md("""# 0. Setting up: the stack under the workbook

This workbook teaches generative deep learning in TypeScript. Every notebook runs on **tslab**, a
Jupyter kernel for TypeScript, and computes with **TensorFlow.js** (tfjs). Everything reusable — the
data loaders, the models, the training loop, the plots — lives in `lib/`, and a notebook imports it
with a path like `./lib/data/fashion-mnist`. (The folder `notebooks/lib` is a link to the project's
`lib/`, so the path reads the same as it would from the notebook's own folder.)

This first notebook checks that the stack works: it picks a compute backend, loads the
Fashion-MNIST data set that the book uses in chapter 3, and draws a grid of images."""),
    md("""## The compute backend

tfjs can compute on several *backends*. `initBackend()` tries them in order — the native
TensorFlow library (`@tensorflow/tfjs-node`, where it could be installed), then WebAssembly (`wasm`),
then plain JavaScript (`cpu`) — and prints which one is active. You can force one by setting
`GDL_BACKEND=wasm` (or `cpu`, `tensorflow`) before starting Jupyter."""),
    code("""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
const backend = await initBackend();"""),
    md("""## Fashion-MNIST

Fashion-MNIST has 70,000 greyscale images of clothing, 28×28 pixels, in ten classes: 60,000 for
training and 10,000 for testing. The loader reads the official IDX files; it looks in the folder
named by `GDL_FASHION_MNIST_DIR`, then in `datasets/fashion-mnist/`, then where Debian's
`dataset-fashion-mnist` package puts them. Like the book, we pad each image to 32×32 so that
three stride-2 convolutions later halve it cleanly (32 → 16 → 8 → 4)."""),
    code("""import { loadFashionMnist } from "./lib/data/fashion-mnist";
import { keep } from "./lib/keep";
const test = keep("test", await loadFashionMnist({ split: "test", limit: 1000 }));
console.log(`${test.images.shape.join("×")} images from ${test.source}`);"""),
    md("""Each image is a tensor of shape `[32, 32, 1]` — height, width and one colour channel — with
values between 0 (black) and 1 (white). The labels are integers 0–9; `classNames` turns them into
words. Here are the first 25 test images with their labels:"""),
    code("""import { showImages } from "./lib/plot/image-grid";
const first = test.images.slice(0, 25);
showImages(first, { cols: 5, labels: Array.from(test.labels.slice(0, 25), (l) => test.classNames[l]) });
first.dispose();"""),
    md("""## Tensors are yours to free

tfjs keeps tensor memory outside JavaScript's garbage collector, so code must free what it
creates: `tensor.dispose()`, or `tf.tidy(() => ...)` around a computation, which frees every
intermediate tensor except the result. A bare `test.images.min().dataSync()` would leave a small
tensor behind that nobody frees, and every re-run of its cell would leave another. `tf.memory().numTensors` counts live tensors; run
the next cell twice and the count stays put (every `lib/` function is written and tested to keep
this promise).

The data set itself is long-lived, so the loading cell above stores it with `keep("test", ...)`:
when you re-run that cell, `keep` first frees the copy loaded by the previous run."""),
    code("""const before = tf.memory().numTensors;
const [lo, hi, mean] = tf.tidy(() => [test.images.min(), test.images.max(), test.images.mean()].map((t) => t.dataSync()[0]));
console.log(`pixels in [${lo}, ${hi}], mean ${mean.toFixed(4)}; live tensors before ${before}, after ${tf.memory().numTensors}`);"""),
    md("""That is the whole stack. Next, chapter 1: what it means for a model to be *generative*."""),
])
