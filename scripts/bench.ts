// `npm run bench`: training and inference throughput (images/s) of the book's
// chapter-3 autoencoder and VAE on every tfjs backend that loads here, next to
// the same architectures in its peers, measured in the same run: Keras 3 on
// TensorFlow 2 (the book's own code path, bench/keras_peer.py) and PyTorch 2
// (bench/torch_peer.py), both from the project venv (bench/requirements*.txt,
// installed on first use), plus Debian's PyTorch where /usr/bin/python3 has it.
// A Markdown table gives every row's ratio to the fastest peer of each column.
//
//   npm run bench                         # full: batch 100 x 10 steps train, 1000 inference, median of 5
//   npm run bench -- --tiny               # seconds-long smoke configuration (used by the tests)
//   npm run bench -- --backends wasm,cpu --repeats 7 --no-peers --json out.json
//
// Options (flags, or env BENCH_<NAME> e.g. BENCH_REPEATS=7):
//   --backends  tensorflow,wasm,cpu   tfjs backends to try (each in its own process)
//   --models    ae,vae
//   --batch     training batch size (100)      --steps   training steps per repeat (10)
//   --infer-batch  images per inference pass (1000)
//   --repeats   timed repeats, median reported (5)   --warmup  untimed repeats first (1)
//   --cpu-steps / --cpu-repeats / --cpu-infer-batch   lighter settings for the slow cpu backend (1 / 3 / 100)
//   --workers   also time lib/train's data-parallel trainer with this many workers on wasm (2; 0 = off)
//   --threads   threads of the peers (cores; tfjs-node uses one per core)
//   --rounds    measure every row this many times, interleaved; cells are medians over rounds (1)
//   --no-peers  skip Keras and PyTorch    --no-keras / --no-torch / --no-debian-torch  skip one
//   --json FILE  also write all measurements as JSON
// The machine is shared (2 cores): numbers are medians of noisy runs; compare ratios within one run.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

/** Parameter counts of the book's models (Keras summary in the book). */
export const BOOK_PARAMS = { ae: { encoder: 96_770, decoder: 246_273 }, vae: { encoder: 100_868, decoder: 246_273 } };

type ModelKind = "ae" | "vae";
interface Options {
  backends: string[];
  models: ModelKind[];
  batch: number;
  steps: number;
  inferBatch: number;
  repeats: number;
  warmup: number;
  cpuSteps: number;
  cpuRepeats: number;
  cpuInferBatch: number;
  workers: number;
  keras: boolean;
  torch: boolean;
  debianTorch: boolean;
  threads: number;
  rounds: number;
  json: string | null;
  tiny: boolean;
}

interface ModelResult {
  params: { encoder: number; decoder: number };
  train: number;
  infer: number;
  trainAll: number[];
  inferAll: number[];
  settings?: { batch: number; steps: number; inferBatch: number; repeats: number };
}
interface RunResult {
  backend: string;
  label: string;
  /** A reference implementation (Keras, PyTorch), not a tfjs backend. */
  peer?: boolean;
  threads?: number;
  extraKernels?: string[];
  error?: string;
  ae?: ModelResult;
  vae?: ModelResult;
}

function parseOptions(argv: string[]): Options {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) throw new Error(`bench: unexpected argument '${a}'; options look like --repeats 5 (see scripts/bench.ts)`);
    const [k, v] = a.slice(2).split("=", 2);
    if (v !== undefined) flags.set(k, v);
    else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags.set(k, argv[++i]);
    else flags.set(k, "true");
  }
  const tiny = get(flags, "tiny", "false") === "true";
  const num = (k: string, full: number, small: number) => {
    const v = Number(get(flags, k, String(tiny ? small : full)));
    if (!Number.isFinite(v) || v < 0) throw new Error(`bench: --${k} must be a non-negative number, got '${get(flags, k, "")}'`);
    return v;
  };
  const peersOff = get(flags, "no-peers", "false") === "true";
  const models = get(flags, "models", "ae,vae").split(",").map((s) => s.trim()) as ModelKind[];
  for (const m of models) if (m !== "ae" && m !== "vae") throw new Error(`bench: --models takes ae,vae; got '${m}'`);
  return {
    backends: get(flags, "backends", "tensorflow,wasm,cpu").split(",").map((s) => s.trim()).filter(Boolean),
    models,
    batch: num("batch", 100, 8),
    // 10 steps (1,000 images) per timed epoch: per-epoch costs (Keras builds its data
    // iterator each epoch) stay small next to the steps.
    steps: num("steps", 10, 1),
    inferBatch: num("infer-batch", 1000, 16),
    repeats: Math.max(1, num("repeats", 5, 2)),
    warmup: num("warmup", 1, 1),
    cpuSteps: num("cpu-steps", 1, 1),
    cpuRepeats: Math.max(1, num("cpu-repeats", 3, 2)),
    cpuInferBatch: num("cpu-infer-batch", 100, 16),
    workers: num("workers", 2, 2),
    keras: !peersOff && get(flags, "no-keras", "false") !== "true",
    torch: !peersOff && get(flags, "no-torch", "false") !== "true",
    debianTorch: !peersOff && get(flags, "no-debian-torch", "false") !== "true",
    threads: Math.max(1, Math.round(num("threads", os.cpus().length, os.cpus().length))),
    rounds: Math.max(1, Math.round(num("rounds", 1, 1))),
    json: flags.has("json") ? get(flags, "json", "") : null,
    tiny,
  };
}

