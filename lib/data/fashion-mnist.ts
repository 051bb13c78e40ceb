// Fashion-MNIST (Xiao et al. 2017): 70k 28x28 grey images of 10 clothing classes,
// read from the official IDX .gz files. The book pads them to 32x32 so three
// stride-2 convolutions halve the size cleanly (32 -> 16 -> 8 -> 4).
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { readIdx } from "./idx";
import { projectRoot } from "../settings";

export const FASHION_MNIST_ENV = "GDL_FASHION_MNIST_DIR";
export const DEBIAN_FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist";

export const FASHION_MNIST_CLASSES = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
] as const;

export type Split = "train" | "test";

/** The four official files, and the SHA-256 of each one's *uncompressed* bytes
 *  (gzip output differs between mirrors; the IDX content does not). */
export const FASHION_MNIST_FILES = {
  trainImages: { name: "train-images-idx3-ubyte.gz", sha256: "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888", bytes: 47040016 },
  trainLabels: { name: "train-labels-idx1-ubyte.gz", sha256: "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9", bytes: 60008 },
  testImages: { name: "t10k-images-idx3-ubyte.gz", sha256: "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b", bytes: 7840016 },
  testLabels: { name: "t10k-labels-idx1-ubyte.gz", sha256: "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34", bytes: 10008 },
} as const;

export interface FashionMnist {
  /** [n, H, W, 1] float32 in [0, 1]. The caller owns it: dispose when done. */
  images: tf.Tensor4D;
  labels: Uint8Array;
  classNames: readonly string[];
  /** The folder the files came from. */
  source: string;
}

export interface LoadOptions {
  split?: Split;
  /** Keep only the first `limit` examples (the files are already shuffled). */
  limit?: number;
  /** Pad 28x28 to 32x32 with zeros, as the book does (default true). */
  pad?: boolean;
  /** Look only here (tests); otherwise $GDL_FASHION_MNIST_DIR alone when set, else datasets/, then the Debian path. */
  dir?: string;
}

/** Folders searched, in order. When $GDL_FASHION_MNIST_DIR is set, only that one: a wrong value must not fall back silently. */
export function searchDirs(): string[] {
  const env = process.env[FASHION_MNIST_ENV];
  if (env) return [path.resolve(env)];
  return [path.join(projectRoot(), "datasets", "fashion-mnist"), DEBIAN_FASHION_MNIST_DIR];
}

function fileIn(dir: string, name: string): string | null {
  for (const candidate of [name, name.replace(/\.gz$/, "")]) {
    const p = path.join(dir, candidate);
    if (fs.existsSync(p)) return p;
  }
  return null;
}

function howToGet(): string {
  return [
    "To get Fashion-MNIST, do one of:",
    "  - Debian/Ubuntu: sudo apt-get install dataset-fashion-mnist   (files land in /usr/share/datasets/fashion-mnist/)",
    "  - online: npm run datasets                                    (downloads into datasets/fashion-mnist/, SHA-256 checked)",
    `  - copy the four official *-ubyte.gz files into a folder and set ${FASHION_MNIST_ENV}=/that/folder`,
  ].join("\n");
}

