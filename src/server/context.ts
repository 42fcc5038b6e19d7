/** What every middleware and route of one app shares. */
import type { ServerConfig } from './config.ts';
import type { Work } from './jobs/backend.ts';

/** Mutable state shared between the app and `startServer` (drain on SIGTERM). */
export interface ServerState {
  draining: boolean;
  readonly startedAt: number;
  /** Request bodies being received now (bounded by `config.maxUploads`). */
  uploads: number;
}

export interface AppContext {
  readonly config: ServerConfig;
  readonly work: Work;
  readonly state: ServerState;
  readonly log: (line: string) => void;
  readonly version: string;
}

export function newState(): ServerState {
  return { draining: false, startedAt: Date.now(), uploads: 0 };
}
