// Trains the chapter-3 VAE that ships in pretrained/vae/ with the book's recipe
// (2-D latent, loss 500 x mean BCE + KL, Adam 5e-4, batch 100, 60k training
// images, 5 epochs), saving after every epoch so an interrupted run still leaves
// the last finished epoch behind; then measures it on the 10k test images:
// negative ELBO and an IWAE bound in nats per image, and the book's units.
//
//   npx tsx scripts/train-pretrained-vae.ts [--epochs 5] [--workers auto|1|2] [--out pretrained/vae]
//        [--limit N] [--iwae-images 1000] [--k 100] [--seed 42] [--eval-only]
//
// Writes <out>/encoder/, <out>/decoder/ (tfjs layers format, via saveWeights),
// <out>/metrics.json (per-epoch losses, test numbers, img/s, backend) and <out>/README.md.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildVae, VAE_TRAINING } from "../lib/models/vae";
import { train } from "../lib/train/train";
import { loadWeights, saveWeights } from "../lib/train/weights";
import { iwaeNll, negativeElbo } from "../lib/eval/elbo";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

function writeAtomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

async function main(): Promise<void> {
  const epochs = Number(arg("epochs", "5"));
  const workersArg = arg("workers", "auto");
  const workers = workersArg === "auto" ? "auto" : Number(workersArg);
  const out = path.resolve(arg("out", "pretrained/vae"));
  const limit = process.argv.includes("--limit") ? Number(arg("limit", "0")) : undefined;
  const iwaeImages = Number(arg("iwae-images", "1000"));
  const k = Number(arg("k", "100"));
  const seed = Number(arg("seed", "42"));
  const evalOnly = process.argv.includes("--eval-only");
  const info = await initBackend();
  const trainSet = await loadFashionMnist({ split: "train", limit });
  const testSet = await loadFashionMnist({ split: "test" });
  const vae = buildVae();
  const metricsPath = path.join(out, "metrics.json");
  const prev = fs.existsSync(metricsPath) ? JSON.parse(fs.readFileSync(metricsPath, "utf8")) : {};
  const meta: Record<string, unknown> = {
    description: "Book chapter-3 VAE (2-D latent) on Fashion-MNIST padded to 32x32",
    recipe: {
      optimizer: "adam", learningRate: VAE_TRAINING.learningRate, batchSize: VAE_TRAINING.batchSize,
      loss: "500 x binary cross-entropy (mean over pixels) + KL (summed over latent dims), batch mean",
      epochs, trainImages: trainSet.images.shape[0], seed,
    },
    backend: info.name, threads: info.threads, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
  };
  console.log(`encoder ${vae.encoder.countParams()} params, decoder ${vae.decoder.countParams()} params; ${trainSet.images.shape[0]} training images`);
  if (evalOnly) {
    await loadWeights(vae, out);
    Object.assign(meta, { recipe: prev.recipe ?? meta.recipe, training: prev.training, epochs: prev.epochs });
  } else {
    const log: Record<string, number>[] = [];
    const t0 = Date.now();
    let last = t0;
    const history = await train(vae, trainSet.images, {
      epochs, ...VAE_TRAINING, seed, workers, progress: "text", title: "pretrained VAE",
      onEpochEnd: async (epoch, logs) => {
        const now = Date.now();
        log.push({ epoch, ...logs, bookReconstruction: 500 * logs.reconstruction, wallSeconds: (now - last) / 1000 });
        last = now;
        await saveWeights(vae, out);
        writeAtomic(metricsPath, JSON.stringify({ ...meta, epochs: log, date: new Date().toISOString() }, null, 2));
        console.log(`epoch ${epoch}: loss ${logs.loss.toFixed(2)} (500 x BCE ${(500 * logs.reconstruction).toFixed(2)}, KL ${logs.kl.toFixed(2)}) -> saved to ${out}`);
      },
    });
    console.log(history.message, `wall ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    meta.epochs = log;
    meta.training = { seconds: history.seconds, imagesPerSecond: history.imagesPerSecond, workers: history.workers, status: history.status, wallSeconds: (Date.now() - t0) / 1000 };
  }
  // Test-set numbers: ELBO on all 10k images, IWAE (k samples each) on the first `iwaeImages`.
  let t = Date.now();
  const elbo = negativeElbo(vae, testSet.images, { seed: 0, beta: 500 });
  const elboSeconds = (Date.now() - t) / 1000;
  t = Date.now();
  const sub = testSet.images.slice(0, Math.min(iwaeImages, testSet.images.shape[0]));
  const iwae = iwaeNll(vae, sub, { k, seed: 0 });
  const elboSub = negativeElbo(vae, sub, { seed: 0 });
  sub.dispose();
  const iwaeSeconds = (Date.now() - t) / 1000;
  meta.test = {
    images: elbo.images,
    negativeElboNats: elbo.negativeElbo, reconstructionNats: elbo.reconstruction, klNats: elbo.kl,
    book: elbo.book, elboSeconds,
    iwae: { k, images: iwae.images, nllNats: iwae.nll, negativeElboSameSubsetNats: elboSub.negativeElbo, seconds: iwaeSeconds },
  };
  meta.date = new Date().toISOString();
  writeAtomic(metricsPath, JSON.stringify(meta, null, 2));
  console.log(JSON.stringify(meta.test, null, 2));
  tf.dispose([trainSet.images, testSet.images]);
  vae.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
