/**
 * The prediction map: the project's imagery under the prediction's results (vector tiles of scored
 * tiles and features; a segmentation's class masks as PNG tiles), filtered by class and least score,
 * faded by the opacity slider. A click on a detected box selects the box, elsewhere on a prediction
 * tile the tile; a click on an aggregated square (low zooms) zooms into it. Reviews made here recolour
 * tiles and boxes at once through feature state.
 */
import type { GeoJSONSourceSpecification, Map as MapLibreMap, MapMouseEvent, VectorTileSource } from 'maplibre-gl';
import { useEffect, useRef, useState } from 'react';
import { getJson } from '../api/http';
import { imageryTileJsonUrl, predictionRasterTileJsonUrl, predictionTileJsonUrl, type Prediction, type ReviewState } from '../api/predict';
import { geometryBounds, quadkeyTile, tileBounds } from '../lib/tiles';
import { MapCanvas } from '../map/map-canvas';
import {
  AOI_SOURCE,
  IMAGERY_SOURCE,
  MASKS_SOURCE,
  opacityPaint,
  FEATURE_FILL,
  RESULTS_SOURCE,
  resultLayers,
  TILE_FILL,
} from './map-style';
import { parseTargetKey, type Selection } from './selection';

/** A TileJSON document, as far as the map reads it. */
interface TileJson {
  tiles: string[];
  bounds?: [number, number, number, number];
  minzoom?: number;
  maxzoom?: number;
}

export interface PredictionMapProps {
  prediction: Prediction;
  filter: { class?: number; threshold?: number };
  opacity: number;
  /** The selected tile, or box in it. */
  selected: Selection | null;
  /** A tile to fly to (e.g. "review next"); a new object flies again. */
  focus: { quadkey: string } | null;
  /** This browser's reviews, by target key (`tile:<quadkey>`, `feature:<id>`). */
  reviews: ReadonlyMap<string, ReviewState>;
  /** Changes whenever the results should reload (more tiles done). */
  version: number;
  onSelect: (selection: Selection) => void;
  /** How many prediction tiles are drawn in the view once the map is idle. */
  onTilesInView: (count: number) => void;
}

const TILES_LAYER = { source: RESULTS_SOURCE, sourceLayer: 'tiles' };
const FEATURES_LAYER = { source: RESULTS_SOURCE, sourceLayer: 'features' };

/** Where a review target's feature state lives on the map. */
function stateTarget(kind: 'tile' | 'feature', id: string) {
  return kind === 'tile' ? { ...TILES_LAYER, id } : { ...FEATURES_LAYER, id: Number(id) };
}

