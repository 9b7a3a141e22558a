/** The "New project" form: name, description and access; opens the new project once it is made. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { useNavigate } from 'react-router';
import { createProject } from '../api/predict';
import { ErrorMessage } from '../ui/status';

/** Creates a project (`POST /api/projects`); the server's message shows when it refuses (a taken name). */
export function NewProjectForm() {
  const client = useQueryClient();
  const navigate = useNavigate();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [access, setAccess] = useState<'public' | 'private'>('private');
  const create = useMutation({
    mutationFn: () => createProject({ name: name.trim(), description: description.trim(), access }),
    onSuccess: (project) => {
      void client.invalidateQueries({ queryKey: ['projects'] });
      navigate(`/projects/${project.id}`);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (name.trim()) create.mutate();
  };

  return (
    <form className="card form-card" aria-label="New project" onSubmit={submit}>
      <h2>New project</h2>
      <label className="field">
        Name
        <input type="text" required value={name} onChange={(e) => setName(e.target.value)} placeholder="e.g. coastal-water" />
      </label>
      <label className="field">
        Description
        <textarea rows={3} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="field">
        Access
        <select value={access} onChange={(e) => setAccess(e.target.value as 'public' | 'private')}>
          <option value="private">private</option>
          <option value="public">public</option>
        </select>
      </label>
      {create.isError && <ErrorMessage error={create.error} title="Could not create the project" />}
      <div className="form-actions">
        <button type="submit" disabled={!name.trim() || create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </button>
      </div>
    </form>
  );
}
