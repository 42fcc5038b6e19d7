// Worker bootstrap: Node 20 workers do not inherit tsx's loader, so register it before loading
// the TypeScript worker body.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
