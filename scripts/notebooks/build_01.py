"""Source of notebooks/01-generative-modeling.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("01-generative-modeling.ipynb", [
    md(r"""# 1. What is generative modeling?

*Generative Deep Learning*, chapter 1 opens with a definition:

> Generative modeling is a branch of machine learning that involves training a model to produce new
> data that is similar to a given dataset.

This notebook makes each word of that sentence concrete. We look at a **training data set**, see why a
generative model must be **probabilistic**, and then contrast the two big families of models:
**discriminative** models, which estimate $p(y \mid x)$, the probability of a label given an
observation, and **generative** models, which estimate $p(x)$ — or $p(x \mid y)$ when we want to choose
the class of what we generate.

Everything reusable lives in `lib/`: the probability models in `lib/probability`, the plots in
`lib/plot`. The cells here stay short so the ideas stay in front."""),
    code(r"""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
import { pick } from "./lib/settings";
import { loadFashionMnist } from "./lib/data/fashion-mnist";
import { showImages } from "./lib/plot/image-grid";
import { showScatter } from "./lib/plot/scatter";
import * as P from "./lib/probability/index";
import { keep } from "./lib/keep";
await initBackend();"""),
    md(r"""## Training data and observations

A generative model starts from a data set of examples of the thing we want to generate: the
**training data**. One example is an **observation**, described by **features**. Our running example is
Fashion-MNIST: each observation is a 28×28 greyscale image of a piece of clothing, so it has 784
features, the pixel brightnesses in $[0, 1]$. Each image also has a **label**, one of ten classes.

`keep("train", …)` remembers the data set under a name and frees the copy from a previous run of
the cell, so you can re-run any cell without leaking tensor memory."""),
    code(r"""const train = keep("train", await loadFashionMnist({ split: "train", limit: pick(6000, 1200), pad: false }));
console.log(`${train.images.shape[0]} observations of ${train.images.shape.slice(1, 3).join("×")} = 784 features`);
const first = train.images.slice(0, 16);
showImages(first, { cols: 8, labels: Array.from(train.labels.slice(0, 16), (l) => train.classNames[l]) });
first.dispose();"""),
    md(r"""The goal: a model that outputs *new* images that look as if they came from the same source as
these — ones that are not in the training set. We imagine an unknown distribution $p_{\text{data}}$ that
produced the training images; a generative model $p_{\text{model}}$ tries to imitate it.

## A fixed calculation is not a generative model

A first idea: summarise the data by a single calculation, such as the **mean image** (the average of
every pixel over the training set). `GaussianPixelModel.fit` computes, for each pixel, the mean and the
standard deviation of its brightness. Ask for the mean image twice:"""),
    code(r"""const pixels = P.GaussianPixelModel.fit(train.images);
const call1 = pixels.meanImage(), call2 = pixels.meanImage();
const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(call1, call2))).dataSync()[0]);
console.log(`largest pixel difference between the two calls: ${diff}`);
const both = tf.concat([call1, call2]);
showImages(both, { cols: 2, labels: ["call 1", "call 2"] });
tf.dispose([call1, call2, both]);"""),
    md(r"""The two outputs are identical, and they always will be: a deterministic calculation produces one
answer. A generative model must be able to produce *many different* outputs, so it must include a
**stochastic (random) element** that influences each sample. (The mean image is also not much like any
real garment — a blur of shirts, trousers and shoes.)

## Adding a stochastic element

The simplest stochastic version: treat every pixel as an independent Gaussian with the mean and
standard deviation we just measured, and sample each pixel as *mean + std × noise*. Each call draws new
noise from a seeded random number generator (`P.Rng`), so two calls differ, but re-running the cell
reproduces the same pictures."""),
    code(r"""const rng = new P.Rng(1);
for (const run of [1, 2]) {
  const samples = pixels.sample(8, rng);
  showImages(samples, { cols: 8, title: `samples, call ${run}` });
  samples.dispose();
}"""),
    md(r"""Now every call gives different images: this *is* a generative model, just a poor one. Its samples
look like noisy ghosts of clothing because each pixel is drawn on its own: the model has no idea that
a bright pixel in the middle of a shirt makes its neighbours likely to be bright too. Modelling those
dependencies between features is the central challenge of generative modeling (notebook 3).

## Discriminative versus generative modeling

Suppose every observation $x$ comes with a label $y$. Two different questions can be asked:

* A **discriminative** model estimates $p(y \mid x)$: given this observation, which class is it? It
  learns to separate the classes, and nothing else.
* A **generative** model estimates $p(x)$: how likely is it to see this observation at all? Sampling
  from it produces new observations. A **conditional** generative model estimates $p(x \mid y)$ and can
  generate an observation *of a chosen class*.

