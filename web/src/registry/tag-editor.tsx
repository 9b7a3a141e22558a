/**
 * A registered model's or version's tags: the table with a remove button per tag, and a form that
 * sets one (a new key, or a new value for a key), through MLflow's `set-tag` and `delete-tag`.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { deleteRegistryTag, setRegistryTag, type RegistryTarget } from '../api/registry';
import type { WireTag } from '../api/types';
import { KeyValueTable } from '../ui/key-value-table';
import { ErrorMessage } from '../ui/status';
import { invalidateModel } from './registry-queries';

export function TagEditor({ target, tags }: { target: RegistryTarget; tags: readonly WireTag[] }) {
  const client = useQueryClient();
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const set = useMutation({
    mutationFn: (tag: { key: string; value: string }) => setRegistryTag(target, tag.key, tag.value),
    onSuccess: async () => {
      setKey('');
      setValue('');
      await invalidateModel(client, target.name);
    },
  });
  const remove = useMutation({ mutationFn: (tagKey: string) => deleteRegistryTag(target, tagKey), onSuccess: () => invalidateModel(client, target.name) });
  const id = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (key.trim()) set.mutate({ key: key.trim(), value });
  };
  const rows = tags.map((t) => ({
    key: t.key,
    value: t.value,
    extra: [
      <button key="remove" type="button" className="secondary small" aria-label={`Remove tag ${t.key}`} disabled={remove.isPending} onClick={() => remove.mutate(t.key)}>
        Remove
      </button>,
    ],
  }));
  return (
    <>
      <KeyValueTable label="Tags" headers={['Tag', 'Value', '']} empty="No tags." rows={rows} />
      {remove.isError && <ErrorMessage error={remove.error} title="Could not remove the tag" />}
      <form className="registry-form" onSubmit={submit} aria-label="Set a tag">
        <div className="toolbar">
          <label htmlFor={`${id}-key`}>Tag</label>
          <input id={`${id}-key`} type="text" value={key} placeholder="key" onChange={(event) => setKey(event.target.value)} />
          <label htmlFor={`${id}-value`}>Value</label>
          <input id={`${id}-value`} type="text" value={value} placeholder="value" onChange={(event) => setValue(event.target.value)} />
          <button type="submit" disabled={!key.trim() || set.isPending}>
            {set.isPending ? 'Setting…' : 'Set tag'}
          </button>
        </div>
        {set.isError && <ErrorMessage error={set.error} title="Could not set the tag" />}
      </form>
    </>
  );
}
