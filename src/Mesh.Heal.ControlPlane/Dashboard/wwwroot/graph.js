// The service graph: services layered left to right by call depth, caller -> callee edges coloured by success rate.
import { s, h, num, pct, rate, health, breaker, mount } from './dom.js';

const NODE_W = 150;
const NODE_H = 46;
const COL_GAP = 210;
const ROW_GAP = 26;
const PAD = 20;

/** green >= 99 %, amber >= 95 %, red below, grey with no traffic; a failed or open edge is red whatever its rate. */
export function edgeColor(edge) {
  const m = edge.metrics ?? {};
  const state = health(edge.health);
  const open = ['open', 'isolated'].includes(breaker(edge.breaker));
  if (state === 'failed' || open) return 'red';
  if (!(num(m.requests) > 0) || m.successRate === undefined) return state === 'degraded' ? 'amber' : 'grey';
  const colour = m.successRate >= 0.99 ? 'green' : m.successRate >= 0.95 ? 'amber' : 'red';
  return colour === 'green' && state === 'degraded' ? 'amber' : colour;
}

/** Depth of each service: the longest caller chain leading to it (cycles cut). */
export function layers(nodes, edges) {
  const names = new Set(nodes.map((n) => n.name));
  for (const e of edges) { names.add(e.caller); names.add(e.callee); }
  const callers = new Map([...names].map((n) => [n, []]));
  for (const e of edges) if (e.caller !== e.callee) callers.get(e.callee).push(e.caller);
  const depth = new Map();
  const visiting = new Set();
  const visit = (name) => {
    if (depth.has(name)) return depth.get(name);
    if (visiting.has(name)) return 0;
    visiting.add(name);
    let d = 0;
    for (const c of callers.get(name)) d = Math.max(d, visit(c) + 1);
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  for (const n of names) visit(n);
  return depth;
}

export function renderGraph(topology) {
  const nodes = topology.nodes ?? [];
  const edges = topology.edges ?? [];
  if (nodes.length === 0 && edges.length === 0) {
    mount('graph', h('p', { class: 'muted' }, 'no service has reported yet'));
    return;
  }
  const byName = new Map(nodes.map((n) => [n.name, n]));
  for (const e of edges) for (const n of [e.caller, e.callee]) if (!byName.has(n)) byName.set(n, { name: n });
  const depth = layers([...byName.values()], edges);
  const columns = [];
  for (const name of [...byName.keys()].sort()) {
    const d = depth.get(name) ?? 0;
    (columns[d] ??= []).push(name);
  }
  const tallest = Math.max(...columns.map((c) => c?.length ?? 0));
  const height = PAD * 2 + tallest * NODE_H + (tallest - 1) * ROW_GAP;
  const width = PAD * 2 + columns.length * NODE_W + (columns.length - 1) * COL_GAP;
  const pos = new Map();
  columns.forEach((column, d) => {
    const used = column.length * NODE_H + (column.length - 1) * ROW_GAP;
    column.forEach((name, i) => pos.set(name, {
      x: PAD + d * (NODE_W + COL_GAP),
      y: PAD + (height - 2 * PAD - used) / 2 + i * (NODE_H + ROW_GAP),
    }));
  });

  const svg = s('svg', { class: 'graph', width, height, viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'service graph' },
    s('defs', {}, ['green', 'amber', 'red', 'grey'].map((c) => s('marker', {
      id: `arrow-${c}`, viewBox: '0 0 10 10', refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse',
    }, s('path', { d: 'M0,0 L10,5 L0,10 z', class: `arrow ${c}` })))));

  for (const e of edges) {
    const from = pos.get(e.caller);
    const to = pos.get(e.callee);
    const colour = edgeColor(e);
    const m = e.metrics ?? {};
    let d;
    let lx;
    let ly;
    if (e.caller === e.callee) {
      const x = from.x + NODE_W / 2;
      d = `M${x - 20},${from.y} C${x - 40},${from.y - 40} ${x + 40},${from.y - 40} ${x + 20},${from.y}`;
      lx = x;
      ly = from.y - 32;
    } else {
      const x1 = from.x + NODE_W;
      const y1 = from.y + NODE_H / 2;
      const x2 = to.x;
      const y2 = to.y + NODE_H / 2;
      const bend = Math.max(40, Math.abs(x2 - x1) / 2);
      d = `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`;
      lx = (x1 + x2) / 2;
      ly = (y1 + y2) / 2 - 6;
    }
    const label = num(m.requests) > 0 ? `${pct(m.successRate, 1)} · ${rate(m.requestsPerSecond)}` : 'no traffic';
    const marks = [breaker(e.breaker), health(e.health)].filter((x) => !['unknown', 'closed', 'healthy'].includes(x));
    svg.append(s('g', {
      class: `edge ${colour}`, 'data-testid': 'edge', 'data-caller': e.caller, 'data-callee': e.callee, 'data-color': colour,
      'data-success-rate': m.successRate, 'data-health': health(e.health), 'data-breaker': breaker(e.breaker),
    },
    s('title', {}, `${e.caller} -> ${e.callee}: success ${pct(m.successRate)}, callers got ${pct(m.callerSuccessRate)}, ` +
      `${rate(m.requestsPerSecond)}, health ${health(e.health)}, breaker ${breaker(e.breaker)}`),
    s('path', { d, class: 'edge-line', 'marker-end': `url(#arrow-${colour})` }),
    s('text', { x: lx, y: ly, class: 'edge-label', 'text-anchor': 'middle' }, label + (marks.length ? ` · ${marks.join(' ')}` : ''))));
  }

  for (const [name, p] of pos) {
    const n = byName.get(name);
    const state = health(n.health);
    const br = breaker(n.breaker);
    const issues = n.openIssues ?? 0;
    const healings = n.activeHealings ?? 0;
    const inbound = n.inbound ?? {};
    const sub = [
      n.sidecars ? `${n.sidecars} sidecar${n.sidecars === 1 ? '' : 's'}` : 'upstream',
      num(inbound.requests) > 0 ? rate(inbound.requestsPerSecond) : null,
    ].filter(Boolean).join(' · ');
    const badges = [];
    if (['open', 'isolated', 'half-open'].includes(br)) badges.push(['breaker', br === 'half-open' ? 'half-open' : br]);
    if (issues > 0) badges.push(['issues', `${issues} issue${issues === 1 ? '' : 's'}`]);
    if (healings > 0) badges.push(['healing', `${healings} healing`]);
    let bx = p.x + NODE_W;
    const badgeEls = badges.map(([kind, text]) => {
      const w = text.length * 6 + 10;
      bx -= w + 3;
      return s('g', { class: `badge ${kind}`, 'data-testid': `marker-${kind}` },
        s('rect', { x: bx, y: p.y - 9, width: w, height: 16, rx: 8 }),
        s('text', { x: bx + w / 2, y: p.y + 3, 'text-anchor': 'middle' }, text));
    });
    svg.append(s('g', {
      class: `node health-${state}`, 'data-testid': 'node', 'data-service': name, 'data-health': state, 'data-breaker': br,
    },
    s('title', {}, `${name}: health ${state}, breaker ${br}, agents ${n.agentStatus || 'not run yet'}, ${issues} open issues, ${healings} active healings`),
    s('rect', { x: p.x, y: p.y, width: NODE_W, height: NODE_H, rx: 8, class: 'node-box' }),
    s('circle', { cx: p.x + 16, cy: p.y + NODE_H / 2, r: 8, class: 'ring' }),
    s('text', { x: p.x + 30, y: p.y + 19, class: 'node-name' }, name.length > 17 ? `${name.slice(0, 16)}…` : name),
    s('text', { x: p.x + 30, y: p.y + 35, class: 'node-sub' }, sub),
    badgeEls));
  }
  mount('graph', svg);
}
