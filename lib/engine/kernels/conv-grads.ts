// Conv2D gradient kernels rebuilt from the backend's own fast Conv2D.
//
// Why: stock tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter (conv nets
// cannot train), its Conv2DBackpropInput is a naive loop (slow
// Conv2DTranspose and input gradients), and the cpu Conv2DBackpropFilter is
// far too slow to train the book's models. Both gradients are themselves
// convolutions, so we rewrite them as one Conv2D (XNNPACK on wasm) plus cheap
// JS memory shuffles:
//
//   filter grad  dW[kh,kw,c,co] = sum_{n,oh,ow} x[n, s*oh+kh-pt, s*ow+kw-pl, c] * dy[n,oh,ow,co]
//                = Conv2D(x as (C,H,W,N), dy as filter (OH,OW,N,CO), dilation s, stride 1)
//                  -> (C,KH,KW,CO) -> transpose to (KH,KW,C,CO)
//   input grad   dx = Conv2D(dy with s-1 zeros inserted between pixels,
//                            W flipped in space with in/out channels swapped, stride 1)
//
// Only NHWC with dilation 1 is rewritten (all the workbook needs); anything
// else falls through to the stock kernel when there is one.
import * as tf from "@tensorflow/tfjs";
import { Info, Mem, Shape, swapOuterInner, transpose4 } from "./memory";

const { computeConv2DInfo } = tf.backend_util;

interface GradAttrs {
  strides: number | [number, number];
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding;
  dataFormat: "NHWC" | "NCHW";
  dimRoundingMode?: "floor" | "round" | "ceil";
}
interface FilterGradAttrs extends GradAttrs {
  filterShape: [number, number, number, number];
}
interface InputGradAttrs extends GradAttrs {
  inputShape: [number, number, number, number];
}

function geometry(xShape: Shape, filterShape: Shape, a: GradAttrs) {
  const ci = computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    a.strides, 1, a.pad, a.dimRoundingMode, false, "channelsLast",
  );
  return {
    N: ci.batchSize, H: ci.inHeight, W: ci.inWidth, C: ci.inChannels,
    OH: ci.outHeight, OW: ci.outWidth, CO: ci.outChannels,
    KH: ci.filterHeight, KW: ci.filterWidth, sh: ci.strideHeight, sw: ci.strideWidth,
    pt: ci.padInfo.top, pl: ci.padInfo.left,
  };
}

/** dW for x (N,H,W,C), dy (N,OH,OW,CO). Returns (KH,KW,C,CO). */
export function conv2dBackpropFilter(mem: Mem, x: Info, dy: Info, a: FilterGradAttrs): Info {
  const g = geometry(x.shape, a.filterShape, a);
  const { N, H, W, C, OH, OW, CO, KH, KW, sh, sw, pt, pl } = g;
  if (dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== CO || dy.shape[0] !== N) {
    throw new Error(`Conv2DBackpropFilter: dy shape ${dy.shape} does not match conv output [${N},${OH},${OW},${CO}]`);
  }
  // Input rows touched: [-pt, (OH-1)*sh + KH-1 - pt]. Pad x to exactly that
  // range; if x has unused rows at the end the conv yields extra output rows,
  // which we crop away below (XNNPACK takes no negative padding).
  const pb = (OH - 1) * sh + KH - H - pt;
  const pr = (OW - 1) * sw + KW - W - pl;
  const KH2 = KH + Math.max(0, -pb), KW2 = KW + Math.max(0, -pr);

  const xT = mem.alloc([C, H, W, N]);
  const dyT = mem.alloc([OH, OW, N, CO]);
  swapOuterInner(mem.view(x), N, H * W, C, mem.view(xT)); // NHWC -> CHWN
  transpose4(mem.view(dy), dy.shape, [1, 2, 0, 3], mem.view(dyT));
  let out: Info;
  try {
    out = mem.run("Conv2D", { x: xT, filter: dyT }, {
      strides: [1, 1],
      pad: [[0, 0], [pt, Math.max(0, pb)], [pl, Math.max(0, pr)], [0, 0]],
      dataFormat: "NHWC",
      dilations: [sh, sw],
      dimRoundingMode: undefined,
    });
  } finally {
    mem.free(xT, dyT);
  }
  if (out.shape[1] !== KH2 || out.shape[2] !== KW2) {
    mem.free(out);
    throw new Error(`Conv2DBackpropFilter: internal conv gave ${out.shape}, expected [${C},${KH2},${KW2},${CO}]`);
  }
  const dW = mem.alloc([KH, KW, C, CO]);
  const src = mem.view(out), dst = mem.view(dW);
  // (C,KH2,KW2,CO) -> (KH,KW,C,CO), dropping the cropped rows/cols.
  let j = 0;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      for (let c = 0; c < C; c++) {
        let k = ((c * KH2 + kh) * KW2 + kw) * CO;
        for (let co = 0; co < CO; co++) dst[j++] = src[k++];
      }
    }
  }
  mem.free(out);
  return dW;
}

