/** Naming and saving an AOI drawn on the map (`POST /api/projects/:id/aois` with its polygon). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { addAoi } from '../api/predict';
import type { DrawnPolygon } from '../map/aoi-draw';
import { ErrorMessage } from '../ui/status';

/** The box around a drawn ring, as the AOI list shows it. */
function ringBounds(polygon: DrawnPolygon): [number, number, number, number] {
  const ring = polygon.coordinates[0] ?? [];
  return ring.reduce<[number, number, number, number]>(
    (b, [lng, lat]) => [Math.min(b[0], lng), Math.min(b[1], lat), Math.max(b[2], lng), Math.max(b[3], lat)],
    [Infinity, Infinity, -Infinity, -Infinity],
  );
}

/** A bbox as `W, S, E, N` with three decimals (about 100 m). */
export function formatBbox(bbox: readonly number[]): string {
  return bbox.map((v) => v.toFixed(3)).join(', ');
}

/** The form under the map while a drawn shape waits to be saved. */
export function SaveAoiForm({ projectId, polygon, suggestedName, onDone }: { projectId: string; polygon: DrawnPolygon; suggestedName: string; onDone(): void }) {
  const client = useQueryClient();
  const [name, setName] = useState(suggestedName);
  const save = useMutation({
    mutationFn: () => addAoi(projectId, name.trim(), polygon),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['project', projectId] });
      onDone();
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) save.mutate();
  };

  return (
    <form className="save-aoi" aria-label="Save the drawn AOI" onSubmit={submit}>
      <span className="muted">
        Drawn AOI <span className="mono">{formatBbox(ringBounds(polygon))}</span> (drag its corners to adjust)
      </span>
      <input type="text" aria-label="AOI name" value={name} onChange={(e) => setName(e.target.value)} required />
      <button type="submit" disabled={!name.trim() || save.isPending}>
        {save.isPending ? 'Saving…' : 'Save AOI'}
      </button>
      <button type="button" className="secondary" onClick={onDone}>
        Discard
      </button>
      {save.isError && <ErrorMessage error={save.error} title="Could not save the AOI" />}
    </form>
  );
}
