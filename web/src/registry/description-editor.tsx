/**
 * A registered model's or version's description with an "Edit" button, as MLflow's UI has: the text
 * becomes a text area, saved through `…/update` (PATCH); the server's message shows if it refuses.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { updateDescription, type RegistryTarget } from '../api/registry';
import { Empty, ErrorMessage } from '../ui/status';
import { invalidateModel } from './registry-queries';

export function DescriptionEditor({ target, description }: { target: RegistryTarget; description: string | undefined }) {
  const client = useQueryClient();
  const [draft, setDraft] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (text: string) => updateDescription(target, text),
    onSuccess: async () => {
      await invalidateModel(client, target.name);
      setDraft(null);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (draft !== null) save.mutate(draft);
  };
  if (draft === null) {
    return (
      <div className="description">
        {description ? <p className="registry-text">{description}</p> : <Empty>No description.</Empty>}
        <button type="button" className="secondary small" onClick={() => setDraft(description ?? '')}>
          Edit description
        </button>
      </div>
    );
  }
  return (
    <form className="registry-form" onSubmit={submit} aria-label="Edit description">
      <textarea value={draft} rows={5} aria-label="Description" onChange={(event) => setDraft(event.target.value)} autoFocus />
      <div className="toolbar">
        <button type="submit" disabled={save.isPending}>
          {save.isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="secondary" onClick={() => setDraft(null)} disabled={save.isPending}>
          Cancel
        </button>
      </div>
      {save.isError && <ErrorMessage error={save.error} title="Could not save the description" />}
    </form>
  );
}
