"""Source of notebooks/05-variational-autoencoder.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("05-variational-autoencoder.ipynb", [
    md(r"""# 5. Variational autoencoders

The autoencoder of the previous notebook compresses a 32×32 image into two numbers and decodes
them back. It reconstructs well. But the promise of a *generative* model is more: pick a point in
the latent space you have never seen, decode it, and get a plausible new image. This notebook shows
why the plain autoencoder breaks that promise, and how the **variational autoencoder** (VAE) keeps
it with two changes — the encoder outputs a *distribution* instead of a point, and the loss gains a
term that pulls those distributions towards a fixed prior, the standard normal $\mathcal{N}(0, I)$.

We follow chapter 3 of *Generative Deep Learning*: the same convolutional encoder and decoder, a
2-dimensional latent space so we can draw it, and the book's training recipe."""),
    code("""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
await initBackend();"""),
    md("""`QUICK=1` (used in CI) shrinks samples and sweeps so the notebook runs in a few minutes; without
it, every number below uses larger samples. The VAE itself is **loaded from `pretrained/vae/`** —
training it for the book's 5 epochs takes a while on a CPU. Set `TRAIN_FROM_SCRATCH = true` to train it
here instead (the training loop shows live progress; interrupt the kernel to stop early, the
model keeps its weights)."""),
    code("""import { isQuick, pick } from "./lib/settings";
import { keep } from "./lib/keep";
import { loadFashionMnist } from "./lib/data/fashion-mnist";
const TRAIN_FROM_SCRATCH = false;
const test = keep("test", await loadFashionMnist({ split: "test", limit: pick(10000, 1000) }));
console.log(`${isQuick() ? "QUICK" : "full"} mode; ${test.images.shape[0]} test images of shape [${test.images.shape.slice(1)}]`);"""),

    # ------------------------------------------------------------------ 1
    md(r"""## Why the plain autoencoder fails as a generator

Take the autoencoder trained in the previous notebook, encode some test images, and look at where
their codes land. Then do what a generative model should allow: draw random points in the box that
contains the codes, and decode them."""),
    code("""import { buildAutoencoder } from "./lib/models/autoencoder";
import { hasWeights, loadWeights } from "./lib/train/weights";
import { embed, decodeAll, codesToXY } from "./lib/latent/embed";
import { latentRange, sampleUniform } from "./lib/latent/explore";
import { showImages } from "./lib/plot/image-grid";
import { showScatter, showPlotlyScatter } from "./lib/plot/scatter";

const ae = keep("ae", buildAutoencoder());
const haveAe = hasWeights(ae, "pretrained/autoencoder");
if (haveAe) {
  await loadWeights(ae, "pretrained/autoencoder");
  const nAe = pick(3000, 500);
  const aeCodes = keep("aeCodes", embed(ae.encoder, test.images, { limit: nAe }));
  showScatter({ ...codesToXY(aeCodes), label: test.labels.slice(0, nAe), classNames: test.classNames },
    { title: "Autoencoder: latent codes of test images", xLabel: "z[0]", yLabel: "z[1]", width: 520, height: 380 });
  const decoded = tf.tidy(() => decodeAll(ae.decoder, sampleUniform(latentRange(aeCodes), 24, 7)));
  showImages(decoded, { cols: 12, title: "Decoded from random points in the box around the codes" });
  decoded.dispose();
} else {
  console.log("pretrained/autoencoder is missing; run notebook 04 (or scripts/train-pretrained-autoencoder.ts) to see this section.");
}"""),
    md(r"""Three things go wrong, and none of them is the decoder's fault:

* **The codes do not fill the space.** Some classes occupy thin streaks, others big blobs, and much of
  the box is empty. A random point often lands where no training image was encoded, and the decoder
  has never been asked what to draw there.
* **Nothing says which region is "normal".** The loss only rewards reconstruction, so the encoder may
  place codes anywhere — at ±50 or at ±0.01 — and there is no distribution to sample from.
* **The space is not continuous in meaning.** Two nearby codes can decode to unrelated images,
  because the decoder only saw isolated points, never the space between them.

The VAE fixes all three by changing what the encoder outputs and what the loss asks for."""),

    # ------------------------------------------------------------------ 2
    md(r"""## The encoder as a distribution

A VAE's encoder maps an image $x$ not to a point but to a normal distribution over codes,
$$q(z \mid x) = \mathcal{N}\big(z;\ \mu(x),\ \operatorname{diag}\,\sigma^2(x)\big),$$
with one mean and one variance per latent dimension. The network has two heads on the same
convolutional features: `z_mean` gives $\mu$, and `z_log_var` gives $\log \sigma^2$. (Predicting the
*log* variance lets the head output any real number; the variance $e^{\log\sigma^2}$ is then positive
automatically.) The decoder is unchanged: a code in, pixel probabilities out.

`buildVae()` builds the book's model; here are its encoder's outputs and a few test images'
distributions from the pretrained weights."""),
    code("""import { buildVae, VAE_TRAINING } from "./lib/models/vae";
import { train } from "./lib/train/train";
const vae = keep("vae", buildVae());
console.log("encoder outputs:", vae.encoder.outputs.map((o) => `${o.name.split("/")[0]} [${o.shape}]`).join(", "));
console.log(`parameters: encoder ${vae.encoder.countParams()}, decoder ${vae.decoder.countParams()}`);"""),
    code("""const VAE_DIR = "pretrained/vae";
if (TRAIN_FROM_SCRATCH || !hasWeights(vae, VAE_DIR)) {
  if (!TRAIN_FROM_SCRATCH) console.log(`${VAE_DIR} is missing: training here instead.`);
  const trainSet = await loadFashionMnist({ split: "train", limit: pick(60000, 1000) });
  try {
    const history = await train(vae, trainSet.images, { epochs: pick(5, 1), ...VAE_TRAINING, validation: test.images, title: "VAE (book recipe)" });
    console.log(history.message);
  } finally {
    trainSet.images.dispose();
  }
} else {
  await loadWeights(vae, VAE_DIR);
  console.log(`loaded ${VAE_DIR}`);
}"""),
    code("""import { show } from "./lib/display";
const fewIdx = [0, 1, 2, 3, 4];
const [mu, logVar] = tf.tidy(() => {
  const { zMean, zLogVar } = vae.encode(test.images.slice(0, fewIdx.length));
  return [zMean.arraySync(), zLogVar.arraySync()];
});
const f2 = (v: number) => v.toFixed(2);
show.markdown(["| image | class | μ | σ = exp(½ log σ²) |", "|---|---|---|---|",
  ...fewIdx.map((i) => `| ${i} | ${test.classNames[test.labels[i]]} | (${mu[i].map(f2).join(", ")}) | (${logVar[i].map((v) => f2(Math.exp(0.5 * v))).join(", ")}) |`)].join("\\n"));"""),
    md(r"""Each image now owns a small cloud in latent space rather than a point: the means say *where*, the
standard deviations say *how sure*. During training the decoder is fed a random point from each
cloud, so it must decode a whole neighbourhood of codes to the same kind of image — which makes the
space continuous."""),

    # ------------------------------------------------------------------ 3
    md(r"""## The reparameterisation trick

Training needs gradients of the loss with respect to the encoder's weights, but "draw $z$ from
$\mathcal{N}(\mu, \sigma^2)$" is a random operation with no gradient. The trick is to move the
randomness out of the way: draw $\varepsilon \sim \mathcal{N}(0, I)$ first, then compute
$$z = \mu + \sigma \odot \varepsilon, \qquad \sigma = \exp\big(\tfrac12 \log\sigma^2\big).$$
The sample has the same distribution, but now $z$ is an ordinary differentiable function of $\mu$
and $\log\sigma^2$ ($\partial z/\partial\mu = 1$, $\partial z/\partial \log\sigma^2 = \tfrac12\sigma\varepsilon$),
and $\varepsilon$ is just an input. In `lib/models/losses.ts` this is `sampleLatent`.

**Exercise 1.** Write the sampling step. The noise `eps` is given so the check can compare exact
numbers; use only tensor operations, so that gradients reach `zMean` and `zLogVar` (the check
verifies that too). Replace `todo()` with your code and run the cell."""),
    code("""import { check, todo } from "./lib/exercises/vae";
function sampleZ(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D, eps: tf.Tensor2D): tf.Tensor2D {
  // z = mean + sigma * eps, with sigma = exp(0.5 * logVar). Wrap the maths in tf.tidy.
  return todo();
}
check.sampleZ(sampleZ);"""),

    # ------------------------------------------------------------------ 4
    md(r"""## The KL term, and what β does

Reconstruction alone would let the encoder shrink every $\sigma$ to zero (and we would be back to a
plain autoencoder) and put the means anywhere. The second loss term stops that: the
Kullback–Leibler divergence from each image's $q(z\mid x)$ to the prior $p(z) = \mathcal{N}(0, I)$.
For two normals it has a closed form, summed over the latent dimensions:
$$\mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big) = -\frac12 \sum_{j} \big(1 + \log\sigma_j^2 - \mu_j^2 - \sigma_j^2\big).$$
It is zero only when $\mu = 0$ and $\sigma = 1$; it grows when a mean strays from the origin or a
cloud becomes too narrow (or too wide). Pulling every image's cloud towards the same standard normal
packs the codes around the origin with no large gaps — exactly what sampling needs.

**Exercise 2.** Implement the KL term: one value per row (per image), summed over the latent
dimensions."""),
    code("""function klDivergence(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): tf.Tensor1D {
  // -0.5 * sum over axis 1 of (1 + logVar - mean^2 - exp(logVar)). Wrap the maths in tf.tidy.
  return todo();
}
check.klDivergence(klDivergence);"""),
    md(r"""The book's training loss adds the two terms with a weight β on the reconstruction:
$$\mathcal{L} = \beta \cdot \overline{\mathrm{BCE}}(x, \hat x) + \mathrm{KL},$$
where $\overline{\mathrm{BCE}}$ is the binary cross-entropy *averaged* over the 1,024 pixels and β = 500.
β sets the exchange rate between the two: a large β makes reconstruction matter most (the codes
spread out and the VAE drifts back towards a plain autoencoder); a small β makes matching the prior
matter most (the codes huddle at the origin, carry little information, and reconstructions blur
towards an average garment). We run a small β sweep at the end of the notebook.

There is one value of β with a precise meaning. With the cross-entropy *summed* over pixels instead
of averaged (β = 1 on the sum, i.e. β = 1,024 in the book's units), the loss is the **negative
evidence lower bound** (negative ELBO) of a model whose pixels are independent Bernoulli variables
given $z$:
$$-\log p(x) \;\le\; \underbrace{\mathbb{E}_{q(z\mid x)}\big[-\log p(x \mid z)\big]}_{\text{reconstruction, nats}} + \mathrm{KL}\big(q(z\mid x)\,\|\,p(z)\big).$$
So the book's β = 500 weighs reconstruction about half as much as the ELBO would, trading a
little reconstruction for a tidier latent space. (Fashion-MNIST pixels are grey levels, not 0/1,
so "Bernoulli likelihood" is the usual convenient fiction; the numbers are still comparable between
models.)

**Exercise 3.** Compute the negative ELBO of one image in nats, given the image, its decoded
probabilities `xHat`, and its encoder outputs: the cross-entropy *summed* over pixels (clip `xHat`
to $[10^{-7}, 1-10^{-7}]$ before the log) plus the KL term."""),
    code("""function negativeElbo(x: tf.Tensor3D, xHat: tf.Tensor3D, zMean: tf.Tensor1D, zLogVar: tf.Tensor1D): number {
  // reconstruction (BCE summed over pixels) + KL, as a plain number (.dataSync()[0] inside tf.tidy).
  return todo();
}
check.negativeElbo(negativeElbo);"""),
    md("""Stuck? `lib/exercises/solutions/vae.ts` has reference answers; the library versions are
`sampleLatent` and `klPerExample` in `lib/models/losses.ts` and `negativeElbo` in `lib/eval/elbo.ts`."""),

    # ------------------------------------------------------------------ 5
    md("""## How the pretrained VAE was trained

`pretrained/vae/` was made by `scripts/train-pretrained-vae.ts` with the book's recipe: Adam with
learning rate 5·10⁻⁴, batches of 100, the loss above with β = 500. Its `metrics.json` records the
training log and the test-set numbers:"""),
    code("""import * as fs from "fs";
import * as path from "path";
import { projectRoot } from "./lib/settings";
const metricsFile = path.join(projectRoot(), VAE_DIR, "metrics.json");
if (fs.existsSync(metricsFile)) {
  const m = JSON.parse(fs.readFileSync(metricsFile, "utf8"));
  const last = m.epochs?.[m.epochs.length - 1] ?? m.current;
  const done = Number(m.training?.epochsDone ?? last?.epoch);
  if (last) console.log(`after ${done.toFixed(2)} epochs: training loss ${last.loss.toFixed(1)} = 500 x BCE ${last.bookReconstruction.toFixed(1)} + KL ${last.kl.toFixed(2)} (${m.training?.imagesPerSecond?.toFixed(0)} img/s on ${m.backend})`);
  if (m.test) console.log(`test set: negative ELBO ${m.test.negativeElboNats.toFixed(1)} nats/image (reconstruction ${m.test.reconstructionNats.toFixed(1)} + KL ${m.test.klNats.toFixed(2)}); IWAE (k=${m.test.iwae.k}, ${m.test.iwae.images} images) ${m.test.iwae.nllNats.toFixed(1)} nats`);
} else console.log("no metrics.json (weights trained in this notebook)");"""),
    md("""The book reports about 130 for the scaled reconstruction term and 5.3 for the KL after 5 epochs.

## Reconstructions

First the sanity check every autoencoder gets: originals (top) and their reconstructions through the
mean code $\\mu(x)$ (bottom)."""),
    code("""const originals = test.images.slice(0, 12);
const recon = vae.reconstruct(originals);
const pair = tf.concat([originals, recon]);
showImages(pair, { cols: 12, title: "Test images (top) and VAE reconstructions (bottom)" });
tf.dispose([originals, recon, pair]);"""),
    md("""They are blurrier than a plain autoencoder's: two numbers cannot hold much detail, and the KL term
asks them to hold even less. What we get in return is a latent space worth sampling from.

## The latent space

Encode test images and plot their means $\\mu(x)$, coloured by class. The interactive version shows
a point's class and index on hover (drag to zoom, double-click to reset); the static one below it
renders anywhere, including on GitHub."""),
    code("""const nEmbed = pick(5000, 1000);
const codes = keep("codes", embed(vae.encoder, test.images, { limit: nEmbed, output: 0 }));
const latent = { ...codesToXY(codes), label: test.labels.slice(0, nEmbed), classNames: test.classNames };
showPlotlyScatter(latent, { title: "VAE latent space (z_mean of test images)", xLabel: "z[0]", yLabel: "z[1]" });"""),
    code("""showScatter(latent, { title: "VAE latent space (static)", xLabel: "z[0]", yLabel: "z[1]", width: 560, height: 420 });"""),
    md(r"""The explorer below (`lib/plot/explorer.ts`) decodes the latent space under the mouse: hover
over empty space to see what the decoder makes there, over a test point to see that image. Compare
with the autoencoder's explorer in notebook 04 — here the space between clusters still decodes to
plausible clothing, because the KL term pulls codes together around the origin."""),
    code("""import { latentExplorer } from "./lib/plot/explorer";
const explorerImages = keep("explorerImages", test.images.slice(0, nEmbed));
latentExplorer({
  points: { x: latent.x, y: latent.y, labels: latent.label, classNames: test.classNames },
  decode: (z) => vae.decode(z), pointImages: explorerImages,
  gridSize: pick(30, 10), maxPoints: pick(2000, 500),
  title: "VAE latent space: move the mouse to decode", xLabel: "z[0]", yLabel: "z[1]",
});"""),
    md(r"""Compare the axes with the autoencoder's: the codes now sit within about ±3 of the origin, roughly
like samples from $\mathcal{N}(0, I)$, with classes still grouped (trousers and bags apart,
shirts, pullovers and coats overlapping — they look alike).

### The p-space view

How close is this to the prior? Push each coordinate through the standard normal CDF,
$p_j = \Phi(z_j)$. If the codes were exactly $\mathcal{N}(0, I)$-distributed, the points would fill the
unit square evenly; crowds and empty patches show where the encoder disagrees with the prior — and
therefore where decoded samples will be over- or under-represented."""),
    code("""import { toPSpace, quantileGrid } from "./lib/plot/pspace";
showScatter(toPSpace(codes, { label: latent.label, classNames: test.classNames }),
  { title: "p-space: Φ(z) of each coordinate", xLabel: "Φ(z[0])", yLabel: "Φ(z[1])", xDomain: [0, 1], yDomain: [0, 1], width: 520, height: 440 });"""),

    # ------------------------------------------------------------------ 6
    md(r"""## Generating: sample $z \sim \mathcal{N}(0, I)$ and decode

Now generation is one line of probability: draw codes from the prior and decode them. No box to
guess, no empty regions to avoid."""),
    code("""const generated = tf.tidy(() => decodeAll(vae.decoder, tf.randomNormal([36, 2], 0, 1, "float32", 2024)));
showImages(generated, { cols: 12, title: "Decoded from z ~ N(0, I)" });
generated.dispose();"""),
    md(r"""To see the whole space at once, decode a 15×15 grid of codes placed at the normal quantiles
$\Phi^{-1}\big(\tfrac{i + 0.5}{15}\big)$: an even grid in p-space, so each tile stands for the same
probability mass of the prior. Rows run from large $z_1$ (top) to small, columns from small $z_0$
(left) to large, as in the scatter plots."""),
    code("""import { showLatentMosaic } from "./lib/plot/mosaic";
const grid = quantileGrid(15);
const gridImages = decodeAll(vae.decoder, grid.codes);
showLatentMosaic(gridImages, { xs: grid.xs, ys: grid.ys, xLabel: "z[0]", yLabel: "z[1]", title: "Decoded 15×15 grid at normal quantiles" });
tf.dispose([grid.codes, gridImages]);"""),
    md("""Every tile is a plausible garment, and neighbouring tiles morph smoothly into each other: the KL term
and the noisy training codes have made the space continuous.

## How good a density model is it? ELBO and IWAE in nats

The ELBO is also a number we can report: the average negative ELBO on test images, in nats per
image, is an upper bound on $-\\log p(x)$ (lower is better). `negativeElbo` in `lib/eval/elbo.ts`
computes it (and the book's units alongside). A tighter bound comes from importance weighting
(IWAE, Burda et al. 2016): with $k$ samples $z_i \\sim q(z\\mid x)$,
$$-\\log p(x) \\;\\le\\; -\\log \\frac1k \\sum_{i=1}^{k} \\frac{p(x\\mid z_i)\\,p(z_i)}{q(z_i\\mid x)},$$
which equals the negative ELBO for $k=1$ and tends to $-\\log p(x)$ as $k$ grows. The gap between
the two tells how far $q$ is from the true posterior."""),
    code("""import { negativeElbo as elboOf, iwaeNll, describeElbo } from "./lib/eval/elbo";
const elboImages = test.images.slice(0, pick(2000, 200));
const iwaeImages = test.images.slice(0, pick(50, 3));
const t0 = Date.now();
const elboReport = elboOf(vae, elboImages, { seed: 0 });
const iwaeReport = iwaeNll(vae, iwaeImages, { k: 100, seed: 0 });
const elboSame = elboOf(vae, iwaeImages, { seed: 0 });
tf.dispose([elboImages, iwaeImages]);
console.log(describeElbo(elboReport, iwaeReport));
console.log(`on the same ${iwaeReport.images} images: negative ELBO ${elboSame.negativeElbo.toFixed(2)} vs IWAE ${iwaeReport.nll.toFixed(2)} nats (${((Date.now() - t0) / 1000).toFixed(0)} s)`);"""),
    md("""Reading the numbers: a 32×32 image with grey levels costs a few hundred nats under this
Bernoulli model, almost all of it reconstruction; the KL — the information the code carries about
the image — is only a few nats, because two dimensions cannot carry more. IWAE shaves off a little:
the encoder's Gaussian is a decent but imperfect guess at which codes explain an image.

## A β sweep: latent spread versus reconstruction

Finally, what β does, measured. We train one small VAE per β on the same images (one short epoch
each; in QUICK mode only a few batches, so expect small differences) and record, on test images:

* the **reconstruction error** (mean BCE per pixel, through $\\mu(x)$),
* the **KL** per image and the **spread** of the codes — the standard deviation of $\\mu(x)$ across
  images, and the average $\\sigma$ of each image's cloud."""),
    code("""import { BOOK_VAE_LOSS } from "./lib/models/losses";
import { reconstructionError } from "./lib/eval/reconstruction";
const sweepTrain = keep("sweepTrain", await loadFashionMnist({ split: "train", limit: pick(10000, 300) }));
const sweepTest = test.images.slice(0, pick(1000, 200));
const betas = pick([10, 100, 1000, 10000], [10, 10000]);
const sweep: { beta: number; bce: number; kl: number; spread: number; sigma: number }[] = [];
const sweepRecon: tf.Tensor4D[] = [];
for (const beta of betas) {
  const m = buildVae({ loss: { ...BOOK_VAE_LOSS, beta } });
  try {
    await train(m, sweepTrain.images, { epochs: 1, ...VAE_TRAINING, seed: 1, title: `β = ${beta}` });
    const e = elboOf(m, sweepTest, { beta });
    const [spread, sigma] = tf.tidy(() => {
      const { zMean, zLogVar } = m.encode(sweepTest);
      return [tf.moments(zMean, 0).variance.sqrt().mean().dataSync()[0], tf.exp(tf.mul(0.5, zLogVar)).mean().dataSync()[0]];
    });
    sweep.push({ beta, bce: reconstructionError((x) => m.reconstruct(x), sweepTest).mean, kl: e.kl, spread, sigma });
    sweepRecon.push(tf.tidy(() => m.reconstruct(sweepTest.slice(0, 10))));
  } finally {
    m.dispose();
  }
}
keep("sweepRecon", sweepRecon);
sweepTest.dispose();
show.markdown(["| β | BCE per pixel | KL (nats) | spread of μ | mean σ |", "|---|---|---|---|---|",
  ...sweep.map((s) => `| ${s.beta} | ${s.bce.toFixed(4)} | ${s.kl.toFixed(2)} | ${s.spread.toFixed(2)} | ${s.sigma.toFixed(2)} |`)].join("\\n"));"""),
    code("""import { lineChartHtml } from "./lib/plot/line";
const logBeta = sweep.map((s) => Math.log10(s.beta));
show.html(lineChartHtml([{ x: logBeta, y: sweep.map((s) => s.bce), label: "BCE per pixel" }],
  { title: "Reconstruction error against β", xLabel: "log10 β", yLabel: "BCE per pixel", width: 420, height: 260 }) +
  lineChartHtml([{ x: logBeta, y: sweep.map((s) => s.spread), label: "spread of μ" }, { x: logBeta, y: sweep.map((s) => s.sigma), label: "mean σ" }],
  { title: "Latent scale against β", xLabel: "log10 β", yLabel: "latent scale", width: 420, height: 260 }));
const sweepGrid = tf.concat(sweepRecon);
showImages(sweepGrid, { cols: 10, labels: sweep.flatMap((s) => Array.from({ length: 10 }, (_, i) => (i === 0 ? `β=${s.beta}` : ""))), title: "Reconstructions, one row per β" });
sweepGrid.dispose();"""),
    md("""The ends of the sweep are clear. With a small β the KL wins: the means collapse towards 0, each σ
stays near 1, the KL is about zero — the code tells the decoder nothing (*posterior collapse*) and
every reconstruction is the same average garment. As β grows, reconstruction wins more and more: the
clouds narrow (mean σ falls), the KL — the information the code carries — rises, and the means
spread out; pushed far enough this is the plain autoencoder again, with sharp reconstructions and a
latent space with gaps. One short epoch per model makes the middle of the sweep noisy (the
reconstruction error need not fall monotonically yet); train longer to see the trade-off settle. The
book's β = 500 (about half the ELBO's 1,024) sits in between.

## Summary

* A plain autoencoder's latent space has no distribution to sample from and gaps the decoder never
  saw, so decoding random points gives poor images.
* A VAE's encoder outputs a normal distribution per image; the reparameterisation trick
  $z = \\mu + \\sigma\\varepsilon$ makes sampling differentiable.
* The KL term pulls every image's distribution towards $\\mathcal{N}(0, I)$, so sampling from the prior
  and decoding generates new images, and the latent space becomes continuous.
* β trades reconstruction against that regularity; with the summed cross-entropy and β = 1 the loss
  is the negative ELBO, an upper bound on $-\\log p(x)$ in nats, which IWAE tightens.

**Further exercises.** (a) Retrain with `latentDim: 8` (`buildVae({ latentDim: 8 })`) and compare the
negative ELBO and IWAE in nats. (b) Train with the ELBO loss (`ELBO_LOSS` in `lib/models/losses.ts`)
and compare with the book's β = 500. (c) Decode a straight line between two test images' means —
does it pass only through plausible images?"""),
])
