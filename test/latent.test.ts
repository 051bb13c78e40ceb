import { describe, it, expect, beforeAll } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { embed, decodeAll, codesToXY } from "../lib/latent/embed";
import { checkShape } from "../lib/checks";
import { latentRange, sampleUniform, latentGrid, gridAxes, interpolate, moveAlong, directionBetween, meanCode } from "../lib/latent/explore";

beforeAll(async () => { await tf.setBackend("cpu"); });

/** Run f, dispose its result, and return how many tensors it leaked. */
function leaks(f: () => tf.Tensor | tf.Tensor[] | unknown): number {
  const before = tf.memory().numTensors;
  const out = f();
  if (out instanceof tf.Tensor) out.dispose();
  else if (Array.isArray(out)) tf.dispose(out.filter((t) => t instanceof tf.Tensor) as tf.Tensor[]);
  return tf.memory().numTensors - before;
}

// A tiny "encoder": the mean of the left and right image halves as a 2-D code.
const fnEncoder = (x: tf.Tensor4D) => tf.tidy(() => {
  const [, , w] = x.shape;
  const left = x.slice([0, 0, 0, 0], [-1, -1, w / 2, -1]).mean([1, 2, 3]);
  const right = x.slice([0, 0, w / 2, 0], [-1, -1, w / 2, -1]).mean([1, 2, 3]);
  return tf.stack([left, right], 1);
});

describe("embed", () => {
  it("batches give the same codes as one pass, in order, with limit", () => {
    const images = tf.randomUniform([13, 4, 4, 1], 0, 1, "float32", 1) as tf.Tensor4D;
    const whole = fnEncoder(images);
    const z = embed(fnEncoder, images, { batchSize: 5 });
    expect(z.shape).toEqual([13, 2]);
    expect(Array.from(z.dataSync())).toEqual(Array.from(whole.dataSync()));
    const z7 = embed(fnEncoder, images, { batchSize: 3, limit: 7 });
    expect(z7.shape).toEqual([7, 2]);
    expect(Array.from(z7.dataSync())).toEqual(Array.from(whole.dataSync()).slice(0, 14));
    tf.dispose([images, whole, z, z7]);
  });

  it("works with a Keras model, picks an output of a multi-head model, leaks nothing", () => {
    const input = tf.input({ shape: [4, 4, 1] });
    const flat = tf.layers.flatten().apply(input) as tf.SymbolicTensor;
    const a = tf.layers.dense({ units: 2, name: "a" }).apply(flat) as tf.SymbolicTensor;
    const b = tf.layers.dense({ units: 3, name: "b" }).apply(flat) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: [a, b] });
    const images = tf.randomUniform([10, 4, 4, 1]) as tf.Tensor4D;
    expect(leaks(() => embed(model, images, { batchSize: 4 }))).toBe(0);
    const zb = embed(model, images, { batchSize: 4, output: 1 });
    expect(zb.shape).toEqual([10, 3]);
    const direct = (model.predict(images) as tf.Tensor[])[1];
    expect(Math.max(...Array.from(tf.sub(zb, direct).abs().dataSync()))).toBeLessThan(1e-5);
    expect(() => embed(model, images, { output: 2 })).toThrow(/output 2 .* 2 outputs/);
    tf.dispose([images, zb, direct]);
    model.dispose();
  });

  it("rejects non-image input with expected vs actual shape, without leaking", () => {
    const flat = tf.zeros([5, 16]);
    const before = tf.memory().numTensors;
    expect(() => embed(fnEncoder, flat as unknown as tf.Tensor4D)).toThrow(/expected shape \[any, any, any, any\], got \[5, 16\]/);
    const bad = (x: tf.Tensor4D) => x.mean([1, 2, 3]); // returns [n], not [n, d]
    const img = tf.zeros([3, 2, 2, 1]) as tf.Tensor4D;
    expect(() => embed(bad, img, { batchSize: 2 })).toThrow(/shape \[2, latentDim\].*got \[2\]/);
    img.dispose();
    expect(tf.memory().numTensors).toBe(before);
    flat.dispose();
  });
});

