// Trains what ships in pretrained/face-vae/: the workbook's face VAE on 32x32
// synthetic faces (and, with --what classifier, the attribute classifier that
// lib/eval/attributes.ts uses to judge generated faces).
//
//   npx tsx scripts/train-pretrained-face-vae.ts [--what vae|classifier|both] [--chunks 20]
//       [--chunk 4000] [--minutes 45] [--batch 64] [--lr 0.001] [--workers 1] [--out pretrained/face-vae]
//
// The VAE never sees the same face twice: chunk k is faces k*chunk..(k+1)*chunk-1
// of the synthetic set (seed 1), one pass each, with one Adam optimizer across
// chunks; validation is 1000 faces of another seed. Weights are saved
// (atomically) after every chunk, so stopping early still leaves a model.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadSyntheticFaces } from "../lib/data/synthetic-faces";
import { buildWorkbookFaceVae, FACE_VAE_DEFAULTS, WORKBOOK_FACE_VAE } from "../lib/models/face-vae";
import { evaluate, train } from "../lib/train/train";
import { loadWeights, saveWeights } from "../lib/train/weights";
import { trainAttributeClassifier, classifierAccuracy, CLASSIFIER_ATTRIBUTES } from "../lib/eval/attributes";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

function writeJsonAtomic(file: string, value: unknown): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(value, null, 2) + "\n");
  fs.renameSync(tmp, file);
}

async function trainVae(out: string, info: { name: string; threads?: number }): Promise<void> {
  const chunks = Number(arg("chunks", "20"));
  const chunk = Number(arg("chunk", "4000"));
  const minutes = Number(arg("minutes", "45"));
  const batchSize = Number(arg("batch", "64"));
  const learningRate = Number(arg("lr", "0.001"));
  const workersArg = arg("workers", "1");
  const workers = workersArg === "auto" ? "auto" : Number(workersArg);
  const seed = 1;
  const vae = buildWorkbookFaceVae();
  // --resume: continue from the saved weights and log (fresh Adam state), with the next unseen chunks.
  const resume = process.argv.includes("--resume");
  const prev = resume ? JSON.parse(fs.readFileSync(path.join(out, "training.json"), "utf8")) : null;
  if (resume) await loadWeights(vae, path.join(out, "vae"));
  const params = vae.encoder.countParams() + vae.decoder.countParams();
  const val = loadSyntheticFaces({ count: 1000, seed: 2, cache: "none" });
  console.log(`face VAE: ${params} parameters, filters ${JSON.stringify(vae.options.filters)}, latent ${vae.options.latentDim}; ` +
    `up to ${chunks} chunks of ${chunk} faces, ${minutes} min budget`);
  const optimizer = tf.train.adam(learningRate);
  const log: Record<string, number>[] = prev ? prev.chunks : [];
  const k0 = log.length;
  const t0 = Date.now() - (prev ? prev.wallMinutes * 60000 : 0);
  const tStart = Date.now();
  let trainSeconds = prev ? prev.trainSeconds : 0;
  const sessions: unknown[] = prev?.sessions ?? (prev ? [{ chunks: k0, learningRate: prev.recipe.learningRate, batchSize: prev.recipe.batchSize, loadAverageAtEnd: prev.loadAverageAtEnd }] : []);
  for (let k = k0; k < k0 + chunks; k++) {
    const data = loadSyntheticFaces({ count: chunk, seed, start: k * chunk, cache: "none" });
    const h = await train(vae, data.images, { epochs: 1, batchSize, optimizer, seed: 100 + k, workers, progress: false });
    data.images.dispose();
    trainSeconds += h.seconds;
    const v = evaluate(vae, val.images, { batchSize: 250, seed: 7 });
    const entry = {
      chunk: k + 1, imagesSeen: (k + 1) * chunk, loss: h.metrics.loss[0], reconstruction: h.metrics.reconstruction[0], kl: h.metrics.kl[0],
      val_loss: v.loss, val_reconstruction: v.reconstruction, val_kl: v.kl, imagesPerSecond: h.imagesPerSecond, wallMinutes: (Date.now() - t0) / 60000,
    };
    log.push(entry);
    console.log(`chunk ${k + 1}/${k0 + chunks}: loss ${entry.loss.toFixed(2)} (mse ${entry.reconstruction.toFixed(5)}, kl ${entry.kl.toFixed(2)}), ` +
      `val ${v.loss.toFixed(2)} (mse ${v.reconstruction.toFixed(5)}, kl ${v.kl.toFixed(2)}), ${h.imagesPerSecond.toFixed(1)} img/s, ${entry.wallMinutes.toFixed(1)} min`);
    await saveWeights(vae, path.join(out, "vae"));
    writeJsonAtomic(path.join(out, "training.json"), {
      description: "Workbook face VAE (book ch. 3 face VAE with fewer filters) on 32x32 synthetic faces",
      model: { builder: "buildWorkbookFaceVae", options: { ...FACE_VAE_DEFAULTS, ...WORKBOOK_FACE_VAE }, parameters: params },
      recipe: {
        optimizer: "adam", learningRate, batchSize, loss: "2000 x MSE (mean over pixels) + KL",
        data: `synthetic faces seed ${seed}, fresh chunk of ${chunk} faces per pass (faces 0..${(k + 1) * chunk - 1})`,
        validation: "1000 synthetic faces, seed 2",
      },
      backend: info.name, threads: info.threads, workers: workersArg, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model,
      loadAverageAtEnd: os.loadavg()[0],
      trainSeconds, wallMinutes: (Date.now() - t0) / 60000,
      sessions: [...sessions, { chunks: k + 1 - k0, learningRate, batchSize, resumed: resume, loadAverageAtEnd: os.loadavg()[0] }],
      chunks: log,
    });
    if ((Date.now() - tStart) / 60000 > minutes) { console.log(`time budget of ${minutes} min reached`); break; }
  }
  optimizer.dispose();
  val.images.dispose();
  vae.dispose();
}

async function trainClassifier(out: string): Promise<void> {
  const count = Number(arg("classifier-count", "6000"));
  const epochs = Number(arg("classifier-epochs", "3"));
  const t0 = Date.now();
  const { model, history } = await trainAttributeClassifier({ count, epochs, seed: 11, progress: "text" });
  const seconds = (Date.now() - t0) / 1000;
  const test = loadSyntheticFaces({ count: 1000, seed: 12, cache: "none" });
  const acc = classifierAccuracy(model, test, { blur: false });
  const accBlur = classifierAccuracy(model, test, { blur: true });
  test.images.dispose();
  console.log("held-out accuracy (clean):", acc);
  console.log("held-out accuracy (blurred):", accBlur);
  await saveWeights(model, path.join(out, "attribute-classifier"));
  writeJsonAtomic(path.join(out, "attribute-classifier.json"), {
    attributes: CLASSIFIER_ATTRIBUTES, trainImages: count, epochs, seconds, finalLoss: history.metrics.loss.at(-1),
    heldOutAccuracy: acc, heldOutAccuracyBlurred: accBlur,
  });
  model.dispose();
}

async function main(): Promise<void> {
  const what = arg("what", "both");
  const out = path.resolve(arg("out", "pretrained/face-vae"));
  const info = await initBackend();
  if (what === "classifier" || what === "both") await trainClassifier(out);
  if (what === "vae" || what === "both") await trainVae(out, info);
}

main().catch((e) => { console.error(e); process.exit(1); });