function get(flags: Map<string, string>, k: string, dflt: string): string {
  return flags.get(k) ?? process.env[`BENCH_${k.toUpperCase().replace(/-/g, "_")}`] ?? dflt;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- worker side
// `bench.ts --worker <backend> <json settings>` measures one backend in its own
// process (a process can only initialise one backend cleanly).

async function measure(backend: string, s: { models: ModelKind[]; batch: number; steps: number; inferBatch: number; repeats: number; warmup: number; workers: number }): Promise<RunResult> {
  const label = s.workers > 1 ? `tfjs ${backend} x${s.workers} workers` : `tfjs ${backend}`;
  process.env.GDL_BACKEND = backend;
  /* eslint-disable @typescript-eslint/no-require-imports */
  const tf = require("@tensorflow/tfjs") as typeof import("@tensorflow/tfjs");
  const { initBackend } = require("../lib/engine/backend") as typeof import("../lib/engine/backend");
  let info;
  try {
    info = await initBackend({ quiet: true });
  } catch (e) {
    return { backend, label, error: (e as Error).message.split("\n")[0] };
  }
  const { buildAutoencoder } = require("../lib/models/autoencoder") as typeof import("../lib/models/autoencoder");
  const { buildVae } = require("../lib/models/vae") as typeof import("../lib/models/vae");
  const { train } = require("../lib/train/train") as typeof import("../lib/train/train");
  const { predictParallel } = require("../lib/engine/predict/index") as typeof import("../lib/engine/predict/index");
  const out: RunResult = { backend, label, threads: info.threads * Math.max(1, s.workers), extraKernels: info.extraKernels };

  for (const kind of s.models) {
    const task = kind === "ae" ? buildAutoencoder() : buildVae();
    const params = { encoder: task.encoder.countParams(), decoder: task.decoder.countParams() };
    // Fixed random "images" in [0,1]: throughput does not depend on content.
    const x = tf.randomUniform([s.batch * s.steps, 32, 32, 1], 0, 1, "float32", 1);
    // One train() call, one epoch (= `steps` batches) per repeat, timed between
    // epoch ends: worker start-up and first-step setup land in the warm-up epoch.
    const warmup = Math.max(1, s.warmup);
    const epochMs: number[] = [];
    let last = performance.now();
    const h = await train(task, x, {
      epochs: warmup + s.repeats, batchSize: s.batch, learningRate: 5e-4, progress: false, shuffle: false,
      workers: Math.max(1, s.workers), seed: 1,
      onEpochEnd: () => {
        const now = performance.now();
        epochMs.push(now - last);
        last = now;
      },
    });
    if (h.status !== "completed") throw new Error(`bench ${kind} on ${backend}: training ${h.status}: ${h.message}`);
    const trainAll = epochMs.slice(warmup).map((ms) => (s.batch * s.steps) / (ms / 1000));
    const xi = tf.randomUniform([s.inferBatch, 32, 32, 1], 0, 1, "float32", 2);
    type T = import("@tensorflow/tfjs").Tensor;
    const inferOnce = async () => {
      const t0 = performance.now();
      if (s.workers > 1) {
        // The workers row: inference split over the same number of worker threads.
        const e = await predictParallel(task.encoder, xi, { batchSize: s.inferBatch, workers: s.workers, minRows: 0 });
        const z = Array.isArray(e) ? e[0] : e;
        const d = await predictParallel(task.decoder, z, { batchSize: s.inferBatch, workers: s.workers, minRows: 0 }) as T;
        d.dataSync();
        tf.dispose([d, ...(Array.isArray(e) ? e : [e])]);
      } else {
        tf.tidy(() => {
          const e = task.encoder.predict(xi, { batchSize: s.inferBatch });
          const z = Array.isArray(e) ? e[0] : e; // VAE: decode z_mean
          (task.decoder.predict(z, { batchSize: s.inferBatch }) as T).dataSync();
        });
      }
      return s.inferBatch / ((performance.now() - t0) / 1000);
    };
    const inferAll: number[] = [];
    for (let i = 0; i < s.warmup; i++) await inferOnce();
    for (let i = 0; i < s.repeats; i++) inferAll.push(await inferOnce());
    out[kind] = {
      params, trainAll, inferAll, train: median(trainAll), infer: inferAll.length ? median(inferAll) : NaN,
      settings: { batch: s.batch, steps: s.steps, inferBatch: s.inferBatch, repeats: s.repeats },
    };
    tf.dispose([x, xi]);
    task.dispose();
  }
  return out;
}

// ---------------------------------------------------------------- driver side

const ROOT = path.resolve(__dirname, "..");
const DEBIAN_PY = "/usr/bin/python3";
const PEER_REQUIREMENTS = ["bench/requirements-tensorflow.txt", "bench/requirements.txt"];

function runChild(cmd: string, args: string[], what: string, env: NodeJS.ProcessEnv = process.env): { result?: unknown; error?: string } {
  const r = spawnSync(cmd, args, { cwd: ROOT, env, encoding: "utf8", maxBuffer: 64 << 20 });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("BENCH_RESULT "));
  if (r.status === 0 && line) return { result: JSON.parse(line.slice("BENCH_RESULT ".length)) };
  const err = (r.error?.message ?? r.stderr ?? "").trim().split("\n").filter((l) => /error/i.test(l)).slice(-1)[0]
    ?? `exit ${r.status}`;
  return { error: `${what} failed: ${err.slice(0, 200)}` };
}

