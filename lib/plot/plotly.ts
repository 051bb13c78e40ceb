// The Plotly bundle, inlined ONCE per notebook (no CDN: notebooks must work
// offline and in the exported HTML). The first Plotly output of a kernel
// process carries it; later outputs wait for window.Plotly (see
// waitForPlotlyJs). It travels gzip-compressed as base64 (about 1.9 MB instead
// of 4.8 MB of raw JS) and is unpacked by the browser's DecompressionStream.
//
// The "emitted" flag is the same globalThis key scatter.ts uses, so the
// scatter plots and the explorer share one bundle per notebook, whichever
// shows first.
import * as fs from "fs";
import * as zlib from "zlib";

const BUNDLE_FLAG = "__gdlPlotlyBundleEmitted";
let cache: { script: string; rawBytes: number } | null = null;

function bundlePath(): string {
  try {
    return require.resolve("plotly.js-dist-min/plotly.min.js");
  } catch {
    throw new Error("plotly bundle: cannot find plotly.js-dist-min/plotly.min.js; run `npm install` in the project root");
  }
}

/**
 * A <script> that defines window.Plotly (unless the page already has it).
 * module/exports/define are hidden so the bundle's UMD header does not
 * register with require.js (classic Notebook) instead of setting window.Plotly.
 */
export function plotlyBundleScript(): string {
  if (!cache) {
    const js = fs.readFileSync(bundlePath());
    const b64 = zlib.gzipSync(js, { level: 9 }).toString("base64");
    const loader =
      "(function(){if(window.Plotly||window.__gdlPlotlyLoading)return;window.__gdlPlotlyLoading=true;" +
      `var b=atob("${b64}"),u=new Uint8Array(b.length);for(var i=0;i<b.length;i++)u[i]=b.charCodeAt(i);` +
      "new Response(new Blob([u]).stream().pipeThrough(new DecompressionStream('gzip'))).text().then(function(js){" +
      "var s=document.createElement('script');" +
      "s.textContent='(function(){var module=undefined,exports=undefined,define=undefined;\\n'+js+'\\n}).call(window);';" +
      "document.head.appendChild(s);window.__gdlPlotlyLoading=false;})" +
      ".catch(function(e){window.__gdlPlotlyLoading=false;window.__gdlPlotlyError=String(e);console.error('Plotly bundle failed to unpack:',e);});})();";
    cache = { script: `<script>${loader}</script>`, rawBytes: js.length };
  }
  return cache.script;
}

/** Size in bytes of the inlined bundle (compressed, as stored in the notebook) and of the raw JS. */
export function plotlyBundleSize(): { inlined: number; raw: number } {
  const s = plotlyBundleScript();
  return { inlined: s.length, raw: cache!.rawBytes };
}

/**
 * The bundle the first time it is asked for in this kernel process, "" after
 * that. (Kept on globalThis so re-importing the module does not reset it.)
 */
export function plotlyBundleOnce(): string {
  const g = globalThis as Record<string, unknown>;
  if (g[BUNDLE_FLAG]) return "";
  g[BUNDLE_FLAG] = true;
  return plotlyBundleScript();
}

/** True once a Plotly output of this kernel process carried the bundle. */
export function plotlyBundleEmitted(): boolean {
  return !!(globalThis as Record<string, unknown>)[BUNDLE_FLAG];
}

/**
 * Forget that the bundle was emitted: call it after clearing the output that
 * held it, so the next Plotly output carries it again (else a reloaded saved
 * notebook has no Plotly).
 */
export function resetPlotlyBundle(): void {
  delete (globalThis as Record<string, unknown>)[BUNDLE_FLAG];
}

/**
 * Browser-side JS: `gdlWhenPlotly(cb, onSlow)` calls cb(Plotly) once
 * window.Plotly exists (polling: the bundle may be in an earlier output that is
 * still unpacking, or rendered later); onSlow(message) after 10 s without it.
 */
export const WHEN_PLOTLY_JS =
  "function gdlWhenPlotly(cb,onSlow){var t0=Date.now(),warned=false;(function poll(){" +
  "if(window.Plotly&&window.Plotly.newPlot){cb(window.Plotly);return;}" +
  "if(!warned&&(window.__gdlPlotlyError||Date.now()-t0>10000)){warned=true;onSlow(window.__gdlPlotlyError?" +
  "'The Plotly bundle failed to unpack: '+window.__gdlPlotlyError:" +
  "'Waiting for Plotly. Its bundle is carried by the first interactive plot of this notebook; if that output was cleared, run resetPlotlyBundle() (lib/plot/plotly) and re-run this cell.');}" +
  "setTimeout(poll,warned?500:50);})();}";
