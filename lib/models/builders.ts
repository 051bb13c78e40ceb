// The named task factories a data-parallel worker can call: a Task's spec says
// `{ builder: <name>, options }` and the worker looks the name up here, so no
// module paths travel between threads. A task whose loss is code written in a
// notebook has no spec (a worker cannot rebuild a closure) and trains on the
// main thread.
import { buildAutoencoder } from "./autoencoder";
import { buildFaceVae } from "./face-vae";
import { autoencoderTaskFromJSON, modelTaskFromJSON, Task, WorkerSpec } from "./task";
import { buildVae } from "./vae";

type Builder = (options: never) => Task | Promise<Task>;

const builders = new Map<string, Builder>(Object.entries({
  buildAutoencoder, buildVae, buildFaceVae,
  modelTask: modelTaskFromJSON,
  autoencoderTask: autoencoderTaskFromJSON,
} satisfies Record<string, Builder>));

/** Add a factory under `name` (in every thread that builds it: tests register fixtures this way). */
export function registerTaskBuilder(name: string, builder: (options: never) => Task | Promise<Task>): void {
  builders.set(name, builder);
}

/** Build the task a spec names. */
export async function buildTaskFromSpec(spec: WorkerSpec): Promise<Task> {
  const b = builders.get(spec.builder);
  if (!b) {
    throw new Error(`no task builder named ${JSON.stringify(spec.builder)} (lib/models/builders.ts knows ${[...builders.keys()].join(", ")}); ` +
      "a task's spec.builder must name one of them, or leave spec out to train on one thread.");
  }
  return await b(spec.options as never);
}
