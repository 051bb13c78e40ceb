// The JupyterLite plugin that registers the workbook's TypeScript kernel under the name the
// notebooks already carry (kernelspec tslab-workbook, "TypeScript (workbook)"), so the same
// .ipynb files open in JupyterLab with tslab and here without edits.
import type { JupyterFrontEnd, JupyterFrontEndPlugin } from "@jupyterlab/application";
import { IKernelClient, IKernelSpecs, type IKernel } from "@jupyterlite/services";
import { KERNEL_NAME, WorkbookKernel } from "./kernel";

const kernels = new Map<string, WorkbookKernel>();

const plugin: JupyterFrontEndPlugin<void> = {
  id: "gdl-workbook:typescript-kernel",
  description: "The workbook's TypeScript kernel, running in a Web Worker.",
  autoStart: true,
  requires: [IKernelSpecs],
  optional: [IKernelClient],
  activate: (_app: JupyterFrontEnd, specs: IKernelSpecs, client: IKernelClient | null) => {
    specs.register({
      spec: {
        name: KERNEL_NAME,
        display_name: "TypeScript (workbook)",
        language: "typescript",
        argv: [],
        resources: {},
        metadata: { debugger: false },
      },
      create: async (options: IKernel.IOptions): Promise<IKernel> => {
        const kernel = new WorkbookKernel(options);
        kernels.set(kernel.id, kernel);
        kernel.disposed.connect(() => kernels.delete(kernel.id));
        return kernel;
      },
    });
    // JupyterLite's interrupt only drops the queued cells; the running one is ours to stop.
    if (client) {
      const interrupt = client.interrupt.bind(client);
      client.interrupt = async (id: string) => {
        await interrupt(id);
        kernels.get(id)?.interrupt();
      };
    }
  },
};

export default [plugin];
