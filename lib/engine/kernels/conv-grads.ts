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
import { Info, Mem, Shape, transpose4 } from "./memory";

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
  transpose4(mem.view(x), x.shape, [3, 1, 2, 0], mem.view(xT));
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

/**
 * dx for dy (N,OH,OW,CO), filter (KH,KW,C,CO), input shape (N,H,W,C).
 * Returns null when the geometry needs negative padding (exotic explicit
 * pads), so the caller can use the stock kernel.
 */
export function conv2dBackpropInput(mem: Mem, dy: Info, filter: Info, a: InputGradAttrs): Info | null {
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
