// Forecast charts: history, forecast with its interval as a band, the limit and when it is crossed.
import { h, s, mount, bytesOr, time, dateTime } from './dom.js';
import { getJson, explain } from './api.js';

const W = 320;
const H = 120;
const L = 52;
const B = 18;

function chart(series) {
  const history = series.history ?? [];
  const forecast = series.forecast ?? [];
  const all = [...history, ...forecast];
  const times = all.map((p) => new Date(p.time).getTime());
  const t0 = Math.min(...times);
  const t1 = Math.max(...times, t0 + 1);
  const values = all.flatMap((p) => [p.value, p.lower, p.upper].map(Number)).filter(Number.isFinite);
  if (series.limit > 0) values.push(series.limit);
  const lo = Math.min(0, ...values);
  const hi = Math.max(...values, lo + 1e-9) * 1.05;
  const x = (t) => (L + ((new Date(t).getTime() - t0) / (t1 - t0)) * (W - L - 4)).toFixed(1);
  const y = (v) => (H - B - ((Number(v) - lo) / (hi - lo)) * (H - B - 6)).toFixed(1);
  const line = (points, field) => points.map((p, i) => `${i ? 'L' : 'M'}${x(p.time)},${y(p[field])}`).join('');
  const svg = s('svg', { class: 'chart', width: W, height: H, viewBox: `0 0 ${W} ${H}` },
    s('line', { x1: L, y1: H - B, x2: W - 4, y2: H - B, class: 'axis' }),
    s('text', { x: L - 4, y: 12, 'text-anchor': 'end', class: 'tick' }, bytesOr(hi, series.metric)),
    s('text', { x: L - 4, y: H - B, 'text-anchor': 'end', class: 'tick' }, bytesOr(lo, series.metric)),
    s('text', { x: L, y: H - 4, class: 'tick' }, time(new Date(t0))),
    s('text', { x: W - 4, y: H - 4, 'text-anchor': 'end', class: 'tick' }, time(new Date(t1))));
  if (forecast.length) {
    const band = `${line(forecast, 'upper')}${[...forecast].reverse().map((p) => `L${x(p.time)},${y(p.lower)}`).join('')}Z`;
    svg.append(s('path', { d: band, class: 'band' }), s('path', { d: line(forecast, 'value'), class: 'forecast' }));
  }
  if (history.length) svg.append(s('path', { d: line(history, 'value'), class: 'history' }));
  if (series.limit > 0) {
    svg.append(s('line', { x1: L, x2: W - 4, y1: y(series.limit), y2: y(series.limit), class: 'limit' }),
      s('text', { x: W - 6, y: Number(y(series.limit)) - 3, 'text-anchor': 'end', class: 'tick limit-text' }, `limit ${bytesOr(series.limit, series.metric)}`));
  }
  if (series.exhaustedAt) {
    const ex = x(series.exhaustedAt);
    svg.append(s('line', { x1: ex, x2: ex, y1: 4, y2: H - B, class: 'exhausted' }));
  }
  return svg;
}

export function renderForecasts(response) {
  const all = response.series ?? [];
  if (all.length === 0) {
    mount('forecasts', h('p', { class: 'muted' }, 'no series to forecast yet'));
    return;
  }
  const services = [...new Set(all.map((f) => f.service))].sort();
  const label = (f) => `${f.metric.replaceAll('_', ' ')}${f.instance ? ` ${f.instance}` : ''}`;
  mount('forecasts', services.map((service) => {
    const mine = all.filter((f) => f.service === service);
    const drawn = mine.filter((f) => (f.history ?? []).length + (f.forecast ?? []).length > 0);
    const waiting = mine.filter((f) => !drawn.includes(f));
    return h('div', { class: 'forecast-service' }, h('h3', {}, service),
      h('div', { class: 'charts' }, drawn.map((f) =>
        h('figure', { 'data-testid': 'forecast', 'data-service': service, 'data-metric': f.metric, 'data-instance': f.instance ?? '' },
          h('figcaption', {}, h('b', {}, label(f))),
          chart(f),
          h('div', { class: 'muted small' },
            f.exhaustedAt ? h('span', { class: 'pill high', 'data-testid': 'exhausted' }, `reaches the limit ${dateTime(f.exhaustedAt)}`) : '',
            ` ${f.method || ''}${f.intervalLevel ? `, ${Math.round(f.intervalLevel * 100)} % interval` : ''}`)))),
      waiting.length ? h('div', { class: 'muted small' }, `no data yet: ${waiting.map((f) => `${label(f)}${f.method ? ` (${f.method})` : ''}`).join('; ')}`) : '');
  }));
}

export async function refreshForecasts() {
  try {
    renderForecasts(await getJson('/v1/forecasts'));
  } catch (error) {
    mount('forecasts', h('p', { class: 'error' }, `forecasts: ${explain(error.status ?? 0, error.message)}`));
  }
}
