// Backend choice for the whole workbook: tfjs-node if it loads, else wasm, else cpu.
// Override with GDL_BACKEND=tensorflow|wasm|cpu. The choice is printed once.
import * as tf from "@tensorflow/tfjs";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { inspect } from "util";
import { installKernels } from "./kernels/index";

export type BackendName = "tensorflow" | "wasm" | "cpu";
export const BACKEND_ENV = "GDL_BACKEND";

export interface BackendInfo {
  name: BackendName;
  /** What computes, e.g. "TensorFlow 2.21.0 C library (tfjs-node)". */
  engine: string;
  /** Threads one backend instance computes with (wasm in Node is single-threaded). */
  threads: number;
  /** Data-parallel workers train() uses here by default (workers: "auto" on a real dataset). */
  trainWorkers: number;
  /** Extra kernels registered by lib/engine so conv nets can train here. */
  extraKernels: string[];
  /** Why earlier candidates were skipped (kept out of the printed line). */
  skipped: string[];
}

/** Shown when the backend is wasm although native TensorFlow could be set up. */
export const NATIVE_HINT = "For the native TensorFlow backend (about 2x faster training, 5x faster inference): npm run setup:native";

/** Hooks run once per backend after it is set, e.g. to register faster kernels. */
type KernelInstaller = (backend: BackendName) => string[];
const installers: KernelInstaller[] = [];
export function addKernelInstaller(fn: KernelInstaller): void {
  installers.push(fn);
}

// Conv gradient kernels so conv nets train on wasm (and fast on cpu).
addKernelInstaller(installKernels);

let current: Promise<BackendInfo> | null = null;
const installedFor = new Set<string>();

function candidates(): BackendName[] {
  const forced = process.env[BACKEND_ENV]?.trim();
  if (forced) {
    if (forced !== "tensorflow" && forced !== "wasm" && forced !== "cpu") {
      throw new Error(`${BACKEND_ENV}=${forced} is not a backend; use one of tensorflow, wasm, cpu (or unset it).`);
    }
    return [forced];
  }
  return ["tensorflow", "wasm", "cpu"];
}

const PROCESS_EVENTS = ["uncaughtException", "unhandledRejection"] as const;

/**
 * The wasm backend's Emscripten glue adds process handlers that re-throw every
 * uncaught exception and unhandled rejection, which turns one stray async error
 * in a notebook cell into a dead kernel. Remove the handlers it added, so the
 * kernel's own (which report the error) or Node's defaults apply again.
 */
function dropHandlersAddedSince(before: Record<(typeof PROCESS_EVENTS)[number], Function[]>): void {
  for (const ev of PROCESS_EVENTS) {
    for (const l of process.listeners(ev as "uncaughtException")) {
      if (!before[ev].includes(l)) process.removeListener(ev, l as (...args: unknown[]) => void);
    }
  }
}

/** scripts/setup-native.mjs's measurement of TensorFlow's oneDNN kernels on one CPU (checkOneDnn). */
export interface OneDnnVerdict { cpu: string; exact: boolean; worst?: { relErr: number; case: string; quantity: string } }

/**
 * TF_ENABLE_ONEDNN_OPTS for this CPU where the learner has not set it (TensorFlow reads it once,
 * when tfjs-node loads): "0" where the native setup measured oneDNN's conv kernels to be inexact
 * on this CPU (an AMD EPYC 7B13: Conv2DBackpropInput 7% off), else TensorFlow's default (on:
 * exact and about 1.4x faster for the autoencoder's step on AVX-512 EPYCs and Xeons).
 */
export function oneDnnDefault(verdict: OneDnnVerdict | null = readOneDnnVerdict(), cpuModel: string = os.cpus()[0]?.model ?? ""): "0" | undefined {
  return verdict && verdict.cpu === cpuModel && verdict.exact === false ? "0" : undefined;
}

function readOneDnnVerdict(): OneDnnVerdict | null {
  try {
    const dir = path.dirname(require.resolve("@tensorflow/tfjs-node/package.json"));
    return JSON.parse(fs.readFileSync(path.join(dir, "deps", "gdl-onednn.json"), "utf8")) as OneDnnVerdict;
  } catch {
    return null; // not set up by scripts/setup-native.mjs: TensorFlow's default
  }
}

async function trySet(name: BackendName): Promise<void> {
  const before = {
    uncaughtException: process.listeners("uncaughtException") as Function[],
    unhandledRejection: process.listeners("unhandledRejection") as Function[],
  };
  try {
    if (name === "tensorflow") {
      // Optional dependency: absent where its native library could not be downloaded
      // (npm run setup:native builds it against a local TensorFlow). TensorFlow's C++
      // start-up notes (oneDNN, CPU features) are not for learners.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
      const oneDnn = oneDnnDefault();
      if (oneDnn) process.env.TF_ENABLE_ONEDNN_OPTS ??= oneDnn;
      require("@tensorflow/tfjs-node");
    } else if (name === "wasm") {
      require("@tensorflow/tfjs-backend-wasm");
    }
    const ok = await tf.setBackend(name);
    if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
    await tf.ready();
  } finally {
    if (name === "wasm") dropHandlersAddedSince(before);
  }
}

