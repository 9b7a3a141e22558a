/**
 * Drawing one AOI on a MapLibre map with terra-draw: a rectangle (click, move, click) or a polygon
 * (click each corner, click the first again or press Enter). Once drawn, the shape is selected so its
 * corners can be dragged before it is saved; every change reports the shape as a GeoJSON Polygon.
 */
import type { Map as MapLibreMap } from 'maplibre-gl';
import { TerraDraw, TerraDrawPolygonMode, TerraDrawRectangleMode, TerraDrawSelectMode } from 'terra-draw';
import { TerraDrawMapLibreGLAdapter } from 'terra-draw-maplibre-gl-adapter';

/** The shapes an AOI can be drawn as (terra-draw's mode names). */
export type AoiShape = 'rectangle' | 'polygon';

/** A drawn AOI: one ring of [longitude, latitude] positions, closed. */
export interface DrawnPolygon {
  type: 'Polygon';
  coordinates: number[][][];
}

/** Drawing on one map. */
export interface AoiDraw {
  /** Starts drawing a new shape; a shape drawn before is dropped. */
  draw(shape: AoiShape): void;
  /** Drops the drawn shape and stops drawing. */
  clear(): void;
  /** Takes drawing off the map (before the map is removed). */
  remove(): void;
}

const INK = '#1d6b94';
const SHAPE_STYLES = { fillColor: INK, fillOpacity: 0.15, outlineColor: INK, outlineWidth: 2 } as const;

/** Adds terra-draw to a loaded map; `onShape` hears the drawn polygon, or null once it is gone. */
export function attachAoiDraw(map: MapLibreMap, onShape: (polygon: DrawnPolygon | null) => void): AoiDraw {
  const draw = new TerraDraw({
    adapter: new TerraDrawMapLibreGLAdapter({ map }),
    modes: [
      new TerraDrawRectangleMode({ styles: SHAPE_STYLES }),
      new TerraDrawPolygonMode({ styles: { ...SHAPE_STYLES, closingPointColor: INK, coordinatePointColor: INK } }),
      new TerraDrawSelectMode({
        flags: {
          rectangle: { feature: { draggable: true, coordinates: { resizable: 'opposite' } } },
          polygon: { feature: { draggable: true, coordinates: { draggable: true, midpoints: true, deletable: true } } },
        },
        styles: { selectedPolygonColor: INK, selectedPolygonFillOpacity: 0.2, selectedPolygonOutlineColor: INK, selectionPointColor: INK },
      }),
    ],
  });
  draw.start();
  let current: string | number | null = null;

  const report = () => {
    const feature = current === null ? undefined : draw.getSnapshotFeature(current);
    onShape(feature?.geometry.type === 'Polygon' ? { type: 'Polygon', coordinates: feature.geometry.coordinates } : null);
  };

  draw.on('finish', (id, context) => {
    if (context.action === 'draw') {
      current = id;
      // Selected, the shape can be reshaped by its corners before it is saved.
      draw.setMode('select');
      draw.selectFeature(id);
    }
    if (id === current) report();
  });
  draw.on('change', (ids, type) => {
    if (type === 'delete' && current !== null && ids.includes(current)) {
      current = null;
      report();
    }
  });

  const drop = () => {
    draw.setMode('static');
    draw.clear();
    if (current !== null) {
      current = null;
      report();
    }
  };

  return {
    draw(shape) {
      drop();
      draw.setMode(shape);
    },
    clear: drop,
    remove() {
      if (draw.enabled) draw.stop();
    },
  };
}
