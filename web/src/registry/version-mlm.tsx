/**
 * A model version's MLM metadata (tileflow's `/api/models/:name/versions/:version/stac`): tasks and
 * architecture, the input's bands, shape and value scaling, the output classes with their colours, the
 * zoom it was trained for, and the ONNX download. A version without an ONNX model and MLM item (one
 * registered from any MLflow run) shows that it has none; that is not an error.
 */
import { useQuery } from '@tanstack/react-query';
import { onnxUrl, stacUrl } from '../api/registry';
import { formatBytes } from '../lib/format';
import { Empty, ErrorMessage, Loading } from '../ui/status';
import { summarizeMlm, type MlmInput, type MlmOutput, type MlmSummary } from './mlm';
import { modelFilesQuery, modelStacQuery } from './registry-queries';
import { isNotFound } from './registry-ui';

export function VersionMlm({ name, version }: { name: string; version: string }) {
  const files = useQuery(modelFilesQuery(name, version));
  const servable = files.data !== undefined && files.data.hasMlm && files.data.onnxBytes !== null;
  const stac = useQuery({ ...modelStacQuery(name, version), enabled: servable });

  let body;
  if (files.isPending) body = <Loading label="Looking for MLM metadata…" />;
  else if (files.isError) body = <ErrorMessage error={files.error} title="Could not look for the model's files" />;
  else if (!files.data.hasMlm) {
    body = <Empty>No MLM metadata: this version has no MLM item (mlm.json) beside its model, so the prediction service cannot use it.</Empty>;
  } else if (files.data.onnxBytes === null) {
    body = <Empty>No MLM metadata served: this version has an MLM item but no ONNX model (model.onnx), which the prediction service needs.</Empty>;
  } else if (stac.isPending) body = <Loading label="Loading the MLM metadata…" />;
  else if (stac.isError) {
    body = isNotFound(stac.error) ? <Empty>No MLM metadata.</Empty> : <ErrorMessage error={stac.error} title="Could not read the MLM metadata" />;
  } else body = <MlmView mlm={summarizeMlm(stac.data)} />;

  return (
    <section className="mlm-section" aria-label="MLM metadata" data-mlm={files.isPending || (servable && stac.isPending) ? 'loading' : servable && stac.isSuccess ? 'ready' : 'none'}>
      <div className="mlm-head">
        <h2>MLM metadata</h2>
        {servable && (
          <>
            <a className="button-link" href={onnxUrl(name, version)} download>
              Download ONNX ({formatBytes(files.data.onnxBytes ?? undefined)})
            </a>
            <a href={stacUrl(name, version)} target="_blank" rel="noreferrer" className="muted">
              STAC item (JSON)
            </a>
          </>
        )}
      </div>
      {body}
    </section>
  );
}

function MlmView({ mlm }: { mlm: MlmSummary }) {
  return (
    <div className="mlm-grid">
      <section aria-label="Model">
        <h3>Model</h3>
        <dl className="facts mlm-facts">
          <dt>Task{mlm.tasks.length === 1 ? '' : 's'}</dt>
          <dd>
            <span className="chip-list">
              {mlm.tasks.map((t) => (
                <span key={t} className="task-chip">
                  {t}
                </span>
              ))}
            </span>
          </dd>
          <dt>Architecture</dt>
          <dd>{mlm.architecture ?? <span className="muted">not given</span>}</dd>
          {mlm.framework && (
            <>
              <dt>Framework</dt>
              <dd>
                {mlm.framework} {mlm.frameworkVersion}
              </dd>
            </>
          )}
          {mlm.totalParameters !== undefined && (
            <>
              <dt>Parameters</dt>
              <dd>{mlm.totalParameters.toLocaleString('en')}</dd>
            </>
          )}
          {mlm.pretrained !== undefined && (
            <>
              <dt>Pretrained</dt>
              <dd>{mlm.pretrained ? 'yes' : 'no'}</dd>
            </>
          )}
          <dt>Zoom</dt>
          <dd data-testid="mlm-zoom">{mlm.zoom ?? <span className="muted">not given (tileflow:zoom); predictions name one</span>}</dd>
        </dl>
      </section>
      {mlm.inputs.map((input) => (
        <InputView key={input.name} input={input} />
      ))}
      {mlm.outputs.map((output) => (
        <OutputView key={output.name} output={output} />
      ))}
    </div>
  );
}

/** A tensor's dimensions, e.g. `batch any × bands 3 × height any × width any`. */
function Dims({ dims }: { dims: { name: string; size: number }[] }) {
  if (dims.length === 0) return <span className="muted">not given</span>;
  return <>{dims.map((d) => `${d.name} ${d.size > 0 ? d.size : 'any'}`).join(' × ')}</>;
}

function InputView({ input }: { input: MlmInput }) {
  // One scaling for all bands, or one per band.
  const shared = input.scaling.length === 1 ? input.scaling[0] : undefined;
  return (
    <section aria-label={`Input ${input.name}`}>
      <h3>
        Input <span className="mono">{input.name}</span>
      </h3>
      <p className="mlm-shape">
        <Dims dims={input.dims} /> {input.dataType && <span className="muted">({input.dataType})</span>}
      </p>
      {input.bands.length === 0 ? (
        <Empty>No band names given.</Empty>
      ) : (
        <table className="data-table mlm-table" aria-label="Bands">
          <thead>
            <tr>
              <th>#</th>
              <th>Band</th>
              <th>Value scaling</th>
            </tr>
          </thead>
          <tbody>
            {input.bands.map((band, i) => (
              <tr key={`${band}-${i}`} data-band={band}>
                <td className="muted">{i + 1}</td>
                <td>{band}</td>
                <td>{shared ?? input.scaling[i] ?? <span className="muted">none</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function OutputView({ output }: { output: MlmOutput }) {
  return (
    <section aria-label={`Output ${output.name}`}>
      <h3>
        Output <span className="mono">{output.name}</span>
      </h3>
      <p className="mlm-shape">
        <Dims dims={output.dims} />
      </p>
      {output.classes.length === 0 ? (
        <Empty>No classes given (classification:classes).</Empty>
      ) : (
        <table className="data-table mlm-table" aria-label="Classes">
          <thead>
            <tr>
              <th>Value</th>
              <th>Class</th>
              <th>Colour</th>
            </tr>
          </thead>
          <tbody>
            {output.classes.map((c) => (
              <tr key={c.value} data-class={c.name} data-color={c.color}>
                <td className="muted">{c.value}</td>
                <td>
                  {c.name}
                  {c.description && <div className="hint">{c.description}</div>}
                </td>
                <td className="nowrap">
                  <span className="class-swatch" style={{ background: c.color }} aria-hidden="true" />
                  <span className="mono">{c.color}</span>
                  {c.defaultColor && <span className="hint"> (no hint; the map's default)</span>}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
