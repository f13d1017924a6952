// The dependency graph: a layered layout (importers left of what they import), drawn as SVG,
// with pan (drag), zoom (wheel) and selection. No dependencies: the graphs are small (tens to
// a few hundred modules) and a layered layout reads better than a force layout for imports.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_H = 32;
const ROW_GAP = 14;
const COL_GAP = 72;
const CHAR_W = 7.4;
const PAD = 24;
/** Graph units per screen pixel never below this by default: 12 px labels stay 12 px. */
const MIN_SCALE = 1;
const MIN_HEIGHT = 220;
const MAX_HEIGHT = 640;

/**
 * @param {{ id: string }[]} nodes
 * @param {{ from: string, to: string }[]} edges  `from` imports `to`
 * @param {'LR' | 'TB'} direction  layers left to right (wide screens) or top to bottom (narrow ones)
 * @param {number} maxWidth  TB only: wrap a layer onto more rows beyond this width
 * @returns {{ positions: Map<string, { x: number, y: number, w: number, h: number, layer: number }>, width: number, height: number, back: Set<string> }}
 */
export function layoutGraph(nodes, edges, direction = 'LR', maxWidth = Infinity) {
  const ids = nodes.map((n) => n.id).sort();
  const out = new Map(ids.map((id) => [id, []]));
  const indegree = new Map(ids.map((id) => [id, 0]));
  for (const e of edges) {
    if (!out.has(e.from) || !out.has(e.to)) continue;
    out.get(e.from).push(e.to);
    indegree.set(e.to, indegree.get(e.to) + 1);
  }
  // 1. back edges (cycles) found by DFS from the sources; they do not constrain layers
  const back = new Set();
  const state = new Map();
  const visit = (id) => {
    state.set(id, 1);
    for (const to of out.get(id)) {
      if (state.get(to) === 1) back.add(`${id}\u0000${to}`);
      else if (!state.has(to)) visit(to);
    }
    state.set(id, 2);
  };
  for (const id of ids) if (indegree.get(id) === 0) visit(id);
  for (const id of ids) if (!state.has(id)) visit(id);
  // 2. layer = longest path from a source over forward edges (memoised DFS)
  const layer = new Map();
  const incoming = new Map(ids.map((id) => [id, []]));
  for (const [from, tos] of out) for (const to of tos) if (!back.has(`${from}\u0000${to}`)) incoming.get(to).push(from);
  const layerOf = (id) => {
    if (layer.has(id)) return layer.get(id);
    layer.set(id, 0);
    const value = incoming.get(id).reduce((max, from) => Math.max(max, layerOf(from) + 1), 0);
    layer.set(id, value);
    return value;
  };
  for (const id of ids) layerOf(id);
  const layers = [];
  for (const id of ids) (layers[layer.get(id)] ??= []).push(id);
  // 3. order within layers: a few barycenter sweeps against the previous layer
  const index = new Map();
  layers.forEach((l) => l.forEach((id, i) => index.set(id, i)));
  for (let sweep = 0; sweep < 4; sweep++) {
    for (let li = 1; li < layers.length; li++) {
      const bary = (id) => {
        const preds = incoming.get(id).filter((p) => layer.get(p) === li - 1);
        return preds.length === 0 ? index.get(id) : preds.reduce((s, p) => s + index.get(p), 0) / preds.length;
      };
      layers[li].sort((a, b) => bary(a) - bary(b) || a.localeCompare(b));
      layers[li].forEach((id, i) => index.set(id, i));
    }
  }
  // 4. coordinates: layers as columns (LR) or rows (TB), each centred across the others
  const positions = new Map();
  const widthOf = (id) => Math.max(direction === 'TB' ? 72 : 96, Math.round(label(id, direction).length * CHAR_W + 52));
  if (direction === 'TB') {
    // a layer wider than `maxWidth` wraps onto more rows, so labels keep their size on a narrow screen
    const rows = [];
    layers.forEach((l, li) => {
      let row = [];
      let rowWidth = 0;
      for (const id of l) {
        const w = widthOf(id);
        if (row.length > 0 && rowWidth + ROW_GAP + w > maxWidth) {
          rows.push({ ids: row, layer: li, width: rowWidth });
          row = [];
          rowWidth = 0;
        }
        rowWidth += (row.length > 0 ? ROW_GAP : 0) + w;
        row.push(id);
      }
      rows.push({ ids: row, layer: li, width: rowWidth });
    });
    const width = Math.max(0, ...rows.map((r) => r.width));
    let y = 0;
    rows.forEach((row, ri) => {
      if (ri > 0) y += rows[ri - 1].layer === row.layer ? NODE_H + ROW_GAP : NODE_H + COL_GAP * 0.6;
      let x = (width - row.width) / 2;
      for (const id of row.ids) {
        positions.set(id, { x, y, w: widthOf(id), h: NODE_H, layer: row.layer });
        x += widthOf(id) + ROW_GAP;
      }
    });
    return { positions, width, height: y + NODE_H, back, direction };
  }
  const columnHeights = layers.map((l) => l.length * NODE_H + (l.length - 1) * ROW_GAP);
  const height = Math.max(NODE_H, ...columnHeights);
  let x = 0;
  layers.forEach((l, li) => {
    const colW = Math.max(...l.map(widthOf));
    let y = (height - columnHeights[li]) / 2;
    for (const id of l) {
      positions.set(id, { x, y, w: widthOf(id), h: NODE_H, layer: li });
      y += NODE_H + ROW_GAP;
    }
    x += colW + COL_GAP;
  });
  return { positions, width: Math.max(0, x - COL_GAP), height, back, direction };
}