describe("decodeAll", () => {
  it("decodes in batches, accepts plain arrays, and checks the code size of a model", () => {
    const dec = (z: tf.Tensor2D) => tf.tidy(() => z.sum(1).reshape([-1, 1, 1, 1]).tile([1, 2, 2, 1]));
    const imgs = decodeAll(dec, [[1, 2], [3, 4], [5, 6]], { batchSize: 2 });
    expect(imgs.shape).toEqual([3, 2, 2, 1]);
    expect(Array.from(imgs.dataSync()).filter((_, i) => i % 4 === 0)).toEqual([3, 7, 11]);
    imgs.dispose();
    expect(leaks(() => decodeAll(dec, [[1, 2], [3, 4], [5, 6]], { batchSize: 2 }))).toBe(0);
    const m = tf.sequential({ layers: [tf.layers.dense({ inputShape: [2], units: 4 }), tf.layers.reshape({ targetShape: [2, 2, 1] })] });
    const z3 = tf.zeros([2, 3]) as tf.Tensor2D;
    expect(() => decodeAll(m, z3)).toThrow(/codes of shape \[n, 2\], got \[2, 3\]/);
    z3.dispose();
    expect(() => decodeAll(m, [])).toThrow(/decodeAll: z is an empty array; pass at least one latent code, e\.g\. \[\[0, 0\]\]/);
    const z0 = tf.zeros([0, 2]) as tf.Tensor2D;
    expect(() => decodeAll(m, z0)).toThrow(/decodeAll: z holds no codes \(shape \[0, 2\]\); pass at least one latent code \[n >= 1, latentDim\]/);
    z0.dispose();
    m.dispose();
  });

  it("codesToXY splits the first two dimensions", () => {
    const z = tf.tensor2d([[1, 2, 9], [3, 4, 9]]);
    const { x, y } = codesToXY(z);
    expect(Array.from(x)).toEqual([1, 3]);
    expect(Array.from(y)).toEqual([2, 4]);
    z.dispose();
  });

  it("checkShape names expected and actual", () => {
    const t = tf.zeros([2, 3]);
    expect(() => checkShape(t, [null, 4], "thing", "fix it")).toThrow("thing: expected shape [any, 4], got [2, 3]; fix it.");
    t.dispose();
  });
});