Images make these distributions hard to draw, so we first use a 2-D toy data set where we can see
them: two kinds of shoe, each described by two features, height (cm) and weight (kg)."""),
    code(r"""const shoes = P.shoeMeasurements(pick(400, 200), new P.Rng(7));
const xs = (pts: number[][]) => pts.map((p) => p[0]);
const ys = (pts: number[][]) => pts.map((p) => p[1]);
const axes = { xLabel: "height (cm)", yLabel: "weight (kg)", xDomain: [4, 24] as [number, number], yDomain: [0.1, 0.75] as [number, number] };
showScatter({ x: xs(shoes.points), y: ys(shoes.points), label: shoes.labels, classNames: shoes.classNames },
  { title: "Training data: two kinds of shoe", ...axes });"""),
    md(r"""### A discriminative model: $p(y \mid x)$

**Logistic regression** models the probability that a shoe is an ankle boot as
$p(y = 1 \mid x) = \sigma(w \cdot x + b)$ with $\sigma(t) = 1 / (1 + e^{-t})$. Training (with tfjs)
chooses $w$ and $b$ to make the observed labels as likely as possible — the *maximum likelihood*
principle that notebook 2 develops. The background shows the fitted $p(\text{Ankle boot} \mid x)$."""),
    code(r"""const clf = P.fitLogisticRegression(shoes.points, shoes.labels, { steps: pick(300, 150) });
const hits = clf.predict(shoes.points).filter((p, i) => (p > 0.5 ? 1 : 0) === shoes.labels[i]).length;
console.log(`w = [${clf.weights.map((w) => w.toFixed(2)).join(", ")}], b = ${clf.bias.toFixed(2)}; training accuracy ${(100 * hits / shoes.labels.length).toFixed(1)}%`);
showScatter({ x: xs(shoes.points), y: ys(shoes.points), label: shoes.labels, classNames: shoes.classNames },
  { title: "Discriminative model", ...axes, background: { fn: (h, w) => clf.predict([[h, w]])[0], label: "p(Ankle boot | x)" } });"""),
    md(r"""The classifier does its job, but look at what it *doesn't* know. The background is just as dark
(certain: ankle boot) in the top-right corner, where no shoe has ever been, as among the real boots,
and certain of "sneaker" at the bottom left — it says nothing about which observations are plausible. And there is no way to sample a new shoe from it: $p(y \mid x)$ needs an $x$ to start
from.

### A generative model: $p(x)$

A generative model describes where observations lie. The simplest choice for 2-D points is one
Gaussian (bell-shaped) distribution, fitted by maximum likelihood — its mean is the mean of the points,
its covariance their covariance. Once fitted we can sample new "shoes" from it. The background now
shows the density $p(x)$ (scaled so its peak is 1)."""),
    code(r"""const px = P.fitGaussian(shoes.points);
const peak = P.gaussianLogPdfND(px.mean, px);
const fake = P.sampleGaussian(px, 150, new P.Rng(3));
showScatter({ x: [...xs(shoes.points), ...xs(fake)], y: [...ys(shoes.points), ...ys(fake)],
  label: [...shoes.points.map(() => "real"), ...fake.map(() => "generated")] },
  { title: "Generative model p(x): one Gaussian for all shoes", ...axes,
    background: { fn: (h, w) => Math.exp(P.gaussianLogPdfND([h, w], px) - peak), label: "p(x) / max p(x)" } });"""),
    md(r"""It generates, but it is too simple for these data: one blob centred *between* the two kinds of
shoe, so many generated shoes land in the gap where few real ones are. The model family limits
what a generative model can learn.

### A conditional generative model: $p(x \mid y)$

Fit one Gaussian per class instead: $p(x \mid \text{Sneaker})$ and $p(x \mid \text{Ankle boot})$, plus the
class proportions $p(y)$. Now we can **generate data of a chosen class** by sampling from
$p(x \mid y)$, and the overall density is the mixture $p(x) = \sum_y p(y)\, p(x \mid y)$ (background)."""),
    code(r"""const gen = P.fitClassConditionalGaussians(shoes.points, shoes.labels, 2);
