// Trains the chapter-3 autoencoder that ships in pretrained/autoencoder/ with the
// book's recipe (Adam 1e-3, binary cross-entropy, batch 100, 60k training images,
// validation on the 10k test images), saving after every epoch so an
// interrupted run still leaves the best finished epoch behind.
//
//   npx tsx scripts/train-pretrained-autoencoder.ts [--epochs 3] [--workers 1|2|auto] [--out pretrained/autoencoder] [--limit N] [--val-limit N]
//   npx tsx scripts/train-pretrained-autoencoder.ts --resume --epochs 2   (continue from <out>: 2 more epochs, fresh Adam)
//   npx tsx scripts/train-pretrained-autoencoder.ts --readme-only   (rewrite <out>/README.md from training.json)
//
// Writes <out>/encoder/{model.json,weights.bin}, <out>/decoder/{...} (tfjs layers
// format) and <out>/training.json (the pretrained metadata schema of
// lib/train/pretrained.ts: recipe, per-epoch losses, timings, command).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildAutoencoder } from "../lib/models/autoencoder";
import { train } from "../lib/train/train";
import { loadWeights, saveWeights } from "../lib/train/weights";
import { PretrainedInfo, readPretrainedInfo, writePretrainedInfo } from "../lib/train/pretrained";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

interface EpochLog { epoch: number; loss: number; val_loss: number; wallSeconds: number }
interface AeDetails { bestEpoch: number; epochsRequested: number; resumedAfter?: number; resumed?: string }

/** README.md of the shipped weights, from training.json (so the numbers cannot drift from the log). */
function readmeText(info: PretrainedInfo): string {
  const eps = info.log as unknown as EpochLog[];
  const d = info.details as unknown as AeDetails;
  const t = info.trained;
  const meta = { ...d, workers: t.workers, backend: t.backend, threads: t.threads, date: t.date };
  const best = eps.find((e) => e.epoch === meta.bestEpoch)!;
  const rows = eps.map((e) => `| ${e.epoch} | ${e.loss.toFixed(4)} | ${e.val_loss.toFixed(4)} | ${(e.wallSeconds / 60).toFixed(1)} min | ${(60000 / e.wallSeconds).toFixed(0)} |`);
  const total = eps.reduce((s, e) => s + e.wallSeconds, 0);
  return `# Pretrained chapter-3 autoencoder (Fashion-MNIST, 2-D latent space)

Weights for \`buildAutoencoder()\` (lib/models/autoencoder.ts: the book's encoder with 96,770 and decoder
with 246,273 parameters), in the tfjs layers format: \`encoder/\` and \`decoder/\` each hold
\`model.json\` (topology + weight manifest) and \`weights.bin\` (float32). Load them offline with

\`\`\`ts
const ae = buildAutoencoder();
await loadWeights(ae, "pretrained/autoencoder");   // lib/train/weights.ts
\`\`\`

## How they were trained

${meta.resumedAfter ? `\`npx tsx scripts/train-pretrained-autoencoder.ts --epochs ${meta.resumedAfter} --workers ${meta.workers}\` (the book's 3 epochs), then
\`... --resume --epochs ${meta.epochsRequested - meta.resumedAfter} --workers ${meta.workers}\` (${meta.resumed}),
all with the book's recipe` : `\`npx tsx scripts/train-pretrained-autoencoder.ts --epochs ${meta.epochsRequested ?? eps.length} --workers ${meta.workers}\`
(the book's recipe)`}: Adam, learning rate 1e-3, binary cross-entropy averaged over the pixels, batch
size 100, all 60,000 training images padded to 32×32, shuffled every epoch (seed ${info.recipe.seed}),
validation on the 10,000 test images after every epoch. The weights of the epoch with the lowest
validation loss are kept; \`training.json\` has the full log.${eps.length < (meta.epochsRequested ?? 0) ? `
Only ${eps.length} of the ${meta.epochsRequested} requested epochs had finished when these weights were saved (the session that trained them had a time limit).` : ""}

**Validation BCE per pixel: ${best.val_loss.toFixed(4)}** after epoch ${best.epoch} (the book reports 0.2535 after 3 epochs in Keras).

| epoch | train BCE/pixel | val BCE/pixel | wall time (incl. validation) | img/s (wall) |
|---|---|---|---|---|
${rows.join("\n")}

Backend: tfjs ${meta.backend} (${meta.threads} thread per worker), ${meta.workers} data-parallel worker(s) of
\`train()\`, on a ${t.machine.replace(/^(\d+) x (.*?), shared with other jobs$/, "$1-core $2")} that was **shared with several other training jobs**
at the time (load average 5-20), so the times above are far slower than the machine can do alone
(about 135 img/s on one free core). Total: ${(total / 60).toFixed(0)} min. Trained ${String(meta.date).slice(0, 10)}.
`;
}

