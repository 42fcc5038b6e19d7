import type { SpaceBuilder } from '../lib/types.ts';
export const nb201: SpaceBuilder = {
  space: 'nb201', description: 'NAS-Bench-201 (work in progress)',
  entries: async () => [],
  build: () => { throw new Error('not yet'); },
};
