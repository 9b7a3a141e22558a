/**
 * A project's AOIs: name and bounding box; clicking a name fits the map to it; each can be deleted,
 * after a second click on "Confirm" (a deleted AOI cannot be brought back).
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { deleteAoi, type Aoi } from '../api/predict';
import { formatTime } from '../lib/format';
import { Empty, ErrorMessage } from '../ui/status';
import { formatBbox } from './save-aoi-form';

function AoiRow({ aoi, onFocus }: { aoi: Aoi; onFocus(aoi: Aoi): void }) {
  const client = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => deleteAoi(aoi.id),
    onSuccess: () => client.invalidateQueries({ queryKey: ['project', aoi.projectId] }),
  });
  return (
    <tr data-aoi-id={aoi.id}>
      <td>
        <button type="button" className="link-button nowrap" title={`Added ${formatTime(aoi.created)}; click to fit the map to it`} onClick={() => onFocus(aoi)}>
          {aoi.name}
        </button>
        {remove.isError && <ErrorMessage error={remove.error} title="Could not delete" />}
      </td>
      <td className="mono nowrap">{formatBbox(aoi.bbox)}</td>
      <td className="nowrap">
        {confirming ? (
          <>
            <button type="button" className="danger small" aria-label={`Confirm deleting AOI ${aoi.name}`} disabled={remove.isPending} onClick={() => remove.mutate()}>
              {remove.isPending ? 'Deleting…' : 'Confirm'}
            </button>{' '}
            <button type="button" className="secondary small" disabled={remove.isPending} onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button type="button" className="secondary small" aria-label={`Delete AOI ${aoi.name}`} onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
      </td>
    </tr>
  );
}

/** The AOIs in the order they were added. */
export function AoiList({ aois, onFocus }: { aois: readonly Aoi[]; onFocus(aoi: Aoi): void }) {
  if (aois.length === 0) return <Empty>No AOIs yet. Draw one on the map, or upload a GeoJSON or GeoParquet file below.</Empty>;
  return (
    <table className="data-table" aria-label="AOIs">
      <thead>
        <tr>
          <th>Name</th>
          <th>Bounding box (W, S, E, N)</th>
          <th>
            <span className="visually-hidden">Actions</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {aois.map((aoi) => (
          <AoiRow key={aoi.id} aoi={aoi} onFocus={onFocus} />
        ))}
      </tbody>
    </table>
  );
}