const newSneakers = P.sampleClass(gen, 0, 100, new P.Rng(4));
const newBoots = P.sampleClass(gen, 1, 100, new P.Rng(5));
const realNames = shoes.labels.map((l) => shoes.classNames[l]);
const peakMix = Math.max(...shoes.points.map((p) => P.mixtureLogDensity(gen, p)));
showScatter({ x: [...xs(shoes.points), ...xs(newSneakers), ...xs(newBoots)], y: [...ys(shoes.points), ...ys(newSneakers), ...ys(newBoots)],
  label: [...realNames, ...newSneakers.map(() => "generated Sneaker"), ...newBoots.map(() => "generated Ankle boot")] },
  { title: "Class-conditional generative model p(x | y)", ...axes,
    background: { fn: (h, w) => Math.exp(P.mixtureLogDensity(gen, [h, w]) - peakMix), label: "p(x) = Σ p(y) p(x|y), scaled" } });"""),
    md(r"""The generated sneakers and boots fall where real ones do, each with the right tilt (taller
shoes are heavier). A generative model also carries a classifier for free: Bayes' rule turns
$p(x \mid y)$ and $p(y)$ into $p(y \mid x) = p(x \mid y)\,p(y) / p(x)$. The converse does not hold: a
discriminative model cannot generate."""),
    code(r"""const genHits = shoes.points.filter((p, i) => {
  const post = P.classPosterior(gen, p);
  return (post[1] > 0.5 ? 1 : 0) === shoes.labels[i];
}).length;
console.log(`generative classifier (Bayes' rule): ${(100 * genHits / shoes.points.length).toFixed(1)}% training accuracy`);
console.log(`discriminative logistic regression:  ${(100 * hits / shoes.points.length).toFixed(1)}%`);"""),
    md(r"""### Class-conditional images

The same recipe on Fashion-MNIST: fit the independent-pixel Gaussian separately to each class, then
sample six images per class from $p(x \mid y)$. Each row below is generated for one chosen label."""),
    code(r"""const perClass = train.classNames.map((_, y) => {
  const imgs = P.imagesOfClass(train.images, train.labels, y);
  const model = P.GaussianPixelModel.fit(imgs);
  imgs.dispose();
  return model;
});
const rngClass = new P.Rng(9);
const rows = perClass.map((m) => m.sample(6, rngClass));
const grid = tf.concat(rows);
showImages(grid, { cols: 6, labels: perClass.flatMap((_, y) => Array(6).fill(train.classNames[y])) });
tf.dispose([...rows, grid]);"""),
    md(r"""The outlines are recognisable — trousers, bags, boots — because conditioning on the class already
removes much of the variety. The texture is still noise: within a class, pixels are still drawn
independently. Notebook 2 makes "fitting by maximum likelihood" precise; notebook 3 measures what the
independent-pixel assumption throws away and introduces the fix that the rest of the book builds on:
representation learning.

## Exercises

Each exercise gives you a stub to complete — replace `todo()` with your code and run the cell —
followed by a one-line check that runs your function on hidden test cases and prints ✅, or ❌ with a
hint. Until you fill the stub in, the check just reports "not done yet". Solutions:
`lib/exercises/solutions/chapter1.ts`."""),
    code(r"""import { check, todo } from "./lib/exercises/chapter1";"""),
    md(r"""**Exercise 1.1 — the logistic model.** Write $p(y = 1 \mid x) = \sigma(w \cdot x + b)$ for
weight vector `w`, bias `b` and observation `x`."""),
    code(r"""function sigmoidProbability(w: number[], b: number, x: number[]): number {
  // Your code here.
  return todo();
}"""),
    code(r"""check.sigmoidProbability(sigmoidProbability);"""),
    md(r"""**Exercise 1.2 — Bayes' rule.** Given the likelihoods $p(x \mid y)$ of one observation under each
class and the priors $p(y)$, return the posterior $p(y \mid x)$ for every class."""),
    code(r"""function bayesPosterior(likelihoods: number[], priors: number[]): number[] {
  // Your code here.
  return todo();
}"""),
    code(r"""check.bayesPosterior(bayesPosterior);"""),
    md(r"""**Exercise 1.3 — a generative classifier.** Given a fitted class-conditional model (like `gen`
above: `model.priors[y]`, `model.classes[y]`), return the most probable class for `x`.
`P.gaussianLogPdfND(x, model.classes[y])` gives $\log p(x \mid y)$. Work in logs: products of small
densities underflow."""),
    code(r"""function generativeClassifier(model: P.ClassConditionalGaussians, x: number[]): number {
  // Your code here.
  return todo();
}"""),
    code(r"""check.generativeClassifier(generativeClassifier);"""),
    md(r"""**Exercise 1.4 — a stochastic element.** Sample `n` points from a Gaussian with independent
coordinates: coordinate `i` has mean `mean[i]` and standard deviation `std[i]`. Use only `rng`
(`rng.normal()` is a standard normal draw) so that a seed reproduces the samples. The check also
verifies that different seeds give different samples."""),
    code(r"""function sampleDiagonalGaussian(mean: number[], std: number[], n: number, rng: P.Rng): number[][] {
  // Your code here.
  return todo();
}"""),
    code(r"""check.sampleDiagonalGaussian(sampleDiagonalGaussian);"""),
    md(r"""**Exercise 1.5 (open).** Replace the one-Gaussian $p(x)$ for the shoes by a model of your own —
say, a Gaussian with independent coordinates (diagonal covariance) — sample from it and plot the
samples with `showScatter`. Which shoes does it generate that never occur in the data?"""),
])
