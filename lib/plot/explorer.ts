// Interactive latent-space explorer: a Plotly scatter of 2-D latent points
// (coloured by label; click legend entries to hide classes) with the decoded
// image of wherever the mouse is shown beside it. Hovering a point shows that
// point's own image; hovering (or clicking) empty space shows the decoding of
// the nearest cell of a fine grid.
//
// It needs NO kernel once displayed: everything the browser needs is computed
// here and shipped in the one HTML output (offline, exported HTML, JupyterLab,
// classic Notebook, VS Code):
//   - the grid of decoded images as ONE sprite-sheet PNG (also the static
//     fallback picture when scripts do not run, e.g. an untrusted notebook),
//   - each point's image as a second sprite sheet,
//   - point coordinates, labels and the grid geometry as JSON,
//   - the Plotly bundle, only in the first Plotly output of the kernel process
//     (lib/plot/plotly.ts); later outputs wait for window.Plotly.
//
// Latent spaces with more than 2 dimensions are explored on a plane: give the
// points' 2-D plane coordinates and `lift` (plane -> full z), e.g. from
// pcaPlane(z) (recommended: the plane of largest spread) or slicePlane(),
// both in lib/latent/plane.ts.
import { classColour } from "./palette";
import * as tf from "@tensorflow/tfjs";
import { show, withTextForm } from "../display";
import { plotlyBundleOnce, WHEN_PLOTLY_JS } from "./plotly";
import { GRID_LOOKUP_JS, gridCenters, LatentGrid, packSprite, pixelsOfTensor, PixelBatch, Sprite } from "./sprite";

export interface ExplorerPoints {
  /** Plane coordinates of each point (latent z for a 2-D latent space). */
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  /** Class per point: integer (named via classNames) or a string. */
  labels?: ArrayLike<number> | readonly string[];
  classNames?: readonly string[];
  /** Identifier shown on hover (default 0..n-1), e.g. index in the test set. */
  ids?: ArrayLike<number>;
}

export interface ExplorerOptions {
  points: ExplorerPoints;
  /** Latent points [m, latentDim] -> images [m, h, w, c] in [0, 1] (e.g. (z) => ae.decode(z)). */
  decode: (z: tf.Tensor2D) => tf.Tensor4D;
  /** Each point's own image [n, h, w, c] (e.g. the test images); default: decode of the point's location. */
  pointImages?: tf.Tensor4D;
  /** Plane coords [m, 2] -> full latent z [m, latentDim]; needed when latentDim > 2 (see pcaPlane). */
  lift?: (plane: tf.Tensor2D) => tf.Tensor2D;
  /** Region of the plane to cover: [lo, hi] for both axes, or per axis. Default: the points' extent + 5%. */
  range?: [number, number] | { x: [number, number]; y: [number, number] };
  /** Grid cells per side (default: as fine as a ~1.2 MB pixel budget allows, 8..40). */
  gridSize?: number;
  /** Points kept (evenly spaced subsample) to bound the notebook size (default 2000). */
  maxPoints?: number;
  /** Grey/colour levels per channel in the sprite sheets (default 32: looks the same, ~4x smaller notebook; 256 = exact). */
  levels?: number;
  /** Decode batch size (default 256). */
  batchSize?: number;
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Plot size in px (default 560 x 480) and side of the image panel (default 224). */
  width?: number;
  height?: number;
  panel?: number;
}

export interface ExplorerInfo {
  /** Size of the emitted HTML (what the notebook grows by), bytes. */
  htmlBytes: number;
  /** Of which the Plotly bundle (0 if an earlier output carried it). */
  bundleBytes: number;
  gridSize: number;
  gridSpriteBytes: number;
  pointSpriteBytes: number;
  points: number;
  /** Plane region covered by the grid. */
  range: { x: [number, number]; y: [number, number] };
}

const PIXEL_BUDGET = 1.2e6;

let counter = 0;

