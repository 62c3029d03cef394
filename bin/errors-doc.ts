/** `npm run docs:errors`: writes docs/errors.md from the error registry. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorsDocText } from './errors-table.ts';

const file = join(import.meta.dirname, '..', 'docs', 'errors.md');
writeFileSync(file, await errorsDocText());
console.log(`wrote ${file}`);
