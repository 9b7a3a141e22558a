/**
 * One MapLibre GL map in a React element: made once on mount, removed on unmount, handed to the page
 * through `onReady` once its style has loaded. The style starts as a plain background: tileflow runs
 * offline, so there is no basemap by default; pages add the project's imagery and results as sources.
 */
import { Map as MapLibreMap, NavigationControl, ScaleControl, setWorkerUrl, type StyleSpecification } from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
// MapLibre finds its worker next to its own module, which bundling moves: Vite emits the worker as
// an asset and this is its address.
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { useEffect, useRef } from 'react';

setWorkerUrl(workerUrl);

/** An empty style: a neutral background, and glyph-free (labels would need a font server). */
export const BLANK_STYLE: StyleSpecification = {
  version: 8,
  sources: {},
  layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#dfe5ea' } }],
};

export interface MapCanvasProps {
  /** [west, south, east, north] to fit on start. */
  bounds?: [number, number, number, number];
  /** Called once the map's style has loaded; the returned function (if any) runs on unmount. */
  onReady: (map: MapLibreMap) => void | (() => void);
  /** For tests and screen readers. */
  label: string;
  className?: string;
}

/** A map filling its box. */
export function MapCanvas({ bounds, onReady, label, className }: MapCanvasProps) {
  const box = useRef<HTMLDivElement>(null);
  // The first props win: the map is made once, and pages change it through the map they were handed.
  const first = useRef({ bounds, onReady });

  useEffect(() => {
    const { bounds: start, onReady: ready } = first.current;
    const map = new MapLibreMap({
      container: box.current!,
      style: BLANK_STYLE,
      bounds: start,
      fitBoundsOptions: { padding: 24 },
      center: start ? undefined : [0, 20],
      zoom: start ? undefined : 1,
      attributionControl: false,
    });
    map.addControl(new NavigationControl({ showCompass: false }), 'top-right');
    map.addControl(new ScaleControl({ unit: 'metric' }), 'bottom-left');
    let cleanup: void | (() => void);
    let removed = false;
    map.once('load', () => {
      if (!removed) cleanup = ready(map);
    });
    return () => {
      removed = true;
      if (typeof cleanup === 'function') cleanup();
      map.remove();
    };
  }, []);

  return <div ref={box} className={className ?? 'map-canvas'} role="region" aria-label={label} data-testid="map" />;
}
