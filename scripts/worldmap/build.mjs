#!/usr/bin/env node
// Builds web/static/world.json for Ratify's state map: one SVG path per UN M49
// code, projected once from Natural Earth (via npm world-atlas) so the Go server
// can serve the map itself (no tiles, no fetches at run time).
//
// Usage (from scripts/worldmap):
//   node build.mjs [--res 50m|110m] [--digits 0|1] [--tolerance PX]
//                  [--min-area PX2] [--width 1000] [--csv PATH] [--out PATH]
//
// Defaults: --res 50m --digits 1 --tolerance 0.5 --min-area 0.5 --width 1000.
// The state list is --csv, else $RATIFY_COUNTRIES_CSV, else data/countries.csv
// at the repo root (two levels above this file) if present, else
// /work/shared/data/countries.csv. Output: --out, else
// <repo root>/web/static/world.json.
//
// Output: {"viewBox":"0 0 W H","shapes":{"004":"M…z", …}}
//   - keys are the 3-digit M49 codes found in the CSV's m49_code column
//     (exact matches with world-atlas feature ids only);
//   - Equal Earth projection rotated to 11°E (keeps Russia and Fiji whole),
//     fitted to a width of 1000, Antarctica excluded because it is not a state;
//   - shared borders simplified once per TopoJSON arc (Douglas-Peucker in
//     screen space, --tolerance px), so neighbours still fit together;
//   - coordinates snapped to a 10^-digits grid, written as relative lineto
//     commands; duplicate and collinear points are dropped, and secondary rings
//     (islands) smaller than --min-area px² are omitted (a state's largest
//     ring is always kept, and states made only of such specks keep them all).

import { readFileSync, writeFileSync, existsSync, mkdirSync } from "node:fs";
import { dirname, resolve, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { feature } from "topojson-client";
import { geoArea, geoEqualEarth, geoPath } from "d3-geo";

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, "..", "..");
const require = createRequire(import.meta.url);

// ---- arguments --------------------------------------------------------------

function parseArgs(argv) {
  const opts = { res: "50m", digits: 1, minArea: 0.5, tolerance: 0.5, csv: null, out: null, width: 1000 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
      return argv[++i];
    };
    switch (a) {
      case "--res": opts.res = next(); break;
      case "--digits": opts.digits = Number(next()); break;
      case "--min-area": opts.minArea = Number(next()); break;
      case "--tolerance": opts.tolerance = Number(next()); break;
      case "--csv": opts.csv = resolve(next()); break;
      case "--out": opts.out = resolve(next()); break;
      case "--width": opts.width = Number(next()); break;
      case "-h": case "--help":
        console.log("node build.mjs [--res 50m|110m] [--digits 0|1] [--tolerance PX] [--min-area PX2] [--width 1000] [--csv PATH] [--out PATH]");
        process.exit(0);
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (!["10m", "50m", "110m"].includes(opts.res)) throw new Error(`--res must be 10m, 50m or 110m`);
  if (!Number.isInteger(opts.digits) || opts.digits < 0 || opts.digits > 3) throw new Error(`--digits must be 0..3`);
  if (!(opts.minArea >= 0)) throw new Error(`--min-area must be >= 0`);
  if (!(opts.tolerance >= 0)) throw new Error(`--tolerance must be >= 0`);
  if (!opts.csv) {
    const candidates = [
      process.env.RATIFY_COUNTRIES_CSV,
      resolve(repoRoot, "data", "countries.csv"),
      "/work/shared/data/countries.csv",
    ].filter(Boolean);
    opts.csv = candidates.find((p) => existsSync(p));
    if (!opts.csv) throw new Error(`countries.csv not found (tried ${candidates.join(", ")}); pass --csv`);
  }
  if (!opts.out) opts.out = resolve(repoRoot, "web", "static", "world.json");
  return opts;
}

// ---- CSV (RFC 4180: quoted fields may contain commas, "" escapes a quote) ---

function parseCSV(text) {
  const rows = [];
  let row = [], field = "", inQuotes = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i++; } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ",") { row.push(field); field = ""; }
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += c;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  const header = rows.shift();
  return rows
    .filter((r) => r.length > 1 || r[0] !== "")
    .map((r) => Object.fromEntries(header.map((h, i) => [h.trim(), (r[i] ?? "").trim()])));
}

