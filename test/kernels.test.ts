// The extra conv-gradient kernels (lib/engine/kernels) against tfjs's stock
// cpu kernels, for both wasm input-gradient strategies (per-phase convs, the
// default, and zero-inserted dy, GDL_CONV_INPUT_GRAD=dilate). With
// GDL_BACKEND=tensorflow (the suite's tensorflow project) the same quantities
// come from tfjs-node's own kernels, which lib/engine must leave in place.
// Tolerance: max |ours - stock| <= 1e-5 * max |stock| per tensor (float32;
// observed errors are around 1e-7 relative).
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { installConvGradKernels, installKernels, stockKernel } from "../lib/engine/kernels";
import convCases from "../lib/engine/kernels/conv-cases.json";

const BACKEND = process.env.GDL_BACKEND === "tensorflow" ? "tensorflow" : "wasm";
const onWasm = BACKEND === "wasm";

const REL_TOL = 1e-5;

type Pad = "same" | "valid";
interface Case {
  x: [number, number, number, number];
  k: [number, number];
  cout: number;
  s: number;
  pad: Pad;
}

// Random-ish shapes: stride 1/2/3, same/valid, odd sizes, batch 1, channels 1/3, non-square
// kernels and inputs, 1x1 stride 2 (dx rows with no contribution), few output channels (the
// book's last decoder conv has one). The native setup's oneDNN check uses the same list.
const CASES = convCases.cases as Case[];

const name = (c: Case) => `x=${c.x} k=${c.k} cout=${c.cout} s=${c.s} ${c.pad}`;

/** Output spatial size of conv2d for one dimension. */
const outSize = (n: number, k: number, s: number, pad: Pad) =>
  pad === "same" ? Math.ceil(n / s) : Math.floor((n - k) / s) + 1;

/**
 * Every quantity the kernels touch, as plain arrays: conv2d forward and its
 * gradients (Conv2DBackpropInput / Conv2DBackpropFilter), conv2dTranspose
 * forward (Conv2DBackpropInput) and its gradients (Conv2D / Conv2DBackpropFilter).
 */
function quantities(c: Case): Record<string, Float32Array> {
  return tf.tidy(() => {
    const [n, h, w, cin] = c.x;
    const seed = c.x.reduce((a, b) => a * 31 + b, c.s * 7 + c.cout);
    const x = tf.randomNormal(c.x, 0, 1, "float32", seed) as tf.Tensor4D;
    const filt = tf.randomNormal([c.k[0], c.k[1], cin, c.cout], 0, 1, "float32", seed + 1) as tf.Tensor4D;
    const oh = outSize(h, c.k[0], c.s, c.pad), ow = outSize(w, c.k[1], c.s, c.pad);
    const r = tf.randomNormal([n, oh, ow, c.cout], 0, 1, "float32", seed + 2);
    // Weighted sums so the incoming gradient dy is a random tensor, not ones.
    const conv = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2d(a, b, c.s, c.pad).mul(r).sum();
    const [dx, dw] = tf.grads(conv as (...a: tf.Tensor[]) => tf.Tensor)([x, filt]);

    // conv2dTranspose maps (n,oh,ow,cout) back to x's shape with the same filter.
    const y = tf.randomNormal([n, oh, ow, c.cout], 0, 1, "float32", seed + 3) as tf.Tensor4D;
    const rx = tf.randomNormal(c.x, 0, 1, "float32", seed + 4);
    const convT = (a: tf.Tensor4D, b: tf.Tensor4D) => tf.conv2dTranspose(a, b, c.x, c.s, c.pad).mul(rx).sum();
    const [dyT, dwT] = tf.grads(convT as (...a: tf.Tensor[]) => tf.Tensor)([y, filt]);
    const fwdT = tf.conv2dTranspose(y, filt, c.x, c.s, c.pad);
    return {
      conv: tf.conv2d(x, filt, c.s, c.pad).dataSync() as Float32Array,
      "conv dx": dx.dataSync() as Float32Array,
      "conv dw": dw.dataSync() as Float32Array,
      convT: fwdT.dataSync() as Float32Array,
      "convT dy": dyT.dataSync() as Float32Array,
      "convT dw": dwT.dataSync() as Float32Array,
    };
  });
}

function relErr(got: Float32Array, ref: Float32Array): number {
  expect(got.length).toBe(ref.length);
  let maxDiff = 0, maxRef = 0;
  for (let i = 0; i < ref.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(got[i] - ref[i]));
    maxRef = Math.max(maxRef, Math.abs(ref[i]));
  }
  return maxDiff / Math.max(maxRef, 1e-30);
}

