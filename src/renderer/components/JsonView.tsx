/** Result viewer: pretty JSON, with any `data_b64` JPEG shown as an image (and elided from the text). */
function findImages(v: unknown, out: string[] = [], depth = 0): string[] {
  if (!v || typeof v !== 'object' || depth > 4) return out;
  const o = v as Record<string, unknown>;
  const fmtName = String(o.format ?? o.encoding ?? '').toLowerCase();
  if (typeof o.data_b64 === 'string' && (fmtName === 'jpeg' || fmtName === 'jpg' || fmtName === 'thumbnail' || o.data_b64.startsWith('/9j/'))) {
    out.push(o.data_b64);
  }
  for (const k of Object.keys(o)) if (k !== 'data_b64') findImages(o[k], out, depth + 1);
  return out;
}

function elide(_k: string, v: unknown): unknown {
  return typeof v === 'string' && v.length > 400 ? `${v.slice(0, 80)}… (${v.length} chars)` : v;
}

export function JsonView({ value }: { value: unknown }) {
  const images = findImages(value);
  return (
    <div className="json-view">
      {images.map((b64, i) => (
        <img key={i} className="result-image" alt="frame from the result" src={`data:image/jpeg;base64,${b64}`} />
      ))}
      <pre>{JSON.stringify(value, elide, 2)}</pre>
    </div>
  );
}
