"""Source of notebooks/03-generative-challenges.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("03-generative-challenges.ipynb", [
    md(r"""# 3. The challenges of generative modeling

Notebook 2 fitted simple models by maximum likelihood. Here we apply the same recipe to images and see
it fail in an instructive way. The model is the most naive one possible: every pixel of a Fashion-MNIST
image is an independent coin flip — on or off — with its own probability, fitted by counting. From its
failure come the two challenges chapter 1 of *Generative Deep Learning* names:

1. **Conditional dependence between features**: pixels are not independent, and a model must capture how
   they depend on each other.
2. **The size of the sample space**: almost every possible image is noise; the images we care about
   occupy a vanishingly small part of the space.

The way out, which the rest of the book builds on, is **representation learning**: describe each image by
a few numbers and model those. We end with a first, linear taste of it."""),
    code(r"""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
import { pick } from "./lib/settings";
import { loadFashionMnist } from "./lib/data/fashion-mnist";
import { showImages } from "./lib/plot/image-grid";
import { showScatter, showPlotlyScatter } from "./lib/plot/scatter";
import { showHistogram } from "./lib/plot/line";
import * as P from "./lib/probability/index";
import { keep } from "./lib/keep";
const backend = await initBackend();"""),
    md(r"""## An independent-pixel model

We keep images at their original 28×28 = 784 pixels and make them binary: a pixel is *on* if its
brightness is above 0.5. The model has one parameter per pixel, $p_j = P(\text{pixel } j \text{ is on})$,
and treats pixels as independent:
$$p(x) = \prod_{j=1}^{784} p_j^{x_j} (1 - p_j)^{1 - x_j}.$$
This is the *naive Bayes* assumption. Its MLE is counting, as for the categorical model: $\hat p_j$ is the
fraction of training images with pixel $j$ on."""),
    code(r"""const train = keep("train", await loadFashionMnist({ split: "train", limit: pick(10000, 2000), pad: false }));
const test = keep("test", await loadFashionMnist({ split: "test", limit: pick(1000, 300), pad: false }));
const firstBinary = tf.tidy(() => P.binarize(train.images.slice(0, 8)));
showImages(firstBinary, { cols: 8, labels: Array.from(train.labels.slice(0, 8), (l) => train.classNames[l]) });
firstBinary.dispose();"""),
    code(r"""const counted = P.BernoulliPixelModel.fit(train.images);
const never = counted.probs.filter((p) => p === 0).length;
console.log(`${never} pixels are never on in the ${train.images.shape[0]} training images: the MLE says ink there is impossible`);
const naive = P.BernoulliPixelModel.fit(train.images, { alpha: 1 }); // smoothed, as in notebook 2
const probsImage = naive.probsImage();
showImages(probsImage, { cols: 1, labels: ["p_j for every pixel"], scale: 5 });
probsImage.dispose();"""),
    md(r"""The image of the probabilities $p_j$ is a blurred silhouette of all garments at once. The pixels
that were never on would make any image with ink there impossible (log-likelihood $-\infty$), so we use
the smoothed model ($\alpha = 1$) from now on, exactly as for the categorical model in notebook 2.

## Sampling from it

Sampling flips 784 independent coins, one per pixel:"""),
    code(r"""const samples = naive.sample(16, new P.Rng(1));
showImages(samples, { cols: 8, title: "samples from the independent-pixel model" });
samples.dispose();"""),
    md(r"""Noise in the shape of the average garment. Every pixel is plausible *on its own* — each has the
right probability of being on — but together they make nothing recognisable.

## Challenge 1: features depend on each other

In a real image, if a pixel in the middle of the frame is on, its neighbours are very likely on too: it
is part of a shirt, not an isolated speck. The correlation between pixel pairs measures this. Below, for
the centre pixel, each pixel is coloured by its correlation with it across images (white = +1, mid-grey
= 0, black = −1): for real images, then for samples from the model."""),
    code(r"""const centre = 14 * 28 + 14;
