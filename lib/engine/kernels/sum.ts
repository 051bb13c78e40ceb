// wasm Sum over leading axes without a transpose.
//
// The stock wasm Sum moves reduced axes innermost with its generic Transpose
// before reducing. For the bias gradient of every conv layer (sum of dy over
// N,H,W of an NHWC tensor) that is a full transpose of the activation
// gradient: ~150 ms for [100,32,32,32] here, against a few ms for the
// streaming loop below, which adds rows of the input into a per-channel sum.
import * as tf from "@tensorflow/tfjs";
import { Info, Mem, size } from "./memory";

/** sum over the first `k` axes of a float32 tensor: out[j] = sum_i x[i*inner + j]. */
export function sumLeadingAxes(mem: Mem, x: Info, k: number): Info {
  const outer = size(x.shape.slice(0, k)), inner = size(x.shape.slice(k));
  const acc = new Float64Array(inner); // float64: dy sums over 10^5 terms
  const v = mem.view(x);
  for (let i = 0, base = 0; i < outer; i++, base += inner) {
    for (let j = 0; j < inner; j++) acc[j] += v[base + j];
  }
  const out = mem.alloc(x.shape.slice(k));
  mem.view(out).set(acc);
  return out;
}

let stockSum: tf.KernelConfig | undefined;
/** The stock wasm Sum (after installSumKernel), for benchmarks and tests. */
export const stockSumKernel = () => stockSum;

/** Replace wasm Sum; other reductions and dtypes fall through to the stock kernel. */
export function installSumKernel(backendName: string): string[] {
  if (backendName !== "wasm") return [];
  const stock = tf.getKernel(tf.Sum, backendName);
  if (!stock || (stock as { gdlSum?: boolean }).gdlSum) return [];
  stockSum = stock;
  tf.unregisterKernel(tf.Sum, backendName);
  const config: tf.KernelConfig & { gdlSum: boolean } = {
    kernelName: tf.Sum,
    backendName,
    gdlSum: true,
    kernelFunc: (args) => {
      const { x } = args.inputs as { x: Info };
      const { axis, keepDims } = args.attrs as unknown as tf.SumAttrs;
      const rank = x.shape.length;
      const axes = tf.util.parseAxisParam(axis, x.shape).sort((a, b) => a - b);
      const leading = axes.length > 0 && axes.length < rank && axes.every((a, i) => a === i);
      if (!leading || x.dtype !== "float32" || size(x.shape) === 0) return stock.kernelFunc(args);
      const out = sumLeadingAxes(new Mem(backendName, args.backend), x, axes.length);
      if (keepDims) out.shape = tf.backend_util.expandShapeToKeepDim(out.shape, axes);
      return out;
    },
  };
  tf.registerKernel(config);
  return [tf.Sum];
}
