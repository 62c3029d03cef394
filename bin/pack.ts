/**
 * `npm run pack [-- --out <dir>]`: compiles and packs `protocol` and `device` as npm tarballs a
 * device installs (stack/pack.ts; default folder dist-packages/). Prints the tarballs' paths.
 */
import path from 'node:path';
import { packPackages } from '../stack/pack.ts';

const i = process.argv.indexOf('--out');
const outDir = path.resolve(
  i > 0 ? (process.argv[i + 1] as string) : path.join(import.meta.dirname, '..', 'dist-packages'),
);
for (const t of packPackages(outDir)) console.log(t);