const realBinary = P.binarize(train.images);
const modelSamples = naive.sample(train.images.shape[0], new P.Rng(2));
const maps = [P.pixelCorrelationMap(realBinary, centre), P.pixelCorrelationMap(modelSamples, centre)];
const mapImages = tf.tensor4d(Float32Array.from([...maps[0], ...maps[1]], (r) => (r + 1) / 2), [2, 28, 28, 1]);
showImages(mapImages, { cols: 2, scale: 5, labels: ["real images", "model samples"] });
console.log(`mean correlation of horizontal neighbours: real ${P.neighbourCorrelation(realBinary).toFixed(3)}, model samples ${P.neighbourCorrelation(modelSamples).toFixed(3)}`);
tf.dispose([realBinary, modelSamples, mapImages]);"""),
    md(r"""Real pixels move together: a large region around the centre is light — when the centre pixel is
on, those pixels tend to be on as well — strongest along the vertical band that trousers, dresses and
tops share. In the model's samples the centre pixel correlates only with itself (the single white
dot), and the neighbour correlation is about 0, because the model *assumes* independence. A good generative model must learn these dependencies: that is what the
networks of later chapters do.

## Challenge 2: the sample space is enormous

How many binary 28×28 images are there? $2^{784}$. The numbers are too large for floating point, so we
count digits: $\log_{10}$ of the count."""),
    code(r"""const digitsBinary = P.sampleSpaceLog10(784, 2);
const digitsGrey = P.sampleSpaceLog10(784, 256);
console.log(`binary 28×28 images: about 10^${digitsBinary.toFixed(0)}`);
console.log(`8-bit greyscale 28×28 images: about 10^${digitsGrey.toFixed(0)}`);
console.log(`Fashion-MNIST's 70,000 images: 10^${Math.log10(70000).toFixed(1)}   (atoms in the observable universe: about 10^80)`);"""),
    md(r"""Almost all of those images look like nothing. Drawing uniformly from the sample space — each pixel
on with probability ½ — shows what a "typical" image is:"""),
    code(r"""const uniform = P.randomBinaryImages(16, [28, 28, 1], new P.Rng(3));
showImages(uniform, { cols: 8, title: "uniform draws from the sample space" });
uniform.dispose();"""),
    md(r"""The images that look like clothing form a vanishingly small, intricately shaped subset of the space
— which is why a generative model cannot just spread probability around; it must concentrate it
precisely.

