import { describe, expect, it } from "vitest";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runNotebook } from "./helpers/run";
import { nativeStatus } from "./helpers/native";

// Issue 22 item 4: a learner edits a knob, re-runs the notebook, and it runs to the end and
// retrains with their settings instead of loading weights trained with another recipe.
// Each case edits the one knobs cell of a copy, runs it in quick mode (on tensorflow when it is
// set up: these runs check the notebooks' logic, which the backend does not change) and reads
// the executed copy.
const root = path.resolve(__dirname, "..");
const out = fs.mkdtempSync(path.join(os.tmpdir(), "nb-knobs-"));
const backend = nativeStatus().ok ? "tensorflow" : "wasm";

interface Cell { cell_type: string; source: string | string[]; outputs?: { output_type: string; text?: string | string[]; ename?: string; evalue?: string }[] }
const src = (c: Cell) => (Array.isArray(c.source) ? c.source.join("") : c.source);
const text = (c: Cell) => (c.outputs ?? []).map((o) => [o.text ?? ""].flat().join("")).join("");

// Each case: edits of single lines (the first is the knob; every edited line must occur in exactly
// one code cell), and what the executed copy must say.
interface Case { nb: string; edits: [string, string][]; says: RegExp[] }
const REFERENCE_SAMPLE_Z = "  return tf.tidy(() => tf.add(zMean, tf.mul(tf.exp(tf.mul(0.5, zLogVar)), tf.randomNormal(zMean.shape, 0, 1, \"float32\", seed))) as tf.Tensor2D);";
const REFERENCE_KL = "  return tf.tidy(() => tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, zLogVar), tf.square(zMean)), tf.exp(zLogVar)), 1)) as tf.Tensor1D);";
const CASES: Case[] = [
  { nb: "04-autoencoder.ipynb", edits: [["const LATENT_DIM = 2;", "const LATENT_DIM = 3;"]], says: [/pretrained\/autoencoder was trained with another recipe \(.*units: 2 there, 3 here/] },
  { nb: "04-autoencoder.ipynb", edits: [['const ACTIVATION = "relu";', 'const ACTIVATION = "elu";']], says: [/pretrained\/autoencoder was trained with another recipe \(.*activation: relu there, elu here/] },
  // One run for three things (CI time): a 3-D latent space to the end, a changed beta that retrains,
  // and the learner's reference sampleZ / klDivergence in the loss that trains.
  {
    nb: "05-variational-autoencoder.ipynb",
    edits: [
      ["const LATENT_DIM = 2;", "const LATENT_DIM = 3;"], ["const BETA = 500;", "const BETA = 50;"],
      ["  // eps ~ N(0, I) of zMean's shape", REFERENCE_SAMPLE_Z], ["  // -0.5 * sum over axis 1", REFERENCE_KL],
    ],
    says: [
      /pretrained\/vae was trained with another recipe \(.*units: 2 there, 3 here.*beta: 500 there, 50 here/,
      /✅ sampleZ/, /✅ klDivergence/, /sampling: your sampleZ; KL: your klDivergence/, /The latent space has 3 dimensions: the plot shows the plane of its two principal axes/,
    ],
  },
];

describe("knobs retrain honestly: edited knobs cells run to the end", () => {
  for (const c of CASES) {
    it(`${c.nb} with ${c.edits.map(([, to]) => to.trim().split("\n")[0].slice(0, 40)).join(" + ")}`, async () => {
      const nb = JSON.parse(fs.readFileSync(path.join(root, "notebooks", c.nb), "utf8")) as { cells: Cell[] };
      for (const [from, to] of c.edits) {
        const cells = nb.cells.filter((x) => x.cell_type === "code" && src(x).split("\n").some((l) => l.startsWith(from)));
        expect(cells.length, `${c.nb}: exactly one code cell holds a line starting ${from}`).toBe(1);
        // Replace the whole line (a knob's comment, an exercise's hint) and, below it, a todo() stub.
        cells[0].source = src(cells[0]).split("\n").map((l) => (l.startsWith(from) ? to : l)).filter((l) => !/^\s*return todo\(\);/.test(l)).join("\n");
      }
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nb-knob-"));
      const file = path.join(dir, c.nb);
      fs.writeFileSync(file, JSON.stringify(nb));
      const r = await runNotebook(file, { QUICK: "1", GDL_BACKEND: backend, GDL_NOTEBOOK_OUT: out });
      expect(r.status, `${c.nb} failed:\n${r.stderr.slice(-4000)}`).toBe(0);
      const executed = JSON.parse(fs.readFileSync(path.join(out, c.nb), "utf8")) as { cells: Cell[] };
      const code = executed.cells.filter((x) => x.cell_type === "code");
      expect(code.flatMap((x) => x.outputs ?? []).filter((o) => o.output_type === "error").map((o) => `${o.ename}: ${o.evalue}`)).toEqual([]);
      const all = code.map(text).join("\n");
      for (const says of c.says) expect(all, `${c.nb}: the notebook says which setting differs and trains`).toMatch(says);
      expect(all).toMatch(/training here from fresh random weights/);
      expect(all).not.toMatch(/^Loaded pretrained\/(autoencoder|vae):/m);
      fs.rmSync(dir, { recursive: true, force: true });
    }, 1_200_000);
  }
});
