// The four figures from /v1/report: availability, incident response, automatic share, capacity.
import { h, mount, num, pct, seconds, dateTime, table } from './dom.js';

function figure(title, value, detail, testid) {
  return h('div', { class: 'figure', 'data-testid': testid }, h('div', { class: 'figure-title' }, title),
    h('div', { class: `figure-value${String(value).length > 24 ? ' long' : ''}` }, value), h('div', { class: 'figure-detail' }, detail));
}

const range = (p50, max) => (p50 === undefined ? '–' : `${seconds(p50)} (max ${seconds(max)})`);

export function renderReport(report) {
  const o = report.overall ?? {};
  mount('report-window', report.from ? `${dateTime(report.from)} → ${dateTime(report.to)}` : '');
  const incidents = o.incidents ?? 0;
  mount('report',
    h('div', { class: 'figures' },
      figure('availability seen by callers', pct(o.availability, 3),
        `${num(o.requests) ?? 0} requests, ${num(o.callerFailures) ?? 0} failed`, 'figure-availability'),
      figure('time to mitigate', o.mitigateP50Seconds === undefined ? '–' : seconds(o.mitigateP50Seconds),
        `detect ${range(o.detectP50Seconds, o.detectMaxSeconds)}; unprotected broken ${range(o.unprotectedBrokenP50Seconds, o.unprotectedBrokenMaxSeconds)}`,
        'figure-incidents'),
      figure('mitigated with no operator', pct(o.automaticShare, 0),
        `${incidents} incident${incidents === 1 ? '' : 's'}: ${o.mitigatedAutomatically ?? 0} automatic, ${o.mitigatedByOperator ?? 0} by an operator, ${o.notMitigated ?? 0} not mitigated`,
        'figure-automatic'),
      figure('capacity against static peak', report.capacity || '–', '', 'figure-capacity')),
    (report.services ?? []).length ? table([
      ['service', (r) => r.service],
      ['requests', (r) => num(r.requests) ?? 0, 'num'],
      ['availability', (r) => pct(r.availability, 3), 'num'],
      ['incidents', (r) => r.incidents ?? 0, 'num'],
      ['detect p50', (r) => seconds(r.detectP50Seconds), 'num'],
      ['mitigate p50', (r) => seconds(r.mitigateP50Seconds), 'num'],
      ['unprotected p50', (r) => seconds(r.unprotectedBrokenP50Seconds), 'num'],
      ['automatic', (r) => pct(r.automaticShare, 0), 'num'],
    ], report.services) : null);
}
