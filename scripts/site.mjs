#!/usr/bin/env node
// npm run site        builds the workbook as a static JupyterLite site into build/site/
// npm run site:serve  serves build/site/ with a plain static server (-- --port N, default 8000)
//
// Everything comes from npm packages pinned in site/package-lock.json (JupyterLab 4.6,
// JupyterLite 0.8, installed into site/node_modules on first use) and from the project itself:
//   build/site/lab/index.html       the lab page (its jupyter-config-data is merged at load with
//                                   build/site/jupyter-lite.json, which a host may edit)
//   build/site/build/app/           the lab app (esbuild: site/src/app, site/extensions.json)
//   build/site/build/kernel/        the TypeScript kernel's worker with lib/ bundled in
//                                   (site/src/worker; Node-only APIs from site/src/shims),
//                                   typescript.js, tfjs-backend-wasm's .wasm, Plotly's bundle
//   build/site/build/themes|schemas JupyterLab's themes and settings schemas
//   build/site/files/ + api/contents/all.json   the notebooks (NOTEBOOKS) and their listing
//   build/site/pretrained/<name>/               shipped weights (PRETRAINED), as in the project
//   build/site/datasets/fashion-mnist/          the four IDX .gz files (unpacked in the browser)
//   build/site/build/licenses.json  what ships, package by package, with its licence
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as http from "node:http";
import { createRequire } from "node:module";
import * as path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const siteSrc = path.join(root, "site");
export const OUT = path.join(root, "build", "site");
const NOTEBOOKS = ["00-setup.ipynb", "01-generative-modeling.ipynb", "02-maximum-likelihood.ipynb", "03-generative-challenges.ipynb", "04-autoencoder.ipynb", "05-variational-autoencoder.ipynb"];
/** Shipped weights the notebooks load (pretrained/<name>/, read by lib/train/weights.ts through the fs shim). */
const PRETRAINED = ["autoencoder", "vae"];
const FASHION_FILES = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"];
/** Licences that may ship (SPDX ids; ISC and 0BSD are MIT-style; Zlib: pako, with MIT). */
const ALLOWED_LICENCES = /^(MIT|ISC|0BSD|BSD-2-Clause|BSD-3-Clause|Apache-2\.0|Zlib)$/;

const log = (s) => process.stdout.write(`${s}\n`);

// ---- site/node_modules: installed from site/package-lock.json when missing or stale ----------

function ensureSiteDeps() {
  const lock = path.join(siteSrc, "package-lock.json");
  const stamp = path.join(siteSrc, "node_modules", ".gdl-lock-sha256");
  const want = createHash("sha256").update(fs.readFileSync(lock)).digest("hex");
  if (fs.existsSync(stamp) && fs.readFileSync(stamp, "utf8") === want) return;
  log("site: installing the site's npm packages into site/node_modules (npm ci, once)...");
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const r = spawnSync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: siteSrc, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`npm ci in site/ failed (exit ${r.status}); run it there by hand to see why`);
  fs.writeFileSync(stamp, want);
}

// ---- esbuild plugins -------------------------------------------------------------------------

function extensionsPlugin(extensions, siteRequire) {
  return {
    name: "gdl-extensions",
    setup(build) {
      build.onResolve({ filter: /^gdl:extensions$/ }, () => ({ path: "extensions", namespace: "gdl" }));
      build.onLoad({ filter: /.*/, namespace: "gdl" }, () => {
        const lines = [];
        extensions.forEach((name, i) => {
          const pkg = JSON.parse(fs.readFileSync(siteRequire.resolve(`${name}/package.json`), "utf8"));
          if (pkg.styleModule) lines.push(`import ${JSON.stringify(`${name}/${pkg.styleModule}`)};`);
          else if (pkg.style) lines.push(`import ${JSON.stringify(`${name}/${pkg.style}`)};`);
          lines.push(`import * as e${i} from ${JSON.stringify(name)};`);
        });
        lines.push(`export const extensions = [${extensions.map((n, i) => `[${JSON.stringify(n)}, e${i}]`).join(", ")}];`);
        return { contents: lines.join("\n"), resolveDir: siteSrc, loader: "js" };
      });
    },
  };
}

