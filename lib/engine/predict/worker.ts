// One inference replica of predictParallel() (./index.ts): its own wasm heap, the
// models the main thread sends (topology once, weights with every call), and
// predict() on its rows of the shared input, written straight into the shared output.
import { parentPort } from "worker_threads";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../backend";
import type { FromPredictWorker, ToPredictWorker } from "./index";

const port = parentPort!;
const models = new Map<number, tf.LayersModel>();

async function handle(m: ToPredictWorker): Promise<FromPredictWorker> {
  if (m.type === "model") {
    const model = await tf.models.modelFromJSON({ modelTopology: m.topology as tf.io.ModelJSON["modelTopology"] });
    models.set(m.id, model);
    return { type: "ok" };
  }
  const model = models.get(m.id);
  if (!model) throw new Error(`predict worker: model ${m.id} was not sent`);
  const [lo, hi] = [m.lo, m.hi];
  tf.tidy(() => {
    model.setWeights(m.weights.map((w) => tf.tensor(w.data, w.shape)));
    if (hi <= lo) return;
    const row = m.xShape.slice(1).reduce((a, b) => a * b, 1);
    const x = tf.tensor(new Float32Array(m.x, lo * row * 4, (hi - lo) * row), [hi - lo, ...m.xShape.slice(1)]);
    const y = model.predict(x, { batchSize: m.batchSize });
    (Array.isArray(y) ? y : [y]).forEach((t, i) => {
      const out = new Float32Array(m.outputs[i]);
      const orow = t.size / (hi - lo);
      out.set(t.dataSync() as Float32Array, lo * orow);
    });
  });
  return { type: "ok" };
}

(async () => {
  process.env.GDL_BACKEND = "wasm";
  await initBackend({ quiet: true });
  let queue = Promise.resolve();
  port.on("message", (m: ToPredictWorker) => {
    queue = queue.then(() => handle(m)).then((r) => port.postMessage(r), (e: Error) => port.postMessage({ type: "error", message: e.message }));
  });
  port.postMessage({ type: "ready" } as FromPredictWorker);
})().catch((e: Error) => port.postMessage({ type: "error", message: e.message }));
