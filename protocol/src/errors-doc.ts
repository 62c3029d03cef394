import type { ErrorDefinition, ErrorOwner } from './error-registry.ts';

const SECTIONS: [ErrorOwner, string][] = [
  ['protocol', 'Protocol (every tier)'],
  ['cli', 'Every CLI'],
  ['trainer', 'Trainer'],
  ['fleet', 'Fleet'],
  ['gateway', 'Gateway'],
  ['device', 'Device'],
];

const INTRO = `# Error codes

<!-- Generated from the error registry by \`npm run docs:errors\`; do not edit by hand. -->

Every Outpost error carries a stable \`code\` (tests assert codes, never messages), a message, and
\`details\` (for example \`field\`, \`line\`, \`column\`, \`file\`). Each code is defined once, through
\`defineErrors\` in \`protocol/src/error-registry.ts\`, by the file that owns it: \`protocol/src/errors.ts\`
and \`protocol/src/pipeline/errors.ts\` for the codes every tier shares, each workspace's
\`src/errors.ts\` for its own. A second definition of a code throws when it loads, and
\`test/structure/errors-doc.test.ts\` fails when this file differs from the registry or when a source
or test spells a code out instead of using the registry's constants.

Every CLI prints a coded error as \`outpost: CODE: message\` (no stack trace) and exits 1, or 2 for
\`OUTPOST_ERR_CLI_ARGS\` (docs/ARCHITECTURE.md "Running a tier"). Services never crash on a bad
message: they log the code, count it and keep the raw payload in a \`dead_letters\` table with the code.
`;

/** docs/errors.md from the registry's definitions: one table per owner, codes in alphabetical order. */
export function renderErrorsDoc(definitions: readonly ErrorDefinition[]): string {
  const parts = [INTRO];
  for (const [owner, title] of SECTIONS) {
    const defs = definitions.filter((d) => d.owner === owner).sort((a, b) => a.code.localeCompare(b.code));
    if (defs.length === 0) continue;
    parts.push(`\n## ${title}\n\n| code | meaning |\n| --- | --- |\n`);
    parts.push(defs.map((d) => `| \`${d.code}\` | ${d.meaning.replaceAll('|', '\\|')} |\n`).join(''));
  }
  return parts.join('');
}