function readStates(csvPath) {
  const rows = parseCSV(readFileSync(csvPath, "utf8").replace(/^\uFEFF/, ""));
  if (!rows.length || !("m49_code" in rows[0])) throw new Error(`${csvPath}: no m49_code column`);
  const states = new Map(); // m49 -> {iso3, name}
  for (const r of rows) {
    if (!/^\d{3}$/.test(r.m49_code)) throw new Error(`${csvPath}: bad m49_code ${JSON.stringify(r.m49_code)} for ${r.name}`);
    if (states.has(r.m49_code)) throw new Error(`${csvPath}: duplicate m49_code ${r.m49_code}`);
    states.set(r.m49_code, { iso3: r.iso3, name: r.name });
  }
  return states;
}

// ---- geometry → compact path ---------------------------------------------

// Collects projected rings from d3-geo's path stream (context API).
function ringCollector() {
  const rings = [];
  let cur = null;
  return {
    rings,
    beginPath() {},
    moveTo(x, y) { cur = [[x, y]]; rings.push(cur); },
    lineTo(x, y) { cur.push([x, y]); },
    closePath() { cur = null; },
    arc() {}, // only used for Point geometries, which countries do not have
  };
}

// Snaps a ring to an integer grid (units of 10^-digits px), drops consecutive
// duplicates, the closing duplicate and collinear points. Returns null when
// fewer than 3 distinct points remain.
function snapRing(ring, scale) {
  let pts = [];
  for (const [x, y] of ring) {
    const p = [Math.round(x * scale), Math.round(y * scale)];
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
  }
  while (pts.length > 1 && pts[0][0] === pts[pts.length - 1][0] && pts[0][1] === pts[pts.length - 1][1]) pts.pop();
  // Drop collinear points (repeat until stable; treat the ring as cyclic).
  let changed = true;
  while (changed && pts.length >= 3) {
    changed = false;
    const out = [];
    const n = pts.length;
    for (let i = 0; i < n; i++) {
      const a = out.length ? out[out.length - 1] : pts[(i - 1 + n) % n];
      const b = pts[i];
      const c = pts[(i + 1) % n];
      const cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
      const dot = (b[0] - a[0]) * (c[0] - b[0]) + (b[1] - a[1]) * (c[1] - b[1]);
      if (cross === 0 && dot >= 0) { changed = true; continue; } // b lies on segment a→c
      out.push(b);
    }
    pts = out;
  }
  return pts.length >= 3 ? pts : null;
}

function ringArea(pts) { // in grid units²
  let s = 0;
  for (let i = 0, n = pts.length; i < n; i++) {
    const [x0, y0] = pts[i], [x1, y1] = pts[(i + 1) % n];
    s += x0 * y1 - x1 * y0;
  }
  return Math.abs(s) / 2;
}

// Formats an integer grid value as a decimal with `digits` places, minimal form
// ("0.5" → ".5", "-0.5" → "-.5", "3.0" → "3").
function fmt(v, digits) {
  if (digits === 0) return String(v);
  const neg = v < 0;
  let s = String(Math.abs(v)).padStart(digits + 1, "0");
  let int = s.slice(0, -digits), frac = s.slice(-digits).replace(/0+$/, "");
  if (int === "0" && frac) int = "";
  s = frac ? `${int}.${frac}` : int;
  return neg ? `-${s}` : s;
}

// Joins numbers with the fewest separators SVG allows: a "-" separates on its
// own, and a leading "." separates after a number that already has a ".".
function joinNums(nums) {
  let out = "", prevHasDot = false;
  for (const s of nums) {
    if (out === "" || s[0] === "-" || (s[0] === "." && prevHasDot)) out += s;
    else out += " " + s;
    prevHasDot = s.includes(".");
  }
  return out;
}

function ringToPath(pts, digits) {
  const [x0, y0] = pts[0];
  const rel = [];
  for (let i = 1; i < pts.length; i++) {
    rel.push(fmt(pts[i][0] - pts[i - 1][0], digits), fmt(pts[i][1] - pts[i - 1][1], digits));
  }
  return `M${joinNums([fmt(x0, digits), fmt(y0, digits)])}l${joinNums(rel)}z`;
}

// ---- topology-preserving simplification -------------------------------------

// Decodes the (quantized, delta-encoded) arcs of a TopoJSON topology to
// absolute [lon, lat] positions.
function decodeArcs(topo) {
  const t = topo.transform;
  return topo.arcs.map((arc) => {
    if (!t) return arc.map((p) => [p[0], p[1]]);
    let x = 0, y = 0;
    return arc.map(([dx, dy]) => {
      x += dx; y += dy;
      return [x * t.scale[0] + t.translate[0], y * t.scale[1] + t.translate[1]];
    });
  });
}