/** One output phase (rows h with (h + pad) % s == r) of a strided input gradient, along one axis. */
interface Phase {
  /** First output row of the phase; rows are first, first+s, ... */
  first: number;
  /** Output rows in the phase. */
  count: number;
  /** Filter taps used, in conv order (empty: the phase gets no contribution, all zeros). */
  taps: number[];
  /** Explicit conv padding before/after dy along this axis. */
  before: number;
  after: number;
  /** Extra conv output rows to drop at the end. */
  extra: number;
}

/**
 * Split dx rows by phase r = (h + p) mod s. Row h = s*a + r - p receives
 * dy[a - j] * w[r + s*j] for j = 0.. : a stride-1 correlation of dy with the
 * taps r, r+s, ... reversed. Returns null if a phase needs negative padding.
 */
function phases(L: number, K: number, s: number, p: number, OL: number): Phase[] | null {
  const out: Phase[] = [];
  for (let r = 0; r < s; r++) {
    const aLo = Math.ceil((p - r) / s), aHi = Math.floor((L - 1 + p - r) / s);
    const count = aHi - aLo + 1;
    if (count <= 0) continue;
    const J = r < K ? Math.ceil((K - r) / s) : 0;
    const taps = Array.from({ length: J }, (_, t) => r + s * (J - 1 - t));
    const before = J - 1 - aLo;
    if (J > 0 && before < 0) return null;
    const after = aHi + 1 - OL;
    out.push({ first: s * aLo + r - p, count, taps, before, after: Math.max(0, after), extra: Math.max(0, -after) });
  }
  return out;
}

/**
 * dx for dy (N,OH,OW,CO), filter (KH,KW,C,CO), input shape (N,H,W,C).
 * Stride 1: one Conv2D with the flipped, transposed filter. Stride > 1: one
 * small Conv2D per output phase (s*s of them) on dy itself, interleaved into dx,
 * which does the minimal FLOPs (zero-inserting dy instead would do s*s times
 * more). Returns null for geometries it does not handle (the caller then uses
 * the stock kernel).
 */
export function conv2dBackpropInput(mem: Mem, dy: Info, filter: Info, a: InputGradAttrs): Info | null {
  if (process.env.GDL_CONV_INPUT_GRAD !== "dilate") {
    const g = geometry(a.inputShape, filter.shape, a);
    if (g.sh > 1 || g.sw > 1) {
      const rows = phases(g.H, g.KH, g.sh, g.pt, g.OH), cols = phases(g.W, g.KW, g.sw, g.pl, g.OW);
      if (rows && cols) return phasedInputGrad(mem, dy, filter, g, rows, cols);
    }
  }
  return dilatedInputGrad(mem, dy, filter, a);
}

type Geometry = ReturnType<typeof geometry>;

