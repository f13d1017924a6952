// The dependency graph: a layered layout (importers left of what they import), drawn as SVG,
// with pan (drag), zoom (wheel) and selection. No dependencies: the graphs are small (tens to
// a few hundred modules) and a layered layout reads better than a force layout for imports.

const SVG = 'http://www.w3.org/2000/svg';
const NODE_H = 32;
const ROW_GAP = 14;
const COL_GAP = 72;
const CHAR_W = 7.4;

/**
 * @param {{ id: string }[]} nodes
 * @param {{ from: string, to: string }[]} edges  `from` imports `to`
 * @param {'LR' | 'TB'} direction  layers left to right (wide screens) or top to bottom (narrow ones)
 * @returns {{ positions: Map<string, { x: number, y: number, w: number, h: number, layer: number }>, width: number, height: number, back: Set<string> }}
 */
export function layoutGraph(nodes, edges, direction = 'LR') {
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
    const rowWidths = layers.map((l) => l.reduce((sum, id) => sum + widthOf(id), 0) + (l.length - 1) * ROW_GAP);
    const width = Math.max(0, ...rowWidths);
    layers.forEach((l, li) => {
      let x = (width - rowWidths[li]) / 2;
      for (const id of l) {
        positions.set(id, { x, y: li * (NODE_H + COL_GAP * 0.6), w: widthOf(id), h: NODE_H, layer: li });
        x += widthOf(id) + ROW_GAP;
      }
    });
    return { positions, width, height: layers.length * (NODE_H + COL_GAP * 0.6) - COL_GAP * 0.6, back, direction };
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

  function fit() {
    const pad = 24;
    const rect = svg.getBoundingClientRect();
    const aspect = rect.width > 0 && rect.height > 0 ? rect.width / rect.height : 2;
    let w = bounds.width + pad * 2;
    let h = bounds.height + pad * 2;
    // never zoom in past 1:1 on a small graph: it would only look blurry and huge
    w = Math.max(w, rect.width || w);
    h = Math.max(h, rect.height || h);
    if (w / h < aspect) w = h * aspect;
    else h = w / aspect;
    view = { x: bounds.width / 2 - w / 2, y: bounds.height / 2 - h / 2, w, h };
    applyView();
  }

  // narrow screens stack the layers top to bottom, so labels stay readable without zooming
  const directionFor = () => (svg.getBoundingClientRect().width < 640 ? 'TB' : 'LR');
  let direction = 'LR';

  function render(graph) {
    current = graph;
    scene.replaceChildren();
    direction = directionFor();
    const { positions, width, height, back } = layoutGraph(graph.nodes, graph.edges, direction);
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
  new ResizeObserver(() => (directionFor() === direction ? fit() : render(current))).observe(svg);

  return { render, select, fit, get selected() { return selected; }, get graph() { return current; } };
}