describe("exploring latent space", () => {
  it("latentRange gives per-dimension min and max", () => {
    const z = tf.tensor2d([[0, -1], [2, 5], [-3, 1]]);
    expect(latentRange(z)).toEqual({ min: [-3, -1], max: [2, 5] });
    z.dispose();
  });

  it("sampleUniform stays inside the range, covers it, and is reproducible with a seed", () => {
    const range = { min: [-3, 10], max: [1, 11] };
    const s = sampleUniform(range, 2000, 7);
    const r = latentRange(s);
    expect(r.min[0]).toBeGreaterThanOrEqual(-3); expect(r.max[0]).toBeLessThanOrEqual(1);
    expect(r.min[1]).toBeGreaterThanOrEqual(10); expect(r.max[1]).toBeLessThanOrEqual(11);
    expect(r.min[0]).toBeLessThan(-2.9); expect(r.max[0]).toBeGreaterThan(0.9);
    const again = sampleUniform(range, 2000, 7);
    expect(Array.from(again.dataSync())).toEqual(Array.from(s.dataSync()));
    tf.dispose([s, again]);
    expect(leaks(() => sampleUniform(range, 5, 1))).toBe(0);
    expect(() => sampleUniform({ min: [1], max: [0] }, 3)).toThrow(/dimension 0 has min 1 > max 0/);
  });

  it("latentGrid is in reading order: top row = largest y, x increasing", () => {
    const range = { min: [0, 0], max: [2, 1] };
    const g = latentGrid(range, 3, 2);
    expect(g.shape).toEqual([6, 2]);
    expect(g.arraySync()).toEqual([[0, 1], [1, 1], [2, 1], [0, 0], [1, 0], [2, 0]]);
    g.dispose();
    expect(gridAxes(range, 3, 2)).toEqual({ xs: [0, 1, 2], ys: [1, 0] });
    // higher-dimensional space: the other dims sit in the middle of their range
    const g3 = latentGrid({ min: [0, 0, 4], max: [1, 1, 8] }, 2, 2, { dims: [0, 2] });
    expect(g3.arraySync()).toEqual([[0, 0.5, 8], [1, 0.5, 8], [0, 0.5, 4], [1, 0.5, 4]]);
    g3.dispose();
    expect(() => latentGrid(range, 3, 2, { dims: [0, 2] })).toThrow(/dims \[0,2\] must be two latent dimensions in 0..1/);
  });

  it("interpolate: exact ends, even steps, any code form, no leaks", () => {
    const a = tf.tensor1d([0, 10]);
    const b = tf.tensor2d([[4, 2]]);
    const path = interpolate(a, b, 5);
    const rows = path.arraySync();
    expect(rows[0]).toEqual([0, 10]);
    expect(rows[4]).toEqual([4, 2]);
    expect(rows[2][0]).toBeCloseTo(2, 6);
    expect(rows[1][1]).toBeCloseTo(8, 6);
    path.dispose();
    expect(leaks(() => interpolate(a, b, 3))).toBe(0);
    expect(leaks(() => interpolate([1, 2, 3], [3, 2, 1], 2))).toBe(0);
    expect(() => interpolate(a, [1, 2, 3], 4)).toThrow(/same length, got \[2\] and \[3\]/);
    expect(() => interpolate(a, b, 1)).toThrow(/steps must be an integer >= 2/);
    const z2 = tf.zeros([2, 2]);
    expect(() => interpolate(z2 as tf.Tensor2D, a, 3)).toThrow(/expected shape \[any\], got \[2, 2\]/);
    tf.dispose([a, b, z2]);
  });

  it("moveAlong and directionBetween", () => {
    const moved = moveAlong([1, 1], [0.5, -1], [-2, 0, 2]);
    expect(moved.arraySync()).toEqual([[0, 3], [1, 1], [2, -1]]);
    moved.dispose();
    const z = tf.tensor2d([[1, 0], [3, 0], [0, 5], [0, 7]]);
    const d = directionBetween(z, [true, true, false, false]);
    expect(Array.from(d.dataSync())).toEqual([2, -6]);
    const m = meanCode(z, [false, true, false, true]);
    expect(Array.from(m.dataSync())).toEqual([1.5, 3.5]);
    expect(() => meanCode(z, [false, false, false, false])).toThrow(/selects no codes/);
    tf.dispose([z, d, m]);
    expect(leaks(() => moveAlong([0, 0], [1, 1], [1, 2]))).toBe(0);
    expect(() => directionBetween(tf.zeros([2, 2]) as tf.Tensor2D, [true, true])).toThrow(/both sides/);
  });
});

describe("with the book's autoencoder", () => {
  it("embeds images to [n, 2], decodes grid points to [n, 32, 32, 1] in (0, 1), leaks nothing", async () => {
    const { buildAutoencoder } = await import("../lib/models/autoencoder");
    const ae = buildAutoencoder();
    const images = tf.randomUniform([7, 32, 32, 1], 0, 1, "float32", 2) as tf.Tensor4D;
    tf.dispose([embed(ae.encoder, images), decodeAll(ae.decoder, [[0, 0]])]); // warm-up (first predict may cache)
    const before = tf.memory().numTensors;
    const z = embed(ae.encoder, images, { batchSize: 3 });
    expect(z.shape).toEqual([7, 2]);
    const direct = ae.encode(images);
    expect(tf.tidy(() => tf.sub(z, direct).abs().max().dataSync()[0])).toBeLessThan(1e-5);
    const grid = latentGrid(latentRange(z), 3);
    const imgs = decodeAll(ae.decoder, grid, { batchSize: 4 });
    expect(imgs.shape).toEqual([9, 32, 32, 1]);
    const flat = imgs.reshape([9, -1]) as tf.Tensor2D;
    const r = latentRange(flat);
    expect(Math.min(...r.min)).toBeGreaterThan(0);
    expect(Math.max(...r.max)).toBeLessThan(1);
    tf.dispose([z, direct, grid, imgs, flat]);
    expect(tf.memory().numTensors).toBe(before);
    images.dispose();
    ae.dispose();
  });
});

