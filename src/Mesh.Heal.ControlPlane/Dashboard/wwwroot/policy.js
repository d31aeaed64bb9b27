// The policy in force per service: its version, who made it, which sidecars ACKed which version, the last NACK.
import { h, mount, num, dateTime, time } from './dom.js';
import { getJson, explain } from './api.js';

// service -> { version, policy | error }: the newest version's metadata, fetched once per version.
const versions = new Map();
const open = new Set();
let lastStatus = { services: [] };

async function load(service, version) {
  const known = versions.get(service);
  if (known && known.version === version) return;
  versions.set(service, { version });
  try {
    versions.set(service, { version, policy: await getJson(`/v1/policies/${encodeURIComponent(service)}`) });
  } catch (error) {
    versions.set(service, { version, error: explain(error.status ?? 0, error.message) });
  }
  renderPolicy();
}

function sidecarLine(sc, newest) {
  const acked = num(sc.ackedVersion) ?? 0;
  const nack = sc.lastNack && num(sc.lastNack.version) ? sc.lastNack : null;
  return h('li', { class: sc.outOfDate ? 'stale' : '', 'data-testid': 'sidecar', 'data-instance': sc.instance, 'data-acked': acked },
    h('b', {}, sc.instance), ` ${sc.connected ? 'connected' : 'gone'}, ACKed v${acked}`,
    sc.ackedAt ? ` at ${time(sc.ackedAt)}` : '',
    sc.outOfDate ? h('span', { class: 'pill high' }, `out of date (newest v${newest})`) : '',
    nack ? h('div', { class: 'nack' }, `NACK v${num(nack.version)} at ${time(nack.at)}: ${nack.error}`) : '');
}

/** Forgets the fetched versions (and their errors), as after a new token. */
export function resetPolicies() {
  versions.clear();
}

export function renderPolicy(status) {
  if (status) lastStatus = status;
  const services = (lastStatus.services ?? []).filter((sv) => num(sv.policyVersion) > 0 || (sv.sidecars ?? []).length > 0);
  if (services.length === 0) {
    mount('policy', h('p', { class: 'muted' }, 'no service with a policy or a sidecar'));
    return;
  }
  mount('policy', services.map((sv) => {
    const version = num(sv.policyVersion) ?? 0;
    if (version > 0) load(sv.name, version);
    const known = versions.get(sv.name);
    const p = known?.policy;
    const meta = version === 0 ? 'no policy stored: sidecars run on their local configuration'
      : p ? `${p.source || '?'} by ${p.author || '?'} at ${dateTime(p.createdAt)}` : known?.error ?? 'loading…';
    const toggle = () => { if (open.has(sv.name)) open.delete(sv.name); else open.add(sv.name); renderPolicy(); };
    return h('div', { class: 'policy', 'data-testid': 'policy-service', 'data-service': sv.name, 'data-version': version },
      h('div', {}, h('b', {}, sv.name), ` v${version} `, h('span', { class: 'muted' }, meta),
        sv.outOfDateSidecars ? h('span', { class: 'pill high' }, `${sv.outOfDateSidecars} out of date`) : '',
        version > 0 ? h('button', { type: 'button', class: 'link', 'data-testid': 'policy-toggle', onclick: toggle }, open.has(sv.name) ? 'hide document' : 'document') : ''),
      h('ul', {}, (sv.sidecars ?? []).map((sc) => sidecarLine(sc, version))),
      open.has(sv.name) && p ? h('pre', { class: 'document', 'data-testid': 'policy-document' }, p.document) : '');
  }));
}