function tfjsRun(o: Options, backend: string, workers = 1): RunResult {
  const cpu = backend === "cpu";
  const settings = {
    models: o.models, batch: o.batch, warmup: o.warmup, workers,
    steps: cpu ? o.cpuSteps : o.steps,
    repeats: cpu ? o.cpuRepeats : o.repeats,
    inferBatch: cpu ? o.cpuInferBatch : o.inferBatch,
  };
  const tsx = path.join(ROOT, "node_modules", ".bin", "tsx");
  const r = runChild(tsx, [__filename, "--worker", backend, JSON.stringify(settings)], `tfjs ${backend}`);
  const label = workers > 1 ? `tfjs ${backend} x${workers} workers` : `tfjs ${backend}`;
  return (r.result as RunResult) ?? { backend, label, error: r.error };
}

/** The project venv's Python with Keras/TensorFlow and PyTorch (installed on first use), or why not. */
function peerPython(log: (s: string) => void): { python?: string; error?: string } {
  log("peers: project venv (bench/requirements*.txt; pip installs on first use) ...");
  const code = `import(${JSON.stringify(path.join(ROOT, "scripts", "python-env.mjs"))}).then((m) => m.ensureVenv(${JSON.stringify(PEER_REQUIREMENTS)}))
    .then((p) => console.log("VENV_PYTHON " + p), (e) => { console.error(e.message); process.exit(1); });`;
  const r = spawnSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });
  const line = (r.stdout ?? "").split("\n").find((l) => l.startsWith("VENV_PYTHON "));
  if (r.status === 0 && line) return { python: line.slice("VENV_PYTHON ".length).trim() };
  return { error: `the project venv could not be set up (exit ${r.status}; see above)` };
}

function peerArgs(o: Options): string[] {
  return ["--batch", String(o.batch), "--steps", String(o.steps), "--infer-batch", String(o.inferBatch),
    "--repeats", String(o.repeats), "--warmup", String(o.warmup), "--models", o.models.join(","), "--threads", String(o.threads)];
}

function pyPeerRun(o: Options, python: string | undefined, script: string, label: string, why?: string): RunResult {
  const backend = script.replace(/_peer\.py$/, "");
  if (!python) return { backend, label, peer: true, error: why ?? "no Python" };
  const r = runChild(python, [path.join(ROOT, "bench", script), ...peerArgs(o)], label);
  if (!r.result) return { backend, label, peer: true, error: r.error };
  const t = r.result as RunResult & { version: string };
  const version = t.version.replace(/a0$/, "").replace(/\+cpu$/, "");
  return { ...t, backend, peer: true, label: label.replace("{version}", version) };
}