function phasedInputGrad(mem: Mem, dy: Info, filter: Info, g: Geometry, rows: Phase[], cols: Phase[]): Info {
  const { N, H, W, C, CO, KW, sh, sw } = g;
  if (dy.shape[1] !== g.OH || dy.shape[2] !== g.OW || dy.shape[3] !== CO || dy.shape[0] !== N) {
    throw new Error(`Conv2DBackpropInput: dy shape ${dy.shape} does not match conv output [${N},${g.OH},${g.OW},${CO}]`);
  }
  const dx = mem.alloc([N, H, W, C]);
  if (rows.some((p) => p.taps.length === 0) || cols.some((p) => p.taps.length === 0)) mem.view(dx).fill(0);
  for (const pr of rows) {
    for (const pc of cols) {
      const JH = pr.taps.length, JW = pc.taps.length;
      if (JH === 0 || JW === 0) continue; // stays zero
      // f[th,tw,co,c] = w[taps_h[th], taps_w[tw], c, co]
      const f = mem.alloc([JH, JW, CO, C]);
      {
        const w = mem.view(filter), fv = mem.view(f);
        let j = 0;
        for (const kh of pr.taps) {
          for (const kw of pc.taps) {
            const base = (kh * KW + kw) * C * CO;
            for (let co = 0; co < CO; co++) {
              for (let c = 0; c < C; c++) fv[j++] = w[base + c * CO + co];
            }
          }
        }
      }
      let out: Info;
      try {
        out = mem.run("Conv2D", { x: dy, filter: f }, {
          strides: [1, 1],
          pad: [[0, 0], [pr.before, pr.after], [pc.before, pc.after], [0, 0]],
          dataFormat: "NHWC",
          dilations: [1, 1],
          dimRoundingMode: undefined,
        });
      } finally {
        mem.free(f);
      }
      const MH = pr.count + pr.extra, MW = pc.count + pc.extra;
      if (out.shape[1] !== MH || out.shape[2] !== MW) {
        mem.free(out, dx);
        throw new Error(`Conv2DBackpropInput: phase conv gave ${out.shape}, expected [${N},${MH},${MW},${C}]`);
      }
      // Interleave: dx[n, first_h + sh*i, first_w + sw*j, :] = out[n, i, j, :]
      const o = mem.view(out), d = mem.view(dx);
      for (let n = 0; n < N; n++) {
        for (let i = 0; i < pr.count; i++) {
          let src = ((n * MH + i) * MW) * C;
          let dst = ((n * H + pr.first + sh * i) * W + pc.first) * C;
          const step = sw * C;
          for (let j = 0; j < pc.count; j++, src += C, dst += step) {
            for (let c = 0; c < C; c++) d[dst + c] = o[src + c];
          }
        }
      }
      mem.free(out);
    }
  }
  return dx;
}

/** Input gradient as one Conv2D over the zero-inserted dy (any stride). */
function dilatedInputGrad(mem: Mem, dy: Info, filter: Info, a: InputGradAttrs): Info | null {
  const g = geometry(a.inputShape, filter.shape, a);
  const { N, H, W, C, OH, OW, CO, KH, KW, sh, sw, pt, pl } = g;
  if (dy.shape[1] !== OH || dy.shape[2] !== OW || dy.shape[3] !== CO || dy.shape[0] !== N) {
    throw new Error(`Conv2DBackpropInput: dy shape ${dy.shape} does not match conv output [${N},${OH},${OW},${CO}]`);
  }
  const top = KH - 1 - pt, left = KW - 1 - pl;
  const bottom = H - 1 + pt - (OH - 1) * sh, right = W - 1 + pl - (OW - 1) * sw;
  if (top < 0 || left < 0 || bottom < 0 || right < 0) return null;

  const DH = (OH - 1) * sh + 1, DW = (OW - 1) * sw + 1;
  const dilated = sh === 1 && sw === 1 ? null : mem.alloc([N, DH, DW, CO]);
  const wf = mem.alloc([KH, KW, CO, C]);
  if (dilated) {
    const d = mem.view(dilated), s = mem.view(dy);
    d.fill(0);
    let k = 0;
    for (let n = 0; n < N; n++) {
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let j = ((n * DH + oh * sh) * DW + ow * sw) * CO;
          for (let co = 0; co < CO; co++) d[j++] = s[k++];
        }
      }
    }
  }
  {
    // wf[kh',kw',co,c] = w[KH-1-kh', KW-1-kw', c, co]
    const w = mem.view(filter), f = mem.view(wf);
    let j = 0;
    for (let kh = 0; kh < KH; kh++) {
      for (let kw = 0; kw < KW; kw++) {
        const base = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * C * CO;
        for (let co = 0; co < CO; co++) {
          for (let c = 0; c < C; c++) f[j++] = w[base + c * CO + co];
        }
      }
    }
  }
  try {
    return mem.run("Conv2D", { x: dilated ?? dy, filter: wf }, {
      strides: [1, 1],
      pad: [[0, 0], [top, bottom], [left, right], [0, 0]],
      dataFormat: "NHWC",
      dilations: [1, 1],
      dimRoundingMode: undefined,
    });
  } finally {
    if (dilated) mem.free(dilated);
    mem.free(wf);
  }
}

