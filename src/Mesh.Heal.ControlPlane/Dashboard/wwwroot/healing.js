// Issues, healing actions with approve / reject / rollback, and the audit trail.
import { h, mount, num, time, dateTime, table } from './dom.js';
import { post, explain, ApiError } from './api.js';

// What the last click on an action gave, kept across re-renders: id -> { ok, text }.
const outcomes = new Map();
let lastActions = [];

export function renderIssues(response) {
  const issues = response.issues ?? [];
  mount('issues', issues.length === 0 ? h('p', { class: 'muted' }, 'no issue') : table([
    ['service', (i) => i.service],
    ['kind', (i) => i.kind],
    ['severity', (i) => h('span', { class: `pill ${i.severity}` }, i.severity)],
    ['state', (i) => i.state],
    ['summary', (i) => h('span', { title: Object.entries(i.evidence ?? {}).map(([k, v]) => `${k}: ${v}`).join('\n') }, i.summary)],
    ['seen', (i) => `${time(i.firstSeen)}–${time(i.lastSeen)} ×${num(i.occurrences) ?? 1}`],
  ], issues, (i) => ({ 'data-testid': 'issue', 'data-issue-id': i.id, 'data-state': i.state })));
}

const VERBS = {
  approve: { allowed: ['proposed'], done: 'approved' },
  reject: { allowed: ['proposed'], done: 'rejected' },
  rollback: { allowed: ['applied', 'succeeded'], done: 'rolled back' },
};

// Actions with a click in flight: their buttons are disabled so one click sends one request.
const pending = new Set();

async function act(verb, id) {
  if (pending.has(id)) return;
  pending.add(id);
  outcomes.set(id, { ok: true, text: `${verb}: sending…` });
  renderActions();
  try {
    const action = await post(`/v1/actions/${encodeURIComponent(id)}:${verb}`);
    outcomes.set(id, { ok: true, text: `${VERBS[verb].done}; now ${action.state}` });
  } catch (error) {
    const status = error instanceof ApiError ? error.status : 0;
    const text = status === 403
      ? `${verb} refused: ${verb === 'approve' ? 'approving' : verb === 'reject' ? 'rejecting' : 'rolling back'} needs an admin token; this one may only read`
      : `${verb} failed: ${explain(status, error.message)}`;
    outcomes.set(id, { ok: false, text });
  }
  pending.delete(id);
  renderActions();
}

function buttons(a) {
  return Object.entries(VERBS).filter(([, v]) => v.allowed.includes(a.state)).map(([verb]) =>
    h('button', { type: 'button', class: `btn ${verb}`, 'data-testid': verb, 'data-action-id': a.id, disabled: pending.has(a.id), onclick: () => act(verb, a.id) }, verb));
}

function details(a) {
  const parts = [];
  if (a.diff) parts.push(h('div', {}, h('b', {}, 'diff'), h('pre', {}, a.diff)));
  if (a.rollbackPlan) parts.push(h('div', {}, h('b', {}, 'rollback: '), a.rollbackPlan));
  if (a.signalBefore || a.signalAfter) parts.push(h('div', {}, h('b', {}, 'signal: '), `${a.signalBefore || '–'} → ${a.signalAfter || '–'}`));
  return parts.length ? h('details', {}, h('summary', {}, 'diff, rollback'), parts) : '';
}

export function renderActions(response) {
  if (response) lastActions = response.actions ?? [];
  const actions = lastActions;
  mount('actions', actions.length === 0 ? h('p', { class: 'muted' }, 'no healing action') : table([
    ['created', (a) => time(a.createdAt)],
    ['service', (a) => a.target || a.service],
    ['action', (a) => h('span', { title: a.id }, h('b', {}, a.kind), ' ', a.description)],
    ['risk', (a) => h('span', { class: `pill ${a.risk}` }, a.risk)],
    ['mode', (a) => `${a.mode}${a.dryRun ? ' · dry-run' : ''}`],
    ['state', (a) => h('span', { class: `state ${a.state}`, 'data-testid': 'action-state' }, a.state)],
    ['verdict', (a) => a.verdict || '–'],
    ['', details],
    ['', (a) => {
      const outcome = outcomes.get(a.id);
      return h('div', { class: 'act' }, buttons(a), outcome
        ? h('div', { class: `outcome ${outcome.ok ? 'ok' : 'error'}`, 'data-testid': 'action-outcome', 'data-action-id': a.id }, outcome.text) : null);
    }],
  ], actions, (a) => ({ 'data-testid': 'action', 'data-action-id': a.id, 'data-state': a.state })));
}

export function renderAudit(response) {
  const entries = response.entries ?? [];
  mount('audit', entries.length === 0 ? h('p', { class: 'muted' }, 'nothing audited yet') : table([
    ['at', (e) => dateTime(e.at)],
    ['actor', (e) => e.actor],
    ['kind', (e) => e.kind],
    ['subject', (e) => e.subject],
    ['detail', (e) => h('span', { class: 'detail' }, e.detail)],
  ], entries, (e) => ({ 'data-testid': 'audit-entry' })));
}
