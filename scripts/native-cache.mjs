// The native backend's build cache, outside node_modules, so that a fresh `npm ci` (which
// deletes node_modules/@tensorflow/tfjs-node, binding and all) does not force a rebuild.
//
//   ${GDL_NATIVE_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/gdl-workbook/tfjs-node}/
//     linux-x64-napi-v8-tf2.21.0-tfjs-node4.22.0/    one entry per N-API x TensorFlow x tfjs-node version
//       tfjs_binding.node                            the binding scripts/setup-native.mjs built
//       lib/libtensorflow_cc.so.2, ...               the TensorFlow C library it was linked against
//       entry.json                                   what it is, where it came from, when
//
// An entry is self-contained: the TensorFlow libraries are hard links to the ones the binding
// was built against (no extra space on the same file system; copies otherwise), so restoring
// needs neither that TensorFlow (a project .venv that was deleted, another checkout) nor a
// compiler. An N-API binding does not depend on the Node version, only on the N-API version
// it was built for, so one entry serves Node 20, 22, 24 and 26 alike.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const ENTRY_FILE = "entry.json";
/** The libraries of a TensorFlow folder that the binding links or loads (stage() in setup-native.mjs). */
export const TF_LIB_RE = /^libtensorflow.*\.so(\.\d+)*$/;

/** The cache folder: GDL_NATIVE_CACHE_DIR, else $XDG_CACHE_HOME/gdl-workbook/tfjs-node, else ~/.cache/…. */
export function cacheRoot(env = process.env) {
  if (env.GDL_NATIVE_CACHE_DIR) return path.resolve(env.GDL_NATIVE_CACHE_DIR);
  const base = env.XDG_CACHE_HOME ? path.resolve(env.XDG_CACHE_HOME) : path.join(os.homedir(), ".cache");
  return path.join(base, "gdl-workbook", "tfjs-node");
}

export function cacheKey({ napi, tensorflow, tfjsNode }) {
  return `${process.platform}-${process.arch}-napi-v${napi}-tf${tensorflow}-tfjs-node${tfjsNode}`;
}

/** The library files of `entryDir`/lib by name (symlinks inside the entry included). */
function entryLibs(dir) {
  const lib = path.join(dir, "lib");
  return fs.existsSync(lib) ? fs.readdirSync(lib).filter((f) => TF_LIB_RE.test(f)) : [];
}

function readEntry(dir) {
  try {
    const e = JSON.parse(fs.readFileSync(path.join(dir, ENTRY_FILE), "utf8"));
    const files = [path.join(dir, e.bindingFile), path.join(dir, "lib", e.main), path.join(dir, "lib", e.framework)];
    return files.every((f) => fs.existsSync(f)) ? { ...e, dir } : null;
  } catch {
    return null;
  }
}

/**
 * Entries usable here, best first: this platform, `tfjsNode`, an N-API version this Node has
 * (at most `maxNapi`), and, when `tensorflowDir` is given (GDL_TENSORFLOW_DIR), built from that
 * folder. Entries of `preferTensorflow` (the version bench/requirements-tensorflow.txt pins) come
 * first, then the newest.
 */
export function findEntries({ tfjsNode, maxNapi, tensorflowDir = null, preferTensorflow = null }, env = process.env) {
  const rootDir = cacheRoot(env);
  if (!fs.existsSync(rootDir)) return [];
  const found = [];
  for (const name of fs.readdirSync(rootDir)) {
    if (name.startsWith(".")) continue; // entries being written
    const e = readEntry(path.join(rootDir, name));
    if (!e || e.platform !== `${process.platform}-${process.arch}` || e.tfjsNode !== tfjsNode || !(e.napi <= maxNapi)) continue;
    if (tensorflowDir && path.resolve(e.tensorflowDir ?? "") !== path.resolve(tensorflowDir)) continue;
    found.push(e);
  }
  const rank = (e) => (preferTensorflow && e.tensorflow === preferTensorflow ? 0 : 1);
  return found.sort((a, b) => rank(a) - rank(b) || b.napi - a.napi || String(b.date).localeCompare(String(a.date)));
}

