import type { AccountSettings } from './account.js';
import type { AssetStore } from './asset-store.js';
import type { ChunkAssembler } from './chunked-uploads.js';
import type { AdminRateLimit, FailureQueue } from './failures.js';
import type { SignatureAlgorithm } from './types.js';

/** What every handler shares: configuration and the in-memory state. */
export interface EmulatorState {
  readonly cloudName: string;
  readonly apiKey: string;
  readonly apiSecret: string;
  /** Algorithms accepted in signatures. */
  readonly algorithms: readonly SignatureAlgorithm[];
  /** Algorithm the emulator signs with (response signatures, URLs it builds). */
  readonly signingAlgorithm: SignatureAlgorithm;
  /** `http://127.0.0.1:PORT`, known once the server listens. */
  baseUrl: string;
  readonly store: AssetStore;
  readonly chunks: ChunkAssembler;
  readonly failures: FailureQueue;
  readonly rateLimit: AdminRateLimit;
  /** How the emulated account is set up (new-account defaults unless told otherwise). */
  readonly account: AccountSettings;
}