Scoring images with the model shows what it did and did not learn. Below are the log-likelihoods (in
nats) of real test images, of the model's own samples and of uniform random images."""),
    code(r"""const nScore = pick(1000, 300);
const ownSamples = naive.sample(nScore, new P.Rng(4));
const randomImages = P.randomBinaryImages(nScore, [28, 28, 1], new P.Rng(5));
const scores = { real: naive.logLikelihood(test.images), samples: naive.logLikelihood(ownSamples), random: naive.logLikelihood(randomImages) };
tf.dispose([ownSamples, randomImages]);
const avg = (a: Float64Array) => a.reduce((s, v) => s + v, 0) / a.length;
for (const [k, v] of Object.entries(scores)) console.log(`${k.padEnd(8)} mean log p(x) = ${avg(v).toFixed(1)}`);
showHistogram([{ label: "real test images", values: scores.real }, { label: "model samples", values: scores.samples }, { label: "uniform random images", values: scores.random }],
  { bins: 60, title: "log p(x) under the independent-pixel model", xLabel: "log-likelihood (nats)" });"""),
    md(r"""The model has learned *where* ink usually is: random images score hundreds of nats lower (each nat is a
factor of $e$ in probability). But its own noise samples score as well as real clothing on average — the
two histograms overlap, and plenty of real garments score *lower* than the noise. By its own measure
the blobs above are as good as real clothes. A likelihood is only as meaningful as the model that
computes it: this one cannot see the structure that makes a shirt a shirt.

## Representation learning: a 2-D description of every image

Instead of modelling 784 pixels directly, describe each image by a few numbers — a **latent
representation** — and model those. A space of two numbers is small enough to explore completely,
and if the description is good, each point in it corresponds to a plausible image.

The simplest such description is **principal component analysis** (PCA): find the two directions
in pixel space along which the images vary most, and describe each image by its coordinates $z_1, z_2$
along them (its *projection*). Going back — *decoding* — is mean image $+\ z_1 w_1 + z_2 w_2$. Hover over a
point to see its class and its index in the test set."""),
    code(r"""const pca = P.fitPca(train.images, 2);
console.log(`the two components explain ${(100 * (pca.explained[0] + pca.explained[1])).toFixed(1)}% of the pixel variance`);
const z = P.pcaProject(pca, test.images);
const latent = { x: z.map((v) => v[0]), y: z.map((v) => v[1]), label: test.labels, classNames: test.classNames };
showPlotlyScatter(latent, { title: "Fashion-MNIST test images in 2-D (PCA)", xLabel: "z1", yLabel: "z2" });"""),
    md(r"""Even this linear map sorts the data: footwear on one side, trousers and dresses at the bottom,
bags and tops elsewhere — with no labels used to fit it. Now walk in a straight line from the average
position of one class to another and **decode** each point on the line back into an image:"""),
    code(r"""const centroid = (c: number) => {
  const zs = z.filter((_, i) => test.labels[i] === c);
  return [0, 1].map((k) => zs.reduce((s, v) => s + v[k], 0) / zs.length);
};
const [from, to] = [test.classNames.indexOf("Trouser"), test.classNames.indexOf("Bag")];
const path = P.linePoints(centroid(from), centroid(to), 8);
showScatter(latent, { title: `A line from ${test.classNames[from]} to ${test.classNames[to]} in latent space`, xLabel: "z1", yLabel: "z2",
  opacity: 0.35, lines: [{ x: path.map((p) => p[0]), y: path.map((p) => p[1]), label: "decoded below" }] });
const decoded = P.pcaDecode(pca, path);
showImages(decoded, { cols: 8, scale: 3, labels: path.map((p) => `(${p[0].toFixed(1)}, ${p[1].toFixed(1)})`) });
decoded.dispose();"""),
    md(r"""The decoded images morph smoothly from a trouser-like shape to a bag-like one: points in the
latent space correspond to images, and moving through it changes the image in meaningful ways. But
they are blurry: a linear map with two numbers cannot hold enough detail, and points far from the
data decode to ghosts.

That is the bridge to the next chapter. An **autoencoder** replaces PCA's linear projection and
decoding by neural networks — an *encoder* and a *decoder* — trained to reconstruct the images, giving a
far more expressive latent space. A **variational autoencoder** then turns the latent space into a proper
probability distribution we can sample from: a generative model that deals with both challenges at
once.

## Exercises

Complete each stub (replace `todo()`), run it, then run the check below it."""),
    code(r"""import { check, todo } from "./lib/exercises/chapter1";"""),
    md(r"""**Exercise 3.1 — Bernoulli MLE.** Each image is an array of 0/1 pixels. Return the MLE $p_j$ for
every pixel."""),
    code(r"""function bernoulliMle(binaryImages: number[][]): number[] {
  // Your code here.
  return todo();
}"""),
    code(r"""check.bernoulliMle(bernoulliMle);"""),
    md(r"""**Exercise 3.2 — log-likelihood without NaN.** Return $\log p(x)$ of one binary image `x` under pixel
probabilities `probs`. Some `probs` may be exactly 0 or 1: make sure you return `-Infinity` for an
impossible image and never `NaN`."""),
    code(r"""function bernoulliLogLikelihood(x: number[], probs: number[]): number {
  // Your code here.
  return todo();
}"""),
    code(r"""check.bernoulliLogLikelihood(bernoulliLogLikelihood);"""),
    md(r"""**Exercise 3.3 — counting the sample space.** Return $\log_{10}$ of the number of images with
`pixels` values that each take one of `levels` values."""),
    code(r"""function sampleSpaceDigits(pixels: number, levels: number): number {
  // Your code here.
  return todo();
}"""),
    code(r"""check.sampleSpaceDigits(sampleSpaceDigits);"""),
    md(r"""**Exercise 3.4 — correlation.** Return the Pearson correlation of two features measured on the same
observations."""),
    code(r"""function pearsonCorrelation(a: number[], b: number[]): number {
  // Your code here.
  return todo();
}"""),
    code(r"""check.pearsonCorrelation(pearsonCorrelation);"""),
    md(r"""**Exercise 3.5 — encoding.** Return the PCA coordinates of image `x` (flattened), given the mean image
and the components (one array per component)."""),
    code(r"""function pcaProject(x: number[], mean: number[], components: number[][]): number[] {
  // Your code here.
  return todo();
}"""),
    code(r"""check.pcaProject(pcaProject);"""),
])
