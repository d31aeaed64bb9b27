// Small DOM and formatting helpers. Data is always set as text, never parsed as HTML.
const SVG_NS = 'http://www.w3.org/2000/svg';

function build(element, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

/** An HTML element: h('td', { class: 'num' }, 'text', child). */
export const h = (tag, attrs, ...children) => build(document.createElement(tag), attrs, children);

/** An SVG element. */
export const s = (tag, attrs, ...children) => build(document.createElementNS(SVG_NS, tag), attrs, children);

/** Replaces the content of the element with the given id. */
export function mount(id, ...children) {
  const target = document.getElementById(id);
  target.replaceChildren(...children.flat(Infinity).filter((c) => c !== null && c !== undefined && c !== false));
  return target;
}

/** Protobuf JSON writes int64 as a number or a string; either way a number here. */
export const num = (value) => (value === undefined || value === null || value === '' ? undefined : Number(value));

export const pct = (ratio, digits = 2) => (ratio === undefined || ratio === null ? '–' : `${(Number(ratio) * 100).toFixed(digits)} %`);

export const ms = (value) => (value === undefined || value === null ? '–' : `${Number(value) < 10 ? Number(value).toFixed(1) : Math.round(Number(value))} ms`);

export const rate = (value) => (value === undefined || value === null ? '–' : `${Number(value) < 10 ? Number(value).toFixed(2) : Number(value).toFixed(1)}/s`);

export function seconds(value) {
  if (value === undefined || value === null) return '–';
  const v = Number(value);
  if (v < 90) return `${v.toFixed(v < 10 ? 1 : 0)} s`;
  if (v < 5400) return `${(v / 60).toFixed(1)} min`;
  return `${(v / 3600).toFixed(1)} h`;
}

export function time(value) {
  if (!value) return '–';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : d.toLocaleTimeString([], { hour12: false });
}

export function dateTime(value) {
  if (!value) return '–';
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? String(value) : `${d.toISOString().slice(0, 10)} ${d.toLocaleTimeString([], { hour12: false })}`;
}

export function bytesOr(value, metric) {
  const v = Number(value);
  if (!metric.endsWith('bytes')) return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let u = 0;
  let x = v;
  while (Math.abs(x) >= 1024 && u < units.length - 1) { x /= 1024; u++; }
  return `${x.toFixed(x >= 100 ? 0 : 1)} ${units[u]}`;
}

/** "HEALTH_STATE_FAILED" -> "failed"; "BREAKER_STATE_HALF_OPEN" -> "half-open"; missing -> "unknown". */
export function enumName(value, prefix) {
  if (value === undefined || value === null || value === '' || value === 0) return 'unknown';
  const text = String(value);
  const name = text.startsWith(prefix) ? text.slice(prefix.length) : text;
  return name === 'UNSPECIFIED' ? 'unknown' : name.toLowerCase().replaceAll('_', '-');
}

export const health = (value) => enumName(value, 'HEALTH_STATE_');
export const breaker = (value) => enumName(value, 'BREAKER_STATE_');

/** A table: columns are [header, cell(row), className?]. */
export function table(columns, rows, rowAttrs) {
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map(([title, , cls]) => h('th', { class: cls }, title)))),
    h('tbody', {}, rows.map((row) => h('tr', rowAttrs ? rowAttrs(row) : {},
      columns.map(([, cell, cls]) => h('td', { class: cls }, cell(row)))))));
}

/** The scale of a sparkline: the given min and max, widened to every value (a rate of 0.5 under a 0.9 floor stays on the chart). */
export function sparkRange(values, min, max) {
  const lo = Math.min(min ?? Infinity, ...values);
  return [lo, Math.max(max ?? -Infinity, ...values, lo + 1e-9)];
}

/** A sparkline of a series of numbers (null for a gap). */
export function sparkline(values, { width = 120, height = 24, min, max, cls = '' } = {}) {
  const points = (values ?? []).map((v) => (v === null || v === undefined ? null : Number(v)));
  const known = points.filter((v) => v !== null);
  const svg = s('svg', { class: `spark ${cls}`, width, height, viewBox: `0 0 ${width} ${height}`, 'aria-hidden': 'true' });
  if (known.length === 0) return svg;
  const [lo, hi] = sparkRange(known, min, max);
  const step = points.length > 1 ? width / (points.length - 1) : width;
  let d = '';
  let pen = false;
  points.forEach((v, i) => {
    if (v === null) { pen = false; return; }
    const x = (i * step).toFixed(1);
    const y = (height - 2 - ((v - lo) / (hi - lo)) * (height - 4)).toFixed(1);
    d += `${pen ? 'L' : 'M'}${x},${y}`;
    pen = true;
    // A step between two gaps has no segment to draw: a dot shows it.
    if ((points[i - 1] ?? null) === null && (points[i + 1] ?? null) === null) svg.append(s('circle', { cx: x, cy: y, r: 1.8 }));
  });
  svg.append(s('path', { d }));
  return svg;
}
