"""Source of notebooks/07-latent-explorer.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("07-latent-explorer.ipynb", [
    md("""# 7. Exploring a latent space by hand

A scatter plot of the latent space shows *where* the encoder puts each image, and a grid of decoded
images shows *what* the decoder makes of each place. The **latent explorer** joins the two: move
the mouse over the scatter plot and the image decoded at that exact spot appears beside it.

* Hover a **point**: you see that test image (its label and index are in the tooltip).
* Hover **empty space**: you see what the decoder draws there — the gaps between the clusters are
  where an autoencoder generates its strangest images (chapter 3 of the book explains why).
* Click a **legend** entry to hide a class; double-click to show only that class.

The explorer keeps working after the kernel is gone: in the exported HTML, in a saved notebook
reopened later, offline. For that everything the browser needs is computed *now*, in the kernel, and
stored in the output: the decoded images of a fine grid covering the plot, packed into one PNG
"sprite sheet"; each point's own image, packed the same way; and the Plotly library itself (only in
the first interactive plot of the notebook). When you hover empty space the browser looks up the
nearest grid cell — so what you see is the decoding of the *cell centre* shown under the image.

> **Trust.** Jupyter runs the scripts of a saved notebook's outputs only if the notebook is *trusted*
> (you ran it yourself, or *File › Trust Notebook*). Untrusted, the output shows the static grid of
> decoded images instead, with a note."""),
    code("""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
await initBackend();"""),
    md("""## A model to explore

We reuse the chapter-3 autoencoder with its 2-D latent space. If the shipped pretrained weights are in
`pretrained/autoencoder` we load them; otherwise we train a small version for a moment (a blurry
but honest latent space — enough to explore)."""),
    code("""import { loadFashionMnist } from "./lib/data/fashion-mnist";
import { buildAutoencoder } from "./lib/models/autoencoder";
import { hasWeights, loadWeights } from "./lib/train/weights";
import { keep } from "./lib/keep";
import { pick } from "./lib/settings";

const testSet = keep("ex-test", await loadFashionMnist({ split: "test", limit: pick(2000, 500) }));
const ae = keep("ex-ae", buildAutoencoder());
if (hasWeights(ae, "pretrained/autoencoder")) {
  await loadWeights(ae, "pretrained/autoencoder");
  console.log("loaded the pretrained autoencoder");
} else {
  const { train } = await import("./lib/train/train"); // the training code loads only when needed
  const trainSet = await loadFashionMnist({ split: "train", limit: pick(6000, 300) });
  await train(ae, trainSet.images, { epochs: pick(3, 1), batchSize: 100, seed: 42, title: "quick autoencoder" });
  trainSet.images.dispose();
}"""),
    md("""## The explorer

`embed` runs the encoder over the test images; `latentExplorer` takes plain data — the 2-D points
with their labels, a `decode` function from latent points to images, and (optionally) each point's own
image — so the same call works for any model. It returns the sizes it added to the notebook."""),
    code("""import { embed, codesToXY } from "./lib/latent/embed";
import { latentExplorer } from "./lib/plot/explorer";

const codes = keep("ex-codes", embed(ae.encoder, testSet.images));
const { x: zx, y: zy } = codesToXY(codes);
const info = latentExplorer({
  points: { x: zx, y: zy, labels: testSet.labels, classNames: testSet.classNames },
  decode: (z) => ae.decode(z),
  pointImages: testSet.images,
  title: `Autoencoder latent space (${codes.shape[0]} test images)`,
});
const mb = (b: number) => (b / 1e6).toFixed(2) + " MB";
console.log(`added ${mb(info.htmlBytes)}: Plotly ${mb(info.bundleBytes)}, ${info.gridSize}×${info.gridSize} grid ${mb(info.gridSpriteBytes)}, ${info.points} point images ${mb(info.pointSpriteBytes)}`);"""),
    md("""Things to try:

1. Hover along a straight line from the *Trouser* cluster to the *Ankle boot* cluster. Where does the
   image stop looking like either?
2. Find a region far from every point. Is what the decoder draws there a piece of clothing?
3. Hide every class except *Sandal* and *Sneaker*. Do they overlap? What does the boundary between
   them decode to?

## How it works, and what it costs

* `decode` runs once per cell of a `gridSize × gridSize` grid over the plotted range (default: as fine
  as a ~1.2 MB pixel budget allows — about 34×34 for 32×32 images). The images are packed into one
  PNG (`lib/plot/sprite.ts`); cell *(i, j)* sits at column *i* (left to right) and row *j* (top =
  highest z[1]), so the sheet *is* the familiar picture of the latent space: it is also what an
  untrusted notebook shows.
* Up to `maxPoints` points (default 2000, an evenly spaced subsample beyond that) keep their own
  image in a second sprite sheet.
* The Plotly library (4.8 MB of JavaScript) travels gzip-compressed, about 2 MB, once per notebook
  (`lib/plot/plotly.ts`); later interactive plots wait until it is loaded. If you clear the output that
  carried it, call `resetPlotlyBundle()` and re-run the cell, or the *saved* notebook will lack it.

## Latent spaces with more than two dimensions

A VAE for faces has a latent space of hundreds of dimensions. The explorer then works on a **plane**
through it: give it the points' 2-D coordinates on the plane, and `lift`, which maps plane
coordinates back to a full latent vector for decoding. `pcaPlane(z)` builds the plane through the
mean of `z` along its two directions of largest spread (principal components) — usually the most
varied view; `slicePlane(latentDim, [i, j])` moves just two coordinates and keeps the others at 0
(the prior's mean). For faces use `pcaPlane`:

```ts
import { latentExplorer, pcaPlane } from "./lib/plot/explorer";
const plane = pcaPlane(zMean);                 // zMean: encoder means of some faces [n, latentDim]
const p = plane.project(zMean);                // [n, 2] plane coordinates
const { x, y } = codesToXY(p); p.dispose();
latentExplorer({ points: { x: x, y: y }, decode: (z) => vae.decode(z), lift: plane.lift, pointImages: faces });
```"""),
])
