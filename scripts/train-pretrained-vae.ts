// Trains the chapter-3 VAE that ships in pretrained/vae/ with the book's recipe
// (2-D latent, loss 500 x mean BCE + KL, Adam 5e-4, batch 100, 60k training
// images, 5 epochs), saving after every epoch so an interrupted run still leaves
// the last finished epoch behind; then measures it on the 10k test images:
// negative ELBO and an IWAE bound in nats per image, and the book's units.
//
//   npx tsx scripts/train-pretrained-vae.ts [--epochs 5] [--workers auto|1|2] [--out pretrained/vae]
//        [--limit N] [--chunk 6000] [--iwae-images 1000] [--k 100] [--seed 42] [--eval-only]
//   npx tsx scripts/train-pretrained-vae.ts --readme-only   (rewrite <out>/README.md from training.json)
//
// Writes <out>/encoder/, <out>/decoder/ (tfjs layers format, via saveWeights),
// <out>/training.json (lib/train/pretrained.ts schema: per-epoch losses, test
// numbers, img/s, backend, command) and <out>/README.md.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/engine/backend";
import { loadFashionMnist } from "../lib/data/fashion-mnist";
import { buildVae, VAE_TRAINING } from "../lib/models/vae";
import { mulberry32, permutation, train } from "../lib/train/train";
import { loadWeights, saveWeights } from "../lib/train/weights";
import { iwaeNll, negativeElbo } from "../lib/eval/elbo";
import { PretrainedInfo, readPretrainedInfo, writePretrainedInfo } from "../lib/train/pretrained";

function arg(name: string, def: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : def;
}

function writeAtomic(file: string, text: string): void {
  fs.writeFileSync(`${file}.tmp`, text);
  fs.renameSync(`${file}.tmp`, file);
}

type Run = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The run record (recipe, epochs log, training and test blocks) in the pretrained metadata schema. */
function metadata(m: Run, commands: string[]): PretrainedInfo {
  const tr = m.training ?? {}, t = m.test;
  const epochsDone = Number(tr.epochsDone ?? m.current?.epoch ?? 0);
  const results: PretrainedInfo["results"] = t ? {
    negativeElbo: { label: `test negative ELBO, nats/image (${t.images} images)`, value: t.negativeElboNats, digits: 1, headline: true },
    reconstruction: { label: "test reconstruction, nats/image", value: t.reconstructionNats, digits: 1 },
    kl: { label: "test KL, nats/image", value: t.klNats, digits: 2, headline: true },
    iwae: { label: `test IWAE bound (k = ${t.iwae.k}, ${t.iwae.images} images), nats/image`, value: t.iwae.nllNats, digits: 1, headline: true },
    bookReconstruction: { label: "book units: 500 x mean BCE (test)", value: t.book.reconstruction, digits: 1, book: 130 },
    bookKl: { label: "book units: KL (test)", value: t.book.kl, digits: 2, book: 5.3 },
  } : {
    // Mid-training saves (before the test evaluation): the running training loss.
    trainLoss: { label: "training loss, book units (running mean)", value: m.current?.loss ?? NaN, digits: 2, headline: true },
  };
  return {
    schema: 1, title: "Book chapter-3 VAE (2-D latent) on Fashion-MNIST padded to 32x32", model: "buildVae()", commands,
    recipe: m.recipe,
    trained: {
      epochs: epochsDone, images: Math.round(m.recipe.trainImages * epochsDone), seconds: tr.wallSeconds ?? 0,
      backend: m.backend, threads: m.threads ?? 1, workers: tr.workers ?? 1, machine: m.machine, date: m.date ?? new Date().toISOString(),
    },
    results,
    log: m.epochs ?? [],
    details: { training: tr, ...(t ? { test: t } : {}), ...(m.current && !t ? { current: m.current } : {}) },
  };
}