function expectClose(got: Record<string, Float32Array>, ref: Record<string, Float32Array>, label: string) {
  for (const q of Object.keys(ref)) {
    const e = relErr(got[q], ref[q]);
    expect(e, `${label}: ${q} relative error ${e.toExponential(2)}`).toBeLessThanOrEqual(REL_TOL);
  }
}

const refs = new Map<Case, Record<string, Float32Array>>();

beforeAll(async () => {
  process.env.GDL_BACKEND = BACKEND;
  const info = await initBackend({ quiet: true });
  expect(info.name).toBe(BACKEND);
  if (onWasm) {
    expect(info.extraKernels).toEqual(expect.arrayContaining(["Conv2DBackpropFilter", "Conv2DBackpropInput", "Sum"]));
  } else {
    // tfjs-node has native conv gradients and Sum: none of ours replaces them; only
    // TensorFlow's one-op activation gradients are added (lib/engine/kernels/native.ts).
    expect(info.extraKernels).toEqual(["ReluGrad", "LeakyReluGrad"]);
    expect(installKernels("tensorflow")).toEqual(["ReluGrad", "LeakyReluGrad"]);
    for (const k of ["Conv2D", "Conv2DBackpropFilter", "Conv2DBackpropInput", "Sum"]) {
      expect(tf.getKernel(k, "tensorflow"), k).toBeDefined();
      expect(stockKernel(k, "tensorflow"), k).toBeUndefined();
    }
  }
  // References from the stock cpu kernels (cpu's replacements are installed later).
  await tf.setBackend("cpu");
  expect(stockKernel("Conv2DBackpropFilter", "cpu")).toBeUndefined();
  for (const c of CASES) refs.set(c, quantities(c));
  await tf.setBackend(BACKEND);
});

if (onWasm) describe("wasm conv kernels match stock cpu", () => {
  for (const strategy of ["phases", "dilate"]) {
    for (const c of CASES) {
      it(`${strategy}: ${name(c)}`, async () => {
        await tf.setBackend("wasm");
        if (strategy === "dilate") process.env.GDL_CONV_INPUT_GRAD = "dilate";
        try {
          expectClose(quantities(c), refs.get(c)!, `wasm ${strategy} ${name(c)}`);
        } finally {
          delete process.env.GDL_CONV_INPUT_GRAD;
        }
      });
    }
  }
});

if (!onWasm) describe("tensorflow (tfjs-node) conv kernels and gradients match stock cpu", () => {
  for (const c of CASES) {
    it(name(c), async () => {
      await tf.setBackend("tensorflow");
      expectClose(quantities(c), refs.get(c)!, `tensorflow ${name(c)}`);
    });
  }
});

if (!onWasm) describe("tensorflow: ReLU / LeakyReLU gradients through TensorFlow's ReluGrad / LeakyReluGrad", () => {
  const grads = (act: (t: tf.Tensor) => tf.Tensor) => tf.tidy(() => {
    // Exact zeros included: the gradient there is 0 (tfjs's step(0) = 0; TF: features > 0).
    const x = tf.randomNormal([4, 7, 5, 3], 0, 1, "float32", 11).mul(tf.randomUniform([4, 7, 5, 3], 0, 1, "float32", 12).greater(0.1));
    const r = tf.randomNormal([4, 7, 5, 3], 0, 1, "float32", 13);
    return tf.grad((t: tf.Tensor) => act(t).mul(r).sum())(x).dataSync() as Float32Array;
  });
  const acts: [string, (t: tf.Tensor) => tf.Tensor][] = [["relu", tf.relu], ["leakyRelu 0.3", (t) => tf.leakyRelu(t, 0.3)]];
  for (const [label, act] of acts) {
    it(`${label}: same gradient as tfjs's formula on cpu, computed by the native kernel`, async () => {
      await tf.setBackend("cpu");
      const ref = grads(act);
      await tf.setBackend("tensorflow");
      const kernel = label === "relu" ? "ReluGrad" : "LeakyReluGrad";
      const before = tf.engine().state.numTensors;
      const called: string[] = [];
      const config = tf.getKernel(kernel, "tensorflow")!;
      tf.unregisterKernel(kernel, "tensorflow");
      tf.registerKernel({ ...config, kernelFunc: (a) => { called.push(kernel); return config.kernelFunc(a); } });
      try {
        const got = grads(act);
        expect(called).toEqual([kernel]);
        expect(relErr(got, ref)).toBe(0);
      } finally {
        tf.unregisterKernel(kernel, "tensorflow");
        tf.registerKernel(config);
      }
      expect(tf.engine().state.numTensors).toBe(before);
    });
  }
});

