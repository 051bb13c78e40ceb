// `process` for the lib bundle in the browser kernel's worker (injected by esbuild into every
// bundled module, never a global). No `versions.node`: tfjs and Emscripten must see a browser.
type Listener = (...args: unknown[]) => void;

export const process = {
  env: {} as Record<string, string | undefined>,
  pid: 1,
  platform: "browser",
  browser: true,
  version: "",
  versions: {} as Record<string, string>,
  argv: [] as string[],
  cwd: () => "/",
  listeners: (_event: string): Listener[] => [],
  on() { return process; },
  once() { return process; },
  off() { return process; },
  removeListener() { return process; },
  emit: () => false,
  nextTick: (fn: Listener, ...args: unknown[]) => queueMicrotask(() => fn(...args)),
  hrtime: Object.assign((prev?: [number, number]): [number, number] => {
    const t = performance.now() * 1e6;
    const s = Math.floor(t / 1e9), ns = Math.floor(t % 1e9);
    return prev ? [s - prev[0], ns - prev[1]] : [s, ns];
  }, { bigint: () => BigInt(Math.round(performance.now() * 1e6)) }),
  memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
};
