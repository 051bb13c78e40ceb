// Extra kernels for the workbook's backends. initBackend() (../backend.ts)
// calls installKernels(name) once for the backend it picks.
//
//   wasm  Conv2DBackpropFilter  missing in stock tfjs-backend-wasm 4.22 (conv nets could not train)
//         Conv2DBackpropInput   stock is a naive loop; ours runs XNNPACK Conv2D per output phase
//                               (Conv2DTranspose forward and every conv input gradient)
//         Sum                   over leading axes (conv bias gradients) without a full transpose
//   cpu   Conv2DBackpropFilter  stock takes minutes per batch of the book's models
//   tensorflow  ReluGrad, LeakyReluGrad  TensorFlow's one-op activation gradients (native.ts);
//               tfjs-node's own kernels (convolutions, Sum...) are never replaced
// The wasm/cpu ones are built from the backend's own Conv2D plus cheap JS memory
// shuffles; all are checked against the stock cpu kernels in test/kernels.test.ts.
import { installConvGradKernels } from "./conv-grads";
import { installSumKernel } from "./sum";
import { installNativeKernels } from "./native";

export { installConvGradKernels, stockKernel } from "./conv-grads";
export { installSumKernel, stockSumKernel, sumLeadingAxes } from "./sum";
export { installNativeKernels } from "./native";

/** Register every extra kernel for `backendName`; returns their names. */
export function installKernels(backendName: string): string[] {
  return [...installConvGradKernels(backendName), ...installSumKernel(backendName), ...installNativeKernels(backendName)];
}
