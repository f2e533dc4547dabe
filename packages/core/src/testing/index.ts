/**
 * `@stowage/core/testing`: the conformance suite every Stowage driver passes.
 *
 * Needs Vitest (an optional peer dependency of `@stowage/core`).
 *
 * @packageDocumentation
 */
export type { Capabilities } from '../capabilities.js';
export type { ConformanceOptions } from './context.js';
export { runConformance } from './run-conformance.js';
