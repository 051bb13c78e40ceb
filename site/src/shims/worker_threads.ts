// `worker_threads` for the browser kernel: lib's data-parallel engines use Node worker threads,
// which a browser tab does not have. Nothing of them runs here; using one says so.
const unavailable = (what: string) => new Error(`${what}: Node worker threads are not available in the browser workbook (one thread here); run it in JupyterLab (npm start).`);

export class Worker {
  constructor() { throw unavailable("new Worker"); }
}
export const isMainThread = true;
export const parentPort = null;
export const workerData = null;
export default { Worker, isMainThread, parentPort, workerData };
