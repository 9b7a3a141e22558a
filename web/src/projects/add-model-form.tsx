/** Adding a registry model version to a project by name and version (its MLM item is checked by the server). */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { addProjectModel } from '../api/predict';
import { ErrorMessage } from '../ui/status';

export function AddModelForm({ projectId }: { projectId: string }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [version, setVersion] = useState('');
  const add = useMutation({
    mutationFn: () => addProjectModel(projectId, name.trim(), version.trim()),
    onSuccess: async () => {
      await client.invalidateQueries({ queryKey: ['project', projectId] });
      setName('');
      setVersion('');
    },
  });
  const ready = name.trim() !== '' && version.trim() !== '';

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (ready) add.mutate();
  };

  return (
    <form className="inline-form" aria-label="Add a model version" onSubmit={submit}>
      <h3>Add a registry model version</h3>
      <div className="form-row">
        <input type="text" aria-label="Registered model name" placeholder="registered model name" value={name} onChange={(e) => setName(e.target.value)} />
        <input type="text" className="short-input" aria-label="Model version" placeholder="version" value={version} onChange={(e) => setVersion(e.target.value)} />
        <button type="submit" disabled={!ready || add.isPending}>
          {add.isPending ? 'Adding…' : 'Add'}
        </button>
      </div>
      {add.isError && <ErrorMessage error={add.error} title="Could not add the model version" />}
    </form>
  );
}
