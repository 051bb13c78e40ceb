// Backend choice for the whole workbook: tfjs-node if it loads, else wasm, else cpu.
// Override with GDL_BACKEND=tensorflow|wasm|cpu. The choice is printed once.
import * as tf from "@tensorflow/tfjs";
import * as os from "os";
import { installKernels } from "./kernels/index";

export type BackendName = "tensorflow" | "wasm" | "cpu";
export const BACKEND_ENV = "GDL_BACKEND";

export interface BackendInfo {
  name: BackendName;
  /** Threads the backend computes with (wasm in Node is single-threaded). */
  threads: number;
  /** Extra kernels registered by lib/engine so conv nets can train here. */
  extraKernels: string[];
  /** Why earlier candidates were skipped. */
  skipped: string[];
}

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

async function trySet(name: BackendName): Promise<void> {
  const before = {
    uncaughtException: process.listeners("uncaughtException") as Function[],
    unhandledRejection: process.listeners("unhandledRejection") as Function[],
  };
  try {
    if (name === "tensorflow") {
      // Optional dependency: absent where its native library could not be downloaded.
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
  if (name === "tensorflow") return os.cpus().length;
  return 1;
}

/**
 * Pick and initialise the backend (idempotent: later calls return the first result).
 * Prints e.g. `tfjs backend: wasm (1 thread; extra kernels: Conv2DBackpropFilter)`.
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
          const info: BackendInfo = { name, threads: threadsOf(name), extraKernels, skipped };
          if (!opts.quiet) console.log(describeBackend(info));
          return info;
        } catch (e) {
          const msg = (e as Error).message.split("\n")[0];
          skipped.push(`${name}: ${msg}`);
          if (list.length === 1) {
            throw new Error(`${BACKEND_ENV}=${name} was requested but failed to load: ${msg}`);
          }
        }
      }
      throw new Error(`No tfjs backend could be initialised:\n  ${skipped.join("\n  ")}`);
    })();
    current.catch(() => { current = null; });
  }
  return current;
}

export function describeBackend(info: BackendInfo): string {
  const t = `${info.threads} thread${info.threads === 1 ? "" : "s"}`;
  const k = info.extraKernels.length ? `; extra kernels: ${info.extraKernels.join(", ")}` : "";
  return `tfjs backend: ${info.name} (${t}${k})`;
}
