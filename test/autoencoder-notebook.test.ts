import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import * as path from "path";
import { buildDecoder, buildEncoder } from "../lib/models/autoencoder";
import { evalSavedCells } from "./helpers/saved-cells";

// Issue 22 item 1: notebook 04 writes the encoder and decoder; lib keeps the //@save copy that
// notebooks 05-07 import. The text is synced by `npm run notebooks:tidy` (test/saved-cells.test.ts);
// this checks behaviour: same layers, same parameter count, same output for the same weights.
const nb = path.resolve(__dirname, "..", "notebooks", "04-autoencoder.ipynb");
type Build = (latentDim: number, filters?: number[], activation?: string) => tf.Sequential;

describe("notebook 04's encoder and decoder are lib's", () => {
  const cells = evalSavedCells(nb);
  for (const [name, lib] of [["buildEncoder", buildEncoder], ["buildDecoder", buildDecoder]] as const) {
    it(`${name}: the book's parameter count, the same layers and outputs as lib's`, () => {
      const fromNotebook = cells[name] as Build;
      expect(typeof fromNotebook).toBe("function");
      for (const [d, filters] of [[2, [32, 64, 128]], [3, [8, 16]]] as const) {
        const a = fromNotebook(d, [...filters]), b = lib(d, [...filters]);
        expect(a.layers.map((l) => l.getClassName())).toEqual(b.layers.map((l) => l.getClassName()));
        expect(a.countParams()).toBe(b.countParams());
        if (d === 2 && filters.length === 3) expect(a.countParams()).toBe(name === "buildEncoder" ? 96770 : 246273);
        b.setWeights(a.getWeights());
        const x = name === "buildEncoder" ? tf.randomUniform([2, 32, 32, 1], 0, 1, "float32", 1) : tf.randomNormal([2, d], 0, 1, "float32", 1);
        const ya = a.predict(x) as tf.Tensor, yb = b.predict(x) as tf.Tensor;
        expect(Array.from(ya.dataSync())).toEqual(Array.from(yb.dataSync()));
        tf.dispose([x, ya, yb]); a.dispose(); b.dispose();
      }
    });
  }
});
