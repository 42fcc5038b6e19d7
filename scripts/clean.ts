/**
 * `npm run clean`: deletes the build outputs `npm run build` writes next to the sources (the
 * git-ignored `.js`/`.d.ts` files under src/, datasets/ and bin/), one file at a time.
 *
 * Not `git clean -X -- src datasets bin`: git 2.39 treats the ignored folder `data/` as a leading
 * match of the pathspec `datasets` and deletes it — every built dataset and cache.
 */
import { execFileSync } from 'node:child_process';
import { unlinkSync } from 'node:fs';

const listed = execFileSync('git', ['ls-files', '-z', '--others', '--ignored', '--exclude-standard', '--', 'src', 'datasets', 'bin'], { encoding: 'utf8' });
const files = listed.split('\0').filter((f) => f !== '' && /\.(js|d\.ts)$/.test(f));
for (const f of files) unlinkSync(f);
process.stdout.write(`removed ${files.length} build output${files.length === 1 ? '' : 's'}\n`);
