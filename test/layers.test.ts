import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";

// lib/ runs one way. README.md ("Library layout") states the layer order on one line that starts
// with "Layers, lowest first:"; this test reads that line, so the order enforced is the one documented.
//   - "a → b": b sits above a and may import a (and everything further left);
//   - "a | b": peers in one layer, which do not import each other;
//   - a unit is a folder of lib/ (engine, models, ...) or a top-level file (settings = lib/settings.ts);
//     files of one unit import each other freely (cycles aside).
// Every relative import in lib/ counts, including `import type` and `export ... from`: a type-only
// import ties two modules' contracts together just as much, and tslab compiles it as a real import.
// Rules checked: (1) no import cycle, at any length; (2) every import goes from a unit to its own unit or
// to a unit of a strictly lower layer; (3) every file of lib/ belongs to a unit named in the order;
// (4) every relative import resolves to a file.

const root = path.resolve(__dirname, "..");
const lib = path.join(root, "lib");

export type Graph = Map<string, string[]>;

/** The layer order stated in README.md: layers (lowest first), each a list of peer units. */
export function readmeLayers(readme: string): string[][] {
  const line = readme.split("\n").find((l) => /^\s*Layers, lowest first:/.test(l));
  if (!line) throw new Error('README.md has no line starting "Layers, lowest first:" (the layer order this test enforces)');
  return line.replace(/^\s*Layers, lowest first:/, "").split("→").map((layer) => layer.split("|").map((u) => u.trim().replace(/`/g, "")).filter(Boolean));
}

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(p);
    return /\.(ts|js|mjs|cjs)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [p] : [];
  });
}

function resolveImport(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.ts`, `${base}.js`, path.join(base, "index.ts"), path.join(base, "index.js")]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

/** lib/'s import graph (paths relative to lib/), from TypeScript's own scan of each file. */
export function libGraph(): { graph: Graph; unresolved: string[] } {
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of sourceFiles(lib).sort()) {
    const info = ts.preProcessFile(fs.readFileSync(file, "utf8"), true, true);
    const deps = new Set<string>();
    for (const { fileName } of info.importedFiles) {
      if (!fileName.startsWith(".")) continue; // packages and node: builtins are outside lib/
      const to = resolveImport(file, fileName);
      if (!to) unresolved.push(`${path.relative(lib, file)} -> ${fileName}`);
      else if (to.startsWith(lib + path.sep)) deps.add(path.relative(lib, to));
      else unresolved.push(`${path.relative(lib, file)} -> ${fileName} (outside lib/)`);
    }
    graph.set(path.relative(lib, file), [...deps].sort());
  }
  return { graph, unresolved };
}

/** The unit of a lib-relative path: its top folder, or its file name without extension. */
export function unitOf(file: string): string {
  const parts = file.split(/[\\/]/);
  return parts.length > 1 ? parts[0] : parts[0].replace(/\.[^.]+$/, "");
}

/** Every cycle, one per strongly connected component (Tarjan), as a path a -> b -> ... -> a. */
export function findCycles(graph: Graph): string[][] {
  let index = 0;
  const idx = new Map<string, number>(), low = new Map<string, number>(), onStack = new Set<string>();
  const stack: string[] = [];
  const sccs: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v)!, low.get(w)!)); }
      else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const scc: string[] = [];
      let w: string;
      do { w = stack.pop()!; onStack.delete(w); scc.push(w); } while (w !== v);
      if (scc.length > 1 || (graph.get(v) ?? []).includes(v)) sccs.push(scc);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!idx.has(v)) visit(v);
  // Within a component, the shortest way back from its first file is a readable cycle.
  return sccs.map((scc) => {
    const inScc = new Set(scc);
    const start = [...scc].sort()[0];
    const prev = new Map<string, string>();
    const queue = [start];
    while (queue.length) {
      const v = queue.shift()!;
      for (const w of graph.get(v) ?? []) {
        if (!inScc.has(w)) continue;
        if (w === start) {
          const cycle = [start];
          for (let u: string | undefined = v; u !== start && u !== undefined; u = prev.get(u)) cycle.splice(1, 0, u);
          return [...cycle, start];
        }
        if (!prev.has(w)) { prev.set(w, v); queue.push(w); }
      }
    }
    return [...scc, scc[0]];
  });
}

