/**
 * The project list (`/projects`): every project with its description, access and last change,
 * archived ones too with `?archived=1`, and the form that creates a project.
 */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { formatTime } from '../lib/format';
import { useUrlParam } from '../lib/url-state';
import { Empty, QueryView } from '../ui/status';
import { NewProjectForm } from './new-project-form';
import { projectsQuery } from './project-queries';
import './projects.css';

export function ProjectsPage() {
  const [archivedParam, setArchived] = useUrlParam('archived');
  const archived = archivedParam === '1';
  const projects = useQuery(projectsQuery(archived));

  return (
    <div className="page-body">
      <div className="page-head">
        <h1>Projects</h1>
        <p className="muted">A project holds model versions, imagery and areas of interest, and the predictions run over them.</p>
      </div>
      <div className="projects-layout">
        <section aria-label="Project list">
          <div className="toolbar">
            <label className="checkbox">
              <input type="checkbox" checked={archived} onChange={(e) => setArchived(e.target.checked ? '1' : null)} />
              Show archived
            </label>
          </div>
          <QueryView query={projects} loading="Loading projects…" errorTitle="Could not list projects">
            {(list) =>
              list.length === 0 ? (
                <Empty>{archived ? 'No projects yet.' : 'No active projects. Create one with the form, or tick “Show archived”.'}</Empty>
              ) : (
                <table className="data-table" aria-label="Projects">
                  <thead>
                    <tr>
                      <th>Name</th>
                      <th>Description</th>
                      <th>Access</th>
                      <th>Updated</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((project) => (
                      <tr key={project.id} data-project-id={project.id}>
                        <td>
                          <Link to={`/projects/${project.id}`}>{project.name}</Link>
                          {project.archived && <span className="badge badge-archived">archived</span>}
                        </td>
                        <td className="muted">{project.description}</td>
                        <td>{project.access}</td>
                        <td className="nowrap">{formatTime(project.updated)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )
            }
          </QueryView>
        </section>
        <NewProjectForm />
      </div>
    </div>
  );
}
