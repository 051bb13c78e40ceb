// Training throughput of the chapter-3 autoencoder on Fashion-MNIST:
// tfjs model.fit vs lib/train train() in this thread vs train() with 2 workers.
// Usage: npx tsx scripts/bench-train.ts [images=1500] [rounds=1]
// Each run trains 2 epochs; only the 2nd is measured (steady state: no worker
// start-up, no first-call kernel set-up). Reported per run: img/s (wall) and
// cpu-ms per image over all threads. On a shared/busy machine img/s is noise
// but cpu-ms/img still compares the loops' efficiency.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { train } from "../lib/train/train";

interface Mark { t: number; cpu: NodeJS.CpuUsage }
const mark = (): Mark => ({ t: performance.now(), cpu: process.cpuUsage() });

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 1500);
  const rounds = Number(process.argv[3] ?? 1);
  await initBackend();
  const { images } = await loadFashionMnist({ split: "train", limit: n });
  const ae = buildAutoencoder();
  ae.autoencoder.compile({ optimizer: tf.train.adam(1e-3), loss: "binaryCrossentropy" });
  const results: Record<string, string[]> = {};
  const record = (k: string, marks: Mark[], extra = "") => {
    const [a, b] = marks.slice(-2);
    const secs = (b.t - a.t) / 1000;
    const cpu = (b.cpu.user + b.cpu.system - a.cpu.user - a.cpu.system) / 1000;
    (results[k] ??= []).push(`${(n / secs).toFixed(0)} img/s, ${(cpu / n).toFixed(2)} cpu-ms/img${extra}`);
  };
  for (let r = 0; r < rounds; r++) {
    let marks: Mark[] = [];
    await ae.autoencoder.fit(images, images, {
      epochs: 2, batchSize: 100, verbose: 0,
      callbacks: { onEpochBegin: async () => { marks = [mark()]; }, onEpochEnd: async () => { marks.push(mark()); } },
    });
    record("model.fit", marks);
    for (const workers of [1, 2]) {
      let start: Mark = mark();
      const ms: Mark[] = [];
      let first = true;
      const h = await train(ae, images, {
        epochs: 2, batchSize: 100, workers, progress: false,
        onEpochEnd: () => { if (first) { first = false; start = mark(); } else ms.push(start, mark()); },
      });
      const p = h.parallel;
      const extra = p ? ` (per step: compute ${(Math.max(...p.computeMs) / p.steps).toFixed(0)} ms, gradient sum ${(Math.max(...p.exchangeMs) / p.steps).toFixed(1)} ms, barrier wait ${(Math.max(...p.waitMs) / p.steps).toFixed(0)} ms; heap ${p.heapMB.join("+")} MB; replicas identical: ${p.replicasIdentical})` : "";
      record(`train workers=${workers}`, ms, extra);
    }
    console.log(`round ${r + 1}:`, JSON.stringify(results, null, 1));
  }
  images.dispose();
  ae.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