if (onWasm) describe("cpu Conv2DBackpropFilter replacement matches stock cpu", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
    expect(installConvGradKernels("cpu")).toEqual(["Conv2DBackpropFilter"]);
    expect(stockKernel("Conv2DBackpropFilter", "cpu")).toBeDefined();
  });
  for (const c of CASES) {
    it(name(c), async () => {
      await tf.setBackend("cpu");
      expectClose(quantities(c), refs.get(c)!, `cpu ${name(c)}`);
    });
  }
});

if (onWasm) describe("wasm Sum over leading axes (conv bias gradients) matches stock cpu", () => {
  const cases: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
    { shape: [7, 5, 6, 3], axis: [0, 1, 2] },
    { shape: [7, 5, 6, 3], axis: [2, 0, 1], keepDims: true },
    { shape: [9, 4], axis: 0 },
    { shape: [3, 4, 5], axis: [0, 1] },
    { shape: [3, 4, 5], axis: [1, 2] }, // not leading: stock kernel
    { shape: [3, 4, 5], axis: [0, 1, 2] }, // all axes: stock kernel
    { shape: [200, 8, 8, 16], axis: [0, 1, 2] },
  ];
  for (const c of cases) {
    it(`shape ${c.shape} axis ${c.axis}${c.keepDims ? " keepDims" : ""}`, async () => {
      const make = () => tf.randomNormal(c.shape, 0, 1, "float32", c.shape.length * 13 + c.shape[0]);
      await tf.setBackend("cpu");
      const ref = tf.tidy(() => tf.sum(make(), c.axis, c.keepDims));
      const refShape = ref.shape, refVals = ref.dataSync() as Float32Array;
      ref.dispose();
      await tf.setBackend("wasm");
      expect(tf.backend().constructor.name).not.toBe("MathBackendCPU");
      const got = tf.tidy(() => tf.sum(make(), c.axis, c.keepDims));
      expect(got.shape).toEqual(refShape);
      expect(relErr(got.dataSync() as Float32Array, refVals)).toBeLessThanOrEqual(REL_TOL);
      got.dispose();
    });
  }
});

describe(`training a small conv net on ${BACKEND}`, () => {
  it("loss decreases and neither tensors nor backend buffers leak", async () => {
    await tf.setBackend(BACKEND);
    const backend = tf.backend();
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [12, 12, 1], filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
        tf.layers.conv2d({ filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
        tf.layers.conv2dTranspose({ filters: 8, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
        tf.layers.conv2dTranspose({ filters: 4, kernelSize: 3, strides: 2, padding: "same", activation: "relu" }),
        tf.layers.conv2d({ filters: 1, kernelSize: 3, padding: "same", activation: "sigmoid" }),
      ],
    });
    // Smooth blobs: learnable, unlike pure noise.
    const xs = tf.tidy(() => {
      const g = tf.linspace(-1, 1, 12);
      const cx = tf.randomUniform([16, 1, 1, 1], -0.5, 0.5, "float32", 3);
      const cy = tf.randomUniform([16, 1, 1, 1], -0.5, 0.5, "float32", 4);
      const d = g.reshape([1, 12, 1, 1]).sub(cy).square().add(g.reshape([1, 1, 12, 1]).sub(cx).square());
      return d.mul(-8).exp() as tf.Tensor4D;
    });
    const opt = tf.train.adam(0.01);
    const step = () => {
      const loss = opt.minimize(
        () => tf.metrics.binaryCrossentropy(xs, model.apply(xs, { training: true }) as tf.Tensor).mean() as tf.Scalar,
        true,
      )!;
      const v = loss.dataSync()[0];
      loss.dispose();
      return v;
    };
    const first = step();
    step(); // optimizer slots now exist
    const tensors = tf.memory().numTensors;
    const buffers = backend.numDataIds();
    let last = first;
    for (let i = 0; i < 40; i++) last = step();
    expect(tf.memory().numTensors).toBe(tensors);
    expect(backend.numDataIds()).toBe(buffers);
    expect(Number.isFinite(last)).toBe(true);
    expect(last).toBeLessThan(first * 0.8);

    // model.fit goes through the same kernels.
    model.compile({ optimizer: tf.train.adam(0.01), loss: "binaryCrossentropy" });
    const h = await model.fit(xs, xs, { epochs: 3, batchSize: 8, verbose: 0 });
    expect((h.history.loss as number[]).every(Number.isFinite)).toBe(true);
    xs.dispose();
    model.dispose();
    opt.dispose();
  });
});
