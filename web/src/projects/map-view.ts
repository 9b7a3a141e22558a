/**
 * The map's view in the URL (`?view=zoom/latitude/longitude`, MapLibre's hash order), so a shared link
 * opens the map where its sender left it.
 */

/** A map view. */
export interface MapView {
  zoom: number;
  lat: number;
  lng: number;
}

/** Reads `zoom/lat/lng`; anything else is no view. */
export function parseMapView(text: string | null): MapView | null {
  const parts = text?.split('/').map(Number);
  if (!parts || parts.length !== 3 || parts.some((n) => !Number.isFinite(n))) return null;
  const [zoom, lat, lng] = parts;
  if (zoom < 0 || zoom > 24 || Math.abs(lat) > 85.06 || Math.abs(lng) > 180) return null;
  return { zoom, lat, lng };
}

/** Writes a view with the precision a screen shows (5 decimals of a degree is about a metre). */
export function formatMapView(view: MapView): string {
  return `${view.zoom.toFixed(2)}/${view.lat.toFixed(5)}/${view.lng.toFixed(5)}`;
}
