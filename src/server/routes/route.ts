/**
 * A route module: what it mounts and how the OpenAPI document describes it. The app factory mounts
 * the modules of `ROUTES` (routes/index.ts) in order and builds /openapi.json from their `paths`,
 * so a new route file is one line there and documents itself.
 */
import type { Express, Request } from 'express';
import { UsageError } from '../../errors.ts';
import { parseInteger } from '../../integers.ts';
import type { AppContext } from '../context.ts';

export interface RouteModule {
  readonly name: string;
  /** Mounted before the API-key check (health probes, public pages). */
  readonly open?: boolean;
  /** OpenAPI `paths` entries for what `mount` registers (a test checks they agree). */
  readonly paths: Readonly<Record<string, Record<string, unknown>>>;
  /** Extra `components.schemas` entries the paths refer to. */
  readonly schemas?: Readonly<Record<string, unknown>>;
  mount(app: Express, ctx: AppContext): void;
}

export function queryString(req: Request, name: string, max = 256): string | undefined {
  const v: unknown = (req.query as Record<string, unknown>)[name];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new UsageError(`query parameter '${name}' must be given once`);
  if (v.length > max) throw new UsageError(`query parameter '${name}' is longer than ${max} characters`);
  return v;
}

export function queryInt(req: Request, name: string, min: number, max: number): number | undefined {
  const v = queryString(req, name);
  if (v === undefined) return undefined;
  return parseInteger(`query parameter '${name}'`, v, { min, max });
}

export function checkTarget(ctx: AppContext, target: string | undefined): void {
  const targets = ctx.work.facts.targets;
  if (target !== undefined && !targets.includes(target)) throw new UsageError(`target must be one of ${targets.join(', ')}, got '${target}'`);
}