function isPlain(a: GradAttrs & { dilations?: unknown }): boolean {
  const d = a.dilations;
  const unitDilation = d == null || d === 1 || (Array.isArray(d) && d.every((v) => v === 1));
  return a.dataFormat !== "NCHW" && unitDilation;
}

const stock = new Map<string, tf.KernelConfig>();

/** Register `config`, keeping the stock kernel (if any) as fallback. */
function replace(kernelName: string, backendName: string, kernelFunc: tf.KernelFunc): void {
  const key = `${kernelName}/${backendName}`;
  const old = tf.getKernel(kernelName, backendName);
  if (old && !stock.has(key)) stock.set(key, old);
  if (old) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({ kernelName, backendName, kernelFunc });
}

/** The stock kernel we replaced, for tests and fallbacks. */
export function stockKernel(kernelName: string, backendName: string): tf.KernelConfig | undefined {
  return stock.get(`${kernelName}/${backendName}`);
}

function fallback(kernelName: string, backendName: string, args: Parameters<tf.KernelFunc>[0]) {
  const k = stock.get(`${kernelName}/${backendName}`);
  if (!k) throw new Error(`${kernelName} on ${backendName}: only NHWC, dilation 1 is supported here`);
  return k.kernelFunc(args);
}

/**
 * Install the conv gradient kernels for `backendName` ("wasm" or "cpu");
 * returns the names of kernels registered (empty for other backends).
 */
export function installConvGradKernels(backendName: string): string[] {
  if (backendName !== "wasm" && backendName !== "cpu") return [];
  const installed: string[] = [];

  replace(tf.Conv2DBackpropFilter, backendName, (args) => {
    const a = args.attrs as unknown as FilterGradAttrs;
    if (!isPlain(a)) return fallback(tf.Conv2DBackpropFilter, backendName, args);
    const { x, dy } = args.inputs as { x: Info; dy: Info };
    return conv2dBackpropFilter(new Mem(backendName, args.backend), x, dy, a);
  });
  installed.push(tf.Conv2DBackpropFilter);

  // cpu's stock input gradient is a direct loop with the minimal FLOP count;
  // rewriting it as a conv over the zero-inserted dy would only add work there.
  if (backendName === "wasm") {
    replace(tf.Conv2DBackpropInput, backendName, (args) => {
      const a = args.attrs as unknown as InputGradAttrs;
      if (!isPlain(a)) return fallback(tf.Conv2DBackpropInput, backendName, args);
      const { dy, filter } = args.inputs as { dy: Info; filter: Info };
      return conv2dBackpropInput(new Mem(backendName, args.backend), dy, filter, a)
        ?? fallback(tf.Conv2DBackpropInput, backendName, args);
    });
    installed.push(tf.Conv2DBackpropInput);
  }
  return installed;
}