async function main(): Promise<void> {
  if (process.argv.includes("--readme-only")) {
    const out = path.resolve(arg("out", "pretrained/vae"));
    const info = readPretrainedInfo(out);
    if (!info) throw new Error(`${out} has no training.json to write the README from`);
    writeAtomic(path.join(out, "README.md"), readme(info));
    console.log(`wrote ${path.join(out, "README.md")}`);
    return;
  }
  const epochs = Number(arg("epochs", "5"));
  const workersArg = arg("workers", "auto");
  const workers = workersArg === "auto" ? "auto" : Number(workersArg);
  const out = path.resolve(arg("out", "pretrained/vae"));
  const limit = process.argv.includes("--limit") ? Number(arg("limit", "0")) : undefined;
  const iwaeImages = Number(arg("iwae-images", "1000"));
  const k = Number(arg("k", "100"));
  const seed = Number(arg("seed", "42"));
  const evalOnly = process.argv.includes("--eval-only");
  const chunk = Number(arg("chunk", "6000"));
  const info = await initBackend();
  const trainSet = await loadFashionMnist({ split: "train", limit });
  const testSet = await loadFashionMnist({ split: "test" });
  const vae = buildVae();
  const prevInfo = readPretrainedInfo(out);
  const prev: Run = prevInfo ? { recipe: prevInfo.recipe, training: prevInfo.details?.training, epochs: prevInfo.log, current: prevInfo.details?.current } : {};
  const command = `npx tsx scripts/train-pretrained-vae.ts ${process.argv.slice(2).join(" ")}`.trim();
  const commands = evalOnly && prevInfo ? [...prevInfo.commands, command] : [command];
  const meta: Run = {
    recipe: {
      optimizer: "adam", learningRate: VAE_TRAINING.learningRate, batchSize: VAE_TRAINING.batchSize,
      loss: "500 x binary cross-entropy (mean over pixels) + KL (summed over latent dims), batch mean",
      epochs, trainImages: trainSet.images.shape[0], seed, chunk,
    },
    backend: info.name, threads: info.threads, machine: `${os.cpus().length} x ${os.cpus()[0]?.model ?? "CPU"}, shared with other jobs`,
  };
  console.log(`encoder ${vae.encoder.countParams()} params, decoder ${vae.decoder.countParams()} params; ${trainSet.images.shape[0]} training images`);
  if (evalOnly) {
    await loadWeights(vae, out);
    Object.assign(meta, { recipe: prev.recipe ?? meta.recipe, training: prev.training, epochs: prev.epochs, current: prev.current });
  } else {
    // Train in chunks of `chunk` images with one Adam optimizer carried across
    // them: the same as plain epochs (the whole set is reshuffled every epoch),
    // but weights are saved every chunk, so a run cut short on a busy machine
    // still ships its latest state.
    const optimizer = tf.train.adam(VAE_TRAINING.learningRate);
    const n = trainSet.images.shape[0];
    const rng = mulberry32(seed);
    const log: Record<string, number>[] = [];
    const t0 = Date.now();
    let seconds = 0, images = 0, part = 0;
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const perm = permutation(n, rng);
      const sums: Record<string, number> = {};
      let seen = 0;
      for (let lo = 0; lo < n; lo += chunk) {
        const idx = tf.tensor1d(perm.subarray(lo, Math.min(n, lo + chunk)), "int32");
        const xs = tf.gather(trainSet.images, idx);
        idx.dispose();
        const h = await train(vae, xs, { epochs: 1, batchSize: VAE_TRAINING.batchSize, optimizer, shuffle: false, seed: seed * 1000 + part++, workers, progress: false });
        const m = xs.shape[0];
        xs.dispose();
        if (h.status === "nan") throw new Error(h.message);
        seconds += h.seconds; images += m; seen += m;
        for (const [k, v] of Object.entries(h.metrics)) sums[k] = (sums[k] ?? 0) + v[0] * m;
        const logs: Record<string, number> = {};
        for (const k of Object.keys(sums)) logs[k] = sums[k] / seen;
        const entry = { epoch: epoch - 1 + seen / n, ...logs, bookReconstruction: 500 * logs.reconstruction, imagesPerSecond: images / seconds, wallSeconds: (Date.now() - t0) / 1000 };
        if (seen >= n) log.push(entry);
        await saveWeights(vae, out);
        const training = { seconds, imagesPerSecond: images / seconds, workers: h.workers, epochsDone: epoch - 1 + seen / n, wallSeconds: (Date.now() - t0) / 1000 };
        writePretrainedInfo(out, metadata({ ...meta, epochs: log, current: entry, training, date: new Date().toISOString() }, commands));
        console.log(`epoch ${entry.epoch.toFixed(2)}: loss ${logs.loss.toFixed(2)} (500 x BCE ${(500 * logs.reconstruction).toFixed(2)}, KL ${logs.kl.toFixed(2)}), ` +
          `${(images / seconds).toFixed(1)} img/s, ${h.workers} worker(s) -> saved`);
      }
    }
    optimizer.dispose();
    meta.epochs = log;
    meta.training = { seconds, imagesPerSecond: images / seconds, epochsDone: epochs, wallSeconds: (Date.now() - t0) / 1000 };
    console.log(`trained ${epochs} epochs in ${seconds.toFixed(0)} s (${(images / seconds).toFixed(1)} img/s)`);
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
  const final = metadata(meta, commands);
  writePretrainedInfo(out, final);
  writeAtomic(path.join(out, "README.md"), readme(final));
  console.log(JSON.stringify(meta.test, null, 2));
  tf.dispose([trainSet.images, testSet.images]);
  vae.dispose();
}