/** One row per label: per model, the median over rounds of train and infer (all samples kept). */
export function mergeRounds(rounds: RunResult[][], models: ModelKind[]): RunResult[] {
  return rounds[0].map((first) => {
    const same = rounds.map((rs) => rs.find((r) => r.label === first.label)).filter((r): r is RunResult => !!r && !r.error);
    if (same.length === 0) return first;
    const out: RunResult = { ...same[0] };
    for (const m of models) {
      const ok = same.map((r) => r[m]).filter((x): x is ModelResult => !!x);
      if (!ok.length) continue;
      const med = (k: "train" | "infer") => median(ok.map((x) => x[k]).filter(Number.isFinite));
      out[m] = { ...ok[0], train: med("train"), infer: med("infer"), trainAll: ok.flatMap((x) => x.trainAll), inferAll: ok.flatMap((x) => x.inferAll) };
    }
    return out;
  });
}

const fmt = (v: number | undefined) => (v === undefined || !Number.isFinite(v) ? "–" : v >= 100 ? v.toFixed(0) : v.toFixed(1));

interface Column { head: string; model: ModelKind; kind: "train" | "infer"; ref?: RunResult }

/** Per column (model x train/infer), the fastest peer row: every ratio in that column is to it. */
export function columns(rows: RunResult[], models: ModelKind[]): Column[] {
  const cols: Column[] = [];
  for (const model of models) {
    for (const kind of ["train", "infer"] as const) {
      let ref: RunResult | undefined;
      for (const r of rows) {
        const v = r[model]?.[kind];
        if (r.peer && !r.error && v !== undefined && Number.isFinite(v) && (!ref || v > ref[model]![kind])) ref = r;
      }
      cols.push({ head: `${model.toUpperCase()} ${kind} img/s`, model, kind, ref });
    }
  }
  return cols;
}

export function markdownTable(rows: RunResult[], models: ModelKind[]): string {
  const cols = columns(rows, models);
  const lines = [
    `| backend | threads | ${cols.map((c) => c.head + (c.ref ? ` (× ${shortName(c.ref)})` : "")).join(" | ")} |`,
    `|---|---|${cols.map(() => "---:").join("|")}|`,
  ];
  for (const r of rows) {
    if (r.error) {
      lines.push(`| ${r.label} | – | ${cols.map(() => "–").join(" | ")} |`);
      continue;
    }
    const cells = cols.map((c) => {
      const v = r[c.model]?.[c.kind];
      if (v === undefined || !Number.isFinite(v)) return "–";
      const ref = c.ref?.[c.model]?.[c.kind];
      if (!ref) return fmt(v);
      return `${fmt(v)} (${(v / ref).toFixed(2)}×)`;
    });
    lines.push(`| ${r.label} | ${r.threads ?? "?"} | ${cells.join(" | ")} |`);
  }
  return lines.join("\n");
}

/** "Keras" for "Keras 3.15.1 / TF 2.21.0", "PyTorch 2.13.0" for PyTorch rows. */
function shortName(r: RunResult): string {
  return r.label.startsWith("Keras") ? "Keras" : r.label.replace(/ \(.*\)$/, "");
}

