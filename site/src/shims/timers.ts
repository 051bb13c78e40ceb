// `setImmediate` for the lib bundle in the browser kernel's worker (injected by esbuild, like
// process and Buffer): train() yields to the event loop between steps with it. A MessageChannel
// task runs as soon as the queue is free (setTimeout(0) is clamped to 4 ms once nested).
const queue = new Map<number, () => void>();
let nextId = 1;
let channel: MessageChannel | null = null;

export function setImmediate(fn: (...args: unknown[]) => void, ...args: unknown[]): number {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = (ev: MessageEvent<number>) => {
      const f = queue.get(ev.data);
      queue.delete(ev.data);
      f?.();
    };
  }
  const id = nextId++;
  queue.set(id, () => fn(...args));
  channel.port2.postMessage(id);
  return id;
}

export function clearImmediate(id: number): void { queue.delete(id); }
