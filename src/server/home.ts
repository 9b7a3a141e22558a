/**
 * The home page of `tileflow up`: what this server holds (experiments, run counts, registered models)
 * and how to point MLflow clients at it. `tileflow up` serves the web UI (`web/`) at `/` instead
 * whenever it is built; this page stands in where it is not.
 */
import type { Tracking } from '../track/service.js';

const escape = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** Renders the home page as HTML; `note` is trusted HTML shown under the title. */
export async function homePage(tracking: Tracking, storeDescription = 'embedded store', note?: string): Promise<string> {
  const [experiments, counts, models] = await Promise.all([
    tracking.runs.searchExperiments({ maxResults: 100, orderBy: ['last_update_time DESC'] }),
    tracking.runs.countRunsByExperiment(),
    tracking.registry.searchRegisteredModels({ maxResults: 100, orderBy: ['last_updated_timestamp DESC'] }),
  ]);
  const experimentRows = experiments.items
    .map((e) => `<tr><td>${escape(e.experimentId)}</td><td>${escape(e.name)}</td><td>${counts.get(e.experimentId) ?? 0}</td><td>${new Date(e.lastUpdateTime).toISOString()}</td></tr>`)
    .join('');
  const modelRows = models.items
    .map((m) => {
      const latest = m.latestVersions.map((v) => `v${v.version} (${v.currentStage})`).join(', ');
      const aliases = m.aliases.map((a) => `@${a.alias} → v${a.version}`).join(', ');
      return `<tr><td>${escape(m.name)}</td><td>${escape(latest)}</td><td>${escape(aliases)}</td></tr>`;
    })
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>tileflow</title>
<style>body{font:15px system-ui,sans-serif;margin:2rem auto;max-width:60rem;color:#1d2a33}table{border-collapse:collapse;width:100%;margin-bottom:2rem}
td,th{border-bottom:1px solid #d7dde2;padding:.35rem .5rem;text-align:left}th{background:#f1f4f6}code{background:#f1f4f6;padding:.1rem .3rem}</style></head>
<body><h1>tileflow</h1>${note ? `<p><strong>${note}</strong></p>` : ''}
<p>Tracking server and model registry, MLflow-compatible, on the ${escape(storeDescription)}.
Point MLflow clients here: <code>export MLFLOW_TRACKING_URI=http://&lt;this host&gt;:&lt;port&gt;</code>.</p>
<h2>Experiments</h2>
<table><thead><tr><th>ID</th><th>Name</th><th>Active runs</th><th>Last update</th></tr></thead><tbody>${experimentRows || '<tr><td colspan="4">No experiments yet.</td></tr>'}</tbody></table>
<h2>Registered models</h2>
<table><thead><tr><th>Name</th><th>Latest versions</th><th>Aliases</th></tr></thead><tbody>${modelRows || '<tr><td colspan="3">No registered models yet.</td></tr>'}</tbody></table>
<p><a href="/health">health</a> · REST API under <code>/api/2.0/mlflow/</code>, artifacts under <code>/api/2.0/mlflow-artifacts/</code></p>
</body></html>`;
}