/** Long paths keep their tail: the file name is what people look for. Narrow (TB) layouts show the file name only. */
export function label(id, direction = 'LR') {
  if (direction === 'TB') return id.slice(id.lastIndexOf('/') + 1);
  return id.length <= 30 ? id : `…${id.slice(-29)}`;
}

function el(name, attrs = {}, parent) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (parent) parent.append(node);
  return node;
}

/**
 * Draws the graph into `svg` and wires interaction. Returns a controller.
 * @param {SVGSVGElement} svg
 * @param {{ onSelect?: (id: string | null) => void }} options
 */
export function createGraphView(svg, options = {}) {
  let view = { x: 0, y: 0, w: 100, h: 100 };
  let bounds = { width: 100, height: 100 };
  let selected = null;
  let current = { nodes: [], edges: [] };
  let nodeEls = new Map();
  let edgeEls = [];

  const defs = el('defs', {}, svg);
  for (const [id, cls] of [['arrow', 'arrow'], ['arrow-out', 'arrow out'], ['arrow-in', 'arrow in']]) {
    const marker = el('marker', { id, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, defs);
    const path = el('path', { d: 'M0,0 L10,5 L0,10 z', class: cls }, marker);
    if (cls.includes('out')) path.style.fill = 'var(--accent)';
    if (cls.includes('in')) path.style.fill = 'var(--amber)';
  }
  const scene = el('g', {}, svg);

  const applyView = () => svg.setAttribute('viewBox', `${view.x} ${view.y} ${view.w} ${view.h}`);

  /**
   * The default view: as much of the graph as fits at a readable size. Labels are 12 px in graph
   * units (dashboard.css), so the view never scales below MIN_SCALE; the drawing area grows
   * (up to MAX_HEIGHT) to show a graph whole, and a graph larger than that starts at its entry
   * side, to be panned. The Fit button shows everything instead (`fit({ all: true })`).
   */
  function fit({ all = false } = {}) {
    const rect = svg.getBoundingClientRect();
    const width = rect.width || bounds.width + PAD * 2;
    const W = bounds.width + PAD * 2;
    const H = bounds.height + PAD * 2;
    if (!all) {
      const wanted = Math.round(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, H * Math.max(MIN_SCALE, Math.min(1, width / W)))));
      if (Math.abs((rect.height || 0) - wanted) > 1) svg.style.height = `${wanted}px`;
    }
    const height = svg.getBoundingClientRect().height || H;
    const scale = all ? Math.min(1, width / W, height / H) : Math.max(MIN_SCALE, Math.min(1, width / W, height / H));
    const w = width / scale;
    const h = height / scale;
    // what fits is centred; what does not starts at its top left (the entry's side)
    view = { x: W * scale <= width + 0.5 ? bounds.width / 2 - w / 2 : -PAD, y: H * scale <= height + 0.5 ? bounds.height / 2 - h / 2 : -PAD, w, h };
    applyView();
  }

  // narrow screens stack the layers top to bottom, so labels stay readable without zooming;
  // a wide screen does too when the left-to-right layout would not fit its width at a readable size
  const directionFor = (graph = current) => {
    const width = svg.getBoundingClientRect().width;
    if (width > 0 && width < 640) return 'TB';
    if (!width) return 'LR';
    return layoutGraph(graph.nodes, graph.edges, 'LR').width + PAD * 2 <= width / MIN_SCALE ? 'LR' : 'TB';
  };
  /** Widest row a TB layout may use, in graph units: the drawing area's width at the readable scale. */
  const rowLimit = () => {
    const width = svg.getBoundingClientRect().width;
    return width > 0 ? width / MIN_SCALE - PAD * 2 : Infinity;
  };
  let direction = 'LR';

  function render(graph) {
    current = graph;
    scene.replaceChildren();
    direction = directionFor(graph);
    const { positions, width, height, back } = layoutGraph(graph.nodes, graph.edges, direction, rowLimit());
    bounds = { width, height };
    const edgeLayer = el('g', {}, scene);
    const nodeLayer = el('g', {}, scene);
    edgeEls = [];
    for (const e of graph.edges) {
      const a = positions.get(e.from);
      const b = positions.get(e.to);
      if (!a || !b) continue;
      let d;
      if (back.has(`${e.from}\u0000${e.to}`)) {
        // a cycle: leave from the bottom, loop under and come back into the target's bottom
        const x1 = a.x + a.w / 2, y1 = a.y + a.h, x2 = b.x + b.w / 2, y2 = b.y + b.h;
        const dip = Math.max(y1, y2) + 46;
        d = `M${x1},${y1} C${x1},${dip} ${x2},${dip} ${x2},${y2}`;
      } else if (direction === 'TB') {
        const x1 = a.x + a.w / 2, y1 = a.y + a.h, x2 = b.x + b.w / 2, y2 = b.y;
        const mid = (y1 + y2) / 2;
        d = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2 - 1}`;
      } else {
        const x1 = a.x + a.w, y1 = a.y + a.h / 2, x2 = b.x, y2 = b.y + b.h / 2;
        const mid = (x1 + x2) / 2;
        d = `M${x1},${y1} C${mid},${y1} ${mid},${y2} ${x2 - 1},${y2}`;
      }
      const path = el('path', { d, class: 'edge', 'marker-end': 'url(#arrow)' }, edgeLayer);
      edgeEls.push({ el: path, from: e.from, to: e.to });
    }
    nodeEls = new Map();
    for (const n of graph.nodes) {
      const p = positions.get(n.id);
      if (!p) continue;
      const cls = ['node', n.error ? 'error' : n.changed ? 'changed' : n.rerun ? 'rerun' : ''].filter(Boolean).join(' ');
      const g = el('g', { class: cls, transform: `translate(${p.x},${p.y})`, tabindex: 0, role: 'button' }, nodeLayer);
      g.dataset.id = n.id;
      el('rect', { width: p.w, height: p.h, rx: 7 }, g);
      const text = el('text', { x: 12, y: p.h / 2 + 4 }, g);
      text.textContent = label(n.id, direction);
      const ver = el('text', { x: p.w - 10, y: p.h / 2 + 4, 'text-anchor': 'end', class: 'ver' }, g);
      ver.textContent = n.version == null ? '–' : `v${n.version}`;
      const title = el('title', {}, g);
      title.textContent = `${n.id}${n.version == null ? ' (not loaded)' : ` · v${n.version}`}${n.error ? `\n${n.error}` : ''}`;
      nodeEls.set(n.id, g);
    }
    fit();
    if (selected && !nodeEls.has(selected)) selected = null;
    highlight();
  }

  function highlight() {
    svg.classList.toggle('has-selection', selected !== null);
    const linked = new Set();
    for (const e of edgeEls) {
      const isOut = e.from === selected;
      const isIn = e.to === selected;
      e.el.classList.toggle('out', isOut);
      e.el.classList.toggle('in', isIn);
      e.el.setAttribute('marker-end', isOut ? 'url(#arrow-out)' : isIn ? 'url(#arrow-in)' : 'url(#arrow)');
      if (isOut) linked.add(e.to);
      if (isIn) linked.add(e.from);
    }
    for (const [id, g] of nodeEls) {
      g.classList.toggle('selected', id === selected);
      g.classList.toggle('linked', linked.has(id));
    }
  }

  function select(id) {
    selected = id;
    highlight();
    options.onSelect?.(id);
  }

  // interaction: drag pans, wheel zooms around the pointer, a click without a drag selects
  let drag = null;
  svg.addEventListener('pointerdown', (event) => {
    drag = { x: event.clientX, y: event.clientY, view: { ...view }, moved: false };
    svg.setPointerCapture(event.pointerId);
  });
  svg.addEventListener('pointermove', (event) => {
    if (!drag) return;
    const rect = svg.getBoundingClientRect();
    const dx = ((event.clientX - drag.x) * view.w) / rect.width;
    const dy = ((event.clientY - drag.y) * view.h) / rect.height;
    if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) > 3) drag.moved = true;
    if (!drag.moved) return;
    svg.classList.add('dragging');
    view = { ...view, x: drag.view.x - dx, y: drag.view.y - dy };
    applyView();
  });
  svg.addEventListener('pointerup', (event) => {
    const wasDrag = drag?.moved;
    drag = null;
    svg.classList.remove('dragging');
    if (wasDrag) return;
    const target = document.elementFromPoint(event.clientX, event.clientY)?.closest('.node');
    select(target?.dataset.id ?? null);
  });
  svg.addEventListener('keydown', (event) => {
    const node = event.target.closest?.('.node');
    if (node && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault();
      select(node.dataset.id);
    }
    if (event.key === 'Escape') select(null);
  });
  svg.addEventListener(
    'wheel',
    (event) => {
      event.preventDefault();
      const rect = svg.getBoundingClientRect();
      const factor = Math.exp(event.deltaY * 0.0015);
      const px = view.x + ((event.clientX - rect.left) / rect.width) * view.w;
      const py = view.y + ((event.clientY - rect.top) / rect.height) * view.h;
      const w = Math.min(Math.max(view.w * factor, 120), 20000);
      const h = (w / view.w) * view.h;
      view = { x: px - ((px - view.x) * w) / view.w, y: py - ((py - view.y) * h) / view.h, w, h };
      applyView();
    },
    { passive: false },
  );
  // a width change may change the layout; the height is ours (fit sets it), so only the width counts
  let observedWidth = 0;
  new ResizeObserver(() => {
    const width = svg.getBoundingClientRect().width;
    if (Math.abs(width - observedWidth) < 1) return;
    observedWidth = width;
    // TB rows wrap to the width: a width change is a new layout
    if (directionFor() === direction && direction === 'LR') fit();
    else render(current);
  }).observe(svg);

  return { render, select, fit, get selected() { return selected; }, get graph() { return current; } };
}
