"""Source of notebooks/06-faces-and-latent-arithmetic.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("06-faces-and-latent-arithmetic.ipynb", [
    md(r"""# 6. Faces and latent arithmetic

Chapter 3 of *Generative Deep Learning* ends with a VAE trained on **CelebA**, 200,000 photos of
celebrities' faces, each labelled with 40 attributes (smiling, eyeglasses, blond hair, ...). Two
things make that model fun. Drawing $z \sim \mathcal{N}(0, I)$ and decoding it gives a face nobody
photographed. And because the latent space is continuous, directions in it carry meaning: the
average code of smiling faces minus the average code of non-smiling faces is a "smile vector",
and adding it to a face's code makes that face smile.

CelebA is a 1.4 GB download, so this notebook runs on **synthetic faces** by default: cartoon
faces drawn in TypeScript from a few parameters (face shape, skin tone, hair colour and length,
smile, glasses, eye size, background). Every synthetic face carries *exact* labels, which buys
something CelebA cannot give: we can **measure** whether adding the glasses vector really puts
glasses on a face. If you have CelebA, the same cells run on it (see below)."""),
    code("""import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./lib/engine/backend";
await initBackend();"""),
    md(r"""## The faces

`loadSyntheticFaces({ count, seed })` draws faces as a `[n, 32, 32, 3]` tensor with values in
[0, 1], plus one 0/1 label column per attribute, named like CelebA's (`Smiling`, `Eyeglasses`,
`Blond_Hair`, ...). Face *i* of a seed is always the same face, so results are reproducible. The
pretrained model was trained on seed 1; here we look at seed 3, faces it has never seen.