/** Evenly spaced subsample indices (all of 0..n-1 when n <= m). */
export function subsampleIndices(n: number, m: number): Int32Array {
  const k = Math.min(n, m);
  return Int32Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

function checkPoints(p: ExplorerPoints): number {
  const n = p.x?.length;
  if (!(n > 0)) throw new Error("latentExplorer: points.x is empty; pass one x and y per point");
  if (p.y?.length !== n) throw new Error(`latentExplorer: points.x has ${n} values but points.y has ${p.y?.length}; pass one y per x`);
  if (p.labels && p.labels.length !== n) throw new Error(`latentExplorer: points.labels has ${p.labels.length} entries, expected ${n} (one per point)`);
  if (p.ids && p.ids.length !== n) throw new Error(`latentExplorer: points.ids has ${p.ids.length} entries, expected ${n} (one per point)`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(p.x[i]) || !Number.isFinite(p.y[i])) {
      throw new Error(`latentExplorer: point ${i} is (${p.x[i]}, ${p.y[i]}); coordinates must be finite (NaN latents mean the model diverged)`);
    }
  }
  return n;
}

function labelName(p: ExplorerPoints, i: number): string {
  if (!p.labels) return "points";
  const l = p.labels[i];
  if (typeof l === "number") {
    if (p.classNames && !(l >= 0 && l < p.classNames.length)) {
      throw new Error(`latentExplorer: points.labels[${i}] = ${l} but classNames has ${p.classNames.length} names (0..${p.classNames.length - 1})`);
    }
    return p.classNames ? p.classNames[l] : String(l);
  }
  return String(l);
}

function resolveRange(o: ExplorerOptions, sel: Int32Array): { x: [number, number]; y: [number, number] } {
  const r = o.range;
  const ok = (a: unknown): a is [number, number] =>
    Array.isArray(a) && a.length === 2 && Number.isFinite(a[0]) && Number.isFinite(a[1]) && a[0] < a[1];
  if (r !== undefined) {
    const rx = Array.isArray(r) ? r : r.x, ry = Array.isArray(r) ? r : r.y;
    if (!ok(rx) || !ok(ry)) throw new Error(`latentExplorer: range must be [lo, hi] with lo < hi (or {x: [lo, hi], y: [lo, hi]}), got ${JSON.stringify(r)}`);
    return { x: [rx[0], rx[1]], y: [ry[0], ry[1]] };
  }
  const ext = (a: ArrayLike<number>): [number, number] => {
    let lo = Infinity, hi = -Infinity;
    for (const i of sel) { lo = Math.min(lo, a[i]); hi = Math.max(hi, a[i]); }
    if (lo === hi) { lo -= 1; hi += 1; }
    const pad = 0.05 * (hi - lo);
    return [lo - pad, hi + pad];
  };
  return { x: ext(o.points.x), y: ext(o.points.y) };
}

/** Decode plane points [m, 2] (lifted when o.lift is set) in batches; returns plain pixels, no tensors left behind. */
function decodePlane(o: ExplorerOptions, xy: Float32Array, what: string): PixelBatch {
  const m = xy.length / 2, bs = o.batchSize ?? 256;
  const parts: PixelBatch[] = [];
  for (let s = 0; s < m; s += bs) {
    const e = Math.min(m, s + bs);
    const img = tf.tidy(() => {
      const plane = tf.tensor2d(xy.subarray(2 * s, 2 * e), [e - s, 2]);
      let z: tf.Tensor2D = plane;
      if (o.lift) {
        z = o.lift(plane);
        if (!(z instanceof tf.Tensor) || z.rank !== 2 || z.shape[0] !== e - s) {
          throw new Error(`latentExplorer: lift must map [m, 2] plane points to [m, latentDim]; for [${e - s}, 2] it returned ${z instanceof tf.Tensor ? `[${z.shape.join(",")}]` : typeof z}`);
        }
      }
      let out: tf.Tensor;
      try {
        out = o.decode(z);
      } catch (err) {
        const hint = o.lift ? "" : " If the latent space has more than 2 dimensions, pass lift (e.g. pcaPlane(z).lift).";
        throw new Error(`latentExplorer: decode failed on latent points of shape [${z.shape.join(",")}]: ${(err as Error).message}.${hint}`);
      }
      if (!(out instanceof tf.Tensor) || (out.rank !== 4 && out.rank !== 3) || out.shape[0] !== e - s) {
        throw new Error(`latentExplorer: decode must return images [m, h, w, c] for m = ${e - s} latent points, got ${out instanceof tf.Tensor ? `[${out.shape.join(",")}]` : typeof out}`);
      }
      return out;
    });
    try {
      parts.push(pixelsOfTensor(img, `latentExplorer (${what})`));
    } finally {
      img.dispose();
    }
  }
  const { h, w, c } = parts[0];
  const data = new Float32Array(m * h * w * c);
  let off = 0;
  for (const p of parts) { data.set(p.data, off); off += p.data.length; }
  return { data, n: m, h, w, c };
}