/** The folder holding both files of `split`, or an error listing every place looked. */
export function locate(split: Split, dir?: string): { images: string; labels: string; dir: string } {
  const want: string[] = split === "train"
    ? [FASHION_MNIST_FILES.trainImages.name, FASHION_MNIST_FILES.trainLabels.name]
    : [FASHION_MNIST_FILES.testImages.name, FASHION_MNIST_FILES.testLabels.name];
  const dirs = dir ? [path.resolve(dir)] : searchDirs();
  const report: string[] = [];
  for (const d of dirs) {
    if (!fs.existsSync(d)) { report.push(`  ${d}: no such folder`); continue; }
    if (!fs.statSync(d).isDirectory()) { report.push(`  ${d}: not a folder`); continue; }
    const images = fileIn(d, want[0]);
    const labels = fileIn(d, want[1]);
    if (images && labels) return { images, labels, dir: d };
    const missing = want.filter((_, i) => !(i === 0 ? images : labels));
    report.push(`  ${d}: missing ${missing.join(", ")}`);
  }
  const env = process.env[FASHION_MNIST_ENV];
  if (!dir && env) {
    throw new Error(`Fashion-MNIST ${split} split not found in ${FASHION_MNIST_ENV}=${env}:\n${report.join("\n")}\n` +
      `${FASHION_MNIST_ENV} is set, so no other folder is tried. Point it at the folder holding the four *-ubyte.gz files, ` +
      `or unset it to use datasets/fashion-mnist/ or ${DEBIAN_FASHION_MNIST_DIR}/.\n${howToGet()}`);
  }
  throw new Error(`Fashion-MNIST ${split} split not found. Looked in:\n${report.join("\n")}\n${howToGet()}`);
}

// Parsed files are kept per process: re-running a notebook cell should not re-read 30 MB.
const cache = new Map<string, { images: Uint8Array; labels: Uint8Array; n: number }>();
const announced = new Set<string>();

function readSplit(split: Split, dir?: string) {
  const where = locate(split, dir);
  const key = `${where.images}|${where.labels}`;
  // Say where the data came from, once per folder and process (a short line: notebooks show it).
  if (!announced.has(where.dir)) {
    announced.add(where.dir);
    console.log(`Fashion-MNIST: ${where.dir}${!dir && process.env[FASHION_MNIST_ENV] ? ` (${FASHION_MNIST_ENV})` : ""}`);
  }
  let hit = cache.get(key);
  if (!hit) {
    const img = readIdx(where.images, 3);
    const lab = readIdx(where.labels, 1);
    if (img.shape[1] !== 28 || img.shape[2] !== 28) {
      throw new Error(`${where.images}: expected 28x28 images, got ${img.shape.slice(1).join("x")}.`);
    }
    if (img.shape[0] !== lab.shape[0]) {
      throw new Error(
        `${where.images} holds ${img.shape[0]} images but ${where.labels} holds ${lab.shape[0]} labels; ` +
          `they must match. One of them is from another split or data set: fetch both again.`,
      );
    }
    for (let i = 0; i < lab.data.length; i++) {
      if (lab.data[i] > 9) throw new Error(`${where.labels}: label ${lab.data[i]} at index ${i} is not a class 0-9.`);
    }
    hit = { images: img.data, labels: lab.data, n: img.shape[0] };
    cache.set(key, hit);
  }
  return { ...hit, dir: where.dir };
}

/** Load a split as a float tensor in [0, 1] with labels and class names. */
export async function loadFashionMnist(opts: LoadOptions = {}): Promise<FashionMnist> {
  const split = opts.split ?? "train";
  if (split !== "train" && split !== "test") throw new Error(`split must be "train" or "test", got ${JSON.stringify(split)}.`);
  const pad = opts.pad ?? true;
  const raw = readSplit(split, opts.dir);
  let n = raw.n;
  if (opts.limit !== undefined) {
    if (!Number.isInteger(opts.limit) || opts.limit < 1) {
      throw new Error(`limit must be a positive integer, got ${opts.limit}.`);
    }
    n = Math.min(n, opts.limit);
  }
  const side = pad ? 32 : 28;
  const off = pad ? 2 : 0;
  const out = new Float32Array(n * side * side);
  for (let i = 0; i < n; i++) {
    const src = i * 784;
    for (let r = 0; r < 28; r++) {
      const dst = i * side * side + (r + off) * side + off;
      for (let c = 0; c < 28; c++) out[dst + c] = raw.images[src + r * 28 + c] / 255;
    }
  }
  return {
    images: tf.tensor4d(out, [n, side, side, 1]),
    labels: raw.labels.slice(0, n),
    classNames: FASHION_MNIST_CLASSES,
    source: raw.dir,
  };
}
