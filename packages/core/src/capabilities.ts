/** What a driver can do. The facade throws UNSUPPORTED for anything marked false. */
export interface Capabilities {
  /** `get(key, { range })` reads part of an object without reading the rest. */
  rangeRead: boolean;
  list: boolean;
  /** Server-side copy (otherwise the facade copies through the process). */
  copy: boolean;
  /** A native rename (otherwise the facade moves by copy + delete). */
  move: boolean;
  /** `url(key)` gives a URL anyone can fetch. */
  publicUrl: boolean;
  signedUrl: boolean;
  signedUpload: boolean;
  /** Per-object `visibility: 'public' | 'private'`. */
  visibility: boolean;
  /** `onConflict: 'fail'` is atomic on the backend. */
  conditionalWrite: boolean;
  /** Custom `metadata` is stored and returned. */
  metadata: boolean;
  /** `url(key, { transform })` resizes images on delivery. */
  transforms: boolean;
}

export const NO_CAPABILITIES: Capabilities = Object.freeze({
  rangeRead: false,
  list: false,
  copy: false,
  move: false,
  publicUrl: false,
  signedUrl: false,
  signedUpload: false,
  visibility: false,
  conditionalWrite: false,
  metadata: false,
  transforms: false,
});