const escapeHtml = (s: string) => s.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
const fmt = (v: number) => Number(v.toPrecision(3));

/** The explorer as one self-contained HTML string (plus size info). Use latentExplorer() to display it. */
export function latentExplorerHtml(o: ExplorerOptions): { html: string; info: ExplorerInfo } {
  if (typeof o.decode !== "function") throw new Error("latentExplorer: decode must be a function (z: Tensor2D) => Tensor4D, e.g. (z) => model.decode(z)");
  const n = checkPoints(o.points);
  const maxPoints = o.maxPoints ?? 2000;
  if (!(maxPoints >= 1)) throw new Error(`latentExplorer: maxPoints must be >= 1, got ${maxPoints}`);
  if (o.pointImages && o.pointImages.shape[0] !== n) {
    throw new Error(`latentExplorer: pointImages has ${o.pointImages.shape[0]} images but there are ${n} points; pass one image per point (same order)`);
  }
  const sel = subsampleIndices(n, maxPoints);
  const range = resolveRange(o, sel);

  // Probe one decode for the image size, then pick the grid size from the pixel budget.
  const probe = decodePlane(o, new Float32Array([(range.x[0] + range.x[1]) / 2, (range.y[0] + range.y[1]) / 2]), "probe");
  const auto = Math.max(8, Math.min(40, Math.floor(Math.sqrt(PIXEL_BUDGET / (probe.h * probe.w * probe.c)))));
  const gridSize = o.gridSize ?? auto;
  if (!Number.isInteger(gridSize) || gridSize < 2 || gridSize > 200) throw new Error(`latentExplorer: gridSize must be an integer in 2..200, got ${gridSize}`);
  const grid: LatentGrid = { x0: range.x[0], x1: range.x[1], y0: range.y[0], y1: range.y[1], n: gridSize };
  const levels = o.levels ?? 32;
  const gridSprite = packSprite(decodePlane(o, gridCenters(grid), "grid"), { cols: gridSize, levels });

  // Each kept point's own image: the given input image, or the decoding of its location.
  const xy = new Float32Array(sel.length * 2);
  sel.forEach((i, k) => { xy[2 * k] = o.points.x[i]; xy[2 * k + 1] = o.points.y[i]; });
  let pointSprite: Sprite;
  if (o.pointImages) {
    const picked = tf.tidy(() => tf.gather(o.pointImages!, Array.from(sel)));
    try { pointSprite = packSprite(pixelsOfTensor(picked, "latentExplorer: pointImages"), { levels }); } finally { picked.dispose(); }
  } else {
    pointSprite = packSprite(decodePlane(o, xy, "points"), { levels });
  }

  // One Plotly trace per class; customdata = index into the point sprite.
  const names: string[] = [];
  const traces = new Map<string, { x: number[]; y: number[]; k: number[]; id: number[] }>();
  sel.forEach((i, k) => {
    const name = labelName(o.points, i);
    if (!traces.has(name)) { traces.set(name, { x: [], y: [], k: [], id: [] }); names.push(name); }
    const t = traces.get(name)!;
    t.x.push(fmt(o.points.x[i])); t.y.push(fmt(o.points.y[i])); t.k.push(k); t.id.push(o.points.ids ? Number(o.points.ids[i]) : i);
  });
  const order = o.points.classNames ? o.points.classNames.filter((c) => traces.has(c)).concat(names.filter((c) => !o.points.classNames!.includes(c))) : names;

  const id = `gdl-ex-${process.pid}-${Date.now()}-${counter++}`;
  const width = o.width ?? 560, height = o.height ?? 480, panel = o.panel ?? 224;
  const data = {
    traces: order.map((name) => ({ name, color: classColour(name, order, o.points.classNames), ...traces.get(name)! })),
    grid,
    gs: { tileW: gridSprite.tileW, tileH: gridSprite.tileH, cols: gridSprite.cols },
    ps: { tileW: pointSprite.tileW, tileH: pointSprite.tileH, cols: pointSprite.cols },
    pointKind: o.pointImages ? "input image" : "decoded at the point",
    lifted: !!o.lift,
    panel,
    pointsSrc: `data:image/png;base64,${pointSprite.base64}`,
    layout: { width, height, xLabel: o.xLabel ?? (o.lift ? "plane axis 1" : "z[0]"), yLabel: o.yLabel ?? (o.lift ? "plane axis 2" : "z[1]") },
  };
  const json = JSON.stringify(data).replace(/</g, "\\u003c");
  const bundle = plotlyBundleOnce();
  const note =
    `Interactive latent explorer: it needs JavaScript, which did not run here. In Jupyter, trust the notebook ` +
    `(File &rsaquo; Trust Notebook, or run the cell again); or open the exported HTML. Static view: the decoded grid ` +
    `(x ${fmt(grid.x0)} to ${fmt(grid.x1)} left to right, y ${fmt(grid.y1)} to ${fmt(grid.y0)} top to bottom).`;
  const html =
    bundle +
    `<div class="gdl-explorer" id="${id}" style="display:flex;gap:12px;align-items:flex-start;font-family:sans-serif;font-size:12px">` +
    `<div style="width:${width}px">` +
    (o.title ? `<div style="font-size:15px;font-weight:bold;padding:2px 0 0 60px">${escapeHtml(o.title)}</div>` : "") +
    `<div class="gdl-ex-msg" style="padding:4px 0">${note}</div>` +
    `<img class="gdl-ex-grid" alt="decoded latent grid" width="${Math.min(width, height)}" style="image-rendering:pixelated" src="data:image/png;base64,${gridSprite.base64}">` +
    `</div></div>` +
    `<script>(function(){var s=document.currentScript,root=s&&s.previousElementSibling;` +
    `if(!root||root.id!==${JSON.stringify(id)})root=document.getElementById(${JSON.stringify(id)});if(!root)return;` +
    `${WHEN_PLOTLY_JS}${GRID_LOOKUP_JS}${EXPLORER_RUNTIME_JS}gdlExplorer(root,${json});})();</script>`;
  return {
    html,
    info: {
      htmlBytes: Buffer.byteLength(html),
      bundleBytes: bundle.length,
      gridSize,
      gridSpriteBytes: gridSprite.base64.length,
      pointSpriteBytes: pointSprite.base64.length,
      points: sel.length,
      range,
    },
  };
}

