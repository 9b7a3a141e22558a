/**
 * The selected imagery under the AOIs, as a raster layer of the server's PNG tiles. The page fetches
 * the TileJSON itself and adds the source only once it has arrived: handed a TileJSON URL that fails,
 * MapLibre would log the failure as an error; here it becomes a note over the map.
 */
import { useQuery } from '@tanstack/react-query';
import type { Map as MapLibreMap } from 'maplibre-gl';
import { useEffect } from 'react';
import type { TileJson } from '../api/predict';
import { AOI_FIRST_LAYER } from './aoi-layer';
import { imageryTileJsonQuery } from './project-queries';

const SOURCE = 'imagery';
const LAYER = 'imagery-raster';

/** Shows one TileJSON's tiles on the map, below the AOIs, in place of any imagery shown before. */
function showImagery(map: MapLibreMap, tilejson: TileJson): void {
  hideImagery(map);
  map.addSource(SOURCE, {
    type: 'raster',
    tiles: tilejson.tiles,
    bounds: tilejson.bounds,
    minzoom: tilejson.minzoom ?? 0,
    maxzoom: tilejson.maxzoom ?? 22,
    tileSize: tilejson.tileSize ?? 256,
  });
  map.addLayer({ id: LAYER, type: 'raster', source: SOURCE }, map.getLayer(AOI_FIRST_LAYER) ? AOI_FIRST_LAYER : undefined);
}

/** Removes the imagery layer and source, if shown. */
function hideImagery(map: MapLibreMap): void {
  if (map.getLayer(LAYER)) map.removeLayer(LAYER);
  if (map.getSource(SOURCE)) map.removeSource(SOURCE);
}

/** Keeps the map's imagery layer on `imageryId` (none for null); answers the TileJSON's query. */
export function useImageryLayer(map: MapLibreMap | null, imageryId: string | null) {
  const tilejson = useQuery({ ...imageryTileJsonQuery(imageryId ?? ''), enabled: imageryId !== null });
  const data = imageryId === null ? undefined : tilejson.data;

  useEffect(() => {
    if (!map) return;
    if (data) showImagery(map, data);
    else hideImagery(map);
  }, [map, data]);

  return tilejson;
}