**With CelebA:** unzip the Kaggle download so that one folder holds `img_align_celeba/` and
`list_attr_celeba.csv`, put it at `datasets/celeba/` (or point `GDL_CELEBA_DIR` at it), and set
`USE_CELEBA = true` (or start Jupyter with `GDL_FACES=celeba`). `loadCelebA` centre-crops the photos
to squares and shrinks them to 32×32; it caches the decoded pixels under `datasets/cache/`, since
decoding JPEGs in pure JavaScript takes a few milliseconds per photo. There is no pretrained CelebA
model, so the model is then trained here; the classifier-based measurements at the end need the
synthetic faces' exact labels and are skipped."""),
    code("""import { isQuick, pick } from "./lib/settings";
import { keep } from "./lib/keep";
import { loadSyntheticFaces } from "./lib/data/synthetic-faces";
import { loadCelebA } from "./lib/data/celeba";
import { showImages } from "./lib/plot/image-grid";

const USE_CELEBA = process.env.GDL_FACES === "celeba";
const TRAIN_FROM_SCRATCH = false;
const faces = keep("faces", USE_CELEBA
  ? await loadCelebA({ limit: pick(20000, 500) })
  : loadSyntheticFaces({ count: pick(5000, 600), seed: 3 }));
console.log(`${isQuick() ? "QUICK" : "full"} mode: ${faces.images.shape[0]} faces from ${faces.source}`);

const short: Record<string, string> = { Smiling: "smile", Eyeglasses: "glasses", Blond_Hair: "blond", Long_Hair: "long hair" };
const tags = (i: number) => Object.keys(short).filter((a) => faces.attributes[a]?.[i] === 1).map((a) => short[a]).join(", ") || "-";
const first = faces.images.slice(0, 16);
showImages(first, { cols: 8, labels: Array.from({ length: 16 }, (_, i) => tags(i)) });
first.dispose();"""),

    md(r"""## The face VAE

The book's face VAE follows the Fashion-MNIST VAE with three changes for richer images:

* every convolution is followed by **batch normalisation** and a **LeakyReLU**, which keeps training
  stable for deeper, wider networks;
* the latent space has **200 dimensions** instead of 2 — faces vary in far more ways than clothes;
* the reconstruction loss is the **mean squared error** over RGB pixels, weighted by
  $\beta = 2000$ against the KL term (the book's choice for faces).

The book uses four blocks of 128 filters on 64×64 photos, 6 million multiply-adds per image per
layer and a GPU. `buildWorkbookFaceVae()` is the same model (`buildFaceVae` with smaller filter
counts: 32, 64, 64, 64) on 32×32 images, so it trains on two CPU cores in tens of minutes."""),
    code("""import { buildWorkbookFaceVae, buildFaceVae } from "./lib/models/face-vae";
const vae = keep("faceVae", buildWorkbookFaceVae());
const o = vae.options;
console.log(`latent ${o.latentDim}-d, filters [${o.filters}], batch norm ${o.batchNorm}, ${o.activation}, loss ${o.loss.beta} x ${o.loss.reconstruction.toUpperCase()} + KL`);
console.log(`parameters: encoder ${vae.encoder.countParams()}, decoder ${vae.decoder.countParams()}`);
const book = buildFaceVae();
console.log(`(the book's filters, 128 x 4, at this image size: ${book.encoder.countParams() + book.decoder.countParams()} parameters)`);
book.dispose();"""),
    md(r"""The shipped weights in `pretrained/face-vae/` were trained by
`scripts/train-pretrained-face-vae.ts` on synthetic faces that never repeat: each pass draws a fresh
chunk of 3000 faces (`pretrained/face-vae/README.md` has the recipe, the losses and the time). Set
`TRAIN_FROM_SCRATCH = true` above to train here instead; interrupt the kernel to stop early, the model
keeps its weights."""),
    code("""import * as fs from "fs";
import { hasWeights, loadWeights } from "./lib/train/weights";
import { train } from "./lib/train/train";
import { projectRoot } from "./lib/settings";

const FACE_VAE_DIR = "pretrained/face-vae/vae";
if (TRAIN_FROM_SCRATCH || USE_CELEBA || !hasWeights(vae, FACE_VAE_DIR)) {
  const trainSet = USE_CELEBA ? faces : loadSyntheticFaces({ count: pick(20000, 500), seed: 1, cache: "none" });
  try {
    const h = await train(vae, trainSet.images, { epochs: pick(5, 1), batchSize: 64, learningRate: 1e-3, title: "face VAE" });
    console.log(h.message);
  } finally {
    if (trainSet !== faces) trainSet.images.dispose();
  }
} else {
  await loadWeights(vae, FACE_VAE_DIR);
  const rec = JSON.parse(fs.readFileSync(`${projectRoot()}/pretrained/face-vae/training.json`, "utf8"));
  const last = rec.chunks[rec.chunks.length - 1];
  console.log(`loaded ${FACE_VAE_DIR}: ${last.imagesSeen} training faces, ${rec.wallMinutes.toFixed(0)} min; ` +
    `validation loss ${last.val_loss.toFixed(1)} (MSE ${last.val_reconstruction.toFixed(4)}, KL ${last.val_kl.toFixed(1)})`);
}"""),

    md(r"""## Reconstructions

Top row: faces the model has never seen; bottom row: what comes back through the encoder's mean
code and the decoder. The mean squared error per pixel tells how close they are on average."""),
    code("""import { perImageError } from "./lib/eval/reconstruction";
const originals = faces.images.slice(0, 10);
const recon = vae.reconstruct(originals);
const both = tf.concat([originals, recon]);
showImages(both, { cols: 10 });
const mse = tf.tidy(() => perImageError(faces.images.slice(0, 200), vae.reconstruct(faces.images.slice(0, 200)), "mse").mean().dataSync()[0]);
console.log(`mean squared error per pixel over 200 faces: ${mse.toFixed(4)} (pixel values 0..1)`);
tf.dispose([originals, recon, both]);"""),
    md(r"""The reconstructions are softer than the originals. That is the VAE's bargain: the KL term
charges for every bit of information the code carries about the face, so fine detail — a crisp
edge, the exact shade of a background — is cheaper to blur than to encode. Raising $\beta$ buys
sharper reconstructions at the price of a latent space that follows the prior less closely."""),

    md(r"""## New faces from $\mathcal{N}(0, I)$

This is the payoff of the KL term. It pulled every face's code distribution towards the standard
normal, so the standard normal is a sensible place to draw codes from: no face in the data has
these codes, yet the decoder turns them into faces."""),
    code("""const zNew = tf.randomNormal([30, vae.options.latentDim], 0, 1, "float32", 2024) as tf.Tensor2D;
const newFaces = vae.decode(zNew);
showImages(newFaces, { cols: 10 });
tf.dispose([zNew, newFaces]);"""),
    md(r"""Most samples are plausible faces; some mix features (half a pair of glasses, a hairline between
two styles). Those come from regions of the latent space that few training faces map to — the
aggregate of the encoder's distributions does not fill $\mathcal{N}(0, I)$ perfectly."""),

    md(r"""## How normal is the latent space?

The book checks the claim directly: encode many faces, sample a code for each ($z = \mu + \sigma\varepsilon$),
and plot the distribution of each latent coordinate against the standard normal density. Here are
the first eight of the 200 dimensions."""),
    code("""import { histogramHtml } from "./lib/plot/line";
import { show } from "./lib/display";
const zSampled = keep("zSampled", vae.sampleZ(faces.images, 5));
const dims = tf.tidy(() => zSampled.slice([0, 0], [-1, 8]).transpose().arraySync()) as number[][];
const grid = Array.from({ length: 81 }, (_, i) => -4 + i * 0.1);
const normal = { x: grid, y: grid.map((x) => Math.exp(-x * x / 2) / Math.sqrt(2 * Math.PI)), label: "N(0, 1)" };
show.html(`<div style="display:flex;flex-wrap:wrap;gap:4px">${dims.map((v, j) =>
  histogramHtml(v, { bins: 30, curves: [normal], title: `z[${j}]`, width: 240, height: 170, xLabel: "" })).join("")}</div>`);
const [meanAbs, meanStd] = tf.tidy(() => {
  const { mean, variance } = tf.moments(zSampled, 0);
  return [tf.abs(mean).mean().dataSync()[0], tf.sqrt(variance).mean().dataSync()[0]];
});
console.log(`over all ${vae.options.latentDim} dimensions: mean |mean| = ${meanAbs.toFixed(3)}, mean std = ${meanStd.toFixed(3)} (a standard normal: 0 and 1)`);"""),
    md(r"""Each coordinate is close to a standard normal. Many of the 200 dimensions are in fact *unused*:
for them the encoder outputs $\mu \approx 0, \sigma \approx 1$ for every face, the KL cost is zero, and
the decoder ignores them. A few dozen dimensions are enough to describe our cartoon faces; the KL
term switched the rest off. (Exercise 3 below measures this.)"""),

    md(r"""## Attribute vectors

Now the arithmetic. Encode labelled faces to their mean codes $\mu(x)$, and for an attribute $a$
take
$$v_a = \operatorname{mean}\{\mu(x) : x \text{ has } a\} - \operatorname{mean}\{\mu(x) : x \text{ lacks } a\}.$$
Everything that differs on average between the two groups *because of* $a$ survives the
subtraction; everything else (hair, background, skin...) is shared by both groups and cancels.
`attributeVectors(codes, labels, names)` in `lib/latent/attributes.ts` computes one per attribute."""),
    code("""import { embed } from "./lib/latent/embed";
import { attributeVectors, attributeStrip, morphStrip } from "./lib/latent/attributes";
import { withAttribute } from "./lib/data/synthetic-faces";

const codes = keep("codes", embed(vae.encoder, faces.images, { output: 0 }));   // z_mean of every face
const ATTRS = ["Smiling", "Eyeglasses", "Blond_Hair"];
const vectors = keep("vectors", attributeVectors(codes, faces.attributes, ATTRS));
for (const a of ATTRS) {
  const n = withAttribute(faces, a).length;
  const norm = tf.tidy(() => vectors[a].norm().dataSync()[0]);
  console.log(`${a.padEnd(11)} ${n} faces with, ${faces.images.shape[0] - n} without; |v| = ${norm.toFixed(2)}`);
}"""),
    md(r"""The face codes have 200 dimensions, so we cannot plot them directly. The explorer below shows
the plane through the mean code spanned by the two directions of largest spread (a PCA of the
codes): hover anywhere to decode that point of the plane, or over a face's dot to see the face.
A slice through two raw coordinates with the other 198 at zero would show much less — no single
coordinate matters much on its own."""),
    code("""import { latentExplorer, pcaPlane } from "./lib/plot/explorer";
import { codesToXY } from "./lib/latent/embed";
const nExplore = Math.min(pick(2000, 300), codes.shape[0]);
const exploreCodes = keep("exploreCodes", codes.slice(0, nExplore) as tf.Tensor2D);
const exploreImages = keep("exploreImages", faces.images.slice(0, nExplore));
const plane = pcaPlane(exploreCodes);
const planeXY = plane.project(exploreCodes);
const planePts = codesToXY(planeXY);
planeXY.dispose();
console.log(`PCA plane: ${(100 * plane.explained![0]).toFixed(1)}% + ${(100 * plane.explained![1]).toFixed(1)}% of the latent variance`);
latentExplorer({ points: { x: planePts.x, y: planePts.y }, decode: (z) => vae.decode(z), lift: plane.lift, pointImages: exploreImages,
  gridSize: pick(24, 8), title: "Face VAE latent space (PCA plane)", xLabel: "PC 1", yLabel: "PC 2" });"""),
    md(r"""To see a vector at work, take faces that *lack* the attribute, add $s \cdot v_a$ to their codes
for increasing strengths $s$, and decode. Each row below is one face; the first column ($s = 0$)
is its plain reconstruction."""),
    code("""const decode = (z: tf.Tensor2D) => vae.decode(z);
const STRENGTHS = [0, 0.5, 1, 1.5, 2, 2.5];
function showEdit(attribute: string, strengths: number[], has: 0 | 1, rows = 4) {
  const idx = withAttribute(faces, attribute, has).slice(0, rows);
  const strip = tf.tidy(() => attributeStrip(decode, tf.gather(codes, idx) as tf.Tensor2D, vectors[attribute], strengths));
  const sign = (s: number) => (s > 0 ? `+${s}` : `${s}`);
  showImages(strip, { cols: strengths.length, title: `${has ? "removing" : "adding"} ${attribute}`,
    labels: Array.from({ length: strip.shape[0] }, (_, i) => `${sign(strengths[i % strengths.length])} v`) });
  strip.dispose();
}
showEdit("Smiling", STRENGTHS, 0);
showEdit("Eyeglasses", STRENGTHS, 0);
showEdit("Blond_Hair", STRENGTHS, 0);"""),
    md(r"""Hair colour is the clearest case: the hair turns gradually blond, and by $s = 1.5$ or so every
face is blond while its skin, background and hairstyle stay put — the vector only moves the code
in the directions where the two groups differ. Strong pushes ($s = 2.5$) leave the region where
training codes lie, and the faces start to look over-done.

Glasses and smiles are harder for this small model. A smile here is a one-pixel-wide red arc; the
frame of the glasses is not much wider. The KL term charges for every detail the code keeps, and
with $\beta = 2000$ and an hour of CPU training the model keeps the big, cheap features (hair,
background) better than the thin ones: its reconstructions show a soft, ghostly version of
glasses and mouths for everyone. The vector can only add what the decoder can draw, so these
strips change less. The measurements below put numbers on this.

Subtracting works the same way: faces that *have* the attribute, moved by negative strengths."""),
    code("""showEdit("Blond_Hair", [0, -0.5, -1, -1.5, -2, -2.5], 1);
showEdit("Eyeglasses", [0, -0.5, -1, -1.5, -2, -2.5], 1);"""),

    md(r"""## Morphing between faces

Walking the straight line between two faces' codes, $z_t = (1-t)\,z_A + t\,z_B$, and decoding each
step morphs one face into the other. In a VAE every point on the way decodes to a face — there are
no holes in the latent space for the path to cross."""),
    code("""const pairsA = [0, 2, 4], pairsB = [1, 3, 5];
const morphs = tf.tidy(() => morphStrip(decode, tf.gather(codes, pairsA) as tf.Tensor2D, tf.gather(codes, pairsB) as tf.Tensor2D, 8));
showImages(morphs, { cols: 8 });
morphs.dispose();"""),
    md(r"""Features change smoothly rather than all at once: hair length and colour blend, a smile
fades in, glasses become ghostly before they vanish. (A ghostly pair of glasses is not a picture
any real face could produce — the straight line can pass through "averages" of two faces.)"""),

    md(r"""## Measuring: how often does the vector add the attribute?

With CelebA, "the smile vector works" is a judgement by eye. With synthetic faces we can count.
A small classifier (three convolutions, one sigmoid output per attribute) was trained on labelled
synthetic faces and on blurred copies of them, because VAE outputs are blurrier than the drawings;
`lib/eval/attributes.ts` has it, `pretrained/face-vae/attribute-classifier/` its weights. First its
accuracy on the model's *reconstructions* (judged against the original faces' labels), so we know
how far to trust it; then, for faces that lack an attribute, the fraction the classifier calls
"has it" after adding $s \cdot v$ — at $s = 0$ that is the control. The last column checks the
side effects: of all the *other* attributes, the fraction of decisions that did not change."""),
    code("""import { loadAttributeClassifier, classifierAccuracy, measureAttributeEdit, CLASSIFIER_DIR } from "./lib/eval/attributes";
if (USE_CELEBA) {
  console.log("Skipped: the attribute classifier knows the synthetic faces only.");
} else {
  const clf = keep("attrClassifier", await loadAttributeClassifier(CLASSIFIER_DIR));
  const nEval = pick(1000, 200);
  const rec = tf.tidy(() => vae.reconstruct(faces.images.slice(0, nEval)));
  const labelsEval = Object.fromEntries(Object.entries(faces.attributes).map(([k, v]) => [k, v.slice(0, nEval)]));
  const acc = classifierAccuracy(clf, { images: rec, attributes: labelsEval });
  rec.dispose();
  const pct = (v: number) => `${(100 * v).toFixed(0)}%`;
  show.markdown("Classifier accuracy on reconstructions: " + ATTRS.map((a) => `${a} ${pct(acc[a])}`).join(", "));

  const rows = ["| attribute | edit | faces | has it at s = 0 | s = 1 | s = 2 | other attributes unchanged (s = 1) |", "|---|---|---|---|---|---|---|"];
  for (const a of ATTRS) {
    for (const has of [0, 1] as const) {
      const idx = withAttribute(faces, a, has).slice(0, pick(400, 60));
      const z = tf.gather(codes, idx) as tf.Tensor2D;
      const sign = has ? -1 : 1;
      const r = measureAttributeEdit(decode, clf, z, vectors[a], a, [0, sign, 2 * sign]);
      z.dispose();
      rows.push(`| ${a} | ${has ? "subtract" : "add"} | ${idx.length} | ${pct(r[0].present)} | ${pct(r[1].present)} | ${pct(r[2].present)} | ${pct(r[1].othersUnchanged)} |`);
    }
  }
  show.markdown(rows.join("\\n"));
}"""),
    md(r"""Read the "add" rows as flip rates: the share of faces without the attribute that have it after
the edit; the $s = 0$ column is the control (plain reconstructions), which should be near 0%.
The "subtract" rows count the other way round — the share that *still* has the attribute, so
lower is better, and the control should be near 100%. A control far from those values means the
classifier cannot read that attribute off this model's reconstructions (the accuracy line above
says the same), and the row tells more about the model's blur than about the vector.

With the shipped model, hair colour edits work almost perfectly: about three quarters of the
faces turn blond at $s = 1$ and all at $s = 2$, and removing blond works for all of them. Glasses
need a stronger push — roughly 40% of faces get them at $s = 1$, nearly all at $s = 2$ — and the
smile is not encoded well enough to be moved at all (the classifier reads the blurred mouths of
the reconstructions as smiles or not at chance level) — an honest picture of what 80 minutes of
CPU training on a 380k-parameter model buys. (The README of
`pretrained/face-vae/` has the exact numbers; train longer, or raise $\beta$, and rerun.) The
side-effect column shows a second lesson: blond hair is not perfectly independent of the other
attributes *in the model*, because lightening the hair also changes the classifier's reading of
the other hair colours — they are mutually exclusive labels. On CelebA, correlations run deeper —
blond hair correlates with being female, glasses with age — and the vectors inherit them."""),

    md(r"""## Exercises

Each exercise has a stub that returns `todo()`: the check then reports "not done yet" and the
notebook keeps running. Replace `todo()` with your code and re-run the cell. Solutions are in
`lib/exercises/solutions/faces.ts`.

**Exercise 1.** Write the attribute vector: the mean of the codes whose label is 1 minus the mean of
those whose label is 0."""),
    code("""import { check, todo } from "./lib/exercises/faces";
function attributeVector(codes: tf.Tensor2D, labels: number[]): tf.Tensor1D {
  // indices with label 1 and with label 0 -> tf.gather -> .mean(0) -> subtract. Use tf.tidy.
  return todo();
}
check.attributeVector(attributeVector);"""),
    md(r"""**Exercise 2.** Given the classifier's probabilities for some faces before and after an edit,
return the **flip rate**: among the faces that lacked the attribute before (probability ≤ 0.5), the
fraction that have it after (probability > 0.5)."""),
    code("""function flipRate(before: ArrayLike<number>, after: ArrayLike<number>): number {
  return todo();
}
check.flipRate(flipRate);"""),
    md(r"""**Exercise 3.** Which latent dimensions does the model use? For a batch of faces the encoder gives
$\mu$ and $\log\sigma^2$, `[n, d]` each. Return the KL divergence from $\mathcal{N}(0, 1)$ *per
dimension*, averaged over the faces: $-\tfrac12(1 + \log\sigma^2 - \mu^2 - \sigma^2)$, then the mean
over axis 0. Dimensions with a KL near 0 carry no information. Once your check passes, run the cell
after it."""),
    code("""function klPerDimension(zMean: tf.Tensor2D, zLogVar: tf.Tensor2D): number[] {
  return todo();
}
check.klPerDimension(klPerDimension);"""),
    code("""try {
  const kl = tf.tidy(() => { const { zMean, zLogVar } = vae.encode(faces.images.slice(0, 500)); return klPerDimension(zMean, zLogVar); });
  const used = kl.filter((v) => v > 0.1).length;
  console.log(`${used} of ${kl.length} dimensions carry more than 0.1 nats; the largest: ${[...kl].sort((a, b) => b - a).slice(0, 5).map((v) => v.toFixed(2)).join(", ")}`);
} catch (e) {
  console.log(`(finish exercise 3 first: ${(e as Error).message})`);
}"""),

    md(r"""## Summary

* A VAE for faces is the Fashion-MNIST VAE with batch norm, LeakyReLU, a bigger latent space and
  an MSE reconstruction term.
* Sampling $z \sim \mathcal{N}(0, I)$ gives new faces because the KL term made the codes look
  standard normal — which the histograms confirm, dimension by dimension.
* Attribute vectors (mean code with minus mean code without) add or remove a feature with a
  chosen strength; morphing walks straight lines between codes.
* With exact labels, the edits can be measured rather than eyeballed.

Every tensor this notebook keeps is stored with `keep()`, so re-running any cell frees what its
previous run made; the count below stays the same when you re-run cells."""),
    code("""console.log(`live tensors: ${tf.memory().numTensors}`);"""),
])