function threadsOf(name: BackendName): number {
  if (name === "wasm") {
    try {
      return require("@tensorflow/tfjs-backend-wasm").getThreadsCount() as number;
    } catch {
      return 1;
    }
  }
  if (name === "tensorflow") {
    // TensorFlow sizes its intra-op pool from this variable, else from the cores.
    const env = Number(process.env.TF_NUM_INTRAOP_THREADS);
    return Number.isInteger(env) && env > 0 ? env : cores();
  }
  return 1;
}

function cores(): number {
  return os.availableParallelism?.() ?? os.cpus().length;
}

function engineOf(name: BackendName): string {
  if (name === "tensorflow") {
    let version = "";
    try {
      version = ` ${(tf.backend() as unknown as { binding: { TF_Version: string } }).binding.TF_Version}`;
    } catch { /* older tfjs-node: no version */ }
    // The learner sees when oneDNN is off, by them or because it is inexact on this CPU (oneDnnDefault).
    const oneDnnOff = process.env.TF_ENABLE_ONEDNN_OPTS === "0" ? ", oneDNN off" : "";
    return `TensorFlow${version} C library (tfjs-node${oneDnnOff})`;
  }
  return name === "wasm" ? "WebAssembly" : "plain JavaScript";
}

/**
 * Data-parallel workers train() uses with `workers: "auto"` on a real dataset:
 * one per core (up to 8) on wasm, whose kernels run on one thread; native
 * TensorFlow already computes on every core. GDL_WORKERS overrides.
 */
export function autoWorkers(backend: string = tf.getBackend()): number {
  const env = process.env.GDL_WORKERS?.trim();
  if (env) {
    const k = Number(env);
    if (!Number.isInteger(k) || k < 1) throw new Error(`GDL_WORKERS=${env} must be a whole number >= 1 (or unset).`);
    return k;
  }
  return backend === "wasm" ? Math.min(cores(), 8) : 1;
}

/**
 * Pick and initialise the backend (idempotent: later calls return the first result).
 * Prints one line saying what computes and how training runs, e.g.
 * `tfjs backend: tensorflow (TensorFlow 2.21.0 C library (tfjs-node), 2 threads)`;
 * on wasm a second line says how to get the native backend.
 */
export function initBackend(opts: { quiet?: boolean } = {}): Promise<BackendInfo> {
  if (!current) {
    current = (async () => {
      const skipped: string[] = [];
      const list = candidates();
      for (const name of list) {
        try {
          await trySet(name);
          const extraKernels: string[] = [];
          if (!installedFor.has(name)) {
            installedFor.add(name);
            for (const inst of installers) extraKernels.push(...inst(name));
          }
          const info = backendInfo({
            name, engine: engineOf(name), threads: threadsOf(name), trainWorkers: autoWorkers(name), extraKernels, skipped,
          });
          if (!opts.quiet) {
            console.log(describeBackend(info));
            const hint = nativeHint(info, list.length > 1);
            if (hint) console.log(hint);
          }
          return info;
        } catch (e) {
          const msg = (e as Error).message.split("\n")[0];
          skipped.push(`${name}: ${msg}`);
          if (list.length === 1) {
            throw new Error(`${BACKEND_ENV}=${name} was requested but failed to load: ${msg}${name === "tensorflow" ? ` (${NATIVE_HINT})` : ""}`);
          }
        }
      }
      throw new Error(`No tfjs backend could be initialised:\n  ${skipped.join("\n  ")}`);
    })();
    current.catch(() => { current = null; });
  }
  return current;
}

/** The info object shows as its one line (a notebook's Out[n], console.log), not as internals. */
function backendInfo(fields: BackendInfo): BackendInfo {
  const info = { ...fields };
  const line = () => describeBackend(info);
  Object.defineProperty(info, inspect.custom, { value: line, enumerable: false });
  Object.defineProperty(info, Symbol.for("Jupyter.display"), { value: () => ({ "text/plain": line() }), enumerable: false });
  return info;
}

/** One line: what computes, and with how many threads / data-parallel workers training runs. */
export function describeBackend(info: Pick<BackendInfo, "name" | "engine" | "threads" | "trainWorkers">): string {
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
  const how = info.name === "wasm" && info.trainWorkers > 1
    ? `trains on ${plural(info.trainWorkers, "data-parallel worker")} of ${plural(info.threads, "thread")} each`
    : plural(info.threads, "thread");
  return `tfjs backend: ${info.name} (${info.engine}, ${how})`;
}

/** The setup:native suggestion, when wasm was chosen although tensorflow was tried (not forced). */
function nativeHint(info: BackendInfo, tried: boolean): string | null {
  if (info.name !== "wasm" || !tried) return null;
  const why = info.skipped.find((s) => s.startsWith("tensorflow: "))?.slice("tensorflow: ".length) ?? "";
  // Not installed is the normal case; anything else (a broken build, a removed library) is worth naming.
  const broken = why && !/Cannot find module '@tensorflow\/tfjs-node'/.test(why) ? ` (tfjs-node did not load: ${why.slice(0, 120)})` : "";
  return `${NATIVE_HINT}${broken}`;
}
