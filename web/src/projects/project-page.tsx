/**
 * One project (`/projects/:projectId`), in the manner of ML Enabler's project page: beside the map,
 * tabs (`?tab=`) for its predictions (run one, follow its progress), model versions, imagery and
 * AOIs; the map shows the AOIs over the chosen imagery and draws new AOIs.
 */
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../api/http';
import type { Aoi, ProjectDetail } from '../api/predict';
import { ErrorMessage, Loading } from '../ui/status';
import { TabBar, useTab, type Tab } from '../ui/tabs';
import { AddImageryForm } from './add-imagery-form';
import { AddModelForm } from './add-model-form';
import { AoiList } from './aoi-list';
import { AoiMap, useSelectedImagery, type MapFocus } from './aoi-map';
import { AoiUploadForm } from './aoi-upload-form';
import { ImageryList } from './imagery-list';
import { ModelList } from './model-list';
import { PredictionForm } from './prediction-form';
import { PredictionList } from './prediction-list';
import { ProjectHead } from './project-head';
import { projectQuery } from './project-queries';
import './projects.css';

/** The side panel's tabs, with the project's counts. */
function tabsOf(project: ProjectDetail): Tab[] {
  return [
    { id: 'predictions', label: 'Predictions' },
    { id: 'models', label: `Models (${project.models.length})` },
    { id: 'imagery', label: `Imagery (${project.imagery.length})` },
    { id: 'aois', label: `AOIs (${project.aois.length})` },
  ];
}

function ProjectView({ project }: { project: ProjectDetail }) {
  const tabs = tabsOf(project);
  const [tab, setTab] = useTab(tabs);
  const [imageryOnMap, setImageryOnMap] = useSelectedImagery(project);
  const [focus, setFocus] = useState<MapFocus | null>(null);
  const focusAoi = (aoi: Aoi) => setFocus((previous) => ({ bbox: aoi.bbox, key: (previous?.key ?? 0) + 1 }));

  return (
    <div className="project-page">
      <ProjectHead project={project} />
      <div className="project-grid">
        <section className="project-side" aria-label="Project contents">
          <TabBar tabs={tabs} current={tab} onChange={setTab} label="Project views" />
          <div role="tabpanel" className="tab-panel">
            {tab === 'predictions' && (
              <>
                <h2 className="panel-title">Run prediction</h2>
                <PredictionForm project={project} imageryOnMap={imageryOnMap} />
                <h2 className="panel-title">Predictions</h2>
                <PredictionList project={project} />
              </>
            )}
            {tab === 'models' && (
              <>
                <ModelList models={project.models} />
                <AddModelForm projectId={project.id} />
              </>
            )}
            {tab === 'imagery' && (
              <>
                <ImageryList imagery={project.imagery} shown={imageryOnMap} onShow={setImageryOnMap} />
                <AddImageryForm projectId={project.id} onAdded={(imagery) => setImageryOnMap(imagery.id)} />
              </>
            )}
            {tab === 'aois' && (
              <>
                <AoiList aois={project.aois} onFocus={focusAoi} />
                <AoiUploadForm projectId={project.id} onUploaded={focusAoi} />
              </>
            )}
          </div>
        </section>
        <section className="project-map" aria-label="Map">
          <AoiMap project={project} focus={focus} />
        </section>
      </div>
    </div>
  );
}

export function ProjectPage() {
  const projectId = useParams().projectId!;
  const project = useQuery(projectQuery(projectId));

  if (project.isPending) {
    return (
      <div className="page-body">
        <Loading label="Loading the project…" />
      </div>
    );
  }
  // A failed refetch keeps the page (and its map) on the data it has.
  if (project.data) return <ProjectView key={projectId} project={project.data} />;
  const missing = project.error instanceof ApiError && project.error.status === 404;
  return (
    <div className="page-body">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <Link to="/projects">Projects</Link>
      </nav>
      {missing ? (
        <>
          <h1>Project not found</h1>
          <p>
            No project has the id <span className="mono">{projectId}</span>; it may have been deleted.
          </p>
        </>
      ) : (
        <ErrorMessage error={project.error} title="Could not load this project" />
      )}
    </div>
  );
}
