/** Adding imagery to a project: a name and a URI (COG path or URL, XYZ template, or STAC item). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { addImagery, type Imagery } from '../api/predict';
import { ErrorMessage } from '../ui/status';

export function AddImageryForm({ projectId, onAdded }: { projectId: string; onAdded(imagery: Imagery): void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [uri, setUri] = useState('');
  const add = useMutation({
    mutationFn: () => addImagery(projectId, { name: name.trim(), uri: uri.trim() }),
    onSuccess: async (imagery) => {
      await client.invalidateQueries({ queryKey: ['project', projectId] });
      setName('');
      setUri('');
      onAdded(imagery);
    },
  });
  const ready = name.trim() !== '' && uri.trim() !== '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ready) add.mutate();
  };

  return (
    <form className="inline-form" aria-label="Add imagery" onSubmit={submit}>
      <h3>Add imagery</h3>
      <div className="form-row">
        <input type="text" className="short-input" aria-label="Imagery name" placeholder="name" value={name} onChange={(e) => setName(e.target.value)} />
        <input type="text" aria-label="Imagery URI" placeholder="/data/scene.tif" value={uri} onChange={(e) => setUri(e.target.value)} />
        <button type="submit" disabled={!ready || add.isPending}>
          {add.isPending ? 'Adding…' : 'Add'}
        </button>
      </div>
      <p className="hint">
        A Cloud-Optimized GeoTIFF (a path on the server or an <code>https://</code> URL), an XYZ service as <code>xyz+https://…/{'{z}/{x}/{y}'}.png</code>, or a
        STAC item as <code>stac:https://…</code>.
      </p>
      {add.isError && <ErrorMessage error={add.error} title="Could not add the imagery" />}
    </form>
  );
}