function segDist2(p, a, b) {
  const dx = b[0] - a[0], dy = b[1] - a[1];
  const len2 = dx * dx + dy * dy;
  let t = len2 ? ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / len2 : 0;
  t = Math.max(0, Math.min(1, t));
  const ex = a[0] + t * dx - p[0], ey = a[1] + t * dy - p[1];
  return ex * ex + ey * ey;
}

// Douglas-Peucker on projected points xy[lo..hi]; marks kept indices in keep.
function dp(xy, lo, hi, tol2, keep) {
  const stack = [[lo, hi]];
  while (stack.length) {
    const [a, b] = stack.pop();
    let best = -1, bestD = tol2;
    for (let i = a + 1; i < b; i++) {
      const d = segDist2(xy[i], xy[a], xy[b]);
      if (d > bestD) { bestD = d; best = i; }
    }
    if (best >= 0) { keep[best] = true; stack.push([a, best], [best, b]); }
  }
}

// Simplifies every arc once, in screen space, so borders shared by two states
// stay identical (arc endpoints are always kept). Closed arcs (islands,
// enclaves) keep at least a quadrilateral so they never collapse.
function simplifyTopology(topo, projection, tolerancePx) {
  const arcs = decodeArcs(topo);
  const tol2 = tolerancePx * tolerancePx;
  const simplified = arcs.map((arc) => {
    const n = arc.length;
    if (n <= 2 || tolerancePx === 0) return arc;
    const xy = arc.map((p) => projection(p));
    const keep = new Array(n).fill(false);
    keep[0] = keep[n - 1] = true;
    const closed = arc[0][0] === arc[n - 1][0] && arc[0][1] === arc[n - 1][1];
    if (closed) {
      let far = 1, farD = -1;
      for (let i = 1; i < n - 1; i++) {
        const dx = xy[i][0] - xy[0][0], dy = xy[i][1] - xy[0][1], d = dx * dx + dy * dy;
        if (d > farD) { farD = d; far = i; }
      }
      keep[far] = true;
      for (const [a, b] of [[0, far], [far, n - 1]]) {
        let best = -1, bestD = -1;
        for (let i = a + 1; i < b; i++) {
          const d = segDist2(xy[i], xy[a], xy[b]);
          if (d > bestD) { bestD = d; best = i; }
        }
        if (best >= 0) keep[best] = true;
      }
      const idx = keep.map((k, i) => (k ? i : -1)).filter((i) => i >= 0);
      for (let j = 0; j + 1 < idx.length; j++) dp(xy, idx[j], idx[j + 1], tol2, keep);
    } else {
      dp(xy, 0, n - 1, tol2, keep);
    }
    return arc.filter((_, i) => keep[i]);
  });
  const { transform, ...rest } = topo;
  return { ...rest, arcs: simplified };
}

// ---- main -------------------------------------------------------------------

let opts;
try {
  opts = parseArgs(process.argv.slice(2));
} catch (err) {
  console.error(`build.mjs: ${err.message}`);
  process.exit(2);
}
const states = readStates(opts.csv);
const topo = require(`world-atlas/countries-${opts.res}.json`);

// Keeps only features whose id is an exact M49 match in the CSV. Features are
// grouped by id (50m has two features with id 036: Australia and the Ashmore
// and Cartier Islands, an Australian territory).
function statesById(topology) {
  const byId = new Map();
  const unmatched = [];
  const features = feature(topology, topology.objects.countries).features;
  for (const f of features) {
    const id = f.id == null ? null : String(f.id);
    if (id === null || !states.has(id) || id === "010" /* Antarctica */) {
      unmatched.push(`${id ?? "(no id)"} ${f.properties?.name ?? "?"}`);
      continue;
    }
    if (!byId.has(id)) byId.set(id, []);
    byId.get(id).push(f);
  }
  return { byId, unmatched, count: features.length };
}

const original = statesById(topo);
const kept = { type: "FeatureCollection", features: [...original.byId.values()].flat() };
const margin = 2;
const projection = geoEqualEarth().rotate([-11, 0]);
projection.fitWidth(opts.width - 2 * margin, kept);
const [tx, ty] = projection.translate();
projection.translate([tx + margin, ty + margin]);
const [[, by0], [, by1]] = geoPath(projection).bounds(kept);
const height = Math.ceil(by1 + margin);
if (by0 < 0) throw new Error(`unexpected negative y bound ${by0}`);

const simplified = statesById(simplifyTopology(topo, projection, opts.tolerance));

