// lib/train/parallel/index.ts for the browser (an esbuild redirect of train.ts's import, see
// scripts/site.mjs): no Node worker threads in a browser tab, so train() runs on the kernel's
// own thread (the kernel sets GDL_WORKERS=1, and chooseWorkers answers 1 for "auto"). Asking
// for workers explicitly (train(..., { workers: 2 })) ends up here and says so.
export type ParallelStats = Record<string, unknown>;

export async function createParallelEngine(opts: { workers: number }): Promise<never> {
  throw new Error(`train: workers: ${opts.workers} needs Node's worker threads, which the browser workbook does not have; ` +
    "train with workers: 1 here (the default), or run the notebook in JupyterLab (npm start) for data-parallel training.");
}
