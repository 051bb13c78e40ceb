// Extra kernels for the workbook's backends. initBackend() (../backend.ts)
// calls installKernels(name) once for the backend it picks.
import { installConvGradKernels } from "./conv-grads";
import { installSumKernel } from "./sum";

export { installConvGradKernels, stockKernel } from "./conv-grads";
export { installSumKernel, stockSumKernel, sumLeadingAxes } from "./sum";

/** Register every extra kernel for `backendName`; returns their names. */
export function installKernels(backendName: string): string[] {
  return [...installConvGradKernels(backendName), ...installSumKernel(backendName)];
}
