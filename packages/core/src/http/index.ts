/**
 * `@stowage/core/http`: web-standard handlers `(Request) => Promise<Response>` that serve and
 * receive a storage's objects, usable as Next.js route handlers as they are and in Express or
 * `node:http` through {@link toNodeHandler}.
 */
export { errorResponse, statusForError } from './error-response.js';
export type { FileHandlerOptions, WebHandler } from './file-handler.js';
export { createFileHandler } from './file-handler.js';
export type { NodeHandler } from './node-handler.js';
export { toNodeHandler } from './node-handler.js';
export type { ReceivedUpload, ReceiveUploadOptions, UploadedFile } from './receive-upload.js';
export { receiveUpload } from './receive-upload.js';
export type { UploadHandlerOptions, UploadResult } from './upload-handler.js';
export { createUploadHandler } from './upload-handler.js';
