// One process at a time for a slow setup step (pip into .venv, the native build): the lock is a
// folder holding its owner's pid, taken with mkdir (atomic); a lock whose owner is gone, or that
// never got a pid within 10 s, is taken over. Used by python-env.mjs and setup-native.mjs.
import fs from "node:fs";
import path from "node:path";

/** Wait for and take the lock `dir`; `onWait(pid)` is called once if someone else holds it. Returns unlock(). */
export async function pidLock(dir, onWait) {
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  let told = false;
  for (;;) {
    try {
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, "pid"), String(process.pid));
      return () => fs.rmSync(dir, { recursive: true, force: true });
    } catch (e) {
      if (e.code !== "EEXIST") throw e;
    }
    let pid = 0, stale = false;
    try {
      pid = Number(fs.readFileSync(path.join(dir, "pid"), "utf8") || 0);
      let alive = false;
      try { alive = pid > 0 && process.kill(pid, 0); } catch (e) { alive = e.code === "EPERM"; }
      stale = pid > 0 && !alive;
    } catch {
      // No pid yet: its owner is between mkdir and write, or died there (then the lock is old).
      try { stale = Date.now() - fs.statSync(dir).mtimeMs > 10_000; } catch { continue; }
    }
    if (stale) { fs.rmSync(dir, { recursive: true, force: true }); continue; }
    if (!told) { onWait(pid || "?"); told = true; }
    await new Promise((r) => setTimeout(r, 500));
  }
}
