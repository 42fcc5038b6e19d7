/**
 * Bearer API key on every route mounted after this (health stays open for probes). The scheme is
 * case-insensitive (RFC 7235); the token is compared in constant time through sha256 digests.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { OnnxPredictError } from '../../errors.ts';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function requireApiKey(apiKey: string | null): RequestHandler {
  if (apiKey === null) return (_req, _res, next) => next();
  const want = digest(apiKey);
  return (req, res, next) => {
    const m = /^\s*bearer\s+(\S+)\s*$/i.exec(req.get('authorization') ?? '');
    if (!m || !timingSafeEqual(digest(m[1]!), want)) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      throw new OnnxPredictError('UNAUTHORIZED', 'missing or bad API key: send the header Authorization: Bearer <key>');
    }
    next();
  };
}
