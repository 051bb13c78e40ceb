"""Source of notebooks/04-autoencoder.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("04-autoencoder.ipynb", [
    md("""# 4. Autoencoders

Chapter 3 of *Generative Deep Learning* starts with a story: Brian, a collector of clothes, keeps every
item in a wardrobe that stretches away into the distance. To find things again he stores each one at a
*position*: things that look alike hang close together. Later, in an empty spot, he can imagine what
*would* hang there and sew it — a brand-new item. That is an **autoencoder**:

* the **encoder** maps an image to a point in a low-dimensional **latent space** (the wardrobe position),
* the **decoder** maps a point of the latent space back to an image (sewing the item from its position).

The two are trained together to make `decoder(encoder(x))` as close to `x` as possible. Nothing
forces the latent points to be anywhere in particular; they just have to carry enough information to
rebuild the image. We use a **2-dimensional** latent space, as the book does, so that we can *see* it.

In this notebook we

1. train (or load and fine-tune) the book's autoencoder on Fashion-MNIST,
2. look at its reconstructions,
3. draw the latent space of the test set,
4. try to generate new images by decoding new latent points, and
5. steer generation by moving through latent space,

and along the way collect the weaknesses that the next chapter's variational autoencoder fixes."""),
    code("""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
await initBackend();"""),
    md("""## The data

Fashion-MNIST images are 28×28 greyscale pictures of ten kinds of clothing; like the book we pad
them to 32×32 and scale pixels to [0, 1]. We keep the 10,000 test images aside: the network never
trains on them, so they tell us how it does on images it has not seen. `QUICK=1` (used by the
automatic checks of this workbook) loads fewer images so the notebook runs in a minute or two."""),
    code("""import { loadFashionMnist } from "./lib/data/fashion-mnist";
import { keep } from "./lib/keep";
import { pick, isQuick } from "./lib/settings";

const trainSet = keep("ae-train", await loadFashionMnist({ split: "train", limit: pick(undefined, 2000) }));
const testSet = keep("ae-test", await loadFashionMnist({ split: "test", limit: pick(undefined, 1000) }));
const classNames = testSet.classNames;
console.log(`train ${trainSet.images.shape.join("×")}, test ${testSet.images.shape.join("×")}${isQuick() ? " (QUICK mode)" : ""}`);"""),
    md("""## The model

`buildAutoencoder()` (in `lib/models/autoencoder.ts`) builds the book's architecture:

* **Encoder:** three 3×3 convolutions with stride 2 and ReLU (32, 64, 128 filters) shrink the image
  32 → 16 → 8 → 4; the 4×4×128 result is flattened and a dense layer maps it to **2 numbers** — the
  latent point `z`.
* **Decoder:** the mirror image. A dense layer turns `z` into 4×4×128 numbers, three transposed
  convolutions with stride 2 grow them 4 → 8 → 16 → 32, and a final convolution with a **sigmoid**
  produces one value in (0, 1) per pixel.

Compare the parameter counts with the book: 96,770 for the encoder and 246,273 for the decoder."""),
    code("""import { buildAutoencoder } from "./lib/models/autoencoder";

const ae = keep("ae", buildAutoencoder());
ae.encoder.summary();
ae.decoder.summary();"""),
    md("""## Training

The decoder's sigmoid output can be read as the probability that a pixel is "on", so the book trains
with **binary cross-entropy** (BCE) between each original pixel $x$ and its reconstruction $p$:

$$\\text{BCE}(x, p) = -\\big(x \\log p + (1 - x) \\log (1 - p)\\big),$$

averaged over the 1,024 pixels of an image and over the batch. The recipe is Adam, batches of 100,
and the book's 3 epochs over the 60,000 training images, validating on the test set after each
epoch.

On a laptop CPU in TypeScript those 3 epochs take a while (see `pretrained/autoencoder/README.md`
for how long they took here), so by default we **load weights trained with exactly that recipe**
(by `scripts/train-pretrained-autoencoder.ts`) and only fine-tune them briefly, so you see the
training loop at work. Set `trainFromScratch = true` to train from random weights instead; the
progress display shows the loss as it falls, and you can interrupt the kernel at any time and keep
the weights of the last finished step. (Re-run the model cell above first to start from scratch
again.)"""),
    code("""import * as fs from "fs";
import { train } from "./lib/train/train";
import { loadWeights } from "./lib/train/weights";
import { projectRoot } from "./lib/settings";

const trainFromScratch = false;
const PRETRAINED = "pretrained/autoencoder";

if (trainFromScratch) {
  await train(ae, trainSet.images, {
    epochs: pick(3, 1), batchSize: 100, validation: testSet.images, title: "Autoencoder from scratch",
  });
} else {
  await loadWeights(ae, PRETRAINED);
  const info = JSON.parse(fs.readFileSync(`${projectRoot()}/${PRETRAINED}/training.json`, "utf8"));
  console.log(`Loaded ${PRETRAINED}: ${info.bestEpoch} epochs, val BCE/pixel ${info.valBcePerPixel.toFixed(4)} (book: 0.2535).`);
  // A short fine-tune with a small learning rate: enough to watch training, not enough to undo it.
  const fineTune = trainSet.images.slice(0, pick(3000, 300));
  try {
    await train(ae, fineTune, {
      epochs: 1, batchSize: 100, learningRate: 1e-4, validation: testSet.images, title: "Fine-tuning the pretrained autoencoder",
    });
  } finally {
    fineTune.dispose();
  }
}"""),
    md("""A validation BCE of about 0.25 per pixel may look large, but BCE is never 0 for grey pixels:
even a perfect prediction $p = x = 0.5$ costs $\\log 2 \\approx 0.69$. What matters is how it
compares: the book reaches 0.2535 after 3 epochs.

## Reconstructions

Let us pass some test images through the whole autoencoder. The top row shows the originals, the
bottom row what the decoder rebuilds from just **two numbers** each; under each reconstruction is its
BCE per pixel (`perImageError` in `lib/eval/reconstruction.ts`)."""),
    code("""import { showImages } from "./lib/plot/image-grid";
import { perImageError, reconstructionError } from "./lib/eval/reconstruction";

function showReconstructions(indices: number[], title: string): void {
  tf.tidy(() => {
    const originals = tf.gather(testSet.images, indices);
    const recon = ae.reconstruct(originals);
    const err = perImageError(originals, recon).dataSync();
    showImages(tf.concat([originals, recon]), {
      cols: indices.length, title,
      labels: [...indices.map((i) => classNames[testSet.labels[i]]), ...Array.from(err, (e) => `BCE ${e.toFixed(3)}`)],
    });
  });
}
showReconstructions([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], "Test images (top) and their reconstructions (bottom)");"""),
    md("""The reconstructions keep the overall shape and brightness — a trouser stays a trouser, a sandal a
sandal — but lose the details: logos, stripes and textures vanish, and edges blur. Two numbers are
simply not enough to store more. Blur is also what BCE rewards when the network is unsure: predicting
a grey 0.5 costs less than betting on the wrong pixel being black or white.

Which test images are hardest? `reconstructionError` runs the whole test set in batches and returns
each image's error, so we can sort by it:"""),
    code("""const recTest = reconstructionError((x) => ae.reconstruct(x), testSet.images);
console.log(`mean BCE per pixel over ${recTest.perImage.length} test images: ${recTest.mean.toFixed(4)}`);
const byError = Array.from(recTest.perImage.keys()).sort((a, b) => recTest.perImage[a] - recTest.perImage[b]);
showReconstructions(byError.slice(0, 8), "Easiest 8 test images");
showReconstructions(byError.slice(-8), "Hardest 8 test images");"""),
    md("""The easiest images are mostly black with a simple outline (sandals, trousers): few pixels to get
wrong. The hardest are bright, patterned or unusual items (printed shirts, bags), which the
autoencoder turns into a generic, blurry top — the average of everything that lands near them.

## The latent space

Now the interesting part: where does the encoder put each image? `embed` (in `lib/latent/embed.ts`)
encodes the test images in batches into an `[n, 2]` tensor of latent points. We colour each point by
its class label — the autoencoder never saw the labels, so any grouping by class is something it
found on its own. Hover over a point to see its class and its index in the test set; click legend
entries to hide or show classes."""),
    code("""import { embed, codesToXY, decodeAll } from "./lib/latent/embed";
import { showPlotlyScatter, showScatter } from "./lib/plot/scatter";

const codes = keep("ae-codes", embed(ae.encoder, testSet.images));
const { x: zx, y: zy } = codesToXY(codes);
const testLabels = Array.from(testSet.labels);
const scatterData = { x: zx, y: zy, label: testLabels, classNames: classNames };
showPlotlyScatter(scatterData, { title: `Latent space of ${codes.shape[0]} test images`, xLabel: "z[0]", yLabel: "z[1]", r: 2 });"""),
    md("""The same picture as a static SVG (it shows even where scripts do not run, e.g. on GitHub):"""),
    code("""showScatter(scatterData, { title: "Latent space (static)", xLabel: "z[0]", yLabel: "z[1]" });"""),
    md("""Things to notice, which the book also points out:

* **Classes form regions.** Similar clothes get nearby points: trousers in one arm, bags and footwear
  (sandals, sneakers, ankle boots) in others, and the tops (T-shirts, pullovers, coats, shirts)
  overlap heavily because they look alike at 32×32.
* **The space is lopsided and unbounded.** The points fan out from the origin in long arms, the
  arms have very different sizes, and the ranges of `z[0]` and `z[1]` are arbitrary numbers that
  change every time the network is trained. Nothing told the encoder to use a particular region.
* **It is uneven.** Some classes fill a small dense region, others a large sparse one, and there are
  **gaps** between the arms where no image lands.

Each of these becomes a problem once we want to *generate*.

## Generating new images: sampling the latent space

If the decoder turns latent points into images, we can pick **new** points and decode them. The book
does the simplest thing: sample uniformly in the box the test points occupy (`latentRange` and
`sampleUniform` in `lib/latent/explore.ts`). The numbered black dots below are 18 such samples."""),
    code("""import { latentRange, sampleUniform, latentGrid, gridAxes, interpolate, moveAlong, meanCode } from "./lib/latent/explore";

const range = latentRange(codes);
console.log(`latent range: z[0] in [${range.min[0].toFixed(2)}, ${range.max[0].toFixed(2)}], z[1] in [${range.min[1].toFixed(2)}, ${range.max[1].toFixed(2)}]`);
const samples = keep("ae-samples", sampleUniform(range, 18, 7));
const sampleXY = codesToXY(samples);
showScatter(scatterData, {
  title: "18 uniform samples (black) over the test set's latent points", xLabel: "z[0]", yLabel: "z[1]",
  lines: Array.from(sampleXY.x, (sx, i) => ({ x: [sx], y: [sampleXY.y[i]], label: String(i + 1) })),
});"""),
    code("""const sampledImages = keep("ae-sampled-images", decodeAll(ae.decoder, samples));
showImages(sampledImages, { cols: 9, labels: Array.from({ length: 18 }, (_, i) => `sample ${i + 1}`), title: "Decoded samples (numbered as in the scatter)" });"""),
    md("""Some samples look like clothes; many do not. Samples that fall in a **gap** between the arms, or
in the empty corners of the box, decode into blurry mixtures that belong to no class, because the
decoder was never trained to make anything sensible there. And since each class covers a different
area, uniform sampling picks the big sparse classes far more often than the small dense ones.

A regular grid over the whole box (`latentGrid`) shows the decoder's "map" at once: each tile is the
decoding of one grid point, laid out like the scatter plot above (z[0] to the right, z[1] up)."""),
    code("""import { showLatentMosaic } from "./lib/plot/mosaic";

const gridCols = pick(15, 8);
tf.tidy(() => {
  const gridImages = decodeAll(ae.decoder, latentGrid(range, gridCols));
  showLatentMosaic(gridImages, { ...gridAxes(range, gridCols), title: `Decoder output over a ${gridCols}×${gridCols} latent grid`, xLabel: "z[0]", yLabel: "z[1]" });
});"""),
    md("""Compare the mosaic with the scatter plot: where the scatter is dense, tiles look like crisp items
of that class, and between classes one item morphs into another. In the empty corners the decoder
extrapolates, producing smeared shapes.

The interactive explorer below shows the same thing continuously (`lib/plot/explorer.ts`): move the
mouse over the plot and the panel on the right shows the decoding of the latent point under the
pointer; over a test point it shows that test image."""),
    code("""import { latentExplorer } from "./lib/plot/explorer";

const explorerInfo = latentExplorer({
  points: { x: zx, y: zy, labels: testLabels, classNames: classNames }, decode: (z) => ae.decode(z),
  pointImages: testSet.images, gridSize: pick(30, 10), maxPoints: pick(2000, 500),
  title: "Move the mouse: decoded latent points", xLabel: "z[0]", yLabel: "z[1]",
});"""),
    md("""### Is it copying?

A generative model that just reproduces its training images would be useless. For each decoded
sample, `nearestImages` (in `lib/eval/reconstruction.ts`) finds the training image with the smallest
mean squared pixel difference. The top row shows the first samples, the bottom row their nearest
training image."""),
    code("""import { nearestImages } from "./lib/eval/reconstruction";

tf.tidy(() => {
  const shown = sampledImages.slice(0, 9);
  const nn = nearestImages(shown, trainSet.images);
  const nearest = tf.gather(trainSet.images, Array.from(nn.indices));
  showImages(tf.concat([shown, nearest]), {
    cols: 9, title: "Samples (top) and their nearest training image (bottom)",
    labels: [...Array.from({ length: 9 }, (_, i) => `sample ${i + 1}`), ...Array.from(nn.indices, (j) => `train #${j}`)],
  });
  console.log(`mean squared pixel difference to the nearest training image: ${Array.from(nn.distances, (d) => d.toFixed(4)).join(", ")}`);
});"""),
    md("""The samples resemble their nearest training image in outline but are smoother and lack its
details: the decoder has learned a smooth map of "typical" items, not a lookup table. (With two
latent numbers it could not memorise 60,000 images if it tried.)

## Controlling generation

Because nearby points decode to similar images, we can *walk* through latent space.

**Interpolation.** Take the latent points of two test images and decode evenly spaced points on the
straight line between them (`interpolate`). Here we go from the first trouser to the first ankle
boot of the test set."""),
    code("""/** Index of the (skip+1)-th test image of a class. */
function classIndex(name: string, skip = 0): number {
  let seen = 0;
  for (let i = 0; i < testLabels.length; i++) if (classNames[testLabels[i]] === name && seen++ === skip) return i;
  throw new Error(`classIndex: the loaded test images have fewer than ${skip + 1} of class "${name}"`);
}
const fromIdx = classIndex("Trouser"), toIdx = classIndex("Ankle boot");
const steps = 10;
const pathCodes = keep("ae-path", tf.tidy(() => interpolate(codes.slice([fromIdx, 0], [1, -1]), codes.slice([toIdx, 0], [1, -1]), steps)));
tf.tidy(() => {
  const decoded = decodeAll(ae.decoder, pathCodes);
  const ends = tf.gather(testSet.images, [fromIdx, toIdx]);
  showImages(tf.concat([ends.slice(0, 1), decoded, ends.slice(1, 1)]), {
    cols: steps + 2, title: `From test image #${fromIdx} to #${toIdx}: original, ${steps} decoded steps, original`,
    labels: ["original", ...Array.from({ length: steps }, (_, i) => `t=${(i / (steps - 1)).toFixed(2)}`), "original"],
  });
});
const pathXY = codesToXY(pathCodes);
showScatter(scatterData, { title: "The straight path through latent space", xLabel: "z[0]", yLabel: "z[1]", lines: [{ x: pathXY.x, y: pathXY.y, label: "trouser → boot" }] });"""),
    md("""The ends look like the classes they came from, but the middle of the path crosses whatever lies
between them — possibly other classes or a gap — so the sequence can jump through unrelated items or
pass through blurry non-clothes. A plain autoencoder gives no guarantee that the straight line
between two sensible points stays in sensible territory.

**Moving along a direction.** The difference between the mean latent point of two classes is a
direction (`meanCode`, `moveAlong`): adding multiples of "ankle boot minus sneaker" to a sneaker's
point should make it more boot-like. With a 2-D latent space this is crude, but the same idea, with
a richer latent space, is how chapter 3 of the book adds smiles to faces."""),
    code("""const sneaker = classIndex("Sneaker");
const alphas = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5];
tf.tidy(() => {
  const isClass = (name: string) => testLabels.map((l) => classNames[l] === name);
  const direction = tf.sub(meanCode(codes, isClass("Ankle boot")), meanCode(codes, isClass("Sneaker"))) as tf.Tensor1D;
  const moved = moveAlong(codes.slice([sneaker, 0], [1, -1]) as tf.Tensor2D, direction, alphas);
  showImages(decodeAll(ae.decoder, moved), { cols: alphas.length, labels: alphas.map((a) => `+${a} × dir`), title: `Sneaker #${sneaker} moved towards "Ankle boot"` });
});"""),
    md("""## What is wrong with the plain autoencoder

We have seen each weakness in a picture:

1. **Gaps.** The encoder only has to place training images somewhere; the space between them is never
   trained, so decoding a point in a gap (a random sample, or the middle of an interpolation) gives
   an image that is no item of clothing.
2. **No shape, no bounds.** The latent space is asymmetric and its range arbitrary, so there is no
   principled distribution to *sample* from. Uniform sampling in the bounding box over-samples some
   classes and lands in empty space often.
3. **Poor samples.** Together, these make most random samples blurry or meaningless — the
   autoencoder is a good *compressor* but a poor *generator*.

The **variational autoencoder** of the next notebook fixes this by making the encoder output a
*distribution* over latent points and by pulling every one of those distributions towards a standard
normal: the latent space becomes centred, bounded in practice, and continuous, so sampling
$z \\sim \\mathcal{N}(0, I)$ and decoding works.

## Exercises

Each exercise has a stub that calls `todo()`; run its check cell to see "not done yet", then replace
`todo()` with your code and run both cells again. The checks run your function on hidden cases and
tell you what went wrong (including tensors you forgot to free). Solutions are in
`lib/exercises/solutions/autoencoder.ts` — try first!

**Exercise 1 — reconstruction error.** Write `myReconstructionError(original, reconstruction)` that
returns the mean binary cross-entropy per pixel between an image `[h, w, 1]` and its reconstruction,
as a plain number. Clip the reconstruction to $[10^{-7}, 1 - 10^{-7}]$ first (`tf.clipByValue`) so a
pixel predicted as exactly 0 does not give $\\log 0 = -\\infty$, and do the tensor maths inside
`tf.tidy`."""),
    code("""import { check, todo } from "./lib/exercises/autoencoder";

function myReconstructionError(original: tf.Tensor3D, reconstruction: tf.Tensor3D): number {
  return todo(); // your code here
}
check.reconstructionError(myReconstructionError);"""),
    md("""**Exercise 2 — nearest training image.** Write `myNearestImage(query, images)` returning the index
of the image in `images` (`[n, h, w, 1]`) with the smallest mean squared difference to `query`
(`[h, w, 1]`). Hint: broadcasting `query.expandDims(0)` against `images` computes all the differences
at once."""),
    code("""function myNearestImage(query: tf.Tensor3D, images: tf.Tensor4D): number {
  return todo(); // your code here
}
check.nearestImage(myNearestImage);"""),
    md("""**Exercise 3 — interpolation.** Write `myInterpolate(z0, z1, steps)` returning a `[steps, d]` tensor
whose row $i$ is $(1 - t_i)\\,z_0 + t_i\\,z_1$ with $t_i = i / (\\text{steps} - 1)$: the first row is
exactly `z0`, the last exactly `z1`."""),
    code("""function myInterpolate(z0: tf.Tensor1D, z1: tf.Tensor1D, steps: number): tf.Tensor2D {
  return todo(); // your code here
}
check.interpolate(myInterpolate);"""),
    md("""**Exercise 4 (open).** Interpolate between two images of the *same* class (e.g. `classIndex("Bag", 0)`
and `classIndex("Bag", 1)`) and between two of different classes far apart in the scatter. Which
sequences stay realistic all the way? Relate what you see to the gaps in the scatter plot.

**Exercise 5 (open).** Sample 100 points uniformly, decode them, and use `nearestImages` to find each
one's nearest training image. Count how many of the nearest images belong to each class
(`trainSet.labels`). Does uniform sampling produce all ten classes equally often?

## Summary

* An autoencoder compresses each image into a latent point and rebuilds it; trained with BCE it
  learns smooth, blurry reconstructions from just two numbers.
* Its latent space groups similar items without ever seeing a label, and decoding new points can
  produce new items — but the space has gaps, arbitrary bounds and uneven density, so random samples
  are often poor.
* Interpolation and latent directions let us steer generation; the VAE makes this reliable.

Finally, a check that re-running cells does not pile up tensors: run any cell above again and then
this one; the count stays the same."""),
    code("""console.log(`live tensors: ${tf.memory().numTensors}`);"""),
])