async function main(): Promise<void> {
  if (process.argv.includes("--readme-only")) {
    const out = path.resolve(arg("out", "pretrained/autoencoder"));
    const info = readPretrainedInfo(out);
    if (!info) throw new Error(`${out} has no training.json to write the README from`);
    fs.writeFileSync(path.join(out, "README.md"), readmeText(info));
    console.log(`wrote ${path.join(out, "README.md")}`);
    return;
  }
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
  const resume = process.argv.includes("--resume");
  let log: EpochLog[] = [];
  let best = Infinity;
  let bestEpoch = 0;
  let offset = 0;
  let resumeNote: string | undefined;
  const commands: string[] = [];
  if (resume) {
    await loadWeights(ae, out);
    const prev = readPretrainedInfo(out);
    if (!prev) throw new Error(`--resume: ${out} has no training.json`);
    log = prev.log as unknown as EpochLog[];
    best = prev.results.valBcePerPixel.value;
    bestEpoch = (prev.details as unknown as AeDetails).bestEpoch;
    offset = log.length;
    commands.push(...prev.commands);
    resumeNote = `epochs ${offset + 1}+ continued from the saved epoch-${bestEpoch} weights with a fresh Adam, since the optimizer state is not saved`;
    console.log(`resuming after ${offset} epochs (best val ${best.toFixed(4)})`);
  }
  commands.push(`npx tsx scripts/train-pretrained-autoencoder.ts ${process.argv.slice(2).join(" ")}`.trim());
  // The metadata (lib/train/pretrained.ts schema) after `log`'s epochs, with the best epoch's weights saved.
  const metadata = (): PretrainedInfo => {
    const last = log[log.length - 1];
    return {
      schema: 1, title: "Book chapter-3 autoencoder (2-D latent) on Fashion-MNIST padded to 32x32", model: "buildAutoencoder()", commands,
      recipe: { optimizer: "adam", learningRate: 1e-3, loss: "binary cross-entropy (mean over pixels)", batchSize: 100, trainImages: trainSet.images.shape[0], validation: "test split (10k)", seed },
      trained: {
        epochs: log.length, images: trainSet.images.shape[0] * log.length, seconds: log.reduce((s, e) => s + e.wallSeconds, 0),
        backend: info.name, threads: info.threads ?? 1, workers: workersArg, machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "CPU"}, shared with other jobs`,
        date: new Date().toISOString(),
      },
      results: {
        valBcePerPixel: { label: "validation BCE per pixel", value: best, digits: 4, book: 0.2535, headline: true },
        trainBcePerPixel: { label: "training BCE per pixel (last epoch)", value: last.loss, digits: 4 },
      },
      log: log as unknown as Record<string, number>[],
      details: { bestEpoch, epochsRequested: epochs + offset, resumedAfter: resume ? offset : undefined, resumed: resumeNote },
    };
  };
  const t0 = Date.now();
  let lastEpochEnd = t0;
  const history = await train(ae, trainSet.images, {
    epochs, batchSize: 100, learningRate: 1e-3, validation: testSet.images, seed: seed + offset, workers,
    progress: "text", title: "pretrained autoencoder",
    onEpochEnd: async (localEpoch, logs) => {
      const epoch = localEpoch + offset;
      const now = Date.now();
      const entry: EpochLog = { epoch, loss: logs.loss, val_loss: logs.val_loss, wallSeconds: (now - lastEpochEnd) / 1000 };
      lastEpochEnd = now;
      log.push(entry);
      const val = logs.val_loss;
      if (val < best) {
        best = val;
        bestEpoch = epoch;
        await saveWeights(ae, out); // atomic; keeps README.md and training.json beside the weights
        console.log(`epoch ${epoch}: val BCE/pixel ${val.toFixed(4)} -> saved to ${out} (${entry.wallSeconds.toFixed(0)} s)`);
      } else {
        console.log(`epoch ${epoch}: val BCE/pixel ${val.toFixed(4)} (best stays ${best.toFixed(4)})`);
      }
      // The log is kept up to date every epoch, also when the weights stay.
      const meta = metadata();
      writePretrainedInfo(out, meta);
      fs.writeFileSync(path.join(out, "README.md"), readmeText(meta));
    },
  });
  console.log(history.message, `total wall ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  tf.dispose([trainSet.images, testSet.images]);
  ae.dispose();
}

main().catch((e) => { console.error(e); process.exit(1); });
