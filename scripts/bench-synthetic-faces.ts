// Throughput of the synthetic face generator (lib/data/synthetic-faces.ts):
//   npx tsx scripts/bench-synthetic-faces.ts [--count 20000]
// Prints faces per second for drawing alone and for syntheticFaces() (parameters,
// drawing and labels, no cache) at 32x32 and 64x64.
import { faceParams, renderFaces, syntheticFaces } from "../lib/data/synthetic-faces";

const i = process.argv.indexOf("--count");
const count = i >= 0 ? Number(process.argv[i + 1]) : 20000;
for (const size of [32, 64]) {
  const n = size === 32 ? count : Math.ceil(count / 4);
  const params = Array.from({ length: n }, (_, k) => faceParams(9, k));
  renderFaces(params.slice(0, 500), size); // warm up the JIT
  let t = performance.now();
  renderFaces(params, size);
  const draw = n / ((performance.now() - t) / 1000);
  t = performance.now();
  syntheticFaces({ count: n, seed: 9, size, cache: "none" });
  const all = n / ((performance.now() - t) / 1000);
  console.log(`${size}x${size}: draw ${Math.round(draw)} faces/s, syntheticFaces() ${Math.round(all)} faces/s (${n} faces)`);
}
