// The dashboard: reads /v1/events and re-renders the section whose event arrived; no reload, no polling of the rest.
import { token, readEvents, explain, ApiError } from './api.js';
import { renderGraph } from './graph.js';
import { renderMetrics } from './metrics.js';
import { renderIssues, renderActions, renderAudit } from './healing.js';
import { renderPolicy, resetPolicies } from './policy.js';
import { renderReport } from './report.js';
import { refreshForecasts } from './forecasts.js';
import { time } from './dom.js';

const FORECAST_EVERY_MS = 30000;
const MAX_BACKOFF_MS = 15000;

const renderers = {
  status: renderPolicy,
  topology: (t) => { renderGraph(t); renderMetrics(t); },
  issues: renderIssues,
  actions: renderActions,
  audit: renderAudit,
  report: renderReport,
};

const conn = document.getElementById('conn');
const access = document.getElementById('access');
const updated = document.getElementById('updated');
let current = null;
let forecastTimer = null;

function setConn(state, text) {
  conn.dataset.state = state;
  conn.textContent = text;
}

function setAccess(text, error) {
  access.textContent = text;
  access.classList.toggle('error', Boolean(error));
}

function wait(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}

async function run(signal) {
  let backoff = 1000;
  while (!signal.aborted) {
    setConn('connecting', 'connecting');
    try {
      await readEvents(signal, () => {
        backoff = 1000;
        setConn('live', 'live');
        setAccess(token.get() ? 'viewing with the pasted token' : 'viewing (no token sent)', false);
        refreshForecasts();
        clearInterval(forecastTimer);
        forecastTimer = setInterval(refreshForecasts, FORECAST_EVERY_MS);
      }, (kind, data) => {
        const render = renderers[kind];
        if (!render) return;
        try {
          render(data);
        } catch (error) {
          console.error(`rendering ${kind}`, error);
        }
        updated.textContent = `updated ${time(new Date())}`;
      });
      if (signal.aborted) return;
      setAccess('the control plane closed the stream', true);
    } catch (error) {
      if (signal.aborted) return;
      const status = error instanceof ApiError ? error.status : 0;
      setAccess(status === 401 ? `${explain(401)}; paste a reader or admin token`
        : status === 403 ? `${explain(403)}; viewing needs a reader or admin token` : explain(status, error.message), true);
      if (status === 401 || status === 403) backoff = Math.max(backoff, 5000);
    }
    clearInterval(forecastTimer);
    setConn('reconnecting', `reconnecting in ${Math.round(backoff / 1000)} s`);
    await wait(backoff, signal);
    backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
  }
}

function connect() {
  current?.abort();
  current = new AbortController();
  resetPolicies();
  run(current.signal);
}

const input = document.getElementById('token');
document.getElementById('token-form').addEventListener('submit', (event) => {
  event.preventDefault();
  token.set(input.value.trim());
  input.value = '';
  connect();
});
document.getElementById('token-clear').addEventListener('click', () => {
  token.set('');
  input.value = '';
  connect();
});
input.placeholder = token.get() ? 'a token is in use; paste another to change' : input.placeholder;
connect();