/** The map of one prediction. */
export function PredictionMap(props: PredictionMapProps) {
  const { prediction, filter, opacity, selected, focus, reviews, version } = props;
  const [map, setMap] = useState<MapLibreMap | null>(null);
  const [imageryError, setImageryError] = useState<string | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const segmentation = prediction.task === 'segmentation';
  const bounds = geometryBounds(prediction.aoi as { coordinates?: unknown; tiles?: string[] });

  function onReady(ready: MapLibreMap) {
    const first = latest.current;
    const aoi: GeoJSONSourceSpecification['data'] =
      'coordinates' in prediction.aoi
        ? { type: 'Feature', properties: {}, geometry: prediction.aoi } as GeoJSONSourceSpecification['data']
        : { type: 'FeatureCollection', features: [] };
    ready.addSource(AOI_SOURCE, { type: 'geojson', data: aoi });
    // Tiles are known by quadkey, features by id (several share a tile's quadkey). A layer left out
    // of promoteId would lose its ids in MapLibre, so both are named.
    ready.addSource(RESULTS_SOURCE, { type: 'vector', url: predictionTileJsonUrl(prediction.id, first.filter), promoteId: { tiles: 'quadkey', features: 'id' } });
    if (segmentation) ready.addSource(MASKS_SOURCE, { type: 'raster', url: predictionRasterTileJsonUrl(prediction.id), tileSize: 256 });
    for (const layer of resultLayers(prediction.classes, first.opacity, segmentation)) ready.addLayer(layer);

    const onClick = (event: MapMouseEvent) => {
      if (prediction.task === 'detection') {
        const box = ready.queryRenderedFeatures(event.point, { layers: [FEATURE_FILL] })[0];
        const boxQuadkey = box?.properties?.quadkey as string | undefined;
        if (box?.id !== undefined && boxQuadkey) {
          latest.current.onSelect({ quadkey: boxQuadkey, featureId: String(box.id) });
          return;
        }
      }
      const hit = ready.queryRenderedFeatures(event.point, { layers: [TILE_FILL] })[0];
      const quadkey = hit?.properties?.quadkey as string | undefined;
      if (!quadkey) return;
      if (quadkey.length < prediction.zoom) {
        // An aggregated square: show its tiles.
        ready.fitBounds(tileBounds(quadkeyTile(quadkey)), { padding: 40 });
        return;
      }
      latest.current.onSelect({ quadkey, featureId: null });
    };
    const onIdle = () => {
      // A square drawn at a low zoom stands for `count` prediction tiles; a map tile's edge may cut a
      // square in two, so each is counted once by its quadkey.
      const seen = new Map<string, number>();
      for (const feature of ready.queryRenderedFeatures({ layers: [TILE_FILL] })) {
        const quadkey = feature.properties?.quadkey as string | undefined;
        if (quadkey) seen.set(quadkey, quadkey.length === prediction.zoom ? 1 : Number(feature.properties?.count ?? 0));
      }
      let count = 0;
      for (const n of seen.values()) count += n;
      ready.getContainer().dataset.idle = 'true';
      latest.current.onTilesInView(count);
    };
    const onBusy = () => {
      ready.getContainer().dataset.idle = 'false';
    };
    const pointer = () => (ready.getCanvas().style.cursor = 'pointer');
    const plain = () => (ready.getCanvas().style.cursor = '');
    ready.on('click', onClick);
    ready.on('idle', onIdle);
    ready.on('movestart', onBusy);
    ready.on('dataloading', onBusy);
    for (const layer of [TILE_FILL, FEATURE_FILL]) {
      ready.on('mouseenter', layer, pointer);
      ready.on('mouseleave', layer, plain);
    }
    setMap(ready);

    // The imagery goes under the results once its TileJSON answers; without it the results still show.
    const controller = new AbortController();
    getJson<TileJson>(imageryTileJsonUrl(prediction.imageryId), {}, controller.signal)
      .then((tilejson) => {
        ready.addSource(IMAGERY_SOURCE, { type: 'raster', tiles: tilejson.tiles, bounds: tilejson.bounds, minzoom: tilejson.minzoom, maxzoom: tilejson.maxzoom, tileSize: 256 });
        ready.addLayer({ id: 'imagery', type: 'raster', source: IMAGERY_SOURCE }, ready.getStyle().layers.find((l) => l.id !== 'background')?.id);
      })
      .catch((error: Error) => {
        if (error.name !== 'AbortError') setImageryError(error.message);
      });
    return () => controller.abort();
  }

  // Class and score filters: the server filters tiles, so the source's TileJSON URL changes.
  const filterClass = filter.class;
  const threshold = filter.threshold;
  useEffect(() => {
    if (!map) return;
    (map.getSource(RESULTS_SOURCE) as VectorTileSource | undefined)?.setUrl(predictionTileJsonUrl(prediction.id, { class: filterClass, threshold }));
  }, [map, prediction.id, filterClass, threshold, version]);

  useEffect(() => {
    if (!map) return;
    for (const [layer, property, value] of opacityPaint(opacity, segmentation)) if (map.getLayer(layer)) map.setPaintProperty(layer, property as 'fill-opacity', value as number);
  }, [map, opacity, segmentation]);

  useEffect(() => {
    if (!map) return;
    for (const [key, review] of reviews) {
      const { target, targetId } = parseTargetKey(key);
      map.setFeatureState(stateTarget(target, targetId), { review });
    }
  }, [map, reviews]);

  // The selected box stands out, or else the selected tile.
  const selectedKind = selected?.featureId ? 'feature' : 'tile';
  const selectedId = selected ? (selected.featureId ?? selected.quadkey) : null;
  const previous = useRef<{ kind: 'tile' | 'feature'; id: string } | null>(null);
  useEffect(() => {
    if (!map) return;
    if (previous.current) map.setFeatureState(stateTarget(previous.current.kind, previous.current.id), { selected: false });
    if (selectedId) map.setFeatureState(stateTarget(selectedKind, selectedId), { selected: true });
    previous.current = selectedId ? { kind: selectedKind, id: selectedId } : null;
  }, [map, selectedKind, selectedId]);

  useEffect(() => {
    if (!map || !focus) return;
    map.fitBounds(tileBounds(quadkeyTile(focus.quadkey)), { padding: 120, maxZoom: prediction.zoom + 2, duration: 300 });
  }, [map, focus, prediction.zoom]);

  return (
    <div className="prediction-map">
      <MapCanvas label="Prediction map" bounds={bounds} onReady={onReady} />
      {imageryError && (
        <div className="map-note" role="status">
          Imagery not shown: {imageryError}
        </div>
      )}
    </div>
  );
}