/** Imports against the layer order, as "file -> import: rule" lines; files in no unit are named too. */
export function layerViolations(graph: Graph, layers: string[][]): string[] {
  const rank = new Map<string, number>();
  layers.forEach((units, i) => units.forEach((u) => rank.set(u, i)));
  const out: string[] = [];
  const order = layers.map((l) => l.join(" | ")).join(" → ");
  for (const file of [...graph.keys()].sort()) {
    const u = unitOf(file);
    if (!rank.has(u)) out.push(`lib/${file}: unit "${u}" is not in README's layer order (${order}); add it there`);
  }
  for (const [file, deps] of [...graph.entries()].sort()) {
    const from = unitOf(file);
    for (const dep of deps) {
      const to = unitOf(dep);
      if (from === to || !rank.has(from) || !rank.has(to)) continue;
      const rf = rank.get(from)!, rt = rank.get(to)!;
      if (rt > rf) out.push(`lib/${file} -> lib/${dep}: ${from} may not import ${to}, which sits above it`);
      else if (rt === rf) out.push(`lib/${file} -> lib/${dep}: ${from} and ${to} are peers in one layer and do not import each other`);
    }
  }
  return out;
}

describe("lib/ layers", () => {
  const layers = readmeLayers(fs.readFileSync(path.join(root, "README.md"), "utf8"));
  const { graph, unresolved } = libGraph();

  it("README states a layer order that names lib/'s units", () => {
    expect(layers.length).toBeGreaterThan(4);
    for (const u of ["engine", "probability", "data", "models", "train", "eval", "latent", "plot", "exercises", "display", "keep", "settings"]) {
      expect(layers.flat(), `README's layer order lacks ${u}`).toContain(u);
    }
    const units = new Set([...graph.keys()].map(unitOf));
    expect(layers.flat().filter((u) => u !== "notebooks" && !units.has(u)), "units in README's layer order that lib/ does not have").toEqual([]);
    expect(graph.size).toBeGreaterThan(40);
  });

  it("every relative import resolves", () => {
    expect(unresolved).toEqual([]);
  });

  it("has no import cycle", () => {
    const cycles = findCycles(graph).map((c) => c.map((f) => `lib/${f}`).join(" -> "));
    expect(cycles.join("\n"), `import cycles in lib/:\n${cycles.join("\n")}`).toBe("");
  });

  it("imports only downward in README's layer order", () => {
    const bad = layerViolations(graph, layers);
    const order = layers.map((l) => l.join(" | ")).join(" → ");
    expect(bad.join("\n"), `imports against README's layer order (${order}):\n${bad.join("\n")}`).toBe("");
  });
});

describe("the layer check can fail", () => {
  const layers = readmeLayers("intro\nLayers, lowest first: engine | settings → models → train → eval | latent → plot\n");
  const graph: Graph = new Map([
    ["engine/backend.ts", []],
    ["models/vae.ts", ["train/task.ts"]], // wrong direction
    ["train/task.ts", ["models/losses.ts"]],
    ["models/losses.ts", []],
    ["train/train.ts", ["engine/parallel.ts", "train/task.ts"]],
    ["engine/parallel.ts", ["train/train.ts"]], // a cycle with train.ts, and wrong direction
    ["eval/reconstruction.ts", ["latent/embed.ts"]], // peers
    ["latent/embed.ts", ["settings.ts"]],
    ["settings.ts", []],
    ["tools.ts", []], // no unit
  ]);

  it("reads the order from the README line and refuses a README without one", () => {
    expect(layers).toEqual([["engine", "settings"], ["models"], ["train"], ["eval", "latent"], ["plot"]]);
    expect(() => readmeLayers("# no order here")).toThrow(/Layers, lowest first:/);
  });

  it("finds every cycle and prints it as a path", () => {
    expect(findCycles(graph)).toEqual([["engine/parallel.ts", "train/train.ts", "engine/parallel.ts"]]);
    const three: Graph = new Map([["a.ts", ["b.ts"]], ["b.ts", ["c.ts"]], ["c.ts", ["a.ts"]], ["d.ts", ["d.ts"]]]);
    expect(findCycles(three).map((c) => c.join(" -> ")).sort()).toEqual(["a.ts -> b.ts -> c.ts -> a.ts", "d.ts -> d.ts"]);
  });

  it("names each wrong-direction import, peer import and file without a layer, with the rule", () => {
    const bad = layerViolations(graph, layers);
    expect(bad).toHaveLength(4); // train/task.ts -> models/losses.ts and train.ts -> engine are downward: allowed
    expect(bad).toContainEqual(expect.stringMatching(/^lib\/models\/vae\.ts -> lib\/train\/task\.ts: models may not import train, which sits above it/));
    expect(bad).toContainEqual(expect.stringMatching(/^lib\/engine\/parallel\.ts -> lib\/train\/train\.ts: engine may not import train/));
    expect(bad).toContainEqual(expect.stringMatching(/^lib\/eval\/reconstruction\.ts -> lib\/latent\/embed\.ts: eval and latent are peers/));
    expect(bad).toContainEqual(expect.stringMatching(/^lib\/tools\.ts: unit "tools" is not in README's layer order/));
  });
});