/** Every row's parameter counts must equal the book's; returns problems (empty = ok). */
export function paramProblems(rows: RunResult[], models: ModelKind[]): string[] {
  const problems: string[] = [];
  for (const r of rows) {
    if (r.error) continue;
    for (const m of models) {
      const p = r[m]?.params;
      const want = BOOK_PARAMS[m];
      if (!p || p.encoder !== want.encoder || p.decoder !== want.decoder) {
        problems.push(`${r.label} ${m}: params ${JSON.stringify(p)} != book ${JSON.stringify(want)}`);
      }
    }
  }
  return problems;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === "--worker") {
    const res = await measure(argv[1], JSON.parse(argv[2]));
    console.log("BENCH_RESULT " + JSON.stringify(res));
    return;
  }
  const o = parseOptions(argv);
  const started = Date.now();
  const loadAtStart = os.loadavg()[0].toFixed(2);
  const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
  log(`${o.tiny ? "TINY " : ""}batch ${o.batch} x ${o.steps} steps, inference ${o.inferBatch}, median of ${o.repeats} after ${o.warmup} warm-up; cpu: ${o.cpuSteps} step(s), median of ${o.cpuRepeats}, inference ${o.cpuInferBatch}; load ${os.loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  // Peers on the same threads, in the same run: ratios are what counts on a shared machine.
  const venv = o.keras || o.torch ? peerPython(log) : { error: "skipped (--no-peers)" };
  const measureAll = (): RunResult[] => {
    const rows: RunResult[] = [];
    for (const b of o.backends) {
      log(`tfjs ${b} ...`);
      const r = tfjsRun(o, b);
      rows.push(r);
      if (r.error) log(`  not available: ${r.error}`);
      if (b === "wasm" && !r.error && o.workers > 1) {
        log(`tfjs wasm, lib/train with ${o.workers} workers ...`);
        const w = tfjsRun(o, "wasm", o.workers);
        rows.push(w);
        if (w.error) log(`  failed: ${w.error}`);
      }
    }
    const peers: [boolean, () => RunResult][] = [
      [o.keras, () => pyPeerRun(o, venv.python, "keras_peer.py", "{version}", venv.error)],
      [o.torch, () => pyPeerRun(o, venv.python, "torch_peer.py", "PyTorch {version}", venv.error)],
      [o.debianTorch, () => {
        const has = spawnSync(DEBIAN_PY, ["-c", "import torch"]).status === 0;
        return pyPeerRun(o, has ? DEBIAN_PY : undefined, "torch_peer.py", "PyTorch {version} (Debian)", `${DEBIAN_PY} has no torch (apt install python3-torch)`);
      }],
    ];
    for (const [on, measurePeer] of peers) {
      if (!on) continue;
      const r = measurePeer();
      log(`${r.label} ...${r.error ? ` not measured: ${r.error}` : " done"}`);
      rows.push(r);
    }
    return rows;
  };
  // --rounds N: every row measured N times, interleaved, so a burst of load on the
  // shared machine hits all rows alike; each cell is the median over rounds.
  const rounds: RunResult[][] = [];
  for (let k = 0; k < o.rounds; k++) {
    if (o.rounds > 1) log(`round ${k + 1}/${o.rounds}`);
    rounds.push(measureAll());
  }
  const rows = mergeRounds(rounds, o.models);

  const problems = paramProblems(rows, o.models);
  const names = o.models.map((m) => `${m.toUpperCase()} encoder ${BOOK_PARAMS[m].encoder.toLocaleString("en")} / decoder ${BOOK_PARAMS[m].decoder.toLocaleString("en")}`).join("; ");
  const cols = columns(rows, o.models);
  console.log(`\n### Chapter-3 models, images/s (median; ratio to the fastest peer of each column, same run)\n`);
  console.log(markdownTable(rows, o.models));
  console.log("");
  for (const r of rows.filter((r) => r.error)) console.log(`- ${r.label}: not measured (${r.error})`);
  const fastest = cols.filter((c) => c.ref).map((c) => `${c.head.replace(" img/s", "")}: ${c.ref!.label}`);
  console.log(`- Fastest peer: ${fastest.length ? fastest.join("; ") : "none measured (no ratios)"}.`);
  console.log(`- Param check: ${problems.length ? "MISMATCH " + problems.join("; ") : `OK, every measured row has ${names}`}`);
  console.log(`- Training: lib/train train() (workers row: its data-parallel engine), Adam 5e-4, batch ${o.batch}; a timed repeat is one epoch of ${o.steps} step(s) (cpu ${o.cpuSteps}); Keras: the book's compile/fit (VAE: its train_step under tf.function); PyTorch: zero_grad/backward/step. Peers on ${o.threads} thread(s).`);
  for (const r of rows.filter((r) => r.backend === "torch" && !r.error)) {
    const blas = ((r as RunResult & { blas?: string[] }).blas ?? []).join(", ") || "unknown";
    const reference = /(^|, )blas\/libblas/.test(blas);
    console.log(`- ${r.label} BLAS: ${blas}${reference ? " - the slow reference BLAS: Debian's torch runs ConvTranspose2d and conv backward through it; apt install libopenblas0-pthread" : ""}.`);
  }
  console.log(`- Inference: encoder then decoder (VAE: z_mean) on ${o.inferBatch} images per pass (cpu ${o.cpuInferBatch}); tfjs and Keras with predict() (the book's call).`);
  const keras = rows.find((r) => r.backend === "keras" && !r.error) as (RunResult & Record<ModelKind, { inferOnBatch?: number }>) | undefined;
  if (keras) {
    const parts = o.models.map((m) => `${m.toUpperCase()} ${fmt(keras[m]?.inferOnBatch)}`);
    console.log(`- Keras without predict()'s per-call set-up (predict_on_batch), img/s: ${parts.join(", ")}.`);
  }
  console.log(`- ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), shared with other jobs: timings are noisy (load average ${loadAtStart} at the start, ${os.loadavg()[0].toFixed(2)} at the end). Total bench time ${((Date.now() - started) / 1000).toFixed(0)} s.`);
  if (o.json) {
    const tmp = `${o.json}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, JSON.stringify({ options: o, rows, date: new Date().toISOString() }, null, 2));
    fs.renameSync(tmp, o.json);
  }
  if (problems.length) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
