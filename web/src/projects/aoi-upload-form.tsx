/**
 * Uploading a GeoJSON or GeoParquet file of polygons as an AOI (multipart, field `file`); the
 * server reads the file and its message (malformed GeoJSON, no polygons, wrong CRS) shows here.
 */
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { uploadAoi, type Aoi } from '../api/predict';
import { ErrorMessage } from '../ui/status';

export function AoiUploadForm({ projectId, onUploaded }: { projectId: string; onUploaded(aoi: Aoi): void }) {
  const client = useQueryClient();
  const [name, setName] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const upload = useMutation({
    mutationFn: (chosen: File) => uploadAoi(projectId, name.trim(), chosen),
    onSuccess: async (aoi) => {
      await client.invalidateQueries({ queryKey: ['project', projectId] });
      setName('');
      setFile(null);
      if (input.current) input.current.value = '';
      onUploaded(aoi);
    },
  });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (file) upload.mutate(file);
  };

  return (
    <form className="inline-form" aria-label="Upload an AOI" onSubmit={submit}>
      <h3>Upload an AOI</h3>
      <div className="form-row">
        <input
          ref={input}
          type="file"
          aria-label="AOI file"
          accept=".geojson,.json,.parquet,.geoparquet"
          onChange={(e) => {
            setFile(e.target.files?.[0] ?? null);
            upload.reset();
          }}
        />
      </div>
      <div className="form-row">
        <input type="text" aria-label="Uploaded AOI name" placeholder="name (default: the file's)" value={name} onChange={(e) => setName(e.target.value)} />
        <button type="submit" disabled={!file || upload.isPending}>
          {upload.isPending ? 'Uploading…' : 'Upload'}
        </button>
      </div>
      <p className="hint">Polygons in longitude/latitude: GeoJSON (.geojson, .json) or GeoParquet (.parquet).</p>
      {upload.isError && <ErrorMessage error={upload.error} title="Could not read the AOI" />}
    </form>
  );
}
