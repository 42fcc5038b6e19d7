import type { SpaceBuilder } from '../lib/types.ts';
export const nb101: SpaceBuilder = {
  space: 'nb101', description: 'NAS-Bench-101 (work in progress)',
  entries: async () => [],
  build: () => { throw new Error('not yet'); },
};
