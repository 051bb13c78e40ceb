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
// Each weights folder (<out>/vae, <out>/attribute-classifier) gets its
// training.json in the schema of lib/train/pretrained.ts.
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
import { readPretrainedInfo, writePretrainedInfo } from "../lib/train/pretrained";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

const command = () => `npx tsx scripts/train-pretrained-face-vae.ts ${process.argv.slice(2).join(" ")}`.trim();
const machine = () => `${os.cpus().length} x ${os.cpus()[0]?.model ?? "CPU"}, shared with other jobs`;

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
  const vaeDir = path.join(out, "vae");
  const prevInfo = resume ? readPretrainedInfo(vaeDir) : null;
  if (resume && !prevInfo) throw new Error(`--resume: ${vaeDir} has no training.json`);
  const prevDetails = (prevInfo?.details ?? {}) as { sessions?: unknown[]; trainSeconds?: number };
  const prev = prevInfo ? { chunks: prevInfo.log, wallMinutes: prevInfo.trained.seconds / 60, trainSeconds: prevDetails.trainSeconds ?? 0, sessions: prevDetails.sessions } : null;
  if (resume) await loadWeights(vae, vaeDir);
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
  const sessions: unknown[] = prev?.sessions ?? [];
  const commands = [...(prevInfo?.commands ?? []), command()];
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
    await saveWeights(vae, vaeDir);
    writePretrainedInfo(vaeDir, {
      schema: 1, title: "Workbook face VAE (book ch. 3 face VAE with fewer filters) on 32x32 synthetic faces", model: "buildWorkbookFaceVae()", commands,
      recipe: {
        optimizer: "adam", learningRate, batchSize, loss: "2000 x MSE (mean over pixels) + KL",
        data: `synthetic faces seed ${seed}, fresh chunk of ${chunk} faces per pass (faces 0..${(k + 1) * chunk - 1})`,
        validation: "1000 synthetic faces, seed 2",
      },
      trained: {
        images: entry.imagesSeen, seconds: (Date.now() - t0) / 1000, backend: info.name, threads: info.threads ?? 1, workers: workersArg,
        machine: machine(), date: new Date().toISOString(),
      },
      results: {
        valLoss: { label: "validation loss per face (1000 faces)", value: entry.val_loss, digits: 1, headline: true },
        valMse: { label: "validation MSE per pixel", value: entry.val_reconstruction, digits: 4, headline: true },
        valKl: { label: "validation KL, nats", value: entry.val_kl, digits: 1, headline: true },
        trainLoss: { label: "training loss per face (last chunk)", value: entry.loss, digits: 1 },
      },
      log,
      details: {
        modelOptions: { ...FACE_VAE_DEFAULTS, ...WORKBOOK_FACE_VAE }, parameters: params, trainSeconds, loadAverageAtEnd: os.loadavg()[0],
        sessions: [...sessions, { chunks: k + 1 - k0, learningRate, batchSize, resumed: resume, loadAverageAtEnd: os.loadavg()[0] }],
      },
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
  const dir = path.join(out, "attribute-classifier");
  await saveWeights(model, dir);
  writePretrainedInfo(dir, {
    schema: 1, title: "Attribute classifier for synthetic faces (judges generated faces in notebook 06)",
    model: "buildAttributeClassifier() (lib/eval/attributes.ts); load with loadAttributeClassifier()", commands: [command()],
    recipe: {
      optimizer: "adam", learningRate: 0.002, batchSize: 64, loss: "binary cross-entropy per attribute",
      data: `${count} synthetic faces of seed 11, each also box-blurred once and twice`, validation: "1000 synthetic faces, seed 12", seed: 11,
    },
    trained: { epochs, images: count * 3 * epochs, seconds, backend: tf.getBackend(), threads: 1, workers: 1, machine: machine(), date: new Date().toISOString() },
    results: Object.fromEntries(CLASSIFIER_ATTRIBUTES.map((a) => [a, {
      label: `held-out accuracy: ${a} (clean / blurred ${accBlur[a].toFixed(3)})`, value: acc[a], digits: 3,
    }])),
    log: history.metrics.loss.map((loss, i) => ({ epoch: i + 1, loss })),
    details: { attributes: CLASSIFIER_ATTRIBUTES, heldOutAccuracyBlurred: accBlur },
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
