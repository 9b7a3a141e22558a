/**
 * The project's map: its AOIs over the selected imagery (`?imagery=`), the view kept in `?view=`, and
 * the tools to draw a new AOI as a rectangle or a polygon and save it. On first open it fits the AOIs,
 * or the imagery once its TileJSON has arrived when there are no AOIs yet.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ProjectDetail } from '../api/predict';
import { useUrlParam } from '../lib/url-state';
import { attachAoiDraw, type AoiDraw, type AoiShape, type DrawnPolygon } from '../map/aoi-draw';
import { MapCanvas } from '../map/map-canvas';
import { errorText } from '../ui/status';
import { addAoiLayers, aoisBounds, setAois } from './aoi-layer';
import { useImageryLayer } from './imagery-layer';
import { formatMapView, parseMapView } from './map-view';
import { SaveAoiForm } from './save-aoi-form';

/** A box to fit the map to; `key` changes to fit the same box again. */
export interface MapFocus {
  bbox: [number, number, number, number];
  key: number;
}

const FIT = { padding: 32, maxZoom: 17, animate: false } as const;

const HINTS: Record<AoiShape, string> = {
  rectangle: 'Click one corner, move, click the opposite corner.',
  polygon: 'Click each corner; click the first corner again or press Enter to close.',
};

/** The imagery shown: `?imagery=` (`none` for none), else the project's first imagery. */
export function useSelectedImagery(project: ProjectDetail): [string | null, (id: string | null) => void] {
  const [param, setParam] = useUrlParam('imagery');
  const selected = param === 'none' ? null : (project.imagery.find((i) => i.id === param)?.id ?? project.imagery[0]?.id ?? null);
  return [selected, (id) => setParam(id ?? 'none')];
}

export function AoiMap({ project, focus }: { project: ProjectDetail; focus: MapFocus | null }) {
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [imageryId, setImageryId] = useSelectedImagery(project);
  const [viewParam, setViewParam] = useUrlParam('view');
  const [drawing, setDrawing] = useState<AoiShape | null>(null);
  const [polygon, setPolygon] = useState<DrawnPolygon | null>(null);
  // Counts the shapes begun, so each new one gets a fresh save form (and name).
  const [shapeCount, setShapeCount] = useState(0);
  const drawRef = useRef<AoiDraw | null>(null);
  const box = useRef<HTMLDivElement>(null);
  // The map is made once; its handlers read the latest page state through refs.
  const latest = useRef({ aois: project.aois, setViewParam });
  latest.current = { aois: project.aois, setViewParam };
  const startView = useRef(parseMapView(viewParam)).current;
  const startBounds = useRef(startView ? undefined : aoisBounds(project.aois)).current;
  // Fit the imagery when it arrives, unless the map already has a place (a shared view, the AOIs).
  const fitImagery = useRef(!startView && !startBounds);

  const onReady = useCallback(
    (ready: MapLibreMap) => {
      addAoiLayers(ready, latest.current.aois);
      if (startView) ready.jumpTo({ center: [startView.lng, startView.lat], zoom: startView.zoom });
      // `data-idle` says when the map has stopped moving and loading (tests wait for it).
      const setIdle = (idle: boolean) => box.current?.setAttribute('data-idle', String(idle));
      ready.on('idle', () => setIdle(true));
      ready.on('movestart', () => setIdle(false));
      ready.on('dataloading', () => setIdle(false));
      let gone = false;
      ready.on('moveend', () => {
        // Removing the map moves it once more, after the page has left: that view is no one's.
        if (gone) return;
        const center = ready.getCenter();
        latest.current.setViewParam(formatMapView({ zoom: ready.getZoom(), lat: center.lat, lng: center.lng }));
      });
      const draw = attachAoiDraw(ready, (shape) => {
        setPolygon(shape);
        if (shape) setDrawing(null);
      });
      drawRef.current = draw;
      setMap(ready);
      return () => {
        gone = true;
        draw.remove();
        drawRef.current = null;
        setMap(null);
      };
    },
    [startView],
  );

  useEffect(() => {
    if (map) setAois(map, project.aois);
  }, [map, project.aois]);

  const tilejson = useImageryLayer(map, imageryId);
  useEffect(() => {
    const bounds = tilejson.data?.bounds;
    if (map && bounds && fitImagery.current) {
      fitImagery.current = false;
      map.fitBounds(bounds, FIT);
    }
  }, [map, tilejson.data]);

  useEffect(() => {
    if (map && focus) map.fitBounds(focus.bbox, FIT);
  }, [map, focus]);

  const startDrawing = (shape: AoiShape) => {
    drawRef.current?.draw(shape);
    setDrawing(shape);
    setShapeCount((n) => n + 1);
  };
  const stopDrawing = () => {
    drawRef.current?.clear();
    setDrawing(null);
  };

  const imageryState = imageryId === null ? 'none' : tilejson.isError ? 'failed' : tilejson.data ? 'shown' : 'loading';
  const imageryName = project.imagery.find((i) => i.id === imageryId)?.name;

  return (
    <div className="aoi-map" ref={box} data-imagery={imageryState}>
      <div className="toolbar map-toolbar">
        <label className="inline-field">
          Imagery
          <select
            value={imageryId ?? ''}
            onChange={(e) => {
              fitImagery.current = true;
              setImageryId(e.target.value || null);
            }}
            disabled={project.imagery.length === 0}
          >
            <option value="">{project.imagery.length ? 'none' : 'no imagery yet'}</option>
            {project.imagery.map((imagery) => (
              <option key={imagery.id} value={imagery.id}>
                {imagery.name}
              </option>
            ))}
          </select>
        </label>
        <div className="button-group" role="group" aria-label="Draw an AOI">
          <button type="button" className="secondary" aria-pressed={drawing === 'rectangle'} disabled={!map} onClick={() => startDrawing('rectangle')}>
            Draw rectangle
          </button>
          <button type="button" className="secondary" aria-pressed={drawing === 'polygon'} disabled={!map} onClick={() => startDrawing('polygon')}>
            Draw polygon
          </button>
          {drawing && (
            <button type="button" className="secondary" onClick={stopDrawing}>
              Cancel
            </button>
          )}
        </div>
        {drawing && <span className="hint">{HINTS[drawing]}</span>}
      </div>
      {polygon && (
        <SaveAoiForm
          key={shapeCount}
          projectId={project.id}
          polygon={polygon}
          suggestedName={`AOI ${project.aois.length + 1}`}
          onDone={stopDrawing}
        />
      )}
      <div className="map-box">
        <MapCanvas label="Project map" bounds={startBounds} onReady={onReady} />
        {imageryState === 'loading' && <div className="map-note">Loading {imageryName}…</div>}
        {imageryState === 'failed' && (
          <div className="map-note map-note-error" role="status">
            {imageryName} cannot be shown: {errorText(tilejson.error)}
          </div>
        )}
      </div>
    </div>
  );
}
