/** npm run docs:table — rewrites the disposition mapping in README.md from the rules in src/core. */
import { readFileSync, writeFileSync } from 'node:fs';
import { readmeTable, replaceReadmeTable } from '../src/core/readme-table.ts';

const path = new URL('../README.md', import.meta.url);
writeFileSync(path, replaceReadmeTable(readFileSync(path, 'utf8'), readmeTable()));
console.log('README.md: disposition table updated');