/** Display the explorer (one HTML output); returns its size info, whose text form (a cell's Out[n]) is one line. */
export function latentExplorer(o: ExplorerOptions): ExplorerInfo {
  const { html, info } = latentExplorerHtml(o);
  show.html(html);
  const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
  return withTextForm(info, `latent explorer: ${mb(info.htmlBytes)} in this output (Plotly ${info.bundleBytes ? mb(info.bundleBytes) : "already in the notebook"}, ` +
    `${info.gridSize}×${info.gridSize} decoded grid ${mb(info.gridSpriteBytes)}, ${info.points} point images ${mb(info.pointSpriteBytes)})`);
}

/**
 * The browser side, as plain JS source. State is kept on the root element's
 * dataset (data-ready, data-shown) so tests and curious readers can see it.
 */
export const EXPLORER_RUNTIME_JS = `
function gdlExplorer(root,D){
  // Only the note and the grid picture are static HTML (what an untrusted notebook shows);
  // the plot and the image panel are built here.
  var msg=root.querySelector('.gdl-ex-msg'),gridImg=root.querySelector('.gdl-ex-grid'),ptsImg=new Image();
  ptsImg.src=D.pointsSrc;
  var plot=document.createElement('div');plot.className='gdl-ex-plot';
  plot.style.cssText='display:none;width:'+D.layout.width+'px;height:'+D.layout.height+'px';
  gridImg.parentNode.appendChild(plot);
  var panel=document.createElement('div');panel.className='gdl-ex-panel';
  panel.style.cssText='display:none;padding-top:40px;width:'+D.panel+'px';
  panel.innerHTML='<canvas width="'+D.panel+'" height="'+D.panel+'" style="border:1px solid #ccc;image-rendering:pixelated"></canvas>'+
    '<div class="gdl-ex-caption" style="min-height:3em;padding-top:4px"></div>'+
    '<div style="color:#777;padding-top:6px">Hover or click anywhere: the image decoded there. Legend: click to hide a class, double-click to isolate it.</div>';
  root.appendChild(panel);
  var canvas=panel.querySelector('canvas'),cap=panel.querySelector('.gdl-ex-caption'),ctx=canvas.getContext('2d');
  var f=function(v){return (Math.round(v*100)/100).toFixed(2);};
  function draw(img,sp,k){
    ctx.imageSmoothingEnabled=false;ctx.fillStyle='#fff';ctx.fillRect(0,0,canvas.width,canvas.height);
    ctx.drawImage(img,(k%sp.cols)*sp.tileW,Math.floor(k/sp.cols)*sp.tileH,sp.tileW,sp.tileH,0,0,canvas.width,canvas.height);
  }
  function showAt(x,y){
    var c=gdlGridCell(D.grid,x,y);
    draw(gridImg,D.gs,c.index);
    cap.textContent='decoded at '+(D.lifted?'plane ':'z = ')+'('+f(c.cx)+', '+f(c.cy)+')'+(c.inside?'':' (nearest grid edge)');
    root.setAttribute('data-shown','grid:'+c.index);
  }
  function showPoint(t,j){
    var tr=D.traces[t],k=tr.k[j];
    draw(ptsImg,D.ps,k);
    cap.textContent=tr.name+' #'+tr.id[j]+' at ('+f(tr.x[j])+', '+f(tr.y[j])+'): '+D.pointKind;
    root.setAttribute('data-shown','point:'+k);
  }
  function toData(ev){
    var r=plot.querySelector('.nsewdrag');if(!r||!plot.layout)return null;
    var b=r.getBoundingClientRect(),fx=(ev.clientX-b.left)/b.width,fy=(ev.clientY-b.top)/b.height;
    if(!(fx>=0&&fx<=1&&fy>=0&&fy<=1))return null;
    var xr=plot.layout.xaxis.range,yr=plot.layout.yaxis.range;
    return [xr[0]+fx*(xr[1]-xr[0]),yr[1]-fy*(yr[1]-yr[0])];
  }
  function ready(img){return img.decode?img.decode().catch(function(){}):Promise.resolve();}
  gdlWhenPlotly(function(Plotly){
    Promise.all([ready(gridImg),ready(ptsImg)]).then(function(){
      msg.style.display='none';gridImg.style.display='none';plot.style.display='';panel.style.display='';
      var traces=D.traces.map(function(t){return {type:'scatter',mode:'markers',name:t.name,x:t.x,y:t.y,
        customdata:t.id,marker:{size:5,opacity:0.75,color:t.color},
        hovertemplate:'%{fullData.name} #%{customdata}<br>(%{x:.2f}, %{y:.2f})<extra></extra>'};});
      var L=D.layout;
      return Plotly.newPlot(plot,traces,{width:L.width,height:L.height,hovermode:'closest',
        margin:{t:30,r:10},
        xaxis:{title:{text:L.xLabel},range:[D.grid.x0,D.grid.x1]},yaxis:{title:{text:L.yLabel},range:[D.grid.y0,D.grid.y1]},
        legend:{itemsizing:'constant'}},{displaylogo:false,responsive:false});
    }).then(function(){
      var hovered=null,last=null;
      plot.on('plotly_hover',function(e){var p=e.points&&e.points[0];if(!p||!D.traces[p.curveNumber])return;
        hovered=p;showPoint(p.curveNumber,p.pointNumber);});
      plot.on('plotly_unhover',function(){hovered=null;if(last)showAt(last[0],last[1]);});
      plot.on('plotly_click',function(e){var p=e.points&&e.points[0];if(p&&D.traces[p.curveNumber])showPoint(p.curveNumber,p.pointNumber);});
      plot.addEventListener('mousemove',function(ev){var d=toData(ev);if(!d)return;last=d;if(!hovered)showAt(d[0],d[1]);});
      plot.addEventListener('click',function(ev){var d=toData(ev);if(d&&!hovered){last=d;showAt(d[0],d[1]);}});
      showAt((D.grid.x0+D.grid.x1)/2,(D.grid.y0+D.grid.y1)/2);
      root.setAttribute('data-ready','1');
    }).catch(function(e){msg.style.display='';msg.textContent='Latent explorer failed: '+e;console.error(e);});
  },function(m){msg.style.display='';msg.textContent=m;});
}
`;
