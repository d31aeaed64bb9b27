// Golden metrics per service (inbound, summed over its callers) and per edge, with sparklines of the window's steps.
import { h, mount, num, pct, ms, rate, table, sparkline } from './dom.js';

function successSeries(m) {
  const requests = m.requestsSeries ?? [];
  const success = m.successSeries ?? [];
  return requests.map((r, i) => (num(r) > 0 ? num(success[i] ?? 0) / num(r) : null));
}

// A step with no request has p99 0 in the API; drawn as a gap, not as a fast step.
export function p99Series(m) {
  const requests = m.requestsSeries ?? [];
  return (m.p99MsSeries ?? []).map((v, i) => (num(requests[i]) > 0 ? num(v) : null));
}

const columns = (first) => [
  first,
  ['requests/s', (r) => rate(r.m.requestsPerSecond), 'num'],
  ['', (r) => sparkline(r.m.requestsSeries, { min: 0 }), 'spark-cell'],
  ['success', (r) => pct(r.m.successRate), 'num'],
  ['', (r) => sparkline(successSeries(r.m), { min: 0.9, max: 1, cls: 'success' }), 'spark-cell'],
  ['callers got', (r) => pct(r.m.callerSuccessRate), 'num'],
  ['p50', (r) => ms(r.m.p50Ms), 'num'],
  ['p95', (r) => ms(r.m.p95Ms), 'num'],
  ['p99', (r) => ms(r.m.p99Ms), 'num'],
  ['', (r) => sparkline(p99Series(r.m), { min: 0, cls: 'latency' }), 'spark-cell'],
  ['fallbacks', (r) => num(r.m.fallbacks) ?? 0, 'num'],
  ['retries', (r) => num(r.m.retries) ?? 0, 'num'],
];

export function renderMetrics(topology) {
  const span = topology.from && topology.time
    ? `last ${Math.round((new Date(topology.time) - new Date(topology.from)) / 60000)} min, ${topology.stepSeconds ?? '?'} s steps`
    : '';
  mount('metrics-window', span);
  const services = (topology.nodes ?? []).filter((n) => num(n.inbound?.requests) > 0).map((n) => ({ name: n.name, m: n.inbound }));
  const edges = (topology.edges ?? []).map((e) => ({ caller: e.caller, callee: e.callee, m: e.metrics ?? {} }));
  mount('metrics',
    h('h3', {}, 'Per service (inbound)'),
    services.length ? table(columns(['service', (r) => r.name]), services, (r) => ({ 'data-testid': 'service-metrics', 'data-service': r.name }))
      : h('p', { class: 'muted' }, 'no request in the window'),
    h('h3', {}, 'Per edge'),
    edges.length ? table(columns(['caller → callee', (r) => `${r.caller} → ${r.callee}`]), edges,
      (r) => ({ 'data-testid': 'edge-metrics', 'data-caller': r.caller, 'data-callee': r.callee }))
      : h('p', { class: 'muted' }, 'no edge yet'));
}
