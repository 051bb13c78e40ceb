"""Source of notebooks/02-maximum-likelihood.ipynb (run with /usr/bin/python3 to regenerate)."""
import sys, os
sys.path.insert(0, os.path.dirname(__file__))
from nbtools import md, code, write

write("02-maximum-likelihood.ipynb", [
    md(r"""# 2. Probability and maximum likelihood

Notebook 1 fitted models "by maximum likelihood" without saying what that means. This notebook builds
the vocabulary of chapter 1 of *Generative Deep Learning* — **sample space**, **density function**,
**parametric modeling**, **likelihood** and **maximum likelihood estimation** — on three small models
whose answers we can check by hand:

1. the book's **world map**: points from an unknown region, modelled by a box;
2. a **Gaussian**, fitted by a closed formula *and* by gradient ascent with tfjs;
3. a **categorical** distribution fitted by counting, and what goes wrong when a category is never seen."""),
    code(r"""import { initBackend } from "./lib/engine/backend";
import { pick } from "./lib/settings";
import { loadFashionMnist } from "./lib/data/fashion-mnist";
import { showScatter } from "./lib/plot/scatter";
import { showLineChart, showHistogram, showBarChart } from "./lib/plot/line";
import * as P from "./lib/probability/index";
const backend = await initBackend();"""),
    md(r"""## The sample space and $p_{\text{data}}$

Imagine a map of an imaginary world, 100 units wide and 60 high. The **sample space** is the set of
all values an observation can take — here every point $(x, y)$ on the map. Somewhere there is a rule,
$p_{\text{data}}$, that produced our observations: each point is a spot chosen at random *on land*. We
do not know where the land is; we only see the points."""),
    code(r"""const X = P.sampleWorld(pick(60, 40), new P.Rng(1));
const mapView = { xDomain: [0, 100] as [number, number], yDomain: [0, 60] as [number, number], xLabel: "x", yLabel: "y", width: 600, height: 380 };
showScatter({ x: X.map((p) => p[0]), y: X.map((p) => p[1]) }, { title: `${X.length} observed points`, ...mapView });"""),
    md(r"""A generative model $p_{\text{model}}$ should imitate $p_{\text{data}}$: sampling from it should give
points that look as if they came from the same rule.

## Density functions and parametric models

A **probability density function** $p(x)$ maps each point of the sample space to a number $\ge 0$, and
integrates to 1 over the whole space. A region with high density is where samples are likely to fall.

There are infinitely many densities; a **parametric model** is a family of them, $p_\theta(x)$, picked
out by a finite set of parameters $\theta$. Our family: *uniform over a box*. The parameters are the
box's edges $\theta = (x_0, x_1, y_0, y_1)$, and the density is $1 / \text{area}$ inside the box, 0 outside
— it integrates to area × 1/area = 1."""),
    code(r"""const whole: P.Box = { x0: 0, x1: 100, y0: 0, y1: 60 };
const tooSmall: P.Box = { x0: 20, x1: 70, y0: 10, y1: 45 };
console.log(`density of the whole-map box at (50, 30): ${P.boxDensity([50, 30], whole)} = 1/${100 * 60}`);
console.log(`density of the small box at (90, 40): ${P.boxDensity([90, 40], tooSmall)} (outside it)`);
showScatter({ x: X.map((p) => p[0]), y: X.map((p) => p[1]) },
  { title: "Two members of the box family", ...mapView, boxes: [{ ...whole, label: "whole map" }, { ...tooSmall, label: "small box" }] });"""),
    md(r"""## Likelihood

The **likelihood** of parameters $\theta$ given the data $\mathbf{X}$ measures how plausible $\theta$ is
in light of the observed points: the density of all of them, which for independent points is the
product
$$\mathcal{L}(\theta \mid \mathbf{X}) = \prod_{x \in \mathbf{X}} p_\theta(x).$$
A product of many numbers below 1 quickly underflows, so we work with the **log-likelihood**
$\ell(\theta \mid \mathbf{X}) = \sum_{x} \log p_\theta(x)$. For a box holding all $n$ points it is
$-n \log(\text{area})$. If even one point is outside, that point has density 0, the product is 0, and the
log-likelihood is $\log 0 = -\infty$: the box *cannot* have produced the data. (The library returns
`-Infinity` in that case — never `NaN` — and can say which points are to blame.)"""),
    code(r"""for (const [name, box] of [["whole map", whole], ["small box", tooSmall]] as const) {
  const r = P.boxLikelihoodReport(X, box);
  console.log(`${name}: log-likelihood ${r.logLikelihood.toFixed(2)}\n  ${r.explanation}`);
}"""),
    md(r"""## Maximum likelihood estimation

**Maximum likelihood estimation** picks the parameters that make the data most likely:
$$\hat\theta = \arg\max_\theta \ \ell(\theta \mid \mathbf{X}).$$
For boxes the answer can be seen without calculus. Any box that misses a point scores $-\infty$. Among
boxes that hold every point, $-n \log(\text{area})$ grows as the area shrinks. So the MLE is the
**smallest box containing all the points** — their bounding box. Watch the log-likelihood as the right
edge $x_1$ moves in from 100: it rises steadily, then drops to $-\infty$ (the gap) once the box cuts off
the rightmost point."""),
    code(r"""const mle = P.fitBox(X);
console.log(`MLE box: x ∈ [${mle.x0.toFixed(2)}, ${mle.x1.toFixed(2)}], y ∈ [${mle.y0.toFixed(2)}, ${mle.y1.toFixed(2)}]; log-likelihood ${P.boxLogLikelihood(X, mle).toFixed(2)}`);
const edges = Array.from({ length: 80 }, (_, i) => 100 - (i * (100 - mle.x1 + 6)) / 79);
const ll = edges.map((x1) => P.boxLogLikelihood(X, { ...mle, x1 }));
const rightmost = Math.max(...X.map((p) => p[0]));
showLineChart([{ x: edges, y: ll.map((v) => (Number.isFinite(v) ? v : NaN)), label: "log-likelihood" }],
  { title: "Moving the right edge of the box", xLabel: "x1 (right edge)", yLabel: "log-likelihood (blank = -Infinity)",
    xRules: [{ x: rightmost, label: "-Infinity here: the box cuts off the rightmost point" }] });"""),
    md(r"""Now use the fitted model as a generative model: sample new points uniformly from the MLE box and
draw them over the data. And, for once, reveal $p_{\text{data}}$: the grey background is the land the
real rule samples from."""),
    code(r"""const generated = P.sampleBox(mle, 200, new P.Rng(2));
const both = [...generated, ...X];
showScatter({ x: both.map((p) => p[0]), y: both.map((p) => p[1]),
  label: [...generated.map(() => "sampled from the MLE box"), ...X.map(() => "observed")] },
  { title: "Samples from the MLE box against the true p_data", ...mapView, boxes: [{ ...mle, label: "MLE box" }],
    background: { fn: (x, y) => (P.onLand([x, y]) ? 0.6 : 0), label: "land, where p_data > 0 (hidden until now)", resolution: 200 } });
const wet = generated.filter((p) => !P.onLand(p)).length;
console.log(`${wet} of ${generated.length} generated points (${(100 * wet / generated.length).toFixed(0)}%) are in the sea, where p_data = 0`);"""),
    md(r"""The box is the best *box*, but many of its samples land in the sea: the model family cannot express
the shape of the land. That is the recurring theme of the book — a generative model is only as good as
the family of densities it can represent, and deep learning supplies far more flexible families.

## A Gaussian, two ways

The Gaussian (normal) family has parameters $\mu$ (mean) and $\sigma^2$ (variance):
$\log p(x) = -\tfrac{(x-\mu)^2}{2\sigma^2} - \log \sigma - \tfrac12 \log 2\pi$. Setting the derivatives of the
log-likelihood to zero gives the closed-form MLE: $\hat\mu$ is the sample mean and $\hat\sigma^2$ the
average squared deviation — dividing by $n$, not the $n - 1$ of the unbiased estimator.

Here are a few hundred daily temperatures; the closed form fits them instantly."""),
    code(r"""const temps = P.sampleGaussian1D({ mean: 12, std: 5 }, pick(500, 200), new P.Rng(4));
const closed = P.fitGaussian1D(temps);
console.log(`closed form: mean ${closed.mean.toFixed(4)}, variance ${closed.variance.toFixed(4)}`);"""),
    md(r"""Most models have no closed form, so deep learning maximises the log-likelihood numerically:
**gradient ascent**. tfjs computes the gradient of the mean log-likelihood with respect to the
parameters; each step moves the parameters a little uphill. (`fitGaussianGradientAscent` uses Adam
steps and parameterises $\sigma$ through $\log \sigma$, so the variance stays positive.) Both routes must
land on the same answer:"""),
    code(r"""const ascent = P.fitGaussianGradientAscent(temps, { steps: 1000 });
const gap = Math.max(Math.abs(ascent.mean[0] - closed.mean), Math.abs(ascent.cov[0][0] - closed.variance));
console.log(`gradient ascent: mean ${ascent.mean[0].toFixed(4)}, variance ${ascent.cov[0][0].toFixed(4)}; largest difference ${gap.toExponential(2)} (< 1e-3: ${gap < 1e-3})`);
showLineChart([
  { x: ascent.history.map((h) => h.step), y: ascent.history.map((h) => h.meanLogLik), label: "gradient ascent" },
  { x: [0, 1000], y: [1, 1].map(() => P.gaussianLogLikelihood1D(temps, closed) / temps.length), label: "closed-form MLE" },
], { title: "Mean log-likelihood during gradient ascent", xLabel: "step", yLabel: "mean log-likelihood", yDomain: [-6, -2.5] });"""),
    code(r"""const grid = Array.from({ length: 100 }, (_, i) => -5 + i * 0.3);
showHistogram(temps, { title: "Temperatures and the fitted Gaussian", xLabel: "temperature",
  curves: [{ x: grid, y: grid.map((t) => Math.exp(P.gaussianLogPdf(t, closed.mean, closed.std))), label: "MLE Gaussian" }] });"""),
    md(r"""The same in 2-D, on the shoe measurements of notebook 1. The parameters are now a mean vector and
a 2×2 covariance matrix (gradient ascent works on its Cholesky factor). The curves are the
2-standard-deviation ellipses of the two fits (solid: closed form, dashed: gradient ascent) — they coincide."""),
    code(r"""const shoes = P.shoeMeasurements(pick(300, 200), new P.Rng(7));
const closed2 = P.fitGaussian(shoes.points);
const ascent2 = P.fitGaussianGradientAscent(shoes.points, { steps: 1000 });
const gap2 = Math.max(...closed2.mean.map((m, i) => Math.abs(m - ascent2.mean[i])), ...closed2.cov.flat().map((c, i) => Math.abs(c - ascent2.cov.flat()[i])));
console.log(`2-D: largest parameter difference ${gap2.toExponential(2)} (< 1e-3: ${gap2 < 1e-3})`);
showScatter({ x: shoes.points.map((p) => p[0]), y: shoes.points.map((p) => p[1]) }, {
  title: "2-D Gaussian: closed form and gradient ascent", xLabel: "height (cm)", yLabel: "weight (kg)",
  lines: [{ ...P.gaussianEllipse(closed2), label: "closed form", dots: false },
          { ...P.gaussianEllipse(ascent2), label: "gradient ascent", stroke: "#e8590c", dashed: true, dots: false }] });"""),
    md(r"""## A categorical model: counting, and the zero-probability problem

For discrete observations — one of $K$ categories — the model is a **categorical** distribution with one
probability per category, $\theta = (p_1, \dots, p_K)$. Its MLE is counting: $\hat p_k = n_k / N$.

Take the labels of just 12 Fashion-MNIST images and fit it. (The full data set is balanced: the true
probability of every class is 0.1.)"""),
    code(r"""const few = await loadFashionMnist({ split: "train", limit: 12, pad: false });
few.images.dispose(); // only the labels are needed
const names = [...few.classNames];
const counts = P.countCategories(Array.from(few.labels), 10);
const pMle = P.fitCategorical(counts);
console.log(names.map((n, k) => `${n}: ${counts[k]}`).join(", "));"""),
    md(r"""Classes that did not occur among the 12 get probability **exactly zero**. The model now claims
such garments are impossible, so a single one in new data makes the whole data set impossible:
log-likelihood $-\infty$. This is the maximum-likelihood version of over-fitting.

**Additive (Laplace) smoothing** pretends every category was seen $\alpha$ extra times:
$\hat p_k = (n_k + \alpha) / (N + \alpha K)$. No category is impossible any more, and as $N$ grows the
counts dominate $\alpha$."""),
    code(r"""const pSmooth = P.fitCategorical(counts, 1);
showBarChart(names, [
  { label: "MLE (counting)", values: pMle }, { label: "smoothed, α = 1", values: pSmooth }, { label: "truth", values: names.map(() => 0.1) },
], { title: "Class probabilities from 12 observations" });
const test = await loadFashionMnist({ split: "test", limit: 200, pad: false });
test.images.dispose();
const testLabels = Array.from(test.labels);
console.log(`test log-likelihood, MLE:      ${P.categoricalLogLikelihood(testLabels, pMle)}`);
console.log(`test log-likelihood, smoothed: ${P.categoricalLogLikelihood(testLabels, pSmooth).toFixed(1)}`);"""),
    md(r"""How much smoothing? Too little and rare categories are nearly impossible; too much and the data
are ignored. Sweeping $\alpha$ and scoring held-out data is the simplest way to choose:"""),
    code(r"""const alphas = Array.from({ length: 40 }, (_, i) => 0.05 * 1.2 ** i);
showLineChart([{ x: alphas.map(Math.log10), y: alphas.map((a) => P.categoricalLogLikelihood(testLabels, P.fitCategorical(counts, a))), label: "test log-likelihood" }],
  { title: "Choosing the smoothing strength", xLabel: "log10 α", yLabel: "test log-likelihood" });"""),
    md(r"""## Summary

* The **sample space** holds every possible observation; the unknown $p_{\text{data}}$ produced ours.
* A **parametric model** $p_\theta$ is a family of densities; the **likelihood** scores parameters by how
  probable they make the data, and the **MLE** picks the best.
* Closed forms exist for simple families (box, Gaussian, categorical); otherwise, **gradient ascent** on
  the log-likelihood — exactly what training a deep generative model does.
* A zero probability turns the log-likelihood into $-\infty$; smoothing (and, later, flexible models
  with noise) avoids it.

## Exercises

Complete each stub (replace `todo()`), run it, then run the check below it."""),
    code(r"""import { check, todo } from "./lib/exercises/chapter1";"""),
    md(r"""**Exercise 2.1 — the MLE box.** Return the maximum-likelihood box for a list of points."""),
    code(r"""function mleBox(points: [number, number][]): P.Box {
  // Your code here: return { x0, x1, y0, y1 }.
  return todo();
}"""),
    code(r"""check.mleBox(mleBox);"""),
    md(r"""**Exercise 2.2 — box log-likelihood.** Return the log-likelihood of the points under the uniform
box: $-n \log(\text{area})$, or `-Infinity` if any point is outside."""),
    code(r"""function boxLogLikelihood(points: [number, number][], box: P.Box): number {
  // Your code here.
  return todo();
}"""),
    code(r"""check.boxLogLikelihood(boxLogLikelihood);"""),
    md(r"""**Exercise 2.3 — the Gaussian MLE.** Return the maximum-likelihood mean and variance of 1-D data."""),
    code(r"""function gaussianMle(xs: number[]): { mean: number; variance: number } {
  // Your code here.
  return todo();
}"""),
    code(r"""check.gaussianMle(gaussianMle);"""),
    md(r"""**Exercise 2.4 — additive smoothing.** Return the smoothed categorical probabilities for `counts`
with pseudo-count `alpha` (`alpha = 0` is the MLE)."""),
    code(r"""function smoothedCategorical(counts: number[], alpha: number): number[] {
  // Your code here.
  return todo();
}"""),
    code(r"""check.smoothedCategorical(smoothedCategorical);"""),
    md(r"""**Exercise 2.5 (open).** Make the world-map family richer: the union of *two* boxes (uniform
over both). What is the likelihood of two boxes that overlap? Try to find a good pair for `X` by hand
and compare its log-likelihood with the single MLE box's, then sample from it."""),
])
