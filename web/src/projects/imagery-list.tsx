/** A project's imagery: name and URI, and which one the map shows. */
import type { Imagery } from '../api/predict';
import { Empty } from '../ui/status';

/** The imagery in the order it was added; "Show on map" picks the map's imagery. */
export function ImageryList({ imagery, shown, onShow }: { imagery: readonly Imagery[]; shown: string | null; onShow(id: string): void }) {
  if (imagery.length === 0) return <Empty>No imagery yet. Add a COG, an XYZ tile service or a STAC item below.</Empty>;
  return (
    <table className="data-table" aria-label="Imagery">
      <thead>
        <tr>
          <th>Name</th>
          <th>URI</th>
          <th>
            <span className="visually-hidden">Map</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {imagery.map((item) => (
          <tr key={item.id} data-imagery-id={item.id}>
            <td>{item.name}</td>
            <td className="mono uri">{item.uri}</td>
            <td className="nowrap">
              {item.id === shown ? (
                <span className="muted">on the map</span>
              ) : (
                <button type="button" className="link-button" onClick={() => onShow(item.id)}>
                  Show on map
                </button>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