/** Hard link `from` to `to`, or copy it (another file system, or links not allowed). */
function linkOrCopy(from, to) {
  try {
    fs.linkSync(from, to);
    return "link";
  } catch {
    fs.copyFileSync(from, to, fs.constants.COPYFILE_FICLONE);
    return "copy";
  }
}

/**
 * Store a working build: `binding` (the .node file), the TensorFlow libraries of `tf.libDir`
 * (`tf.lib`, `tf.framework` and every libtensorflow*.so* beside them), and what they are.
 * Written into a temporary folder and renamed into place, so a reader never sees half an
 * entry. Returns {dir, linked, copied, bytes}.
 */
export function storeEntry({ binding, tf, napi, tfjsNode, tensorflow, node = process.version }, env = process.env) {
  const rootDir = cacheRoot(env);
  const key = cacheKey({ napi, tensorflow, tfjsNode });
  const dir = path.join(rootDir, key);
  const tmp = path.join(rootDir, `.${key}.tmp-${process.pid}`);
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.join(tmp, "lib"), { recursive: true });
  try {
    fs.copyFileSync(binding, path.join(tmp, path.basename(binding)));
    // Each library file once, under its real name; the other names as links inside the entry.
    const names = new Map([[path.basename(tf.lib), tf.lib], [path.basename(tf.framework), tf.framework]]);
    for (const f of fs.readdirSync(tf.libDir)) if (TF_LIB_RE.test(f) && !names.has(f)) names.set(f, path.join(tf.libDir, f));
    const stored = new Map(); // real path -> name in the entry
    let linked = 0, copied = 0, bytes = 0;
    for (const [name, file] of names) {
      const real = fs.realpathSync(file);
      if (!stored.has(real)) {
        const as = path.basename(real);
        if (!fs.existsSync(path.join(tmp, "lib", as))) {
          if (linkOrCopy(real, path.join(tmp, "lib", as)) === "link") linked++;
          else copied++;
          bytes += fs.statSync(real).size;
        }
        stored.set(real, as);
      }
      if (name !== stored.get(real)) fs.symlinkSync(stored.get(real), path.join(tmp, "lib", name));
    }
    const entry = {
      platform: `${process.platform}-${process.arch}`, napi, tfjsNode, tensorflow,
      bindingFile: path.basename(binding),
      main: path.basename(tf.lib), framework: path.basename(tf.framework),
      source: tf.source, tensorflowDir: tf.dir ?? tf.libDir, builtWith: node, date: new Date().toISOString(),
    };
    fs.writeFileSync(path.join(tmp, ENTRY_FILE), `${JSON.stringify(entry, null, 2)}\n`);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
    return { dir, linked, copied, bytes };
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Put an entry's binding where tfjs-node loads it (`modulePath`/<binding file>) and link its
 * libraries into tfjs-node's deps/lib under the names the binding links (libtensorflow.so,
 * libtensorflow_framework.so: binding.gyp's -l flags, rpath $ORIGIN/../../deps/lib) and loads
 * (each library's own name). Copies 100 KB and makes a few links: well under a second.
 */
export function restoreEntry(entry, { tfjsNodeDir, modulePath }) {
  const deps = path.join(tfjsNodeDir, "deps");
  const libDir = path.join(deps, "lib");
  fs.rmSync(deps, { recursive: true, force: true });
  fs.mkdirSync(libDir, { recursive: true });
  const from = path.join(entry.dir, "lib");
  const links = new Map([["libtensorflow.so", entry.main], ["libtensorflow_framework.so", entry.framework]]);
  for (const f of entryLibs(entry.dir)) if (!links.has(f)) links.set(f, f);
  for (const [name, file] of links) fs.symlinkSync(path.join(from, file), path.join(libDir, name));
  fs.rmSync(modulePath, { recursive: true, force: true });
  fs.mkdirSync(modulePath, { recursive: true });
  const binding = path.join(modulePath, entry.bindingFile);
  fs.copyFileSync(path.join(entry.dir, entry.bindingFile), `${binding}.tmp`);
  fs.renameSync(`${binding}.tmp`, binding);
  return { deps, binding };
}
