// Native TensorFlow (tfjs-node) gradients for the activations the book's models
// train through. tfjs composes ReLU's gradient as dy * cast(step(x)), and
// tfjs-node's Step runs five TensorFlow ops plus a tensor of ones built in
// JavaScript: 20 ms of an 82 ms autoencoder step (bench/profile-step.ts). TensorFlow
// has the one-op gradients Keras uses, ReluGrad and LeakyReluGrad: the gradients
// below call them on tensorflow and keep tfjs's own formula on every other backend.
// No tfjs-node kernel is replaced; these are new kernels plus gradient entries.
// They differ from tfjs's formula only for NaN activations (0 instead of NaN): a
// NaN activation makes the loss NaN, and train() stops on a NaN loss anyway.
import * as tf from "@tensorflow/tfjs";

/** The part of tfjs-node's backend used here (its NodeJSKernelBackend). */
interface TfNodeBackend {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_FLOAT: number };
  executeSingleOutput(op: string, attrs: { name: string; type: number; value: unknown }[], inputs: tf.Tensor[]): tf.Tensor;
}

/** Kernel name -> TensorFlow op: (dy, features[, alpha]) -> dx. */
const GRAD_KERNELS = { ReluGrad: "ReluGrad", LeakyReluGrad: "LeakyReluGrad" } as const;

function registerGradKernel(name: keyof typeof GRAD_KERNELS): void {
  if (tf.getKernel(name, "tensorflow")) return;
  tf.registerKernel({
    kernelName: name,
    backendName: "tensorflow",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as TfNodeBackend;
      const { dy, x } = inputs as { dy: tf.Tensor; x: tf.Tensor };
      const opAttrs = [{ name: "T", type: b.binding.TF_ATTR_TYPE, value: b.binding.TF_FLOAT }];
      if (name === "LeakyReluGrad") opAttrs.push({ name: "alpha", type: b.binding.TF_ATTR_FLOAT, value: (attrs as { alpha: number }).alpha });
      return b.executeSingleOutput(GRAD_KERNELS[name], opAttrs, [dy, x]) as unknown as tf.TensorInfo;
    },
  });
}

/** Where the active backend has `kernel` and the tensors are float32, run it; else `fallback`. */
function nativeOr(kernel: keyof typeof GRAD_KERNELS, dy: tf.Tensor, x: tf.Tensor, attrs: tf.NamedAttrMap, fallback: () => tf.Tensor): tf.Tensor {
  if (dy.dtype === "float32" && x.dtype === "float32" && tf.getKernel(kernel, tf.getBackend())) {
    return tf.engine().runKernel(kernel, { dy, x } as unknown as tf.NamedTensorMap, attrs) as tf.Tensor;
  }
  return fallback();
}

let installed = false;

/** Install the native activation gradients for `backendName` (tensorflow only); returns their names. */
export function installNativeKernels(backendName: string): string[] {
  if (backendName !== "tensorflow") return [];
  registerGradKernel("ReluGrad");
  registerGradKernel("LeakyReluGrad");
  if (!installed) {
    installed = true;
    // Same inputs saved and same results as tfjs-core's Relu/LeakyRelu gradients
    // (tfjs-core/src/gradients), which remain the path on wasm and cpu.
    tf.registerGradient({
      kernelName: tf.Relu,
      inputsToSave: ["x"],
      gradFunc: (dy, saved) => {
        const [x] = saved;
        const d = dy as tf.Tensor;
        return { x: () => nativeOr("ReluGrad", d, x, {}, () => tf.mul(d, tf.cast(tf.step(x), "float32"))) };
      },
    });
    tf.registerGradient({
      kernelName: tf.LeakyRelu,
      inputsToSave: ["x"],
      gradFunc: (dy, saved, attrs) => {
        const [x] = saved;
        const d = dy as tf.Tensor;
        const { alpha } = attrs as { alpha: number };
        return {
          x: () => nativeOr("LeakyReluGrad", d, x, { alpha }, () => {
            const mask = tf.greater(x, 0);
            return tf.where(mask, d, tf.mul(d, alpha));
          }),
        };
      },
    });
  }
  return ["ReluGrad", "LeakyReluGrad"];
}
