import { describe, it, expect } from "vitest";
import { evaluate, check } from "../lib/exercises/chapter1";
import { runCheck, expectClose } from "../lib/exercises/check";
import { capturePrinted, itGivesTheRightVerdicts, type ExerciseTable } from "./helpers/exercises";
import * as S from "../lib/exercises/solutions/chapter1";
import type { Box } from "../lib/probability/box";
import type { Rng } from "../lib/probability/rng";

const printed = capturePrinted();

type Ev = typeof evaluate;
// For each exercise: the solution, plausible wrong answers (each must fail).
const table: ExerciseTable<Ev> = {
  sigmoidProbability: {
    solution: S.sigmoidProbability,
    wrong: [(w, b, x) => 1 / (1 + Math.exp(w.reduce((s, v, i) => s + v * x[i], b))), (w, b, x) => w.reduce((s, v, i) => s + v * x[i], b)],
  },
  bayesPosterior: { solution: S.bayesPosterior, wrong: [(l) => l, (l, p) => l.map((v, i) => v * p[i])] },
  generativeClassifier: {
    solution: S.generativeClassifier,
    // Ignoring the prior p(y) (maximum likelihood class) is the classic mistake.
    wrong: [(m, x) => S.generativeClassifier({ priors: m.priors.map(() => 1 / m.priors.length), classes: m.classes }, x)],
  },
  sampleDiagonalGaussian: {
    solution: S.sampleDiagonalGaussian,
    wrong: [
      (mean, _std, n) => Array.from({ length: n }, () => [...mean]), // no stochastic element
      (mean, std, n) => Array.from({ length: n }, () => mean.map((m, i) => m + std[i] * (Math.random() * 2 - 1) * 1.7)), // Math.random, wrong shape
      (mean, std, n, rng: Rng) => Array.from({ length: n }, () => mean.map((m, i) => m + std[i] * std[i] * rng.normal())), // variance instead of std
    ],
  },
  mleBox: {
    solution: S.mleBox,
    wrong: [(pts) => { const xs = pts.map((p) => p[0]), ys = pts.map((p) => p[1]); return { x0: Math.min(...xs), x1: Math.max(...xs), y0: Math.min(...xs), y1: Math.max(...ys) } as Box; }],
  },
  boxLogLikelihood: {
    solution: S.boxLogLikelihood,
    wrong: [
      (pts, b) => -pts.length * Math.log((b.x1 - b.x0) * (b.y1 - b.y0)), // ignores points outside
      (pts, b) => (S.boxLogLikelihood(pts, b) === -Infinity ? -Infinity : -Math.log((b.x1 - b.x0) * (b.y1 - b.y0))), // forgets n
      (pts, b) => Math.exp(S.boxLogLikelihood(pts, b)), // the likelihood, not its log
    ],
  },
  gaussianMle: {
    solution: S.gaussianMle,
    wrong: [(xs) => { const m = xs.reduce((a, b) => a + b, 0) / xs.length; return { mean: m, variance: xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1) }; }],
  },
  smoothedCategorical: {
    solution: S.smoothedCategorical,
    wrong: [(c, a) => { const t = c.reduce((x, y) => x + y, 0) + a; return c.map((v) => (v + a) / t); }, (c) => c.map((v) => v / c.reduce((x, y) => x + y, 0))],
  },
  bernoulliMle: { solution: S.bernoulliMle, wrong: [(imgs) => imgs[0].map((_, j) => imgs.reduce((s, im) => s + im[j], 0))] },
  bernoulliLogLikelihood: {
    solution: S.bernoulliLogLikelihood,
    wrong: [(x, p) => x.reduce((s, v, j) => s + v * Math.log(p[j]) + (1 - v) * Math.log(1 - p[j]), 0)], // NaN when p = 0
  },
  sampleSpaceDigits: { solution: S.sampleSpaceDigits, wrong: [(px, lv) => Math.log10(px * lv), (px, lv) => lv ** px] },
  pearsonCorrelation: {
    solution: S.pearsonCorrelation,
    wrong: [(a, b) => a.reduce((s, v, i) => s + v * b[i], 0) / a.length], // uncentred, unscaled
  },
  pcaProject: { solution: S.pcaProject, wrong: [(x, _m, cs) => cs.map((c) => c.reduce((s, w, j) => s + w * x[j], 0))] },
};

describe("chapter 1 exercise checks", () => {
  itGivesTheRightVerdicts(evaluate, table);

  it("check.* prints and never throws, even for functions that throw or wrong arguments", () => {
    printed.length = 0;
    expect(() => check.mleBox(() => { throw new TypeError("boom"); })).not.toThrow();
    expect(printed[0]).toMatch(/threw TypeError: boom/);
    expect(() => (check.gaussianMle as (f: unknown) => void)(42)).not.toThrow();
    expect(printed[1]).toMatch(/pass your function itself/);
    expect(check.mleBox(S.mleBox)).toBeUndefined(); // nothing for the notebook to echo
  });

  it("NaN is never accepted as -Infinity", () => {
    const r = runCheck("t", [{ name: "nan", run: () => { expectClose(NaN, -Infinity, 0, "v"); } }], "h");
    expect(r.status).toBe("fail");
    expect(r.message).toMatch(/got NaN/);
  });
});

describe("chapter 1 notebooks wire their exercises to the checks", () => {
  const fs = require("fs") as typeof import("fs");
  const path = require("path") as typeof import("path");
  const solutionsSource = fs.readFileSync(path.join(__dirname, "..", "lib", "exercises", "solutions", "chapter1.ts"), "utf8");
  const files = ["01-generative-modeling.ipynb", "02-maximum-likelihood.ipynb", "03-generative-challenges.ipynb"];
  for (const f of files) {
    it(f, () => {
      const nb = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "notebooks", f), "utf8"));
      expect(nb.metadata.kernelspec).toEqual({ name: "tslab-workbook", display_name: "TypeScript (workbook)", language: "typescript" });
      const code = nb.cells.filter((c: { cell_type: string }) => c.cell_type === "code").map((c: { source: string | string[]; outputs: unknown[] }) => {
        expect(c.outputs).toEqual([]); // committed without outputs
        return Array.isArray(c.source) ? c.source.join("") : c.source;
      }) as string[];
      expect(code[0]).toMatch(/import \{ initBackend \} from "\.\/lib\/engine\/backend"/);
      const checks = code.filter((s) => /^check\.\w+\(\w+\);$/.test(s.trim()));
      expect(checks.length).toBeGreaterThanOrEqual(3);
      expect(checks.length).toBeLessThanOrEqual(5);
      for (const c of checks) {
        const [, name, arg] = c.trim().match(/^check\.(\w+)\((\w+)\);$/)!;
        expect(name).toBe(arg);
        expect(Object.keys(evaluate)).toContain(name);
        expect(Object.keys(S)).toContain(name);
        // The stub right before the check defines the function and falls back to todo().
        const stub = code[code.indexOf(c) - 1];
        expect(stub).toMatch(new RegExp(`function ${name}\\(`));
        expect(stub).toContain("return todo();");
        // Same signature as the reference solution (so a learner's answer type-checks against the check).
        const sig = (src: string) => src.match(new RegExp(`function ${name}\\(([^)]*)\\):\\s*([^{]+)\\{`))?.slice(1).join("->").replace(/\bP\./g, "").replace(/\s+/g, "");
        expect(sig(stub)).toBeTruthy();
        expect(sig(stub)).toBe(sig(solutionsSource));
      }
    });
  }
});
