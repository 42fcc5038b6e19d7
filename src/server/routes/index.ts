/**
 * The service's route modules, mounted in this order by the app factory; open ones (no API key)
 * go before the key check. A new route file is one line here; it documents itself in /openapi.json.
 */
import { batch } from './batch.ts';
import { describe } from './describe.ts';
import { health } from './health.ts';
import { info } from './info.ts';
import { predict } from './predict.ts';
import type { RouteModule } from './route.ts';
import { webData, webPage } from './web.ts';

export const ROUTES: readonly RouteModule[] = Object.freeze([health, info, predict, batch, describe, webPage, webData]);
export type { RouteModule } from './route.ts';
