// lib/data/fashion-mnist.ts for the browser: the same module, whose loadFashionMnist first
// fetches the split's two IDX .gz files from the site, unpacks them with the browser's
// DecompressionStream and puts the raw IDX bytes into the worker's file system (../shims/fs),
// where lib's own loader (the same search order, parser and checks as in Node) reads them.
import * as lib from "../../../lib/data/fashion-mnist";
import { vfs } from "./fs";
import { join } from "./path";

export * from "../../../lib/data/fashion-mnist";

async function gunzip(res: Response): Promise<Uint8Array> {
  const stream = res.body!.pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Fetch and unpack the split's files from the first folder of lib's search order that serves them. */
async function fetchSplit(split: lib.Split, dir?: string): Promise<void> {
  const want = split === "train"
    ? [lib.FASHION_MNIST_FILES.trainImages, lib.FASHION_MNIST_FILES.trainLabels]
    : [lib.FASHION_MNIST_FILES.testImages, lib.FASHION_MNIST_FILES.testLabels];
  for (const d of dir ? [dir] : lib.searchDirs()) {
    const raw = want.map((f) => join(d, f.name.replace(/\.gz$/, "")));
    if (raw.every((p) => vfs.has(p))) return;
    const got = await Promise.all(want.map(async (f) => {
      const res = await fetch(join(d, f.name)).catch(() => null);
      return res && res.ok ? gunzip(res) : null;
    }));
    if (got.every((b) => b)) {
      got.forEach((b, i) => vfs.put(raw[i], b!));
      return;
    }
  }
  // Nothing served: lib's loader then reports every folder it looked in.
}

export async function loadFashionMnist(opts: lib.LoadOptions = {}): Promise<lib.FashionMnist> {
  const split = opts.split ?? "train";
  if (split === "train" || split === "test") await fetchSplit(split, opts.dir);
  return lib.loadFashionMnist(opts);
}