/** SVGs: a string when imported from JS (JupyterLab's icons), a data URL inside CSS. `~pkg` in CSS. `?text`: a file URL. */
const assetsPlugin = {
  name: "gdl-assets",
  setup(build) {
    build.onResolve({ filter: /^~/ }, (args) => build.resolve(args.path.slice(1), { kind: args.kind, resolveDir: args.resolveDir }));
    build.onResolve({ filter: /\?text$/ }, async (args) => {
      const r = await build.resolve(`${args.path.replace(/\?text$/, "")}.js`, { kind: args.kind, resolveDir: args.resolveDir });
      return { path: r.path, namespace: "asset-file" };
    });
    build.onLoad({ filter: /.*/, namespace: "asset-file" }, (args) => ({ contents: fs.readFileSync(args.path), loader: "file" }));
    build.onResolve({ filter: /\.svg([?#].*)?$/ }, async (args) => {
      if (args.pluginData === "svg") return undefined;
      const r = await build.resolve(args.path.replace(/[?#].*$/, ""), { kind: args.kind, resolveDir: args.resolveDir, pluginData: "svg" });
      if (r.errors.length) return { errors: r.errors };
      return { path: r.path, namespace: args.kind === "url-token" ? "svg-url" : "svg-text" };
    });
    build.onLoad({ filter: /.*/, namespace: "svg-url" }, (args) => ({ contents: fs.readFileSync(args.path), loader: "file" }));
    build.onLoad({ filter: /.*/, namespace: "svg-text" }, (args) => ({ contents: fs.readFileSync(args.path, "utf8"), loader: "text" }));
  },
};

const FILE_LOADERS = { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".png": "file", ".gif": "file", ".jpg": "file", ".md": "text", ".txt": "text" };

// ---- helpers -----------------------------------------------------------------------------------

function copy(from, to) {
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.copyFileSync(from, to);
}

function writeJson(file, value) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, `${JSON.stringify(value, null, 1)}\n`);
}

function dirSize(dir) {
  let bytes = 0, files = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { const s = dirSize(p); bytes += s.bytes; files += s.files; } else { bytes += fs.statSync(p).size; files++; }
  }
  return { bytes, files };
}

const mb = (b) => `${(b / 1e6).toFixed(1)} MB`;

/** Folder with the four Fashion-MNIST files, in lib/data/fashion-mnist.ts's order. */
function fashionMnistDir() {
  const env = process.env.GDL_FASHION_MNIST_DIR;
  const dirs = env ? [path.resolve(env)] : [path.join(root, "datasets", "fashion-mnist"), "/usr/share/datasets/fashion-mnist"];
  return dirs.find((d) => FASHION_FILES.every((f) => fs.existsSync(path.join(d, f)))) ?? null;
}

/** The package a bundled file belongs to: { name, dir } (null for the project's own files). */
function packageOf(file) {
  const i = file.lastIndexOf("node_modules/");
  if (i < 0) return null;
  const rest = file.slice(i + "node_modules/".length).split("/");
  const name = rest[0].startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0];
  return { name, dir: file.slice(0, i + "node_modules/".length) + name };
}

function licenceOf(dir) {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
  let lic = pkg.license ?? pkg.licenses ?? pkg.licence;
  if (Array.isArray(lic)) lic = lic.map((l) => l.type ?? l).join(" OR ");
  if (lic && typeof lic === "object") lic = lic.type;
  if (!lic) {
    // No licence field: name it from the package's licence file.
    const file = fs.readdirSync(dir).find((f) => /^licen[cs]e/i.test(f));
    const text = file ? fs.readFileSync(path.join(dir, file), "utf8").slice(0, 600) : "";
    lic = /\bMIT License\b|Permission is hereby granted, free of charge/i.test(text) ? "MIT"
      : /\bISC License\b/i.test(text) ? "ISC" : /Apache License/i.test(text) ? "Apache-2.0" : undefined;
  }
  return { version: pkg.version, license: String(lic ?? "UNKNOWN") };
}

/** An SPDX expression is fine when every AND-part, or one OR-alternative of each, is allowed. */
function licenceOk(expr) {
  const e = expr.replace(/[()]/g, " ").trim();
  return e.split(/\s+OR\s+/).some((alt) => alt.split(/\s+AND\s+/).every((l) => ALLOWED_LICENCES.test(l.trim())));
}

// ---- the build ---------------------------------------------------------------------------------

export async function buildSite() {
  const t0 = Date.now();
  ensureSiteDeps();
  const siteRequire = createRequire(path.join(siteSrc, "package.json"));
  const esbuild = siteRequire("esbuild");
  const config = JSON.parse(fs.readFileSync(path.join(siteSrc, "extensions.json"), "utf8"));
  fs.rmSync(OUT, { recursive: true, force: true });
  fs.mkdirSync(OUT, { recursive: true });
  const nodePaths = [path.join(siteSrc, "node_modules"), path.join(root, "node_modules")];
  const common = { bundle: true, minify: true, target: "es2022", platform: "browser", logLevel: "warning", metafile: true, legalComments: "none" };

  log("site: bundling the lab app (JupyterLab 4.6 + JupyterLite 0.8 + the workbook kernel)...");
  const app = esbuild.build({
    ...common,
    entryPoints: { index: path.join(siteSrc, "src", "app", "index.ts") },
    outdir: path.join(OUT, "build", "app"),
    format: "esm",
    // No code splitting: esbuild's split chunks of CommonJS modules export only `default`, and
    // @jupyterlab/mathjax-extension imports mathjax-full's CommonJS files lazily by name.
    assetNames: "assets/[name]-[hash]",
    loader: FILE_LOADERS,
    nodePaths,
    define: { "process.env.NODE_ENV": '"production"', global: "globalThis", __dirname: '"/"' },
    // One yjs: its ESM and CJS builds would be two copies (notebooks need one Y.Doc type).
    alias: { yjs: path.join(siteSrc, "node_modules", "yjs", "dist", "yjs.mjs") },
    // Mermaid (diagrams in Markdown) is left out: no plugin of the site renders it, and its
    // elkjs is EPL-2.0. @jupyterlab/mermaid imports it lazily; the stub says it is absent.
    plugins: [extensionsPlugin(config.extensions, siteRequire), assetsPlugin, {
      name: "no-mermaid",
      setup(build) {
        build.onResolve({ filter: /^(mermaid|@mermaid-js\/layout-elk)$/ }, () => ({ path: path.join(siteSrc, "src", "app", "no-mermaid.ts") }));
        build.onResolve({ filter: /^mermaid\/package\.json$/ }, () => ({ path: "mermaid/package.json", namespace: "no-mermaid" }));
        build.onLoad({ filter: /.*/, namespace: "no-mermaid" }, () => ({ contents: '{"version":"none"}', loader: "json" }));
        // Font Awesome 5's CSS (fonts OFL-1.1, icons CC-BY-4.0): @jupyterlab/application's style
        // imports it for extensions that still use "fa" classes; none of the site's plugins do.
        build.onResolve({ filter: /^@fortawesome\/fontawesome-free\// }, (args) => ({ path: args.path, namespace: "no-fontawesome" }));
        build.onLoad({ filter: /.*/, namespace: "no-fontawesome" }, () => ({ contents: "", loader: "css" }));
      },
    }],
  });

  log("site: bundling the kernel worker (lib/ for the browser, tfjs on wasm)...");
  const shims = path.join(siteSrc, "src", "shims");
  const worker = esbuild.build({
    ...common,
    entryPoints: [path.join(siteSrc, "src", "worker", "index.ts")],
    outfile: path.join(OUT, "build", "kernel", "kernel-runtime.js"),
    format: "iife",
    // Names kept, so a traceback's frames say which lib function they are in.
    minify: false,
    minifyWhitespace: true,
    minifySyntax: true,
    sourcemap: "linked",
    sourcesContent: false,
    nodePaths,
    alias: Object.fromEntries(["fs", "path", "os", "util", "zlib", "jsdom", "crypto", "worker_threads"].map((m) => [m, path.join(shims, `${m}.ts`)])),
    inject: [path.join(shims, "process.ts"), path.join(shims, "buffer.ts"), path.join(shims, "timers.ts")],
    define: { global: "globalThis" },
    plugins: [{
      name: "node-only",
      setup(build) {
        // Loaded only when GDL_BACKEND is tensorflow, never in the browser (GDL_BACKEND=wasm there).
        build.onResolve({ filter: /^@tensorflow\/tfjs-node$/ }, () => ({ path: "@tensorflow/tfjs-node", external: true }));
        // train()'s data-parallel engine (Node worker threads): train() runs on the kernel's thread
        // here (GDL_WORKERS=1); the stand-in says so if workers are ever asked for.
        build.onResolve({ filter: /(^|\/)parallel\/index$/ }, (args) =>
          (/lib[\\/]train[\\/]train\.ts$/.test(args.importer) ? { path: path.join(shims, "parallel-engine.ts") } : undefined));
      },
    }],
  });

  log("site: themes...");
  const themes = Promise.all(config.themes.map((name) => {
    const dir = path.dirname(siteRequire.resolve(`${name}/package.json`));
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    return esbuild.build({
      ...common,
      entryPoints: [path.join(dir, pkg.jupyterlab.themePath)],
      outfile: path.join(OUT, "build", "themes", name, "index.css"),
      loader: FILE_LOADERS,
      assetNames: "[name]-[hash]",
      plugins: [assetsPlugin],
    });
  }));

  const typescript = esbuild.transform(fs.readFileSync(path.join(root, "node_modules", "typescript", "lib", "typescript.js"), "utf8"), { minify: true, target: "es2022", legalComments: "none" })
    .then((r) => {
      const licence = "/*! TypeScript (c) Microsoft Corporation, Apache License 2.0 */\n";
      fs.mkdirSync(path.join(OUT, "build", "kernel"), { recursive: true });
      fs.writeFileSync(path.join(OUT, "build", "kernel", "typescript.js"), licence + r.code);
    });

  // Settings schemas of every plugin (JupyterLite's settings service reads all.json).
  const schemas = [];
  for (const name of config.extensions) {
    const dir = path.dirname(siteRequire.resolve(`${name}/package.json`));
    const pkg = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8"));
    const schemaDir = pkg.jupyterlab?.schemaDir;
    if (!schemaDir || !fs.existsSync(path.join(dir, schemaDir))) continue;
    for (const f of fs.readdirSync(path.join(dir, schemaDir)).filter((f) => f.endsWith(".json")).sort()) {
      const schema = JSON.parse(fs.readFileSync(path.join(dir, schemaDir, f), "utf8"));
      schemas.push({ id: `${name}:${f.replace(/\.json$/, "")}`, raw: "{}", schema, settings: {}, version: pkg.version });
    }
  }
  writeJson(path.join(OUT, "build", "schemas", "all.json"), schemas);
  writeJson(path.join(OUT, "build", "schemas", "all_federated.json"), []);

  // Kernel assets: tfjs-backend-wasm's binaries (no threads: a plain static host is not
  // cross-origin isolated), Plotly's bundle (lib/plot/plotly.ts inlines it into the first plot).
  const wasmDir = path.join(path.dirname(createRequire(path.join(root, "package.json")).resolve("@tensorflow/tfjs-backend-wasm/package.json")), "dist");
  for (const f of ["tfjs-backend-wasm.wasm", "tfjs-backend-wasm-simd.wasm"]) copy(path.join(wasmDir, f), path.join(OUT, "build", "kernel", f));
  copy(path.join(root, "node_modules", "plotly.js-dist-min", "plotly.min.js"), path.join(OUT, "build", "kernel", "plotly.min.js"));

  // Data.
  const siteFiles = ["build/kernel/plotly.min.js"];
  const fm = fashionMnistDir();
  if (fm) for (const f of FASHION_FILES) copy(path.join(fm, f), path.join(OUT, "datasets", "fashion-mnist", f));
  else log("site: WARNING: Fashion-MNIST not found (datasets/fashion-mnist/ or /usr/share/datasets/fashion-mnist/); the notebooks will say so when they load it");
  // Weights, listed in the kernel's file manifest so lib's fs calls see them as files.
  const listFiles = (dir) => fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
  for (const name of PRETRAINED) {
    for (const f of listFiles(path.join(root, "pretrained", name))) {
      const rel = path.relative(root, f).split(path.sep).join("/");
      copy(f, path.join(OUT, rel));
      siteFiles.push(rel);
    }
  }

  // Contents: the notebooks, unchanged, and the listing JupyterLite's drive reads.
  const listing = [];
  for (const nb of NOTEBOOKS) {
    const file = path.join(root, "notebooks", nb);
    copy(file, path.join(OUT, "files", nb));
    const st = fs.statSync(file);
    listing.push({ name: nb, path: nb, type: "notebook", format: null, mimetype: null, content: null, size: st.size, writable: true, created: st.mtime.toISOString(), last_modified: st.mtime.toISOString() });
  }
  writeJson(path.join(OUT, "api", "contents", "all.json"), { name: "", path: "", type: "directory", format: "json", mimetype: null, writable: true, size: null, created: new Date(0).toISOString(), last_modified: new Date(0).toISOString(), content: listing });
  const en = { data: { en: { displayName: "English", nativeName: "English" } }, message: "" };
  writeJson(path.join(OUT, "api", "translations", "all.json"), en);
  writeJson(path.join(OUT, "api", "translations", "en.json"), { data: {}, message: "" });
  // JupyterLab links file paths it finds in outputs (a traceback's lib/plot/scatter.ts:12) after
  // asking the server's api/resolvePath; a static host ignores the query, so this file answers
  // "nothing resolved" for every path (else the browser logs a 404 per path).
  writeJson(path.join(OUT, "api", "resolvePath"), { resolved: [], unresolved: [] });

  // Pages and configuration.
  const pageConfig = {
    appName: "Generative Deep Learning workbook",
    appVersion: "0.1.0",
    baseUrl: "./",
    appUrl: "./lab",
    themesUrl: "./build/themes",
    settingsUrl: "./build/schemas",
    fullStaticUrl: "./build/app",
    licensesUrl: "./build/licenses",
    contentsAllJsonFile: "all.json",
    defaultKernelName: "tslab-workbook",
    disabledExtensions: config.disabled,
    exposeAppInBrowser: true,
    federated_extensions: [],
    notebookStartsKernel: true,
    gdlKernel: { env: {}, siteFiles },
    settingsOverrides: {},
  };
  fs.mkdirSync(path.join(OUT, "lab"), { recursive: true });
  fs.writeFileSync(path.join(OUT, "lab", "index.html"), labHtml(pageConfig));
  fs.writeFileSync(path.join(OUT, "index.html"), redirectHtml("lab/index.html"));
  writeJson(path.join(OUT, "jupyter-lite.json"), {
    "jupyter-config-data": {},
    comment: "Options merged into lab/index.html's page config when the page loads: e.g. \"gdlKernel\": {\"env\": {\"QUICK\": \"1\"}} (the kernel's environment), \"settingsOverrides\" (JupyterLab settings).",
  });
  fs.writeFileSync(path.join(OUT, ".nojekyll"), "");

  const [appResult, workerResult] = await Promise.all([app, worker, themes, typescript]);
  if (process.env.GDL_SITE_METAFILE) writeJson(process.env.GDL_SITE_METAFILE, { app: appResult.metafile, worker: workerResult.metafile });

  // Licences of everything bundled, plus the files copied as they are.
  const packages = new Map();
  for (const meta of [appResult.metafile, workerResult.metafile]) {
    for (const input of Object.keys(meta.inputs)) {
      if (input.startsWith("(disabled)")) continue;
      const p = packageOf(path.resolve(root, input.replace(/^[a-z-]+:/, "")));
      if (p && !packages.has(p.name)) packages.set(p.name, { name: p.name, ...licenceOf(p.dir) });
    }
  }
  for (const name of ["typescript", "@tensorflow/tfjs-backend-wasm", "plotly.js-dist-min"]) {
    packages.set(name, { name, ...licenceOf(path.join(root, "node_modules", name)) });
  }
  for (const name of config.themes) packages.set(name, { name, ...licenceOf(path.dirname(siteRequire.resolve(`${name}/package.json`))) });
  const list = [...packages.values()].sort((a, b) => a.name.localeCompare(b.name));
  writeJson(path.join(OUT, "build", "licenses.json"), { packages: list, data: fm ? { "Fashion-MNIST": "MIT (Zalando Research)" } : {} });
  const bad = list.filter((p) => !licenceOk(p.license));
  if (bad.length) throw new Error(`site: licences that may not ship: ${bad.map((p) => `${p.name}@${p.version} (${p.license})`).join(", ")}`);
  const byLicence = {};
  for (const p of list) byLicence[p.license] = (byLicence[p.license] ?? 0) + 1;

  const size = dirSize(OUT);
  log(`site: built ${path.relative(root, OUT)}/ in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${size.files} files, ${mb(size.bytes)}` +
    `${fm ? ` (Fashion-MNIST ${mb(FASHION_FILES.reduce((s, f) => s + fs.statSync(path.join(fm, f)).size, 0))})` : ""}`);
  log(`site: ${list.length} packages ship: ${Object.entries(byLicence).sort((a, b) => b[1] - a[1]).map(([l, n]) => `${l} ${n}`).join(", ")} (build/site/build/licenses.json)`);
  log("site: serve it with: npm run site:serve");
  return { seconds: (Date.now() - t0) / 1000, ...size };
}

function labHtml(pageConfig) {
  // The page's own config, then the site's jupyter-lite.json on top; relative URLs are
  // resolved against the site root, wherever the site is hosted (any folder of any static host).
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Generative Deep Learning workbook</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="../build/app/index.css">
<script id="jupyter-config-data" type="application/json">${JSON.stringify(pageConfig, null, 1).replace(/</g, "\\u003c")}</script>
<script type="module">
const el = document.getElementById("jupyter-config-data");
const config = JSON.parse(el.textContent);
const site = new URL("../", location.href);
try {
  const res = await fetch(new URL("jupyter-lite.json", site));
  const extra = res.ok ? (await res.json())["jupyter-config-data"] ?? {} : {};
  for (const [k, v] of Object.entries(extra)) {
    if (k === "disabledExtensions") config[k] = [...config[k], ...v];
    else if (k === "settingsOverrides") for (const [p, s] of Object.entries(v)) config[k][p] = { ...(config[k][p] ?? {}), ...s };
    else if (k === "gdlKernel") config[k] = { ...config[k], ...v, env: { ...config[k].env, ...(v.env ?? {}) } };
    else config[k] = v;
  }
} catch (e) {
  console.warn("jupyter-lite.json was not read:", e);
}
for (const [k, v] of Object.entries(config)) {
  if (k !== "themesUrl" && /Url$/.test(k) && typeof v === "string" && v.startsWith("./")) config[k] = new URL(v.slice(2), site).pathname;
}
config.baseUrl = site.pathname;
el.textContent = JSON.stringify(config);
await import("../build/app/index.js");
</script>
</head>
<body></body>
</html>
`;
}

function redirectHtml(to) {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Generative Deep Learning workbook</title>
<script>location.replace(${JSON.stringify(to)} + location.search + location.hash);</script>
<meta http-equiv="refresh" content="0; url=${to}"></head>
<body><a href="${to}">Open the workbook</a></body></html>
`;
}

// ---- npm run site:serve: a plain static server --------------------------------------------------

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8", ".json": "application/json; charset=utf-8", ".ipynb": "application/json; charset=utf-8", ".map": "application/json", ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png", ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".gz": "application/gzip", ".ico": "image/x-icon" };

/** A plain static file server for `dir` (no special headers); resolves with the server once listening. */
export function serveStatic(dir, port, host = "127.0.0.1", { overrides = {} } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://x");
    let rel = decodeURIComponent(url.pathname);
    if (rel in overrides) {
      res.writeHead(200, { "Content-Type": TYPES[path.extname(rel)] ?? "application/octet-stream" });
      res.end(overrides[rel]);
      return;
    }
    let file = path.join(dir, path.normalize(rel).replace(/^(\.\.[/\\])+/, ""));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) {
      if (!rel.endsWith("/")) { res.writeHead(301, { Location: `${rel}/${url.search}` }).end(); return; }
      file = path.join(file, "index.html");
    }
    fs.stat(file, (err, st) => {
      if (err || !st.isFile()) { res.writeHead(404, { "Content-Type": "text/plain" }).end("not found"); return; }
      res.writeHead(200, { "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Content-Length": st.size });
      if (req.method === "HEAD") { res.end(); return; }
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (invoked) {
  const [cmd = "build", ...rest] = process.argv.slice(2);
  if (cmd === "build") {
    buildSite().catch((e) => { console.error(e?.message ?? e); process.exit(1); });
  } else if (cmd === "serve") {
    const i = rest.indexOf("--port");
    const port = i >= 0 ? Number(rest[i + 1]) : Number(process.env.PORT ?? 8000);
    const host = rest.includes("--host") ? rest[rest.indexOf("--host") + 1] : "127.0.0.1";
    if (!fs.existsSync(path.join(OUT, "index.html"))) { console.error("build/site/ is not built yet: run npm run site first"); process.exit(1); }
    serveStatic(OUT, port, host).then(() => log(`site: serving build/site/ at http://${host}:${port}/ (Ctrl+C stops)`),
      (e) => { console.error(`site:serve: ${e.message}`); process.exit(1); });
  } else {
    console.error(`usage: node scripts/site.mjs [build|serve [--port N] [--host H]]`);
    process.exit(2);
  }
}