describe("latent mosaic (lib/plot/mosaic)", () => {
  it("tiles a decoded grid with the latent values on the axes, and checks the grid size", async () => {
    const { latentMosaicSvg, showLatentMosaic } = await import("../lib/plot/mosaic");
    const { displayed } = await import("../lib/display");
    const range = { min: [-2, 0], max: [2, 3] };
    const { xs, ys } = gridAxes(range, 3, 2);
    const imgs = tf.zeros([6, 4, 4, 1]) as tf.Tensor4D;
    const svg = latentMosaicSvg(imgs, { xs, ys, xLabel: "z[0]", yLabel: "z[1]", title: "grid" });
    for (const tick of ["-2.00", "0.00", "2.00", "3.00"]) expect(svg).toContain(`>${tick}</text>`);
    expect(svg).toContain("data:image/png;base64,");
    expect(svg).toMatch(/>z\[1\]<\/text>/);
    expect(() => latentMosaicSvg(imgs, { xs: [0, 1], ys })).toThrow(/6 images do not fill a grid of 2 rows \(ys\) x 2 columns \(xs\); expected 4/);
    const n = displayed.length;
    showLatentMosaic(imgs, { xs, ys });
    expect(Object.keys(displayed[n].data).sort()).toEqual(["image/png", "image/svg+xml", "text/html", "text/plain"]);
    // HTML is the SVG as an <img> (exporters that sanitise inline SVG drop its <image>).
    const src = /^<img class="gdl-mosaic" width="\d+" height="\d+" alt="[^"]*" src="data:image\/svg\+xml;base64,([^"]+)"\/>$/.exec(displayed[n].data["text/html"]);
    expect(src).toBeTruthy();
    expect(Buffer.from(src![1], "base64").toString()).toBe(latentMosaicSvg(imgs, { xs, ys }));
    imgs.dispose();
  });
});

describe("latentView: one 2-D view for any latent size", () => {
  it("shows 2-D codes as they are, and more dimensions in their PCA plane, saying which", async () => {
    const { latentView } = await import("../lib/latent/plane");
    const before = tf.memory().numTensors;
    const z2 = tf.tensor2d([[1, 2], [3, 4], [5, 7]]);
    const v2 = latentView(z2);
    expect(Array.from(v2.x)).toEqual([1, 3, 5]);
    expect(Array.from(v2.y)).toEqual([2, 4, 7]);
    expect([v2.xLabel, v2.yLabel]).toEqual(["z[0]", "z[1]"]);
    // 3-D codes spread along (1, 1, 0) mostly: PC 1 carries most of the variance
    const z3 = tf.tensor2d([[0, 0, 0], [4, 4, 0.1], [8, 8, -0.1], [2, 2, 0.5], [6, 6, -0.4]]);
    const v3 = latentView(z3);
    expect(v3.xLabel).toMatch(/^PC 1 \((9\d|100)% of variance\)$/);
    expect(v3.note).toMatch(/3 dimensions/);
    const pt = tf.tensor2d([[v3.x[1], v3.y[1]]]);
    const lifted = v3.plane.lift(pt); // back in 3-D, close to the code (the plane holds nearly all of it)
    Array.from(lifted.dataSync()).forEach((v, i) => expect(Math.abs(v - [4, 4, 0.1][i])).toBeLessThan(0.2));
    tf.dispose([z2, z3, pt, lifted]);
    expect(tf.memory().numTensors).toBe(before + 0);
  });
});
