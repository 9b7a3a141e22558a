/** A project's header: breadcrumbs, name, access, description, dates, and archiving. */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { updateProject, type Project } from '../api/predict';
import { formatTime } from '../lib/format';
import { ErrorMessage } from '../ui/status';

export function ProjectHead({ project }: { project: Project }) {
  const client = useQueryClient();
  const archive = useMutation({
    mutationFn: () => updateProject(project.id, { archived: !project.archived }),
    onSuccess: () => Promise.all([client.invalidateQueries({ queryKey: ['project', project.id] }), client.invalidateQueries({ queryKey: ['projects'] })]),
  });

  return (
    <div className="page-head project-head">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/projects">Projects</Link>
      </nav>
      <div className="project-title">
        <h1>
          {project.name} <span className="badge">{project.access}</span>
          {project.archived && <span className="badge badge-archived">archived</span>}
        </h1>
        <button type="button" className="secondary small" disabled={archive.isPending} onClick={() => archive.mutate()}>
          {project.archived ? 'Restore' : 'Archive'}
        </button>
      </div>
      <p className="project-facts muted">
        {project.description && <span className="project-description">{project.description}</span>}
        <span>Created {formatTime(project.created)}</span>
        <span>Updated {formatTime(project.updated)}</span>
      </p>
      {archive.isError && <ErrorMessage error={archive.error} title="Could not change the project" />}
    </div>
  );
}