/** pretrained/vae/README.md, written from the measured numbers (never typed by hand). */
function readme(info: PretrainedInfo): string {
  const f = (v: number, d = 2) => (typeof v === "number" ? v.toFixed(d) : "n/a");
  const [cpus, cpuModel] = info.trained.machine.replace(/, shared with other jobs$/, "").split(" x ");
  const m: Run = { recipe: info.recipe, backend: info.trained.backend, threads: info.trained.threads, cpus, cpuModel };
  const d: Run = info.details ?? {};
  const t = d.test, tr = d.training ?? {}, last = d.current ?? info.log[info.log.length - 1] ?? {};
  const done = Number(tr.epochsDone ?? last.epoch ?? 0);
  const planned = m.recipe?.epochs ?? 5;
  return `# Pretrained VAE (book chapter 3, Fashion-MNIST)

The variational autoencoder of *Generative Deep Learning* (2nd ed.) chapter 3, as built by
\`buildVae()\` in \`lib/models/vae.ts\`: a conv encoder (32-64-128 filters, stride 2) with two dense
heads \`z_mean\` and \`z_log_var\` (2-D latent), reparameterised sampling, and the mirrored
conv-transpose decoder with a sigmoid output. Images are padded to 32x32.

Files: \`encoder/\` and \`decoder/\` (tfjs layers format: model.json + weights.bin, saved by
\`saveWeights\`), \`training.json\` (training log per chunk/epoch and the test numbers below).

\`\`\`ts
const vae = buildVae();
await loadWeights(vae, "pretrained/vae");
\`\`\`

## How it was trained

\`npx tsx scripts/train-pretrained-vae.ts\` — the book's recipe: loss = 500 x binary cross-entropy
(mean over pixels) + KL (summed over the 2 latent dimensions), batch mean; Adam, learning rate
${m.recipe?.learningRate}, batch ${m.recipe?.batchSize}, ${m.recipe?.trainImages} training images reshuffled every epoch,
seed ${m.recipe?.seed}. Weights are saved every ${m.recipe?.chunk ?? 6000} images (one Adam optimizer carried across), so a
run can stop at any point and ship its latest state.

**Epochs trained: ${f(done)} of the planned ${planned}.**${done < planned ? ` The machine was shared by several
jobs (about ${f(tr.imagesPerSecond, 0)} img/s instead of the ~130 img/s of an idle core), so the run was stopped
at the session's deadline; \`--epochs ${planned}\` on a quiet machine finishes the book's schedule.` : ""}

Training loss at the end (running mean over the last epoch's images, book units):
500 x BCE ${f(last.bookReconstruction)}, KL ${f(last.kl)}, total ${f(last.loss)}.
The book reports about 130 (reconstruction) and 5.3 (KL) after 5 epochs.

Time: ${f(tr.seconds, 0)} s of training steps (${f(tr.imagesPerSecond, 1)} img/s, ${tr.workers ?? 1} worker) on the
tfjs ${m.backend} backend (${m.threads} thread), ${m.cpus} x ${m.cpuModel}, shared with other jobs.

## Test-set numbers (${t?.images} Fashion-MNIST test images)

| quantity | value |
|---|---|
| negative ELBO (nats / image) | ${f(t?.negativeElboNats)} |
| reconstruction E_q[-log p(x given z)] (BCE summed over 1024 pixels, nats) | ${f(t?.reconstructionNats)} |
| KL(q(z given x) ‖ N(0, I)) (nats) | ${f(t?.klNats)} |
| book units: 500 x mean BCE | ${f(t?.book?.reconstruction)} |
| book units: KL | ${f(t?.book?.kl)} |
| book units: total loss | ${f(t?.book?.total)} |
| IWAE bound on -log p(x), k = ${t?.iwae?.k}, first ${t?.iwae?.images} test images (nats / image) | ${f(t?.iwae?.nllNats)} |
| negative ELBO on the same ${t?.iwae?.images} images (nats / image) | ${f(t?.iwae?.negativeElboSameSubsetNats)} |

Computed by \`negativeElbo\` and \`iwaeNll\` in \`lib/eval/elbo.ts\` (seed 0; one z sample per image for
the ELBO's reconstruction term, KL in closed form). Pixels are treated as Bernoulli probabilities
(grey levels as soft targets), the usual convention. Evaluation took ${f(t?.elboSeconds, 0)} s (ELBO) and
${f(t?.iwae?.seconds, 0)} s (IWAE). Re-run only the evaluation with \`--eval-only\`.
`;
}

main().catch((e) => { console.error(e); process.exit(1); });
