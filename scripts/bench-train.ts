// Training throughput of the chapter-3 autoencoder on Fashion-MNIST:
// tfjs model.fit vs lib/train train() in this thread vs train() with 2 workers.
// Usage: npx tsx scripts/bench-train.ts [images=3000] [rounds=2]
// The machine is shared and has 2 cores: run it on a quiet machine for real numbers.
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { train } from "../lib/train/train";

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 3000);
  const rounds = Number(process.argv[3] ?? 2);
  await initBackend();
  const { images } = await loadFashionMnist({ split: "train", limit: n });
  const rows: Record<string, number[]> = { "model.fit": [], "train workers=1": [], "train workers=2": [] };
  const ae = buildAutoencoder();
  ae.autoencoder.compile({ optimizer: tf.train.adam(1e-3), loss: "binaryCrossentropy" });
  // warm-up (kernel compilation, first allocations)
  await ae.autoencoder.fit(images.slice(0, 200), images.slice(0, 200), { epochs: 1, batchSize: 100, verbose: 0 });
  await train(ae, images.slice(0, 200), { epochs: 1, batchSize: 100, workers: 1, progress: false });
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    await ae.autoencoder.fit(images, images, { epochs: 1, batchSize: 100, verbose: 0 });
    rows["model.fit"].push(n / ((performance.now() - t0) / 1000));
    const h1 = await train(ae, images, { epochs: 1, batchSize: 100, workers: 1, progress: false });
    rows["train workers=1"].push(h1.imagesPerSecond);
    t0 = performance.now();
    const h2 = await train(ae, images, { epochs: 1, batchSize: 100, workers: 2, progress: false });
    rows["train workers=2"].push(h2.imagesPerSecond);
    console.log(`round ${r + 1}: workers=2 incl. startup ${(n / ((performance.now() - t0) / 1000)).toFixed(0)} img/s`);
  }
  for (const [k, v] of Object.entries(rows)) console.log(`${k.padEnd(18)} ${v.map((x) => x.toFixed(0)).join(" / ")} img/s`);
  images.dispose();
  ae.dispose();
}
main().catch((e) => { console.error(e); process.exit(1); });
