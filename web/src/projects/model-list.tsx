/**
 * A project's model versions: name@version (linking to the registry's version page), task, and the
 * classes it predicts with their colours, read from the version's MLM item.
 */
import { Link } from 'react-router';
import type { ProjectModel } from '../api/predict';
import { formatTime } from '../lib/format';
import { Empty } from '../ui/status';
import { modelClasses, modelTasks } from './model-metadata';

/** The classes of a model as colour swatches with names. */
export function ClassSwatches({ mlm }: { mlm: Record<string, unknown> }) {
  const classes = modelClasses(mlm);
  if (classes.length === 0) return <span className="muted">no classes in the MLM item</span>;
  return (
    <ul className="class-list" aria-label="Classes">
      {classes.map((c) => (
        <li key={c.index} title={`class ${c.index}: ${c.color}`}>
          <span className="swatch" style={{ background: c.color }} aria-hidden="true" />
          {c.name}
        </li>
      ))}
    </ul>
  );
}

/** The project's model versions, newest first. */
export function ModelList({ models }: { models: readonly ProjectModel[] }) {
  if (models.length === 0) return <Empty>No model versions yet. Add one from the registry below, or upload one over the API.</Empty>;
  return (
    <table className="data-table" aria-label="Model versions">
      <thead>
        <tr>
          <th>Model version</th>
          <th>Task</th>
          <th>Classes</th>
          <th>Added</th>
        </tr>
      </thead>
      <tbody>
        {models.map((model) => (
          <tr key={`${model.name}@${model.version}`} data-model={`${model.name}@${model.version}`}>
            <td className="nowrap">
              <Link to={`/models/${encodeURIComponent(model.name)}/versions/${encodeURIComponent(model.version)}`}>
                {model.name}@{model.version}
              </Link>
            </td>
            <td>{modelTasks(model.mlm).join(', ') || <span className="muted">unknown</span>}</td>
            <td>
              <ClassSwatches mlm={model.mlm} />
            </td>
            <td className="nowrap">{formatTime(model.added)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
