/**
 * The "Run prediction" form: a model version, imagery and an AOI of the project, and optionally a zoom
 * other than the model's; starts a prediction (`POST /api/projects/:id/predictions`), whose progress
 * then shows in the list below it.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { startPrediction, type ProjectDetail } from '../api/predict';
import { Empty, ErrorMessage } from '../ui/status';
import { modelZoom } from './model-metadata';

/** `value` when it is one of `ids`, else the fallback (a removed AOI, a first render). */
function pick(value: string, ids: readonly string[], fallback: string | undefined): string {
  return ids.includes(value) ? value : (fallback ?? '');
}

export function PredictionForm({ project, imageryOnMap }: { project: ProjectDetail; imageryOnMap: string | null }) {
  const client = useQueryClient();
  const [chosenModel, setModel] = useState('');
  const [chosenImagery, setImagery] = useState('');
  const [chosenAoi, setAoi] = useState('');
  const [zoomText, setZoomText] = useState('');

  const modelKeys = project.models.map((m) => `${m.name}@${m.version}`);
  const modelKey = pick(chosenModel, modelKeys, modelKeys[0]);
  const model = project.models[modelKeys.indexOf(modelKey)];
  const imageryId = pick(chosenImagery, project.imagery.map((i) => i.id), imageryOnMap ?? project.imagery[0]?.id);
  // The newest AOI unless another is chosen: the one just drawn is usually the one to run.
  const newestAoi = [...project.aois].sort((a, b) => b.created - a.created)[0];
  const aoiId = pick(chosenAoi, project.aois.map((a) => a.id), newestAoi?.id);
  const zoom = zoomText.trim() === '' ? undefined : Number(zoomText);
  const zoomValid = zoom === undefined || (Number.isInteger(zoom) && zoom >= 0 && zoom <= 24);

  const start = useMutation({
    mutationFn: () => startPrediction(project.id, { model: model.name, version: model.version, imageryId, aoiId, zoom }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['project', project.id, 'predictions'] }),
  });

  const missing = [project.models.length === 0 && 'a model version', project.imagery.length === 0 && 'imagery', project.aois.length === 0 && 'an AOI'].filter(Boolean);
  if (missing.length) return <Empty>To run a prediction, the project needs {missing.join(', ')}.</Empty>;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (model && imageryId && aoiId && zoomValid) start.mutate();
  };

  return (
    <form className="prediction-form" aria-label="Run prediction" onSubmit={submit}>
      <label className="field">
        Model version
        <select value={modelKey} onChange={(e) => setModel(e.target.value)}>
          {modelKeys.map((key) => (
            <option key={key}>{key}</option>
          ))}
        </select>
      </label>
      <label className="field">
        Imagery
        <select value={imageryId} onChange={(e) => setImagery(e.target.value)}>
          {project.imagery.map((imagery) => (
            <option key={imagery.id} value={imagery.id}>
              {imagery.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        AOI
        <select value={aoiId} onChange={(e) => setAoi(e.target.value)}>
          {project.aois.map((aoi) => (
            <option key={aoi.id} value={aoi.id}>
              {aoi.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field zoom-field">
        Zoom
        <input
          type="number"
          min={0}
          max={24}
          step={1}
          value={zoomText}
          aria-invalid={!zoomValid}
          placeholder={model && modelZoom(model.mlm) !== undefined ? String(modelZoom(model.mlm)) : 'model'}
          title="Leave empty for the model's own zoom"
          onChange={(e) => setZoomText(e.target.value)}
        />
      </label>
      <div className="form-actions">
        <button type="submit" disabled={start.isPending || !zoomValid}>
          {start.isPending ? 'Starting…' : 'Run prediction'}
        </button>
      </div>
      {start.isError && <ErrorMessage error={start.error} title="Could not start the prediction" />}
    </form>
  );
}