// d3-geo reads a ring's winding on the sphere: a ring that simplification made
// degenerate or turned inside out would fill the whole globe. Such rings fall
// back to their full-detail version (feature() yields the same ring order for
// both topologies, since only the arcs' interior points differ).
function inverted(ring) {
  return geoArea({ type: "Polygon", coordinates: [ring] }) > 2 * Math.PI;
}
function polygonsOf(g) {
  if (!g) return [];
  if (g.type === "Polygon") return [g.coordinates];
  if (g.type === "MultiPolygon") return g.coordinates;
  return [];
}
let repairedRings = 0;
for (const [id, simpFeatures] of simplified.byId) {
  const origFeatures = original.byId.get(id);
  simpFeatures.forEach((sf, fi) => {
    const sp = polygonsOf(sf.geometry), op = polygonsOf(origFeatures[fi].geometry);
    sp.forEach((poly, pi) => poly.forEach((ring, ri) => {
      const orig = op[pi][ri];
      if (ring.length < 4 || inverted(ring) !== inverted(orig)) { poly[ri] = orig; repairedRings++; }
    }));
  });
}

const scale = 10 ** opts.digits;
const minAreaGrid = opts.minArea * scale * scale;

// Projects a state's features to snapped rings (largest first is not needed:
// rings keep their source order).
function stateRings(features) {
  const coll = ringCollector();
  const path = geoPath(projection, coll);
  for (const f of features) path(f);
  return coll.rings.map((r) => snapRing(r, scale)).filter(Boolean);
}

const shapes = {};
const extent = {}; // id -> largest bbox side in px, to flag near-invisible states
let droppedRings = 0;
const unsimplified = [];
for (const id of [...original.byId.keys()].sort()) {
  let rings = stateRings(simplified.byId.get(id));
  if (!rings.length) { // a tiny state made of several arcs collapsed: use full detail
    rings = stateRings(original.byId.get(id));
    if (rings.length) unsimplified.push(id);
  }
  if (!rings.length) continue; // vanishes at this resolution
  const areas = rings.map(ringArea);
  const largest = areas.indexOf(Math.max(...areas));
  // Archipelago states made only of specks (Maldives, Marshall Islands, …)
  // keep every speck so their spread stays visible.
  const keep = areas[largest] < minAreaGrid ? rings : rings.filter((r, i) => i === largest || areas[i] >= minAreaGrid);
  droppedRings += rings.length - keep.length;
  const xs = keep.flat().map((p) => p[0]), ys = keep.flat().map((p) => p[1]);
  extent[id] = Math.max(Math.max(...xs) - Math.min(...xs), Math.max(...ys) - Math.min(...ys)) / scale;
  shapes[id] = keep.map((r) => ringToPath(r, opts.digits)).join("");
}

const out = JSON.stringify({ viewBox: `0 0 ${opts.width} ${height}`, shapes });
mkdirSync(dirname(opts.out), { recursive: true });
writeFileSync(opts.out, out + "\n");

const missing = [...states.entries()].filter(([id]) => !(id in shapes)).sort((a, b) => a[1].iso3.localeCompare(b[1].iso3));
const rel = (p) => relative(process.cwd(), p) || p;
console.log(`source:   world-atlas countries-${opts.res}.json (${original.count} features)`);
console.log(`states:   ${states.size} in ${rel(opts.csv)}`);
console.log(`skipped:  ${original.unmatched.length} world-atlas features not matching a state: ${original.unmatched.join(", ")}`);
console.log(`shapes:   ${Object.keys(shapes).length} (viewBox 0 0 ${opts.width} ${height}, ${opts.digits} decimal(s), tolerance ${opts.tolerance} px, ${droppedRings} island rings < ${opts.minArea} px² dropped, ${repairedRings} rings kept at full detail${unsimplified.length ? `, unsimplified: ${unsimplified.join(" ")}` : ""})`);
console.log(`no shape: ${missing.length} states`);
for (const [id, s] of missing) console.log(`  ${s.iso3} ${id} ${s.name}`);
const tiny = Object.entries(extent).filter(([, e]) => e < 3).sort((a, b) => a[1] - b[1]);
console.log(`tiny:     ${tiny.length} states drawn smaller than 3 px across (consider a marker): ` +
  tiny.map(([id, e]) => `${states.get(id).iso3} (${e.toFixed(1)})`).join(", "));
const bytes = Buffer.byteLength(out) + 1;
console.log(`output:   ${rel(opts.out)} ${bytes} bytes (${(bytes / 1024).toFixed(1)} KiB)`);
