// Trains the chapter-3 autoencoder that ships in pretrained/autoencoder/ with the
// book's recipe (Adam 1e-3, binary cross-entropy, batch 100, 60k training images,
// validation on the 10k test images), saving after every epoch so an
// interrupted run still leaves the best finished epoch behind.
//
//   npx tsx scripts/train-pretrained-autoencoder.ts [--epochs 3] [--workers 1|2|auto] [--out pretrained/autoencoder] [--limit N] [--val-limit N]
//
// Writes <out>/encoder/{model.json,weights.bin}, <out>/decoder/{...} (tfjs layers
// format) and <out>/training.json (per-epoch losses, img/s, backend, timings).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { train } from "../lib/train/train";

/** Save each model of the autoencoder as tfjs layers format (model.json + weights.bin), atomically. */
async function saveAutoencoderWeights(ae: ReturnType<typeof buildAutoencoder>, dir: string, meta: object): Promise<void> {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  for (const [name, model] of Object.entries(ae.models)) {
    const sub = path.join(tmp, name);
    fs.mkdirSync(sub, { recursive: true });
    await model.save(tf.io.withSaveHandler(async (a) => {
      const weights = Buffer.from(a.weightData as ArrayBuffer);
      fs.writeFileSync(path.join(sub, "weights.bin"), weights);
      const json = {
        modelTopology: a.modelTopology, format: "layers-model", generatedBy: a.generatedBy, convertedBy: null,
        weightsManifest: [{ paths: ["weights.bin"], weights: a.weightSpecs }],
      };
      fs.writeFileSync(path.join(sub, "model.json"), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: weights.length } };
    }));
  }
  fs.writeFileSync(path.join(tmp, "training.json"), JSON.stringify(meta, null, 2));
  // keep a README that is already there
  if (fs.existsSync(path.join(dir, "README.md"))) fs.copyFileSync(path.join(dir, "README.md"), path.join(tmp, "README.md"));
  const old = `${dir}.old-${process.pid}`;
  if (fs.existsSync(dir)) fs.renameSync(dir, old);
  fs.renameSync(tmp, dir);
  fs.rmSync(old, { recursive: true, force: true });
}

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

async function main(): Promise<void> {
  const epochs = Number(arg("epochs", "3"));
  const workersArg = arg("workers", "1");
  const workers = workersArg === "auto" ? "auto" : Number(workersArg);
  const out = path.resolve(arg("out", "pretrained/autoencoder"));
  const limit = process.argv.includes("--limit") ? Number(arg("limit", "0")) : undefined;
  const seed = Number(arg("seed", "42"));
  const info = await initBackend();
  const trainSet = await loadFashionMnist({ split: "train", limit });
  const valLimit = process.argv.includes("--val-limit") ? Number(arg("val-limit", "0")) : undefined; // smoke tests only
  const testSet = await loadFashionMnist({ split: "test", limit: valLimit });
  const ae = buildAutoencoder();
  console.log(`encoder ${ae.encoder.countParams()} params, decoder ${ae.decoder.countParams()} params; ${trainSet.images.shape[0]} training images`);
  const log: Record<string, unknown>[] = [];
  let best = Infinity;
  const t0 = Date.now();
  let lastEpochEnd = t0;
  const history = await train(ae, trainSet.images, {
    epochs, batchSize: 100, learningRate: 1e-3, validation: testSet.images, seed, workers,
    progress: "text", title: "pretrained autoencoder",
    onEpochEnd: async (epoch, logs) => {
      const now = Date.now();
      const entry = { epoch, ...logs, wallSeconds: (now - lastEpochEnd) / 1000 };
      lastEpochEnd = now;
      log.push(entry);
      const val = logs.val_loss;
      const meta = {
        description: "Book chapter-3 autoencoder (2-D latent) on Fashion-MNIST padded to 32x32",
        recipe: { optimizer: "adam", learningRate: 1e-3, loss: "binary cross-entropy (mean over pixels)", batchSize: 100, trainImages: trainSet.images.shape[0], validation: "test split (10k)", seed },
        backend: info.name, threads: info.threads, workers: workersArg, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
        epochs: log, bestEpoch: val < best ? epoch : undefined,
        date: new Date().toISOString(),
      };
      if (val < best) {
        best = val;
        await saveAutoencoderWeights(ae, out, { ...meta, bestEpoch: epoch, valBcePerPixel: val });
        console.log(`epoch ${epoch}: val BCE/pixel ${val.toFixed(4)} -> saved to ${out} (${entry.wallSeconds.toFixed(0)} s)`);
      } else {
        console.log(`epoch ${epoch}: val BCE/pixel ${val.toFixed(4)} (best stays ${best.toFixed(4)})`);
        // keep the log up to date even when the weights stay
        const metaPath = path.join(out, "training.json");
        const prev = JSON.parse(fs.readFileSync(metaPath, "utf8"));
        fs.writeFileSync(metaPath + ".tmp", JSON.stringify({ ...prev, epochs: log }, null, 2));
        fs.renameSync(metaPath + ".tmp", metaPath);
      }
    },
  });
  console.log(history.message, `total wall ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  tf.dispose([trainSet.images, testSet.images]);
  ae.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
