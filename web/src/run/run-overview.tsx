/** A run's latest metrics, params, tags (system tags folded away) and dataset inputs. */
import { wireNumber } from '../api/tracking';
import type { WireRun } from '../api/types';
import { formatNumber, formatTime } from '../lib/format';
import { KeyValueTable } from '../ui/key-value-table';

export function RunOverview({ run }: { run: WireRun }) {
  const metrics = run.data.metrics ?? [];
  const tags = run.data.tags ?? [];
  const userTags = tags.filter((t) => !t.key.startsWith('mlflow.'));
  const systemTags = tags.filter((t) => t.key.startsWith('mlflow.'));
  const datasets = run.inputs?.dataset_inputs ?? [];
  return (
    <div className="overview-grid">
      <section>
        <h2>Metrics</h2>
        <KeyValueTable
          label="Metrics"
          headers={['Metric', 'Latest value', 'Step', 'Logged']}
          empty="No metrics."
          rows={metrics.map((m) => ({ key: m.key, value: formatNumber(wireNumber(m.value)), extra: [m.step ?? 0, formatTime(m.timestamp)] }))}
        />
      </section>
      <section>
        <h2>Parameters</h2>
        <KeyValueTable label="Parameters" headers={['Parameter', 'Value']} empty="No parameters." rows={(run.data.params ?? []).map((p) => ({ key: p.key, value: p.value }))} />
      </section>
      <section>
        <h2>Tags</h2>
        <KeyValueTable label="Tags" headers={['Tag', 'Value']} empty="No tags." rows={userTags.map((t) => ({ key: t.key, value: t.value }))} />
        {systemTags.length > 0 && (
          <details className="system-tags">
            <summary>{systemTags.length} system tags (mlflow.*)</summary>
            <KeyValueTable label="System tags" headers={['Tag', 'Value']} empty="" rows={systemTags.map((t) => ({ key: t.key, value: t.value }))} />
          </details>
        )}
      </section>
      {datasets.length > 0 && (
        <section>
          <h2>Datasets</h2>
          <KeyValueTable
            label="Datasets"
            headers={['Dataset', 'Source', 'Digest']}
            empty=""
            rows={datasets.map((d) => ({ key: d.dataset.name, value: d.dataset.source, extra: [d.dataset.digest] }))}
          />
        </section>
      )}
    </div>
  );
}
